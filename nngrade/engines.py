"""Where the jobs of a run are graded: on this machine (:class:`LocalEngine`) or on a Dask
cluster (:class:`nngrade.cluster.DaskEngine`).

An engine takes prepared :class:`~nngrade.records.Job` s (each a scratch course made by
:mod:`nngrade.scratch`) and returns, through a ``concurrent.futures.Future`` per job, the
:class:`~nngrade.records.Result`, with the scratch course holding what the worker wrote
(its gradebook, ``autograded/``, ``feedback/``). The pipeline alone then records it.

On this machine each job is graded by a fresh process (:func:`nngrade.worker.run_job`)
forked from a fork server that set itself up and graded a warm-up job once
(:mod:`nngrade.warm`), with one sandbox per notebook started ahead (:mod:`nngrade.pool`).
"""
import functools
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nngrade import records
from nngrade.pool import SandboxPool
from nngrade.records import Result

WARMUP_ENV = "NNGRADE_WARMUP"   # read by nngrade.warm in the fork server
_env_lock = threading.Lock()
LOST = "the fork server lost track of the grading worker (exit code 255, no result)"
_early = {}                     # the fork server started by start_early(), and its warm-up file


@functools.lru_cache(maxsize=16)
def _policy(course_dir, course_id, memory_mb, cpu_seconds):
    from nngrade.config import load_course_config, scratch_config
    from nngrade.sandbox import Policy
    from nngrade.trusted import TrustedExecute

    config = scratch_config(load_course_config(course_dir), "/nonexistent", course_id,
                            memory_mb=memory_mb, cpu_seconds=cpu_seconds)
    execute = TrustedExecute(config=config)
    return Policy(memory_mb=execute.memory_mb, cpu_seconds=execute.cpu_seconds, isolate=execute.sandbox)


def sandbox_policy(job):
    """The limits TrustedExecute will give the sandboxes of ``job`` (the pool starts them so)."""
    return _policy(str(job.course_dir), job.course_id, job.memory_mb, job.cpu_seconds)


def start_fork_server(warmup_file=None):
    """Start the fork server the workers are forked from, if it is not running yet (once per
    process). It imports nbgrader and the rest meanwhile, then waits for ``warmup_file`` (a
    Job written by :func:`write_warmup` once the assignment's template exists) and grades
    it once, so that every worker starts warm (:mod:`nngrade.warm`)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["nngrade.warm"])
    with _env_lock:  # the fork server inherits the environment
        if warmup_file is not None:
            os.environ[WARMUP_ENV] = str(warmup_file)
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            os.environ.pop(WARMUP_ENV, None)
    return context


def start_early():
    """Start the fork server first thing (``python -m nngrade`` calls it before importing
    the rest): it imports nbgrader while this process does the same, on the other core.
    Its warm-up file is in a private folder; :func:`warmup_file` names it."""
    import atexit
    import shutil
    import tempfile

    if _early:
        return
    folder = Path(tempfile.mkdtemp(prefix="nngrade-warmup-"))
    _early.update(folder=folder, file=folder / "warmup.json")
    # Its folder gone, a fork server still waiting for its job stops waiting.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    start_fork_server(_early["file"])


def warmup_file(default):
    """Where the warm-up job goes: the early fork server's file if it waits for one, else
    ``default`` (the file a fork server started by this run waits for)."""
    return _early.pop("file", default)


def finish_early():
    """The run is over: remove the early fork server's folder (a fork server still waiting for
    its warm-up job stops waiting)."""
    import shutil

    folder = _early.pop("folder", None)
    _early.pop("file", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def write_warmup(job, warmup_file):
    """Hand the fork server its warm-up job (written whole, then renamed: never read half)."""
    partial = Path(f"{warmup_file}.partial")
    records.write(job, partial)
    os.replace(partial, warmup_file)


class Workers:
    """Grading processes, one per submission, forked from a server that imported nbgrader
    and graded a warm-up job once (start-up in milliseconds, caches full); remembers the
    running ones so that an interrupted run (Ctrl-C) stops them all at once."""

    def __init__(self, wall_seconds, pool=None, notebooks=1):
        self.context = start_fork_server()
        self.wall_seconds = wall_seconds
        self.pool, self.notebooks = pool, notebooks
        self.running = set()
        self.lock = threading.Lock()
        self.stopping = False

    def run(self, job):
        """Grade one prepared :class:`~nngrade.records.Job`; return its Result (a failure is
        a result too).

        Exit code 255 with no result means that the fork server lost track of the worker
        (multiprocessing reports 255 when the server's status pipe closes without a status;
        seen rarely on a loaded machine, the worker itself having started normally): the job
        is run once more before it counts as failed."""
        result = self._run(job)
        if result.status == "failed" and LOST in " ".join(result.problems):
            (Path(job.scratch) / "worker.log").unlink(missing_ok=True)
            result = self._run(job)
        return result

    def _run(self, job):
        from nngrade import worker

        scratch, student = Path(job.scratch), job.student
        start = time.perf_counter()

        boxes = self.pool.take(self.notebooks) if self.pool else []
        try:
            process = self.context.Process(
                target=worker.run_job, name=f"grade-{student}",
                args=(str(scratch / "job.json"), self.pool.handed(boxes) if boxes else None))
            with self.lock:
                if self.stopping:
                    return Result(student, "failed", problems=["the run was interrupted"])
                process.start()
                self.running.add(process)
            if boxes:
                self.pool.given(boxes)
            try:
                process.join(self.wall_seconds)
                if process.exitcode is None:  # still running: kill it (its sandboxes: below)
                    os.killpg(process.pid, signal.SIGKILL)
                    process.join()
                    return Result(student, "failed", seconds=time.perf_counter() - start, problems=[
                        f"stopped: the whole submission took longer than {self.wall_seconds} s"])
            finally:
                with self.lock:
                    self.running.discard(process)
        finally:
            if boxes:
                self.pool.release(boxes)
        seconds = time.perf_counter() - start
        result_file = scratch / "result.json"
        if process.exitcode == 255 and not result_file.exists():
            try:  # it may still run, orphaned: never two gradings of one scratch course
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            return Result(student, "failed", seconds=seconds, problems=[LOST])
        if process.exitcode not in (0, 255) or not result_file.exists():
            log = scratch / "worker.log"
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            return Result(student, "failed", seconds=seconds, problems=[
                f"grading worker exited with code {process.exitcode}: " + " | ".join(tail)])
        try:
            result = records.read(Result, result_file)
        except (OSError, ValueError, TypeError) as error:
            return Result(student, "failed", seconds=seconds, problems=[
                f"the grading worker's result is unreadable: {error}"])
        if result.student != student:
            return Result(student, "failed", seconds=seconds, problems=[
                "the grading worker's result is for another student"])
        result.seconds = seconds
        result.stages["worker start"] = round(max(0.0, seconds - sum(result.stages.values())), 4)
        return result

    def stop_all(self):
        """Kill every running worker (each leads its own process group) and start no more."""
        with self.lock:
            self.stopping = True
            for process in self.running:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


class LocalEngine:
    """Grade jobs on this machine, ``jobs`` at a time.

    ``jobs`` may exceed the number of cores: a worker waiting (for its sandbox, for the
    student's code) leaves the core to another. ``policy``: the sandboxes' limits
    (:func:`sandbox_policy`); with it, one sandbox per notebook is started ahead
    (:class:`~nngrade.pool.SandboxPool`), else each worker starts its own.
    """

    def __init__(self, jobs, wall_seconds, run_root, notebooks=1, policy=None, count=None):
        self.executor = ThreadPoolExecutor(jobs)
        self.pool = None
        if policy is not None:
            # One fresh sandbox per notebook of each running job, plus the next job's; never
            # more than the ``count`` jobs of the run need.
            total = None if count is None else count * notebooks
            self.pool = SandboxPool(policy, Path(run_root) / "sandboxes",
                                    ahead=min((jobs + 1) * notebooks, total or 10**9), total=total)
        self.workers = Workers(wall_seconds, self.pool, notebooks)

    def submit(self, job):
        return self.executor.submit(self.workers.run, job)

    def stop(self):
        """Ctrl-C: kill what runs, start nothing more."""
        self.workers.stop_all()
        self.executor.shutdown(cancel_futures=True)

    def close(self):
        self.executor.shutdown()
        if self.pool:
            self.pool.close()
