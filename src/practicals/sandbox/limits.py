"""The resource limits of one submission's kernel, and the one list of rlimits they set."""

from __future__ import annotations

from dataclasses import dataclass


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

    def rlimits(self) -> dict[str, int]:
        """Every rlimit a kernel runs under, soft and hard alike, by ``prlimit``'s option name.

        The one list for both launchers: ``prlimit --NAME=VALUE`` sets it on a kernel started
        under bubblewrap, ``setrlimit(RLIMIT_<NAME>)`` on one forked by the fork server.
        """
        return {
            "as": self.memory_mb << 20,
            "cpu": self.cpu_seconds,
            "nproc": self.processes,
            "fsize": self.file_mb << 20,
            "nofile": 1024,
            "core": 0,
        }
