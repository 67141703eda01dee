"""What a notebook needs from its surroundings: the fast-mode switch, a device and seeds.

Notebooks read these instead of the environment directly, so that the grader and CI can
scale training down through one variable (``PRACTICALS_FAST=1``) without editing a notebook.
"""

from __future__ import annotations

import os
import random

FAST_VAR = "PRACTICALS_FAST"


def fast_mode() -> bool:
    """True under autograding and CI, where every notebook must run in well under a minute."""
    return os.environ.get(FAST_VAR, "0").strip().lower() in {"1", "true", "yes", "on"}


FAST = fast_mode()


def pick(full, fast):
    """The full-mode value, or the fast-mode one under ``PRACTICALS_FAST=1``."""
    return fast if fast_mode() else full


def device() -> str:
    """The best available torch device: cuda, then mps, then cpu."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def seed_everything(seed: int = 0) -> None:
    """Seed python, numpy and torch so that a correct solution gives the same numbers each run."""
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:  # numpy is optional for the pure-python practicals
        pass
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass
