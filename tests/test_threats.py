"""The threat suite: every attack on stock nbgrader that a hostile student would try.

One class is graded once, in parallel: two honest students and one attacker per attack. Each
attacker's own answers are wrong (worth 0) unless said otherwise, so every attack must leave it
at 0; and each test also checks that the honest students' grades are untouched. The toy
assignment keeps the suite fast; the mechanisms are the ones every practical is graded with.
"""

import csv
import json
import textwrap

import nbformat
import pytest
from conftest import build_toy_course, make_course, submit

from practicals import config, notebook
from practicals.checks import MIME
from practicals.grade import grade_assignment
from practicals.gradebook import Gradebook

pytestmark = pytest.mark.xdist_group("threats")

ON_TIME = "2026-09-30 10:00:00.000000 UTC"
LATE = "2026-10-02 10:00:00.000000 UTC"
LIMITS = """
c.Grader.cell_timeout = 10.0
c.Grader.notebook_timeout = 30.0
c.Grader.output_bytes = 200_000
"""


def attack(code: str) -> str:
    return textwrap.dedent(code).strip()


# name -> (attack cell, answers right?, collected late?)
ATTACKS = {
    "read-gradebook-and-source": attack("""
        import glob, os
        for pattern in ["{root}/gradebook.db", "{root}/source/*/*.ipynb",
                        "{root}/.practicals/reference/*/*.json", "{root}/submitted/*/*/*"]:
            for path in glob.glob(pattern):
                print("LEAK", path, open(path, "rb").read()[:50])
        print("visible:", sorted(os.listdir("/")))
    """),
    "rewrite-own-timestamp": attack("""
        import sqlite3
        for path in ["{root}/gradebook.db", "gradebook.db"]:
            try:
                db = sqlite3.connect(path)
                db.execute("update submitted_assignment set timestamp = '2020-01-01 00:00:00'")
                db.commit()
                print("LEAK rewrote", path)
            except Exception as err:
                print("no:", err)
        try:
            open("{root}/submitted/rewrite-own-timestamp/00_toy/timestamp.txt", "w").write(
                "2020-01-01 00:00:00 UTC")
            print("LEAK rewrote timestamp.txt")
        except OSError as err:
            print("no:", err)
    """),
    "ast-transformer": attack("""
        import ast
        class NoAsserts(ast.NodeTransformer):
            def visit_Assert(self, node):
                return ast.Pass()
            def visit_Raise(self, node):
                return ast.Pass()
        get_ipython().ast_transformers.append(NoAsserts())
    """),
    "input-transformer": attack("""
        get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
    """),
    "custom-exception-handler": attack("""
        get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
    """),
    "excepthook": attack("""
        import sys
        sys.excepthook = lambda *args: None
    """),
    "patched-builtins": attack("""
        import builtins, numpy.testing, torch
        builtins.AssertionError = type("AssertionError", (Exception,), {{}})
        torch.allclose = lambda *args, **kwargs: True
        numpy.testing.assert_allclose = lambda *args, **kwargs: None
        builtins.NotImplementedError = type("Quiet", (Exception,), {{}})
    """),
    "patched-observe": attack("""
        import practicals.checks as checks
        checks.observe = lambda *args, **kwargs: None
        checks.check = lambda *args, **kwargs: None
    """),
    "forged-observations": attack("""
        from IPython.display import display
        def forge(*args, **kwargs):
            for name, value in [("squares", [4.0, 0.25, 49.0]), ("cubes", [-1.0, 9.0])]:
                display({{"{mime}": {{"name": name, "value": value, "rtol": 1e9,
                                    "atol": 1e9, "cmp": "close"}}}}, raw=True)
        get_ipython().events.register("post_run_cell", forge)
    """),
    "printed-fake-output": attack("""
        import json
        print(json.dumps({{"{mime}": {{"name": "squares", "value": [4, 0.25, 49]}}}}))
        print("test_square passed")
    """),
    "os-exit": attack("""
        import os
        os._exit(0)
    """),
    "hang-ignoring-interrupts": attack("""
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            pass
    """),
    "memory-bomb": attack("""
        hoard = []
        while True:
            hoard.append(bytearray(1 << 28))
    """),
    "fork-bomb": attack("""
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """),
    "output-flood": attack("""
        for _ in range(20000):
            print("x" * 10000)
    """),
    "disk-fill": attack("""
        for path in ["/tmp/fill", "fill", "{root}/fill"]:
            try:
                with open(path, "wb") as f:
                    for _ in range(100):
                        f.write(b"0" * (16 << 20))
            except OSError as err:
                print("stopped:", path, err)
    """),
    "network": attack("""
        import socket
        socket.create_connection(("1.1.1.1", 80), timeout=3)
    """),
    "kill-everyone": attack("""
        import os, signal
        os.kill(-1, signal.SIGKILL)
    """),
}


def wrong_answers(course):
    nb = notebook.read(course / "release" / "00_toy" / "toy.ipynb")
    for cell in nb.cells:
        gid = notebook.grade_id(cell)
        if gid == "square":
            cell.source = "def square(x):\n    return x + x"
        if gid == "cube":
            cell.source = "def cube(x):\n    return 3 * x"
    return nb


def right_answers(course):
    nb = notebook.read(course / "source" / "00_toy" / "toy.ipynb")
    return nbformat.from_dict(nb)


def with_cell(nb, code, after="imports"):
    at = [notebook.grade_id(c) for c in nb.cells].index(after) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(code))
    return nb


def by_id(nb, gid):
    return next(c for c in nb.cells if notebook.grade_id(c) == gid)


def bad_inputs(course):
    """Hostile shapes of the notebook itself."""
    fake = wrong_answers(course)
    test = by_id(fake, "test_square")
    test.execution_count = 3
    test.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                MIME: {
                    "name": "squares",
                    "value": [4.0, 0.25, 49.0],
                    "rtol": 1,
                    "atol": 1,
                    "cmp": "close",
                }
            },
        )
    ]
    duplicated = wrong_answers(course)
    copy = nbformat.from_dict(by_id(duplicated, "test_square"))
    copy.source = "observe('squares', [4.0, 0.25, 49.0])"
    duplicated.cells.insert(1, copy)
    renamed = wrong_answers(course)
    cell = by_id(renamed, "test_square")
    cell.metadata["nbgrader"]["grade_id"] = "test_square_v2"
    cell.source = "pass"
    deleted = wrong_answers(course)
    deleted.cells = [c for c in deleted.cells if not notebook.is_test(c)]
    return {
        "fake-outputs-in-json": fake,
        "duplicated-test-cell": duplicated,
        "renamed-test-cell": renamed,
        "deleted-test-cells": deleted,
        "malformed-json": '{"nbformat": 4, "cells": [{"cell_type": "code", ',
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = build_toy_course(tmp_path_factory.mktemp("threats") / "course")
    (root / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text() + LIMITS)
    course = config.load(root)
    submit(root, "honest-complete", "00_toy", "toy.ipynb", right_answers(root), ON_TIME)
    core = right_answers(root)
    by_id(core, "cube").source = "def cube(x):\n    return 3 * x"
    submit(root, "honest-core", "00_toy", "toy.ipynb", core, ON_TIME)
    for name, code in ATTACKS.items():
        code = code.format(root=root, mime=MIME)
        base = right_answers(root) if name == "rewrite-own-timestamp" else wrong_answers(root)
        when = LATE if name == "rewrite-own-timestamp" else ON_TIME
        submit(root, name, "00_toy", "toy.ipynb", with_cell(base, code), when)
    for name, nb in bad_inputs(root).items():
        submit(root, name, "00_toy", "toy.ipynb", nb, ON_TIME)
    grade_assignment(course, "00_toy", workers=2, progress=lambda _: None)
    with open(root / "grades_long.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return root, rows


def autograded_text(root, student):
    """Everything the student's cells printed or displayed (not their source), as text."""
    path = root / "autograded" / student / "00_toy" / "toy.ipynb"
    if not path.exists():
        return ""
    outputs = [o for c in nbformat.read(path, 4).cells for o in c.get("outputs", [])]
    return json.dumps(outputs)


def assert_honest_untouched(rows):
    assert float(rows["honest-complete"]["score"]) == 4.0
    assert float(rows["honest-core"]["score"]) == 2.0
    assert rows["honest-complete"]["reason"] == "" and rows["honest-core"]["reason"] == ""


@pytest.mark.parametrize("attacker", [a for a in ATTACKS if a != "rewrite-own-timestamp"])
def test_an_attack_earns_nothing_and_harms_nobody(batch, attacker):
    root, rows = batch
    assert float(rows[attacker]["score"]) == 0.0, rows[attacker]
    assert rows[attacker]["core_points"] == "0.0" and rows[attacker]["star_points"] == "0.0"
    assert "LEAK" not in autograded_text(root, attacker)
    assert_honest_untouched(rows)


@pytest.mark.parametrize(
    "student",
    [
        "fake-outputs-in-json",
        "duplicated-test-cell",
        "renamed-test-cell",
        "deleted-test-cells",
        "malformed-json",
    ],
)
def test_a_hostile_notebook_shape_earns_nothing_and_harms_nobody(batch, student):
    _, rows = batch
    assert float(rows[student]["score"]) == 0.0, rows[student]
    assert_honest_untouched(rows)


def test_the_gradebook_source_and_other_students_are_not_even_visible(batch):
    root, _ = batch
    text = autograded_text(root, "read-gradebook-and-source")
    assert "LEAK" not in text
    listing = text.split("visible:")[1].split("\\n")[0]
    assert "'proc'" in listing and "'home'" not in listing and "'mnt'" not in listing
    assert str(root) not in text


def test_a_late_student_cannot_rewrite_its_timestamp(batch):
    root, rows = batch
    row = rows["rewrite-own-timestamp"]
    assert (
        float(row["score"]) == 1.0 and row["late"] == "1" and "late: capped at 1" in row["reason"]
    )
    assert "LEAK" not in autograded_text(root, "rewrite-own-timestamp")
    stamp = (root / "submitted" / "rewrite-own-timestamp" / "00_toy" / "timestamp.txt").read_text()
    assert stamp == LATE
    with Gradebook(config.load(root).gradebook_url) as gb:
        assert gb.find_submission("00_toy", "rewrite-own-timestamp").timestamp.year == 2026
    assert_honest_untouched(rows)


@pytest.mark.parametrize(
    ("attacker", "reason"),
    [
        ("os-exit", "the kernel died"),
        ("hang-ignoring-interrupts", "ran longer than 30 s"),
        ("malformed-json", "invalid notebook"),
    ],
)
def test_the_report_says_what_happened(batch, attacker, reason):
    _, rows = batch
    assert reason in rows[attacker]["reason"]


def test_an_output_flood_is_cut_not_stored(batch):
    root, _ = batch
    assert len(autograded_text(root, "output-flood")) < 1_000_000
    assert "output truncated by the grader" in autograded_text(root, "output-flood")


def test_the_batch_records_every_student(batch):
    root, rows = batch
    assert set(rows) == {"honest-complete", "honest-core"} | set(ATTACKS) | set(bad_inputs(root))
    report = json.loads(
        (root / "autograded" / "memory-bomb" / "00_toy" / "report.json").read_text()
    )
    assert report["score"] == 0.0


# --- forged training outcomes on the real practicals ------------------------------------------
#
# The honest twin leaves one training exercise undone (the update is a no-op, or training stops
# after one step); the forger is the same notebook plus a cell that silences the visible checks
# and rebinds observe() so that every one-sided observation reports a perfect value. Training
# outcomes are recomputed by the course's evaluator from what the cell hands in, so forging must
# gain nothing: the forger scores exactly what its twin scores.

UNDONE = {
    "01_micrograd/micrograd": ("square_fit", "pick(300, 50)", "1"),
    "02_makemore/makemore": ("mlp_train", "p -= lr_now * p.grad", "p -= 0 * p.grad"),
    "03_backprop_ninja/backprop_ninja": ("mnist_train", "p -= lr * g", "p -= 0 * g"),
    "04_gpt/gpt": ("train_loop", "optimizer.step()", "pass  # no step"),
}
FORGE = attack("""
    import practicals.checks as _checks
    _real_observe = _checks.observe
    def _forged(name, value, *, rtol=1e-5, atol=1e-8, cmp="close", visible=False):
        value = 0.0 if cmp == "at_most" else 1.0 if cmp == "at_least" else value
        _real_observe(name, value, rtol=rtol, atol=atol, cmp=cmp, visible=visible)
    def _quiet(*args, **kwargs):
        return None
    _checks.observe = observe = _forged
    _checks.check = check = _quiet
""")


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    """Each practical graded with its honest twin and its forger; returns rows and reports."""
    root = make_course(tmp_path_factory.mktemp("forged") / "course",
                       [key.split("/")[0] for key in UNDONE], shared_references=True)  # fmt: skip
    course = config.load(root)
    for key, (cell, old, new) in UNDONE.items():
        assignment, name = key.split("/")
        twin = notebook.read(root / "source" / assignment / f"{name}.ipynb")
        target = by_id(twin, cell)
        assert old in target.source, f"{key}: the undone edit no longer applies"
        target.source = target.source.replace(old, new)
        submit(root, "honest-twin", assignment, f"{name}.ipynb", twin, ON_TIME)
        submit(root, "forger", assignment, f"{name}.ipynb", with_cell(nbformat.from_dict(twin),
               FORGE), ON_TIME)  # fmt: skip
        grade_assignment(course, assignment, workers=2, progress=lambda _: None)
    with open(root / "grades_long.csv", newline="") as f:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    return root, rows


@pytest.mark.xdist_group("forged")
@pytest.mark.parametrize("key", list(UNDONE))
def test_a_forged_training_metric_scores_what_the_honest_twin_scores(forged, key):
    root, rows = forged
    assignment, name = key.split("/")
    twin, forger = rows[("honest-twin", assignment)], rows[("forger", assignment)]
    assert float(twin["score"]) < 4.0, "the undone exercise must cost the twin something"
    assert float(forger["score"]) == float(twin["score"]), (forger, twin)
    report = json.loads((root / "autograded" / "forger" / assignment / "report.json").read_text())
    failed = [g for g, why in report["cells"][name].items() if why != "passed"]
    assert failed, "the forger must lose the cells of the undone exercise"
