"""Throwaway nbgrader courses: the one place that builds them.

A run works in a private folder ``R`` (``run_root``, removed at the end) holding

    R/template/                 the assignment's template course, built once per run:
        source/<assignment>/    a private copy of the source notebooks (hidden tests: 0700)
        release/<assignment>/   the released notebooks nbgrader generates from them
        gradebook.db            the assignment's metadata, no students
    R/<random>/                 one scratch course per submission (see :meth:`Scratch.for_submission`):
        gradebook.db            copy of the template gradebook
        source/<assignment>/    the source's data files, never its notebooks
        submitted/<student>/<assignment>/   the submission, copied by nngrade.intake (no links)
        kept/<notebook>.json    earlier verdicts offered to the grader (a regrade: nngrade.regrade)
        job.json, result.json   the Job and the Result (nngrade.records)

The folder names inside a scratch course are fixed by :func:`nngrade.config.scratch_config`.
"""
import json
import secrets
import shutil
from pathlib import Path

from nngrade import intake, records
from nngrade.config import scratch_config, venv_on_path
from nngrade.regrade import KEPT

TEMPLATE = "template"
WARMUP_STUDENT = "nngrade-warmup"


def build_template(course_config, source_dir, assignment, course_id, workdir):
    """Run ``generate_assignment`` on a private copy of the source; return the template db path.

    ``workdir`` becomes a throwaway course (``source/``, ``release/``, ``gradebook.db``);
    the real course's ``exercises/`` and gradebook are not touched.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    venv_on_path()
    workdir = Path(workdir)
    shutil.copytree(source_dir, workdir / "source" / assignment)
    (workdir / "exchange").mkdir()  # nbgrader's API wants one, even unused
    config = scratch_config(course_config, workdir, course_id)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    outcome = api.generate_assignment(assignment, force=True, create=True)
    if not outcome["success"]:
        raise RuntimeError(f"nbgrader generate_assignment failed for {assignment}:\n"
                           f"{outcome.get('error') or outcome.get('log')}")
    return workdir / "gradebook.db"


class Scratch:
    """The scratch courses of one run, under ``run_root``."""

    def __init__(self, run_root, course_config, course_dir, course_id, assignment, source_dir):
        self.root = Path(run_root)
        self.config, self.course_dir, self.course_id = course_config, course_dir, course_id
        self.assignment, self.source_dir = assignment, Path(source_dir)
        self.template_db = None
        self.notebooks = 1   # notebooks of the assignment (one sandbox each)

    @property
    def release_dir(self):
        return self.root / TEMPLATE / "release" / self.assignment

    def build_template(self):
        """Build the assignment's template course; returns its gradebook's path."""
        workdir = self.root / TEMPLATE
        self.template_db = build_template(self.config, self.source_dir, self.assignment,
                                          self.course_id, workdir)
        workdir.chmod(0o700)  # holds the hidden tests
        self.notebooks = max(1, len(list(self.release_dir.glob("*.ipynb"))))
        return self.template_db

    def warmup_job(self, limits, sandbox_limits, cell_timeout=None):
        """A job that hands in the released notebooks (no answers) for no one: graded once by
        the fork server so that the workers start warm (:mod:`nngrade.warm`)."""
        return self.for_submission(WARMUP_STUDENT, self.release_dir, limits, sandbox_limits,
                                   cell_timeout)

    def for_submission(self, student, submission, limits, sandbox_limits, cell_timeout=None,
                       extension_seconds=None, offered=None):
        """A private scratch course for one submission; returns its :class:`~nngrade.records.Job`
        (also written to ``job.json``). ``offered``: earlier verdicts the grader may keep,
        ``{notebook: {grade_id: outputs}}`` (:func:`nngrade.regrade.offered_verdicts`).

        Raises :class:`nngrade.intake.Refused` when the submission breaks an intake rule
        (it is copied without following links), OSError when the copy fails otherwise.
        """
        scratch = self.root / secrets.token_hex(8)  # unguessable: kernels cannot find each other
        scratch.mkdir(mode=0o711)
        try:
            return self._fill(scratch, student, submission, limits, sandbox_limits, cell_timeout,
                              extension_seconds, offered or {})
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

    def _fill(self, scratch, student, submission, limits, sandbox_limits, cell_timeout,
              extension_seconds, offered):
        (scratch / "submitted" / student).mkdir(parents=True)
        intake.copy_tree(submission, scratch / "submitted" / student / self.assignment, limits)
        (scratch / "submitted").chmod(0o700)
        # nbgrader copies the source's data files next to the notebook; never the notebooks.
        shutil.copytree(self.source_dir, scratch / "source" / self.assignment,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        (scratch / "source").chmod(0o700)
        target = scratch / "gradebook.db"
        shutil.copyfile(self.template_db, target)
        target.chmod(0o600)
        (scratch / "exchange").mkdir()  # nbgrader's API wants one, even unused
        if offered:
            (scratch / KEPT).mkdir()
            for notebook, verdicts in offered.items():
                (scratch / KEPT / f"{notebook}.json").write_text(json.dumps(verdicts))
        job = records.Job(student=student, assignment=self.assignment, course_dir=str(self.course_dir),
                          course_id=self.course_id, scratch=str(scratch),
                          release_dir=str(self.release_dir), cell_timeout=cell_timeout,
                          extension_seconds=extension_seconds, notebooks=self.notebooks,
                          **sandbox_limits)
        records.write(job, scratch / "job.json")
        return job

    def remove(self, job):
        """Throw a submission's scratch course away (its results have been recorded)."""
        shutil.rmtree(job.scratch, ignore_errors=True)
