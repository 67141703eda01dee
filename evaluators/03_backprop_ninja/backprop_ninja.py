"""Trusted evaluation of backprop ninja's trained networks (see src/practicals/evaluate.py).

A loss or an error rate computed in the student's kernel proves nothing: anything there, the
data, ``observe`` or the metric itself, can be replaced. So the training cells hand in their
trained parameters, and the functions below rebuild the notebook's forward pass in torch, load
the tensors into it and recompute the metric on the notebook's held-out data, which they
rebuild with the notebook's own pipeline. The judge compares the results with the same
evaluation of the solution's parameters.

- ``names_model``: the character-level MLP of exercise 4 (embedding, linear, batchnorm with the
  calibrated statistics ``bnmean``/``bnvar``, tanh, linear), as the tensors ``C, W1, b1, W2, b2,
  bngain, bnbias, bnmean, bnvar``. Reports the cross-entropy on the validation and test names.
  (Training normalised with the biased batch variance, as ``nn.BatchNorm1d`` does; ``bnvar`` is
  the unbiased variance over the training set, as PyTorch's running variance. Evaluation uses
  only the statistics handed in.)
- ``mnist_model``: the two-layer tanh MLP of exercise 6 (*), as ``w1, b1, w2, b2`` (weights
  ``(out, in)`` like ``nn.Linear``). Reports the test and training error rates and the training
  loss (the summed squared error to the +-0.9 targets).

Neither the data (names.txt split 80/10/10 by ``random.Random(42)``, contexts of 3; MNIST's
1000 training and 1000 test images) nor the model sizes depend on ``PRACTICALS_FAST``: only the
training length does, and the judge compares with the solution trained in the same mode, so no
``pick`` is needed here. The tolerances are those of the one-sided checks that the test cells
made in the kernel before. Everything is computed in float64 on the CPU, without autograd;
unexpected tensors raise ValueError with a message for the student.
"""

import random
from functools import cache

import torch
import torch.nn.functional as F

from practicals.artifacts import tensors
from practicals.checks import observe
from practicals.data import load_mnist, load_names

torch.set_num_threads(1)  # small matrices: one thread is fast enough, and deterministic

BLOCK_SIZE = 3  # characters of context, as in the notebook
VOCAB_SIZE = 27  # the 26 letters and "."
BN_EPS = 1e-5
N_PIXELS = 28 * 28
N_CLASSES = 10
ZETA = 0.9  # MNIST targets: +0.9 for the right class, -0.9 for the others
MAX_WIDTH = 4096  # no layer of this practical comes close

NAMES_KEYS = ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias", "bnmean", "bnvar")
MNIST_KEYS = ("w1", "b1", "w2", "b2")


def _expect_shape(tensors, key, shape):
    if tuple(tensors[key].shape) != shape:
        raise ValueError(f"{key!r} has shape {tuple(tensors[key].shape)}, expected {shape}")


def _width(tensors, key, dim, what):
    size = tensors[key].shape[dim] if tensors[key].dim() > dim else 0
    if not 1 <= size <= MAX_WIDTH:
        raise ValueError(f"{key!r} has shape {tuple(tensors[key].shape)}: {what} out of range")
    return size


# --- exercise 4: the names MLP ---------------------------------------------------------------


@cache
def _names_splits():
    """The validation and test examples, built as the notebook builds them.

    Returns the distinct contexts of both splits, and for each split the index of each example's
    context among them and its next character: the network's output for an example depends only
    on its context, so one forward pass over the ~3,800 distinct contexts serves ~45,000 examples.
    """
    words = load_names()
    chars = sorted(set("".join(words)))
    stoi = {ch: i + 1 for i, ch in enumerate(chars)}
    stoi["."] = 0
    if len(stoi) != VOCAB_SIZE:
        raise ValueError(f"names.txt has a vocabulary of {len(stoi)}, expected {VOCAB_SIZE}")

    def build(names):
        X, Y = [], []
        for w in names:
            context = [0] * BLOCK_SIZE
            for ch in w + ".":
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
        return torch.tensor(X), torch.tensor(Y)

    shuffled = list(words)
    random.Random(42).shuffle(shuffled)
    n1, n2 = int(0.8 * len(shuffled)), int(0.9 * len(shuffled))
    (Xva, Yva), (Xte, Yte) = build(shuffled[n1:n2]), build(shuffled[n2:])
    contexts, inverse = torch.unique(torch.cat([Xva, Xte]), dim=0, return_inverse=True)
    return contexts, (inverse[: len(Xva)], Yva), (inverse[len(Xva) :], Yte)


def _names_logits(p, X):
    """The notebook's logits_eval: batchnorm with the calibrated mean and variance."""
    hprebn = p["C"][X].view(X.shape[0], -1) @ p["W1"] + p["b1"]
    bnraw = (hprebn - p["bnmean"]) * (p["bnvar"] + BN_EPS) ** -0.5
    h = torch.tanh(p["bngain"] * bnraw + p["bnbias"])
    return h @ p["W2"] + p["b2"]


@torch.no_grad()
def names_model(artifact):
    """Cross-entropy of the trained names MLP on the validation and test names."""
    p = tensors(artifact, NAMES_KEYS, torch.float64)
    n_embd = _width(p, "C", 1, "the embedding size")
    n_hidden = _width(p, "b1", 0, "the hidden width")
    _expect_shape(p, "C", (VOCAB_SIZE, n_embd))
    _expect_shape(p, "W1", (BLOCK_SIZE * n_embd, n_hidden))
    _expect_shape(p, "b1", (n_hidden,))
    _expect_shape(p, "W2", (n_hidden, VOCAB_SIZE))
    _expect_shape(p, "b2", (VOCAB_SIZE,))
    for key in ("bngain", "bnbias", "bnmean", "bnvar"):
        _expect_shape(p, key, (1, n_hidden))
    if (p["bnvar"] < 0).any():
        raise ValueError("'bnvar' holds negative variances")
    contexts, (iva, Yva), (ite, Yte) = _names_splits()
    logits = _names_logits(p, contexts)
    val_loss = F.cross_entropy(logits[iva], Yva).item()
    test_loss = F.cross_entropy(logits[ite], Yte).item()
    observe("names validation loss (recomputed)", val_loss, cmp="at_most", rtol=0.01, atol=0.0)
    observe("names test loss (recomputed)", test_loss, cmp="at_most", rtol=0.01, atol=0.0)


# --- exercise 6 (*): the MNIST MLP -----------------------------------------------------------


@cache
def _mnist():
    """Flattened images normalised with the training set's mean and std, labels, targets."""
    x_train_u8, y_train, x_test_u8, y_test = load_mnist(n_train=1000, n_test=1000)
    x_train = x_train_u8.reshape(len(x_train_u8), -1).float()
    x_test = x_test_u8.reshape(len(x_test_u8), -1).float()
    mu, std = x_train.mean(), x_train.std()  # the training set's statistics, as in the notebook
    x_train, x_test = ((x_train - mu) / std).double(), ((x_test - mu) / std).double()
    t_train = ZETA * (2 * F.one_hot(y_train, N_CLASSES).double() - 1)
    return x_train, y_train, t_train, x_test, y_test


def _mnist_output(p, x):
    x1 = torch.tanh(x @ p["w1"].T + p["b1"])
    return torch.tanh(x1 @ p["w2"].T + p["b2"])


@torch.no_grad()
def mnist_model(artifact):
    """Test and training error rates, and the training loss, of the trained MNIST MLP."""
    p = tensors(artifact, MNIST_KEYS, torch.float64)
    n_hidden = _width(p, "b1", 0, "the hidden width")
    _expect_shape(p, "w1", (n_hidden, N_PIXELS))
    _expect_shape(p, "b1", (n_hidden,))
    _expect_shape(p, "w2", (N_CLASSES, n_hidden))
    _expect_shape(p, "b2", (N_CLASSES,))
    x_train, y_train, t_train, x_test, y_test = _mnist()
    out_train, out_test = _mnist_output(p, x_train), _mnist_output(p, x_test)
    test_error = (out_test.argmax(1) != y_test).double().mean().item()
    train_error = (out_train.argmax(1) != y_train).double().mean().item()
    train_loss = ((out_train - t_train) ** 2).sum().item()
    observe("MNIST test error (recomputed)", test_error, cmp="at_most", rtol=0.0, atol=0.01)
    observe("MNIST training error (recomputed)", train_error, cmp="at_most", rtol=0.0, atol=0.01)
    observe("MNIST training loss (recomputed)", train_loss, cmp="at_most", rtol=0.05, atol=0.0)
