"""The typed records of a grading run, and their one JSON form.

A :class:`Job` is what the pipeline asks a worker to do (grade one student's submission
in a prepared scratch course); a :class:`Result` is what became of one submission in a
run, whatever happened: graded, skipped as unchanged, refused at intake, failed, or an
error. Every submission of a run ends as exactly one Result, failures included.

Both cross a process boundary (``job.json``, ``result.json`` in the scratch course) and a
Result is also kept between runs (the marker ``autograded/<student>/<assignment>/.nngrade.json``):
:func:`dumps` / :func:`loads` (and :func:`write` / :func:`read`) are the only code that
turns them into JSON and back.

Statuses (:data:`STATUSES`):

``graded``     graded in this run; its grades are in the gradebook.
``unchanged``  graded before, unchanged since: not graded again.
``error``      with ``infrastructure=False``: graded, but something went wrong that the
               submission caused (its kernel died, a notebook was unreadable); what was
               graded is recorded, the rest scores 0; graded again on the next run.
               With ``infrastructure=True``: the grader itself failed (the kernel could not
               start, the sandbox could not be set up): NOTHING is recorded, the score stays
               empty (never 0), and it is graded again on the next run.
``failed``     no grade at all (stopped at the wall-clock limit, nothing handed in, the
               worker or the recording step failed); graded again on the next run.
``rejected``   refused at intake (a symbolic link, a device or FIFO, a file over the size
               cap, too many files, an unusable name): not graded; the reason says what to
               fix. Looked at again on the next run.

``make grade`` exits non-zero while any submission is ``error``, ``failed`` or ``rejected``.
"""
import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("graded", "unchanged", "error", "failed", "rejected")
NEEDS_ATTENTION = ("error", "failed", "rejected")   # the run exits non-zero while any is left


@dataclass
class Job:
    """One submission to grade, in the scratch course ``scratch`` that the pipeline prepared."""

    student: str
    assignment: str
    course_dir: str              # the real course: its nbgrader_config.py is read, nothing else
    course_id: str
    scratch: str
    release_dir: str             # the released notebooks (to restore stripped metadata)
    cell_timeout: int | None = None
    memory_mb: int | None = None       # the sandbox's limits (None: the course's defaults)
    cpu_seconds: int | None = None
    extension_seconds: float | None = None
    notebooks: int = 1                 # notebooks of the assignment: one sandbox each


@dataclass
class Result:
    """What became of one student's submission in a run (see the module's statuses)."""

    student: str
    status: str = "graded"
    infrastructure: bool = False     # the grader failed, not the submission: never a grade
    problems: list = field(default_factory=list)   # human-readable, one per line of the summary
    stripped: dict = field(default_factory=dict)   # notebook -> cells whose metadata was gone
    seconds: float = 0.0
    autograde_seconds: float | None = None
    # Filled from the real gradebook when recorded (None: no grade).
    score: float | None = None
    max_score: float | None = None
    notebook_scores: dict = field(default_factory=dict)
    pending: float = 0.0             # points of parts still to be graded by hand
    checksum: str | None = None      # of the submission, in the marker of a graded one
    stages: dict = field(default_factory=dict)     # seconds per stage (nngrade.timing)
    reason: str | None = None        # why it was graded again (None: first time, or not graded)
    kept_verdicts: int = 0           # test cells whose earlier verdict stood (nngrade.regrade)
    cells: dict = field(default_factory=dict)      # what graded it (pipeline.grading_fingerprint)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r} (one of {', '.join(STATUSES)})")

    @property
    def has_grade(self):
        """True when the gradebook holds this run's grades for the submission."""
        return self.status in ("graded", "unchanged") or (self.status == "error"
                                                          and not self.infrastructure)

    @property
    def complete(self):
        """True when the score is final: graded, and nothing left to grade by hand."""
        return self.has_grade and self.score is not None and not self.pending

    @property
    def needs_attention(self):
        return self.status in NEEDS_ATTENTION


def _fields(cls):
    return {f.name for f in dataclasses.fields(cls)}


def dumps(record):
    """The JSON text of a Job or a Result."""
    return json.dumps(dataclasses.asdict(record), indent=1, sort_keys=True)


def loads(cls, text):
    """A ``cls`` (Job or Result) from JSON text; keys it does not know are ignored, so a
    marker written by an older version still reads."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"not a {cls.__name__} record: {text[:80]!r}")
    return cls(**{k: v for k, v in data.items() if k in _fields(cls)})


def write(record, path):
    Path(path).write_text(dumps(record))
    return Path(path)


def read(cls, path):
    return loads(cls, Path(path).read_text())
