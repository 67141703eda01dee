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
import tempfile
import time
from pathlib import Path

from practicals import manifest, notebook
from practicals.evaluate import evaluator_source
from practicals.judge import observations
from practicals.reference import reference
from practicals.sandbox import Limits

REPO = Path(__file__).resolve().parent.parent


def run(path: Path, fast: bool = False) -> tuple[dict, float]:
    """All observations of one run (full mode unless ``fast``), by name, and its wall time:
    the solution's reference run as the grader makes it, test cells and trusted evaluation."""
    data = os.environ.get("PRACTICALS_DATA")
    limits = Limits(cell_timeout=3600, notebook_timeout=7200, cpu_seconds=7200)
    code = evaluator_source(REPO, path.parent.name, path.stem)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:  # a fresh run, never the grader's cache
        ref = reference(notebook.read(path), Path(tmp) / "reference.json", limits,
                        Path(data) if data else None, fast, code, threads=2)  # fmt: skip
    found: dict = {}
    for outputs in [*ref.outputs.values(), *ref.evaluated.values()]:
        found.update({k: v[-1]["value"] for k, v in observations(outputs).items()})
    return found, time.monotonic() - start


def main(keys: list[str]) -> int:
    fast = "--fast" in keys
    keys = [k for k in keys if k != "--fast"]
    mode = "fast" if fast else "full"
    rows, out = [], {}
    entries = [n for a in manifest.load(REPO).assignments.values() for n in a.notebooks.values()]
    for entry in entries:
        if keys and entry.key not in keys:
            continue  # every notebook is timed, with or without headline numbers
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
