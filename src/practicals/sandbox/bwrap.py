"""The command lines that isolate a kernel (bubblewrap, setpriv, prlimit), and a probe for them.

Under bubblewrap a kernel gets new mount, pid, network, ipc and uts namespaces and sees only
the Python install, the helper package and the data, read-only, plus a private ``/tmp``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from ..data import cache_dir as data_cache
from .limits import Limits

HOME = "/tmp"  # an isolated kernel's home and working folder: its private scratch tmpfs
DATA = Path("/data")  # where an isolated kernel sees the data folder
CACHE = Path("/cache")  # its XDG_CACHE_HOME: the grader's data cache, read-only (decoded data sets)

ETC_FILES = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf",
    "localtime", "fonts", "ssl", "mime.types",
)  # fmt: skip


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
        [*bwrap_args(None, None, 16, {}), *drop_args(65534), "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:200]}"
    return None


def isolated_command(
    limits: Limits, ipc: Path, data: Path | None, env: Mapping[str, str], uid: int
) -> list[str]:
    """What a kernel command runs inside to be isolated: rlimits, bubblewrap, then the uid."""
    return [*limit_args(limits), *bwrap_args(ipc, data, limits.scratch_mb, env), *drop_args(uid)]


def visible_paths() -> list[Path]:
    """Read-only paths a kernel needs: the Python install, the venv and the helper package."""
    import practicals

    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    package_root = Path(practicals.__file__).resolve().parent.parent
    if not package_root.is_relative_to(Path(sys.prefix)):
        paths.add(package_root)  # an editable install: bind src/, never the course folder
    return sorted(paths)


def bwrap_args(
    ipc: Path | None,
    data: Path | None,
    scratch_mb: int,
    env: Mapping[str, str],
    pid_ns: bool = True,
) -> list[str]:
    """bubblewrap with ``env`` as the whole environment and ``ipc`` the one writable folder."""
    args = [
        "bwrap",
        *(["--unshare-pid"] if pid_ns else []),
        "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
        *(arg for key, value in env.items() for arg in ("--setenv", key, value)),
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
    binds = [("--ro-bind", path, path) for path in visible_paths()]
    if data is not None:
        binds.append(("--ro-bind", data, DATA))
    if data_cache().is_dir():
        binds.append(("--ro-bind", data_cache(), CACHE / data_cache().name))
    if ipc is not None:
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


def drop_args(uid: int) -> list[str]:
    """setpriv: become ``uid``, with no groups, no capabilities and ``no_new_privs``."""
    return [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
        "--inh-caps=-all", "--bounding-set=-all", "--",
    ]  # fmt: skip


def limit_args(limits: Limits) -> list[str]:
    """prlimit: the kernel's rlimits (``Limits.rlimits``), set before it starts."""
    return ["prlimit", *(f"--{name}={value}" for name, value in limits.rlimits().items()), "--"]
