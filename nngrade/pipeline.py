"""Grade a whole class: parallel workers, one gradebook writer, resumable.

:func:`grade_class` is what ``python -m nngrade`` runs, in four steps:

1. :func:`prepare`: collect an LMS zip download into ``submitted/`` (:mod:`nngrade.collect`),
   list the submissions, check each at intake (:mod:`nngrade.intake`: no links, devices,
   FIFOs, oversized files...; a refused one becomes a ``rejected`` result), build the
   assignment's template course (:mod:`nngrade.scratch`) and copy its metadata into the
   real gradebook, and skip every submission whose checksum matches the marker written
   when it was last graded without error (``autograded/<student>/<assignment>/.nngrade.json``)
   and whose grades are in the gradebook: an interrupted run resumes where it stopped;
2. :func:`schedule`: give each remaining submission its own scratch course and grade them
   on ``jobs`` worker processes (:mod:`nngrade.worker`), each under a wall-clock limit;
3. :func:`record`: as each worker finishes, the main thread alone merges its grades into
   the real gradebook, copies its autograded notebooks and feedback into the course (no
   links followed, sizes capped) and writes the marker, so a crash between two steps
   only causes a regrade, never a loss. A failure of the grader itself
   (``infrastructure=True``: the kernel could not start...) records nothing;
4. :func:`publish`: export the CSVs and the class report (:mod:`nngrade.export`,
   :mod:`nngrade.report`).

Every submission ends as one :class:`nngrade.records.Result`, failures included; an
error while preparing, grading or recording one submission is that submission's status
and reason, and the run goes on.
"""
import hashlib
import shutil
import tempfile
import time
import warnings
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy.engine import make_url
from tqdm import tqdm

from nngrade import collect, engines, feedback, intake, records, regrade, report, sandbox, warm
from nngrade.config import course_paths, default_db_url, load_course_config, venv_on_path
from nngrade.engines import LocalEngine, Workers  # noqa: F401  (Workers: the old name)
from nngrade.gradebook import (
    cell_scores,
    copy_assignment,
    due_date,
    extension_seconds,
    has_submission,
    merge_submission,
    pending_points,
    sqlite_url,
    submission_scores,
)
from nngrade.records import Result
from nngrade.scratch import Scratch

MARKER = ".nngrade.json"
WARMUP_FILE = "warmup.json"   # in the run's folder: the fork server's warm-up job (nngrade.warm)
Outcome = Result   # the name the reports and older code use


@dataclass
class ClassRun:
    """Everything ``grade_class`` learned: the outcomes and where things were written."""

    assignment: str
    outcomes: list               # one Result per student, sorted by student id
    db_url: str
    sandbox: str                 # how kernels were confined (or why they were not)
    seconds: float
    reports_dir: Path | None = None
    notices: list = field(default_factory=list)   # about the class, not one student (zip entries dropped...)

    @property
    def needing_attention(self):
        return [o for o in self.outcomes if o.needs_attention]

    @property
    def pending(self):
        return [o for o in self.outcomes if o.has_grade and o.pending]


@dataclass
class Course:
    """The real course a run grades, as its configuration describes it."""

    settings: object
    config: object
    paths: object
    course_id: str
    db_url: str
    source_dir: Path

    @property
    def assignment(self):
        return self.settings.assignment

    def folder(self, step, student):
        """``autograded/<student>/<assignment>`` or ``feedback/...`` of the real course."""
        return Path(self.paths.format_path(getattr(self.paths, f"{step}_directory"), student,
                                           self.assignment))


@dataclass
class Plan:
    """What :func:`prepare` found: the submissions to grade and the results known already."""

    todo: dict                   # student -> (folder, checksum, extension seconds, why graded again,
                                 #             earlier verdicts offered: nngrade.regrade)
    results: dict                # student -> Result (unchanged, rejected...)
    notices: list
    fingerprint: dict = field(default_factory=dict)   # see grading_fingerprint


def open_course(settings):
    venv_on_path()
    config = load_course_config(settings.course_dir)
    paths = course_paths(config, settings.course_dir)
    source_dir = Path(paths.root) / paths.source_directory / settings.assignment
    if not source_dir.is_dir():
        raise FileNotFoundError(f"no source notebooks for {settings.assignment!r}: {source_dir} "
                                "does not exist")
    return Course(settings, config, paths, config.CourseDirectory.get("course_id", ""),
                  settings.db_url or default_db_url(config, settings.course_dir), source_dir)


def prepare(course, scratch):
    """Step 1: collect, list, check at intake, build the template, find what is unchanged."""
    settings, assignment = course.settings, course.assignment
    limits = settings.intake_limits()
    notices = []
    collection = collect.collect_zips(settings.course_dir, course.config, course.paths, assignment,
                                      limits, int(settings.max_unpacked_mb * 2**20))
    if collection.zips:
        notices.append(f"collected {len(collection.collected)} files from {collection.zips} zip "
                       f"file(s) in {collect.downloaded_dir(course.config, course.paths)}")
        notices += [f"zip entry not collected: {d}" for d in collection.dropped]
    submissions, refused = collect.list_submissions(course.paths, assignment)
    if not submissions and not refused:
        raise FileNotFoundError(f"no submissions: nothing in {course.paths.root}/"
                                f"{course.paths.submitted_directory}/<student>/{assignment}/")
    results = {s: Result(s, "rejected", problems=[reason]) for s, reason in refused.items()}
    checksums = {}
    for student, folder in submissions.items():
        try:
            checksums[student] = intake.inspect(folder, limits)
        except intake.Refused as why:
            results[student] = Result(student, "rejected", problems=[f"refused at intake: {why}"])
        except OSError as error:
            results[student] = Result(student, "failed", problems=[
                f"could not read the submission: {error}"])

    template_db = scratch.build_template()
    with Gradebook(sqlite_url(template_db)) as tgb, Gradebook(course.db_url, course.course_id) as gb:
        if due_date(gb, assignment):  # the workers judge lateness against the real deadline
            tgb.update_or_create_assignment(assignment, duedate=due_date(gb, assignment))
        copy_assignment(tgb, gb, assignment)
        fingerprint = grading_fingerprint(tgb, assignment, course.source_dir)
        todo, changed_cells = {}, set()
        for student, checksum in checksums.items():
            if settings.force:
                previous, reason = None, "--force: everyone is graded again"
            else:
                previous, reason = _previous(gb, course, student, checksum, fingerprint)
            if previous is not None:
                results[student] = previous
                continue
            offered = {}
            if reason and reason.startswith(CELLS_CHANGED):
                changed = reason[len(CELLS_CHANGED):].split(", ")
                changed_cells.update(changed)
                offered = regrade.offered_verdicts(tgb.find_assignment(assignment).notebooks, changed,
                                                   course.folder("autograded", student))
            todo[student] = (submissions[student], checksum, extension_seconds(gb, assignment, student),
                             reason, offered)
    regraded = [s for s, t in todo.items() if t[3] and t[3].startswith(CELLS_CHANGED)]
    if regraded:
        partly = sum(bool(todo[s][4]) for s in regraded)
        notices.append(f"{len(regraded)} submission(s) graded again because what grades them changed "
                       f"since they were graded: {', '.join(sorted(changed_cells))}"
                       + (f"; for {partly} of them only tests changed, so the tests after the last changed "
                          "one kept their earlier verdicts (their students' cells and the other tests ran "
                          "again)" if partly else ""))
    return Plan(todo, results, notices, fingerprint)


CELLS_CHANGED = "test cells changed: "


def grading_fingerprint(gb, assignment, source_dir):
    """What decides a grade besides the submission, one checksum per part:
    ``{"<notebook>/<cell>": ...}`` for every test cell and locked code cell of the template
    (the trusted grader runs them; their points count too), ``{"files/<path>": ...}`` for
    the assignment's data files. A graded submission's marker keeps it: when one part
    changes (an instructor fixed a test), the submissions graded with the old one are
    graded again, and the others stay."""
    parts = {}
    for nb in gb.find_assignment(assignment).notebooks:
        points = {c.name: c.max_score for c in nb.grade_cells}
        for cell in nb.source_cells:
            if cell.cell_type == "code" and (cell.locked or cell.name in points):
                text = f"{cell.source}\0{points.get(cell.name)}"
                parts[f"{nb.name}/{cell.name}"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    for path in sorted(Path(source_dir).rglob("*")):
        if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb" \
                and ".ipynb_checkpoints" not in path.parts:
            relative = path.relative_to(source_dir).as_posix()
            parts[f"files/{relative}"] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return parts


def _previous(gb, course, student, checksum, fingerprint):
    """``(result, None)``: the result recorded when this exact submission was graded before by
    the same tests; else ``(None, why it is graded (again))`` (None: never graded)."""
    marker = course.folder("autograded", student) / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None, None
    try:
        saved = records.read(Result, marker)
    except (OSError, ValueError, TypeError):
        return None, "its marker was unreadable"
    scores = submission_scores(gb, course.assignment, student)
    if saved.student != student:
        return None, "its marker was for another student"
    if saved.checksum != checksum:
        return None, "resubmitted (the submission changed)"
    if scores is None:
        return None, "its grades were missing from the gradebook"
    if not saved.cells:
        return None, "graded before the grader recorded its tests (no test checksums in its marker)"
    changed = sorted(k for k in set(saved.cells) | set(fingerprint)
                     if saved.cells.get(k) != fingerprint.get(k))
    if changed:
        return None, CELLS_CHANGED + ", ".join(changed)
    saved.score, saved.max_score, saved.notebook_scores = scores
    saved.pending = pending_points(gb.find_submission(course.assignment, student))
    saved.status, saved.seconds, saved.infrastructure = "unchanged", 0.0, False
    saved.stages, saved.reason, saved.kept_verdicts = {}, None, 0
    return saved, None


def record(gb, course, job, result, checksum):
    """Step 3 for one submission: merge a worker's result into the real gradebook and the
    course's folders (main thread only); returns the Result as recorded."""
    assignment, student = course.assignment, result.student
    started = time.perf_counter()
    result.seconds = round(result.seconds, 2)
    if result.status == "failed" or result.infrastructure:
        return result  # no grade: nothing is merged, it is graded again next run
    scratch = Path(job.scratch)
    with Gradebook(sqlite_url(scratch / "gradebook.db")) as src, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="nbgrader")  # its SQLAlchemy autoflush noise
        if not has_submission(src, assignment, student):  # nbgrader gave up before grading
            result.status = "failed"
            result.problems.append("nothing was graded: no notebook of the assignment was handed in")
            return result
        merge_submission(src, gb, assignment, student)
    limits = course.settings.intake_limits()
    for step in ("autograded", "feedback"):
        source, target = scratch / step / student / assignment, course.folder(step, student)
        if target.exists() or target.is_symlink():
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
        if source.is_dir() and not source.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            left_out = intake.copy_tree(source, target, limits, strict=False)
            result.problems += [f"{step}/: not copied into the course: {why}" for why in left_out]
            (target / MARKER).unlink(missing_ok=True)  # only the pipeline writes markers
    try:
        _mark_feedback(gb, course, student)
    except Exception as error:  # the grades are merged; only the pages keep nbgrader's scores
        result.problems.append(f"feedback/: scores not updated from the gradebook "
                               f"({type(error).__name__}: {error})")
    result.score, result.max_score, result.notebook_scores = submission_scores(gb, assignment, student)
    result.pending = pending_points(gb.find_submission(assignment, student))
    result.stages["merge"] = round(time.perf_counter() - started, 4)
    if result.status == "graded":  # an error (dead kernel...) is graded again next run
        marker = course.folder("autograded", student)
        marker.mkdir(parents=True, exist_ok=True)
        records.write(Result(**{**vars(result), "checksum": checksum}), marker / MARKER)
    return result


def _mark_feedback(gb, course, student):
    """Show the real gradebook's scores, pending hand grading included, on the feedback pages."""
    folder = course.folder("feedback", student)
    for notebook in gb.find_submission(course.assignment, student).notebooks:
        page = folder / f"{notebook.name}.html"
        if page.is_file() and not page.is_symlink():
            cells, totals = cell_scores(gb, course.assignment, student, notebook.name)
            feedback.mark_file(page, cells, totals)


def make_engine(settings, scratch, sandbox_limits, count=None):
    """The engine the jobs go to: this machine (``--jobs``) or a Dask cluster (``--cluster``)."""
    if settings.cluster:
        from nngrade.cluster import DaskEngine

        return DaskEngine(settings.cluster, settings.notebook_timeout)
    policy = None
    try:
        warmup = scratch.warmup_job(settings.intake_limits(), sandbox_limits, settings.cell_timeout)
        engines.write_warmup(warmup, engines.warmup_file(scratch.root / WARMUP_FILE))
        policy = engines.sandbox_policy(warmup)
    except Exception:  # the workers start cold and start their own sandboxes: slower, nothing else
        pass
    return LocalEngine(settings.jobs, settings.notebook_timeout, scratch.root, scratch.notebooks, policy,
                       count)


def schedule(course, plan, scratch, sandbox_limits, results, progress, engine=None):
    """Step 2 (and 3 as each finishes): grade ``plan.todo`` on the engine (``settings.jobs``
    local workers, or the Dask cluster); every outcome goes into ``results``. Ctrl-C stops
    the workers; what was recorded stays."""
    settings, assignment = course.settings, course.assignment
    limits = settings.intake_limits()
    if not plan.todo:
        return
    if engine is None:
        engine = make_engine(settings, scratch, sandbox_limits, len(plan.todo))
    plan.notices += engine.notices() if hasattr(engine, "notices") else []
    try:
        with Gradebook(course.db_url, course.course_id) as gb, \
                tqdm(total=len(plan.todo) + len(plan.results), initial=len(plan.results), unit="student",
                     desc=f"grading {assignment}", disable=not progress) as bar:
            futures = {}
            try:
                for student, (folder, checksum, extension, reason, offered) in plan.todo.items():
                    try:
                        job = scratch.for_submission(student, folder, limits, sandbox_limits,
                                                     settings.cell_timeout, extension, offered)
                    except intake.Refused as why:
                        results[student] = Result(student, "rejected",
                                                  problems=[f"refused at intake: {why}"])
                        bar.update()
                        continue
                    except Exception as error:  # one submission must not stop the class
                        results[student] = Result(student, "failed", problems=[
                            f"could not prepare the submission for grading: {type(error).__name__}: {error}"])
                        bar.update()
                        continue
                    futures[engine.submit(job)] = (job, checksum, reason)
                for future in as_completed(futures):
                    job, checksum, reason = futures[future]
                    try:
                        result = future.result()
                        result.reason, result.cells = reason, plan.fingerprint
                        results[job.student] = record(gb, course, job, result, checksum)
                    except Exception as error:  # one bad result must not stop the class
                        gb.db.rollback()
                        results[job.student] = Result(job.student, "failed", problems=[
                            f"could not record the result: {type(error).__name__}: {error}"])
                    scratch.remove(job)
                    bar.update()
            except BaseException:  # Ctrl-C: what was merged stays; the next run resumes
                engine.stop()
                raise
    finally:
        engine.close()


def publish(course, results, notices, sandbox_note, started):
    """Step 4: the CSVs and the class report, from the gradebook and this run's results."""
    from nngrade import export

    outcomes = [results[s] for s in sorted(results)]
    run = ClassRun(course.assignment, outcomes, course.db_url, sandbox_note,
                   time.perf_counter() - started, notices=notices)
    run.reports_dir = Path(course.settings.course_dir) / "reports" / course.assignment
    with Gradebook(course.db_url, course.course_id) as gb:
        for result in outcomes:  # hand grading done since they were graded shows on the pages
            if result.status == "unchanged":
                try:
                    _mark_feedback(gb, course, result.student)
                except Exception as error:
                    result.problems.append(f"feedback/: scores not updated from the gradebook "
                                           f"({type(error).__name__}: {error})")
        export.write_csvs(gb, course.assignment, outcomes, run.reports_dir)
        report.write_report(gb, course.assignment,
                            Path(course.paths.root) / course.paths.autograded_directory,
                            outcomes, run.reports_dir, notices=notices)
    return run


def grade_class(settings):
    """Grade every submission of ``settings.assignment``; returns a :class:`ClassRun`."""
    started = time.perf_counter()
    course = open_course(settings)
    refusal = None if settings.cluster else sandbox.probe()  # on a cluster: each worker checks
    if refusal:
        raise RuntimeError(f"cannot grade safely: {refusal}")
    sandbox_note = (f"one bubblewrap sandbox per notebook (no network, own PID namespace, only its "
                    f"own files), {settings.memory_mb} MB memory limit")
    if settings.cluster:
        sandbox_note += f", on the workers of the Dask cluster at {settings.cluster}"
    run_root = Path(tempfile.mkdtemp(prefix=f"nngrade-{settings.assignment}-"))
    run_root.chmod(0o711)
    if not settings.cluster:  # the workers' fork server imports while the template is built
        engines.start_fork_server(run_root / WARMUP_FILE)
    warm.scratch_gradebooks(run_root)  # the template's gradebook: no fsync (the real one keeps it)
    try:
        scratch = Scratch(run_root, course.config, settings.course_dir, course.course_id,
                          settings.assignment, course.source_dir)
        plan = prepare(course, scratch)
        results = dict(plan.results)
        report.import_plotting_meanwhile()
        schedule(course, plan, scratch, {"memory_mb": settings.memory_mb,
                                         "cpu_seconds": settings.notebook_timeout},
                 results, settings.progress)
    finally:
        shutil.rmtree(run_root, ignore_errors=True)
        engines.finish_early()
    return publish(course, results, plan.notices, sandbox_note, started)


ADVICE = {
    "error": "an error: if the reason is a failure of the grader (the kernel or sandbox could not "
             "start), fix the machine (memory, sandbox, permissions); otherwise look at the notebook",
    "failed": "no grade: read the reason (time limit, nothing handed in, the worker crashed)",
    "rejected": "refused at intake: the submission holds links, special or oversized files, or an "
                "unusable name; ask the student for a clean one or fix submitted/<student>/",
}


def summary_table(run):
    """The summary printed at the end: one line per student, then the class totals and,
    when something needs the instructor, what to do."""
    header = (f"{'student':<20} {'score':>7} {'max':>6} {'pending':>7} {'status':<10} {'time/s':>7}  "
              "notes")
    lines = [header, "-" * len(header)]
    for o in run.outcomes:
        shown = o.score if o.has_grade else None
        score = "-" if shown is None else f"{shown:g}"
        max_score = "-" if o.max_score is None else f"{o.max_score:g}"
        pending = f"{o.pending:g}" if o.has_grade and o.pending else ""
        kept = f" ({o.kept_verdicts} test verdicts kept)" if o.kept_verdicts else ""
        notes = o.problems[0] if o.problems else (f"graded again: {o.reason}{kept}" if o.reason else "")
        more = f" (+{len(o.problems) - 1} more)" if len(o.problems) > 1 else ""
        lines.append(f"{ascii(o.student)[1:-1]:<20} {score:>7} {max_score:>6} {pending:>7} "
                     f"{o.status:<10} {o.seconds:>7.1f}  {notes[:100]}{more}")
    attention = run.needing_attention
    problems = sum(bool(o.problems) for o in run.outcomes)
    graded = [o.seconds for o in run.outcomes if o.status in ("graded", "error")]
    per = f", {sum(graded) / len(graded):.1f} s per graded submission" if graded else ""
    lines += ["-" * len(header),
              f"{len(run.outcomes)} students, {len(attention)} without a final grade "
              f"(error, failed or rejected), {len(run.pending)} waiting for hand grading, "
              f"{problems} with problems; {run.seconds:.1f} s in all{per}"]
    lines += [f"note: {n}" for n in run.notices]
    lines += [f"sandbox: {run.sandbox}",
              f"gradebook: {make_url(run.db_url).render_as_string(hide_password=True)}",
              f"reports: {run.reports_dir}"]
    return "\n".join(lines)


def what_to_do(run):
    """The closing advice when the run is not final (``make grade`` then exits non-zero), or ''."""
    lines = []
    attention = run.needing_attention
    if attention:
        lines.append(f"{len(attention)} submission(s) have no final grade; their scores are EMPTY "
                     "in grades.csv and canvas.csv (never 0):")
        for status in ("error", "failed", "rejected"):
            students = [ascii(o.student)[1:-1] for o in attention if o.status == status]
            if students:
                lines.append(f"  {status}: {', '.join(students)} — {ADVICE[status]}")
        lines.append(f"The reasons are in the summary above, in {run.reports_dir}/report.html and in "
                     f"the problems column of grades.csv. Then run `make grade A={run.assignment}` "
                     "again: only these submissions are graded again.")
    if run.pending:
        lines.append(f"{len(run.pending)} submission(s) wait for hand grading (the pending column): "
                     "their totals are incomplete and canvas.csv leaves them empty; grade them with "
                     "`nbgrader formgrade`, then run make grade again.")
    return "\n".join(lines)
