"""The sandbox uids: one per grading process, claimed with a lock, swept clean after a kernel."""

from __future__ import annotations

import fcntl
import os
import signal
import time
from pathlib import Path

LOCKS = Path("/var/tmp/practicals-uids")  # a lock file per uid, kept: the registry itself

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
    LOCKS.mkdir(mode=0o700, exist_ok=True)
    for uid in range(base, base + 4096):
        fd = os.open(LOCKS / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _claimed = (uid, fd)
        return uid
    raise RuntimeError(f"no free sandbox uid between {base} and {base + 4095}")


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
