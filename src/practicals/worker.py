"""Grade one assembled submission in a worker process: run, collect, evaluate, judge.

Each job gets a fresh sandboxed kernel. What a test cell hands in is taken out of its outputs
and evaluated after the student's kernel is gone, in a fresh kernel of its own; then every test
cell is judged against the reference run. Nothing here writes a file: the parent records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import artifacts
from .assemble import Cell
from .evaluate import evaluator
from .judge import Verdict, judge_cell
from .kernel import plain_outputs
from .notebook import Kind
from .plan import Job
from .sandbox import Limits, sandboxed_kernel, worker_zygote


@dataclass
class Result:
    student: str
    notebook: str
    verdicts: dict[str, Verdict]
    outputs: list[list | None]  # per assembled cell; None where it never ran
    cells: list[Cell]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # the whole job in the worker
    busy: float = 0.0  # of which running cells; the rest is sandbox, kernel and judge overhead
    evaluating: float = 0.0  # of which evaluating handed-in artifacts in a fresh kernel


def execute(job: Job, limits: Limits, data_dir: Path | None, fast: bool) -> Result:
    """Run one assembled submission in a fresh sandboxed kernel and judge its test cells."""
    start = time.monotonic()
    notes = list(job.notes)
    outputs: list[list | None] = [None] * len(job.cells)
    busy = 0.0
    for attempt in range(2 if job.runnable else 0):
        try:
            busy = _run_cells(job, outputs, notes, limits, data_dir, fast)
            break
        except RuntimeError as err:  # jupyter_client: the kernel died before it was ready
            if attempt == 1:
                notes.append(f"the kernel could not start ({err}): nothing ran")
    evaluated_at = time.monotonic()
    handed = {}
    for i, cell in enumerate(job.cells):
        if outputs[i] is None:
            continue
        expected = job.reference.artifacts.get(cell.grade_id) if cell.kind == Kind.TEST else None
        if expected:
            handed[i] = artifacts.collect(outputs[i], limits.artifact_bytes, expected)
        outputs[i] = artifacts.strip(outputs[i])
    evaluated: dict[int, list] = {}
    if any(h.artifacts for h in handed.values()):

        def kernel():  # a fresh kernel, forked after the student's is gone
            zygote = worker_zygote(limits, data_dir)
            return sandboxed_kernel(limits, data_dir, fast=fast, zygote=zygote)

        with evaluator(job.evaluator, kernel) as ev:
            evaluated = {i: ev.run(h.artifacts) for i, h in handed.items() if not h.problems}
    verdicts = {}
    for i, c in enumerate(job.cells):
        if c.kind != Kind.TEST:
            continue
        refused = handed[i].problems if i in handed else ()
        verdicts[c.grade_id] = judge_cell(
            c.grade_id, job.reference.outputs[c.grade_id], outputs[i],
            job.reference.evaluated.get(c.grade_id, ()), evaluated.get(i, ()), refused,
        )  # fmt: skip
    now = time.monotonic()
    return Result(job.student, job.notebook, verdicts, outputs, job.cells, notes,
                  now - start, busy, now - evaluated_at)  # fmt: skip


def _run_cells(job, outputs, notes, limits, data_dir, fast) -> float:
    """Run the job's code cells in one sandboxed kernel; returns the seconds spent in cells."""
    busy = 0.0
    zygote = worker_zygote(limits, data_dir)
    with sandboxed_kernel(limits, data_dir, fast=fast, zygote=zygote) as kernel:
        for i, cell in enumerate(job.cells):
            if cell.kind == Kind.MARKDOWN:
                outputs[i] = []
                continue
            ran = kernel.run(cell.source)
            busy += ran.seconds
            outputs[i] = plain_outputs(ran.outputs)
            if ran.timed_out:
                notes.append(f"{_where(cell)} was stopped after {limits.cell_timeout:.0f} s")
            if kernel.dead and ran.outputs is not None:
                notes.append(f"{kernel.dead}, while running {_where(cell)}")
            if kernel.dead and ran.outputs is None:
                if not any(kernel.dead in n for n in notes):
                    notes.append(f"{kernel.dead}, before {_where(cell)}")
                break
    return busy


def _where(cell: Cell) -> str:
    return f"cell {cell.grade_id!r}" if cell.grade_id else "a cell you added"


def failed(job: Job, why: str) -> Result:
    """The result of a job whose worker failed: no points, and the reason."""
    verdicts = {c.grade_id: Verdict(c.grade_id, False, "not graded") for c in job.cells
                if c.kind == Kind.TEST}  # fmt: skip
    notes = [*job.notes, f"the grader failed on this submission ({why}); grade it again"]
    return Result(job.student, job.notebook, verdicts, [None] * len(job.cells), job.cells, notes)
