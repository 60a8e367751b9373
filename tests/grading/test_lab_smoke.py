"""JupyterLab as a student uses it: start `jupyter lab` headless on a free loopback port with a
token, check over its REST API that the exercises are listed and that a kernel starts and runs
the notebook's environment check, then run the pilot exercise top to bottom with the solutions
filled in (nbclient), and stop the server. Every wait is bounded."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
import requests
import websocket
from nbclient import NotebookClient
from test_assignments import SOLUTION_MARKERS, filled, grade_id, meta, strip_lines

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PILOT = "ch02-activations"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A running JupyterLab on a copy of exercises/; yields (base_url, token, root)."""
    root = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", root)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        [str(BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI containers run as root
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "jupyter lab exited:\n" + (tmp_path / "lab.log").read_text()
            try:
                if requests.get(f"{base}/api/status", params={"token": token}, timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "jupyter lab did not answer within 120 s:\n" + \
                (tmp_path / "lab.log").read_text()
            time.sleep(0.5)
        yield base, token, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def execute_in_kernel(base, token, kernel_id, code, timeout=60):
    """Run ``code`` in a server kernel over its websocket; return the text printed on stdout."""
    ws = websocket.create_connection(
        f"{base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?token={token}", timeout=timeout)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "student",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    printed, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                printed.append(msg["content"]["text"])
            elif kind == "error":
                raise AssertionError(f"the kernel raised {msg['content']['ename']}: {msg['content']['evalue']}")
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(printed)
        raise AssertionError(f"no answer from the kernel within {timeout} s")
    finally:
        ws.close()


def solved_pilot():
    """The pilot exercise as released, with the instructor's solutions filled in."""
    source = nbformat.read(ROOT / "solutions" / PILOT / f"{PILOT}.ipynb", as_version=4)
    release = nbformat.read(ROOT / "exercises" / PILOT / f"{PILOT}.ipynb", as_version=4)
    answers = {grade_id(c): strip_lines(c.source, SOLUTION_MARKERS)
               for c in source.cells if meta(c).get("solution")}
    return filled(release, answers)


def test_student_session_in_jupyterlab(lab):
    base, token, root = lab
    started = time.monotonic()
    auth = {"token": token}

    # the API refuses requests without the token
    assert requests.get(f"{base}/api/contents", timeout=10).status_code == 403

    # the exercises are listed, each with its notebook
    listing = requests.get(f"{base}/api/contents", params=auth, timeout=10).json()
    folders = {item["name"] for item in listing["content"] if item["type"] == "directory"}
    expected = {p.name for p in (ROOT / "exercises").iterdir() if p.is_dir()}
    assert expected and expected <= folders
    pilot = requests.get(f"{base}/api/contents/{PILOT}", params=auth, timeout=10).json()
    assert f"{PILOT}.ipynb" in {item["name"] for item in pilot["content"]}

    # a kernel starts and runs the notebook's first cell (the environment check)
    kernel = requests.post(f"{base}/api/kernels", params=auth, json={"name": "python3"}, timeout=60).json()
    try:
        first = nbformat.read(root / PILOT / f"{PILOT}.ipynb", as_version=4).cells[1]
        assert meta(first).get("grade_id") == "environment"
        out = execute_in_kernel(base, token, kernel["id"], first.source)
        assert out.startswith("Environment OK"), out
    finally:
        requests.delete(f"{base}/api/kernels/{kernel['id']}", params=auth, timeout=30)

    # the notebook runs top to bottom once the student has answered every part
    nb = solved_pilot()
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(root / PILOT)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    visible_tests = [c for c in nb.cells if meta(c).get("grade") and c.cell_type == "code"]
    assert printed.count("visible tests passed") == sum("visible tests passed" in c.source for c in visible_tests) > 0
    print(f"\nJupyterLab smoke test: {time.monotonic() - started:.1f} s after the server answered")
