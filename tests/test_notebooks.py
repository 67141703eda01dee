"""Every grade cell of every practical can fail, and the solution passes them all.

The mutation harness (tests/mutation.py) runs each solution once in the sandbox, replays each
wrong implementation on that kernel, and runs the unedited release. Each notebook's tests go
to one xdist worker, so the harness runs once per notebook.
"""

import pytest
from conftest import REPO
from mutation import load_mutants, run

SOURCES = {p.stem: p for p in sorted((REPO / "source").glob("*/*.ipynb"))}
_reports = {}


def report(stem):
    if stem not in _reports:
        _reports[stem] = run(SOURCES[stem])
    return _reports[stem]


def grouped(stem, *values):
    return pytest.param(stem, *values, marks=pytest.mark.xdist_group(f"harness-{stem}"),
                        id="-".join([stem, *map(str, values)]))  # fmt: skip


@pytest.mark.parametrize("stem", [grouped(s) for s in SOURCES])
def test_the_solution_passes_every_test_cell_and_observes(stem):
    failures = {g: v.reason for g, v in report(stem).solution.items() if not v.passed}
    assert failures == {}


@pytest.mark.parametrize("stem", [grouped(s) for s in SOURCES])
def test_no_test_cell_writes_to_stderr_for_the_solution(stem):
    assert report(stem).stderr == []


@pytest.mark.parametrize("stem", [grouped(s) for s in SOURCES])
def test_the_unedited_release_fails_every_test_cell(stem):
    passing = [g for g, v in report(stem).release.items() if v.passed]
    assert passing == []


@pytest.mark.parametrize("stem", [grouped(s) for s in SOURCES])
def test_every_test_cell_has_a_wrong_implementation_that_fails_it(stem):
    broken = {m.breaks for m in load_mutants(stem)}
    assert set(report(stem).solution) - broken == set()


@pytest.mark.parametrize(
    ("stem", "index"),
    [grouped(s, i) for s in SOURCES for i in range(len(load_mutants(s)))],
)
def test_a_wrong_implementation_loses_its_points(stem, index):
    mutant = load_mutants(stem)[index]
    verdicts = [v for m, v in report(stem).mutants if m == mutant]
    assert verdicts, f"mutant not run: {mutant.why}"
    assert not verdicts[0].passed, f"{mutant.breaks} still passes with: {mutant.why}"
