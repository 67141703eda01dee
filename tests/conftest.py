"""Shared fixtures: course folders in tmp, the toy assignment, and the fast-mode environment."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent

# Every kernel of the suite runs in fast mode, headless.
os.environ["PRACTICALS_FAST"] = "1"
os.environ["MPLBACKEND"] = "Agg"


def grader_meta(gid: str, **kw) -> dict:
    base = {"grade": False, "grade_id": gid, "locked": True, "schema_version": 3,
            "solution": False, "task": False}  # fmt: skip
    return {"nbgrader": {**base, **kw}}


def toy_notebook() -> nbformat.NotebookNode:
    """A two-exercise assignment (one starred) that runs in about a second."""
    code = nbformat.v4.new_code_cell
    cells = [
        nbformat.v4.new_markdown_cell("# Toy practical", id="md-1"),
        code("from practicals.checks import check, check_close, observe", id="imports",
             metadata=grader_meta("imports")),
        code("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
             id="square", metadata=grader_meta("square", solution=True, locked=False)),
        code("check(square(3) == 9, 'square(3) should be 9: multiply x by itself')\n"
             "### BEGIN HIDDEN TESTS\nobserve('squares', [square(x) for x in (-2, 0.5, 7)])\n"
             "### END HIDDEN TESTS", id="test_square",
             metadata=grader_meta("test_square", grade=True, points=2)),
        nbformat.v4.new_markdown_cell("## Exercise 2 (*): cubes", id="md-2"),
        code("def cube(x):\n    ### BEGIN SOLUTION\n    return x ** 3\n    ### END SOLUTION",
             id="cube", metadata=grader_meta("cube", solution=True, locked=False)),
        code("check_close('cube(2)', cube(2), 8)\n### BEGIN HIDDEN TESTS\n"
             "observe('cubes', [cube(x) for x in (-1, 3)])\n### END HIDDEN TESTS",
             id="star_test_cube", metadata=grader_meta("star_test_cube", grade=True, points=1)),
    ]  # fmt: skip
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    return nb


# The fixtures that grade the real practicals (the demo class, the forged twins) share their
# reference runs, as one course does across grading runs: the cache is keyed by the notebook's
# code and evaluator, so one xdist worker's run serves the other. Set up once per session by
# the controlling process, whose environment the workers inherit.
REFERENCES_VAR = "PRACTICALS_TEST_REFERENCES"


def pytest_configure(config):
    if not hasattr(config, "workerinput") and REFERENCES_VAR not in os.environ:
        config.practicals_references = tempfile.mkdtemp(prefix="practicals-references-")
        os.environ[REFERENCES_VAR] = config.practicals_references


def pytest_unconfigure(config):
    if hasattr(config, "practicals_references"):
        shutil.rmtree(config.practicals_references, ignore_errors=True)


def make_course(
    root: Path,
    assignments: list[str],
    extra_config: str = "",
    manifest: str = "",
    shared_references: bool = False,
) -> Path:
    """A course folder with the repo's config and manifest (plus ``manifest``, TOML appended)
    and the given assignments (source, release and evaluators); ``shared_references`` links its
    reference cache to the session's."""
    root.mkdir(parents=True, exist_ok=True)
    if shared_references:
        (root / ".practicals").mkdir()
        (root / ".practicals" / "reference").symlink_to(os.environ[REFERENCES_VAR])
    config = (REPO / "nbgrader_config.py").read_text() + "\n" + extra_config
    (root / "nbgrader_config.py").write_text(config)
    (root / "course.toml").write_text((REPO / "course.toml").read_text() + "\n" + manifest)
    for name in assignments:
        for part in ("source", "release", "evaluators"):
            if (REPO / part / name).is_dir():
                shutil.copytree(REPO / part / name, root / part / name)
    return root


TOY_MANIFEST = """
[assignments.00_toy]
due = 2026-10-01T12:00:00

[notebooks."00_toy/toy"]
"""


def build_toy_course(root: Path) -> Path:
    """A course with the toy assignment, released by nbgrader."""
    from practicals import config
    from practicals.release import release

    make_course(root, [], manifest=TOY_MANIFEST)
    (root / "source" / "00_toy").mkdir(parents=True)
    nbformat.write(toy_notebook(), root / "source" / "00_toy" / "toy.ipynb")
    release(config.load(root), ["00_toy"])
    return root


@pytest.fixture
def toy_course(tmp_path: Path) -> Path:
    return build_toy_course(tmp_path / "course")


def submit(root: Path, student: str, assignment: str, name: str, content, when: str) -> Path:
    """Place a submission (a notebook, or raw text) with its collection timestamp."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        nbformat.write(content, path)
    (folder / "timestamp.txt").write_text(when)
    return path


def release_of(course: Path) -> nbformat.NotebookNode:
    from practicals import notebook

    return notebook.read(course / "release" / "00_toy" / "toy.ipynb")


def answered(course: Path, square: str = "x * x", cube: str = "x ** 3") -> nbformat.NotebookNode:
    """The toy release with both answers written in (wrong ones when asked)."""
    from practicals import notebook

    nb = release_of(course)
    for cell in nb.cells:
        if notebook.grade_id(cell) == "square":
            cell.source = f"def square(x):\n    return {square}"
        if notebook.grade_id(cell) == "cube":
            cell.source = f"def cube(x):\n    return {cube}"
    return nb
