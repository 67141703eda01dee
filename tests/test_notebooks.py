"""Every grade cell of every practical can fail, and the solution passes them all.

The mutation harness (tests/mutation.py) runs each solution once in the sandbox, replays each
wrong implementation on that kernel, and runs the unedited release. Each notebook's tests go
to one xdist worker, so the harness runs once per notebook.
"""

import math

import pytest
from conftest import REPO
from mutation import load_mutants, run

from practicals import manifest
from practicals.checks import MIME
from practicals.judge import observations

SOURCES = {f"{p.parent.name}/{p.stem}": p for p in sorted((REPO / "source").glob("*/*.ipynb"))}
_reports = {}


def report(key):
    if key not in _reports:
        _reports[key] = run(SOURCES[key])
    return _reports[key]


def grouped(key, *values):
    return pytest.param(key, *values, marks=pytest.mark.xdist_group(f"harness-{key}"),
                        id="-".join([key, *map(str, values)]))  # fmt: skip


@pytest.mark.parametrize("key", [grouped(s) for s in SOURCES])
def test_the_solution_passes_every_test_cell_and_observes(key):
    failures = {g: v.reason for g, v in report(key).solution.items() if not v.passed}
    assert failures == {}


@pytest.mark.parametrize("key", [grouped(s) for s in SOURCES])
def test_every_headline_of_the_manifest_is_observed_by_the_solution(key):
    """`make results` reads the headlines from these observations (kernel or evaluator)."""
    emitted = set()
    for evidence in report(key).reference.values():
        emitted |= set(observations(evidence.outputs or [])) | set(observations(evidence.evaluated))
    assignment, name = key.split("/")
    entry = manifest.load(REPO).assignments[assignment].notebooks[name]
    assert {h.observation for h in entry.headlines} - emitted == set()


@pytest.mark.parametrize("key", [grouped(s) for s in SOURCES])
def test_no_test_cell_writes_to_stderr_for_the_solution(key):
    assert report(key).stderr == []


@pytest.mark.parametrize("key", [grouped(s) for s in SOURCES])
def test_the_unedited_release_fails_every_test_cell(key):
    passing = [g for g, v in report(key).release.items() if v.passed]
    assert passing == []


@pytest.mark.parametrize("key", [grouped(s) for s in SOURCES])
def test_every_test_cell_has_a_wrong_implementation_that_fails_it(key):
    broken = {m.breaks for m in load_mutants(key)}
    assert set(report(key).solution) - broken == set()


@pytest.mark.parametrize(
    ("key", "index"),
    [grouped(s, i) for s in SOURCES for i in range(len(load_mutants(s)))],
)
def test_a_wrong_implementation_loses_its_points(key, index):
    mutant = load_mutants(key)[index]
    verdicts = [v for m, v in report(key).mutants if m == mutant]
    assert verdicts, f"mutant not run: {mutant.why}"
    assert not verdicts[0].passed, f"{mutant.breaks} still passes with: {mutant.why}"


# --- the strength rule ------------------------------------------------------------------------
#
# A test cell earns points only on evidence that cannot be produced without solving its exercise:
# (a) hidden observations compared `close` or `equal`, computed by the student's code on fixed
#     inputs, that hold ENOUGH information: at least STRONG_VALUES distinct informative values,
#     where a value is informative when it is a non-integer number, an integer outside
#     [-SMALL, SMALL], or a string. Fewer, or only booleans, small integers, shapes and counts
#     of a few items, can be guessed or read off the visible checks and the prose, and emitted as
#     constants by a student who rebinds observe(). Several such values computed on hidden
#     inputs (logits, gradients, probabilities, count matrices, generated names) cannot be
#     produced without the code that computes them.
# (b) or observations made by the trusted evaluator from what the cell handed in (a training
#     outcome recomputed outside the student's kernel).
# One-sided comparisons (at_most, at_least) and check_close observations (their expected value
# sits in the kernel) may add to a cell, never carry it.

STRONG_VALUES = 3
SMALL = 16


def _informative(value) -> set:
    if isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, int | float):
        if not math.isfinite(value) or (value == round(value) and abs(value) <= SMALL):
            return set()
        return {value}
    items = value.values() if isinstance(value, dict) else value
    return set().union(*(_informative(item) for item in items))


def is_strong(outputs: list, evaluated: list) -> bool:
    """Whether a reference run's evidence for one test cell obeys the strength rule."""
    if observations(evaluated):
        return True
    distinct = set()
    for payloads in observations(outputs).values():
        payload = payloads[-1]
        if payload.get("visible") or payload.get("cmp") not in ("close", "equal"):
            continue
        distinct |= _informative(payload["value"])
    return len(distinct) >= STRONG_VALUES


@pytest.mark.parametrize("key", [grouped(s) for s in SOURCES])
def test_every_test_cell_rests_on_evidence_a_constant_cannot_forge(key):
    weak = [gid for gid, ev in report(key).reference.items()
            if not is_strong(ev.outputs or [], ev.evaluated)]  # fmt: skip
    assert weak == [], "hand in the trained model, or observe values computed on hidden inputs"


def _obs(value, cmp="close", visible=False):
    payload = {"name": "x", "value": value, "rtol": 1e-5, "atol": 0.0, "cmp": cmp}
    if visible:
        payload["visible"] = True
    return [{"output_type": "display_data", "data": {MIME: payload}}]


def test_the_strength_rule_refuses_what_a_constant_can_forge():
    assert not is_strong(_obs(0.93, cmp="at_least"), [])  # a one-sided metric
    assert not is_strong(_obs([0.1, 0.2, 0.3], visible=True), [])  # check_close: expected in kernel
    assert not is_strong(_obs([3, 0, 1, 2, True]), [])  # small counts, shapes and booleans
    assert not is_strong(_obs([0.25, 0.25, 0.5]), [])  # too few distinct values
    assert not is_strong(_obs(["a", "a", 337]), [])
    assert is_strong(_obs([0.25, -1.5, 0.75]), [])
    assert is_strong(_obs([[0, 4410, 1306], [1542, 0, 17]]), [])  # a matrix of counts
    assert is_strong(_obs(["emma", "ava", "x"]), [])
    assert is_strong([], _obs(2.1, cmp="at_most"))  # recomputed by the trusted evaluator
