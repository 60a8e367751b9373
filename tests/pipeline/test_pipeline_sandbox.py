"""The sandbox of one graded notebook (nngrade.sandbox), attacked from inside the kernel."""
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from nngrade import sandbox, trusted

pytestmark = pytest.mark.skipif(sandbox.probe() is not None, reason=f"no sandbox here: {sandbox.probe()}")


@pytest.fixture
def kernel(tmp_path):
    work = tmp_path / "submission"
    work.mkdir()
    (work / "data.txt").write_text("the student's own file")
    k = trusted.Kernel(work, sandbox.Policy(memory_mb=1024, processes=32), timeout=20)
    yield k
    k.close()


def run(kernel, code):
    """Run a cell; return (stdout text, error name or None)."""
    _, reply = kernel.request(op="run", source=textwrap.dedent(code))
    outputs = reply["outputs"]
    text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    errors = [o["ename"] for o in outputs if o["output_type"] == "error"]
    return text, (errors[0] if errors else None)


def test_sees_only_its_own_files(kernel):
    course = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text, error = run(kernel, f"""
        import os
        print(sorted(os.listdir('.')), os.getuid())
        for path in [{course!r}, {course + '/../solutions'!r}, '/root', '/etc/shadow', '/home']:
            try:
                print(path, sorted(os.listdir(path)) if os.path.isdir(path) else open(path).read()[:5])
            except OSError as e:
                print(path, type(e).__name__)
        """)
    assert error is None, text
    lines = text.splitlines()
    assert lines[0] == "['data.txt'] 65534"
    assert all(("Error" in line or line.endswith("[]") or "['.pyenv']" in line) for line in lines[1:]), text


def test_no_network_and_a_private_tmp(kernel, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    text, error = run(kernel, f"""
        import socket, os
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=2); print("connected")
        except OSError as e:
            print("refused", type(e).__name__)
        open("/tmp/left-behind", "w").write("x" * 1000)
        open("/dev/shm/left-behind", "w").write("x")
        open("/var/tmp/left-behind", "w").write("x")
        """)
    listener.close()
    assert error is None and text.startswith("refused"), text
    assert not any(os.path.exists(p) for p in ("/tmp/left-behind", "/dev/shm/left-behind", "/var/tmp/left-behind"))


def test_every_process_dies_with_the_sandbox(tmp_path):
    marker = f"nngrade-test-{os.getpid()}-{time.time_ns()}"
    k = trusted.Kernel(tmp_path, sandbox.Policy(), timeout=20)
    text, error = run(k, f"""
        import os, subprocess
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sh", ["sh", "-c", "sleep 300", {marker!r}])
            os._exit(0)
        print("detached")
        """)
    assert text.strip() == "detached", (text, error)
    time.sleep(0.5)
    assert marker in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    k.close()
    time.sleep(0.5)
    assert marker not in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout


def test_kill_all_and_a_fork_bomb_stay_inside(kernel, tmp_path):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        text, error = run(kernel, """
            import os, signal
            n = 0
            try:
                for _ in range(200):
                    if os.fork() == 0:
                        import time; time.sleep(30); os._exit(0)
                    n += 1
            except OSError as e:
                print("fork refused after", n, type(e).__name__)
            """)
        assert "fork refused" in text, (text, error)
        run(kernel, "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept Exception: pass")
        assert bystander.poll() is None  # the process outside is untouched
    finally:
        bystander.kill()


def test_memory_limit_gives_memory_error(kernel):
    text, error = run(kernel, "import numpy as np\nx = np.ones(2**31)")
    assert error == "MemoryError", (text, error)
    text, error = run(kernel, "print('still alive')")
    assert text.strip() == "still alive"


def test_environment_is_clean(kernel, monkeypatch):
    text, _ = run(kernel, "import os\nprint(sorted(k for k in os.environ if 'SECRET' in k or 'PASS' in k))")
    assert text.strip() == "[]"


def test_an_endless_cell_is_stopped_and_the_kernel_goes_on(tmp_path):
    k = trusted.Kernel(tmp_path, sandbox.Policy(), timeout=2)
    try:
        text, error = run(k, "while True: pass")
        assert error == "CellTimeoutError"
        assert run(k, "print(1 + 1)")[0].strip() == "2"
    finally:
        k.close()
