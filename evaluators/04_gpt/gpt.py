"""Trusted evaluation of the GPT trained in 04_gpt/gpt (see src/practicals/evaluate.py).

The training test cell hands in ``model.state_dict()`` as ``gpt_model``. A validation loss
computed in the student's kernel proves nothing (the data, ``estimate_loss`` or ``observe``
itself can be replaced there), so ``gpt_model`` below rebuilds the notebook's GPT from its own
copy of the model code, loads the tensors into it and recomputes the loss on the validation
split, rebuilt with the notebook's pipeline (tiny shakespeare, characters sorted into ids, the
last 10% of the text).

- The configuration is read from the tensors' names and shapes: the vocabulary and the width
  from ``token_embedding_table.weight``, the context length from
  ``position_embedding_table.weight``, the number of blocks from the ``blocks.<i>.`` keys and the
  number of heads from the ``blocks.0.sa.heads.<h>.`` keys. The grader has already checked that
  the names, shapes and dtypes are those of the solution's model.
- The causal mask is this module's own: the ``tril`` buffers handed in must be there (they are
  part of the notebook's ``state_dict``) but are ignored, so that a mask edited to let positions
  see the future cannot lower the loss.
- The loss is the mean cross-entropy of next-character prediction over fixed, evenly spaced
  windows of ``block_size`` characters of the validation split (no randomness): about 1,500
  positions in fast mode, 16,000 in full mode.

Deterministic (one thread, float32 on the CPU, no sampling), pure (no state kept between calls
but the cached validation split), and fast: well under a second for the fast-mode model.
"""

import re
from functools import cache

import torch
import torch.nn as nn
import torch.nn.functional as F

from practicals.artifacts import tensors
from practicals.checks import observe
from practicals.data import load_shakespeare
from practicals.env import pick

torch.set_num_threads(1)

VOCAB_SIZE = 65  # the distinct characters of tiny shakespeare
MAX_LAYERS, MAX_HEADS, MAX_WIDTH, MAX_CONTEXT = 32, 32, 2048, 2048
EVAL_TOKENS = pick(16_384, 1_536)  # positions of the validation split the loss averages over


# --- the reference model (the notebook's GPT, with the mask kept out of the state) ------------


class Head(nn.Module):
    def __init__(self, n_embd, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)

    def forward(self, x):
        # the causal mask and the 1/sqrt(head_size) scale of the notebook's Head
        return F.scaled_dot_product_attention(
            self.query(x), self.key(x), self.value(x), is_causal=True
        )


class MultiHeadAttention(nn.Module):
    def __init__(self, n_embd, n_head, head_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(n_embd, head_size) for _ in range(n_head)])
        self.proj = nn.Linear(n_head * head_size, n_embd)

    def forward(self, x):
        return self.proj(torch.cat([h(x) for h in self.heads], dim=-1))


class FeedForward(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd), nn.Identity()
        )

    def forward(self, x):
        return self.net(x)


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.sa = MultiHeadAttention(n_embd, n_head, n_embd // n_head)
        self.ffwd = FeedForward(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        return x + self.ffwd(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, n_embd, n_head, n_layer, block_size):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        positions = torch.arange(idx.shape[1])
        x = self.token_embedding_table(idx) + self.position_embedding_table(positions)
        return self.lm_head(self.ln_f(self.blocks(x)))


# --- the data ----------------------------------------------------------------------------------


@cache
def _val_data():
    """The validation split as the notebook builds it: the last 10% of the encoded text."""
    text = load_shakespeare()
    chars = sorted(set(text))
    if len(chars) != VOCAB_SIZE:
        raise ValueError(f"tiny shakespeare has {len(chars)} characters, expected {VOCAB_SIZE}")
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    return data[int(0.9 * len(data)) :]


# --- the configuration, from the tensors -------------------------------------------------------


def _count(keys, pattern):
    found = {int(m.group(1)) for k in keys if (m := re.match(pattern, k))}
    if not found or found != set(range(len(found))):
        raise ValueError(f"expected tensors numbered 0, 1, ... as {pattern!r}: {sorted(found)}")
    return len(found)


def _configuration(artifact):
    """(vocab_size, n_embd, n_head, n_layer, block_size) from the names and shapes handed in."""
    if not isinstance(artifact, dict):
        raise ValueError("gpt_model should be the model's state_dict, a dict of tensors")
    keys = [str(k) for k in artifact]
    for key in ("token_embedding_table.weight", "position_embedding_table.weight"):
        if key not in artifact or getattr(artifact[key], "dim", lambda: 0)() != 2:
            raise ValueError(f"{key!r} should be a 2-d tensor")
    vocab_size, n_embd = artifact["token_embedding_table.weight"].shape
    block_size, width = artifact["position_embedding_table.weight"].shape
    n_layer = _count(keys, r"^blocks\.(\d+)\.")
    n_head = _count(keys, r"^blocks\.0\.sa\.heads\.(\d+)\.")
    if vocab_size != VOCAB_SIZE or width != n_embd:
        raise ValueError(
            f"the embeddings should be ({VOCAB_SIZE}, n_embd) and (block_size, n_embd), "
            f"got ({vocab_size}, {n_embd}) and ({block_size}, {width})"
        )
    if not (1 <= n_embd <= MAX_WIDTH and 1 <= block_size <= MAX_CONTEXT and n_layer <= MAX_LAYERS
            and n_head <= MAX_HEADS and n_embd % n_head == 0):  # fmt: skip
        raise ValueError(f"unexpected sizes: n_embd {n_embd}, n_head {n_head}, n_layer {n_layer}, "
                         f"block_size {block_size}")  # fmt: skip
    return vocab_size, n_embd, n_head, n_layer, block_size


# --- the evaluation ----------------------------------------------------------------------------


@torch.no_grad()
def gpt_model(artifact):
    """The validation loss of the handed-in GPT, on fixed windows of the validation split."""
    vocab_size, n_embd, n_head, n_layer, block_size = _configuration(artifact)
    model = GPT(vocab_size, n_embd, n_head, n_layer, block_size)
    expected = model.state_dict()
    masks = {f"blocks.{i}.sa.heads.{h}.tril" for i in range(n_layer) for h in range(n_head)}
    p = tensors(artifact, sorted(set(expected) | masks), torch.float32)
    for name, t in expected.items():
        if p[name].shape != t.shape:
            raise ValueError(f"{name!r} is {tuple(p[name].shape)}, expected {tuple(t.shape)}")
    model.load_state_dict({name: p[name] for name in expected})  # the masks stay ours
    model.eval()

    val = _val_data()
    n_windows = max(8, EVAL_TOKENS // block_size)
    starts = torch.linspace(0, len(val) - block_size - 1, n_windows).long()
    offsets = starts[:, None] + torch.arange(block_size)
    total = 0.0
    for chunk in offsets.split(64):
        logits = model(val[chunk]).flatten(0, 1)
        total += F.cross_entropy(logits, val[chunk + 1].flatten(), reduction="sum").item()
    loss = total / offsets.numel()
    # Training draws random batches: a correct notebook that draws them in another order lands
    # within a few hundredths of the solution's loss.
    observe("GPT validation loss (recomputed)", loss, cmp="at_most", rtol=0.03, atol=0.0)
