"""The messages between a worker and its fork server, one typed JSON object a line.

The worker starts the server and waits for ``Ready``; then, for each kernel, it writes a
``SpawnRequest`` to the server's stdin and reads back ``Spawned`` from its stdout.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import IO, TypeVar

M = TypeVar("M", bound="Message")


class Message:
    """One line of the protocol: ``{"type": <class name>, <the fields>}``."""

    def to_json(self) -> str:
        return json.dumps({"type": type(self).__name__, **asdict(self)})

    @classmethod
    def from_json(cls: type[M], line: str) -> M:
        fields = json.loads(line)
        if fields.pop("type", None) != cls.__name__:
            raise ValueError(f"expected a {cls.__name__} from the fork server, got {line[:200]!r}")
        return cls(**fields)


@dataclass(frozen=True)
class Ready(Message):
    """The server has imported what every kernel shares, and takes requests."""


@dataclass(frozen=True)
class SpawnRequest(Message):
    """Fork one kernel and give it what the bubblewrap launcher would."""

    connection_file: str
    uid: int  # the kernel drops to it, with no capabilities
    env: dict[str, str]  # the kernel's whole environment
    rlimits: dict[str, int]  # Limits.rlimits
    scratch_mb: int  # the size of its private /tmp
    under_tmp: list[str]  # read-only paths under /tmp that the private /tmp must not hide


@dataclass(frozen=True)
class Spawned(Message):
    """The kernel is forked: its pid as the worker sees it, to watch it and to kill it."""

    pid: int


def send(stream: IO[str], message: Message) -> None:
    stream.write(message.to_json() + "\n")
    stream.flush()


def receive(stream: IO[str], kind: type[M]) -> M:
    """The next message, which must be a ``kind``; RuntimeError if the other side is gone."""
    line = stream.readline()
    if not line:
        raise RuntimeError("the fork server stopped")
    return kind.from_json(line)
