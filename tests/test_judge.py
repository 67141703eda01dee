"""The judge: observations of a submission against the reference, outside any kernel."""

import pytest

from practicals.checks import MIME
from practicals.judge import error_of, judge_cell, matches, observations


def obs(name, value, **rule):
    payload = {"name": name, "value": value, "rtol": 1e-5, "atol": 1e-8, "cmp": "close", **rule}
    return {"output_type": "display_data", "data": {MIME: payload}, "metadata": {}}


ERROR = {"output_type": "error", "ename": "AssertionError", "evalue": "grad is wrong",
         "traceback": []}  # fmt: skip


@pytest.mark.parametrize(
    ("got", "ref", "cmp", "ok"),
    [
        (1.0, 1.0, "close", True),
        (1.0 + 1e-7, 1.0, "close", True),
        (1.001, 1.0, "close", False),
        ([1.0, 2.0], [1.0, 2.0], "close", True),
        ([1.0], [1.0, 2.0], "close", False),
        ([[1.0, 2.0]], [[1.0, 2.5]], "close", False),
        (2, 2, "equal", True),
        (2.0000001, 2, "equal", False),
        (0.5, 0.6, "at_most", True),
        (0.7, 0.6, "at_most", False),
        (0.9, 0.8, "at_least", True),
        (0.7, 0.8, "at_least", False),
        (True, True, "close", True),
        (1, True, "close", False),  # a number does not stand in for a boolean
        (True, 1.0, "close", False),  # nor a boolean for a number
        ("abc", "abc", "close", True),
        ({"a": 1.0}, {"a": 1.0}, "close", True),
        ({"a": 1.0, "b": 2}, {"a": 1.0}, "close", False),
        (float("nan"), 1.0, "close", False),
        (float("nan"), float("nan"), "close", True),
        (None, 1.0, "close", False),
        ("1.0", 1.0, "close", False),
    ],
)
def test_matches(got, ref, cmp, ok):
    assert matches(got, ref, 1e-5, 1e-8, cmp) is ok


def test_observations_collects_every_emission_by_name():
    found = observations([obs("a", 1), {"output_type": "stream", "text": "hi"}, obs("a", 2)])
    assert [p["value"] for p in found["a"]] == [1, 2]


def test_a_matching_cell_passes():
    assert judge_cell("t", [obs("a", 1.0)], [obs("a", 1.0)]).passed


def test_a_wrong_value_fails_and_says_how_many_without_values():
    verdict = judge_cell("t", [obs("a", 1.0), obs("b", 2.0)], [obs("a", 1.0), obs("b", 3.0)])
    assert not verdict.passed
    assert verdict.reason == "1 of 2 checks did not match the reference"
    assert "2.0" not in verdict.reason and "3.0" not in verdict.reason
    assert verdict.mismatched == ("b",)


def test_a_missing_observation_fails():
    assert not judge_cell("t", [obs("a", 1.0)], []).passed


def test_an_error_fails_even_with_right_observations():
    verdict = judge_cell("t", [obs("a", 1.0)], [obs("a", 1.0), ERROR])
    assert not verdict.passed and "AssertionError: grad is wrong" in verdict.reason


def test_a_cell_that_never_ran_fails():
    assert judge_cell("t", [obs("a", 1.0)], None).reason == "did not run"


def test_a_forged_extra_emission_with_a_wrong_value_fails():
    """Every emission of a name must match: a forged copy cannot outvote the real one."""
    assert not judge_cell("t", [obs("a", 1.0)], [obs("a", 1.0), obs("a", 5.0)]).passed


def test_the_tolerance_comes_from_the_reference_not_the_submission():
    forged = obs("a", 1.5, rtol=10.0, atol=10.0)
    assert not judge_cell("t", [obs("a", 1.0)], [forged]).passed


def test_a_reference_without_observations_awards_nothing():
    assert not judge_cell("t", [], []).passed


def test_error_of():
    assert error_of([ERROR]) == "AssertionError: grad is wrong"
    assert error_of([obs("a", 1)]) is None


# --- training outcomes, recomputed by the trusted evaluator -----------------------------------

REF_EVAL = [obs("dev loss", 2.1, cmp="at_most", rtol=0.02)]


def test_an_evaluated_observation_is_looked_for_in_the_evaluation_only():
    forged_in_kernel = [obs("dev loss", 0.0, cmp="at_most")]
    verdict = judge_cell("t", [], forged_in_kernel, REF_EVAL, [])
    assert not verdict.passed and verdict.mismatched == ("dev loss",)
    assert judge_cell("t", [], [], REF_EVAL, [obs("dev loss", 2.12)]).passed
    assert not judge_cell("t", [], [], REF_EVAL, [obs("dev loss", 3.3)]).passed


def test_a_refused_artifact_or_a_failed_evaluation_fails_the_cell_with_its_reason():
    refused = judge_cell("t", [], [], REF_EVAL, [], ["'mlp' holds NaN or infinite values"])
    assert not refused.passed and "NaN" in refused.reason
    failed = judge_cell("t", [], [], REF_EVAL, [{**ERROR, "evalue": "expected 4 numbers"}])
    assert not failed.passed and "expected 4 numbers" in failed.reason


def test_kernel_and_evaluated_observations_must_both_match():
    ref = [obs("logits", [0.25, -1.5])]
    assert judge_cell(
        "t", ref, [obs("logits", [0.25, -1.5])], REF_EVAL, [obs("dev loss", 2.0)]
    ).passed
    assert not judge_cell("t", ref, [obs("logits", [0.0, 0.0])], REF_EVAL,
                          [obs("dev loss", 2.0)]).passed  # fmt: skip
