"""Feedback for one student and notebook, as a self-contained HTML page.

It opens with the 0-4 score, the reason for any cap and a per-exercise table, then shows the
notebook as it ran. Hidden tests never appear: test cells are shown as released (nbgrader's own
ClearHiddenTests cut them from the source, in ``notebook.release_sources``), observations are
dropped, and test-cell errors keep only their message (a traceback would quote the hidden lines).
Student text is shown as written and never parsed for markers: nbgrader refuses a hidden-test
marker outside a test cell, and a student may paste one anywhere.
"""

from __future__ import annotations

import html

import nbformat
from nbconvert import HTMLExporter

from .checks import MIME
from .notebook import TestCell

_exporter: HTMLExporter | None = None


def _html(nb: nbformat.NotebookNode) -> str:
    global _exporter
    if _exporter is None:  # building the exporter loads its templates: once per process
        _exporter = HTMLExporter(template_name="lab")
    body, _ = _exporter.from_notebook_node(nb)
    return body


def summary(result, tests: list[TestCell], score: float, reason: str, late: bool) -> str:
    """The markdown that heads the page."""
    lines = [
        f"# Feedback: {result.notebook}, student {result.student}",
        "",
        f"**Score: {score:g} / 4**" + (f" ({reason})" if reason else ""),
        "",
        "| test cell | points | result |",
        "|---|---|---|",
    ]
    for t in tests:
        verdict = result.verdicts.get(t.grade_id)
        earned = t.points if verdict and verdict.passed else 0
        status = "passed" if verdict and verdict.passed else (verdict.reason if verdict else "")
        star = " (*)" if t.star else ""
        lines.append(
            f"| `{t.grade_id}`{star} | {earned:g} / {t.points:g} | {html.escape(status)} |"
        )
    if late:
        lines += ["", "This submission was collected after the due date."]
    return "\n".join(lines)


def _safe_outputs(outputs: list, is_test: bool) -> list:
    kept = []
    for out in outputs:
        if MIME in out.get("data", {}):
            continue
        if is_test and out.get("output_type") == "error":
            text = f"{out.get('ename')}: {out.get('evalue')}\n"
            kept.append(nbformat.v4.new_output("stream", name="stderr", text=text))
            continue
        kept.append(nbformat.from_dict(out))
    return kept


def render(
    result, tests: list[TestCell], released: dict[str, str], score: float, reason: str, late: bool
) -> str:
    """The page. ``released`` maps the source's grade ids to their release text."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(summary(result, tests, score, reason, late)))
    for cell, outs in zip(result.cells, result.outputs, strict=True):
        from_source = cell.kind in ("test", "readonly")
        node = nbformat.v4.new_code_cell(released.get(cell.grade_id, "") if from_source
                                         else cell.source)  # fmt: skip
        node.outputs = _safe_outputs(outs or [], cell.kind == "test")
        nb.cells.append(node)
    return _html(nb)
