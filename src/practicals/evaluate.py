"""Trusted evaluation of handed-in artifacts, in a fresh kernel that never ran student code.

A training outcome computed in the student's kernel proves nothing: anything there can be
replaced, ``observe`` included. So a test cell hands the trained parameters (or samples) to the
grader (``checks.hand_in``), and the course's evaluator recomputes the metric outside:

- The evaluator of ``source/<assignment>/<notebook>.ipynb`` is instructor code in
  ``evaluators/<assignment>/<notebook>.py``. It is never mounted into a kernel. It defines one
  function per artifact name, which loads the artifact into the reference's model code,
  computes the metric on held-out data and reports it with ``observe``.
- The worker starts a new sandboxed kernel (forked from its zygote, like a submission's), sends
  it the evaluator's code and the checked artifacts as cells, and keeps the outputs. That kernel
  sees nothing of the student's run but the artifact itself.
- The judge compares these observations with the same evaluation of the solution's artifacts,
  as it does for any observation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from .artifacts import Artifact
from .kernel import Kernel, plain_outputs

PRELUDE = "from practicals.artifacts import decode as _decode_artifact\n"


def evaluator_path(root: Path, assignment: str, notebook: str) -> Path:
    return root / "evaluators" / assignment / f"{notebook}.py"


def evaluator_source(root: Path, assignment: str, notebook: str) -> str | None:
    """The evaluator's code for one notebook, or None when the notebook hands nothing in."""
    path = evaluator_path(root, assignment, notebook)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _error(text: str) -> dict:
    return {"output_type": "error", "ename": "EvaluationError", "evalue": text, "traceback": []}


class Evaluator:
    """Runs the evaluator's functions on artifacts; its kernel starts on first use."""

    def __init__(self, source: str | None, open_kernel: Callable[[], AbstractContextManager]):
        self.source = source
        self._open = open_kernel
        self._context: AbstractContextManager | None = None
        self._kernel: Kernel | None = None
        self._setup_error: str | None = None

    def _start(self) -> None:
        self._context = self._open()
        self._kernel = self._context.__enter__()
        ran = self._kernel.run(PRELUDE + (self.source or ""))
        errors = [o for o in ran.outputs or [] if o.get("output_type") == "error"]
        if ran.outputs is None or errors:
            why = errors[0].get("evalue", "") if errors else self._kernel.dead
            self._setup_error = f"the course's evaluator failed to load ({why})"

    def run(self, artifacts: dict[str, Artifact]) -> list:
        """The outputs of evaluating each artifact, in order: observations, or errors."""
        if not artifacts:
            return []
        if self.source is None:
            return [_error("this notebook has no evaluator for handed-in models")]
        if self._kernel is None:
            self._start()
        if self._setup_error:
            return [_error(self._setup_error)]
        outputs: list = []
        for name, artifact in artifacts.items():
            ran = self._kernel.run(
                f"{name}(_decode_artifact({artifact.format!r}, {artifact.data!r}))"
            )
            if ran.outputs is None:
                outputs.append(
                    _error(f"the evaluation of {name!r} did not run ({self._kernel.dead})")
                )
            else:
                outputs += plain_outputs(ran.outputs)
        return outputs

    def close(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = self._kernel = None


@contextmanager
def evaluator(
    source: str | None, open_kernel: Callable[[], AbstractContextManager]
) -> Iterator[Evaluator]:
    """An Evaluator whose kernel, if it was started, is torn down on exit."""
    ev = Evaluator(source, open_kernel)
    try:
        yield ev
    finally:
        ev.close()
