"""report.json: the grader's account of one submission, beside its autograded notebook.

The gradebook keeps the points; this keeps what the gradebook has no place for: the notes (why a
cell failed, what was odd about the file), each test cell's verdict, and the timings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def path(root: Path, student: str, assignment: str) -> Path:
    return root / "autograded" / student / assignment / "report.json"


def write(root: Path, report: dict) -> None:
    out = path(root, report["student"], report["assignment"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))


def read(root: Path, student: str, assignment: str) -> dict:
    """The report, or {} when there is none (never graded) or it cannot be read."""
    try:
        found = json.loads(path(root, student, assignment).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def notes_of(root: Path, assignment: str) -> Callable[[str], list[str]]:
    """A student's notes for ``assignment``, as the grader recorded them."""
    return lambda student: list(read(root, student, assignment).get("notes", []))


def add_note(root: Path, student: str, assignment: str, note: str) -> None:
    """Add a note found after the report was written (a feedback page that failed).

    The reason keeps the order of ``grades.student_grade``, and so of the exports: the notes,
    then the late cap, which is what the old reason holds after its notes.
    """
    report = read(root, student, assignment) or {"student": student, "assignment": assignment}
    notes, reason = list(report.get("notes", [])), str(report.get("reason", ""))
    told = "; ".join(dict.fromkeys(notes))
    cap = reason[len(told) :].removeprefix("; ") if reason.startswith(told) else ""
    report["notes"] = [*notes, note]
    report["reason"] = "; ".join(dict.fromkeys([*notes, note, *([cap] if cap else [])]))
    write(root, report)
