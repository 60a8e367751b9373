"""Grading on a Dask cluster: ``python -m nngrade <assignment> --cluster <scheduler address>``.

The pipeline prepares every job on this machine as usual (intake, a scratch course per
submission, :mod:`nngrade.scratch`); :class:`DaskEngine` then sends each one to the
cluster as bytes, and the pipeline alone records the results, in the real gradebook, as
it does for local workers:

- a job is one tar archive in memory (:func:`pack_job`): the scratch course (the
  submission, the assignment's template gradebook, the source's data files), the released
  notebooks and the course's ``nbgrader_config.py``; the trusted checks travel inside the
  template gradebook (the test cells' sources). Workers need no shared filesystem, only
  the same Python environment (nngrade, nnref, nbgrader: ``pip install -r requirements.txt``)
  and bubblewrap;
- on a Dask worker, :func:`grade_remote` unpacks it into a private temporary folder, grades
  it exactly as a local run does (a fresh process forked from a warm fork server, one
  sandbox per notebook started ahead: :mod:`nngrade.engines`), and returns the Result and
  a tar archive of what the grading wrote (the scratch gradebook, ``autograded/``,
  ``feedback/``), which the pipeline unpacks into the job's scratch course;
- a worker without the sandbox (:func:`nngrade.sandbox.probe` is not None) refuses jobs
  with the reason: each worker that has it declares the Dask resource ``nngrade-sandbox``
  (a worker plugin, so a worker started later does too) and jobs need one; the refusals
  of the others are in the run's notices; a job that still reaches a worker whose sandbox
  broke is refused there and sent again;
- a worker that dies mid-job: the scheduler gives the job to another worker. Each job is
  one Dask future, whose result the pipeline records once, so a submission is never lost
  and never recorded twice. A job that killed ``distributed.scheduler.allowed-failures``
  workers in a row comes back as ``failed`` (no grade, graded again next run).
"""
import io
import os
import shutil
import socket
import tarfile
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

from nngrade import records
from nngrade.records import Result

CONFIG_FILE = "nbgrader_config.py"


class SandboxMissing(RuntimeError):
    """This worker cannot confine a student's code: it refuses to grade."""


# ------------------------------------------------------------------------------------------
# Bytes in, bytes out
# ------------------------------------------------------------------------------------------

def _tar(members):
    """A gzip'd tar archive, in memory, of ``{name in archive: path}`` (folders recursively,
    links and special files left out)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for name, path in members.items():
            path = Path(path)
            if path.is_symlink() or not path.exists():
                continue
            tar.add(path, arcname=name, filter=_plain_only)
    return buffer.getvalue()


def _plain_only(info):
    return info if info.isfile() or info.isdir() else None


def _untar(data, target):
    """Unpack an archive made by :func:`_tar` into ``target`` (nothing outside it, no links)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(target, filter="data")


def pack_job(job):
    """The bytes a Dask worker needs to grade ``job`` (a prepared :class:`~nngrade.records.Job`)."""
    scratch = Path(job.scratch)
    members = {"scratch/" + p.name: p for p in scratch.iterdir() if p.name not in ("result.json", "worker.log")}
    members["release"] = Path(job.release_dir)
    members[f"course/{CONFIG_FILE}"] = Path(job.course_dir) / CONFIG_FILE
    return _tar(members)


def unpack_result(data, job):
    """Put what the worker wrote (gradebook, autograded/, feedback/) into the job's scratch."""
    scratch = Path(job.scratch)
    with tempfile.TemporaryDirectory(dir=scratch) as landing:
        _untar(data, landing)
        for name in ("gradebook.db", "autograded", "feedback"):
            source, target = Path(landing) / name, scratch / name
            if not source.exists():
                continue
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            os.replace(source, target)


# ------------------------------------------------------------------------------------------
# On a Dask worker
# ------------------------------------------------------------------------------------------

_local = {}   # this worker process's grading engine, made at its first job
_local_lock = threading.Lock()


def worker_check():
    """Run on each worker by :class:`DaskEngine`: None when it can grade, else why not."""
    from nngrade import sandbox

    refusal = sandbox.probe()
    return None if refusal is None else f"{socket.gethostname()}: {refusal}"


def _engine(job, wall_seconds):
    """This worker process's :class:`~nngrade.engines.Workers` (with its sandbox pool), made
    at the first job, whose bundle also makes the fork server's warm-up job."""
    import multiprocessing

    from nngrade import engines, warm
    from nngrade.pool import SandboxPool

    with _local_lock:
        if "workers" not in _local:
            # Dask's worker processes are daemonic by default, and a daemonic process may not
            # start children with multiprocessing; the grading processes are joined (or killed)
            # by this one, as in a local run.
            multiprocessing.current_process()._config["daemon"] = False
            base = Path(tempfile.mkdtemp(prefix="nngrade-worker-"))
            base.chmod(0o711)
            warmup_file = base / "warmup.json"
            engines.start_fork_server(warmup_file)
            warm.scratch_gradebooks(base)
            try:
                engines.write_warmup(_warmup_job(job, base), warmup_file)
            except Exception:  # cold workers: slower, nothing else
                warmup_file.write_text("")
            threads = _dask_threads()
            policy = engines.sandbox_policy(job)
            pool = SandboxPool(policy, base / "sandboxes", ahead=(threads + 1) * job.notebooks)
            _local.update(base=base, workers=engines.Workers(wall_seconds, pool, job.notebooks))
        return _local["workers"]


RESOURCE = "nngrade-sandbox"


def _sandbox_resource_plugin():
    """A Dask worker plugin: every worker that can make sandboxes (now, or started later:
    a worker restarted after dying) declares the resource ``nngrade-sandbox``, one per
    thread; jobs ask for one, so only such workers are given jobs."""
    from distributed import WorkerPlugin

    class SandboxResource(WorkerPlugin):
        name = "nngrade-sandbox"

        async def setup(self, worker):
            if worker_check() is None:
                await worker.set_resources(**{RESOURCE: worker.state.nthreads})

    return SandboxResource()


def _worker_address():
    try:
        from distributed import get_worker

        return get_worker().address
    except Exception:
        return socket.gethostname()


def _dask_threads():
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except Exception:
        return 1


def _warmup_job(job, base):
    """A warm-up job made from a job's bundle: the released notebooks handed in by no one."""
    from nngrade.scratch import WARMUP_STUDENT

    scratch = base / "warmup"
    shutil.copytree(job.scratch, scratch, ignore=shutil.ignore_patterns("submitted", "job.json"))
    target = scratch / "submitted" / WARMUP_STUDENT / job.assignment
    shutil.copytree(job.release_dir, target)
    warmup = records.Job(**{**vars(job), "student": WARMUP_STUDENT, "scratch": str(scratch),
                            "extension_seconds": None})
    records.write(warmup, scratch / "job.json")
    return warmup


def grade_remote(job_json, bundle, wall_seconds):
    """The Dask task: grade one packed job; returns ``(result JSON, bytes of what it wrote)``.

    Raises :class:`SandboxMissing` on a worker that cannot confine the student's code.
    """
    job = records.loads(records.Job, job_json)
    work = Path(tempfile.mkdtemp(prefix="nngrade-job-"))
    try:
        work.chmod(0o711)
        _untar(bundle, work)
        job = records.Job(**{**vars(job), "scratch": str(work / "scratch"),
                             "course_dir": str(work / "course"),
                             "release_dir": str(work / "release")})
        from nngrade import engines

        if engines.sandbox_policy(job).isolate:
            refusal = worker_check()
            if refusal:
                raise SandboxMissing(f"worker {_worker_address()} refuses to grade: {refusal}")
        records.write(job, work / "scratch" / "job.json")
        workers = _engine(job, wall_seconds)
        result = workers.run(job)
        scratch = work / "scratch"
        out = _tar({name: scratch / name for name in ("gradebook.db", "autograded", "feedback")})
        return records.dumps(result), out
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# On the instructor's machine
# ------------------------------------------------------------------------------------------

class DaskEngine:
    """Send jobs to the Dask scheduler at ``address``; results come back as local futures."""

    def __init__(self, address, wall_seconds, connect_timeout=60):
        from distributed import Client

        self.wall_seconds = wall_seconds
        self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        self.lock = threading.Lock()
        self.futures = set()
        self.refusals = {}
        self.client.register_plugin(_sandbox_resource_plugin())
        self._check_workers()
        if not self.able:
            reasons = "; ".join(f"{w}: {r}" for w, r in self.refusals.items()) or "no workers"
            self.client.close()
            raise RuntimeError(f"no worker of the Dask cluster at {address} can grade safely ({reasons})")

    def _check_workers(self):
        """Ask every worker whether it can grade (the refusals are reported); jobs only go to
        workers that declared the sandbox resource (see :func:`_sandbox_resource_plugin`)."""
        checks = self.client.run(worker_check)
        self.able = sorted(w for w, refusal in checks.items() if refusal is None)
        self.refusals.update({w: r for w, r in checks.items() if r is not None})

    def notices(self):
        return [f"Dask worker {w} refuses jobs: {r}" for w, r in sorted(self.refusals.items())]

    def submit(self, job, local=None, attempt=1):
        """Send ``job``; the returned Future gives its Result (the scratch course filled)."""
        local = local or Future()
        try:
            with self.lock:
                remote = self.client.submit(
                    grade_remote, records.dumps(job), pack_job(job), self.wall_seconds,
                    key=f"grade-{job.student}-{os.urandom(4).hex()}", resources={RESOURCE: 1},
                    pure=False)
                self.futures.add(remote)
        except Exception as error:
            local.set_result(Result(job.student, "failed", infrastructure=True, problems=[
                f"could not send the job to the cluster: {type(error).__name__}: {error}"]))
            return local
        remote.add_done_callback(lambda f: self._done(f, job, local, attempt))
        return local

    def _done(self, remote, job, local, attempt):
        with self.lock:
            self.futures.discard(remote)
        try:
            result_json, data = remote.result()
            result = records.loads(Result, result_json)
            unpack_result(data, job)
        except SandboxMissing as refusal:
            if attempt < 3:  # its sandbox broke since it said it had one: elsewhere
                self._check_workers()
                self.submit(job, local, attempt + 1)
                return
            result = Result(job.student, "failed", infrastructure=True, problems=[
                f"not graded: {refusal}; graded again next run"])
        except Exception as error:  # KilledWorker, cancelled, an unreadable answer: no grade
            result = Result(job.student, "failed", infrastructure=True, problems=[
                f"not graded on the cluster: {type(error).__name__}: {error}; graded again next run"])
        if result.student != job.student:
            result = Result(job.student, "failed", problems=[
                "the cluster's result is for another student"])
        local.set_result(result)

    def stop(self):
        for future in list(self.futures):
            future.cancel()
        self.close()

    def close(self):
        self.client.close()
