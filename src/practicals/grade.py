"""Grade a whole class: plan, run each submission sandboxed in parallel, finish, feed back.

Data flows one way (docs/architecture.md draws it). The parent plans: it reads the source and
the submissions and assembles each job (``plan.py``). Worker processes run one job at a time in
a fresh sandboxed kernel and judge it (``worker.py``). As each student's results come in, the
parent runs the short chain that records them (``finish.py``). Then the feedback pages are
rendered in the same workers (``feedback.py``) and the exports written (``export.py``). A broken
submission becomes a result with a reason; it never stops the batch.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed

from tqdm.auto import tqdm

from . import export, feedback, reports
from .config import Course
from .finish import finish
from .grades import StudentGrade
from .plan import kernel_data_dir, plan_assignment
from .sandbox import isolation_problem
from .worker import Result, execute, failed


def grade_assignment(
    course: Course,
    assignment: str,
    workers: int | None = None,
    students: list[str] | None = None,
    progress=print,
) -> list[StudentGrade]:
    """Grade every submission of ``assignment`` (or of some ``students``); write the gradebook,
    the autograded notebooks, the reports, the feedback and the exports."""
    problem = isolation_problem()
    if problem:
        if course.grader.require_isolation:
            raise RuntimeError(f"cannot isolate kernels: {problem}")
        progress(f"WARNING: NOT ISOLATED. Student code runs with the grader's rights: {problem}")
    plan = plan_assignment(course, assignment, students, progress)
    limits, fast, data_dir = course.grader.limits(), course.grader.fast, kernel_data_dir()
    pending = {job.student: [] for job in plan.jobs}
    for job in plan.jobs:
        pending[job.student].append(job.notebook)
    results: dict[str, list[Result]] = {}
    grades = []
    ctx = multiprocessing.get_context("spawn")  # a clean interpreter: no zmq state is forked
    bar = tqdm(total=len(plan.jobs), desc=f"grading {assignment}", unit="nb", file=sys.stdout)
    with ProcessPoolExecutor(workers or course.grader.worker_count(), mp_context=ctx) as pool:
        futures = {pool.submit(execute, job, limits, data_dir, fast): job for job in plan.jobs}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as err:  # a worker crashed: this submission, not the batch, pays
                result = failed(futures[future], f"{type(err).__name__}: {err}")
            bar.update()
            results.setdefault(result.student, []).append(result)
            if len(results[result.student]) == len(pending[result.student]):
                grade = finish(course, plan, results.pop(result.student))
                capped = f" (raw {grade.raw_score:g})" if grade.raw_score != grade.score else ""
                bar.write(f"  {grade.student:24s} {grade.score:4.1f}{capped}  {grade.reason}")
                grades.append(grade)
        bar.close()
        progress(f"feedback for {assignment}")
        for student, problem in feedback.generate(course, assignment, students, pool).items():
            reports.add_note(course.root, student, assignment, problem)
    export.write(course)
    return sorted(grades, key=lambda g: g.student)
