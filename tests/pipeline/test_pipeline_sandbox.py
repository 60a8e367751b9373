"""The kernel launcher (nngrade.sandbox) on its own: who the kernel runs as, what it sees."""
import json
import os
import pwd
import sys

import pytest
from jupyter_client.manager import start_new_kernel

from nngrade import sandbox

pytestmark = pytest.mark.xdist_group("pipeline")

PROBE = ("import json, os, resource\n"
         "def readable(path):\n"
         "    try:\n        os.listdir(path)\n        return True\n"
         "    except OSError:\n        return False\n"
         "print(json.dumps({'uid': os.getuid(), 'memory_mb': resource.getrlimit(resource.RLIMIT_AS)[0] >> 20,\n"
         "                  'secret': os.environ.get('NNGRADE_TEST_SECRET'), 'hidden': readable(HIDDEN)}))")


def run_in_kernel(tmp_path, monkeypatch, isolate):
    hidden = tmp_path / "solutions"
    hidden.mkdir()
    (hidden / "answer.txt").write_text("42")
    hidden.chmod(0o755)
    policy = {"isolate": isolate, "user": "nobody", "hide": [str(hidden)],
              "reveal": sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}),
              "memory_bytes": 1024 * 2**20, "cpu_seconds": 60, "file_bytes": 2**26, "processes": 512,
              "home_root": str(tmp_path)}
    sandbox.write_kernelspec(tmp_path / "jupyter", policy)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("NNGRADE_TEST_SECRET", "do not leak")
    km, kc = start_new_kernel(kernel_name=sandbox.KERNEL_NAME, cwd=str(tmp_path))
    printed = []
    try:
        kc.execute_interactive(PROBE.replace("HIDDEN", repr(str(hidden))), timeout=60,
                               output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    finally:
        km.shutdown_kernel(now=True)
    return json.loads("".join(printed))


WHY_NOT_ISOLATED = sandbox.probe("nobody")


@pytest.mark.skipif(WHY_NOT_ISOLATED is not None, reason=f"cannot isolate: {WHY_NOT_ISOLATED}")
def test_isolated_kernel_runs_as_nobody_and_cannot_see_hidden_paths(tmp_path, monkeypatch):
    seen = run_in_kernel(tmp_path, monkeypatch, isolate=True)
    nobody = pwd.getpwnam("nobody").pw_uid
    assert seen == {"uid": nobody, "memory_mb": 1024, "secret": None, "hidden": False}


def test_unisolated_kernel_still_gets_limits_and_a_clean_environment(tmp_path, monkeypatch):
    seen = run_in_kernel(tmp_path, monkeypatch, isolate=False)
    assert seen == {"uid": os.getuid(), "memory_mb": 1024, "secret": None, "hidden": True}
