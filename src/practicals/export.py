"""The two exports, drawn from the gradebook (so formgrader's overrides count):

- ``grades.csv``: one row per student, one column per assignment, and a total;
- ``grades_long.csv``: student_id, assignment, core_points, core_max, star_points, star_max,
  late, raw_score, score, reason.

``LongExport`` is an nbgrader export plugin, so ``nbgrader export`` (set up in
nbgrader_config.py) writes the same files as ``practicals export``.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins import ExportPlugin

from . import config, gradebook, reports

LONG_COLUMNS = [
    "student_id", "assignment", "core_points", "core_max", "star_points", "star_max",
    "late", "raw_score", "score", "reason",
]  # fmt: skip


def long_rows(gb: Gradebook, course: config.Course) -> list[dict]:
    """One row per (student, assignment), from each one's ``StudentGrade``."""
    out = []
    policy = course.scale.policy()
    for assignment in sorted(a.name for a in gb.assignments):
        notes = reports.notes_of(course.root, assignment)
        for g in gradebook.student_grades(gb, assignment, notes, policy):
            p = g.points
            out.append(dict(zip(LONG_COLUMNS, [
                g.student, g.assignment, p.core, p.core_max, p.star, p.star_max,
                int(g.late), g.raw_score, g.score, g.reason,
            ], strict=True)))  # fmt: skip
    return out


def write_files(rows: list[dict], folder: Path) -> tuple[Path, Path]:
    long_path, wide_path = folder / "grades_long.csv", folder / "grades.csv"
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


def write(course: config.Course) -> tuple[Path, Path]:
    """Write both exports into the course root; returns their paths."""
    with Gradebook(course.gradebook_url) as gb:
        return write_files(long_rows(gb, course), course.root)


class LongExport(ExportPlugin):
    """``nbgrader export`` writes grades_long.csv and grades.csv, as ``practicals export`` does."""

    def export(self, gradebook: Gradebook) -> None:
        root = Path(getattr(getattr(self.parent, "coursedir", None), "root", None) or os.getcwd())
        rows = long_rows(gradebook, config.load(root))
        if self.assignment:
            rows = [r for r in rows if r["assignment"] in self.assignment]
        if self.student:
            rows = [r for r in rows if r["student_id"] in self.student]
        folder = Path(self.to).parent if self.to else root
        for path in write_files(rows, folder):
            self.log.info("wrote %s", path)
