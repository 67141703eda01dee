"""The fork server: import torch once per worker, fork an isolated kernel per submission.

Starting a kernel and importing torch and matplotlib costs about 3 s of CPU, a fifth of a
fast-mode notebook. The server pays it once. It runs under bubblewrap like a kernel would (only
the Python install, the helper package and the data are mounted, read-only; no network) but
keeps root, so that for each submission it can fork a fresh process and give it what the
sandbox gives a kernel: new mount, pid, ipc and uts namespaces, a private ``/tmp`` and ``/proc``,
rlimits, and the worker's own uid with no capabilities and ``no_new_privs``. Only then does the
child start an IPython kernel. Every submission still gets a fresh, isolated process; what is
shared with the server is read-only code already in memory.

It speaks ``protocol.py`` on stdin and stdout. Run as ``python -m practicals.sandbox.forkserver``;
``zygote.py`` starts it. It imports nothing of the grader's side (jupyter_client, nbclient), so
every kernel it forks starts with only the modules that ``PRELOAD`` names.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import resource
import signal
import sys
import warnings

from .protocol import Ready, Spawned, SpawnRequest, send

PRELOAD = (
    "numpy",
    "torch",
    "torch.nn.functional",
    "matplotlib.pyplot",
    "tqdm.auto",
    "IPython",
    "ipykernel.kernelapp",
    "practicals.checks",
    "practicals.data",
)  # fmt: skip  (not practicals.env: its FAST constant must be read in the kernel's environment)

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID = 0x20000, 0x4000000, 0x8000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(
        _libc.mount(
            source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
            data.encode() if data else None,
        ),
        f"mount {target}",
    )  # fmt: skip


def _kernel(request: SpawnRequest) -> None:
    """In the forked child, as pid 1 of its own namespaces: isolate, drop rights, run a kernel."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    # Read-only paths that live under /tmp (a venv in a checkout there) would vanish under the
    # private /tmp: hold them open, then bind them back, read-only, through their descriptors.
    kept = [(path, os.open(path, os.O_PATH)) for path in request.under_tmp]
    scratch = f"size={request.scratch_mb}m,mode=1777"
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, scratch)
    for path, fd in kept:
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        _mount("none", path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        os.close(fd)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    for name, value in request.rlimits.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name.upper()}"), (value, value))
    uid = request.uid
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to a plain uid: every capability is gone
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir("/tmp")
    os.environ.clear()
    os.environ.update(request.env)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 1 << 16)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", request.connection_file])
    app.start()


def _fork(request: SpawnRequest) -> int:
    """Fork the kernel for one request; returns the pid the grader watches and kills."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
        inner = os.fork()  # the first child of a new pid namespace is its pid 1
        if inner == 0:
            _kernel(request)
            os._exit(0)
        _, status = os.waitpid(inner, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    except BaseException:  # never return into the server's loop from a child
        os._exit(111)


def serve() -> None:
    """Preload, then fork one kernel per request until stdin closes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module in PRELOAD:
            importlib.import_module(module)
        import matplotlib.font_manager  # noqa: F401  (builds the font cache once, here)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    send(sys.stdout, Ready())
    for line in sys.stdin:
        send(sys.stdout, Spawned(_fork(SpawnRequest.from_json(line))))


if __name__ == "__main__":
    serve()
