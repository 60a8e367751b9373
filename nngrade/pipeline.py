"""Grade a whole class: parallel workers, one gradebook writer, resumable.

:func:`grade_class` is what ``python -m nngrade`` runs:

1. collect an LMS zip download into ``submitted/`` (:mod:`nngrade.collect`);
2. build the assignment's template gradebook from the source notebooks in a throwaway
   course and copy its metadata into the real gradebook (:mod:`nngrade.gradebook`);
3. skip every student whose submission checksum matches the marker written when it was
   last graded without error (``autograded/<student>/<assignment>/.nngrade.json``) and
   whose grades are in the gradebook: an interrupted run resumes where it stopped;
4. grade the others on ``jobs`` worker processes, each in its own scratch course
   (:mod:`nngrade.worker`), under a wall-clock limit for the whole submission;
5. as each worker finishes, the main thread alone merges its grades into the real
   gradebook and copies its autograded notebooks and feedback into the course, then
   writes the marker (so a crash between two steps only causes a regrade, never a loss);
6. export the CSVs and the class report (:mod:`nngrade.export`, :mod:`nngrade.report`).
"""
import json
import multiprocessing
import multiprocessing.forkserver
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy.engine import make_url
from tqdm import tqdm

from nngrade import collect, sandbox, worker
from nngrade.config import course_paths, default_db_url, load_course_config, venv_on_path
from nngrade.gradebook import (build_template, copy_assignment, copy_template, due_date,
                               extension_seconds, merge_submission, sqlite_url, submission_scores)

MARKER = ".nngrade.json"


@dataclass
class Outcome:
    """What happened to one student's submission in this run."""

    student: str
    status: str                  # graded | unchanged | error (graded, with a problem) | failed (no grade)
    score: float | None = None
    max_score: float | None = None
    notebook_scores: dict = field(default_factory=dict)
    seconds: float = 0.0
    problems: list = field(default_factory=list)   # human-readable, one per line of the summary
    stripped: dict = field(default_factory=dict)   # notebook -> cells whose metadata was gone


@dataclass
class ClassRun:
    """Everything ``grade_class`` learned: the outcomes and where things were written."""

    assignment: str
    outcomes: list
    db_url: str
    sandbox: str                 # how kernels were confined (or why they were not)
    seconds: float
    reports_dir: Path | None = None


def _prepare_scratch(run_root, student, submission, source_dir, template_db, job_common):
    """A private course directory for one submission; returns the job file's path."""
    scratch = run_root / secrets.token_hex(8)  # unguessable: kernels cannot find each other
    scratch.mkdir(mode=0o711)
    target = scratch / "submitted" / student / job_common["assignment"]
    shutil.copytree(submission, target)
    (scratch / "submitted").chmod(0o700)
    # nbgrader copies the source's data files next to the notebook; never the notebooks.
    shutil.copytree(source_dir, scratch / "source" / job_common["assignment"],
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    (scratch / "source").chmod(0o700)
    copy_template(template_db, scratch)
    (scratch / "exchange").mkdir()  # nbgrader's API wants one, even unused
    job = dict(job_common, student=student, scratch=str(scratch))
    (scratch / "job.json").write_text(json.dumps(job))
    return scratch / "job.json"


class Workers:
    """Grading processes, one per submission, forked from a server that imported nbgrader
    once (start-up in milliseconds); remembers the running ones so that an interrupted
    run (Ctrl-C) stops them all at once."""

    def __init__(self, wall_seconds):
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["nngrade.worker"])
        multiprocessing.forkserver.ensure_running()  # imports overlap the caller's next steps
        self.wall_seconds = wall_seconds
        self.running = set()
        self.lock = threading.Lock()
        self.stopping = False

    def run(self, job_path):
        """Grade one prepared job; return its result dict (a failure is a result too)."""
        scratch = job_path.parent
        student = json.loads(job_path.read_text())["student"]
        start = time.perf_counter()
        process = self.context.Process(target=worker.run_job, args=(str(job_path),),
                                       name=f"grade-{student}")
        with self.lock:
            if self.stopping:
                return {"student": student, "status": "failed", "seconds": 0.0,
                        "problems": ["the run was interrupted"]}
            process.start()
            self.running.add(process)
        try:
            process.join(self.wall_seconds)
            if process.exitcode is None:  # still running: kill it and its kernel (PDEATHSIG)
                os.killpg(process.pid, signal.SIGKILL)
                process.join()
                return {"student": student, "status": "failed", "seconds": time.perf_counter() - start,
                        "problems": [f"stopped: the whole submission took longer than "
                                     f"{self.wall_seconds} s"]}
        finally:
            with self.lock:
                self.running.discard(process)
        seconds = time.perf_counter() - start
        result_file = scratch / "result.json"
        if process.exitcode != 0 or not result_file.exists():
            tail = (scratch / "worker.log").read_text(errors="replace").strip().splitlines()[-3:]
            return {"student": student, "status": "failed", "seconds": seconds,
                    "problems": [f"grading worker exited with code {process.exitcode}: "
                                 + " | ".join(tail)]}
        return dict(json.loads(result_file.read_text()), seconds=seconds)

    def stop_all(self):
        """Kill every running worker (each leads its own process group) and start no more."""
        with self.lock:
            self.stopping = True
            for process in self.running:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _record(gb, result, assignment, course_paths_, submission_digest):
    """Merge one worker's result into the real gradebook and the course folders (main thread only)."""
    student = result["student"]
    outcome = Outcome(student=student, status=result["status"], seconds=round(result["seconds"], 2),
                      problems=result.get("problems", []), stripped=result.get("stripped", {}))
    if outcome.status == "failed":
        return outcome
    scratch = Path(result["scratch"])
    with Gradebook(sqlite_url(scratch / "gradebook.db")) as src, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="nbgrader")  # its SQLAlchemy autoflush noise
        if submission_scores(src, assignment, student) is None:  # nbgrader gave up before grading
            outcome.status = "failed"
            outcome.problems.append("nothing was graded: no notebook of the assignment was handed in")
            return outcome
        merge_submission(src, gb, assignment, student)
    for step in ("autograded", "feedback"):
        source = scratch / step / student / assignment
        target = Path(course_paths_.format_path(getattr(course_paths_, f"{step}_directory"),
                                                student, assignment))
        if target.exists():
            shutil.rmtree(target)
        if source.exists():
            shutil.copytree(source, target)
    outcome.score, outcome.max_score, outcome.notebook_scores = \
        submission_scores(gb, assignment, student)
    if outcome.status == "graded":  # an error (dead kernel...) is graded again next run
        marker = Path(course_paths_.format_path(course_paths_.autograded_directory, student,
                                                assignment))
        marker.mkdir(parents=True, exist_ok=True)
        (marker / MARKER).write_text(json.dumps(dict(vars(outcome), checksum=submission_digest),
                                                indent=1))
    return outcome


def _previous(gb, course_paths_, assignment, student, digest):
    """The outcome recorded when this exact submission was graded before, or None."""
    marker = Path(course_paths_.format_path(course_paths_.autograded_directory, student,
                                            assignment)) / MARKER
    if not marker.exists():
        return None
    saved = json.loads(marker.read_text())
    scores = submission_scores(gb, assignment, student)
    if saved.pop("checksum", None) != digest or scores is None:
        return None
    outcome = Outcome(**saved)
    outcome.score, outcome.max_score, outcome.notebook_scores = scores
    outcome.status, outcome.seconds = "unchanged", 0.0
    return outcome


def grade_class(settings):
    """Grade every submission of ``settings.assignment``; returns a :class:`ClassRun`."""
    from nngrade import export, report

    started = time.perf_counter()
    venv_on_path()
    course, assignment = settings.course_dir, settings.assignment
    config = load_course_config(course)
    paths = course_paths(config, course)
    course_id = config.CourseDirectory.get("course_id", "")
    db_url = settings.db_url or default_db_url(config, course)
    source_dir = Path(paths.root) / paths.source_directory / assignment
    if not source_dir.is_dir():
        raise FileNotFoundError(f"no source notebooks for {assignment!r}: {source_dir} does not exist")

    collect.collect_zips(course, config, paths, assignment)
    submissions = collect.list_submissions(paths, assignment)
    if not submissions:
        raise FileNotFoundError(f"no submissions: nothing in {paths.root}/{paths.submitted_directory}"
                                f"/<student>/{assignment}/")

    refusal = sandbox.probe()
    if refusal:
        raise RuntimeError(f"cannot grade safely: {refusal}")
    sandbox_note = (f"one bubblewrap sandbox per notebook (no network, own PID namespace, only its "
                    f"own files), {settings.memory_mb} MB memory limit")
    run_root = Path(tempfile.mkdtemp(prefix=f"nngrade-{assignment}-"))
    run_root.chmod(0o711)
    try:
        workers = Workers(settings.notebook_timeout)
        template_db = build_template(config, source_dir, assignment, course_id, run_root / "template")
        (run_root / "template").chmod(0o700)  # holds the hidden tests
        with Gradebook(sqlite_url(template_db)) as tgb, Gradebook(db_url, course_id) as gb:
            if due_date(gb, assignment):  # the workers judge lateness against the real deadline
                tgb.update_or_create_assignment(assignment, duedate=due_date(gb, assignment))
            copy_assignment(tgb, gb, assignment)
            extensions = {s: extension_seconds(gb, assignment, s) for s in submissions}
            digests = {s: collect.checksum(d) for s, d in submissions.items()}
            outcomes = {} if settings.force else {
                s: o for s in submissions
                if (o := _previous(gb, paths, assignment, s, digests[s])) is not None}
        todo = [s for s in submissions if s not in outcomes]
        job_common = {"course_dir": str(course), "assignment": assignment, "course_id": course_id,
                      "cell_timeout": settings.cell_timeout, "memory_mb": settings.memory_mb,
                      "cpu_seconds": settings.notebook_timeout,
                      "release_dir": str(template_db.parent / "release" / assignment)}
        with ThreadPoolExecutor(settings.jobs) as pool, Gradebook(db_url, course_id) as gb, \
                tqdm(total=len(submissions), initial=len(outcomes), unit="student",
                     desc=f"grading {assignment}", disable=not settings.progress) as bar:
            futures = {}
            try:
                for student in todo:
                    job = _prepare_scratch(run_root, student, submissions[student], source_dir,
                                           template_db, dict(job_common,
                                                             extension_seconds=extensions[student]))
                    futures[pool.submit(workers.run, job)] = job
                for future in as_completed(futures):
                    result = future.result()
                    result["scratch"] = str(futures[future].parent)
                    student = result["student"]
                    try:
                        outcomes[student] = _record(gb, result, assignment, paths, digests[student])
                    except Exception as error:  # one bad result must not stop the class
                        gb.db.rollback()
                        outcomes[student] = Outcome(student, "failed", problems=[
                            f"could not record the result: {type(error).__name__}: {error}"])
                    bar.update()
            except BaseException:  # Ctrl-C: what was merged stays; the next run resumes
                workers.stop_all()
                pool.shutdown(cancel_futures=True)
                raise
    finally:
        shutil.rmtree(run_root, ignore_errors=True)

    outcomes = [outcomes[s] for s in sorted(outcomes)]
    result = ClassRun(assignment, outcomes, db_url, sandbox_note, time.perf_counter() - started)
    result.reports_dir = Path(course) / "reports" / assignment
    with Gradebook(db_url, course_id) as gb:
        export.write_csvs(gb, assignment, outcomes, result.reports_dir)
        report.write_report(gb, assignment, Path(paths.root) / paths.autograded_directory,
                            outcomes, result.reports_dir)
    return result


def summary_table(run):
    """The summary printed at the end: one line per student, then the class totals."""
    header = f"{'student':<20} {'score':>7} {'max':>6} {'status':<10} {'time/s':>7}  notes"
    lines = [header, "-" * len(header)]
    for o in run.outcomes:
        score = "-" if o.score is None else f"{o.score:g}"
        max_score = "-" if o.max_score is None else f"{o.max_score:g}"
        notes = o.problems[0] if o.problems else ""
        more = f" (+{len(o.problems) - 1} more)" if len(o.problems) > 1 else ""
        lines.append(f"{o.student:<20} {score:>7} {max_score:>6} {o.status:<10} {o.seconds:>7.1f}  "
                     f"{notes[:100]}{more}")
    failed = sum(o.status == "failed" for o in run.outcomes)
    problems = sum(bool(o.problems) for o in run.outcomes)
    graded = [o.seconds for o in run.outcomes if o.status in ("graded", "error")]
    per = f", {sum(graded) / len(graded):.1f} s per graded submission" if graded else ""
    lines += ["-" * len(header),
              f"{len(run.outcomes)} students, {failed} without a grade, {problems} with problems; "
              f"{run.seconds:.1f} s in all{per}",
              f"sandbox: {run.sandbox}",
              f"gradebook: {make_url(run.db_url).render_as_string(hide_password=True)}",
              f"reports: {run.reports_dir}"]
    return "\n".join(lines)
