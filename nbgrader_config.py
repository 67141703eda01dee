"""Course configuration: nbgrader's settings and the practicals grader's, in one file."""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader or practicals loads this file)

# nbgrader
c.CourseDirectory.course_id = "dl-practicals"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ExecutePreprocessor.timeout = 300  # stock `nbgrader autograde`, used by the benchmark only

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
c.Grader.due_dates = {
    "01_micrograd": "2026-10-05 18:00:00 UTC",
    "02_makemore": "2026-10-12 18:00:00 UTC",
    "03_backprop_ninja": "2026-10-19 18:00:00 UTC",
}
