"""Every source notebook follows the contract of CONTRIBUTING.md, and release/ does not drift."""

import json
import re
import shutil

import nbformat
import pytest
from conftest import REPO, make_course

from practicals import config, notebook
from practicals.release import release

SOURCES = sorted((REPO / "source").glob("*/*.ipynb"))
IDS = [p.stem for p in SOURCES]


@pytest.fixture(params=SOURCES, ids=IDS)
def source(request):
    return notebook.read(request.param)


def test_there_are_practicals():
    assert {p.parent.name for p in SOURCES} >= {"01_micrograd", "02_makemore", "03_backprop_ninja"}


def test_sources_are_committed_without_outputs(source):
    for cell in source.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_every_code_cell_is_an_nbgrader_cell_with_a_unique_id(source):
    ids = [notebook.grade_id(c) for c in source.cells if c.cell_type == "code"]
    assert None not in ids
    assert len(ids) == len(set(ids))
    for cell in source.cells:
        if cell.cell_type == "code":
            meta = notebook.meta(cell)
            assert meta.get("schema_version") == 3
            assert meta.get("locked") is not bool(meta.get("solution"))


def test_answer_cells_hold_solution_regions_and_test_cells_points(source):
    for cell in source.cells:
        if notebook.is_answer(cell):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        if notebook.is_test(cell):
            assert notebook.meta(cell).get("points", 0) > 0
            assert any(f"{f}(" in cell.source for f in ("observe", "check_close", "hand_in"))


def test_the_first_cell_installs_the_helper_package(source):
    first = next(c for c in source.cells if c.cell_type == "code")
    assert notebook.grade_id(first) == "install"
    assert 'find_spec("practicals")' in first.source and "%pip install" in first.source
    assert '"STUDENT_PACKAGE"' in first.source, "the release writes the course's URL there"


def test_starred_headings_and_star_ids_agree(source):
    """A (*) heading's exercise has star_ test cells, and only starred exercises have them."""
    starred_section = False
    for cell in source.cells:
        if cell.cell_type == "markdown" and re.match(r"^#+ ", cell.source):
            heading = cell.source.splitlines()[0].replace("\\*", "*")  # "(\\*)" renders as "(*)"
            if re.match(r"^##? ", heading):  # exercise headings are level 1 or 2
                starred_section = "(*)" in heading
        if notebook.is_test(cell):
            is_star = notebook.is_star(notebook.grade_id(cell))
            assert is_star == starred_section, notebook.grade_id(cell)


def test_every_assignment_has_a_starred_exercise():
    """The 0-4 scale gives half its range to stars: an assignment without one would cap at 2
    (a notebook may be all core, like the GPT, or all starred, like the deep-networks one)."""
    starred = {}
    for path in SOURCES:
        cells = notebook.read(path).cells
        star = any(notebook.is_test(c) and notebook.is_star(notebook.grade_id(c)) for c in cells)
        starred[path.parent.name] = starred.get(path.parent.name, False) or star
    assert [a for a, star in starred.items() if not star] == []


def test_release_is_what_nbgrader_generates_from_source(tmp_path):
    """release/ is regenerated from source/ by nbgrader; any drift fails."""
    course = make_course(tmp_path / "course", [])
    shutil.copytree(REPO / "source", course / "source")
    release(config.load(course))
    fresh = sorted(p.relative_to(course) for p in (course / "release").glob("*/*.ipynb"))
    committed = sorted(p.relative_to(REPO) for p in (REPO / "release").glob("*/*.ipynb"))
    assert fresh == committed, "run `make release` and commit release/"
    for path in fresh:
        want = json.loads((course / path).read_text())
        have = json.loads((REPO / path).read_text())
        assert have == want, f"{path} drifted from source/: run `make release` and commit it"


def test_release_has_no_solutions_and_no_hidden_tests():
    for path in (REPO / "release").glob("*/*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "observe(", "hand_in("):
            assert marker not in text, f"{path.name} leaks {marker!r}"


def test_release_cells_keep_their_ids_so_submissions_can_be_matched():
    for path in (REPO / "release").glob("*/*.ipynb"):
        nb = nbformat.read(path, 4)
        source = notebook.read(REPO / "source" / path.parent.name / path.name)
        assert [notebook.grade_id(c) for c in nb.cells if c.cell_type == "code"] == [
            notebook.grade_id(c) for c in source.cells if c.cell_type == "code"
        ]
