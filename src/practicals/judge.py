"""Verdicts from observations: a submission's run against the solution's reference run.

This runs in the trusted parent, never in the student's kernel. A test cell earns its points
when it raised no error and every observation of the reference run for that cell was emitted by
the student's run, each emission within the reference's tolerance. Expected values and
tolerances come only from the reference; what a submission claims about them is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .checks import MIME


def observations(outputs: list) -> dict[str, list[Any]]:
    """Every observation emitted in a cell's outputs: name -> list of payloads, in order."""
    found: dict[str, list[Any]] = {}
    for out in outputs:
        data = out.get("data", {}) if isinstance(out, dict) else {}
        payload = data.get(MIME) if isinstance(data, dict) else None
        if isinstance(payload, dict) and isinstance(payload.get("name"), str):
            found.setdefault(payload["name"], []).append(payload)
    return found


def error_of(outputs: list) -> str | None:
    """The first error a cell raised, as 'Name: message', or None."""
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
    return None


def matches(got: Any, ref: Any, rtol: float, atol: float, cmp: str) -> bool:
    """Whether an observed value agrees with the reference value under the reference's rule."""
    if isinstance(ref, list):
        return (
            isinstance(got, list)
            and len(got) == len(ref)
            and all(matches(g, r, rtol, atol, cmp) for g, r in zip(got, ref, strict=True))
        )
    if isinstance(ref, dict):
        return (
            isinstance(got, dict)
            and got.keys() == ref.keys()
            and all(matches(got[k], ref[k], rtol, atol, cmp) for k in ref)
        )
    if isinstance(ref, bool) or ref is None or isinstance(ref, str):
        return type(got) is type(ref) and got == ref
    if isinstance(ref, int | float):
        if isinstance(got, bool) or not isinstance(got, int | float):
            return False
        if cmp == "equal":
            return got == ref
        if math.isnan(ref):
            return math.isnan(got)
        slack = atol + rtol * abs(ref)
        if cmp == "at_most":
            return got <= ref + slack
        if cmp == "at_least":
            return got >= ref - slack
        return abs(got - ref) <= slack
    return False


@dataclass(frozen=True)
class Verdict:
    """The outcome of one test cell. ``reason`` is safe to show the student: no hidden values."""

    grade_id: str
    passed: bool
    reason: str
    mismatched: tuple[str, ...] = ()


def judge_cell(
    gid: str,
    reference: list,
    outputs: list | None,
    ref_evaluated: Sequence = (),
    evaluated: Sequence = (),
    refused: Sequence[str] = (),
) -> Verdict:
    """Judge one test cell's outputs (None when it never ran) against the reference outputs.

    ``ref_evaluated`` and ``evaluated`` are the outputs of the trusted evaluation of what the
    reference and the submission handed in (``evaluate.py``); ``refused`` says why the grader
    would not evaluate a submission's artifact. Observations that the reference's evaluation
    made are looked for in the submission's evaluation only, never in its kernel's outputs.
    """
    if outputs is None:
        return Verdict(gid, False, "did not run")
    error = error_of(outputs)
    if error:
        first = error.splitlines()[0] if error else error
        return Verdict(gid, False, f"raised {first[:300]}")
    if refused:
        return Verdict(
            gid, False, f"the grader refused what this cell handed in: {'; '.join(refused)}"
        )
    failed = error_of(list(evaluated))
    if failed:
        return Verdict(
            gid, False, f"what this cell handed in could not be evaluated: {failed[:300]}"
        )
    expected, expected_evaluated = observations(reference), observations(list(ref_evaluated))
    if not expected and not expected_evaluated:
        # A reference that observes nothing cannot vouch for anything: never award points.
        return Verdict(gid, False, "the reference run emitted no observation for this cell")
    bad = _mismatched(expected, observations(outputs))
    bad += _mismatched(expected_evaluated, observations(list(evaluated)))
    total = len(expected) + len(expected_evaluated)
    if bad:
        return Verdict(gid, False, f"{len(bad)} of {total} checks did not match the reference",
                       tuple(bad))  # fmt: skip
    return Verdict(gid, True, "passed")


def _mismatched(expected: dict[str, list], got: dict[str, list]) -> list[str]:
    """Names whose emissions are missing or off the reference's last emission, by its rule."""
    bad = []
    for name, ref_payloads in expected.items():
        ref = ref_payloads[-1]
        rule = (float(ref.get("rtol", 0.0)), float(ref.get("atol", 0.0)), str(ref.get("cmp")))
        emitted = got.get(name, [])
        if not emitted or not all(matches(p.get("value"), ref["value"], *rule) for p in emitted):
            bad.append(name)
    return bad
