"""Build what a submission runs: the source's test and read-only cells, the student's answers.

The source notebook is the skeleton. Test and read-only cells always come from the source, so a
deleted, edited or renamed test cell changes nothing (nbgrader's OverwriteCells does the same from
its database). Answer cells come from the submission, matched by ``grade_id``; a missing one is
graded as its release stub. Cells the student added (scratch work, helpers) are kept, right
after the known cell they followed, so that code they rely on still runs. A missing answer cell
is left out rather than replaced by its stub: when it was only renamed, the student's code runs
as an added cell and a stub must not overwrite it. Duplicated ids keep the first copy, as
nbgrader's DeduplicateIds does; later copies run as added cells. Student text is only ever
run, never parsed for nbgrader markers, and any cell shape is read as something or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbformat import NotebookNode

from . import notebook


@dataclass(frozen=True)
class Cell:
    source: str
    grade_id: str | None  # None for a cell the student added
    kind: str  # "answer", "test", "readonly" or "added"


@dataclass
class Assembly:
    cells: list[Cell]
    notes: list[str] = field(default_factory=list)
    unedited: bool = False  # every answer is still the release stub


def kind_of(cell: NotebookNode) -> str:
    if notebook.is_test(cell):
        return "test"
    if notebook.is_answer(cell):
        return "answer"
    return "readonly"


def assemble(source: NotebookNode, submission: NotebookNode, stubs: dict[str, str]) -> Assembly:
    """Merge a submission into the source skeleton. ``stubs`` maps answer ids to release stubs."""
    known = {notebook.grade_id(c): kind_of(c) for c in source.cells if c.cell_type == "code"}
    answers: dict[str, str] = {}
    added: dict[str | None, list[str]] = {}
    seen: set[str] = set()
    notes: list[str] = []
    anchor: str | None = None
    for cell in submission.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        gid = notebook.grade_id(cell)
        text = notebook.text(cell)
        if gid in known and gid not in seen:
            seen.add(gid)
            anchor = gid
            if known[gid] == "answer":
                answers[gid] = text
            continue
        if gid in seen:
            notes.append(f"cell {gid!r} appears twice: the first copy was graded")
        added.setdefault(anchor, []).append(text)

    cells = [Cell(text, None, "added") for text in added.get(None, [])]
    for src in source.cells:
        if src.cell_type != "code":
            continue
        gid = notebook.grade_id(src)
        kind = known[gid]
        if kind == "answer":
            if gid in answers:
                cells.append(Cell(answers[gid], gid, kind))
            else:
                notes.append(f"answer cell {gid!r} is missing (renamed or deleted)")
        else:
            if gid not in seen:
                notes.append(f"{kind} cell {gid!r} was missing: restored from the source")
            cells.append(Cell(src.source, gid, kind))
        cells += [Cell(text, None, "added") for text in added.get(gid, [])]
    unedited = bool(stubs) and all(
        answers.get(g, stubs[g]).strip() == stubs[g].strip() for g in stubs
    )
    return Assembly(cells, notes, unedited)


def release_stubs(source: NotebookNode, released: dict[str, str]) -> dict[str, str]:
    """Each answer cell's release text (solution regions replaced by nbgrader's stub), taken
    from ``released``: the notebook's ``notebook.release_sources``, computed once."""
    return {notebook.grade_id(c): released[notebook.grade_id(c)]
            for c in source.cells if notebook.is_answer(c)}  # fmt: skip
