"""Course configuration: nbgrader's settings and the practicals grader's, in one file."""

import os

from nbgrader.converters import GenerateAssignment

from practicals.release import StudentPackage

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader or practicals loads this file)

# nbgrader
c.CourseDirectory.course_id = "dl-practicals"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ExecutePreprocessor.timeout = 300  # stock `nbgrader autograde`, used by the benchmark only

# Students install the helper package from here, never from this (private) course repository,
# which holds the solutions: `make student-package` builds the wheel to publish, and `make release`
# writes this URL into every release notebook's install cell.
c.StudentPackage.url = (
    "https://github.com/dl-practicals/student-package/releases/download/v0.1.0/"
    "practicals-0.1.0-py3-none-any.whl"
)
c.GenerateAssignment.preprocessors = [
    StudentPackage,
    *GenerateAssignment.class_traits()["preprocessors"].default(),  # nbgrader's own, after it
]

# Formgrader's buttons (and the same nbgrader commands) go through the practicals pipeline:
# "Autograde" grades in the sandbox or refuses, never unsandboxed and never deleting results;
# "Generate Feedback" renders our feedback, from the gradebook, without hidden tests; and
# `nbgrader export` writes grades_long.csv and grades.csv. See docs/architecture.md.
c.Autograde.exporter_class = "practicals.formgrader.SandboxedAutograde"
c.GenerateFeedback.exporter_class = "practicals.formgrader.FeedbackExporter"
c.GenerateFeedback.preprocessors = []
c.ExportApp.plugin_class = "practicals.export.LongExport"
# Formgrader renders autograded notebooks with nbconvert's HTMLExporter: make them inert again
# as it renders (a second line, for notebooks written by anything other than this grader).
c.HTMLExporter.preprocessors = ["practicals.inert.Inert"]
# The grader's report.json sits beside each autograded notebook, for instructors: feedback
# generation must not copy it to the students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "report.json"]
# nbgrader's exchange (release_assignment, fetch_assignment, submit, collect) lives in the course,
# in .exchange/ next to this file: no root needed. nbgrader requires it to exist and be writable by
# all (0o777; release_assignment resets other modes, with a warning), and formgrader warns on
# every page when it is missing, so it is created here; the sticky bit, as on /tmp, keeps users
# from removing each other's entries.
c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".exchange")
if not os.path.isdir(c.Exchange.root):
    try:
        os.makedirs(c.Exchange.root)
        os.chmod(c.Exchange.root, 0o1777)
    except OSError:  # a read-only course folder: release_assignment will say what is wrong
        pass

# The 0-4 scale: score = w_core * core + w_star * star, late capped.
c.Scale.w_core = 2.0
c.Scale.w_star = 2.0
c.Scale.late_cap = 1.0
c.Scale.round_to = 0.1

# The safe parallel grader.
c.Grader.workers = 0  # one kernel per CPU core
c.Grader.fast = True  # grade in fast mode: PRACTICALS_FAST=1
c.Grader.require_isolation = False  # True: refuse to grade where kernels cannot be isolated
c.Grader.cell_timeout = 120.0
c.Grader.notebook_timeout = 600.0
c.Grader.memory_mb = 8192
c.Grader.processes = 512
c.Grader.output_bytes = 1_000_000
# Due dates, data sets and the demo class live in the course manifest, course.toml.
