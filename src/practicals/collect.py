"""Find what each student submitted, in nbgrader's layout:
``submitted/<student>/<assignment>/<notebook>.ipynb`` with the collection time in ``timestamp.txt``.

The timestamp is written by the collection (``nbgrader collect``, ``zip_collect`` or our LMS
import), never by the submission, and grading never lets a kernel near it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nbgrader.coursedir import CourseDirectory


@dataclass
class Submission:
    student: str
    notebook: str
    path: Path | None  # None: nothing submitted
    timestamp: datetime | None
    notes: list[str] = field(default_factory=list)


def read_timestamp(folder: Path) -> tuple[datetime | None, str | None]:
    """The collection time of a submission folder, or None with a note saying why."""
    try:
        found = CourseDirectory().get_existing_timestamp(str(folder))
    except Exception:  # nbgrader 0.9 fails on a bad string with an AttributeError of its own
        return None, "unreadable timestamp.txt: treated as on time"
    if found is None:
        return None, "no timestamp.txt from the collection: treated as on time"
    return found, None


def find(root: Path, assignment: str, notebooks: list[str], students: set[str]) -> list[Submission]:
    """One Submission per (student, notebook): every student with a folder or in the gradebook."""
    submitted = root / "submitted"
    if submitted.is_dir():
        students = students | {
            p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")
        }
    found = []
    for student in sorted(students):
        folder = submitted / student / assignment
        if not folder.is_dir():
            found += [Submission(student, nb, None, None) for nb in notebooks]
            continue
        timestamp, note = read_timestamp(folder)
        present = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
        for nb in notebooks:
            path = folder / f"{nb}.ipynb"
            notes = [note] if note else []
            if not path.is_file():
                unclaimed = [p for p in present if p.stem not in notebooks]
                if len(notebooks) == 1 and len(unclaimed) == 1:
                    path = unclaimed[0]
                    notes.append(f"graded {path.name} as {nb}.ipynb (wrong file name)")
                else:
                    path = None
                    names = ", ".join(p.name for p in present) or "no notebook"
                    notes.append(f"{nb}.ipynb not found (the folder has {names})")
            found.append(Submission(student, nb, path, timestamp, notes))
    return found
