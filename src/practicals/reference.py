"""The solution's reference run: what every submission's observations are judged against.

It runs once per source notebook (in the sandbox, like a submission) and is cached in
``.practicals/reference/``, keyed by the notebook's content, the package version and the mode.
The cache holds hidden-test values, so it lives in the course folder, which no kernel can see.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from nbformat import NotebookNode

from . import __version__, notebook
from .judge import error_of, observations
from .kernel import plain_outputs
from .sandbox import Limits, sandboxed_kernel


class ReferenceError(RuntimeError):
    """The solution fails its own tests: grading against it would be meaningless."""


def _key(source: NotebookNode, fast: bool) -> str:
    text = json.dumps([c.source for c in source.cells if c.cell_type == "code"])
    return hashlib.sha256(f"{__version__}|{fast}|{text}".encode()).hexdigest()


def reference(
    source: NotebookNode,
    cache: Path,
    limits: Limits,
    data: Path | None,
    fast: bool,
) -> dict[str, list]:
    """Test-cell outputs of the solution, by grade_id; runs the solution only when needed."""
    key = _key(source, fast)
    if cache.is_file():
        stored = json.loads(cache.read_text())
        if stored.get("key") == key:
            return stored["outputs"]
    outputs: dict[str, list] = {}
    first_error = None
    with sandboxed_kernel(limits, data, fast=fast) as kernel:
        for cell in source.cells:
            if cell.cell_type != "code":
                continue
            ran = kernel.run(cell.source)
            first_error = first_error or error_of(ran.outputs or [])
            if notebook.is_test(cell):
                outputs[notebook.grade_id(cell)] = plain_outputs(ran.outputs) or []
        dead = kernel.dead
    broken = [
        gid
        for gid, outs in outputs.items()
        if not observations(outs) or any(o.get("output_type") == "error" for o in outs)
    ]
    if dead or broken:
        raise ReferenceError(
            f"the solution notebook does not pass its own tests ({dead or ', '.join(broken)}); "
            f"first error: {first_error or 'none'}. Fix the source notebook, or the data "
            "(PRACTICALS_DATA), before grading"
        )
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"key": key, "outputs": outputs}))
    cache.chmod(0o600)
    return outputs
