"""The grading pipeline end to end on the toy assignment: real nbgrader, kernels and sandbox."""

import csv
import json

import nbformat
import pytest
from conftest import answered, build_toy_course, release_of, submit, toy_notebook

from practicals import config, notebook
from practicals.grade import grade_assignment
from practicals.gradebook import Gradebook

pytestmark = pytest.mark.xdist_group("pipeline")  # one worker grades the shared class once

ON_TIME = "2026-09-30 10:00:00.000000 UTC"
LATE = "2026-10-02 10:00:00.000000 UTC"


def edited(nb, fn):
    fn(nb)
    return nb


def by_id(nb, gid):
    return next(c for c in nb.cells if notebook.grade_id(c) == gid)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class of every kind of submission, graded once with two workers."""
    c = build_toy_course(tmp_path_factory.mktemp("toy") / "course")
    submit(c, "complete", "00_toy", "toy.ipynb", answered(c), ON_TIME)
    submit(c, "unedited", "00_toy", "toy.ipynb", release_of(c), ON_TIME)
    submit(c, "core-only", "00_toy", "toy.ipynb", answered(c, cube="x"), ON_TIME)
    submit(c, "late", "00_toy", "toy.ipynb", answered(c), LATE)
    submit(c, "broken", "00_toy", "toy.ipynb", '{"cells": [', ON_TIME)
    submit(c, "wrong-name", "00_toy", "TP toy (1).ipynb", answered(c), ON_TIME)
    dies = answered(c)
    dies.cells.insert(dies.cells.index(by_id(dies, "cube")), nbformat.v4.new_code_cell(
        "import os\nos._exit(1)"))  # fmt: skip
    submit(c, "dies", "00_toy", "toy.ipynb", dies, ON_TIME)
    renamed = answered(c)
    by_id(renamed, "square").metadata["nbgrader"]["grade_id"] = "my_square"
    submit(c, "renamed", "00_toy", "toy.ipynb", renamed, ON_TIME)
    no_tests = answered(c)
    no_tests.cells = [x for x in no_tests.cells if not notebook.is_test(x)]
    submit(c, "deleted-tests", "00_toy", "toy.ipynb", no_tests, ON_TIME)
    (c / "submitted" / "empty-folder" / "00_toy").mkdir(parents=True)
    course = config.load(c)
    with Gradebook(course.gradebook_url) as gb:
        gb.update_or_create_student("never-submitted")
    grade_assignment(course, "00_toy", workers=2, progress=lambda _: None)
    with open(c / "grades_long.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return c, rows


@pytest.mark.parametrize(
    ("student", "score", "reason"),
    [
        ("complete", 4.0, ""),
        ("unedited", 0.0, "unedited release notebook"),
        ("core-only", 2.0, ""),
        ("late", 1.0, "late: capped at 1"),
        ("broken", 0.0, "invalid notebook: the file is not valid notebook JSON"),
        ("wrong-name", 4.0, "graded TP toy (1).ipynb as toy.ipynb (wrong file name)"),
        ("dies", 2.0, "the kernel died"),
        ("renamed", 4.0, "answer cell 'square' is missing (renamed or deleted)"),
        ("deleted-tests", 4.0, "test cell 'test_square' was missing: restored from the source"),
        ("empty-folder", 0.0, "toy.ipynb not found (the folder has no notebook)"),
        ("never-submitted", 0.0, "missing submission"),
    ],
)
def test_each_kind_of_submission_gets_its_score_and_reason(graded, student, score, reason):
    _, rows = graded
    assert float(rows[student]["score"]) == score
    assert reason in rows[student]["reason"]


def test_the_long_export_has_the_documented_columns_and_points(graded):
    course, rows = graded
    header = (course / "grades_long.csv").read_text().splitlines()[0]
    assert header == ("student_id,assignment,core_points,core_max,star_points,star_max,"
                      "late,raw_score,score,reason")  # fmt: skip
    core_only = rows["core-only"]
    assert (core_only["core_points"], core_only["core_max"]) == ("2.0", "2.0")
    assert (core_only["star_points"], core_only["star_max"]) == ("0.0", "1.0")
    assert rows["late"]["late"] == "1" and rows["complete"]["late"] == "0"
    assert (rows["late"]["raw_score"], rows["late"]["score"]) == ("4.0", "1.0")


def test_the_wide_export_has_a_column_per_assignment_and_a_total(graded):
    course, _ = graded
    with open(course / "grades.csv", newline="") as f:
        wide = {r["student_id"]: r for r in csv.DictReader(f)}
    assert set(wide["complete"]) == {"student_id", "00_toy", "total"}
    assert float(wide["complete"]["total"]) == 4.0


def test_points_are_in_nbgraders_gradebook(graded):
    course, _ = graded
    with Gradebook(config.load(course).gradebook_url) as gb:
        assert gb.find_grade("test_square", "toy", "00_toy", "complete").score == 2
        assert gb.find_grade("star_test_cube", "toy", "00_toy", "core-only").score == 0
        assert gb.find_submission("00_toy", "late").timestamp.day == 2


def test_an_override_in_the_gradebook_shows_in_the_export_and_the_regenerated_feedback(graded):
    from practicals import feedback
    from practicals.export import write

    course, _ = graded
    with Gradebook(config.load(course).gradebook_url) as gb:
        grade = gb.find_grade("star_test_cube", "toy", "00_toy", "dies")
        grade.manual_score = 1
        gb.db.commit()
    write(config.load(course))
    with open(course / "grades_long.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert float(rows["dies"]["score"]) == 4.0
    with Gradebook(config.load(course).gradebook_url) as gb:  # formgrader takes 2 of 1 point
        gb.find_grade("test_square", "toy", "00_toy", "dies").manual_score = 5
        gb.db.commit()
    write(config.load(course))
    with open(course / "grades_long.csv", newline="") as f:
        dies = {r["student_id"]: r for r in csv.DictReader(f)}["dies"]
    assert (dies["core_points"], float(dies["score"])) == ("2.0", 4.0)  # capped at its points
    page = course / "feedback" / "dies" / "00_toy" / "toy.html"
    assert "Score: 2 / 4" in page.read_text()
    assert feedback.generate(config.load(course), "00_toy", ["dies"]) == {}
    assert "Score: 4 / 4" in page.read_text() and "set by your instructor" in page.read_text()


def test_feedback_shows_results_and_messages_but_never_hidden_tests(graded):
    course, _ = graded
    page = (course / "feedback" / "core-only" / "00_toy" / "toy.html").read_text()
    assert "Score: 2 / 4" in page
    assert "star_test_cube" in page
    assert "AssertionError: cube(2): expected 8" in page  # the visible check's message
    for hidden in ("observe(&#x27;cubes&#x27;", "observe('cubes'", "HIDDEN TESTS", "squares"):
        assert hidden not in page
    late = (course / "feedback" / "late" / "00_toy" / "toy.html").read_text()
    assert "late: capped at 1" in late


def test_a_report_per_student_says_what_happened_to_each_cell(graded):
    course, _ = graded
    report = json.loads((course / "autograded" / "dies" / "00_toy" / "report.json").read_text())
    assert report["cells"]["toy"] == {"test_square": "passed", "star_test_cube": "did not run"}


def test_parallel_grading_gives_the_same_results_as_sequential(toy_course):
    c = toy_course
    for i, (square, cube) in enumerate([("x * x", "x ** 3"), ("x + x", "x ** 3"),
                                        ("x * x", "x"), ("x", "x")]):  # fmt: skip
        submit(c, f"s{i}", "00_toy", "toy.ipynb", answered(c, square, cube), ON_TIME)
    course = config.load(c)
    one = grade_assignment(course, "00_toy", workers=1, progress=lambda _: None)
    two = grade_assignment(course, "00_toy", workers=2, progress=lambda _: None)
    assert one == two
    assert [s.score for s in one] == [4.0, 2.0, 2.0, 0.0]


def test_a_solution_that_fails_its_own_tests_stops_grading_with_a_clear_error(toy_course):
    from practicals.reference import ReferenceError

    nb = toy_notebook()
    by_id(nb, "square").source = "def square(x):\n    return 0"
    nbformat.write(nb, toy_course / "source" / "00_toy" / "toy.ipynb")
    with pytest.raises(ReferenceError, match="does not pass its own tests"):
        grade_assignment(config.load(toy_course), "00_toy", progress=lambda _: None)


def test_a_crashed_worker_costs_only_its_submission_with_a_reason():
    from practicals.assemble import Cell
    from practicals.notebook import Kind
    from practicals.plan import Job
    from practicals.reference import Reference
    from practicals.worker import failed

    cells = [Cell("code", "square", Kind.ANSWER), Cell("t", "test_square", Kind.TEST)]
    job = Job("x", "toy", cells, Reference(), None, ["a note"], True, set())
    result = failed(job, "BrokenProcessPool: a worker died")
    assert [v.passed for v in result.verdicts.values()] == [False]
    assert result.notes[-1].startswith("the grader failed on this submission (BrokenProcessPool")
    assert result.outputs == [None, None]


def test_the_reference_is_cached_and_a_corrupt_cache_is_run_again(toy_course, monkeypatch):
    from practicals import reference as ref_module
    from practicals.sandbox import Limits

    runs = []
    real_kernel = ref_module.sandboxed_kernel

    def counting(*args, **kwargs):
        runs.append(1)
        return real_kernel(*args, **kwargs)

    monkeypatch.setattr(ref_module, "sandboxed_kernel", counting)
    source = notebook.read(toy_course / "source" / "00_toy" / "toy.ipynb")
    cache = toy_course / "cache" / "toy.json"
    first = ref_module.reference(source, cache, Limits(), None, True)
    assert ref_module.reference(source, cache, Limits(), None, True).outputs == first.outputs
    assert len(runs) == 1 and oct(cache.stat().st_mode)[-3:] == "600"
    cache.write_text('{"key": "trunc')  # a grader killed mid-write, before the rename existed
    assert ref_module.reference(source, cache, Limits(), None, True).outputs == first.outputs
    assert len(runs) == 2 and list(cache.parent.iterdir()) == [cache]
