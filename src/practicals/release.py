"""Generate the student notebooks in release/ from source/, with nbgrader itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .config import Course


def assignments(course: Course) -> list[str]:
    return sorted(p.name for p in (course.root / "source").iterdir() if p.is_dir())


def release(course: Course, names: list[str] | None = None) -> list[Path]:
    """Run ``nbgrader generate_assignment --force`` for each assignment; returns the notebooks."""
    written = []
    for name in names or assignments(course):
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force"],
            cwd=course.root,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"nbgrader could not release {name}:\n{done.stdout}{done.stderr}")
        written += sorted((course.root / "release" / name).glob("*.ipynb"))
    return written
