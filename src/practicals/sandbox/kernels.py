"""One kernel per submission: its environment and manager, the launcher it gets, its teardown.

A kernel is launched one of three ways, chosen in ``sandboxed_kernel`` and nowhere else:
forked from the worker's fork server (``zygote.py``) when grading, exec'd under bubblewrap
(``bwrap.py``) otherwise, or, where the machine cannot isolate, run as a plain process under
rlimits alone. Either way it speaks ZeroMQ over ``ipc`` sockets in a throwaway folder, so there
are no ports to race for and no network inside; the folder is taken back once the kernel is
up, which leaves an isolated kernel with no writable host path at all.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Dict, Instance, Int, List

from ..data import cache_dir as data_cache
from ..kernel import Kernel
from .bwrap import CACHE, DATA, HOME, isolated_command, isolation_problem, limit_args
from .limits import Limits
from .uids import claim_uid, kill_uid

if TYPE_CHECKING:
    from .zygote import Zygote


def kernel_env(home: str, data: str | None, fast: bool, threads: int, cache: str) -> dict[str, str]:
    """The whole environment of a grading kernel: nothing of the grader's leaks in. ``cache``
    is its XDG_CACHE_HOME, where the loaders find the data sets the grader decoded for it."""
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "XDG_CACHE_HOME": cache,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "IPYTHONDIR": f"{home}/.ipython",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONWARNINGS": "ignore",
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "PRACTICALS_OBSERVE": "1",
        "PRACTICALS_FAST": "1" if fast else "0",
    }
    if data is not None:
        env["PRACTICALS_DATA"] = data
    return env


@contextmanager
def sandboxed_kernel(
    limits: Limits,
    data: Path | None,
    fast: bool = True,
    threads: int = 1,
    zygote: Zygote | None = None,
) -> Iterator[Kernel]:
    """A kernel for one submission, isolated when the machine allows it, torn down after.

    With a ``zygote`` (isolated grading only), the kernel is forked from it, pre-warmed.
    """
    isolated = zygote is not None or isolation_problem() is None
    # A forked kernel's folder must be inside the one folder its fork server can see.
    job = Path(tempfile.mkdtemp(prefix="practicals-job-", dir=zygote.ipc if zygote else None))
    ipc = job / "ipc"
    ipc.mkdir()
    uid = claim_uid(limits.base_uid) if isolated else -1
    try:
        if isolated:
            env = kernel_env(HOME, str(DATA) if data else None, fast, threads, str(CACHE))
            job.chmod(0o755)
            os.chown(ipc, uid, uid)  # the kernel creates its sockets here...
        else:
            (job / "home").mkdir()
            env = kernel_env(str(job / "home"), str(data) if data else None, fast, threads,
                             str(data_cache().parent))  # fmt: skip
        km = SandboxedKernelManager(
            kernel_name="python3",
            transport="ipc",
            ip=str(ipc / "kernel"),
            connection_file=str(ipc / "connection.json"),
            sandbox_uid=uid,
        )
        km.kernel_spec.interrupt_mode = "message"  # signals cannot cross into the pid namespace
        if zygote is not None:
            km.provisioner = ForkProvisioner(
                zygote=zygote, limits=limits, environment=env,
                kernel_id=job.name, kernel_spec=km.kernel_spec, parent=km,
            )  # fmt: skip
        elif isolated:
            km.wrapper = isolated_command(limits, ipc, data, env, uid)
        elif shutil.which("prlimit"):
            km.wrapper = limit_args(limits)
        kernel = Kernel(
            km,
            cwd=str(job),
            cell_timeout=limits.cell_timeout,
            notebook_timeout=limits.notebook_timeout,
            output_limit=limits.output_bytes,
            artifact_limit=limits.artifact_bytes,
            env=env,
        )
        with kernel:
            if isolated:  # ...and, once they are bound, may not write there any more
                os.chown(ipc, 0, 0)
                ipc.chmod(0o755)
            yield kernel
    finally:
        if isolated:
            kill_uid(uid)
        shutil.rmtree(job, ignore_errors=True)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command runs inside a wrapper (prlimit, bwrap, setpriv)."""

    wrapper = List()
    sandbox_uid = Int(-1)

    def format_kernel_cmd(self, extra_arguments=None):
        return list(self.wrapper) + super().format_kernel_cmd(extra_arguments)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.sandbox_uid >= 0:  # the kernel's uid must read its own connection file
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)


class ForkProvisioner(LocalProvisioner):
    """Launches the kernel by asking the worker's fork server to fork it, instead of exec'ing it."""

    zygote = Instance("practicals.sandbox.zygote.Zygote")
    limits = Instance(Limits)
    environment = Dict()

    async def launch_kernel(self, cmd, **kwargs):
        pid = self.zygote.spawn(self.parent.connection_file, self.environment, self.limits)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid
        self.cwd = kwargs.get("cwd")
        return self.connection_info


class ForkedProcess:
    """What jupyter_client expects of a Popen, for a kernel that the fork server forked."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            state = "X"
        if state in ("Z", "X"):
            self.returncode = -signal.SIGKILL
            return self.returncode
        return None

    def wait(self, timeout: float | None = None) -> int:
        deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)
