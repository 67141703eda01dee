"""What a submission runs: test cells from the source, answers from the student."""

import nbformat
from conftest import toy_notebook

from practicals import notebook
from practicals.assemble import assemble
from practicals.notebook import Kind

SOURCE = toy_notebook()
RELEASED = notebook.release_cells(notebook.release_version(SOURCE))


def student(edit=None):
    nb = notebook.release_version(SOURCE)
    if edit:
        edit(nb)
    return nb


def by_id(nb, gid):
    return next(c for c in nb.cells if notebook.grade_id(c) == gid)


def ids(assembly):
    return [(c.grade_id, c.kind) for c in assembly.cells if c.kind != Kind.MARKDOWN]


def test_release_stubs_raise_not_implemented_and_carry_nbgraders_checksum():
    assert "raise NotImplementedError()" in RELEASED["square"].source
    assert "x * x" not in RELEASED["square"].source
    assert RELEASED["square"].metadata["nbgrader"]["checksum"]


def test_an_answer_edited_only_by_whitespace_is_still_an_answer():
    def edit(nb):
        by_id(nb, "square").source += "\n"

    built = assemble(SOURCE, student(edit), RELEASED)
    assert not built.unedited
    assert built.unanswered == {"cube"}


def test_an_unedited_release_is_recognised():
    assert assemble(SOURCE, student(), RELEASED).unedited


def test_answers_come_from_the_student_and_tests_from_the_source():
    def edit(nb):
        by_id(nb, "square").source = "def square(x):\n    return 42"
        by_id(nb, "test_square").source = "pass  # the student gutted the test"

    built = assemble(SOURCE, student(edit), RELEASED)
    cells = {c.grade_id: c.source for c in built.cells}
    assert cells["square"] == "def square(x):\n    return 42"
    assert "observe('squares'" in cells["test_square"]  # hidden tests restored
    assert not built.unedited and built.notes == []


def test_a_deleted_test_cell_is_restored_with_a_note():
    def edit(nb):
        nb.cells = [c for c in nb.cells if notebook.grade_id(c) != "test_square"]

    built = assemble(SOURCE, student(edit), RELEASED)
    assert ("test_square", "test") in ids(built)
    assert "test cell 'test_square' was missing: restored from the source" in built.notes


def test_a_renamed_answer_cell_still_runs_and_no_stub_overwrites_it():
    def edit(nb):
        cell = by_id(nb, "square")
        cell.metadata["nbgrader"]["grade_id"] = "my_square"
        cell.source = "def square(x):\n    return x * x"

    built = assemble(SOURCE, student(edit), RELEASED)
    assert ids(built)[:3] == [("imports", "readonly"), (None, "added"), ("test_square", "test")]
    assert next(c for c in built.cells if c.kind == Kind.ADDED).source.endswith("x * x")
    assert "answer cell 'square' is missing (renamed or deleted)" in built.notes


def test_added_cells_stay_after_the_cell_they_followed():
    def edit(nb):
        at = nb.cells.index(by_id(nb, "square"))
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell("helper = 1"))

    built = assemble(SOURCE, student(edit), RELEASED)
    sources = [c.source for c in built.cells]
    assert sources.index("helper = 1") == [c.grade_id for c in built.cells].index("square") + 1


def test_a_duplicated_answer_keeps_the_first_copy():
    def edit(nb):
        first = by_id(nb, "square")
        first.source = "def square(x):\n    return x * x"
        copy = nbformat.from_dict(first)
        copy.source = "def square(x):\n    return 0"
        nb.cells.insert(nb.cells.index(first) + 1, copy)

    built = assemble(SOURCE, student(edit), RELEASED)
    assert {c.grade_id: c.source for c in built.cells}["square"].endswith("x * x")
    assert "cell 'square' appears twice: the first copy was graded" in built.notes


def test_markdown_is_kept_to_show_and_outputs_of_the_submission_are_ignored():
    def edit(nb):
        test = by_id(nb, "test_square")
        test.outputs = [nbformat.v4.new_output("stream", text="faked")]

    built = assemble(SOURCE, student(edit), RELEASED)
    code = [c for c in built.cells if c.kind != Kind.MARKDOWN]
    assert len(code) == sum(c.cell_type == "code" for c in SOURCE.cells)
    assert [c.source for c in built.cells if c.kind == Kind.MARKDOWN] == [
        c.source for c in SOURCE.cells if c.cell_type == "markdown"
    ]
