"""Autograde ONE submission in its own throwaway course directory.

The pipeline runs :func:`run_job` in a fresh process per submission (forked from a
server that imported nbgrader once, so a crash, a hang or a leak costs only that
submission and the start-up costs milliseconds). The job names the
scratch directory ``S`` that the pipeline prepared::

    S/gradebook.db                        copy of the template: assignment metadata only
    S/source/<assignment>/                the source folder's data files, no notebooks
    S/submitted/<student>/<assignment>/   this one submission

The worker runs nbgrader's autograde and generate_feedback on ``S`` (the student's code
runs sandboxed, the tests in this process: see nngrade.trusted) and writes
``S/result.json``. It never touches the real course directory or gradebook: the
pipeline merges the result.

Job and result are :class:`nngrade.records.Job` and :class:`nngrade.records.Result`. A
failure of the grader itself, not of the submission (the sandbox could not be set up),
is reported as ``status="error", infrastructure=True``: the pipeline then records no
grade at all and grades the submission again next run.
"""
import copy
import os
import re
import signal
import sys
import time
import traceback
import warnings
from datetime import timedelta
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from nngrade import records, sandbox, timing
from nngrade.config import load_course_config, scratch_config, venv_on_path
from nngrade.regrade import KEPT
from nngrade.trusted import ERROR_NAMES


def stripped_cells(nb, expected_ids):
    """Names of graded/solution cells whose nbgrader metadata is gone from a submitted notebook."""
    present = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells}
    return sorted(set(expected_ids) - present)


def restore_metadata(nb, released):
    """Copy nbgrader metadata from the released notebook, cell by cell, when the layout matches.

    A notebook whose cell metadata was stripped (some editors and converters do that)
    cannot be graded by nbgrader: its answers and tests are no longer identified, and
    restoring missing test cells crashes. When the submission still has the released
    notebook's cells in the same order and of the same types, position identifies them.
    Returns True when the metadata was restored.
    """
    if [c.cell_type for c in nb.cells] != [c.cell_type for c in released.cells]:
        return False
    for cell, original in zip(nb.cells, released.cells):
        if "nbgrader" in original.metadata:
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
    return True


def expected_cell_ids(db_url, assignment):
    """``{notebook: [grade_id, ...]}`` of the graded and solution cells in the template."""
    with Gradebook(db_url) as gb:
        return {nb.name: [c.name for c in nb.grade_cells + nb.solution_cells]
                for nb in gb.find_assignment(assignment).notebooks}


KERNEL_ERRORS = {
    ERROR_NAMES["timeout"]: "a cell ran past the cell time limit and was stopped (it scores 0)",
    ERROR_NAMES["dead"]: "the kernel died",
}


def kept_verdicts(nb):
    """How many test cells of an autograded notebook kept their earlier verdict (nngrade.regrade)."""
    return sum(bool(cell.metadata.get("nngrade", {}).get("kept_verdict")) for cell in nb.cells)


def kernel_errors(nb):
    """Messages of an autograded notebook's errors that are not a test failing: a cell timed
    out, the kernel died."""
    return [KERNEL_ERRORS[output.ename] for cell in nb.cells for output in cell.get("outputs", [])
            if output.output_type == "error" and output.ename in KERNEL_ERRORS]


# What the grader's own failures look like in nbgrader's log: the sandboxed kernel never came
# up (nngrade.trusted raises SandboxUnavailable), so no code of the submission ran (and none
# could have written these lines there).
INFRASTRUCTURE_ERRORS = {
    "SandboxUnavailable": "the sandbox could not be set up",
}


def infrastructure_failure(*logs):
    """Why the grader (not the submission) failed, from nbgrader's log, or None."""
    text = "\n".join(filter(None, logs))
    for pattern, meaning in INFRASTRUCTURE_ERRORS.items():
        if pattern in text:
            line = next(line.strip() for line in text.splitlines() if pattern in line)
            return f"{meaning} ({line[:200]})"
    return None


def grade(job):
    """Grade the submission described by the :class:`~nngrade.records.Job` ``job``; return
    its :class:`~nngrade.records.Result`."""
    scratch, assignment, student = Path(job.scratch), job.assignment, job.student
    config = scratch_config(load_course_config(job.course_dir), scratch, job.course_id,
                            cell_timeout=job.cell_timeout, memory_mb=job.memory_mb,
                            cpu_seconds=job.cpu_seconds)
    if (scratch / KEPT).is_dir():  # a regrade after some tests changed: nngrade.regrade
        config.TrustedExecute.kept_verdicts = str(scratch / KEPT)
    submitted = scratch / "submitted" / student / assignment
    expected = expected_cell_ids(config.CourseDirectory.db_url, assignment)
    result = records.Result(student=student)

    for notebook in sorted(submitted.glob("*.ipynb")):
        if notebook.stem not in expected:
            result.problems.append(f"{notebook.name}: not part of the assignment, ignored")
            continue
        try:
            nb = nbformat.read(notebook, as_version=4)
        except (nbformat.reader.NotJSONError, ValueError, KeyError) as error:
            result.problems.append(f"{notebook.name}: not a readable notebook ({error})")
            continue
        missing = stripped_cells(nb, expected[notebook.stem])
        if missing:
            result.stripped[notebook.stem] = missing
            released = nbformat.read(Path(job.release_dir) / notebook.name, as_version=4)
            if restore_metadata(nb, released):
                nbformat.write(nb, notebook)
                result.problems.append(f"{notebook.name}: nbgrader metadata missing on "
                                          f"{', '.join(missing)}; restored by position from the "
                                          "released notebook, then graded")
            else:
                result.problems.append(f"{notebook.name}: nbgrader metadata missing on "
                                          f"{', '.join(missing)} and the cells were rearranged: "
                                          "graded with the missing test cells put back; check it by hand")
    for name in expected:
        if not (submitted / f"{name}.ipynb").exists():
            result.problems.append(f"{name}.ipynb: not handed in")

    if job.extension_seconds:  # the instructor granted more time: late penalties see it
        with Gradebook(config.CourseDirectory.db_url) as gb:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student,
                                           extension=timedelta(seconds=job.extension_seconds))
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    start = time.perf_counter()
    outcome = api.autograde(assignment, student, force=True, create=True)
    result.autograde_seconds = round(time.perf_counter() - start, 2)
    autograded = scratch / "autograded" / student / assignment
    for notebook in sorted(autograded.glob("*.ipynb")):
        graded = nbformat.read(notebook, as_version=4)
        result.kept_verdicts += kept_verdicts(graded)
        errors = kernel_errors(graded)
        if KERNEL_ERRORS[ERROR_NAMES["dead"]] in errors:  # the rest of that notebook scored 0
            result.status = "error"
            result.problems.append(f"{notebook.name}: the kernel died while running the notebook (a "
                                   "crash, os._exit or the memory limit): its unfinished part scores 0")
        result.problems += [f"{notebook.name}: {e}" for e in dict.fromkeys(errors)
                            if e != KERNEL_ERRORS[ERROR_NAMES["dead"]]]
    if not outcome["success"]:
        # nbgrader saves the grades of the notebooks it finished and gives up on the rest
        # (it deletes the autograded copy): those score 0. The pipeline records why.
        result.status = "error"
        # Only nbgrader's own log: the worker's log also holds what the kernel printed.
        broken = infrastructure_failure(outcome.get("log"), outcome.get("error"))
        if broken:  # the grader failed, not the submission: never a grade
            result.infrastructure = True
            result.problems.append(f"not graded: {broken}; a failure of the grader, not of the "
                                   "submission: nothing is recorded and it is graded again next run")
            return result
        if ERROR_NAMES["dead"] in outcome.get("log", ""):
            result.problems.append("the kernel died while running the notebook (a crash, os._exit "
                                   "or the memory limit): its unfinished notebook scores 0")
        else:
            result.problems.append("nbgrader autograde failed: " + _last_error(outcome))
    if any(autograded.glob("*.ipynb")):
        feedback = api.generate_feedback(assignment, student, force=True)
        if not feedback["success"]:
            result.problems.append("feedback not generated: " + _last_error(feedback))
    return result


def _last_error(outcome):
    """The most telling line of a failed nbgrader step: its last exception that is not
    nbgrader's own "see the above traceback" wrapper."""
    text = "\n".join(filter(None, (outcome.get("log"), outcome.get("error")))).splitlines()
    exceptions = [line.strip() for line in text
                  if re.match(r"\s*[\w.]+(Error|Exception|Exit): ", line) and "NbGraderException" not in line]
    errors = [line.strip() for line in text if "ERROR" in line or "Error" in line]
    return (exceptions or errors or text or ["no message"])[-1]


def _die_with_parent():
    """End this process if the fork server it came from ends (as on Ctrl-C, or a Dask worker
    killed mid-job): no grading outlives the run that asked for it (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except Exception:
        pass


def run_job(job_path, ready=None):
    """Process entry point: grade the job (``job.json``), write ``result.json`` next to it,
    log to ``worker.log``. ``ready``: sandboxes the pipeline started ahead for this job
    (:class:`nngrade.sandbox.Ready`, one per notebook), used instead of starting new ones.

    Starts a new session so that the pipeline can kill this process group at once.
    """
    os.setsid()
    _die_with_parent()
    sandbox.hand_over(ready)
    job_path = Path(job_path)
    log = os.open(job_path.parent / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    # nbgrader's own SQLAlchemy usage warns on every new submission; not our problem to show.
    warnings.filterwarnings("ignore", module="nbgrader")
    venv_on_path()
    from nngrade import warm

    warm.setup_process()
    try:
        with timing.collect() as stages:
            result = grade(records.read(records.Job, job_path))
        result.stages = stages
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    records.write(result, job_path.parent / "result.json")


if __name__ == "__main__":
    run_job(sys.argv[1])
