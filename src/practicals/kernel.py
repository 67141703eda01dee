"""One Jupyter kernel that runs cells one at a time, and survives what the cells do to it.

nbclient does the messaging; this adds what grading untrusted code needs on top of it: a cap on
each cell's output (a flood is cut, not buffered in the parent), per-cell and per-notebook
timeouts that interrupt and carry on, and a clear record when the kernel dies. The kernel
manager is injected, so the same runner serves the sandbox (``sandbox/``) and the test harness.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellExecutionError, DeadKernelError
from traitlets import Int

from .artifacts import MIME as ARTIFACT_MIME

TRUNCATED = "\n[output truncated by the grader: this cell printed more than {limit} bytes]\n"


class CappedClient(NotebookClient):
    """An nbclient that keeps at most ``output_limit`` bytes of output per cell.

    What a test cell hands in (``checks.hand_in``) has a budget of its own, ``artifact_limit``;
    an artifact over it is replaced by a marker that the grader reports as too large.
    """

    output_limit = Int(1_000_000).tag(config=True)
    artifact_limit = Int(32_000_000).tag(config=True)

    def _reset_budget(self) -> None:
        self._used = 0
        self._cut = False
        self._handed = 0

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        data = msg.get("content", {}).get("data")
        payload = data.get(ARTIFACT_MIME) if isinstance(data, dict) else None
        if payload is not None:
            self._handed = getattr(self, "_handed", 0) + size
            if self._handed > self.artifact_limit:
                name = payload.get("name") if isinstance(payload, dict) else None
                marker = {"name": str(name)[:64], "format": "too-large"}
                outs.append(nbformat.v4.new_output("display_data", data={ARTIFACT_MIME: marker}))
                return None
            return super().output(outs, msg, display_id, cell_index)
        self._used = getattr(self, "_used", 0) + size
        if self._used > self.output_limit:
            if not getattr(self, "_cut", False):
                self._cut = True
                note = TRUNCATED.format(limit=self.output_limit)
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=note))
            return None
        return super().output(outs, msg, display_id, cell_index)


@dataclass
class CellRun:
    outputs: list | None  # None: the cell never ran
    seconds: float = 0.0
    timed_out: bool = False


@dataclass
class Kernel:
    """A started kernel. Use as a context manager; ``run`` executes one cell's source."""

    km: AsyncKernelManager
    cwd: str
    cell_timeout: float = 120.0
    notebook_timeout: float = 900.0
    output_limit: int = 1_000_000
    artifact_limit: int = 32_000_000
    startup_timeout: float = 120.0
    env: dict[str, str] | None = None  # the kernel's whole environment (None: inherit ours)
    dead: str | None = None  # why the kernel is gone, once it is
    _client: CappedClient | None = field(default=None, repr=False)

    def __enter__(self) -> Kernel:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell()])  # run() reuses slot 0
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        self._client = CappedClient(
            nb,
            km=self.km,
            timeout=int(self.cell_timeout),
            startup_timeout=int(self.startup_timeout),
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": f"the cell ran longer than {self.cell_timeout:.0f} s and was interrupted",
                "traceback": [],
            },
            record_timing=False,
            output_limit=self.output_limit,
            artifact_limit=self.artifact_limit,
            resources={"metadata": {"path": self.cwd}},
        )
        launch = {
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
        }  # outputs come over zmq
        if self.env is not None:
            launch["env"] = self.env
        self._context = self._client.setup_kernel(**launch)
        self._context.__enter__()
        self._deadline = time.monotonic() + self.notebook_timeout
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._context.__exit__(None, None, None)
        except Exception:  # a dead or hung kernel cannot be shut down politely: kill it
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)

    def run(self, source: str) -> CellRun:
        """Execute one cell; never raises for what the cell does."""
        if self.dead:
            return CellRun(None)
        left = self._deadline - time.monotonic()
        if left <= 0:
            self.dead = f"the notebook ran longer than {self.notebook_timeout:.0f} s in all"
            return CellRun(None)
        client = self._client
        client.timeout = int(max(1, min(self.cell_timeout, left)))
        client._reset_budget()
        cell = nbformat.v4.new_code_cell(source)
        start = time.monotonic()
        try:
            client.execute_cell(cell, 0)
        except DeadKernelError:
            self.dead = "the kernel died (crash, os._exit, or a memory or process limit)"
            return CellRun(cell.outputs, time.monotonic() - start)
        except (CellExecutionError, CellControlSignal) as err:
            cell.outputs.append(
                nbformat.v4.new_output(
                    "error", ename=type(err).__name__, evalue=str(err)[:500], traceback=[]
                )
            )
        except Exception as err:  # zmq or protocol trouble: treat the kernel as lost
            self.dead = f"the kernel stopped answering ({type(err).__name__}: {err})"
            return CellRun(cell.outputs, time.monotonic() - start)
        timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.outputs)
        return CellRun(cell.outputs, time.monotonic() - start, timed_out)


def plain_outputs(outputs: list | None) -> list | None:
    """Outputs as plain JSON-able dicts (NotebookNode is a dict; this drops the subclass)."""
    return None if outputs is None else json.loads(json.dumps(outputs))
