"""Trained models handed to the grader: encoded in the kernel, checked by the trusted worker.

A test cell calls ``checks.hand_in(name, value)`` to pass what a training exercise produced (a
model's parameters, generated samples) to the grader, which evaluates it outside the student's
kernel (``evaluate.py``). The channel is the cell's output stream, one display output of a
private MIME type, so the grader never opens a path that the kernel chose. Two formats, neither
of which can run code when read:

- ``safetensors`` for a mapping of names to tensors or arrays;
- ``json`` for plain numbers, lists and dicts (micrograd's Python floats).

The worker refuses anything else, anything over the configured size, tensors whose names,
shapes or dtypes differ from the reference's, and NaN or infinite values. Each refusal is a
sentence the student can read.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MIME = "application/vnd.practicals.artifact+json"
FORMATS = ("safetensors", "json")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")  # an evaluator is a function of that name
MAX_DEPTH = 8  # JSON artifacts are numbers in lists and dicts, never deeply nested


class ArtifactError(ValueError):
    """An artifact the grader will not evaluate; the message is meant for the student."""


# --- in the kernel: encoding -----------------------------------------------------------------


def encode(name: str, value: Any) -> dict:
    """The display payload for ``value``: tensors as safetensors, anything else as JSON."""
    if not NAME.match(name):
        raise ValueError(f"artifact names are Python identifiers, got {name!r}")
    if isinstance(value, Mapping) and value and all(hasattr(v, "shape") for v in value.values()):
        import numpy as np
        from safetensors.numpy import save

        arrays = {}
        for key, tensor in value.items():
            if hasattr(tensor, "detach"):  # a torch.Tensor, without importing torch here
                tensor = tensor.detach().cpu().numpy()
            arrays[str(key)] = np.ascontiguousarray(tensor)
        data = base64.b64encode(save(arrays)).decode("ascii")
        return {"name": name, "format": "safetensors", "data": data}
    from .checks import to_plain

    return {"name": name, "format": "json", "data": to_plain(value)}


# --- in the evaluation kernel: decoding ------------------------------------------------------


def decode(fmt: str, data: str) -> Any:
    """What an evaluator receives: a dict of torch tensors, or the plain JSON value."""
    if fmt == "safetensors":
        from safetensors.torch import load

        return load(base64.b64decode(data))
    return json.loads(data)


def tensors(artifact: Any, names: Sequence[str], dtype: Any) -> dict:
    """For evaluators: exactly the tensors ``names``, floating point and finite, as ``dtype``.

    The worker has already checked the artifact against the solution's; an evaluator checks
    again what its own code relies on, with a message the student can read.
    """
    import torch

    if not isinstance(artifact, dict) or set(artifact) != set(names):
        got = set(artifact) if isinstance(artifact, dict) else set()
        missing, extra = sorted(set(names) - got), sorted(map(str, got - set(names)))
        raise ValueError(
            f"expected the tensors {sorted(names)}: missing {missing}, unexpected {extra}"
        )
    out = {}
    for name in names:
        t = artifact[name]
        if not isinstance(t, torch.Tensor) or not t.dtype.is_floating_point:
            raise ValueError(f"{name!r} should be a floating-point tensor")
        if not torch.isfinite(t).all():
            raise ValueError(f"{name!r} holds NaN or infinite values")
        out[name] = t.detach().to(dtype)
    return out


# --- in the trusted worker: checking ---------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    """A checked artifact: its format, its data as the evaluator will read it, and its spec."""

    name: str
    format: str
    data: str  # base64 of the safetensors file, or JSON text
    spec: dict  # safetensors: {tensor: [dtype, shape]}; json: {}

    @property
    def size(self) -> int:
        return len(self.data)


def check(payload: Any, limit: int, reference: Artifact | None = None) -> Artifact:
    """Validate one artifact payload from a kernel's outputs; raise ArtifactError if refused."""
    if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
        raise ArtifactError("the handed-in model is not in the grader's format")
    name, fmt = payload["name"], payload.get("format")
    if fmt == "too-large":
        raise ArtifactError(f"{name!r} is larger than the limit of {limit:,} bytes")
    if fmt not in FORMATS:
        raise ArtifactError(f"{name!r} has format {str(fmt)[:40]!r}; only {FORMATS} are read")
    if reference is not None and fmt != reference.format:
        raise ArtifactError(f"{name!r} should be {reference.format}, got {fmt}")
    if fmt == "json":
        text = json.dumps(payload.get("data"), allow_nan=True)
        if len(text) > limit:
            raise ArtifactError(f"{name!r} is larger than the limit of {limit:,} bytes")
        _check_plain(name, payload.get("data"), 0)
        return Artifact(name, fmt, text, {})
    data = payload.get("data")
    if not isinstance(data, str):
        raise ArtifactError(f"{name!r} holds no safetensors data")
    if len(data) > limit:
        raise ArtifactError(f"{name!r} is larger than the limit of {limit:,} bytes")
    spec = _check_tensors(name, data)
    if reference is not None and spec != reference.spec:
        raise ArtifactError(
            f"{name!r} does not have the expected tensors: {_diff(spec, reference.spec)}"
        )
    return Artifact(name, fmt, data, spec)


def _check_plain(name: str, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ArtifactError(f"{name!r} is nested too deeply")
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ArtifactError(f"{name!r} holds NaN or infinite values")
        return
    if isinstance(value, list):
        for item in value:
            _check_plain(name, item, depth + 1)
        return
    if isinstance(value, dict):
        for item in value.values():
            _check_plain(name, item, depth + 1)
        return
    raise ArtifactError(f"{name!r} holds a value of type {type(value).__name__}")


def _check_tensors(name: str, data: str) -> dict:
    """Parse with the safetensors library (no code runs); every float must be finite."""
    import numpy as np
    from safetensors.numpy import load

    try:
        arrays = load(base64.b64decode(data, validate=True))
    except Exception as err:  # the library's own errors for a malformed file, or bad base64
        why = type(err).__name__
        raise ArtifactError(f"{name!r} is not a valid safetensors file ({why})") from None
    spec = {}
    for key, array in sorted(arrays.items()):
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ArtifactError(f"{name!r} holds NaN or infinite values in {key!r}")
        spec[key] = [str(array.dtype), list(array.shape)]
    return spec


def _diff(got: dict, want: dict) -> str:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    if missing or extra:
        return f"missing {missing}, unexpected {extra}"
    key = next(k for k in sorted(want) if got[k] != want[k])
    (dtype, shape), (want_dtype, want_shape) = got[key], want[key]
    return f"{key!r} is {dtype} of shape {shape}, expected {want_dtype} of shape {want_shape}"


@dataclass
class Handed:
    """What one test cell handed in: the checked artifacts, and the refusals in words."""

    artifacts: dict[str, Artifact]
    problems: list[str]


def collect(outputs: list, limit: int, expected: Mapping[str, Artifact] | None = None) -> Handed:
    """The artifacts among a cell's outputs (the last of each name wins).

    With ``expected`` (the reference's artifacts for this cell), only those names are read,
    each is checked against its reference, and a missing one is a problem; without it (the
    reference run itself), every artifact is read.
    """
    found: dict[str, Any] = {}
    for out in outputs:
        data = out.get("data") if isinstance(out, dict) else None
        payload = data.get(MIME) if isinstance(data, dict) else None
        if isinstance(payload, dict) and isinstance(payload.get("name"), str):
            if expected is None or payload["name"] in expected:
                found[payload["name"]] = payload
    handed = Handed({}, [])
    for name in found if expected is None else expected:
        if name not in found:
            handed.problems.append(f"{name!r} was not handed in")
            continue
        try:
            reference = None if expected is None else expected[name]
            handed.artifacts[name] = check(found[name], limit, reference)
        except ArtifactError as err:
            handed.problems.append(str(err))
    return handed


def strip(outputs: list) -> list:
    """The outputs with each artifact replaced by a one-line note (they are big and unreadable)."""
    kept = []
    for out in outputs:
        payload = out.get("data", {}).get(MIME) if isinstance(out.get("data"), dict) else None
        if payload is None:
            kept.append(out)
            continue
        name = payload.get("name") if isinstance(payload, dict) else None
        text = f"[{str(name)[:64]!r} handed to the grader for evaluation]\n"
        kept.append({"output_type": "stream", "name": "stdout", "text": text})
    return kept
