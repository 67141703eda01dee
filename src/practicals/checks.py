"""What test cells call: friendly checks for students, and ``observe`` for the grader.

Visible checks raise ``AssertionError`` with a message that says what is wrong and where to look.
Hidden checks only *observe*: they emit values computed from the student's code as a display
output of a private MIME type. The trusted grader compares them, outside the kernel, with the
same observations from the solution's reference run (see ``judge.py``). No expected value of a
hidden check ever enters the student's kernel, so patching ``assert`` or this module gains nothing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

MIME = "application/vnd.practicals.observation+json"
OBSERVE_VAR = "PRACTICALS_OBSERVE"
COMPARISONS = ("close", "equal", "at_most", "at_least")


def check(condition: Any, message: str) -> None:
    """Fail with ``message`` (what is wrong and a hint) unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message)


def to_plain(value: Any) -> Any:
    """Turn tensors, arrays and numbers into JSON-able lists, floats, ints, bools and strings."""
    if hasattr(value, "detach"):  # torch.Tensor without importing torch
        value = value.detach().cpu()
        if value.dtype.is_floating_point:
            value = value.double()
        return value.tolist()
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy array or scalar
        return value.tolist()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [to_plain(v) for v in value]
    if hasattr(value, "__float__"):
        return float(value)
    raise TypeError(f"cannot observe a value of type {type(value).__name__}")


def observe(
    name: str,
    value: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    cmp: str = "close",
    visible: bool = False,
) -> None:
    """Emit ``value`` for the grader under ``name``; silent unless the grader asks for it.

    ``cmp`` says how the grader compares it with the reference run: ``close`` (within
    ``atol + rtol * |ref|``), ``equal``, ``at_most`` or ``at_least`` (one-sided, with the same
    tolerance, for losses and accuracies that depend on the order of random draws).
    Only the reference run's ``rtol``, ``atol`` and ``cmp`` are used by the grader.
    ``visible`` marks a value whose expected value the kernel also holds (``check_close``): it
    may add to a test cell, but cannot carry one (the strength rule, in CONTRIBUTING.md).
    """
    if cmp not in COMPARISONS:
        raise ValueError(f"cmp must be one of {COMPARISONS}")
    if os.environ.get(OBSERVE_VAR) != "1":
        return
    try:
        plain = to_plain(value)
    except Exception as err:  # an unobservable value counts as a wrong answer, not a crash
        plain = {"unobservable": f"{type(err).__name__}: {err}"}
    from IPython.display import display

    payload = {"name": name, "value": plain, "rtol": rtol, "atol": atol, "cmp": cmp}
    if visible:
        payload["visible"] = True
    display({MIME: payload}, raw=True)


def hand_in(name: str, value: Any) -> None:
    """Hand what a training exercise produced (parameters, samples) to the grader, by name.

    The grader evaluates it outside this kernel, with the course's own code, and compares the
    result with the solution's: a loss or an accuracy computed here would prove nothing, since
    anything in this kernel can be replaced. A mapping of tensors or arrays travels as
    safetensors, anything else (lists of floats) as JSON. Silent unless the grader asks for it.
    """
    if os.environ.get(OBSERVE_VAR) != "1":
        return
    from IPython.display import display

    from .artifacts import MIME as ARTIFACT_MIME
    from .artifacts import encode

    display({ARTIFACT_MIME: encode(name, value)}, raw=True)


def check_close(
    name: str,
    actual: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    hint: str = "",
) -> None:
    """A visible check that also observes ``actual``: says which values differ and by how much."""
    observe(name, actual, rtol=rtol, atol=atol, visible=True)
    got, want = to_plain(actual), to_plain(expected)
    problem = _difference(got, want, rtol, atol)
    if problem:
        raise AssertionError(f"{name}: {problem}." + (f" Hint: {hint}" if hint else ""))


def _difference(got: Any, want: Any, rtol: float, atol: float, where: str = "") -> str:
    """A human sentence about the first difference between two plain values, or ''."""
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"expected {len(want)} items{where}, got {_short(got)}"
        worst = ""
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            worst = _difference(g, w, rtol, atol, f"{where}[{i}]")
            if worst:
                break
        return worst
    if isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        if not isinstance(got, int | float) or isinstance(got, bool):
            return f"expected a number{where}, got {_short(got)}"
        if math.isnan(want) and math.isnan(got):
            return ""
        if not abs(got - want) <= atol + rtol * abs(want):
            return f"expected {want:.6g}{where}, got {got:.6g} (off by {abs(got - want):.3g})"
        return ""
    if got != want:
        return f"expected {_short(want)}{where}, got {_short(got)}"
    return ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
