"""Grade a whole class: collect, sandbox in parallel, judge, write the gradebook, export.

Data flows one way. The parent reads the source and the submissions and assembles what each
submission runs (``assemble.py``). Worker processes each run one submission at a time in its
own sandboxed kernel and judge its test cells against the reference run. Only the parent writes
the gradebook, the autograded notebooks, the feedback and the exports, as results come in.
A broken submission becomes a result with a reason; it never stops the batch.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.utils import parse_utc
from tqdm.auto import tqdm

from . import artifacts, assemble, collect, data, export, feedback, gradebook, notebook, reference
from .config import Course
from .evaluate import evaluator, evaluator_source
from .judge import Verdict, judge_cell
from .kernel import plain_outputs
from .reference import Reference
from .sandbox import Limits, Zygote, isolation_problem, sandboxed_kernel
from .scale import Points, score


@dataclass
class Job:
    """One (student, notebook) to grade, assembled by the parent."""

    student: str
    notebook: str
    cells: list[assemble.Cell]
    reference: Reference
    evaluator: str | None  # the course's evaluator for this notebook (evaluate.py)
    notes: list[str]
    run: bool  # False: nothing to execute (missing, invalid or unedited)


@dataclass
class Result:
    student: str
    notebook: str
    verdicts: dict[str, Verdict]
    outputs: list[list | None]  # per assembled cell; None where it never ran
    cells: list[assemble.Cell]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # the whole job in the worker
    busy: float = 0.0  # of which running cells; the rest is sandbox, kernel and judge overhead
    evaluating: float = 0.0  # of which evaluating handed-in artifacts in a fresh kernel


# --- worker side ---------------------------------------------------------------------------

_ZYGOTE: Zygote | None = None


def _zygote(limits: Limits, data: Path | None) -> Zygote | None:
    """This worker's fork server, started on first use and again if it died; None unisolated."""
    global _ZYGOTE
    if isolation_problem() is not None:
        return None
    if _ZYGOTE is None or not _ZYGOTE.alive():
        _ZYGOTE = Zygote(limits, data)
    return _ZYGOTE


def execute(job: Job, limits: Limits, data: Path | None, fast: bool) -> Result:
    """Run one assembled submission in a fresh sandboxed kernel and judge its test cells."""
    start = time.monotonic()
    notes = list(job.notes)
    outputs: list[list | None] = [None] * len(job.cells)
    busy = 0.0
    for attempt in range(2 if job.run else 0):
        try:
            busy = _run_cells(job, outputs, notes, limits, data, fast)
            break
        except RuntimeError as err:  # jupyter_client: the kernel died before it was ready
            if attempt == 1:
                notes.append(f"the kernel could not start ({err}): nothing ran")
    evaluated_at = time.monotonic()
    handed = {}
    for i, cell in enumerate(job.cells):
        if outputs[i] is None:
            continue
        expected = job.reference.artifacts.get(cell.grade_id) if cell.kind == "test" else None
        if expected:
            handed[i] = artifacts.collect(outputs[i], limits.artifact_bytes, expected)
        outputs[i] = artifacts.strip(outputs[i])
    evaluated: dict[int, list] = {}
    if any(h.artifacts for h in handed.values()):

        def kernel():  # a fresh kernel, forked after the student's is gone
            return sandboxed_kernel(limits, data, fast=fast, zygote=_zygote(limits, data))

        with evaluator(job.evaluator, kernel) as ev:
            evaluated = {i: ev.run(h.artifacts) for i, h in handed.items() if not h.problems}
    verdicts = {}
    for i, c in enumerate(job.cells):
        if c.kind != "test":
            continue
        refused = handed[i].problems if i in handed else ()
        verdicts[c.grade_id] = judge_cell(
            c.grade_id, job.reference.outputs[c.grade_id], outputs[i],
            job.reference.evaluated.get(c.grade_id, ()), evaluated.get(i, ()), refused,
        )  # fmt: skip
    now = time.monotonic()
    return Result(job.student, job.notebook, verdicts, outputs, job.cells, notes,
                  now - start, busy, now - evaluated_at)  # fmt: skip


def _run_cells(job, outputs, notes, limits, data, fast) -> float:
    """Run the job's cells in one sandboxed kernel; returns the seconds spent in cells."""
    busy = 0.0
    zygote = _zygote(limits, data)
    with sandboxed_kernel(limits, data, fast=fast, zygote=zygote) as kernel:
        for i, cell in enumerate(job.cells):
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


def _where(cell: assemble.Cell) -> str:
    return f"cell {cell.grade_id!r}" if cell.grade_id else "a cell you added"


# --- parent side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    student: str
    score: float
    reason: str


def sources(course: Course, assignment: str) -> dict[str, nbformat.NotebookNode]:
    folder = course.root / "source" / assignment
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no source notebooks in {folder}")
    return {p.stem: notebook.read(p) for p in paths}


def data_dir() -> Path | None:
    """The data folder the kernels see: $PRACTICALS_DATA, else the download cache."""
    value = os.environ.get(data.DATA_VAR)
    if value:
        return Path(value).resolve()
    return data.cache_dir() if data.cache_dir().is_dir() else None


@dataclass
class Plan:
    jobs: list[Job]
    submissions: dict[tuple[str, str], collect.Submission]
    tests: dict[str, list[notebook.TestCell]]  # by notebook name
    released: dict[str, dict[str, str]]  # by notebook name: release text by grade_id


def plan(course: Course, assignment: str, progress=print) -> Plan:
    """Assemble every job of an assignment, with the records the parent needs to finish it."""
    grader = course.grader
    srcs = sources(course, assignment)
    tests = {name: notebook.test_cells(nb) for name, nb in srcs.items()}
    with gradebook.opened(course.gradebook_url) as gb:
        gradebook.ensure_assignment(gb, assignment, grader.due_dates.get(assignment), tests)
        known = gradebook.students(gb)
    subs = collect.find(course.root, assignment, list(srcs), known)
    if not os.environ.get(data.DATA_VAR):  # kernels have no network: fetch for them, here
        used = {n for n in data.LOADERS for nb in srcs.values() for c in nb.cells if n in c.source}
        for problem in data.prefetch(used):
            progress(f"WARNING: {problem}")
    refs, evaluators = {}, {}
    for name, nb in srcs.items():
        progress(f"reference run of {assignment}/{name} (cached after the first time)")
        cache = course.root / ".practicals" / "reference" / assignment / f"{name}.json"
        evaluators[name] = evaluator_source(course.root, assignment, name)
        refs[name] = reference.reference(nb, cache, grader.limits(), data_dir(), grader.fast,
                                         evaluators[name])  # fmt: skip
    released = {name: notebook.release_sources(nb) for name, nb in srcs.items()}
    stubs = {name: assemble.release_stubs(nb, released[name]) for name, nb in srcs.items()}
    jobs = []
    for sub in subs:
        notes, cells, run = _assembled(sub, srcs[sub.notebook], stubs[sub.notebook])
        if not run:  # nothing runs, but every test cell still gets its (zero) verdict
            cells = [assemble.Cell("", t.grade_id, "test") for t in tests[sub.notebook]]
        jobs.append(Job(sub.student, sub.notebook, cells, refs[sub.notebook],
                        evaluators[sub.notebook], notes, run))  # fmt: skip
    return Plan(jobs, {(s.student, s.notebook): s for s in subs}, tests, released)


def _assembled(
    sub: collect.Submission, source: nbformat.NotebookNode, stubs: dict[str, str]
) -> tuple[list[str], list[assemble.Cell], bool]:
    """Read and assemble one submission inside its fault boundary: (notes, cells, run?)."""
    notes = list(sub.notes)
    if sub.path is None:
        return ["missing submission", *notes], [], False
    try:
        built = assemble.assemble(source, notebook.read(sub.path), stubs)
    except notebook.NotebookError as err:
        return [f"invalid notebook: {err}", *notes], [], False
    except Exception as err:  # a shape nobody foresaw costs this submission, not the batch
        why = f"the grader could not read this submission: {type(err).__name__}: {err}"
        return [why, *notes], [], False
    if built.unedited:
        return ["unedited release notebook", *notes, *built.notes], built.cells, False
    return [*notes, *built.notes], built.cells, True


def grade_assignment(
    course: Course, assignment: str, workers: int | None = None, progress=print
) -> list[Summary]:
    """Grade every submission of ``assignment`` and write gradebook, feedback and exports."""
    problem = isolation_problem()
    if problem:
        if course.grader.require_isolation:
            raise RuntimeError(f"cannot isolate kernels: {problem}")
        progress(f"WARNING: NOT ISOLATED. Student code runs with the grader's rights: {problem}")
    work = plan(course, assignment, progress)
    jobs = work.jobs
    workers = workers or course.grader.worker_count()
    limits, fast, data = course.grader.limits(), course.grader.fast, data_dir()
    results: dict[str, list[Result]] = {}
    expected = {}
    for job in jobs:
        expected.setdefault(job.student, set()).add(job.notebook)
    summaries = []
    ctx = multiprocessing.get_context("spawn")  # a clean interpreter: no zmq state is forked
    bar = tqdm(total=len(jobs), desc=f"grading {assignment}", unit="nb", file=sys.stdout)
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = {pool.submit(execute, job, limits, data, fast): job for job in jobs}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as err:  # a worker crashed: this submission, not the batch, pays
                result = _failed(futures[future], f"{type(err).__name__}: {err}")
            bar.update()
            results.setdefault(result.student, []).append(result)
            if {r.notebook for r in results[result.student]} != expected[result.student]:
                continue
            student_results = sorted(results.pop(result.student), key=lambda r: r.notebook)
            summary = _finished(course, assignment, student_results, work)
            bar.write(f"  {summary.student:24s} {summary.score:4.1f}  {summary.reason}")
            summaries.append(summary)
    bar.close()
    export.write(course)
    return sorted(summaries, key=lambda s: s.student)


def _failed(job: Job, why: str) -> Result:
    """The result of a job whose worker failed: no points, and the reason."""
    verdicts = {c.grade_id: Verdict(c.grade_id, False, "not graded") for c in job.cells
                if c.kind == "test"}  # fmt: skip
    notes = [*job.notes, f"the grader failed on this submission ({why}); grade it again"]
    return Result(job.student, job.notebook, verdicts, [None] * len(job.cells), job.cells, notes)


def _finished(course: Course, assignment: str, results: list[Result], work: Plan) -> Summary:
    """``_finish`` inside the student's fault boundary: a failure costs this student only, who
    still gets a gradebook row (so the export lists them) and a report with the reason."""
    try:
        return _finish(course, assignment, results, work)
    except Exception as err:
        student = results[0].student
        why = f"the grader failed while recording this submission ({type(err).__name__}: {err})"
        reason = f"{why}; grade it again"
        with contextlib.suppress(Exception):
            with gradebook.opened(course.gradebook_url) as gb:
                gb.update_or_create_student(student)
        with contextlib.suppress(Exception):
            _report(course, assignment, {"student": student, "assignment": assignment,
                                         "score": 0.0, "reason": reason})  # fmt: skip
        return Summary(student, 0.0, reason)


def _report(course: Course, assignment: str, report: dict) -> None:
    folder = course.root / "autograded" / report["student"] / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=1))


def _finish(course: Course, assignment: str, results: list[Result], work: Plan) -> Summary:
    """Record one student's results: gradebook, autograded notebooks, feedback, report."""
    student = results[0].student
    subs = [work.submissions[(student, r.notebook)] for r in results]
    timestamp = subs[0].timestamp
    points, scores = Points(0, 0, 0, 0), {}
    for r in results:
        scores[r.notebook] = {}
        for t in work.tests[r.notebook]:
            earned = t.points if r.verdicts[t.grade_id].passed else 0.0
            scores[r.notebook][t.grade_id] = earned
            points += Points(0, 0, earned, t.points) if t.star else Points(earned, t.points, 0, 0)
    due = course.grader.due_dates.get(assignment)
    late = bool(due and timestamp and timestamp > parse_utc(due))
    value, cap = score(points, late, course.scale.policy())
    with gradebook.opened(course.gradebook_url) as gb:
        gb.update_or_create_student(student)  # so that the export lists a missing one too
        if any(sub.path is not None for sub in subs):
            gradebook.record(gb, assignment, student, timestamp, scores)
    notes = [n for r in results for n in r.notes]
    reason = "; ".join(dict.fromkeys(notes + ([cap] if cap else [])))
    try:  # the grade is recorded: a failure here loses the pages, not the grade
        _pages(course, assignment, results, work, value, reason, late)
    except Exception as err:
        why = f"the grader failed while writing the feedback ({type(err).__name__}: {err})"
        reason = "; ".join(filter(None, [reason, why]))
    report = {
        "student": student,
        "assignment": assignment,
        "score": value,
        "reason": reason,
        "late": late,
        "timestamp": timestamp.isoformat() if timestamp else None,
        "cells": {r.notebook: {g: v.reason for g, v in r.verdicts.items()} for r in results},
        "seconds": round(sum(r.seconds for r in results), 2),
        "busy": round(sum(r.busy for r in results), 2),
        "evaluating": round(sum(r.evaluating for r in results), 2),
    }
    _report(course, assignment, report)
    return Summary(student, value, reason)


def _pages(course, assignment, results, work, value, reason, late) -> None:
    """Write one student's autograded notebooks and feedback pages."""
    folder = course.root / "autograded" / results[0].student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for r in results:
        if any(o is not None for o in r.outputs):
            nbformat.write(_executed(r), folder / f"{r.notebook}.ipynb")
        page = feedback.render(r, work.tests[r.notebook], work.released[r.notebook], value,
                               reason, late)  # fmt: skip
        out = course.root / "feedback" / r.student / assignment / f"{r.notebook}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")


def _executed(result: Result) -> nbformat.NotebookNode:
    """The autograded notebook: what ran, with its outputs (for the instructor's eyes)."""
    nb = nbformat.v4.new_notebook()
    for cell, outs in zip(result.cells, result.outputs, strict=True):
        node = nbformat.v4.new_code_cell(cell.source)
        node.outputs = [nbformat.from_dict(o) for o in outs or []]
        node.metadata["practicals"] = {"grade_id": cell.grade_id, "kind": cell.kind,
                                       "ran": outs is not None}  # fmt: skip
        nb.cells.append(node)
    return nb
