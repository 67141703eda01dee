"""The only code that touches gradebook.db, through nbgrader's own API, from the trusted parent.

Points live in nbgrader's gradebook, so an instructor can override any of them in formgrader;
every grade a person reads is computed from it (``grades.student_grade``). The cells are recorded
by nbgrader's own ``SaveCells``, as ``nbgrader generate_assignment`` records them, so formgrader
finds every grade, solution and source cell.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import datetime

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveCells
from sqlalchemy.exc import SAWarning

from .grades import StudentGrade, student_grade
from .notebook import is_star
from .scale import Points, Policy


def ensure_assignment(
    url: str, assignment: str, due: datetime | None, sources: dict[str, nbformat.NotebookNode]
) -> None:
    """Record the assignment, its due date (naive UTC, as nbgrader keeps it) and its cells."""
    with Gradebook(url) as gb:
        gb.update_or_create_assignment(assignment, duedate=due)
    for name, nb in sources.items():
        resources = {"nbgrader": {"assignment": assignment, "notebook": name, "db_url": url}}
        SaveCells().preprocess(nb, resources)


def record(
    gb: Gradebook,
    assignment: str,
    student: str,
    timestamp: datetime | None,
    scores: dict[str, dict[str, float]],
    unanswered: dict[str, set[str]],
) -> None:
    """Write auto scores, ``scores[notebook][grade_id]``, leaving manual overrides alone.

    ``needs_manual_grade`` and the "No response." comment are set as nbgrader's SaveAutoGrades
    sets them; ``unanswered[notebook]`` holds the answer cells still as released.
    """
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
            grade.needs_manual_grade = grade.manual_score is not None
        for comment in gb.find_submission_notebook(nb, assignment, student).comments:
            comment.auto_comment = "No response." if comment.name in unanswered[nb] else None
    gb.db.commit()


def earned_points(grade) -> float:
    """A grade cell's points, capped at its maximum: formgrader accepts any override."""
    return min(max(grade.score or 0.0, 0.0), grade.max_score or 0.0)


def student_grades(
    gb: Gradebook,
    assignment: str,
    notes: Callable[[str], list[str]],
    policy: Policy,
    students: list[str] | None = None,
) -> list[StudentGrade]:
    """Each student's grade as the gradebook has it now, overrides and extensions included."""
    found = []
    for student in students or sorted(s.id for s in gb.students):
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            found.append(student_grade(student, assignment, Points(0, 0, 0, 0), False, None, 0,
                                       notes(student), policy))  # fmt: skip
            continue
        total = Points(0, 0, 0, 0)
        for nb in sub.notebooks:
            for grade in nb.grades:
                earned, maximum = earned_points(grade), grade.max_score or 0.0
                part = Points(0, 0, earned, maximum) if is_star(grade.name) else Points(
                    earned, maximum, 0, 0)  # fmt: skip
                total += part
        found.append(student_grade(student, assignment, total, True, sub.timestamp,
                                   sub.total_seconds_late, notes(student), policy))  # fmt: skip
    return found
