"""Grading on a real Dask cluster on 127.0.0.1: a scheduler and worker processes started with
``dask scheduler`` / ``dask worker`` (free ports, bounded waits, always stopped).

Two workers can grade; a third has no bubblewrap on its PATH and must refuse. A class graded
on the cluster gets the same grades, feedback and reports as the same class graded locally;
a worker killed in the middle of a run loses nothing and grades nobody twice.
"""
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nngrade import cluster as nncluster
from nngrade import sandbox
from nngrade.config import Settings
from nngrade.pipeline import grade_class

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline"),
              pytest.mark.skipif(sandbox.probe() is not None, reason=f"no sandbox here: {sandbox.probe()}")]

REPO = Path(__file__).resolve().parents[2]
A = "ch02-activations"
DASK = str(Path(sys.executable).parent / "dask")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"gave up after {seconds} s waiting for {what}")


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``(address, client)`` of a scheduler with two able workers and one without the sandbox."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask-logs")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = []

    def start(name, *args, env=None):
        log = open(logs / f"{name}.log", "w")
        processes.append(subprocess.Popen([DASK, *args], stdout=log, stderr=subprocess.STDOUT, env=env,
                                          stdin=subprocess.DEVNULL, start_new_session=True))

    client = None
    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        worker = ["worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
        start("worker-1", *worker, "--name", "able-1")
        start("worker-2", *worker, "--name", "able-2")
        start("worker-nobox", *worker, "--name", "nobox", env=dict(os.environ, PATH="/nonexistent"))
        client = Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(3, timeout=120)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def _make_class(course, students, stubs=()):
    """The pilot's solution handed in by ``students``; the unanswered exercise by ``stubs``."""
    course.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / A, course / "solutions" / A)
    for student in students:
        shutil.copytree(REPO / "solutions" / A, course / "submitted" / student / A)
    for student in stubs:
        shutil.copytree(REPO / "exercises" / A, course / "submitted" / student / A)


def _grades(course):
    with sqlite3.connect(course / "gradebook.db") as db:
        return sorted(db.execute(
            "SELECT student.id, base_cell.name, grade.auto_score FROM grade "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id "
            "JOIN base_cell ON grade.cell_id = base_cell.id"))


def _report(course):
    html = (course / "reports" / A / "report.html").read_text()
    html = re.sub(r"Generated [^<]* from", "Generated from", html)
    html = re.sub(r"<li>Dask worker [^<]*</li>\s*", "", html)   # the cluster's own notes
    html = re.sub(r"<h2>Notes on this run</h2>\s*<ul>\s*</ul>", "", html)
    return re.sub(r"\s+", " ", html)


def test_a_class_graded_on_the_cluster_is_graded_as_a_local_run(dask_cluster, tmp_path):
    address, _ = dask_cluster
    students, stubs = ["ada", "bo", "cy"], ["dee"]
    local, remote = tmp_path / "local", tmp_path / "remote"
    _make_class(local, students, stubs)
    _make_class(remote, students, stubs)
    here = grade_class(Settings(course_dir=local, assignment=A, jobs=2, progress=False))
    there = grade_class(Settings(course_dir=remote, assignment=A, progress=False, cluster=address))

    summary = lambda run: {o.student: (o.status, o.score, o.max_score, o.notebook_scores, o.problems)
                           for o in run.outcomes}
    assert summary(there) == summary(here)
    assert {o.student: o.score for o in there.outcomes} == {"ada": 26, "bo": 26, "cy": 26, "dee": 0}
    assert _grades(remote) == _grades(local) and len(_grades(remote)) > 4
    for student in students + stubs:
        page = Path("feedback") / student / A / f"{A}.html"
        assert (remote / page).read_text() == (local / page).read_text()
        notebook = Path("autograded") / student / A / f"{A}.ipynb"
        assert (remote / notebook).read_text() == (local / notebook).read_text()
    for name in ("grades.csv", "canvas.csv"):
        assert (remote / "reports" / A / name).read_text() == (local / "reports" / A / name).read_text()
    assert _report(remote) == _report(local)
    # The worker without bubblewrap was asked, refused, and said why.
    assert any("refuses jobs" in n and "bubblewrap is not installed" in n for n in there.notices)


def test_a_worker_killed_in_the_middle_of_a_run_loses_nothing(dask_cluster, tmp_path):
    address, client = dask_cluster
    course = tmp_path / "course"
    students = [f"s{i}" for i in range(6)]
    _make_class(course, students)
    outcome = {}

    def grade():
        try:
            outcome["run"] = grade_class(Settings(course_dir=course, assignment=A, progress=False,
                                                  cluster=address))
        except BaseException as error:  # reported below
            outcome["error"] = error

    thread = threading.Thread(target=grade, daemon=True)
    thread.start()
    busy = {}

    def a_worker_is_grading():
        busy.update({w: keys for w, keys in client.processing().items()
                     if any(str(k).startswith("grade-") for k in keys)})
        return bool(busy)

    _wait(a_worker_is_grading, 300, "a worker to start grading")
    victim = sorted(busy)[0]
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)   # the worker process dies mid-job; its nanny starts a new one
    thread.join(timeout=600)
    assert not thread.is_alive(), "the run did not finish"
    assert "error" not in outcome, outcome.get("error")
    run = outcome["run"]
    assert victim not in client.scheduler_info()["workers"]  # it really died
    assert sorted(o.student for o in run.outcomes) == students
    assert {o.student: (o.status, o.score) for o in run.outcomes} == {s: ("graded", 26) for s in students}
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone() == (len(students),)
    assert sorted(p.parent.parent.name for p in course.glob(f"autograded/*/{A}/.nngrade.json")) == students


def test_a_worker_without_the_sandbox_refuses_jobs(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "probe", lambda: "bubblewrap is not installed (Debian: apt-get install bubblewrap)")
    assert "bubblewrap is not installed" in nncluster.worker_check()
    (tmp_path / "course").mkdir()
    shutil.copy(REPO / "nbgrader_config.py", tmp_path / "course")
    bundle = nncluster._tar({"course/nbgrader_config.py": tmp_path / "course" / "nbgrader_config.py"})
    job = nncluster.records.Job(student="x", assignment=A, course_dir=str(tmp_path / "course"),
                                course_id="", scratch=str(tmp_path / "s"), release_dir=str(tmp_path / "r"))
    with pytest.raises(nncluster.SandboxMissing, match="refuses to grade: .*bubblewrap is not installed"):
        nncluster.grade_remote(nncluster.records.dumps(job), bundle, 60)
