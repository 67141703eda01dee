"""Full-mode results: run every practical in full mode and print its headline numbers.

    make results                              # every notebook, a few minutes each on 2 cores
    .venv/bin/python bench/results.py 01_micrograd/micrograd
    make bench-fast                           # fast mode: each notebook's time (budget 60 s)

The headline numbers, their targets and public references are listed per notebook in the
course manifest (course.toml). They are the notebooks' own observations (the values the grader
compares), so the table in the README comes from the same code that students run. Writes
bench/out/results-full.json (or results-fast.json).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from practicals import artifacts, manifest, notebook
from practicals.evaluate import evaluator, evaluator_source
from practicals.judge import observations
from practicals.kernel import plain_outputs
from practicals.sandbox import Limits, sandboxed_kernel

REPO = Path(__file__).resolve().parent.parent


def run(path: Path, fast: bool = False) -> tuple[dict, float]:
    """All observations of one run (full mode unless ``fast``), by name, and its wall time:
    the kernel's own, and the trusted evaluation of what its test cells handed in."""
    nb = notebook.read(path)
    found: dict = {}
    handed: dict = {}
    data = os.environ.get("PRACTICALS_DATA")
    data = Path(data) if data else None
    limits = Limits(cell_timeout=3600, notebook_timeout=7200, cpu_seconds=7200)
    start = time.monotonic()
    with sandboxed_kernel(limits, data, fast=fast, threads=2) as kernel:
        for cell in nb.cells:
            if cell.cell_type == "code":
                outputs = plain_outputs(kernel.run(cell.source).outputs) or []
                found.update({k: v[-1]["value"] for k, v in observations(outputs).items()})
                if notebook.is_test(cell):
                    handed.update(artifacts.collect(outputs, limits.artifact_bytes).artifacts)
    code = evaluator_source(REPO, path.parent.name, path.stem)
    with evaluator(code, lambda: sandboxed_kernel(limits, data, fast=fast)) as ev:
        evaluated = ev.run(handed)
    found.update({k: v[-1]["value"] for k, v in observations(evaluated).items()})
    return found, time.monotonic() - start


def main(keys: list[str]) -> int:
    fast = "--fast" in keys
    keys = [k for k in keys if k != "--fast"]
    mode = "fast" if fast else "full"
    rows, out = [], {}
    entries = [n for a in manifest.load(REPO).assignments.values() for n in a.notebooks.values()]
    for entry in entries:
        if not entry.headlines or (keys and entry.key not in keys):
            continue
        values, seconds = run(REPO / "source" / entry.assignment / f"{entry.name}.ipynb", fast)
        print(f"{entry.key}: {seconds:.0f} s in {mode} mode", flush=True)
        out[entry.key] = {"seconds": round(seconds), "values": {}}
        for h in entry.headlines:
            value = values.get(h.observation)
            out[entry.key]["values"][h.observation] = value
            shown = "missing" if value is None else format(value, ".4g")
            shown = str(value).lower() if isinstance(value, bool) else shown
            rows.append(f"| {entry.name} | {h.label} | {shown} | {h.target} | {h.reference} |")
    print("\n| practical | quantity | measured | target | public reference |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    (REPO / "bench" / "out").mkdir(exist_ok=True)
    (REPO / "bench" / "out" / f"results-{mode}.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
