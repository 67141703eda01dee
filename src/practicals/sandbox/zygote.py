"""The worker's side of the fork server: start it, ask it for kernels, remove it when done.

A ``Zygote`` is the fork server (``forkserver.py``) of one grading process, started once under
bubblewrap as root; its folder in ``/var/tmp`` is the only host folder its kernels can see.
It is closed, and its folder removed, by ``close`` or, failing that, when its process exits;
a folder left by a process that was killed is removed by the next process to hold its uid.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path

from .bwrap import CACHE, DATA, HOME, bwrap_args, isolation_problem, visible_paths
from .kernels import kernel_env
from .limits import Limits
from .protocol import Ready, Spawned, SpawnRequest, receive, send
from .uids import claim_uid

FOLDERS = Path("/var/tmp")  # not under /tmp: each forked kernel mounts a private /tmp over it

_open: set[Path] = set()  # the folders of this process's fork servers that are still open


class Zygote:
    """A worker's fork server, with torch imported once, that forks an isolated kernel a call."""

    def __init__(self, limits: Limits, data: Path | None, threads: int = 1):
        self.uid = claim_uid(limits.base_uid)
        prefix = f"practicals-zygote-{self.uid}-"
        for stale in FOLDERS.glob(f"{prefix}*"):  # the uid is ours: nobody else uses these
            if stale not in _open:
                shutil.rmtree(stale, ignore_errors=True)
        self.ipc = Path(tempfile.mkdtemp(prefix=prefix, dir=FOLDERS))
        self.ipc.chmod(0o755)
        _open.add(self.ipc)
        self.under_tmp = [str(p) for p in visible_paths() if p.is_relative_to("/tmp")]
        env = kernel_env(HOME, str(DATA) if data else None, True, threads, str(CACHE))
        # In the host's pid namespace, so that the pids it reports are the ones we see; each
        # kernel it forks gets a pid namespace of its own.
        self.process = subprocess.Popen(
            [*bwrap_args(self.ipc, data, limits.scratch_mb, env, pid_ns=False),
             sys.executable, "-m", f"{__package__}.forkserver"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self._finalizer = weakref.finalize(self, _close, self.process, self.ipc)
        try:
            receive(self.process.stdout, Ready)
        except Exception:
            self.close()
            raise

    def spawn(self, connection_file: str, env: dict[str, str], limits: Limits) -> int:
        """Fork one kernel under ``limits``, as this process's uid; returns its pid."""
        send(self.process.stdin, SpawnRequest(
            connection_file, self.uid, env, limits.rlimits(), limits.scratch_mb, self.under_tmp,
        ))  # fmt: skip
        return receive(self.process.stdout, Spawned).pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self._finalizer()


def _close(process: subprocess.Popen, ipc: Path) -> None:
    """Stop a fork server and remove its folder: at ``close``, or at its process's exit."""
    process.kill()
    process.wait()
    shutil.rmtree(ipc, ignore_errors=True)
    _open.discard(ipc)


_worker: tuple[Limits, Path | None, Zygote] | None = None


def worker_zygote(limits: Limits, data: Path | None) -> Zygote | None:
    """This process's fork server, started on first use and again if it died or ``limits`` or
    ``data`` changed; None where kernels cannot be isolated."""
    global _worker
    if isolation_problem() is not None:
        return None
    if _worker is None or _worker[:2] != (limits, data) or not _worker[2].alive():
        if _worker is not None:
            _worker[2].close()
        _worker = (limits, data, Zygote(limits, data))
    return _worker[2]
