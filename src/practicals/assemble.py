"""Build what a submission runs: the source's test and read-only cells, the student's answers.

The source notebook is the skeleton. Test and read-only cells always come from the source, so a
deleted, edited or renamed test cell changes nothing (nbgrader's OverwriteCells does the same from
its database). Answer cells come from the submission, matched by ``grade_id``; a missing one is
left out rather than replaced by its stub: when it was only renamed, the student's code runs as
an added cell and a stub must not overwrite it. Cells the student added (scratch work, helpers,
text) are kept, right after the known cell they followed, so that code they rely on still runs
and the autograded notebook reads as the student wrote it. Duplicated ids keep the first copy,
as nbgrader's DeduplicateIds does; later copies run as added cells. Student text is only ever
run or shown, never parsed for nbgrader markers, and any cell shape is read as something or
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbformat import NotebookNode

from . import notebook
from .notebook import Kind


@dataclass(frozen=True)
class Cell:
    source: str
    grade_id: str | None  # None for a cell the student added
    kind: Kind


@dataclass
class Assembly:
    cells: list[Cell]
    notes: list[str] = field(default_factory=list)
    unanswered: set[str] = field(default_factory=set)  # answer ids still as released, or missing
    unedited: bool = False  # every answer is still the release stub


def assemble(
    source: NotebookNode, submission: NotebookNode, released: dict[str, NotebookNode]
) -> Assembly:
    """Merge a submission into the source skeleton. ``released`` is ``notebook.release_cells``."""
    known = {notebook.grade_id(c): notebook.kind_of(c) for c in source.cells
             if c.cell_type == "code"}  # fmt: skip
    answers: dict[str, str] = {}
    added: dict[str | None, list[Cell]] = {}
    seen: set[str] = set()
    notes: list[str] = []
    anchor: str | None = None
    for cell in submission.cells:
        if not isinstance(cell, dict):
            continue
        text = notebook.text(cell)
        if cell.get("cell_type") != "code":
            added.setdefault(anchor, []).append(Cell(text, None, Kind.MARKDOWN))
            continue
        gid = notebook.grade_id(cell)
        if gid in known and gid not in seen:
            seen.add(gid)
            anchor = gid
            if known[gid] == Kind.ANSWER:
                answers[gid] = text
            continue
        if gid in seen:
            notes.append(f"cell {gid!r} appears twice: the first copy was graded")
        added.setdefault(anchor, []).append(Cell(text, None, Kind.ADDED))

    cells = list(added.get(None, []))
    for src in source.cells:
        if src.cell_type != "code":
            continue
        gid = notebook.grade_id(src)
        kind = known[gid]
        if kind == Kind.ANSWER:
            if gid in answers:
                cells.append(Cell(answers[gid], gid, kind))
            else:
                notes.append(f"answer cell {gid!r} is missing (renamed or deleted)")
        else:
            if gid not in seen:
                notes.append(f"{kind} cell {gid!r} was missing: restored from the source")
            cells.append(Cell(src.source, gid, kind))
        cells += added.get(gid, [])
    answer_ids = [g for g, k in known.items() if k == Kind.ANSWER]
    unanswered = {g for g in answer_ids
                  if g not in answers or notebook.unanswered(released[g], answers[g])}  # fmt: skip
    return Assembly(cells, notes, unanswered, bool(answer_ids) and unanswered == set(answer_ids))
