"""``practicals check NOTEBOOK``: a student's self-check before submitting.

It runs the notebook top to bottom in a fresh kernel (fast mode unless ``--full``), like the
grader will, and prints one line per test cell: passed, failed with the visible check's message,
or not answered yet. Hidden checks are not in the student's copy; they run when graded.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from . import notebook
from .judge import error_of
from .kernel import Kernel


def _status(outputs: list | None) -> tuple[str, str]:
    if outputs is None:
        return "skip", "did not run (the kernel stopped earlier)"
    error = error_of(outputs)
    if error is None:
        return "pass", ""
    if error.startswith("NotImplementedError"):
        return "todo", "not answered yet (an answer above still raises NotImplementedError)"
    return "fail", error


MARKS = {"pass": "PASS", "fail": "FAIL", "todo": "TODO", "skip": "SKIP"}


def check_notebook(path: Path, fast: bool = True) -> int:
    """Run ``path`` and print the per-exercise summary; returns 0 when every test cell passes."""
    nb = notebook.read(path)
    env = dict(os.environ, PRACTICALS_FAST="1" if fast else "0", MPLBACKEND="Agg")
    lines, passed, total = [], 0, 0
    kernel = Kernel(AsyncKernelManager(kernel_name="python3"), cwd=str(path.parent.resolve()),
                    env=env)  # fmt: skip
    with kernel:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            ran = kernel.run(cell.source)
            if not notebook.is_test(cell):
                continue
            total += 1
            status, message = _status(ran.outputs)
            passed += status == "pass"
            gid = notebook.grade_id(cell)
            star = " (*)" if notebook.is_star(gid) else ""
            points = notebook.meta(cell).get("points", 0)
            lines.append(f"  {MARKS[status]}  {gid + star:34s} {points:>3g} pt  {message[:160]}")
    print(f"{path.name}: {passed} of {total} test cells pass (visible checks only; the hidden")
    print("checks run when your notebook is graded).")
    print("\n".join(lines))
    return 0 if passed == total else 1


def main(argv: list[str] | None = None) -> int:
    """The student package's ``practicals`` command, which has ``check`` only."""
    parser = argparse.ArgumentParser(prog="practicals", description="check a practical")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="run a notebook and summarise its visible tests")
    p.add_argument("notebook")
    p.add_argument("--full", action="store_true", help="full mode, as in class (slower)")
    args = parser.parse_args(argv)
    return check_notebook(Path(args.notebook), fast=not args.full)
