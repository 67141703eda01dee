"""Grading benchmark: stock `nbgrader autograde` against the practicals grader, same batch.

    make bench-grading                      # 100 micrograd submissions, both graders
    .venv/bin/python bench/grading.py --n 20 --workers 2
    .venv/bin/python bench/grading.py --n 10 --assignment 02_makemore/makemore --ours-only

The batch is a realistic mix built from the source notebook: complete, core-only, half done,
unedited, not JSON, and every wrong implementation of tests/mutants. Both graders get the same
submissions in separate copies of the course, in fast mode. It prints wall times, the speed-up
and our per-submission overhead (time in a worker that is not spent running cells: sandbox,
kernel start, judging, and the trusted evaluation of handed-in models, also reported alone),
and writes them to bench/out/grading.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_course  # noqa: E402
from mutation import load_mutants  # noqa: E402

from practicals import config, notebook  # noqa: E402
from practicals import finish as finishing  # noqa: E402
from practicals import grade as grading  # noqa: E402
from practicals.demo import build  # noqa: E402
from practicals.plan import plan_assignment  # noqa: E402
from practicals.release import release  # noqa: E402

ASSIGNMENT, NOTEBOOK = "01_micrograd", "micrograd"  # --assignment changes them
MIX = ["complete"] * 4 + ["core-only"] * 2 + ["half-core"] * 2 + ["unedited", "broken-json"]
ON_TIME = "2026-10-01 10:00:00.000000 UTC"


def batch(course: Path, n: int) -> None:
    """Write n submissions into course/submitted: every other one carries one mutant."""
    source = notebook.read(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    released = notebook.read(course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    mutants = load_mutants(f"{ASSIGNMENT}/{NOTEBOOK}")
    for i in range(n):
        if i % 2 == 0 and mutants:
            nb = nbformat.reads(build("complete", source, released), as_version=4)
            m = mutants[(i // 2) % len(mutants)]
            cell = next(c for c in nb.cells if notebook.grade_id(c) == m.cell)
            cell.source = m.apply(cell.source)
            text = nbformat.writes(nb)
        else:
            text = build(MIX[(i // 2) % len(MIX)], source, released)
        folder = course / "submitted" / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{NOTEBOOK}.ipynb").write_text(text)
        (folder / "timestamp.txt").write_text(ON_TIME)


def stock(course: Path) -> tuple[float, int]:
    """Wall time and exit status of stock `nbgrader autograde` (sequential, unsandboxed).

    nbgrader exits 1 when any submission fails (the batch's broken file does), so the status
    is reported, not raised."""
    env = dict(os.environ, PRACTICALS_FAST="1", MPLBACKEND="Agg")
    start = time.monotonic()
    stock_exporter = "--Autograde.exporter_class=nbconvert.exporters.NotebookExporter"
    done = subprocess.run(  # the course routes `nbgrader autograde` to us: undo that here
        [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--create", stock_exporter],
        cwd=course, env=env, capture_output=True,
    )  # fmt: skip
    return time.monotonic() - start, done.returncode


def _timed(fn, spent: list[float]):
    def wrapped(*args, **kwargs):
        start = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            spent.append(time.monotonic() - start)

    return wrapped


def ours(course: Path, workers: int) -> tuple[float, ...]:
    """Reference-run time, then wall time, mean worker overhead, mean cell time and mean
    evaluation time (trusted re-evaluation of handed-in models) per submission of our grader,
    the parent's time per student on its critical path (the finish chain) and the time of the
    feedback pass. The reference run is cached across gradings, so it is timed apart."""
    c = config.load(course)
    start = time.monotonic()
    plan_assignment(
        c, ASSIGNMENT, progress=lambda _: None
    )  # the solution's reference run, cached once
    t_reference = time.monotonic() - start
    finishing_s: list[float] = []
    feedback_s: list[float] = []
    grading.finish = _timed(finishing.finish, finishing_s)
    grading.feedback.generate = _timed(grading.feedback.generate, feedback_s)
    start = time.monotonic()
    grading.grade_assignment(c, ASSIGNMENT, workers=workers, progress=lambda _: None)
    wall = time.monotonic() - start
    reports = [json.loads(p.read_text()) for p in (course / "autograded").glob("*/*/report.json")]
    ran = [r for r in reports if r["busy"] > 0]
    overhead = sum(r["seconds"] - r["busy"] for r in ran) / max(len(ran), 1)
    busy = sum(r["busy"] for r in ran) / max(len(ran), 1)
    evaluating = sum(r["evaluating"] for r in ran) / max(len(ran), 1)
    parent = sum(finishing_s) / max(len(finishing_s), 1)
    return t_reference, wall, overhead, busy, evaluating, parent, sum(feedback_s)


def main() -> int:
    global ASSIGNMENT, NOTEBOOK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--assignment", default=f"{ASSIGNMENT}/{NOTEBOOK}",
                        help="which practical, as assignment/notebook")  # fmt: skip
    parser.add_argument("--ours-only", action="store_true", help="skip stock nbgrader")
    args = parser.parse_args()
    ASSIGNMENT, NOTEBOOK = args.assignment.split("/")
    base = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    courses = {}
    for name in ("stock", "ours"):
        courses[name] = make_course(base / name, [ASSIGNMENT])
        release(config.load(courses[name]), [ASSIGNMENT])
        batch(courses[name], args.n)
    print(f"{args.n} submissions of {ASSIGNMENT}; {args.workers} workers; {platform.processor()}"
          f" {os.cpu_count()} cores")  # fmt: skip
    t_ref, t_ours, overhead, busy, evaluating, parent, t_feedback = ours(
        courses["ours"], args.workers
    )
    print(f"reference run (once per assignment, cached): {t_ref:.1f} s")
    print(f"practicals grade: {t_ours:7.1f} s  ({t_ours / args.n:.2f} s per submission)")
    t_stock, status = (float("nan"), None) if args.ours_only else stock(courses["stock"])
    print(f"nbgrader autograde: {t_stock:7.1f} s  ({t_stock / args.n:.2f} s per submission), "
          f"exit status {status}")  # fmt: skip
    result = {
        "assignment": args.assignment,
        "n": args.n,
        "workers": args.workers,
        "cores": os.cpu_count(),
        "stock_s": round(t_stock, 1),
        "stock_exit_status": status,
        "ours_s": round(t_ours, 1),
        "reference_s": round(t_ref, 1),
        "speedup": round(t_stock / t_ours, 2),
        "overhead_per_submission_s": round(overhead, 2),
        "cells_per_submission_s": round(busy, 2),
        "evaluation_per_submission_s": round(evaluating, 2),
        "parent_per_student_s": round(parent, 3),
        "feedback_pass_s": round(t_feedback, 1),
    }
    print(f"speed-up: {result['speedup']}x; overhead per submission: {overhead:.2f} s "
          f"(sandbox, kernel start, judging) beside {busy:.2f} s running cells; of the overhead, "
          f"{evaluating:.2f} s re-evaluating handed-in models")  # fmt: skip
    print(f"parent, per student on its critical path (record, write, report): {parent:.3f} s; "
          f"feedback pass for the class, in the workers: {t_feedback:.1f} s")  # fmt: skip
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"grading-{ASSIGNMENT}-{NOTEBOOK}.json").write_text(json.dumps(result, indent=1))
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
