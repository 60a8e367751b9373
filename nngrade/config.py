"""Settings of a grading run, and the nbgrader configuration derived from the course's.

The course's ``nbgrader_config.py`` (which applies :mod:`nngrade.preprocessors`) is the
single source of nbgrader settings. Every throwaway course directory (the assignment
template, each student's scratch course) gets a copy of it with only the paths and the
sandbox's limits overridden (:func:`scratch_config`).
"""
import copy
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


@dataclass
class Settings:
    """What one ``python -m nngrade`` run does (defaults in parentheses are the CLI's)."""

    course_dir: Path
    assignment: str
    jobs: int = field(default_factory=os.cpu_count)
    db_url: str | None = None          # None: the course config's db_url, else <course>/gradebook.db
    cell_timeout: int | None = None    # seconds per cell; None: the course's TrustedExecute.timeout
    notebook_timeout: int = 600        # wall-clock seconds for a whole submission
    memory_mb: int = 2048              # address-space limit of a student's kernel
    force: bool = False                # regrade even unchanged, already graded submissions
    cluster: str | None = None         # a Dask scheduler's address: grade there (nngrade.cluster)
    progress: bool = True
    # Intake (nngrade.intake, nngrade.collect): a submission over these is not graded.
    max_file_mb: float = 50            # one file of a submission
    max_files: int = 200               # files and folders in one submission
    max_submission_mb: float = 200     # one submission in all
    max_unpacked_mb: float = 2048      # everything an LMS zip download unpacks to

    def intake_limits(self):
        from nngrade.intake import Limits

        return Limits(max_file_bytes=int(self.max_file_mb * 2**20), max_files=self.max_files,
                      max_total_bytes=int(self.max_submission_mb * 2**20))

    def __post_init__(self):
        self.course_dir = Path(self.course_dir).resolve()
        if self.jobs is None or self.jobs < 1:
            raise ValueError(f"jobs must be a positive number of worker processes, got {self.jobs!r}")
        if not (self.course_dir / CONFIG_FILE).is_file():
            raise FileNotFoundError(f"{self.course_dir} is not an nbgrader course: no {CONFIG_FILE} there")


def load_course_config(course_dir):
    """The traitlets ``Config`` of the course's ``nbgrader_config.py``."""
    return PyFileConfigLoader(CONFIG_FILE, path=str(course_dir)).load_config()


def course_paths(config, course_dir):
    """A ``CourseDirectory`` for the real course (its folders as the config names them)."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=config, root=str(course_dir))


def default_db_url(config, course_dir):
    """The real gradebook: the config's ``CourseDirectory.db_url`` or ``<course>/gradebook.db``."""
    configured = config.CourseDirectory.get("db_url")
    return configured or f"sqlite:///{Path(course_dir) / 'gradebook.db'}"


def scratch_config(course_config, root, course_id, cell_timeout=None, memory_mb=None, cpu_seconds=None):
    """The course's nbgrader config re-rooted at a throwaway course directory ``root``.

    Starts from the course's grading settings (:func:`nngrade.preprocessors.course_settings`,
    for a course whose ``nbgrader_config.py`` does not apply them), applies the course's
    ``nbgrader_config.py`` on top, then overrides only what must differ: fixed folder names
    inside ``root``, a private SQLite gradebook and (if given) the sandbox's limits.
    """
    from nngrade.preprocessors import course_settings

    c = course_settings()
    c.merge(copy.deepcopy(course_config))
    c.merge(Config({"CourseDirectory": {
        "root": str(root), "course_id": course_id,
        "source_directory": "source", "release_directory": "release",
        "submitted_directory": "submitted", "autograded_directory": "autograded",
        "feedback_directory": "feedback",
        "db_url": f"sqlite:///{Path(root) / 'gradebook.db'}",
    }, "Exchange": {"root": str(Path(root) / "exchange")}}))  # unused; avoids a warning
    for trait, value in (("timeout", cell_timeout), ("memory_mb", memory_mb), ("cpu_seconds", cpu_seconds)):
        if value is not None:
            c.TrustedExecute[trait] = value
    return c


def venv_on_path():
    """Put this interpreter's ``bin/`` first on PATH (nbgrader runs ``alembic`` from PATH
    when it creates a gradebook; ``make`` calls ``.venv/bin/python`` without activating)."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
