"""The only code that touches gradebook.db, through nbgrader's own API, from the trusted parent.

Points live in nbgrader's gradebook, so an instructor can override any of them in formgrader and
re-export; the grader's notes (why a cell failed, why a score was capped) live beside the
autograded notebooks, in ``autograded/<student>/<assignment>/report.json``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning

from .notebook import TestCell, is_star
from .scale import Points


@contextmanager
def opened(url: str) -> Iterator[Gradebook]:
    gb = Gradebook(url)
    try:
        yield gb
    finally:
        gb.close()


def ensure_assignment(
    gb: Gradebook, assignment: str, duedate: str | None, notebooks: dict[str, list[TestCell]]
) -> None:
    """Create or update the assignment, its notebooks and grade cells (what SaveCells records)."""
    kwargs = {"duedate": parse_utc(duedate)} if duedate else {}
    gb.update_or_create_assignment(assignment, **kwargs)
    for name, cells in notebooks.items():
        gb.update_or_create_notebook(name, assignment)
        for cell in cells:
            gb.update_or_create_grade_cell(
                cell.grade_id, name, assignment, max_score=cell.points, cell_type="code"
            )


def students(gb: Gradebook) -> set[str]:
    return {s.id for s in gb.students}


def record(
    gb: Gradebook,
    assignment: str,
    student: str,
    timestamp: datetime | None,
    scores: dict[str, dict[str, float]],
) -> None:
    """Write auto scores: ``scores[notebook][grade_id]``; manual overrides are left alone."""
    gb.update_or_create_student(student)
    with warnings.catch_warnings():
        # nbgrader 0.9's add_submission trips SQLAlchemy 2.1's autoflush warnings; the rows are
        # written all the same (the round-trip tests read them back).
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    for nb, cells in scores.items():
        for gid, points in cells.items():
            grade = gb.find_grade(gid, nb, assignment, student)
            grade.auto_score = points
            grade.needs_manual_grade = False
    gb.db.commit()


@dataclass(frozen=True)
class Row:
    student: str
    assignment: str
    points: Points
    submitted: bool
    late: bool


def rows(gb: Gradebook) -> list[Row]:
    """Points per (student, assignment) as the gradebook has them now, overrides included."""
    found = []
    for assignment in sorted(gb.assignments, key=lambda a: a.name):
        for student in sorted(s.id for s in gb.students):
            try:
                sub = gb.find_submission(assignment.name, student)
            except MissingEntry:
                found.append(Row(student, assignment.name, Points(0, 0, 0, 0), False, False))
                continue
            total = Points(0, 0, 0, 0)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    earned, maximum = grade.score or 0.0, grade.max_score or 0.0
                    if is_star(grade.name):
                        total += Points(0, 0, earned, maximum)
                    else:
                        total += Points(earned, maximum, 0, 0)
            late = bool(sub.timestamp and assignment.duedate and sub.timestamp > assignment.duedate)
            found.append(Row(student, assignment.name, total, True, late))
    return found
