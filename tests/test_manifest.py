"""The course manifest is the one place an assignment's facts live, and it says so loudly."""

import csv
import io
import re
import zipfile

import nbformat
import pytest
from conftest import REPO, TOY_MANIFEST, build_toy_course, make_course, submit, toy_notebook

from practicals import config, data, manifest, notebook
from practicals.demo import run_demo, table
from practicals.grade import grade_assignment
from practicals.lms import import_zip

GOOD = """
timezone = "UTC"
[assignments.a1]
due = 2026-10-01T12:00:00
[notebooks."a1/nb"]
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('timezone = "UTC"', ""), "needs timezone"),
        (GOOD.replace("UTC", "Mars/Olympus"), "not an IANA time zone"),
        (GOOD.replace("due = 2026-10-01T12:00:00", ""), 'needs a due date, or due = "none"'),
        (GOOD.replace("2026-10-01T12:00:00", '"next friday"'), "needs due = "),
        (GOOD + 'data = ["imagenet"]', "data ['imagenet'] unknown"),
        (GOOD + '[notebooks."a2/nb"]', "which have no [assignments.] entry"),
        (GOOD.replace('"a1/nb"', '"nb"'), 'keys are "assignment/notebook"'),
        (GOOD + "headlines = [{ observation = 'x' }]", "headlines need exactly"),
        ("timezone = ", "not valid TOML"),
    ],
)
def test_every_mistake_in_the_manifest_is_named(text, message):
    with pytest.raises(manifest.ManifestError, match=re.escape(message)):
        manifest.parse(text)


def test_no_due_date_is_said_not_implied_and_local_times_are_read_in_the_course_zone():
    paris = manifest.parse(GOOD.replace("UTC", "Europe/Paris"))
    assert paris.assignment("a1").due.hour == 10  # 12:00 in Paris in October is 10:00 UTC
    undated = manifest.parse(GOOD.replace("2026-10-01T12:00:00", '"none"'))
    assert undated.assignment("a1").due is None


def test_the_manifest_knows_exactly_the_data_sets_the_loaders_load():
    assert set(manifest.DATA_SETS) == set(data.LOADERS)


def test_the_repository_manifest_lists_every_practical_and_the_data_it_loads():
    course = manifest.load(REPO)
    assert set(course.assignments) == {p.name for p in (REPO / "source").iterdir() if p.is_dir()}
    for name, entry in course.assignments.items():
        manifest.check_sources(course, REPO, name)
        assert entry.demo, f"{name} has no demo students"
        for nb in entry.notebooks.values():
            code = "".join(c.source for c in notebook.read(REPO / "source" / name /
                                                          f"{nb.name}.ipynb").cells)  # fmt: skip
            assert manifest.undeclared_data(nb, code) == [], nb.key


def test_grading_refuses_an_assignment_the_manifest_does_not_list(tmp_path):
    course = make_course(tmp_path / "course", [])
    (course / "source" / "09_new").mkdir(parents=True)
    with pytest.raises(manifest.ManifestError, match="09_new is not in course.toml"):
        grade_assignment(config.load(course), "09_new", progress=lambda _: None)


def test_grading_refuses_a_notebook_that_loads_data_its_entry_does_not_list(tmp_path):
    course = build_toy_course(tmp_path / "course")
    nb = toy_notebook()
    nb.cells[1].source += "\nfrom practicals.data import load_names\nnames = load_names()"
    nbformat.write(nb, course / "source" / "00_toy" / "toy.ipynb")
    with pytest.raises(manifest.ManifestError, match=r"loads \['names'\]"):
        grade_assignment(config.load(course), "00_toy", progress=lambda _: None)


@pytest.mark.xdist_group("pipeline")
def test_a_toy_practical_added_through_the_manifest_alone_is_demoed_and_graded(tmp_path):
    demo = (
        'demo = [{ student = "complete", expected = "4" }, '
        '{ student = "core-only", expected = "2" }, '
        '{ student = "late", expected = "1", late = true }]\n'
    )
    course = build_toy_course(tmp_path / "course")
    text = (course / "course.toml").read_text()
    text = text.replace("due = 2026-10-01T12:00:00\n", "due = 2026-10-01T12:00:00\n" + demo)
    (course / "course.toml").write_text(text)
    for other in ("01_micrograd", "02_makemore", "03_backprop_ninja"):
        assert not (course / "source" / other).exists()  # the demo only grades what is there
    assert run_demo(config.load(course), workers=2) == 0
    rows = {r["student_id"]: r for r in table(config.load(course))}
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        "demo-complete": 4.0, "demo-core-only": 2.0, "demo-late": 1.0,
    }  # fmt: skip
    assert TOY_MANIFEST.strip().splitlines()[0] in text


# --- time zones: one setting, read the same way by every route ---------------------------


def _moodle_zip(entries: dict[str, tuple]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for student, (when, nb) in entries.items():
            info = zipfile.ZipInfo(f"Student {student}_{student}_assignsubmission_file_/toy.ipynb",
                                   date_time=when)  # fmt: skip
            z.writestr(info, nb)
    return buffer.getvalue()


@pytest.mark.xdist_group("pipeline")
def test_a_minute_either_side_of_the_due_date_in_a_utc_plus_one_course_by_both_routes(tmp_path):
    from conftest import answered

    course = build_toy_course(tmp_path / "course")
    text = (course / "course.toml").read_text().replace('timezone = "UTC"',
                                                        'timezone = "Europe/Paris"')  # fmt: skip
    text = text.replace("due = 2026-10-01T12:00:00", "due = 2026-12-01T18:00:00")  # CET, UTC+1
    (course / "course.toml").write_text(text)
    complete = nbformat.writes(answered(course))
    # Moodle: entry times in the server's local time (Paris), with no zone.
    zipped = tmp_path / "moodle.zip"
    zipped.write_bytes(_moodle_zip({"1001": ((2026, 12, 1, 17, 59, 0), complete),
                                    "1002": ((2026, 12, 1, 18, 1, 0), complete)}))  # fmt: skip
    import_zip(zipped, course, "00_toy", config.load(course).manifest.timezone, "toy")
    # nbgrader's collection: times with their zone, as `nbgrader submit` writes them.
    submit(course, "2001", "00_toy", "toy.ipynb", answered(course),
           "2026-12-01 16:59:00.000000 UTC")  # fmt: skip
    submit(course, "2002", "00_toy", "toy.ipynb", answered(course),
           "2026-12-01 18:01:00.000000 +0100")  # fmt: skip
    grade_assignment(config.load(course), "00_toy", workers=2, progress=lambda _: None)
    with open(course / "grades_long.csv", newline="") as f:
        late = {r["student_id"]: r["late"] for r in csv.DictReader(f)}
    assert late == {"1001": "0", "1002": "1", "2001": "0", "2002": "1"}
