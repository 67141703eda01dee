"""Trusted evaluation of micrograd's trained networks (see src/practicals/evaluate.py).

Each function receives what a test cell handed in: an MLP as JSON, {"nin", "nouts", "act",
"params"}, with the parameters in the order of MLP.parameters() (layer by layer, neuron by
neuron, weights then bias). It rebuilds the network in numpy, in float64 like micrograd, and
reports the metric on data the student's kernel did not choose.
"""

import numpy as np

from practicals.checks import observe
from practicals.data import make_moons
from practicals.env import pick

ACTIVATIONS = {"relu": lambda h: np.maximum(h, 0.0), "tanh": np.tanh}


def _square_threshold() -> float:
    """The x ** 2 fit's required test MSE, as the notebook states it (full mode, fast mode)."""
    return pick(0.01, 0.03)


def _network(artifact, nin, nouts=None, act=None):
    """The MLP's layers as (W, b) pairs, after checking that the artifact describes one."""
    if not isinstance(artifact, dict) or set(artifact) != {"nin", "nouts", "act", "params"}:
        raise ValueError("expected an MLP as {nin, nouts, act, params}")
    sizes = artifact["nouts"]
    if artifact["nin"] != nin or not isinstance(sizes, list) or not 1 <= len(sizes) <= 4:
        raise ValueError(f"expected an MLP with {nin} input(s) and at most 4 layers")
    if not all(isinstance(s, int) and 1 <= s <= 64 for s in sizes) or sizes[-1] != 1:
        raise ValueError("layer sizes must be between 1 and 64, the last one 1")
    if (nouts is not None and sizes != nouts) or (act is not None and artifact["act"] != act):
        raise ValueError(f"expected MLP({nin}, {nouts}, act={act!r})")
    if artifact["act"] not in ACTIVATIONS:
        raise ValueError(f"unknown activation {artifact['act']!r}")
    params = np.asarray(artifact["params"], dtype=np.float64)
    layers, i = [], 0
    for n_in, n_out in zip([nin, *sizes[:-1]], sizes, strict=True):
        if params.shape != (params.size,) or i + (n_in + 1) * n_out > params.size:
            raise ValueError("fewer parameters than the layer sizes need")
        block = params[i : i + (n_in + 1) * n_out].reshape(n_out, n_in + 1)
        layers.append((block[:, :n_in].T, block[:, n_in]))
        i += (n_in + 1) * n_out
    if i != params.size:
        raise ValueError(f"expected {i} parameters, got {params.size}")
    return layers, ACTIVATIONS[artifact["act"]]


def _forward(layers, act, X):
    h = np.asarray(X, dtype=np.float64)
    for k, (W, b) in enumerate(layers):
        h = h @ W + b
        if k < len(layers) - 1:
            h = act(h)
    return h[:, 0]


def moons_model(artifact):
    """Accuracy on the training moons and on fresh moons, and the hinge loss, recomputed."""
    hidden = pick(16, 8)
    layers, act = _network(artifact, 2, [hidden, hidden, 1], "relu")
    X, y = make_moons(n=pick(100, 50), noise=0.1, seed=1337)
    scores, labels = _forward(layers, act, X), np.asarray(y, dtype=np.float64)
    params = np.asarray(artifact["params"], dtype=np.float64)
    loss = np.maximum(0.0, 1.0 - labels * scores).mean() + 1e-4 * (params**2).sum()
    X_new, y_new = make_moons(n=200, noise=0.1, seed=2024)
    fresh = ((_forward(layers, act, X_new) > 0) == (np.asarray(y_new) > 0)).mean()
    observe(
        "moons training accuracy (recomputed)",
        ((scores > 0) == (labels > 0)).mean(),
        cmp="at_least",
        atol=pick(0.03, 0.1),
    )
    observe("moons accuracy on fresh points (recomputed)", fresh, cmp="at_least", atol=0.1)
    observe(
        "moons final loss (recomputed)",
        loss,
        cmp="at_most",
        rtol=pick(1.0, 0.5),
        atol=pick(0.02, 0.05),
    )


def square_model(artifact):
    """Whether the test error against x ** 2, on 41 points between the training points, is below
    the exercise's fixed threshold: any network and training that reach it are right, so the
    reference run's own error is not the bar."""
    layers, act = _network(artifact, 1)
    grid = np.linspace(-1, 1, 41)
    mse = ((_forward(layers, act, grid[:, None]) - grid**2) ** 2).mean()
    observe(
        "x ** 2 fit: test MSE below the threshold (recomputed)",
        bool(mse < _square_threshold()),
        cmp="equal",
    )
