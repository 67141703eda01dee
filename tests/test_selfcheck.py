"""`practicals check`: the students' self-check, on a real kernel."""

import nbformat
from conftest import toy_notebook

from practicals import notebook
from practicals.selfcheck import check_notebook


def test_a_finished_notebook_passes_every_visible_test(tmp_path, capsys):
    path = tmp_path / "toy.ipynb"
    nbformat.write(toy_notebook(), path)
    assert check_notebook(path) == 0
    out = capsys.readouterr().out
    assert "toy.ipynb: 2 of 2 test cells pass" in out
    assert "PASS  test_square" in out and "PASS  star_test_cube (*)" in out


def test_a_release_copy_says_what_is_left_to_do_and_what_is_wrong(tmp_path, capsys):
    nb = notebook.release_version(toy_notebook())
    square = next(c for c in nb.cells if notebook.grade_id(c) == "square")
    square.source = "def square(x):\n    return x + x"
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, path)
    assert check_notebook(path) == 1
    out = capsys.readouterr().out
    assert "FAIL  test_square" in out and "square(3) should be 9" in out
    assert "TODO  star_test_cube (*)" in out and "not answered yet" in out
