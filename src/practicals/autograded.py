"""The autograded notebook of one submission, as formgrader shows it to an instructor.

It keeps every cell of the submission, in the order that ran, with what each printed. Graded
cells carry the source's nbgrader metadata (grade id, points, checksum), so formgrader draws
their score and comment boxes; a test cell the judge failed ends with the judge's reason. The
observations a test cell emitted are left out: the judge has read them, and they are no reading.
Student outputs and text are made inert first (``inert.py``): formgrader serves this page from
the instructor's Jupyter origin.
"""

from __future__ import annotations

import copy

import nbformat

from . import inert
from .checks import MIME as OBSERVATION
from .notebook import Kind
from .worker import Result

VERDICT = "grader: not passed: {reason}\n"  # what a failed test cell ends with, on stderr


def build(
    result: Result,
    released: dict[str, nbformat.NotebookNode],
    runnable: bool,
    kernelspec: dict,
) -> nbformat.NotebookNode:
    """The notebook formgrader will show; ``released`` gives each graded cell's metadata."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = kernelspec
    if not runnable:
        why = "; ".join(result.notes) or "not run"
        text = inert.markdown(f"**Not run by the grader:** {why}")  # the notes quote file names
        nb.cells.append(nbformat.v4.new_markdown_cell(text, id="practicals-not-run"))
    for i, (cell, outs) in enumerate(zip(result.cells, result.outputs, strict=True)):
        cell_id = cell.grade_id or f"cell-{i}"
        if cell.kind == Kind.MARKDOWN:
            nb.cells.append(nbformat.v4.new_markdown_cell(inert.markdown(cell.source),
                                                          id=cell_id))  # fmt: skip
            continue
        node = nbformat.v4.new_code_cell(cell.source, id=cell_id)
        shown = [o for o in outs or [] if OBSERVATION not in o.get("data", {})]
        node.outputs = [nbformat.from_dict(o) for o in inert.outputs(shown)]
        node.execution_count = None
        if cell.grade_id in released:
            node.metadata["nbgrader"] = copy.deepcopy(released[cell.grade_id].metadata["nbgrader"])
        node.metadata["practicals"] = {"kind": str(cell.kind), "ran": outs is not None}
        verdict = result.verdicts.get(cell.grade_id) if cell.kind == Kind.TEST else None
        if verdict is not None and not verdict.passed:
            text = VERDICT.format(reason=verdict.reason)
            node.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=text))
        nb.cells.append(node)
    return nb
