"""Feedback for one student and notebook, as a self-contained HTML page, from the gradebook.

It opens with the 0-4 score, the reason for any cap and a per-exercise table, then shows the
notebook as it ran. It is drawn from what grading wrote (the autograded notebook and
report.json) and from the gradebook as it is now, so it follows an instructor's overrides:
``practicals feedback ASSIGNMENT``, and formgrader's "Generate Feedback" button (through
``formgrader.FeedbackExporter``), render it again.

Hidden tests never appear: test and read-only cells are shown as released (nbgrader's own
ClearHiddenTests cut them, in ``notebook.release_cells``), and test-cell errors keep only their
message (a traceback would quote the hidden lines). Student text is shown as written, never
parsed for markers, and every output is inert; the page's Content-Security-Policy forbids
scripts besides.
"""

from __future__ import annotations

import html
from concurrent.futures import Executor
from functools import cache
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbgrader.api import Gradebook, MissingEntry

from . import config, gradebook, inert, notebook, reports
from .grades import StudentGrade
from .notebook import Kind

_exporter: HTMLExporter | None = None


def _html(nb: nbformat.NotebookNode) -> str:
    global _exporter
    if _exporter is None:  # building the exporter loads its templates: once per process
        _exporter = HTMLExporter(template_name="lab")
        # Everything on the page is inert already (nh3, in inert.py), or escaped by pygments:
        # the lab template's second cleaning, by bleach in pure Python, would triple its cost.
        _exporter.register_filter("clean_html", _as_text)
    body, _ = _exporter.from_notebook_node(nb)
    return inert.with_csp(body)


def _as_text(element: str | bytes) -> str:
    return element.decode() if isinstance(element, bytes) else str(element)


def summary(grade: StudentGrade, name: str, rows: list[tuple[str, float, float, str]]) -> str:
    """The markdown that heads the page; ``rows`` are (grade id, earned, points, result)."""
    cap = f"; {grade.raw_score:g} before the late cap" if grade.score != grade.raw_score else ""
    lines = [
        f"# Feedback: {name}, student {grade.student}",
        "",
        f"**Score: {grade.score:g} / 4**" + (f" ({grade.reason}{cap})" if grade.reason else ""),
        "",
        "| test cell | points | result |",
        "|---|---|---|",
    ]
    for gid, earned, points, result in rows:
        star = " (*)" if notebook.is_star(gid) else ""
        lines.append(f"| `{gid}`{star} | {earned:g} / {points:g} | {html.escape(result)} |")
    if grade.late:
        lines += ["", "This submission was collected after the due date."]
    return inert.markdown("\n".join(lines))


def _shown_outputs(outputs: list, is_test: bool) -> list:
    kept = []
    for out in inert.outputs(outputs):
        if is_test and out.get("output_type") == "error":
            text = f"{out.get('ename')}: {out.get('evalue')}\n"
            kept.append(nbformat.v4.new_output("stream", name="stderr", text=text))
            continue
        kept.append(nbformat.from_dict(out))
    return kept


def page(
    course: config.Course,
    assignment: str,
    student: str,
    name: str,
    released: dict[str, nbformat.NotebookNode],
) -> str:
    """The page of one student's notebook; ``released`` is the notebook's release cells."""
    graded = notebook.read(course.root / "autograded" / student / assignment / f"{name}.ipynb")
    verdicts = reports.read(course.root, student, assignment).get("cells", {}).get(name, {})
    with Gradebook(course.gradebook_url) as gb:
        grade = gradebook.student_grades(gb, assignment, reports.notes_of(course.root, assignment),
                                         course.scale.policy(), [student])[0]  # fmt: skip
        rows = []
        for gid, cell in released.items():
            if not notebook.is_test(cell):
                continue
            try:
                found = gb.find_grade(gid, name, assignment, student)
                earned, manual = gradebook.earned_points(found), found.manual_score is not None
            except MissingEntry:
                earned, manual = 0.0, False
            result = "set by your instructor" if manual else verdicts.get(gid, "")
            rows.append((gid, earned, notebook.meta(cell)["points"], result))
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(summary(grade, name, rows)))
    for cell in graded.cells:
        kind = cell.get("metadata", {}).get("practicals", {}).get("kind")
        gid = notebook.grade_id(cell)
        if cell.cell_type != "code":
            nb.cells.append(nbformat.v4.new_markdown_cell(inert.markdown(notebook.text(cell))))
            continue
        from_source = kind in (Kind.TEST, Kind.READONLY)
        text = released[gid].source if from_source and gid in released else notebook.text(cell)
        node = nbformat.v4.new_code_cell(text)
        node.outputs = _shown_outputs(cell.get("outputs", []), kind == Kind.TEST)
        nb.cells.append(node)
    return _html(nb)


@cache
def _released(source: Path, modified: float, url: str) -> dict[str, nbformat.NotebookNode]:
    """The release cells of a source notebook, once per process (and version of the file)."""
    return notebook.release_cells(notebook.release_version(notebook.read(source), url))


def student_page(course: config.Course, assignment: str, student: str, name: str) -> str:
    """``page``, with the release cells taken from the course's source notebook."""
    source = course.root / "source" / assignment / f"{name}.ipynb"
    released = _released(source, source.stat().st_mtime, course.student_package)
    return page(course, assignment, student, name, released)


def _render(page_of: tuple[Path, str, str, str]) -> str | None:
    """Write one page; returns why it could not be, or None. Runs in a worker process."""
    root, assignment, student, name = page_of
    course = config.load(root)
    try:
        text = student_page(course, assignment, student, name)
        out = root / "feedback" / student / assignment / f"{name}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except Exception as err:  # one page lost, never the batch
        return f"the grader failed while writing the feedback ({type(err).__name__}: {err})"
    return None


class _InProcess:
    map = staticmethod(lambda fn, items: [fn(item) for item in items])


def generate(
    course: config.Course,
    assignment: str,
    students: list[str] | None = None,
    pool: Executor | None = None,
) -> dict[str, str]:
    """Render the feedback of every autograded notebook of ``assignment`` (or of ``students``),
    in ``pool`` when given; returns, by student, why a page could not be written."""
    folder = course.root / "autograded"
    pages = sorted((p.parts[-3], p.stem) for p in folder.glob(f"*/{assignment}/*.ipynb")
                   if students is None or p.parts[-3] in students)  # fmt: skip
    args = [(course.root, assignment, s, n) for s, n in pages]
    done = (pool or _InProcess()).map(_render, args)
    problems = {}
    for (student, _), problem in zip(pages, done, strict=True):
        if problem:
            problems[student] = problem
    return problems
