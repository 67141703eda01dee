"""The mutation harness: proves that every test cell of a notebook can fail, and cheaply.

One kernel runs the solution top to bottom; its test-cell outputs are the reference. Right after
test cell ``j`` has run, each mutant that must break ``j`` is replayed on that kernel: the mutated
cell, then the solution's cells up to ``j``; ``j`` is judged by the grader's own judge; then the
original cells are replayed to restore the state. Notebooks seed every random cell, so the replay
gives the solution's numbers back. A second kernel runs the unedited release, which must fail
every test cell.

Run by the suite (tests/test_notebooks.py), or by hand while writing a notebook:

    PRACTICALS_DATA=../shared/data .venv/bin/python tests/mutation.py source/01_micrograd/*.ipynb
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from practicals import artifacts, notebook
from practicals.evaluate import Evaluator, evaluator, evaluator_source
from practicals.judge import Verdict, judge_cell, observations
from practicals.sandbox import Limits, sandboxed_kernel

MUTANTS_DIR = Path(__file__).parent / "mutants"


@dataclass(frozen=True)
class Mutant:
    """A plausible wrong implementation: ``old`` becomes ``new`` in cell ``cell``."""

    cell: str
    old: str
    new: str
    breaks: str
    why: str
    count: int = 1

    def apply(self, source: str) -> str:
        if self.old not in source:
            raise ValueError(f"mutant {self.why!r}: {self.old!r} is not in cell {self.cell!r}")
        return source.replace(self.old, self.new, self.count)


def load_mutants(key: str) -> list[Mutant]:
    """The MUTANTS of tests/mutants/<assignment>/<notebook>.py, for key "assignment/notebook"."""
    path = MUTANTS_DIR / f"{key}.py"
    spec = importlib.util.spec_from_file_location(f"mutants_{key.replace('/', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutation", sys.modules[__name__])
    spec.loader.exec_module(module)
    return list(module.MUTANTS)


@dataclass
class Report:
    path: Path
    solution: dict[str, Verdict] = field(default_factory=dict)
    stderr: list[str] = field(default_factory=list)  # test cells that wrote to stderr
    release: dict[str, Verdict] = field(default_factory=dict)
    mutants: list[tuple[Mutant, Verdict]] = field(default_factory=list)
    reference: dict[str, Evidence] = field(default_factory=dict)  # the solution's, by grade_id
    seconds: float = 0.0

    def problems(self) -> list[str]:
        """Everything that makes the notebook fail the contract, in words."""
        found = [
            f"solution fails {g}: {v.reason}" for g, v in self.solution.items() if not v.passed
        ]
        found += [f"test cell {g} writes to stderr" for g in self.stderr]
        found += [f"release passes {g}" for g, v in self.release.items() if v.passed]
        found += [f"mutant survives in {m.breaks}: {m.why}" for m, v in self.mutants if v.passed]
        broken = {m.breaks for m, _ in self.mutants}
        found += [f"no mutant breaks {g}" for g in self.solution if g not in broken]
        return found


def _data_dir() -> Path | None:
    value = os.environ.get("PRACTICALS_DATA")
    return Path(value) if value else None


def run(path: Path, mutants: list[Mutant] | None = None) -> Report:
    """Run the solution, the mutants and the release of one source notebook."""
    start = time.monotonic()
    path = Path(path)
    nb = notebook.read(path)
    mutants = load_mutants(f"{path.parent.name}/{path.stem}") if mutants is None else mutants
    code = [c for c in nb.cells if c.cell_type == "code"]
    index = {notebook.grade_id(c): i for i, c in enumerate(code)}
    by_breaks: dict[int, list[Mutant]] = defaultdict(list)
    for m in mutants:
        if m.cell not in index or m.breaks not in index:
            raise ValueError(f"mutant {m.why!r} names a cell that is not in {path.name}")
        if index[m.breaks] < index[m.cell] or not notebook.is_test(code[index[m.breaks]]):
            raise ValueError(f"mutant {m.why!r}: {m.breaks!r} is not a test cell after {m.cell!r}")
        m.apply(code[index[m.cell]].source)  # fails loudly on a mutant that no longer applies
        by_breaks[index[m.breaks]].append(m)

    report = Report(path)
    reference = report.reference
    limits, data = Limits(), _data_dir()
    code_of_evaluator = evaluator_source(path.parent.parent.parent, path.parent.name, path.stem)
    ev_cm = evaluator(code_of_evaluator, lambda: sandboxed_kernel(limits, data))
    ev = ev_cm.__enter__()
    kernel_cm = sandboxed_kernel(limits, data)
    kernel = kernel_cm.__enter__()
    try:
        for j, cell in enumerate(code):
            outputs = kernel.run(cell.source).outputs
            if not notebook.is_test(cell):
                continue
            gid = notebook.grade_id(cell)
            reference[gid] = Evidence.of(outputs, None, ev, limits)
            report.solution[gid] = _self_verdict(gid, reference[gid])
            if any(o.get("name") == "stderr" for o in outputs or []):
                report.stderr.append(gid)
            for m in by_breaks[j]:
                i = index[m.cell]
                replay = [m.apply(code[i].source)] + [c.source for c in code[i + 1 : j + 1]]
                last = [kernel.run(s) for s in replay][-1]
                report.mutants.append((m, reference[gid].judge(gid, last.outputs, ev, limits)))
                if kernel.dead:  # the mutant killed the kernel: start again from the top
                    kernel_cm.__exit__(None, None, None)
                    kernel_cm = sandboxed_kernel(limits, data)
                    kernel = kernel_cm.__enter__()
                    restore = code[: j + 1]
                else:
                    restore = code[i : j + 1]
                for c in restore:
                    kernel.run(c.source)
    finally:
        kernel_cm.__exit__(None, None, None)

    release = notebook.release_version(nb)
    stubs = {notebook.grade_id(c): c.source for c in release.cells if notebook.is_answer(c)}
    with sandboxed_kernel(limits, data) as kernel:
        for cell in code:
            gid = notebook.grade_id(cell)
            outputs = kernel.run(stubs.get(gid, cell.source)).outputs
            if notebook.is_test(cell):
                report.release[gid] = reference[gid].judge(gid, outputs, ev, limits)
    ev_cm.__exit__(None, None, None)
    report.seconds = time.monotonic() - start
    return report


@dataclass
class Evidence:
    """A test cell's outputs, what it handed in, and the trusted evaluation of that."""

    outputs: list | None
    handed: artifacts.Handed
    evaluated: list

    @classmethod
    def of(cls, outputs, expected, ev: Evaluator, limits: Limits) -> Evidence:
        """Collect and evaluate as the grader does (here the evaluator's kernel lives on)."""
        handed = artifacts.collect(outputs or [], limits.artifact_bytes, expected)
        evaluated = [] if handed.problems else ev.run(handed.artifacts)
        stripped = None if outputs is None else artifacts.strip(outputs)
        return cls(stripped, handed, evaluated)

    def judge(self, gid: str, outputs: list | None, ev: Evaluator, limits: Limits) -> Verdict:
        """The grader's verdict on a run of this cell, with this evidence as its reference."""
        got = Evidence.of(outputs, self.handed.artifacts, ev, limits)
        return judge_cell(gid, self.outputs or [], got.outputs, self.evaluated, got.evaluated,
                          got.handed.problems)  # fmt: skip


def _self_verdict(gid: str, evidence: Evidence) -> Verdict:
    """A solution's test cell must run cleanly, hand in cleanly and observe something."""
    verdict = judge_cell(gid, evidence.outputs or [], evidence.outputs, evidence.evaluated,
                         evidence.evaluated, evidence.handed.problems)  # fmt: skip
    if verdict.passed or evidence.outputs is None:
        return verdict
    if observations(evidence.outputs) or observations(evidence.evaluated):
        return verdict
    return Verdict(gid, False, "emits no observation")


def main(argv: list[str]) -> int:
    for arg in argv:
        report = run(Path(arg))
        print(f"\n{arg}: {report.seconds:.1f} s")
        for gid, verdict in report.solution.items():
            release = report.release.get(gid)
            print(f"  {gid:32s} solution: {verdict.reason:40s} release: {release.reason}")
        for m, verdict in report.mutants:
            status = "SURVIVED" if verdict.passed else "killed"
            print(f"  mutant {status:8s} {m.breaks:28s} {m.why}")
        for problem in report.problems():
            print(f"  PROBLEM: {problem}")
        if report.problems():
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
