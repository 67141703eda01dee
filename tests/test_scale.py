"""Every rule of the 0-4 scale, boundaries and rounding included."""

import pytest

from practicals.scale import Points, Policy, fraction, round_score, score

POLICY = Policy()


def test_everything_right_scores_four():
    assert score(Points(10, 10, 3, 3), False, POLICY) == (4.0, "")


def test_core_only_scores_two():
    assert score(Points(10, 10, 0, 3), False, POLICY) == (2.0, "")


def test_nothing_right_scores_zero():
    assert score(Points(0, 10, 0, 3), False, POLICY) == (0.0, "")


def test_stars_alone_score_two():
    assert score(Points(0, 10, 3, 3), False, POLICY) == (2.0, "")


def test_half_core_scores_one():
    assert score(Points(5, 10, 0, 3), False, POLICY) == (1.0, "")


def test_late_is_capped_at_one_with_a_reason():
    assert score(Points(10, 10, 3, 3), True, POLICY) == (1.0, "late: capped at 1")


def test_late_below_the_cap_keeps_its_score_and_needs_no_reason():
    assert score(Points(4, 10, 0, 3), True, POLICY) == (0.8, "")


def test_late_exactly_at_the_cap_is_not_a_cap():
    assert score(Points(5, 10, 0, 3), True, POLICY) == (1.0, "")


def test_weights_come_from_the_policy():
    policy = Policy(w_core=3, w_star=1, late_cap=2, round_to=0.5)
    assert score(Points(10, 10, 0, 3), False, policy) == (3.0, "")
    assert score(Points(10, 10, 3, 3), True, policy) == (2.0, "late: capped at 2")


def test_a_notebook_without_stars_tops_out_at_the_core_weight():
    assert score(Points(10, 10, 0, 0), False, POLICY) == (2.0, "")


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        (2.25, 0.1, 2.3),  # half up, not banker's rounding
        (2.35, 0.1, 2.4),
        (2.249, 0.1, 2.2),
        (1.25, 0.5, 1.5),
        (1.24, 0.5, 1.0),
        (0.0, 0.1, 0.0),
        (4.0, 0.25, 4.0),
        (1 / 3 * 4, 0.1, 1.3),
    ],
)
def test_rounding_is_half_up_to_the_step(value, step, expected):
    assert round_score(value, step) == expected


def test_scores_are_rounded():
    assert score(Points(1, 3, 0, 3), False, POLICY) == (0.7, "")  # 2/3 = 0.666...


@pytest.mark.parametrize(("earned", "maximum", "expected"),
                         [(0, 0, 0.0), (5, 10, 0.5), (12, 10, 1.0), (-1, 10, 0.0)])  # fmt: skip
def test_fraction_is_clipped_and_safe_on_zero(earned, maximum, expected):
    assert fraction(earned, maximum) == expected


@pytest.mark.parametrize("bad", [dict(w_core=-1), dict(late_cap=-0.5), dict(round_to=0)])
def test_policy_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        Policy(**bad)


def test_points_add_up_per_part():
    assert Points(1, 2, 3, 4) + Points(1, 1, 1, 1) == Points(2, 3, 4, 5)
