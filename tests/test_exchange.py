"""nbgrader's own exchange, course-local: release, fetch, submit, collect, then our grader.

The course's nbgrader_config.py puts the exchange in ``.exchange/`` next to itself and creates it,
so the real nbgrader commands work without root and without the warnings nbgrader prints when its
default ``/usr/local/share/nbgrader/exchange`` is missing.
"""

import csv
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import build_toy_course

from practicals import config, notebook
from practicals.grade import grade_assignment

STUDENT = "alice"
ON_TIME = "2026-09-30 10:00:00.000000 UTC"  # before the toy assignment's due date
# The only warning allowed: the student has no nbgrader_config.py (their settings are flags).
HARMLESS = ("No nbgrader_config.py file found",)


def nbgrader(*args: str, cwd: Path, home: Path) -> str:
    """Run ``python -m nbgrader ARGS`` in ``cwd``; return its output (it must succeed)."""
    env = {
        **os.environ,
        # Each role has its own Jupyter folders: nothing from ~/.jupyter, no shared cache.
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{output}"
    return output


def warnings_in(output: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if ("WARNING" in line or "CRITICAL" in line or "ERROR" in line)
        and not any(h in line for h in HARMLESS)
    ]


def test_release_fetch_submit_collect_through_the_course_exchange_then_grade(tmp_path):
    course = build_toy_course(tmp_path / "course")
    exchange = course / ".exchange"
    assert exchange.is_dir(), "loading the course's config should have created the exchange"
    assert stat.S_IMODE(exchange.stat().st_mode) & 0o777 == 0o777  # what nbgrader requires
    instructor, student = tmp_path / "instructor-home", tmp_path / "student"
    student.mkdir()
    as_student = ["--course", "dl-practicals", f"--Exchange.root={exchange}"]
    outputs = {}

    outputs["release"] = nbgrader("release_assignment", "00_toy", cwd=course, home=instructor)
    assert (exchange / "dl-practicals" / "outbound" / "00_toy" / "toy.ipynb").is_file()

    outputs["fetch"] = nbgrader(
        "fetch_assignment", "00_toy", *as_student, cwd=student, home=student
    )
    fetched = student / "00_toy" / "toy.ipynb"
    nb = notebook.read(fetched)
    for cell in nb.cells:
        if notebook.grade_id(cell) == "square":
            cell.source = "def square(x):\n    return x * x"
        if notebook.grade_id(cell) == "cube":
            cell.source = "def cube(x):\n    return x ** 3"
    nbformat.write(nb, fetched)
    outputs["submit"] = nbgrader(
        "submit", "00_toy", *as_student, f"--student={STUDENT}", cwd=student, home=student
    )
    assert list((exchange / "dl-practicals" / "inbound").glob(f"{STUDENT}+00_toy+*"))

    # One OS user plays both roles here, so the submission's owner cannot match "alice":
    # nbgrader's owner check (meant for shared machines) would only warn about that.
    outputs["collect"] = nbgrader(
        "collect", "00_toy", "--ExchangeCollect.check_owner=False", cwd=course, home=instructor
    )
    collected = course / "submitted" / STUDENT / "00_toy"
    assert (collected / "toy.ipynb").is_file()
    assert (collected / "timestamp.txt").read_text().endswith(" UTC")  # the submission's time

    for step, output in outputs.items():
        assert "does not exist" not in output, f"{step}: {output}"
        assert str(exchange) in output or step == "collect", f"{step} used another exchange"
        assert warnings_in(output) == [], f"{step} warned:\n{output}"

    # The toy assignment was due on 2026-10-01 and the submission was made today: date it back
    # to before the due date (lateness is test_pipeline's business, not the exchange's).
    (collected / "timestamp.txt").write_text(ON_TIME)
    grade_assignment(config.load(course), "00_toy", workers=1, progress=lambda _: None)
    with open(course / "grades_long.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert float(rows[STUDENT]["score"]) == 4.0, rows[STUDENT]
    assert rows[STUDENT]["late"] == "0"
