"""The solution's reference run: what every submission's observations are judged against.

It runs once per source notebook (in the sandbox, like a submission) and is cached in
``.practicals/reference/``, keyed by the notebook's code, its evaluator, the package version and
the mode. What the solution hands in is evaluated by the course's evaluator in a second, fresh
kernel, exactly as a submission's is. The cache holds hidden-test values, so it lives in the
course folder, which no kernel can see.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from . import __version__, artifacts, notebook
from .artifacts import Artifact
from .evaluate import evaluator
from .judge import error_of, observations
from .kernel import plain_outputs
from .sandbox import Limits, sandboxed_kernel


class ReferenceError(RuntimeError):
    """The solution fails its own tests: grading against it would be meaningless."""


@dataclass
class Reference:
    """By grade_id: the test cells' outputs, what they handed in, and its trusted evaluation."""

    outputs: dict[str, list] = field(default_factory=dict)
    artifacts: dict[str, dict[str, Artifact]] = field(default_factory=dict)  # specs, no data
    evaluated: dict[str, list] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "outputs": self.outputs,
            "artifacts": {
                g: {n: asdict(a) for n, a in arts.items()} for g, arts in self.artifacts.items()
            },  # fmt: skip
            "evaluated": self.evaluated,
        }

    @classmethod
    def from_json(cls, stored: dict) -> Reference:
        arts = {g: {n: Artifact(**a) for n, a in named.items()}
                for g, named in stored["artifacts"].items()}  # fmt: skip
        return cls(stored["outputs"], arts, stored["evaluated"])


def _key(source: NotebookNode, evaluator_code: str | None, fast: bool) -> str:
    text = json.dumps([[c.source for c in source.cells if c.cell_type == "code"], evaluator_code])
    return hashlib.sha256(f"{__version__}|{fast}|{text}".encode()).hexdigest()


def reference(
    source: NotebookNode,
    cache: Path,
    limits: Limits,
    data: Path | None,
    fast: bool,
    evaluator_code: str | None = None,
    threads: int = 1,
) -> Reference:
    """The solution's reference; runs the solution (and its evaluation) only when needed.
    ``threads``: torch's threads in the solution's kernel (``make results`` gives it two)."""
    key = _key(source, evaluator_code, fast)
    stored = _cached(cache)
    if stored.get("key") == key:
        return Reference.from_json(stored["reference"])
    ref, handed, problems = Reference(), {}, []
    first_error = None
    with sandboxed_kernel(limits, data, fast=fast, threads=threads) as kernel:
        for cell in source.cells:
            if cell.cell_type != "code":
                continue
            ran = kernel.run(cell.source)
            first_error = first_error or error_of(ran.outputs or [])
            if notebook.is_test(cell):
                gid = notebook.grade_id(cell)
                outputs = plain_outputs(ran.outputs) or []
                found = artifacts.collect(outputs, limits.artifact_bytes)
                problems += [f"{gid}: {p}" for p in found.problems]
                ref.outputs[gid] = artifacts.strip(outputs)
                if found.artifacts:
                    handed[gid] = found.artifacts
        dead = kernel.dead
    with evaluator(evaluator_code, lambda: sandboxed_kernel(limits, data, fast=fast)) as ev:
        for gid, found in handed.items():
            ref.evaluated[gid] = ev.run(found)
            ref.artifacts[gid] = {n: Artifact(n, a.format, "", a.spec) for n, a in found.items()}
    broken = [
        gid
        for gid, outs in ref.outputs.items()
        if not (observations(outs) or observations(ref.evaluated.get(gid, [])))
        or error_of(outs)
        or error_of(ref.evaluated.get(gid, []))
    ]
    if dead or broken or problems:
        evaluation = next((error_of(o) for o in ref.evaluated.values() if error_of(o)), None)
        raise ReferenceError(
            f"the solution notebook does not pass its own tests ({dead or ', '.join(broken)}"
            f"{'; ' if problems else ''}{'; '.join(problems)}); first error: "
            f"{first_error or evaluation or 'none'}. Fix the source notebook, its evaluator, or "
            "the data (PRACTICALS_DATA), before grading"
        )
    cache.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: a grader stopped mid-write, or two graders sharing the
    # cache, never leave a half-written file for the next run to read.
    partial = cache.with_name(f".{cache.name}.{os.getpid()}")
    partial.write_text(json.dumps({"key": key, "reference": ref.to_json()}))
    partial.chmod(0o600)
    os.replace(partial, cache)
    return ref


def _cached(cache: Path) -> dict:
    """The stored reference, or {} when there is none or it cannot be read (then it is rerun)."""
    try:
        stored = json.loads(cache.read_text())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}
