"""Full-mode results: run every practical in full mode and print its headline numbers.

    make results                  # every notebook, a few minutes each on 2 cores
    .venv/bin/python bench/results.py micrograd

The numbers are the notebooks' own observations (the values the grader compares), so the table
in the README comes from the same code that students run. Writes bench/out/results.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from practicals import notebook
from practicals.judge import observations
from practicals.sandbox import Limits, sandboxed_kernel

REPO = Path(__file__).resolve().parent.parent

# notebook -> (observation, what it is, target, public reference)
HEADLINES = {
    "micrograd": [
        ("moons_train_accuracy", "moons, training accuracy", "100%", "100% (micrograd demo)"),
        ("moons_final_loss", "moons, final loss", "about 0.011", "0.011 (micrograd demo)"),
        ("square_fit_test_mse", "(*) fit of x^2, test MSE", "< 0.01", "-"),
    ],
    "makemore": [
        ("bigram_train_nll", "bigram, training NLL", "2.45 +- 0.01", "2.454"),
        ("mlp_dev_loss", "MLP, dev loss", "<= 2.15", "2.17 (lecture), 2.155 (re-run)"),
        ("trigram_dev_nll", "(*) trigram, dev NLL", "<= 2.24", "2.237"),
        ("bn_mlp_dev_loss", "(*) batchnorm MLP, dev loss", "<= 2.12", "2.105"),
    ],
    "backprop_ninja": [
        ("names_train_loss", "manual-backprop MLP, train loss", "<= 2.08", "2.0705 (lecture)"),
        ("names_val_loss", "manual-backprop MLP, val loss", "<= 2.12", "2.1099 (lecture)"),
        ("mnist_test_error", "(*) MNIST MLP by hand, test error", "<= 15%", "about 14%"),
    ],
}


def run(path: Path) -> tuple[dict, float]:
    """All observations of one full-mode run, by name, and its wall time."""
    nb = notebook.read(path)
    found: dict = {}
    data = os.environ.get("PRACTICALS_DATA")
    limits = Limits(cell_timeout=3600, notebook_timeout=7200, cpu_seconds=7200)
    start = time.monotonic()
    with sandboxed_kernel(limits, Path(data) if data else None, fast=False, threads=2) as kernel:
        for cell in nb.cells:
            if cell.cell_type == "code":
                outputs = kernel.run(cell.source).outputs or []
                found.update({k: v[-1]["value"] for k, v in observations(outputs).items()})
    return found, time.monotonic() - start


def main(names: list[str]) -> int:
    rows, out = [], {}
    for path in sorted((REPO / "source").glob("*/*.ipynb")):
        if path.stem not in HEADLINES or (names and path.stem not in names):
            continue
        values, seconds = run(path)
        print(f"{path.stem}: {seconds:.0f} s in full mode", flush=True)
        out[path.stem] = {"seconds": round(seconds), "values": {}}
        for name, label, target, public in HEADLINES[path.stem]:
            value = values.get(name)
            out[path.stem]["values"][name] = value
            shown = "missing" if value is None else f"{value:.4g}"
            rows.append(f"| {path.stem} | {label} | {shown} | {target} | {public} |")
    print("\n| practical | quantity | measured | target | public reference |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    (REPO / "bench" / "out").mkdir(exist_ok=True)
    (REPO / "bench" / "out" / "results.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
