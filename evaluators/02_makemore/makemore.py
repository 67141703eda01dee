"""Trusted evaluation of makemore's trained models (see src/practicals/evaluate.py).

A loss computed in the student's kernel, and observed there one-sidedly ("at most the
reference's"), proves nothing: the kernel can rebind ``observe`` or the loss itself. So the test
cells of the three trained models hand in their parameters, and this module recomputes each loss
here, with the reference's forward pass and the notebook's own data pipeline (names.txt, the
vocabulary '.' + sorted letters, ``random.Random(42)`` 80/10/10 split, contexts of 3 tokens).
The data pipeline does not depend on ``PRACTICALS_FAST``; only the training length does, and the
judge compares with the same evaluation of the solution's artifact, trained in the same mode.

Each function receives a dict of torch tensors (safetensors) and raises ValueError when it does
not describe the expected model. Nothing is kept between calls: each one reads names.txt and
rebuilds the split it needs (a few tenths of a second).
"""

import random

import torch
import torch.nn.functional as F

from practicals.artifacts import tensors
from practicals.checks import observe
from practicals.data import load_names

torch.set_num_threads(1)  # small matrices: one thread is fastest, and deterministic

BLOCK_SIZE = 3
SPLIT_SEED = 42
BN_EPS = 1e-5


def _vocab():
    """The words, and a lookup table from character code to token index as the notebook's
    build_vocab numbers them: '.' is 0, the sorted characters of the names 1, 2, ..."""
    words = load_names()
    chars = sorted(set("".join(words)))
    if "." in chars or not all(ch.isascii() for ch in chars):
        raise ValueError("names.txt is not the makemore data set")
    lut = torch.zeros(128, dtype=torch.int64)
    lut[[ord(ch) for ch in chars]] = torch.arange(1, len(chars) + 1)
    return words, lut, len(chars) + 1


def _tokens(text, lut):
    return lut[torch.frombuffer(bytearray(text, "ascii"), dtype=torch.uint8).long()]


def _bigrams(words, lut):
    """(xs, ys): current and next token of every bigram of every name, wrapped in '.'.

    In '.emma.ava.' the pairs of consecutive tokens are exactly those of '.emma.' and '.ava.'.
    """
    seq = _tokens("." + ".".join(words) + ".", lut)
    return seq[:-1], seq[1:]


def _contexts(words, lut):
    """(X, Y) as the notebook's build_dataset(words) makes them, in the same order."""
    seq = _tokens("".join("." * BLOCK_SIZE + w + "." for w in words), lut)
    lengths = torch.tensor([len(w) + 1 + BLOCK_SIZE for w in words])
    starts = torch.repeat_interleave(torch.cumsum(lengths, 0) - lengths, lengths)
    local = torch.arange(len(seq)) - starts  # position of each token within its word
    windows = seq.unfold(0, BLOCK_SIZE + 1, 1)  # window k predicts token k + BLOCK_SIZE
    keep = local[BLOCK_SIZE:] >= BLOCK_SIZE  # drop windows whose target is a padding '.'
    return windows[keep, :BLOCK_SIZE].contiguous(), windows[keep, BLOCK_SIZE].contiguous()


def _held_out(words, lut):
    """{"dev": (X, Y), "test": (X, Y)}: the notebook's split_words, then build_dataset.

    The training split is left out: the dev and test splits are the held-out data, a tenth of
    the size each (fast to evaluate), and a model fitted to the wrong split does worse on one.
    """
    shuffled = list(words)
    random.Random(SPLIT_SEED).shuffle(shuffled)
    n1, n2 = int(0.8 * len(shuffled)), int(0.9 * len(shuffled))
    return {"dev": _contexts(shuffled[n1:n2], lut), "test": _contexts(shuffled[n2:], lut)}


def _shape(tensors, name, shape):
    if tuple(tensors[name].shape) != shape:
        raise ValueError(f"{name!r} should have shape {shape}, got {tuple(tensors[name].shape)}")


def _mlp_sizes(t, vocab_size):
    """(n_embd, n_hidden) of an MLP over contexts of BLOCK_SIZE tokens, checked."""
    if t["C"].dim() != 2 or t["W1"].dim() != 2:
        raise ValueError("'C' and 'W1' should be matrices")
    n_embd, n_hidden = t["C"].shape[1], t["W1"].shape[1]
    if not (1 <= n_embd <= 64 and 1 <= n_hidden <= 1024):
        raise ValueError(
            f"expected 1 <= n_embd <= 64 and 1 <= n_hidden <= 1024, got {n_embd} and {n_hidden}"
        )
    _shape(t, "C", (vocab_size, n_embd))
    _shape(t, "W1", (BLOCK_SIZE * n_embd, n_hidden))
    _shape(t, "W2", (n_hidden, vocab_size))
    _shape(t, "b2", (vocab_size,))
    return n_embd, n_hidden


@torch.no_grad()
def bigram_net(artifact):
    """The one-layer bigram network W: its NLL on every bigram of the names, and how far its
    softmax is from the smoothed count model's probabilities."""
    words, lut, V = _vocab()
    W = tensors(artifact, ["W"], torch.float32)["W"]
    _shape({"W": W}, "W", (V, V))
    xs, ys = _bigrams(words, lut)
    nll = -F.log_softmax(W, dim=1)[xs, ys].mean().item()
    counts = torch.bincount(xs * V + ys, minlength=V * V).view(V, V).float() + 1
    P = counts / counts.sum(1, keepdim=True)
    diff = (torch.softmax(W, dim=1) - P).abs().max().item()
    observe("bigram net: NLL on the names (recomputed)", nll, cmp="at_most", rtol=0.01)
    observe(
        "bigram net: largest difference from the count model (recomputed)",
        diff,
        cmp="at_most",
        rtol=0.0,
        atol=0.05,
    )


@torch.no_grad()
def mlp_model(artifact):
    """The MLP of Bengio et al.: its loss on the dev and the test splits."""
    words, lut, vocab_size = _vocab()
    t = tensors(artifact, ["C", "W1", "b1", "W2", "b2"], torch.float32)
    _, n_hidden = _mlp_sizes(t, vocab_size)
    _shape(t, "b1", (n_hidden,))

    def loss(X, Y):
        h = torch.tanh(t["C"][X].view(X.shape[0], -1) @ t["W1"] + t["b1"])
        return F.cross_entropy(h @ t["W2"] + t["b2"], Y).item()

    splits = _held_out(words, lut)
    observe("MLP dev loss (recomputed)", loss(*splits["dev"]), cmp="at_most", rtol=0.02)
    observe("MLP test loss (recomputed)", loss(*splits["test"]), cmp="at_most", rtol=0.02)


@torch.no_grad()
def bn_mlp_model(artifact):
    """The MLP with batch normalisation, in evaluation mode (normalised with the running
    statistics handed in): its loss on the dev and the test splits."""
    words, lut, vocab_size = _vocab()
    names = ["C", "W1", "W2", "b2", "bn_gain", "bn_bias", "running_mean", "running_var"]
    t = tensors(artifact, names, torch.float32)
    _, n_hidden = _mlp_sizes(t, vocab_size)
    for name in ("bn_gain", "bn_bias", "running_mean", "running_var"):
        _shape(t, name, (n_hidden,))
    if (t["running_var"] < 0).any():
        raise ValueError("'running_var' holds negative variances")

    def loss(X, Y):
        z = t["C"][X].view(X.shape[0], -1) @ t["W1"]
        z_hat = (z - t["running_mean"]) / torch.sqrt(t["running_var"] + BN_EPS)
        h = torch.tanh(t["bn_gain"] * z_hat + t["bn_bias"])
        return F.cross_entropy(h @ t["W2"] + t["b2"], Y).item()

    splits = _held_out(words, lut)
    observe("batch-norm MLP dev loss (recomputed)", loss(*splits["dev"]), cmp="at_most", rtol=0.02)
    observe(
        "batch-norm MLP test loss (recomputed)", loss(*splits["test"]), cmp="at_most", rtol=0.02
    )
