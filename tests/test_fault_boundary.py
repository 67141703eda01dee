"""Every step for one submission sits inside that submission's fault boundary.

Whatever a student hands in (nbgrader markers pasted anywhere, cells renamed, duplicated or
retyped, odd nbformat versions, huge outputs, broken JSON), the batch finishes, the exports are
written, every student gets a row with a reason, and the honest students' grades do not move.
Grading spins real kernels, so each batch is graded once and the property test draws few, large
examples.
"""

import csv
import itertools
import json
import shutil

import nbformat
import pytest
from conftest import build_toy_course, submit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practicals import config, notebook
from practicals.grade import grade_assignment

pytestmark = pytest.mark.xdist_group("fault-boundary")

ON_TIME = "2026-09-30 10:00:00.000000 UTC"
MARKERS = ["### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "### BEGIN SOLUTION",
           "### END SOLUTION"]  # fmt: skip
HIDDEN = "### BEGIN HIDDEN TESTS\nprint('my notes')\n### END HIDDEN TESTS"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return build_toy_course(tmp_path_factory.mktemp("fault") / "course")


def blank(root):
    return notebook.read(root / "release" / "00_toy" / "toy.ipynb")


def answered(root, cube="x ** 3"):
    nb = blank(root)
    by_id(nb, "square").source = "def square(x):\n    return x * x"
    by_id(nb, "cube").source = f"def cube(x):\n    return {cube}"
    return nb


def by_id(nb, gid):
    return next(c for c in nb.cells if notebook.grade_id(c) == gid)


def grade(root, submissions: dict) -> dict[str, dict]:
    """Grade exactly these submissions (notebooks or raw text); the export's rows by student."""
    shutil.rmtree(root / "submitted", ignore_errors=True)
    for student, content in submissions.items():
        submit(root, student, "00_toy", "toy.ipynb", content, ON_TIME)
    grade_assignment(config.load(root), "00_toy", workers=2, progress=lambda _: None)
    with open(root / "grades_long.csv", newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


# --- the reported cases ----------------------------------------------------------------------


def with_cell(root, cell, after="square"):
    nb = answered(root)
    nb.cells.insert(nb.cells.index(by_id(nb, after)) + 1, cell)
    return nb


def renamed_test(root):
    nb = answered(root)
    cell = by_id(nb, "test_square")
    cell.source += "\n" + HIDDEN
    cell.metadata["nbgrader"]["grade_id"] = "my_test"
    return nb


def duplicated_test(root):
    nb = answered(root)
    copy = nbformat.from_dict(json.loads(json.dumps(by_id(nb, "test_square"))))
    copy.source += "\n" + HIDDEN
    del copy["id"]
    nb.cells.insert(nb.cells.index(by_id(nb, "test_square")) + 1, copy)
    return nb


def marker_in_answer(root):
    nb = answered(root)
    by_id(nb, "square").source = "def square(x):\n    ### BEGIN HIDDEN TESTS\n    return x * x"
    return nb


CASES = {
    "markdown-hidden-closed": lambda r: with_cell(r, nbformat.v4.new_markdown_cell(HIDDEN)),
    "markdown-hidden-open": lambda r: with_cell(
        r, nbformat.v4.new_markdown_cell("### BEGIN HIDDEN TESTS\nmy notes")
    ),
    "code-hidden-closed": lambda r: with_cell(r, nbformat.v4.new_code_cell(HIDDEN)),
    "code-hidden-open": lambda r: with_cell(
        r, nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nprint('my notes')")
    ),
    "renamed-test": renamed_test,
    "duplicated-test": duplicated_test,
    "marker-in-answer": marker_in_answer,
    "solution-in-markdown": lambda r: with_cell(
        r, nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nmy idea"), after="cube"
    ),
}


@pytest.fixture(scope="module")
def reported(course):
    subs = {name: make(course) for name, make in CASES.items()}
    subs |= {"honest-complete": answered(course), "honest-core": answered(course, cube="x")}
    return course, grade(course, subs)


def test_the_honest_students_are_untouched(reported):
    _, rows = reported
    assert (float(rows["honest-complete"]["score"]), rows["honest-complete"]["reason"]) == (4, "")
    assert (float(rows["honest-core"]["score"]), rows["honest-core"]["reason"]) == (2, "")


@pytest.mark.parametrize("student", list(CASES))
def test_nbgrader_markers_in_student_text_cost_nothing(reported, student):
    course, rows = reported
    assert float(rows[student]["score"]) == 4.0, rows[student]["reason"]
    assert "grader failed" not in rows[student]["reason"]
    page = (course / "feedback" / student / "00_toy" / "toy.html").read_text()
    assert "Score: 4 / 4" in page
    for hidden in ("observe(&#x27;squares&#x27;", "observe('squares'", "observe(&#x27;cubes"):
        assert hidden not in page  # the source's hidden tests never show


def test_renamed_and_duplicated_test_cells_say_what_happened(reported):
    _, rows = reported
    assert "test cell 'test_square' was missing" in rows["renamed-test"]["reason"]
    assert "'test_square' appears twice" in rows["duplicated-test"]["reason"]


def test_student_text_is_shown_as_written(reported):
    course, _ = reported
    page = (course / "feedback" / "code-hidden-closed" / "00_toy" / "toy.html").read_text()
    assert "my notes" in page and "BEGIN HIDDEN TESTS" in page


# --- the boundary itself: a failure in any step costs one student ----------------------------


def test_a_failure_in_any_step_costs_only_that_student(course, monkeypatch):
    from practicals import autograded, gradebook

    def failing(fn, victim, student_of):
        def wrapped(*args, **kwargs):
            if victim in str(student_of(*args)):
                raise RuntimeError("boom")
            return fn(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(notebook, "read", failing(notebook.read, "unreadable", lambda path: path))
    monkeypatch.setattr(
        autograded, "build", failing(autograded.build, "pageless", lambda r, *_: r.student)
    )
    monkeypatch.setattr(
        gradebook, "record", failing(gradebook.record, "unrecorded", lambda *a: a[2])
    )
    names = ["unreadable", "pageless", "unrecorded", "ok"]
    rows = grade(course, {name: answered(course) for name in names})
    assert (float(rows["ok"]["score"]), rows["ok"]["reason"]) == (4.0, "")
    assert float(rows["unreadable"]["score"]) == 0.0
    reason = rows["unreadable"]["reason"]
    assert "the grader could not read this submission: RuntimeError: boom" in reason
    assert float(rows["pageless"]["score"]) == 4.0  # the grade stands without its page
    reason = rows["pageless"]["reason"]
    assert "the grader failed while writing the autograded notebook (RuntimeError: boom)" in reason
    assert float(rows["unrecorded"]["score"]) == 0.0
    assert rows["unrecorded"]["reason"].startswith(
        "the grader failed while recording this submission (RuntimeError: boom)"
    )


# --- the property: random edits of complete and blank notebooks -------------------------------

CELL_TYPES = ["code", "markdown", "raw", "heading", 7, None]
TEXTS = [*MARKERS, "x = 1", "# notes", "print('hello')", "", "ünïcødé ✓"]
GRADE_IDS = ["square", "cube", "test_square", "star_test_cube", "imports", "mine", "", None, 3]
METADATA = [
    "delete", {}, [], "text", {"nbgrader": "x"}, {"nbgrader": {"grade": True}},
    {"nbgrader": {"solution": True, "grade_id": "cube"}},
    {"nbgrader": {"grade": True, "grade_id": "test_square", "points": 100}},
]  # fmt: skip
HUGE = "y" * 2_000_000
at = st.integers(0, 40)
# The simplest draw, which Hypothesis tries first, is the reported bug: a code cell holding
# "### BEGIN HIDDEN TESTS", unclosed, added to a complete notebook.
EDITS = st.one_of(
    st.tuples(st.just("add"), at, st.sampled_from(["code", "markdown", "raw"]),
              st.lists(st.sampled_from(TEXTS), min_size=1, max_size=4)),
    st.tuples(st.just("duplicate"), at),
    st.tuples(st.just("move"), at, at),
    st.tuples(st.just("paste"), at, st.integers(0, 6), st.sampled_from(MARKERS)),
    st.tuples(st.just("output"), at),
    st.tuples(st.just("delete"), at),
    st.tuples(st.just("retype"), at, st.sampled_from(CELL_TYPES)),
    st.tuples(st.just("metadata"), at, st.sampled_from(METADATA)),
    st.tuples(st.just("grade_id"), at, st.sampled_from(GRADE_IDS)),
    st.tuples(st.just("nbformat"), st.sampled_from([3, 4, 5, "4", None]),
              st.sampled_from([0, 4, 5, 99, -1, "x", None])),
)  # fmt: skip
# These leave the answers as they were: a complete notebook edited only so keeps full marks.
COSMETIC = {"add", "duplicate", "move", "paste", "output"}
SUBMISSION = st.tuples(
    st.sampled_from(["complete", "blank"]),
    st.lists(EDITS, min_size=1, max_size=6),
    st.sampled_from([None, None, None, 0.5]),  # sometimes cut the JSON short
)


def apply(nb: dict, edit: tuple) -> None:
    """One edit of a notebook as raw JSON, where any shape can be written."""
    cells, (kind, *args) = nb["cells"], edit
    if kind == "add":
        cell = {"cell_type": args[1], "metadata": {}, "source": "\n".join(args[2])}
        if args[1] == "code":
            cell |= {"outputs": [], "execution_count": None}
        cells.insert(args[0] % (len(cells) + 1), cell)
    elif kind == "nbformat":
        nb["nbformat"], nb["nbformat_minor"] = args
    elif not cells:
        return
    elif kind == "duplicate":
        i = args[0] % len(cells)
        cells.insert(i + 1, {k: v for k, v in json.loads(json.dumps(cells[i])).items()
                             if k != "id"})  # fmt: skip
    elif kind == "move":
        cells.insert(args[1] % len(cells), cells.pop(args[0] % len(cells)))
    elif kind == "delete":
        cells.pop(args[0] % len(cells))
    elif kind == "retype":
        cells[args[0] % len(cells)]["cell_type"] = args[1]
    elif kind == "metadata":
        cell = cells[args[0] % len(cells)]
        if args[1] == "delete":
            cell.pop("metadata", None)
        else:
            cell["metadata"] = json.loads(json.dumps(args[1]))
    elif kind == "grade_id":
        meta = cells[args[0] % len(cells)].setdefault("metadata", {})
        if isinstance(meta, dict):
            meta.setdefault("nbgrader", {})
            if isinstance(meta["nbgrader"], dict):
                meta["nbgrader"]["grade_id"] = args[1]
    elif kind == "paste":
        cell = cells[args[0] % len(cells)]
        lines = notebook.text(cell).split("\n")
        lines.insert(args[1] % (len(lines) + 1), args[2])
        cell["source"] = "\n".join(lines)
    elif kind == "output" and cells[args[0] % len(cells)].get("cell_type") == "code":
        out = {"output_type": "stream", "name": "stdout", "text": HUGE}
        cells[args[0] % len(cells)].setdefault("outputs", []).append(out)


counter = itertools.count()


@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(st.lists(SUBMISSION, min_size=6, max_size=6))
def test_random_edits_never_stop_the_batch_or_move_honest_grades(course, drawn):
    batch = next(counter)
    base = {"complete": json.loads(nbformat.writes(answered(course))),
            "blank": json.loads(nbformat.writes(blank(course)))}  # fmt: skip
    subs = {f"b{batch}-honest-complete": answered(course),
            f"b{batch}-honest-core": answered(course, cube="x")}  # fmt: skip
    drawn = {f"b{batch}-{i}-{start}": (start, edits, cut)
             for i, (start, edits, cut) in enumerate(drawn)}  # fmt: skip
    for student, (start, edits, cut) in drawn.items():
        nb = json.loads(json.dumps(base[start]))
        for edit in edits:
            apply(nb, edit)
        text = json.dumps(nb)
        subs[student] = text[: int(len(text) * cut)] if cut else text
    rows = grade(course, subs)
    assert set(subs) <= set(rows)
    assert (float(rows[f"b{batch}-honest-complete"]["score"]),
            rows[f"b{batch}-honest-complete"]["reason"]) == (4.0, "")  # fmt: skip
    assert (float(rows[f"b{batch}-honest-core"]["score"]),
            rows[f"b{batch}-honest-core"]["reason"]) == (2.0, "")  # fmt: skip
    for student, (start, edits, cut) in drawn.items():
        row = rows[student]
        assert 0.0 <= float(row["score"]) <= 4.0
        assert "grader failed" not in row["reason"], (edits, row)  # root causes, not the net
        assert "could not read" not in row["reason"], (edits, row)
        if start == "complete" and float(row["score"]) < 4.0:
            assert row["reason"], (edits, row)  # a lost point always says why
            assert cut or {e[0] for e in edits} - COSMETIC, (edits, row)
