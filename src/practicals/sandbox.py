"""Run untrusted cells in a kernel that is isolated by the operating system.

Each kernel runs under bubblewrap (new mount, pid, network, ipc and uts namespaces; only the
Python install, the helper package and the data are visible, read-only), as its own unprivileged
uid (one per grading process, claimed with a lock, so process limits and signals never cross
between students or graders), under
rlimits set by util-linux ``prlimit``. The parent talks to it over ZeroMQ ``ipc`` sockets in a
throwaway folder, so there are no ports to race for and no network inside. The socket folder
is locked once the kernel is up, which leaves the kernel with no writable host path at all.

Where the machine cannot do this (not root, no bubblewrap, no namespaces), ``isolation_problem``
says why and the grader runs kernels unisolated, loudly.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Int, List

from .kernel import Kernel

ETC_FILES = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf",
    "localtime", "fonts", "ssl", "mime.types",
)  # fmt: skip


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's kernel."""

    memory_mb: int = 8192  # address space; torch's CUDA build maps a lot before using any
    cpu_seconds: int = 900
    processes: int = 512  # threads count too: torch starts a pool per core
    file_mb: int = 64
    scratch_mb: int = 256  # the kernel's /tmp, its working folder
    cell_timeout: float = 120.0
    notebook_timeout: float = 600.0
    output_bytes: int = 1_000_000
    artifact_bytes: int = 32_000_000  # what one test cell may hand in (checks.hand_in)
    base_uid: int = 61000  # sandbox uids are claimed from here up, one per grading process


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


@cache
def isolation_problem() -> str | None:
    """Why kernels cannot be isolated on this machine, or None when they can."""
    if os.name != "posix" or not sys.platform.startswith("linux"):
        return "isolation needs Linux namespaces"
    if os.geteuid() != 0:
        return "isolation needs root, to give each kernel its own uid (run the grader as root)"
    missing = [tool for tool in ("bwrap", "prlimit", "setpriv") if shutil.which(tool) is None]
    if missing:
        return f"missing {', '.join(missing)} (install the Debian packages bubblewrap, util-linux)"
    probe = subprocess.run(
        [*_bwrap_args(Path("/"), None, 16), *_drop_args(65534), "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:200]}"
    return None


def _visible_paths() -> list[Path]:
    """Read-only paths a kernel needs: the Python install, the venv and the helper package."""
    import practicals

    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    package_root = Path(practicals.__file__).resolve().parent.parent
    if not package_root.is_relative_to(Path(sys.prefix)):
        paths.add(package_root)  # an editable install: bind src/, never the course folder
    return sorted(paths)


def _bwrap_args(ipc: Path, data: Path | None, scratch_mb: int, pid_ns: bool = True) -> list[str]:
    args = [
        "bwrap",
        *(["--unshare-pid"] if pid_ns else []),
        "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr",
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(scratch_mb << 20), "--tmpfs", "/tmp",
        "--chdir", "/tmp",
    ]  # fmt: skip
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    for name in ETC_FILES:
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    binds = [("--ro-bind", path, path) for path in _visible_paths()]
    if data is not None:
        binds.append(("--ro-bind", data, Path("/data")))
    if ipc != Path("/"):
        binds.append(("--bind", ipc, ipc))
    # bwrap copies a missing parent's mode from the host (/root is 0700): open each one up.
    parents = {
        p for _, _, dest in binds for p in dest.parents if p not in (Path("/"), Path("/usr"))
    }
    for parent in sorted(parents, key=lambda p: len(p.parts)):
        args += ["--perms", "0755", "--dir", str(parent)]
    for kind, source, dest in binds:
        args += [kind, str(source), str(dest)]
    return args


def _drop_args(uid: int) -> list[str]:
    return [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
        "--inh-caps=-all", "--bounding-set=-all", "--",
    ]  # fmt: skip


def _limit_args(limits: Limits) -> list[str]:
    return [
        "prlimit",
        f"--as={limits.memory_mb << 20}",
        f"--cpu={limits.cpu_seconds}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_mb << 20}",
        "--nofile=1024",
        "--core=0",
        "--",
    ]


def kernel_env(home: str, data: str | None, fast: bool, threads: int) -> dict[str, str]:
    """The whole environment of a grading kernel: nothing of the grader's leaks in."""
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
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


_claimed: tuple[int, int] | None = None  # (uid, fd of its lock file) of this process


def claim_uid(base: int) -> int:
    """A sandbox uid that no other process on this machine uses, held until this one exits.

    Each grading worker, test worker or grader claims its own, with an exclusive flock, so
    that concurrent graders never share a process budget, and the sweep of one uid after a
    kernel (``kill_uid``) can never touch another grader's kernels.
    """
    global _claimed
    if _claimed is not None:
        return _claimed[0]
    folder = Path("/var/tmp/practicals-uids")
    folder.mkdir(mode=0o700, exist_ok=True)
    for uid in range(base, base + 4096):
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _claimed = (uid, fd)
        return uid
    raise RuntimeError(f"no free sandbox uid between {base} and {base + 4095}")


class Zygote:
    """A worker's fork server (``zygote.py``), started once under bubblewrap as root."""

    def __init__(self, limits: Limits, data: Path | None, threads: int = 1):
        self.uid = claim_uid(limits.base_uid)
        self.limits = limits
        # not under /tmp: each forked kernel mounts a private /tmp over it
        self.ipc = Path(tempfile.mkdtemp(prefix="practicals-zygote-", dir="/var/tmp"))
        self.ipc.chmod(0o755)
        self.count = 0
        self.data = "/data" if data else None  # where the kernels see the data folder
        env = kernel_env("/tmp", self.data, True, threads)
        # In the host's pid namespace, so that the pids it reports are the ones we see; each
        # kernel it forks gets a pid namespace of its own.
        args = _bwrap_args(self.ipc, data, limits.scratch_mb, pid_ns=False)
        at = args.index("--clearenv") + 1
        for key, value in env.items():
            args[at:at] = ["--setenv", key, value]
        self.process = subprocess.Popen(
            [*args, sys.executable, "-m", "practicals.zygote"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        if json.loads(self.process.stdout.readline() or "{}").get("ready") is not True:
            raise RuntimeError("the zygote did not start")

    def spawn(self, connection_file: str, env: dict[str, str]) -> int:
        limits = {k: getattr(self.limits, k) for k in
                  ("memory_mb", "cpu_seconds", "processes", "file_mb", "scratch_mb")}  # fmt: skip
        under_tmp = [str(p) for p in _visible_paths() if p.is_relative_to("/tmp")]
        request = {"connection_file": connection_file, "uid": self.uid, "env": env,
                   "limits": limits, "under_tmp": under_tmp}  # fmt: skip
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())["pid"]

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.ipc, ignore_errors=True)


class ForkedProcess:
    """What jupyter_client expects of a Popen, for a kernel that the zygote forked."""

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


class ZygoteProvisioner(LocalProvisioner):
    """Launches the kernel by asking the worker's zygote to fork it, instead of exec'ing it."""

    async def launch_kernel(self, cmd, **kwargs):
        km = self.parent
        pid = km.zygote.spawn(km.connection_file, km.zygote_env)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid
        self.cwd = kwargs.get("cwd")
        return self.connection_info


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
    if zygote is not None:
        with _forked_kernel(zygote, limits, fast, threads) as kernel:
            yield kernel
        return
    isolated = isolation_problem() is None
    job = Path(tempfile.mkdtemp(prefix="practicals-job-"))
    ipc = job / "ipc"
    ipc.mkdir()
    uid = claim_uid(limits.base_uid) if isolated else -1
    if isolated:
        env = kernel_env("/tmp", "/data" if data else None, fast, threads)
        os.chown(ipc, uid, uid)
        job.chmod(0o755)
        wrapper = _limit_args(limits) + _bwrap_args(ipc, data, limits.scratch_mb)
        for key, value in env.items():
            wrapper[wrapper.index("--clearenv") + 1 : wrapper.index("--clearenv") + 1] = [
                "--setenv", key, value,
            ]  # fmt: skip
        wrapper += _drop_args(uid)
    else:
        (job / "home").mkdir()
        env = kernel_env(str(job / "home"), str(data) if data else None, fast, threads)
        wrapper = _limit_args(limits) if shutil.which("prlimit") else []
    km = SandboxedKernelManager(
        kernel_name="python3",
        transport="ipc",
        ip=str(ipc / "kernel"),
        connection_file=str(ipc / "connection.json"),
        wrapper=wrapper,
        sandbox_uid=uid if isolated else -1,
    )
    km.kernel_spec.interrupt_mode = "message"  # signals cannot cross into the pid namespace
    kernel = Kernel(
        km,
        cwd=str(job),
        cell_timeout=limits.cell_timeout,
        notebook_timeout=limits.notebook_timeout,
        output_limit=limits.output_bytes,
        artifact_limit=limits.artifact_bytes,
        env=env,
    )
    try:
        with kernel:
            if isolated:  # the kernel has bound its sockets: take the folder back from it
                os.chown(ipc, 0, 0)
                ipc.chmod(0o755)
            yield kernel
    finally:
        if isolated:
            kill_uid(uid)
        shutil.rmtree(job, ignore_errors=True)


def kill_uid(uid: int, patience: float = 10.0) -> None:
    """SIGKILL every process of a sandbox uid until none is left (a fork bomb leaves many).

    The pid namespace dies with the kernel in the normal case; this sweep makes sure of it
    before the uid, and so its process budget, is used for the next submission.
    """
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        found = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid == uid:
                    found = True
                    os.kill(int(entry.name), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        if not found:
            return
        time.sleep(0.05)


@contextmanager
def _forked_kernel(zygote: Zygote, limits: Limits, fast: bool, threads: int) -> Iterator[Kernel]:
    zygote.count += 1
    name = f"k{zygote.count}"
    env = kernel_env("/tmp", zygote.data, fast, threads)
    km = SandboxedKernelManager(
        kernel_name="python3",
        transport="ipc",
        ip=str(zygote.ipc / name),
        connection_file=str(zygote.ipc / f"{name}.json"),
        sandbox_uid=zygote.uid,
    )
    km.kernel_spec.interrupt_mode = "message"
    km.zygote, km.zygote_env = zygote, env
    km.provisioner = ZygoteProvisioner(kernel_id=name, kernel_spec=km.kernel_spec, parent=km)
    kernel = Kernel(
        km,
        cwd=str(zygote.ipc),
        cell_timeout=limits.cell_timeout,
        notebook_timeout=limits.notebook_timeout,
        output_limit=limits.output_bytes,
        artifact_limit=limits.artifact_bytes,
    )
    os.chown(zygote.ipc, zygote.uid, zygote.uid)  # the kernel creates its sockets here...
    try:
        with kernel:
            os.chown(zygote.ipc, 0, 0)  # ...and then may not write there any more
            yield kernel
    finally:
        os.chown(zygote.ipc, 0, 0)
        kill_uid(zygote.uid)
        for leftover in zygote.ipc.glob(f"{name}*"):
            leftover.unlink(missing_ok=True)
