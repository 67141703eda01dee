"""The demo class: synthetic students built from the source notebooks, each with a known score.

Each assignment's demo students and their expected scores are listed in the course manifest.
``make demo`` builds them into ``submitted/``, grades every assignment through the real
pipeline and prints the 0-4 table beside the expected scores; the suite asserts the same table.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta

import nbformat

from . import notebook
from .config import Course

DIES = "import os\nos._exit(1)  # demo: the kernel dies here, midway through the notebook"


def _star_answers(source: nbformat.NotebookNode) -> set[str]:
    """Answer cells of starred exercises: those whose next test cell is starred."""
    stars, pending = set(), []
    for cell in source.cells:
        if notebook.is_answer(cell):
            pending.append(notebook.grade_id(cell))
        elif notebook.is_test(cell):
            if notebook.is_star(notebook.grade_id(cell)):
                stars.update(pending)
            pending = []
    return stars


def _half_core(source: nbformat.NotebookNode) -> tuple[set[str], str]:
    """Core answers that earn about half the core points, and the test cell that reaches it."""
    core_max = sum(t.points for t in notebook.test_cells(source) if not t.star)
    answered, earned = set(), 0.0
    for cell in source.cells:
        if notebook.is_answer(cell):
            answered.add(notebook.grade_id(cell))
        elif notebook.is_test(cell) and not notebook.is_star(notebook.grade_id(cell)):
            earned += notebook.meta(cell).get("points", 0)
            if earned >= core_max / 2:
                return answered, notebook.grade_id(cell)
    return answered, ""


def build(kind: str, source: nbformat.NotebookNode, release: nbformat.NotebookNode) -> str:
    """The text of one demo submission: the release with some answers filled in."""
    if kind == "broken-json":
        return '{"cells": [{"cell_type": "code", "source": "print(1)"'  # cut off mid-file
    answers = {notebook.grade_id(c): c.source for c in source.cells if notebook.is_answer(c)}
    filled = {
        "complete": set(answers),
        "late": set(answers),
        "kernel-dies": set(answers),
        "unedited": set(),
        "core-only": set(answers) - _star_answers(source),
        "half-core": _half_core(source)[0],
    }[kind]
    nb = nbformat.from_dict(release)
    cells = []
    for cell in nb.cells:
        gid = notebook.grade_id(cell)
        if notebook.is_answer(cell) and gid in filled:
            cell.source = answers[gid]
        cells.append(cell)
        if kind == "kernel-dies" and gid == _half_core(source)[1]:
            cells.append(nbformat.v4.new_code_cell(DIES))
    nb.cells = cells
    return nbformat.writes(nb)


def make_class(course: Course) -> list[str]:
    """Write every demo submission into submitted/; returns the assignments it covers."""
    covered = []
    for assignment, entry in course.manifest.assignments.items():
        src_dir = course.root / "source" / assignment
        if not src_dir.is_dir() or not entry.demo:
            continue
        covered.append(assignment)
        due = entry.due or datetime(2026, 1, 1, tzinfo=UTC)
        for path in sorted(src_dir.glob("*.ipynb")):
            source = notebook.read(path)
            release = notebook.read(course.root / "release" / assignment / path.name)
            for student in entry.demo:
                folder = course.root / "submitted" / f"demo-{student.name}" / assignment
                folder.mkdir(parents=True, exist_ok=True)
                (folder / path.name).write_text(build(student.name, source, release))
                when = due + (timedelta(days=1) if student.late else -timedelta(days=1))
                (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    return covered


def table(course: Course) -> list[dict]:
    """The demo rows of grades_long.csv, with the expected score beside each."""
    entries = course.manifest.assignments.items()
    expected = {(f"demo-{s.name}", a): s.expected for a, entry in entries for s in entry.demo}
    if not (course.root / "grades_long.csv").is_file():  # nothing could be graded
        return []
    with open(course.root / "grades_long.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if (r["student_id"], r["assignment"]) in expected]
    for r in rows:
        r["expected"] = expected[(r["student_id"], r["assignment"])]
    return rows


def run_demo(course: Course, workers: int | None = None) -> int:
    from .grade import grade_assignment
    from .reference import ReferenceError

    for old in (course.root / "submitted").glob("demo-*"):
        shutil.rmtree(old)
    skipped = []
    for assignment in make_class(course):
        try:
            grade_assignment(course, assignment, workers=workers)
        except ReferenceError as err:  # most often: no data and no network for this practical
            skipped.append(f"{assignment}: {err}")
    rows = table(course)
    print(f"\n{'student':20s} {'assignment':20s} {'score':>5s}  {'expected':24s} reason")
    for r in rows:
        print(
            f"{r['student_id']:20s} {r['assignment']:20s} {float(r['score']):5.1f}  "
            f"{r['expected']:24s} {r['reason'][:90]}"
        )
    for line in skipped:
        print(f"\nNOT GRADED {line}")
    return 1 if skipped else 0
