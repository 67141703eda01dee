"""Collecting a Moodle "download all submissions" zip: the good entries, and every bad one."""

import io
import zipfile
from datetime import UTC

import pytest

from practicals.lms import import_zip

WHEN = (2026, 10, 1, 9, 30, 0)


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=WHEN)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return path


@pytest.fixture
def course(tmp_path):
    (tmp_path / "source" / "01_micrograd").mkdir(parents=True)
    (tmp_path / "source" / "01_micrograd" / "micrograd.ipynb").write_text("{}")
    return tmp_path


def submitted(course, student):
    return course / "submitted" / student / "01_micrograd"


def test_moodle_folders_become_nbgrader_submissions_with_the_export_time(course):
    z = make_zip(course / "all.zip", [
        ("Ada Lovelace_1001_assignsubmission_file_/micrograd.ipynb", "{ada}"),
        ("Alan Turing_1002_assignsubmission_file_micrograd.ipynb", "{alan}"),  # older flat form
    ])  # fmt: skip
    report = import_zip(z, course, "01_micrograd", UTC)
    assert report.imported == ["1001", "1002"] and report.problems == []
    assert (submitted(course, "1001") / "micrograd.ipynb").read_text() == "{ada}"
    stamp = (submitted(course, "1002") / "timestamp.txt").read_text()
    assert stamp == "2026-10-01 09:30:00.000000 UTC"


def test_a_wrongly_named_single_notebook_is_collected_with_a_note(course):
    z = make_zip(course / "all.zip", [("Ada_1001_assignsubmission_file_/TP1 final(2).ipynb", "{}")])
    report = import_zip(z, course, "01_micrograd", UTC)
    assert report.imported == ["1001"]
    assert "collected as micrograd.ipynb" in report.problems[0]


def test_bad_entries_are_reported_and_the_rest_is_collected(course):
    bomb = b"0" * (20 << 20)  # 20 MB of zeros deflates about a thousand-fold
    z = make_zip(course / "all.zip", [
        ("Ada_1001_assignsubmission_file_/micrograd.ipynb", "{ok}"),
        ("Bob_1002_assignsubmission_file_/report.pdf", "%PDF"),
        ("Cy_1003_assignsubmission_file_/a.ipynb", "{}"),
        ("Cy_1003_assignsubmission_file_/b.ipynb", "{}"),
        ("Dee_1004_assignsubmission_file_/micrograd.ipynb", bomb),
        ("random/notes.txt", "hello"),
        ("Eve_1005_assignsubmission_file_/micrograd.ipynb", "{eve}"),
        ("Eve_1005_assignsubmission_file_/old.ipynb", "{old}"),
    ])  # fmt: skip
    report = import_zip(z, course, "01_micrograd", UTC)
    assert report.imported == ["1001", "1005"]
    text = "\n".join(report.problems)
    assert "report.pdf: not a notebook" in text
    assert "student 1003: several notebooks (a.ipynb, b.ipynb), none collected" in text
    assert "Dee_1004_assignsubmission_file_/micrograd.ipynb: too large or over-compressed" in text
    assert "random/notes.txt: not a Moodle submission entry" in text
    assert "old.ipynb: a second notebook, not collected" in text
    assert (submitted(course, "1005") / "micrograd.ipynb").read_text() == "{eve}"
    assert not submitted(course, "1004").exists()


def test_entry_names_cannot_escape_the_course(course):
    z = make_zip(course / "all.zip", [("../../evil_1_assignsubmission_file_/x.ipynb", "{}")])
    report = import_zip(z, course, "01_micrograd", UTC)
    assert report.imported == [] and "not a Moodle submission entry" in report.problems[0]


def test_a_file_that_is_not_a_zip_is_a_clear_error(course):
    (course / "all.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable zip file"):
        import_zip(course / "all.zip", course, "01_micrograd", UTC)


def test_an_assignment_with_several_notebooks_needs_a_name(course):
    (course / "source" / "01_micrograd" / "other.ipynb").write_text("{}")
    z = make_zip(io.BytesIO(), [])
    with pytest.raises(ValueError, match="say which with --notebook"):
        import_zip(z, course, "01_micrograd", UTC)
