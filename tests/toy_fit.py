"""A toy practical with a training exercise: the smallest course that hands a model in.

``fit`` trains a linear model by gradient descent; its test cell hands the trained weights to
the grader twice, as safetensors and as JSON, and the course's evaluator recomputes the
held-out error from them. Every artifact attack of the threat suite is tried on it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from conftest import grader_meta, make_course

ASSIGNMENT, NOTEBOOK = "00_fit", "fit"
MANIFEST = '[assignments.00_fit]\ndue = 2026-10-01T12:00:00\n\n[notebooks."00_fit/fit"]\n'

EVALUATOR = '''
"""Held-out error of the toy linear model, recomputed from what the test cell handed in."""

import torch

from practicals.checks import observe


def _held_out():
    g = torch.Generator().manual_seed(123)
    X = torch.randn(256, 3, generator=g)
    return X, X @ torch.tensor([1.5, -2.0, 0.5]) + 0.3


def linear(tensors):
    X, y = _held_out()
    pred = X @ tensors["weight"][0] + tensors["bias"][0]
    observe("held-out mse", ((pred - y) ** 2).mean(), cmp="at_most", rtol=0.5, atol=1e-3)


def coefficients(values):
    if not (isinstance(values, list) and len(values) == 4):
        raise ValueError("expected four numbers: three weights, then the bias")
    X, y = _held_out()
    pred = X @ torch.tensor(values[:3]) + values[3]
    observe("held-out mse of the coefficients", ((pred - y) ** 2).mean(), cmp="at_most",
            rtol=0.5, atol=1e-3)
'''


def _code(gid: str, text: str, **meta) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip(), id=gid,
                                     metadata=grader_meta(gid, **meta))  # fmt: skip


def fit_notebook() -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell("# Toy training practical", id="md-1"),
        _code(
            "imports",
            """
            import torch
            from practicals.checks import check, hand_in, observe
            torch.manual_seed(0)
            X = torch.randn(64, 3)
            y = X @ torch.tensor([1.5, -2.0, 0.5]) + 0.3
        """,
        ),
        _code(
            "fit",
            """
            def fit(X, y, steps=150, lr=0.1):
                torch.manual_seed(1)
                model = torch.nn.Linear(3, 1)
                ### BEGIN SOLUTION
                opt = torch.optim.SGD(model.parameters(), lr=lr)
                for _ in range(steps):
                    loss = ((model(X)[:, 0] - y) ** 2).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                ### END SOLUTION
                return model
        """,
            solution=True,
            locked=False,
        ),
        _code(
            "test_fit",
            """
            model = fit(X, y)
            with torch.no_grad():
                mse = ((model(X)[:, 0] - y) ** 2).mean().item()
            check(mse < 0.01, f"the training error {mse:.3f} should be below 0.01: train longer")
            ### BEGIN HIDDEN TESTS
            hand_in("linear", model.state_dict())
            hand_in("coefficients", model.weight[0].tolist() + model.bias.tolist())
            ### END HIDDEN TESTS
        """,
            grade=True,
            points=2,
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    return nb


def build_fit_course(root: Path) -> Path:
    """A course with the toy training assignment, its evaluator, released by nbgrader."""
    from practicals import config
    from practicals.release import release

    make_course(root, [], manifest=MANIFEST)
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(fit_notebook(), root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    (root / "evaluators" / ASSIGNMENT).mkdir(parents=True)
    (root / "evaluators" / ASSIGNMENT / f"{NOTEBOOK}.py").write_text(EVALUATOR.lstrip())
    release(config.load(root), [ASSIGNMENT])
    return root
