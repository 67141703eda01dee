"""The demo class grades to its documented scores through the real pipeline."""

import pytest
from conftest import REPO, make_course

from practicals import config, manifest
from practicals.demo import run_demo, table

pytestmark = pytest.mark.xdist_group("demo")

STUDENTS = {a: e.demo for a, e in manifest.load(REPO).assignments.items()}


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("demo") / "course", list(STUDENTS),
                         shared_references=True)  # fmt: skip
    assert run_demo(config.load(course), workers=2) == 0
    return {(r["student_id"], r["assignment"]): r for r in table(config.load(course))}


EXACT = [
    (f"demo-{s.name}", a, float(s.expected))
    for a, students in STUDENTS.items()
    for s in students
    if s.expected.isdigit()
]


@pytest.mark.parametrize(("student", "assignment", "score"), EXACT)
def test_demo_students_get_their_expected_scores(rows, student, assignment, score):
    row = rows[(student, assignment)]
    assert float(row["score"]) == score, row


def test_the_late_student_is_capped_with_a_reason(rows):
    row = rows[("demo-late", "01_micrograd")]
    assert row["late"] == "1" and "late: capped at 1" in row["reason"]


def test_about_half_of_the_core_scores_about_one(rows):
    assert 0.5 <= float(rows[("demo-half-core", "01_micrograd")]["score"]) <= 1.5


def test_a_dying_kernel_is_graded_on_what_ran_with_a_reason(rows):
    row = rows[("demo-kernel-dies", "01_micrograd")]
    assert 0 < float(row["score"]) < 2
    assert "the kernel died" in row["reason"]


def test_a_file_that_is_not_json_scores_zero_with_a_reason(rows):
    row = rows[("demo-broken-json", "01_micrograd")]
    assert float(row["score"]) == 0 and "invalid notebook" in row["reason"]


def test_the_unedited_release_copy_is_named_as_such(rows):
    assert "unedited release notebook" in rows[("demo-unedited", "01_micrograd")]["reason"]


def test_in_a_practical_of_several_notebooks_the_reason_names_the_notebook(rows):
    # core-only leaves the stars as stubs, and the deep-networks notebook is all stars
    reason = rows[("demo-core-only", "04_gpt")]["reason"]
    assert reason == "deep_networks: unedited release notebook"


def test_the_demo_covers_every_practical():
    assert set(STUDENTS) == {p.name for p in (REPO / "source").iterdir() if p.is_dir()}


def test_a_practical_whose_data_is_missing_is_skipped_with_the_reason(
    tmp_path, monkeypatch, capsys
):
    course = make_course(tmp_path / "course", ["02_makemore"])
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PRACTICALS_DATA", str(tmp_path / "empty"))  # no names.txt, no network
    assert run_demo(config.load(course), workers=1) == 1
    out = capsys.readouterr().out
    assert "NOT GRADED 02_makemore: the solution notebook does not pass its own tests" in out
    assert "Could not find the data file 'names.txt'" in out
