"""Plan an assignment's grading: read the source and every submission, and assemble the jobs.

Runs in the trusted parent, before any student code. Each submission is read and assembled
inside its own fault boundary: a file nobody foresaw becomes a job that does not run, with a
reason, and the batch goes on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import collect, data, gradebook, manifest, notebook, reference
from .assemble import Assembly, Cell, assemble
from .config import Course
from .evaluate import evaluator_source
from .reference import Reference


@dataclass
class Job:
    """One (student, notebook) to grade, assembled by the parent."""

    student: str
    notebook: str
    cells: list[Cell]
    reference: Reference
    evaluator: str | None  # the course's evaluator for this notebook (evaluate.py)
    notes: list[str]
    runnable: bool  # False: nothing to execute (missing, invalid or unedited)
    unanswered: set[str]  # answer cells still as released (nbgrader's "No response.")


@dataclass
class Plan:
    assignment: str
    jobs: list[Job]
    submissions: dict[tuple[str, str], collect.Submission]
    tests: dict[str, list[notebook.TestCell]]  # by notebook name
    released: dict[str, dict[str, nbformat.NotebookNode]]  # by notebook: release cells by id
    kernelspecs: dict[str, dict]  # by notebook, as the source has it

    def job(self, student: str, notebook: str) -> Job:
        return next(j for j in self.jobs if (j.student, j.notebook) == (student, notebook))


def sources(course: Course, assignment: str) -> dict[str, nbformat.NotebookNode]:
    """The assignment's source notebooks, which must be those its manifest entry lists."""
    manifest.check_sources(course.manifest, course.root, assignment)
    folder = course.root / "source" / assignment
    return {p.stem: notebook.read(p) for p in sorted(folder.glob("*.ipynb"))}


def kernel_data_dir() -> Path | None:
    """The data folder the kernels see: $PRACTICALS_DATA, else the download cache."""
    value = os.environ.get(data.DATA_VAR)
    if value:
        return Path(value).resolve()
    return data.cache_dir() if data.cache_dir().is_dir() else None


def plan_assignment(
    course: Course, assignment: str, students: list[str] | None = None, progress=print
) -> Plan:
    """Assemble every job of an assignment (or of some ``students``)."""
    entry = course.manifest.assignment(assignment)
    srcs = sources(course, assignment)
    for name, nb in srcs.items():
        missing = manifest.undeclared_data(
            entry.notebooks[name], "".join(notebook.text(c) for c in nb.cells)
        )
        if missing:
            raise manifest.ManifestError(
                f'{assignment}/{name} loads {missing}: add them to data in [notebooks."'
                f'{assignment}/{name}"] of {manifest.FILE}'
            )
    gradebook.ensure_assignment(
        course.gradebook_url,
        assignment,
        entry.due.replace(tzinfo=None) if entry.due else None,
        {name: notebook.stubbed(nb, course.student_package) for name, nb in srcs.items()},
    )
    with gradebook.Gradebook(course.gradebook_url) as gb:
        known = {s.id for s in gb.students}
    subs = collect.find(course.root, assignment, list(srcs), known)
    if students is not None:
        subs = [s for s in subs if s.student in students]
    # Kernels have no network and cannot write the cache: fetch and decode for them, here.
    for problem in data.prefetch({d for n in entry.notebooks.values() for d in n.data}):
        progress(f"WARNING: {problem}")
    refs, evaluators = {}, {}
    for name, nb in srcs.items():
        progress(f"reference run of {assignment}/{name} (cached after the first time)")
        cache = course.root / ".practicals" / "reference" / assignment / f"{name}.json"
        evaluators[name] = evaluator_source(course.root, assignment, name)
        refs[name] = reference.reference(nb, cache, course.grader.limits(), kernel_data_dir(),
                                         course.grader.fast, evaluators[name])  # fmt: skip
    blank = {name: notebook.release_version(nb, course.student_package)
             for name, nb in srcs.items()}  # fmt: skip
    released = {name: notebook.release_cells(nb) for name, nb in blank.items()}
    jobs = []
    for sub in subs:
        notes, built, runnable = _assembled(sub, srcs[sub.notebook], blank[sub.notebook],
                                            released[sub.notebook])  # fmt: skip
        jobs.append(Job(sub.student, sub.notebook, built.cells, refs[sub.notebook],
                        evaluators[sub.notebook], notes, runnable, built.unanswered))  # fmt: skip
    tests = {name: notebook.test_cells(nb) for name, nb in srcs.items()}
    kernelspecs = {name: dict(nb.metadata.get("kernelspec", {})) for name, nb in srcs.items()}
    return Plan(assignment, jobs, {(s.student, s.notebook): s for s in subs}, tests, released,
                kernelspecs)  # fmt: skip


def _assembled(
    sub: collect.Submission,
    source: nbformat.NotebookNode,
    blank: nbformat.NotebookNode,
    released: dict[str, nbformat.NotebookNode],
) -> tuple[list[str], Assembly, bool]:
    """Read and assemble one submission inside its fault boundary: (notes, assembly, runnable).

    A submission that cannot run is assembled from the release notebook instead, so that its
    autograded notebook still shows every cell, and the reason, in formgrader.
    """
    notes = list(sub.notes)
    if sub.path is None:
        return ["missing submission", *notes], assemble(source, blank, released), False
    try:
        built = assemble(source, notebook.read(sub.path), released)
    except notebook.NotebookError as err:
        return [f"invalid notebook: {err}", *notes], assemble(source, blank, released), False
    except Exception as err:  # a shape nobody foresaw costs this submission, not the batch
        why = f"the grader could not read this submission: {type(err).__name__}: {err}"
        return [why, *notes], assemble(source, blank, released), False
    if built.unedited:
        return ["unedited release notebook", *notes, *built.notes], built, False
    return [*notes, *built.notes], built, True
