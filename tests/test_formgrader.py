"""Formgrader as instructors use it: score boxes on every graded cell, buttons that stay safe.

Runs nbgrader's own API, as formgrader's handlers call it, on a graded toy class.
"""

import csv
import subprocess
import sys

import pytest
from conftest import answered, build_toy_course, release_of, submit
from nbconvert import HTMLExporter
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.server_extensions.formgrader import handlers
from test_pipeline import ON_TIME
from traitlets.config.loader import PyFileConfigLoader

from practicals import config, notebook, sandbox
from practicals.grade import grade_assignment

pytestmark = pytest.mark.xdist_group("formgrader")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    c = build_toy_course(tmp_path_factory.mktemp("formgrader") / "course")
    submit(c, "complete", "00_toy", "toy.ipynb", answered(c), ON_TIME)
    submit(c, "core-only", "00_toy", "toy.ipynb", answered(c, cube="x"), ON_TIME)
    submit(c, "unedited", "00_toy", "toy.ipynb", release_of(c), ON_TIME)
    submit(c, "broken", "00_toy", "toy.ipynb", '{"cells": [', ON_TIME)
    grade_assignment(config.load(c), "00_toy", workers=2, progress=lambda _: None)
    return c


def api(root):
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return NbGraderAPI(CourseDirectory(root=str(root), config=cfg), config=cfg)


def formgrade_page(root, student):
    """The submission page as formgrader's SubmissionHandler renders it."""
    exporter = HTMLExporter(template_name="formgrade",
                            extra_template_basedirs=[handlers.template_path])  # fmt: skip
    path = root / "autograded" / student / "00_toy" / "toy.ipynb"
    resources = {"assignment_id": "00_toy", "notebook_id": "toy", "submission_id": "x",
                 "index": 0, "total": 1, "base_url": "", "student": student,
                 "last_name": None, "first_name": None, "notebook_path": str(path)}  # fmt: skip
    return exporter.from_filename(str(path), resources=resources)[0]


def test_every_graded_cell_has_its_score_box_and_every_answer_its_comment_box(graded):
    page = formgrade_page(graded, "core-only")
    for gid in ("test_square", "star_test_cube"):
        assert f'class="score tabbable" id="{gid}"' in page
    for gid in ("square", "cube"):
        assert f'id="{gid}-comment"' in page
    assert "Toy practical" in page  # markdown is kept
    nb = notebook.read(graded / "autograded" / "core-only" / "00_toy" / "toy.ipynb")
    test = next(c for c in nb.cells if notebook.grade_id(c) == "star_test_cube")
    assert test.metadata["nbgrader"]["points"] == 1 and test.metadata["nbgrader"]["checksum"]
    assert test.outputs[-1]["text"].startswith("grader: not passed: raised AssertionError: cube(2)")
    assert "observation" not in str(test.outputs)


@pytest.mark.parametrize(("student", "reason"), [("unedited", "unedited release notebook"),
                                                 ("broken", "invalid notebook")])  # fmt: skip
def test_submissions_that_did_not_run_are_in_manual_grading_with_their_reason(graded, student,
                                                                              reason):  # fmt: skip
    students = api(graded).get_notebook_submission_indices("00_toy", "toy")
    assert len(students) == 4
    page = formgrade_page(graded, student)
    assert "Not run by the grader" in page and reason in page
    assert 'class="score tabbable" id="test_square"' in page


def test_unanswered_cells_get_nbgraders_no_response_comment(graded):
    from nbgrader.api import Gradebook

    with Gradebook(config.load(graded).gradebook_url) as gb:
        assert gb.find_comment("square", "toy", "00_toy", "unedited").auto_comment == "No response."
        assert gb.find_comment("square", "toy", "00_toy", "complete").auto_comment is None


def test_generate_feedback_gives_our_page_without_hidden_tests(graded):
    result = api(graded).generate_feedback("00_toy", "core-only")
    assert result["success"], result
    page = (graded / "feedback" / "core-only" / "00_toy" / "toy.html").read_text()
    assert "Score: 2 / 4" in page and "Content-Security-Policy" in page
    for hidden in ("HIDDEN TESTS", "observe(", "observe(&#x27;cubes"):
        assert hidden not in page
    assert not (graded / "feedback" / "core-only" / "00_toy" / "report.json").exists()


def test_autograde_regrades_in_the_sandbox_and_keeps_the_results(graded):
    if sandbox.isolation_problem():
        pytest.skip(f"no isolation here: {sandbox.isolation_problem()}")
    report = graded / "autograded" / "complete" / "00_toy" / "report.json"
    before = report.stat().st_mtime
    result = api(graded).autograde("00_toy", "complete")
    assert result["success"], result
    assert report.is_file() and report.stat().st_mtime > before
    assert (graded / "autograded" / "core-only" / "00_toy" / "report.json").is_file()


def test_autograde_refuses_where_kernels_cannot_be_isolated_and_deletes_nothing(
    graded, monkeypatch
):
    monkeypatch.setattr(sandbox, "isolation_problem", lambda: "bubblewrap is missing")
    result = api(graded).autograde("00_toy", "core-only")
    assert not result["success"]
    assert "practicals refuses to autograde here" in result["error"] + result.get("log", "")
    assert (graded / "autograded" / "core-only" / "00_toy" / "report.json").is_file()
    assert (graded / "autograded" / "core-only" / "00_toy" / "toy.ipynb").is_file()


def test_nbgrader_export_writes_the_same_file_as_practicals_export(graded, tmp_path):
    from practicals.export import write

    write(config.load(graded))
    ours = (graded / "grades_long.csv").read_text()
    (graded / "grades_long.csv").unlink()
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=graded,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (graded / "grades_long.csv").read_text() == ours
    rows = list(csv.DictReader(ours.splitlines()))
    assert {r["student_id"]: float(r["score"]) for r in rows}["core-only"] == 2.0
