"""The sandbox package: one list of rlimits, typed fork-server messages, the same sandbox from
either launcher, and no folder left behind in /var/tmp."""

import io
import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from practicals.sandbox import Limits, Zygote, isolation_problem, sandboxed_kernel
from practicals.sandbox.bwrap import limit_args
from practicals.sandbox.kernels import kernel_env
from practicals.sandbox.protocol import Ready, Spawned, SpawnRequest, receive
from practicals.sandbox.uids import claim_uid

isolated = pytest.mark.skipif(isolation_problem() is not None, reason=str(isolation_problem()))

LIMITS = Limits(memory_mb=6144, cpu_seconds=300, processes=256, file_mb=16, scratch_mb=64)

PROBE = """
import json, os, resource, sys
from ipykernel.kernelapp import IPKernelApp
folder = os.path.dirname(IPKernelApp.instance().connection_file)  # where its sockets are
try:
    open(os.path.join(folder, "planted"), "w").close()
    writable = True
except OSError:
    writable = False
print(json.dumps({
    "uid": os.getuid(), "env": dict(os.environ), "cwd": os.getcwd(),
    "rlimits": {n: resource.getrlimit(getattr(resource, "RLIMIT_" + n.upper()))[0]
                for n in ("as", "cpu", "nproc", "fsize", "nofile", "core")},
    "ipc_writable": writable, "grader_modules": "nbclient" in sys.modules,
}))
"""


def test_every_rlimit_has_a_prlimit_option_and_a_setrlimit_constant():
    rlimits = LIMITS.rlimits()
    assert rlimits["as"] == 6144 << 20 and rlimits["nproc"] == 256
    assert limit_args(LIMITS) == ["prlimit", *(f"--{n}={v}" for n, v in rlimits.items()), "--"]
    assert all(hasattr(resource, f"RLIMIT_{name.upper()}") for name in rlimits)


def test_fork_server_messages_are_typed_both_ways():
    request = SpawnRequest("/x/connection.json", 61000, {"HOME": "/tmp"}, {"core": 0}, 64, [])
    assert SpawnRequest.from_json(request.to_json()) == request
    assert receive(io.StringIO(Spawned(42).to_json() + "\n"), Spawned) == Spawned(42)
    with pytest.raises(ValueError, match="expected a Spawned"):
        Spawned.from_json(Ready().to_json())
    with pytest.raises(RuntimeError, match="stopped"):
        receive(io.StringIO(""), Ready)


@isolated
def test_a_forked_kernel_gets_the_sandbox_of_an_execd_one(monkeypatch):
    monkeypatch.setenv("PRACTICALS_GRADER_SECRET", "leak")
    zygote = Zygote(LIMITS, None)
    try:
        seen = {}
        for launcher, fork_from in (("exec", None), ("fork", zygote)):
            with sandboxed_kernel(LIMITS, None, fast=False, threads=2, zygote=fork_from) as k:
                seen[launcher] = json.loads(k.run(PROBE).outputs[-1]["text"])
    finally:
        zygote.close()
    expected_env = kernel_env("/tmp", None, False, 2, "/cache")
    for launcher, kernel in seen.items():
        assert kernel["uid"] == claim_uid(LIMITS.base_uid) != 0, launcher
        assert kernel["env"].items() >= expected_env.items(), launcher
        assert "PRACTICALS_GRADER_SECRET" not in kernel["env"], launcher
        assert kernel["cwd"] == "/tmp", launcher
        assert kernel["rlimits"] == LIMITS.rlimits(), launcher
        assert not kernel["ipc_writable"], launcher
        assert not kernel["grader_modules"], launcher  # the fork server preloads kernel code only
    assert not zygote.ipc.exists()


LEAVES_NOTHING = """
import json
from pathlib import Path
from practicals.sandbox import Limits, Zygote, sandboxed_kernel, worker_zygote
from practicals.sandbox.uids import claim_uid

limits = Limits()
# as if left by a grading process that was killed while it held this uid
stale = Path(f"/var/tmp/practicals-zygote-{claim_uid(limits.base_uid)}-stale")
stale.mkdir()
made = [str(stale)]
for zygote in (worker_zygote(limits, None), Zygote(limits, None)):  # neither is closed
    made.append(str(zygote.ipc))
    with sandboxed_kernel(limits, None, zygote=zygote) as kernel:
        assert kernel.run("print(6 * 7)").outputs[0]["text"] == "42\\n"
    assert list(zygote.ipc.iterdir()) == []  # the kernel's own folder went with it
print(json.dumps(made))
"""


@isolated
def test_a_process_that_exits_leaves_no_fork_server_folder_in_var_tmp():
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LEAVES_NOTHING)],
        capture_output=True, text=True, timeout=300, env={**os.environ},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    made = [Path(p) for p in json.loads(done.stdout.splitlines()[-1])]
    assert len(made) == 3
    assert [p for p in made if p.exists()] == []


@isolated
def test_a_kernel_reads_the_data_the_grader_decoded_but_cannot_change_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "practicals").mkdir()
    (tmp_path / "practicals" / "decoded.npy").write_text("decoded by the grader")
    probe = (
        "from practicals.data import cache_dir\n"
        "print((cache_dir() / 'decoded.npy').read_text())\n"
        "try:\n    (cache_dir() / 'decoded.npy').write_text('forged')\n"
        "except OSError as err:\n    print(type(err).__name__)"
    )
    with sandboxed_kernel(LIMITS, None) as kernel:
        text = "".join(o.get("text", "") for o in kernel.run(probe).outputs)
    assert text.split() == ["decoded", "by", "the", "grader", "OSError"]
    assert (tmp_path / "practicals" / "decoded.npy").read_text() == "decoded by the grader"
