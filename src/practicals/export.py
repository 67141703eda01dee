"""The two exports, written to the course root from the gradebook (so overrides count):

- ``grades.csv``: one row per student, one column per assignment, and a total;
- ``grades_long.csv``: student_id, assignment, core_points, core_max, star_points, star_max,
  late, score, reason.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from . import gradebook
from .config import Course
from .scale import score

LONG_COLUMNS = [
    "student_id", "assignment", "core_points", "core_max", "star_points", "star_max",
    "late", "score", "reason",
]  # fmt: skip


def _reason(course: Course, student: str, assignment: str) -> str:
    report = course.root / "autograded" / student / assignment / "report.json"
    if report.is_file():
        return json.loads(report.read_text()).get("reason", "")
    return ""


def long_rows(course: Course) -> list[dict]:
    policy = course.scale.policy()
    out = []
    with gradebook.opened(course.gradebook_url) as gb:
        rows = gradebook.rows(gb)
    for row in rows:
        if row.submitted:
            value, cap = score(row.points, row.late, policy)
            reason = _reason(course, row.student, row.assignment) or cap
        else:
            value = 0.0
            reason = _reason(course, row.student, row.assignment) or "missing submission"
        p = row.points
        out.append(dict(zip(LONG_COLUMNS, [
            row.student, row.assignment, p.core, p.core_max, p.star, p.star_max,
            int(row.late), value, reason,
        ], strict=True)))  # fmt: skip
    return out


def write(course: Course) -> tuple[Path, Path]:
    """Write both exports; returns their paths."""
    rows = long_rows(course)
    long_path, wide_path = course.root / "grades_long.csv", course.root / "grades.csv"
    with open(long_path, "w", newline="") as f:
        writer = csv.DictWriter(f, LONG_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assignments = sorted({r["assignment"] for r in rows})
    wide: dict[str, dict] = {}
    for r in rows:
        wide.setdefault(r["student_id"], {"student_id": r["student_id"]})[r["assignment"]] = r[
            "score"
        ]
    with open(wide_path, "w", newline="") as f:
        writer = csv.DictWriter(f, ["student_id", *assignments, "total"])
        writer.writeheader()
        for student in sorted(wide):
            line = wide[student]
            line["total"] = round(sum(line.get(a, 0.0) for a in assignments), 2)
            writer.writerow(line)
    return wide_path, long_path
