"""Helper package of the deep-learning practicals: data, student checks and the autograder."""

import os
import sys

__version__ = "0.1.0"

# nbgrader creates a gradebook by running the `alembic` command that sits beside this Python;
# put that folder on PATH so that it works without an activated virtual environment.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
