"""The course's settings: the grader's and the scale's from nbgrader_config.py, the facts of
each assignment from the manifest (course.toml).

nbgrader's apps ignore the ``Grader`` and ``Scale`` sections; ``practicals`` reads them with the
same traitlets loader, so one file configures nbgrader and the grader alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from traitlets import Bool, Float, Int
from traitlets.config import Configurable
from traitlets.config.loader import Config, PyFileConfigLoader

from . import manifest
from .sandbox import Limits
from .scale import Policy


class Scale(Configurable):
    """The 0-4 scale: score = w_core * core + w_star * star, capped at late_cap when late."""

    w_core = Float(2.0, help="Weight of the fraction of core points.").tag(config=True)
    w_star = Float(2.0, help="Weight of the fraction of starred points.").tag(config=True)
    late_cap = Float(1.0, help="Highest score of a late submission.").tag(config=True)
    round_to = Float(0.1, help="Scores are rounded half up to a multiple of this.").tag(config=True)

    def policy(self) -> Policy:
        return Policy(self.w_core, self.w_star, self.late_cap, self.round_to)


class Grader(Configurable):
    """The safe parallel autograder."""

    workers = Int(0, help="Parallel kernels; 0 means one per CPU core.").tag(config=True)
    fast = Bool(True, help="Grade in fast mode (PRACTICALS_FAST=1).").tag(config=True)
    require_isolation = Bool(
        False, help="Refuse to grade where kernels cannot be isolated, instead of warning."
    ).tag(config=True)
    memory_mb = Int(Limits.memory_mb).tag(config=True)
    cpu_seconds = Int(Limits.cpu_seconds).tag(config=True)
    processes = Int(Limits.processes).tag(config=True)
    file_mb = Int(Limits.file_mb).tag(config=True)
    cell_timeout = Float(Limits.cell_timeout).tag(config=True)
    notebook_timeout = Float(Limits.notebook_timeout).tag(config=True)
    output_bytes = Int(Limits.output_bytes).tag(config=True)
    artifact_mb = Float(
        Limits.artifact_bytes / 1e6, help="Largest model or sample set a test cell may hand in."
    ).tag(config=True)

    def limits(self) -> Limits:
        return Limits(
            memory_mb=self.memory_mb,
            cpu_seconds=self.cpu_seconds,
            processes=self.processes,
            file_mb=self.file_mb,
            cell_timeout=self.cell_timeout,
            notebook_timeout=self.notebook_timeout,
            output_bytes=self.output_bytes,
            artifact_bytes=int(self.artifact_mb * 1e6),
        )

    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


@dataclass(frozen=True)
class Course:
    root: Path
    scale: Scale
    grader: Grader
    student_package: str = ""  # c.StudentPackage.url: what release install cells install

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    @cached_property
    def manifest(self) -> manifest.Manifest:
        """The course manifest, read on first use (a ManifestError says what to fix)."""
        return manifest.load(self.root)


def load(root: str | Path = ".") -> Course:
    """The course at ``root``, configured by its nbgrader_config.py when there is one."""
    root = Path(root).resolve()
    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    url = config.StudentPackage.get("url", "")
    return Course(root, Scale(config=config), Grader(config=config), url)
