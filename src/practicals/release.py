"""Generate the student notebooks in release/ from source/, with nbgrader itself.

nbgrader's ``generate_assignment`` runs ``StudentPackage`` first (nbgrader_config.py puts it in
the list), so that the install cell points at the course's published student package and its
checksum, computed later by nbgrader, matches what students receive.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

if TYPE_CHECKING:
    from .config import Course

PLACEHOLDER = '"STUDENT_PACKAGE"'  # quoted: the install cell's comment names it too
INSTALL_CELL = "install"


class StudentPackage(Preprocessor):
    """Writes ``url`` in place of "STUDENT_PACKAGE" in the notebook's install cell."""

    url = Unicode(
        "", help="Where students install the helper package from: the wheel that "
        "`make student-package` builds, published by the course (never the course repository)."
    ).tag(config=True)  # fmt: skip
    enabled = Bool(True)  # nbconvert runs a preprocessor only when enabled, as nbgrader's are

    def preprocess_cell(self, cell, resources, index):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid == INSTALL_CELL and PLACEHOLDER in cell.source:
            if not self.url.strip():
                raise ValueError(
                    "c.StudentPackage.url is not set in nbgrader_config.py: set it to the URL "
                    "where the course publishes the wheel of `make student-package`"
                )
            cell.source = cell.source.replace(PLACEHOLDER, f'"{self.url.strip()}"')
        return cell, resources


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
