"""Trusted evaluation of the deep networks notebook's trained MLPs (see src/practicals/evaluate.py).

An error rate computed in the student's kernel proves nothing: anything there, the data, the
metric or ``observe`` itself, can be replaced. So the experiment of part 1 hands in its twelve
trained MLPs, and ``mlp_models`` below rebuilds the two architectures, loads the tensors into
them and recomputes the error rates on the notebook's data sets, which it regenerates with the
notebook's own recipe. The judge compares the results with the same evaluation of the solution's
models.

- ``mlp_models``: a shallow (2-128-2) and a deep (2-4-8-16-32-64-128-2) ReLU MLP, each trained
  from six initialisations (``default`` and ``std1e-3`` ... ``std1e1``), as the tensors
  ``{arch}_{init}.{i}.weight`` and ``{arch}_{init}.{i}.bias`` of their ``nn.Sequential``
  state_dicts (linear layers at the even positions ``i``, weights ``(out, in)``). Reports four
  test errors: the shallow and the deep MLP from the default initialisation (``at_most``: they
  must have learnt the disc, as well as the solution's), and the deep MLP from N(0, 1e-3^2) and
  N(0, 10^2) (``at_least``: no init of that scale trains a deep network; these only add).

The data: 1000 training and 1000 test points uniform in [-1, 1]^2, from ``torch.rand(n, 2)``
with generators seeded 1 and 2, labelled 1 inside the disc of area 2 centred at 0, normalised
with the training set's mean and standard deviation per coordinate. Neither the data nor the
models depend on ``PRACTICALS_FAST``: only the training length does, and the judge compares with
the solution trained in the same mode. The tolerances allow for a different but correct order of
random draws (fast mode: the deep MLP has not learnt yet, the solution's error is about 50%).
Everything is computed in float32 on the CPU, as the notebook does, without autograd;
unexpected tensors raise ValueError with a message for the student.
"""

import math
from functools import cache

import torch

from practicals.artifacts import tensors
from practicals.checks import observe

torch.set_num_threads(1)  # tiny matrices: one thread is fast enough, and deterministic

RADIUS = math.sqrt(2 / math.pi)  # the disc of area 2
SIZES = {"shallow": (2, 128, 2), "deep": (2, 4, 8, 16, 32, 64, 128, 2)}
INITS = ("default", "std1e-3", "std1e-2", "std1e-1", "std1e0", "std1e1")


def _shapes(sizes):
    """The state_dict of an nn.Sequential of Linear layers of these sizes, ReLUs in between."""
    shapes = {}
    for i in range(len(sizes) - 1):
        shapes[f"{2 * i}.weight"] = (sizes[i + 1], sizes[i])
        shapes[f"{2 * i}.bias"] = (sizes[i + 1],)
    return shapes


def _disc_set(n, seed):
    x = torch.rand(n, 2, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    return x, (x.pow(2).sum(1) < RADIUS**2).long()


@cache
def _data():
    """The notebook's training and test sets, normalised with the training statistics."""
    x_train, y_train = _disc_set(1000, 1)
    x_test, y_test = _disc_set(1000, 2)
    mean, std = x_train.mean(0), x_train.std(0)
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def _error(p, prefix, n_layers, x, y):
    """The error rate of the MLP whose tensors are p[prefix + key], computed layer by layer."""
    h = x
    for i in range(n_layers):
        h = h @ p[f"{prefix}{2 * i}.weight"].T + p[f"{prefix}{2 * i}.bias"]
        if i < n_layers - 1:
            h = torch.relu(h)
    return (h.argmax(1) != y).float().mean().item()


@torch.no_grad()
def mlp_models(artifact):
    """Test errors of four of the twelve trained MLPs of part 1, recomputed."""
    expected = {
        f"{arch}_{init}.{key}": shape
        for arch, sizes in SIZES.items()
        for init in INITS
        for key, shape in _shapes(sizes).items()
    }
    p = tensors(artifact, list(expected), torch.float32)
    for key, shape in expected.items():
        if tuple(p[key].shape) != shape:
            raise ValueError(f"{key!r} has shape {tuple(p[key].shape)}, expected {shape}")
    _, _, x_test, y_test = _data()
    errors = {}
    for arch, sizes in SIZES.items():
        for init in INITS:
            errors[arch, init] = _error(p, f"{arch}_{init}.", len(sizes) - 1, x_test, y_test)
    observe("shallow MLP, default init: test error (recomputed)", errors["shallow", "default"],
            cmp="at_most", rtol=0.0, atol=0.05)  # fmt: skip
    observe("deep MLP, default init: test error (recomputed)", errors["deep", "default"],
            cmp="at_most", rtol=0.0, atol=0.1)  # fmt: skip
    observe("deep MLP, std 1e-3: test error (recomputed)", errors["deep", "std1e-3"],
            cmp="at_least", rtol=0.0, atol=0.1)  # fmt: skip
    observe("deep MLP, std 10: test error (recomputed)", errors["deep", "std1e1"],
            cmp="at_least", rtol=0.0, atol=0.1)  # fmt: skip
