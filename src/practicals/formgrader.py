"""Formgrader's buttons, routed to our pipeline through nbgrader's own configuration.

nbgrader_config.py names these classes as the converters' exporters:

- ``c.Autograde.exporter_class = "practicals.formgrader.SandboxedAutograde"``: "Autograde" (and
  ``nbgrader autograde``) grades the student with the sandboxed pipeline, or refuses with a
  clear message where kernels cannot be isolated. nbgrader's converter then has nothing left to
  do, so it never runs student code itself and never removes our results.
- ``c.GenerateFeedback.exporter_class = "practicals.formgrader.FeedbackExporter"``: "Generate
  Feedback" (and ``nbgrader generate_feedback``) renders our feedback page, from the gradebook,
  without hidden tests.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbconvert.exporters import HTMLExporter, NotebookExporter

from . import config


class SandboxedAutograde(NotebookExporter):
    """Built by nbgrader's Autograde converter after it found the submissions and before it
    touches any folder: grade them here, with the sandbox, then leave the converter no work."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        converter = self.parent
        from .grade import grade_assignment
        from .sandbox import isolation_problem

        problem = isolation_problem()
        if problem:
            raise RuntimeError(
                f"practicals refuses to autograde here: student code must run isolated, and "
                f"{problem}. Run `practicals grade ASSIGNMENT` as root on the grading machine."
            )
        coursedir = converter.coursedir
        course = config.load(coursedir.root)
        student = coursedir.student_id
        for line in grade_assignment(course, coursedir.assignment_id,
                                     students=None if student == "*" else [student],
                                     progress=converter.log.info):  # fmt: skip
            converter.log.info("%s %s: %g (%s)", line.assignment, line.student, line.score,
                               line.reason or "no notes")  # fmt: skip
        converter.assignments = {}  # graded: nbgrader's own pass must not run, nor delete


class FeedbackExporter(HTMLExporter):
    """Renders our feedback page for each autograded notebook nbgrader's GenerateFeedback finds
    (it runs in the course root and writes the page where we would)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = dict(resources or {})
        ids = resources["nbgrader"]
        from .feedback import student_page

        course = config.load(Path(os.getcwd()))
        text = student_page(course, ids["assignment"], ids["student"], ids["notebook"])
        resources["output_extension"] = ".html"
        return text, resources
