"""report.json keeps the grade's reason in the order the exports give it."""

from practicals import reports
from practicals.grades import student_grade
from practicals.scale import Points, Policy


def test_a_late_note_goes_before_the_cap_as_in_the_exports(tmp_path):
    points = Points(core=10, core_max=10, star=4, star_max=4)
    policy = Policy(2.0, 2.0, 1.0, 0.1)
    before = student_grade("s1", "a1", points, True, None, 60.0, ["odd file"], policy)
    reports.write(tmp_path, {"student": "s1", "assignment": "a1", "reason": before.reason,
                             "notes": ["odd file"]})  # fmt: skip
    reports.add_note(tmp_path, "s1", "a1", "feedback failed")
    after = student_grade("s1", "a1", points, True, None, 60.0,
                          ["odd file", "feedback failed"], policy)  # fmt: skip
    report = reports.read(tmp_path, "s1", "a1")
    assert report["reason"] == after.reason and "capped" in after.reason
    assert report["notes"] == ["odd file", "feedback failed"]


def test_a_note_on_a_missing_report_starts_one(tmp_path):
    reports.add_note(tmp_path, "s2", "a1", "feedback failed")
    assert reports.read(tmp_path, "s2", "a1")["reason"] == "feedback failed"


def test_in_an_assignment_of_several_notebooks_a_note_names_its_notebook():
    from practicals.finish import merged_notes
    from practicals.worker import Result

    def result(name, *notes):
        return Result("s1", name, {}, [], [], list(notes))

    starred = result("deep_networks", "unedited release notebook")
    core_only = [result("gpt"), result("llm_on_cpu"), starred]
    assert merged_notes(core_only) == ["deep_networks: unedited release notebook"]
    absent = [result(n, "missing submission") for n in ("gpt", "llm_on_cpu")]
    assert merged_notes(absent) == ["missing submission"]  # shared by all: said once, plainly
    alone = [result("micrograd", "unedited release notebook", "unedited release notebook")]
    assert merged_notes(alone) == ["unedited release notebook"]
