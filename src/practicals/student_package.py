"""The student package: the helper modules that release notebooks import, and nothing else.

The course repository holds the solutions (``source/``), the hidden tests, the mutants and the
evaluators, so it must stay private, and students cannot install the helper package from it.
``make student-package`` builds a wheel of the modules below, with only the dependencies they
need, for the course to publish; the release's install cell points at it
(``c.StudentPackage.url`` in nbgrader_config.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from . import __version__

# What release notebooks import from `practicals` (tests/test_leaks.py checks them against this
# list), and the self-check command, `practicals check NOTEBOOK`. The grader stays out.
NOTEBOOK_MODULES = ("__init__", "artifacts", "checks", "data", "env", "graph")
CHECK_MODULES = ("selfcheck", "notebook", "judge", "kernel")
MODULES = NOTEBOOK_MODULES + CHECK_MODULES
# The distributions those modules and the release notebooks import (so that the one install
# cell sets a student up); their version ranges are read from pyproject.toml.
REQUIRES = ("torch", "torchvision", "numpy", "pillow", "einops", "matplotlib", "tqdm",
            "safetensors", "transformers", "scikit-image", "scipy",
            "nbformat", "nbclient", "jupyter_client", "ipykernel")  # fmt: skip

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "practicals"
version = "{version}"
description = "Helper package of the deep-learning practicals: data, checks and runtime switches"
requires-python = ">=3.10"
dependencies = {dependencies}

[project.scripts]
practicals = "practicals.selfcheck:main"

[tool.setuptools]
packages = ["practicals"]
"""


def dependencies(pyproject: Path) -> list[str]:
    """The course's own requirement strings for the distributions in REQUIRES."""
    declared = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    by_name = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0]: d for d in declared}
    missing = set(REQUIRES) - by_name.keys()
    if missing:
        raise ValueError(f"pyproject.toml does not declare {sorted(missing)}")
    return [by_name[name] for name in REQUIRES]


def build(root: Path, out: Path) -> Path:
    """Build the student wheel from the course at ``root`` into ``out``; returns its path."""
    package = Path(__file__).parent
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        (staging / "practicals").mkdir()
        for name in MODULES:
            shutil.copy2(package / f"{name}.py", staging / "practicals" / f"{name}.py")
        deps = dependencies(root / "pyproject.toml")
        (staging / "pyproject.toml").write_text(
            PYPROJECT.format(version=__version__, dependencies=repr(deps).replace("'", '"'))
        )
        # pip, not a hand-written zip: it writes the wheel's metadata and RECORD correctly.
        # No build isolation, so that it works offline with the setuptools already installed.
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--quiet", "--wheel-dir", str(out), str(staging)],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"pip could not build the student package:\n{done.stderr}")
    return out / f"practicals-{__version__}-py3-none-any.whl"
