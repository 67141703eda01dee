"""What the parent does with one student's results, as a short chain of named steps.

score -> record -> write -> report, each small, in the spirit of nbgrader's converter chain. The
chain is the student's fault boundary: a step that fails costs this student only, and says so in
the reason; once the grade is recorded, a later failure loses a page, never the grade. Feedback
is not a step here: it is rendered afterwards, in parallel, from what these steps wrote
(``feedback.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC

import nbformat

from . import autograded, gradebook, reports
from .config import Course
from .grades import StudentGrade, student_grade
from .plan import Plan
from .scale import Points
from .worker import Result


@dataclass
class Finishing:
    """What the steps hand on to each other for one student."""

    course: Course
    plan: Plan
    results: list[Result]  # one per notebook of the assignment
    notes: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # notebook -> id -> points
    grade: StudentGrade | None = None

    @property
    def student(self) -> str:
        return self.results[0].student

    def submitted(self, name: str) -> bool:
        return self.plan.submissions[(self.student, name)].path is not None


def score(f: Finishing) -> None:
    """Turn verdicts into points per test cell."""
    f.notes = merged_notes(f.results)
    for r in f.results:
        tests = f.plan.tests[r.notebook]
        f.scores[r.notebook] = {t.grade_id: t.points if r.verdicts[t.grade_id].passed else 0.0
                                for t in tests}  # fmt: skip


def merged_notes(results: list[Result]) -> list[str]:
    """Each note once. In an assignment of several notebooks, a note that not all of them share
    names its notebook ("deep_networks: unedited release notebook"), so the reason says where."""
    shared = set.intersection(*(set(r.notes) for r in results)) if results else set()
    several = len(results) > 1
    return list(dict.fromkeys(n if n in shared or not several else f"{r.notebook}: {n}"
                              for r in results for n in r.notes))  # fmt: skip


def record(f: Finishing) -> None:
    """Write the points to the gradebook, then read the student's grade back from it."""
    course, assignment = f.course, f.plan.assignment
    subs = [f.plan.submissions[(f.student, r.notebook)] for r in f.results]
    with gradebook.Gradebook(course.gradebook_url) as gb:
        gb.update_or_create_student(f.student)  # so that the export lists a missing one too
        if any(f.submitted(r.notebook) for r in f.results):
            unanswered = {j.notebook: j.unanswered for j in f.plan.jobs if j.student == f.student}
            gradebook.record(gb, assignment, f.student, subs[0].timestamp, f.scores, unanswered)
        f.grade = gradebook.student_grades(gb, assignment, lambda _: f.notes,
                                           course.scale.policy(), [f.student])[0]  # fmt: skip


def write(f: Finishing) -> None:
    """Build the autograded notebooks and write them where formgrader looks for them."""
    folder = f.course.root / "autograded" / f.student / f.plan.assignment
    folder.mkdir(parents=True, exist_ok=True)
    for r in f.results:
        if f.submitted(r.notebook):
            runnable = f.plan.job(f.student, r.notebook).runnable
            nb = autograded.build(r, f.plan.released[r.notebook], runnable,
                                  f.plan.kernelspecs[r.notebook])  # fmt: skip
            nbformat.write(nb, folder / f"{r.notebook}.ipynb")


def report(f: Finishing) -> None:
    """Write report.json: the grade, the notes, each cell's verdict and the timings."""
    g = f.grade
    when = g.timestamp and f.course.manifest.local(g.timestamp.replace(tzinfo=UTC)).isoformat()
    reports.write(f.course.root, {
        "student": f.student,
        "assignment": f.plan.assignment,
        "score": g.score,
        "raw_score": g.raw_score,
        "late": g.late,
        "reason": g.reason,
        "notes": f.notes,
        "timestamp": when,
        "cells": {r.notebook: {gid: v.reason for gid, v in r.verdicts.items()} for r in f.results},
        "seconds": round(sum(r.seconds for r in f.results), 2),
        "busy": round(sum(r.busy for r in f.results), 2),
        "evaluating": round(sum(r.evaluating for r in f.results), 2),
    })  # fmt: skip


STEPS = {score: "scoring", record: "recording this submission",
         write: "writing the autograded notebook", report: "writing the report"}  # fmt: skip


def finish(course: Course, plan: Plan, results: list[Result]) -> StudentGrade:
    """Run the chain for one student; returns the grade, with any failure in its reason."""
    f = Finishing(course, plan, sorted(results, key=lambda r: r.notebook))
    for step, doing in STEPS.items():
        try:
            step(f)
        except Exception as err:
            f.notes.append(f"the grader failed while {doing} ({type(err).__name__}: {err})"
                           + ("" if f.grade else "; grade it again"))  # fmt: skip
            if f.grade is None:
                f.grade = _ungraded(f)
            else:
                f.grade = dataclasses.replace(f.grade, reason="; ".join(
                    filter(None, [f.grade.reason, f.notes[-1]])))  # fmt: skip
    return f.grade


def _ungraded(f: Finishing) -> StudentGrade:
    """The grade of a student whose points could not be recorded: 0, with the reason; the
    gradebook still gets the student, so that the export lists them."""
    try:
        with gradebook.Gradebook(f.course.gradebook_url) as gb:
            gb.update_or_create_student(f.student)
    except Exception:  # the gradebook itself is what failed: the report still says why
        pass
    zero = Points(0, 0, 0, 0)
    return student_grade(f.student, f.plan.assignment, zero, False, None, 0, f.notes,
                         f.course.scale.policy())  # fmt: skip
