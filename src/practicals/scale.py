"""The 0-4 scale as pure functions: no I/O, so every rule is unit-tested.

score = w_core * core + w_star * star, where core and star are the fractions of points earned
on the plain and the starred test cells. A late submission is capped; a missing one scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Policy:
    """The course's weights, late cap and rounding step (set in nbgrader_config.py)."""

    w_core: float = 2.0
    w_star: float = 2.0
    late_cap: float = 1.0
    round_to: float = 0.1

    def __post_init__(self) -> None:
        if min(self.w_core, self.w_star, self.late_cap) < 0 or self.round_to <= 0:
            raise ValueError("weights and the late cap must be >= 0, and round_to > 0")

    @property
    def maximum(self) -> float:
        return self.w_core + self.w_star


@dataclass(frozen=True)
class Points:
    core: float
    core_max: float
    star: float
    star_max: float

    def __add__(self, other: Points) -> Points:
        return Points(
            self.core + other.core,
            self.core_max + other.core_max,
            self.star + other.star,
            self.star_max + other.star_max,
        )


def fraction(earned: float, maximum: float) -> float:
    """Earned over maximum, clipped to [0, 1]; a part with no points counts as 0."""
    if maximum <= 0:
        return 0.0
    return min(max(earned / maximum, 0.0), 1.0)


def round_score(value: float, step: float) -> float:
    """Round half up to a multiple of ``step``, in decimal so that 2.25 -> 2.3 with step 0.1."""
    q = Decimal(str(step))
    units = (Decimal(repr(value)) / q).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(units * q)


def score(points: Points, late: bool, policy: Policy) -> tuple[float, str]:
    """The 0-4 score of one submission, and the reason for any cap ('' when none)."""
    raw = policy.w_core * fraction(points.core, points.core_max) + policy.w_star * fraction(
        points.star, points.star_max
    )
    reason = ""
    if late and raw > policy.late_cap:
        raw = policy.late_cap
        reason = f"late: capped at {policy.late_cap:g}"
    return round_score(raw, policy.round_to), reason
