"""Nothing a student receives gives the answers away: neither the release notebooks (locked
cells and markdown) nor the student package they install."""

import importlib.metadata
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, make_course
from packaging.requirements import Requirement

from practicals import config, notebook
from practicals.release import PLACEHOLDER, release
from practicals.student_package import (
    CHECK_MODULES,
    MODULES,
    NOTEBOOK_MODULES,
    REQUIRES,
    build,
)

SOURCES = sorted((REPO / "source").glob("*/*.ipynb"))
MIN_LENGTH = 12  # shorter lines ("n = len(xs)", "return out") say nothing about a solution
# Solution lines that are also, by design, part of what the student is given; each with why.
PUBLIC = {
    "loss.backward()": "the training step every practical shows",
    "for _ in range(n):": "a loop header",
}


def normalised(line: str) -> str:
    """A line as the scan compares it: no comment, no blanks, no namespace prefixes."""
    line = line.split("#", 1)[0]
    line = re.sub(r"\b(fw|self|torch|F|np|nn|math)\.", "", line)
    line = re.sub(r"\s+", "", line).replace("`", "")
    return line.removeprefix("return")


def balanced(text: str) -> bool:
    """False for the middle of a statement split over lines ("progress=True)")."""
    return all(text.count(a) == text.count(b) for a, b in ("()", "[]", "{}"))


def solution_lines(source: nbformat.NotebookNode) -> set[str]:
    """Every normalised line inside a solution region of the source notebook."""
    found, inside = set(), False
    public = {normalised(line) for line in PUBLIC}
    for cell in source.cells:
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside:
                text = normalised(line)
                if len(text) >= MIN_LENGTH and balanced(text) and text not in public:
                    found.add(text)
    return found


def shown_text(release_nb: nbformat.NotebookNode) -> str:
    """What a release notebook shows outside its answer cells, normalised line by line."""
    cells = [c for c in release_nb.cells if not notebook.is_answer(c)]
    return "\n".join(normalised(line) for c in cells for line in c.source.splitlines())


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_no_locked_cell_or_markdown_of_the_release_shows_a_solution_line(path):
    release_nb = nbformat.read(REPO / "release" / path.parent.name / path.name, 4)
    shown = shown_text(release_nb)
    leaks = sorted(line for line in solution_lines(notebook.read(path)) if line in shown)
    assert leaks == [], f"{path.name}: locked cells or markdown show solution lines: {leaks}"


def test_the_scan_finds_a_solution_line_pasted_in_a_hint():
    source = notebook.read(SOURCES[0])
    line = next(iter(solution_lines(source)))
    release_nb = nbformat.read(REPO / "release" / SOURCES[0].parent.name / SOURCES[0].name, 4)
    release_nb.cells.append(nbformat.v4.new_markdown_cell(f"Hint: `{line}`"))
    assert line in shown_text(release_nb)


def test_release_install_cells_point_at_the_configured_student_package():
    url = config.load(REPO).student_package
    assert url and "git+" not in url
    for path in (REPO / "release").glob("*/*.ipynb"):
        install = nbformat.read(path, 4).cells[1]
        assert notebook.grade_id(install) == "install"
        assert url in install.source and PLACEHOLDER not in install.source, path.name
        assert "git+" not in path.read_text(), f"{path.name} installs from a repository"


def test_a_course_sets_the_url_once_and_release_writes_it(tmp_path):
    url = "https://courses.example.org/dl/practicals-0.1.0-py3-none-any.whl"
    course = make_course(tmp_path / "course", ["01_micrograd"],
                         extra_config=f"c.StudentPackage.url = {url!r}\n")  # fmt: skip
    (path,) = release(config.load(course), ["01_micrograd"])
    assert url in nbformat.read(path, 4).cells[1].source


def test_the_grader_shows_the_install_cell_as_released():
    """Feedback and autograded notebooks draw their locked cells from this release version."""
    course = config.load(REPO)
    release_nb = notebook.release_version(notebook.read(SOURCES[0]), course.student_package)
    assert (
        release_nb.cells[1].source
        == nbformat.read(REPO / "release" / SOURCES[0].parent.name / SOURCES[0].name, 4)
        .cells[1]
        .source
    )


def test_release_refuses_without_a_url(tmp_path):
    course = make_course(tmp_path / "course", ["01_micrograd"],
                         extra_config='c.StudentPackage.url = ""\n')  # fmt: skip
    with pytest.raises(RuntimeError, match="c.StudentPackage.url is not set"):
        release(config.load(course), ["01_micrograd"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build(REPO, tmp_path_factory.mktemp("dist"))


def test_the_student_package_holds_the_helper_modules_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    modules = sorted(n for n in names if not n.startswith("practicals-"))
    assert modules == sorted(f"practicals/{m}.py" for m in MODULES)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    assert b"nbgrader" not in metadata, "students do not need the grader's dependencies"
    scripts = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt")))
    assert b"practicals = practicals.selfcheck:main" in scripts, "`practicals check` for students"


def test_the_student_package_holds_no_solution_hidden_test_or_mutant(wheel):
    text = "\n".join(
        zipfile.ZipFile(wheel).read(n).decode() for n in zipfile.ZipFile(wheel).namelist()
    )
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "Mutant(", ".ipynb", "MUTANTS"):
        assert marker not in text
    shown = "\n".join(normalised(line) for line in text.splitlines())
    for path in SOURCES:
        source = notebook.read(path)
        assert [line for line in solution_lines(source) if line in shown] == [], path.name
        hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                            "\n".join(c.source for c in source.cells), re.S)  # fmt: skip
        lines = {normalised(x) for block in hidden for x in block.splitlines()}
        assert [x for x in lines if len(x) >= MIN_LENGTH and x in shown] == [], path.name


def test_the_student_package_serves_every_import_of_the_release(wheel, tmp_path):
    imported = set()
    for path in (REPO / "release").glob("*/*.ipynb"):
        imported |= set(re.findall(r"from practicals\.(\w+) import", path.read_text()))
    assert imported <= set(NOTEBOOK_MODULES), f"notebooks import {imported - set(MODULES)}"
    imported |= set(CHECK_MODULES)  # and students run `practicals check`
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = "import importlib, practicals; print(practicals.__file__)\n" + "".join(
        f"importlib.import_module('practicals.{m}')\n" for m in sorted(imported)
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(str(tmp_path)), "imported the course's package, not the wheel"


def _installed_with(names: set[str]) -> set[str]:
    """The distributions ``names`` bring, theirs included (read from the installed metadata)."""
    found, todo = set(), [n.lower() for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name.lower())
    return found


def test_the_student_package_brings_every_library_the_release_imports():
    """One install cell sets a student up: what a notebook imports comes with the wheel."""
    modules = set()
    for path in (REPO / "release").glob("*/*.ipynb"):
        for cell in notebook.read(path).cells:
            if cell.cell_type == "code":
                modules |= set(re.findall(r"^\s*(?:from|import) (\w+)", cell.source, re.M))
    third_party = modules - set(sys.stdlib_module_names) - {"practicals"}
    providers = importlib.metadata.packages_distributions()
    needed = {m: {d.lower() for d in providers.get(m, [m])} for m in third_party}
    brought = _installed_with(set(REQUIRES))
    assert {m: d for m, d in needed.items() if not d & brought} == {}
