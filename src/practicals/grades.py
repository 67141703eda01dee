"""One student's grade for one assignment, computed once by a pure function from the gradebook.

The gradebook holds the points (overrides included) and the submission and due times; the
grader's report holds the notes (why a cell failed, what was odd about the file). Everything a
person reads (report.json, the feedback, the exports) is drawn from the same ``StudentGrade``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .scale import Points, Policy, score


@dataclass(frozen=True)
class StudentGrade:
    student: str
    assignment: str
    points: Points
    submitted: bool
    timestamp: datetime | None  # naive UTC, as nbgrader stores it
    late: bool
    score: float  # on the 0-4 scale, late cap applied
    raw_score: float  # the same before the late cap
    reason: str  # the notes and the cap, in one line


def student_grade(
    student: str,
    assignment: str,
    points: Points,
    submitted: bool,
    timestamp: datetime | None,
    seconds_late: float,
    notes: list[str],
    policy: Policy,
) -> StudentGrade:
    """The grade of one submission (or of a missing one: 0, "missing submission")."""
    if not submitted:
        why = "; ".join(dict.fromkeys(notes or ["missing submission"]))
        return StudentGrade(student, assignment, points, False, None, False, 0.0, 0.0, why)
    late = seconds_late > 0
    value, cap = score(points, late, policy)
    raw, _ = score(points, False, policy)
    reason = "; ".join(dict.fromkeys([*notes, *([cap] if cap else [])]))
    return StudentGrade(student, assignment, points, True, timestamp, late, value, raw, reason)
