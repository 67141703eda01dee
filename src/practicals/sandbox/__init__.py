"""The OS sandbox that untrusted cells run in: one isolated, rlimited kernel per submission.

Each kernel runs in new mount, pid, network, ipc and uts namespaces, where only the Python
install, the helper package and the data are visible, read-only, as its own unprivileged uid
(one per grading process, claimed with a lock, so process limits and signals never cross
between students or graders), under rlimits. Where the machine cannot do this (not root, no
bubblewrap, no namespaces), ``isolation_problem`` says why and the grader runs kernels
unisolated, loudly.

One job a module:

- ``limits.py``: ``Limits``, and the one list of rlimits both launchers set;
- ``bwrap.py``: the bubblewrap, setpriv and prlimit command lines, and ``isolation_problem``;
- ``uids.py``: claiming a sandbox uid per process, and killing what runs under it;
- ``kernels.py``: ``sandboxed_kernel``, which builds a kernel and picks its launcher;
- ``zygote.py``: ``Zygote``, a worker's handle on its fork server, and ``worker_zygote``;
- ``protocol.py``: the typed messages between the two;
- ``forkserver.py``: the fork server itself, which runs inside the sandbox.

The names below are imported on first use, not here: the fork server runs inside this package
and must not load the grader's side (jupyter_client, nbclient) into every kernel it forks.
"""

from importlib import import_module

_HOMES = {
    "Limits": "limits",
    "isolation_problem": "bwrap",
    "sandboxed_kernel": "kernels",
    "Zygote": "zygote",
    "worker_zygote": "zygote",
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)
