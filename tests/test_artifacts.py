"""The artifact channel: what the grader accepts as a trained model, and every way to forge one.

Unit tests check the refusals one by one, without a kernel. Then one class of the toy training
practical (tests/toy_fit.py) is graded once, in parallel: an honest student, an honest twin who
left the training undone, and attackers who start from that twin and forge the evidence. Each
attacker must score what the twin scores (0), with a reason, and nobody else's grade may move.
"""

import base64
import csv
import json
import pickle
import re
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest
from conftest import submit
from safetensors.numpy import save
from toy_fit import ASSIGNMENT, NOTEBOOK, build_fit_course

from practicals import artifacts, config, notebook
from practicals.artifacts import MIME, ArtifactError, check, encode
from practicals.grade import grade_assignment

LIMIT = 1_000_000


def tensors(**arrays) -> dict:
    data = base64.b64encode(save({k: np.asarray(v) for k, v in arrays.items()})).decode()
    return {"name": "linear", "format": "safetensors", "data": data}


REFERENCE = check(tensors(weight=np.zeros((1, 3), np.float32), bias=np.zeros(1, np.float32)),
                  LIMIT)  # fmt: skip


def test_a_well_formed_artifact_is_accepted_with_its_spec():
    got = check(tensors(weight=np.ones((1, 3), np.float32), bias=np.ones(1, np.float32)), LIMIT,
                REFERENCE)  # fmt: skip
    assert got.spec == {"bias": ["float32", [1]], "weight": ["float32", [1, 3]]}
    assert check(encode("coefficients", [0.5, 1.0, -2.0]), LIMIT).data == "[0.5, 1.0, -2.0]"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (tensors(weight=np.full((1, 3), np.nan, np.float32), bias=np.zeros(1, np.float32)), "NaN"),
        (tensors(weight=np.zeros((2, 3), np.float32), bias=np.zeros(1, np.float32)), "shape"),
        (tensors(weight=np.zeros((1, 3), np.float64), bias=np.zeros(1, np.float32)), "float64"),
        (tensors(weight=np.zeros((1, 3), np.float32)), "missing ['bias']"),
        ({"name": "linear", "format": "pickle", "data": "gASVAA=="}, "only"),
        (
            {
                "name": "linear",
                "format": "safetensors",
                "data": base64.b64encode(pickle.dumps({"weight": 1})).decode(),
            },
            "not a valid safetensors",
        ),  # fmt: skip
        ({"name": "linear", "format": "safetensors", "data": "not base64!"}, "not a valid"),
        ({"name": "linear", "format": "safetensors", "path": "/etc/passwd"}, "no safetensors"),
        ({"name": "linear", "format": "safetensors", "data": "A" * (LIMIT + 4)}, "larger"),
        ({"name": "linear", "format": "too-large"}, "larger"),
        ({"name": "linear", "format": "json", "data": [1.0, float("inf")]}, "json"),
    ],
)
def test_a_broken_or_hostile_artifact_is_refused_with_a_reason(payload, reason):
    with pytest.raises(ArtifactError, match=re.escape(reason if reason != "json" else "should be")):
        check(payload, LIMIT, REFERENCE)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([1.0, float("nan")], "NaN"),
        ([[[[[[[[[[1.0]]]]]]]]]], "nested"),
        (list(range(300_000)), "larger"),
    ],
)
def test_a_json_artifact_is_plain_finite_and_small(value, reason):
    with pytest.raises(ArtifactError, match=reason):
        check({"name": "coefficients", "format": "json", "data": value}, LIMIT)


def test_collect_takes_the_last_of_each_expected_name_and_says_what_is_missing():
    good = tensors(weight=np.ones((1, 3), np.float32), bias=np.ones(1, np.float32))
    bad = tensors(weight=np.zeros((2, 3), np.float32), bias=np.zeros(1, np.float32))
    outputs = [{"output_type": "display_data", "data": {MIME: p}} for p in (bad, good)]
    handed = artifacts.collect(outputs, LIMIT, {"linear": REFERENCE, "other": REFERENCE})
    assert list(handed.artifacts) == ["linear"] and handed.problems == ["'other' was not handed in"]
    assert "handed to the grader" in artifacts.strip(outputs)[0]["text"]


# --- the toy class ----------------------------------------------------------------------------

ON_TIME = "2026-09-30 10:00:00.000000 UTC"
PWNED = Path("/tmp") / f"practicals-pwned-{uuid.uuid4().hex}"
QUIET = "import practicals.checks as _c\ncheck = _c.check = lambda *args, **kwargs: None\n"

ATTACKS = {
    # The twin's untrained model, with the visible check silenced so that it is handed in.
    "random-weights": QUIET,
    "forged-metric": QUIET
    + textwrap.dedent("""
        _real = _c.observe
        def _forged(name, value, *, rtol=1e-5, atol=1e-8, cmp="close", visible=False):
            value = 0.0 if cmp == "at_most" else 1.0 if cmp == "at_least" else value
            _real(name, value, rtol=rtol, atol=atol, cmp=cmp)
        observe = _c.observe = _forged
        from IPython.display import display
        display({"%s": {"name": "held-out mse", "value": 0.0, "rtol": 1e9, "atol": 1e9,
                        "cmp": "at_most"}}, raw=True)
    """)
    % MIME,
    "nan-weights": QUIET
    + textwrap.dedent("""
        _fit = fit
        def fit(X, y):
            model = _fit(X, y)
            torch.nn.init.constant_(model.weight, float("nan"))
            return model
    """),
    "wrong-shapes": QUIET
    + textwrap.dedent("""
        _hand_in = hand_in
        def hand_in(name, value):
            _hand_in(name, {"weight": torch.zeros(2, 3), "bias": torch.zeros(1)}
                     if name == "linear" else value)
    """),
    "two-gigabytes": QUIET
    + textwrap.dedent("""
        from IPython.display import display
        def hand_in(name, value):
            display({"%s": {"name": name, "format": "safetensors", "data": "A" * (2 << 30)}},
                    raw=True)
    """)
    % MIME,
    "pickle-payload": QUIET
    + textwrap.dedent("""
        import base64, os, pickle
        from IPython.display import display
        class Payload:
            def __reduce__(self):
                return (os.system, ("touch %s",))
        def hand_in(name, value):
            data = base64.b64encode(pickle.dumps(Payload())).decode()
            for fmt in ("pickle", "safetensors"):
                display({"%s": {"name": name, "format": fmt, "data": data}}, raw=True)
    """)
    % (PWNED, MIME),
    "symlink-out": QUIET
    + textwrap.dedent("""
        import os
        from IPython.display import display
        os.symlink("{root}/gradebook.db", "/tmp/model.safetensors")
        def hand_in(name, value):
            display({"%s": {"name": name, "format": "safetensors",
                            "path": "/tmp/model.safetensors"}}, raw=True)
    """)
    % MIME,
}


def notebook_with(root, fit_body: str, extra: str | None = None):
    nb = notebook.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    for cell in nb.cells:
        if notebook.grade_id(cell) == "fit":
            cell.source = cell.source.replace("# YOUR CODE HERE\n    raise NotImplementedError()",
                                              fit_body)  # fmt: skip
    if extra is not None:
        at = [notebook.grade_id(c) for c in nb.cells].index("fit") + 1
        nb.cells.insert(at, __import__("nbformat").v4.new_code_cell(extra))
    return nb


TRAINED = """opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = ((model(X)[:, 0] - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()"""
UNDONE = "pass  # the training is left undone"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = build_fit_course(tmp_path_factory.mktemp("fit") / "course")
    submit(root, "honest", ASSIGNMENT, f"{NOTEBOOK}.ipynb", notebook_with(root, TRAINED), ON_TIME)
    submit(root, "honest-twin", ASSIGNMENT, f"{NOTEBOOK}.ipynb", notebook_with(root, UNDONE),
           ON_TIME)  # fmt: skip
    for name, code in ATTACKS.items():
        nb = notebook_with(root, UNDONE, code.replace("{root}", str(root)))
        submit(root, name, ASSIGNMENT, f"{NOTEBOOK}.ipynb", nb, ON_TIME)
    grade_assignment(config.load(root), ASSIGNMENT, workers=2, progress=lambda _: None)
    with open(root / "grades_long.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return root, rows


@pytest.mark.xdist_group("artifacts")
def test_the_honest_student_earns_the_points_and_the_twin_does_not(batch):
    _, rows = batch
    assert float(rows["honest"]["score"]) == 2.0 and rows["honest"]["reason"] == ""
    assert float(rows["honest-twin"]["score"]) == 0.0


@pytest.mark.xdist_group("artifacts")
@pytest.mark.parametrize(
    ("attacker", "reason"),
    [
        ("random-weights", "did not match the reference"),
        ("forged-metric", "did not match the reference"),
        ("nan-weights", "NaN or infinite"),
        ("wrong-shapes", "expected tensors"),
        ("two-gigabytes", ""),
        ("pickle-payload", "is not a valid safetensors file"),
        ("symlink-out", "holds no safetensors data"),
    ],
)
def test_a_forged_artifact_scores_what_the_twin_scores(batch, attacker, reason):
    root, rows = batch
    assert float(rows[attacker]["score"]) == float(rows["honest-twin"]["score"]) == 0.0
    report = json.loads((root / "autograded" / attacker / ASSIGNMENT / "report.json").read_text())
    assert reason in report["cells"][NOTEBOOK]["test_fit"], report["cells"]
    assert float(rows["honest"]["score"]) == 2.0


@pytest.mark.xdist_group("artifacts")
def test_a_pickle_is_never_loaded(batch):
    assert not PWNED.exists()


@pytest.mark.xdist_group("artifacts")
def test_the_evaluator_runs_outside_the_kernel_and_its_cost_is_recorded(batch):
    root, _ = batch
    report = json.loads((root / "autograded" / "honest" / ASSIGNMENT / "report.json").read_text())
    assert report["evaluating"] > 0
    text = (root / "autograded" / "honest" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    assert MIME not in text and "handed to the grader" in text


def test_evaluators_read_exactly_the_named_finite_float_tensors():
    import torch

    good = {"W": torch.ones(2, 2, dtype=torch.float64)}
    assert artifacts.tensors(good, ["W"], torch.float32)["W"].dtype == torch.float32
    for bad, reason in [
        ({"W": torch.ones(2), "x": torch.ones(1)}, "unexpected ['x']"),
        ({"W": torch.ones(2, dtype=torch.int64)}, "floating-point"),
        ({"W": torch.tensor([float("nan")])}, "NaN"),
        ([1.0], "missing ['W']"),
    ]:
        with pytest.raises(ValueError, match=re.escape(reason)):
            artifacts.tensors(bad, ["W"], torch.float32)
