"""Find the class's submissions: ``submitted/<student>/<assignment>/``.

When an LMS download is waiting in ``downloaded/<assignment>/archive/`` (zip files, as
Canvas or Moodle export them), it is first unpacked into ``submitted/`` with nbgrader's
``zip_collect``. Student ids come from the file names through
``FileNameCollectorPlugin.named_regexp``; when the course config sets none,
:data:`DEFAULT_NAMED_REGEXP` is used, which accepts

- Canvas's ``<student>_[late_]<user id>_<submission id>_<notebook>.ipynb``, and
- ``<student>/<notebook>.ipynb`` (one folder per student inside the zip).
"""
import hashlib
import subprocess
import sys
from pathlib import Path

DEFAULT_NAMED_REGEXP = (r"^(?:.*/)?(?P<student_id>[A-Za-z0-9.-]+)"
                        r"(?:(?:_late)?(?:_\d+)*_|/)(?P<file_id>[^/_]+\.ipynb)$")


def collect_zips(course_dir, course_config, paths, assignment):
    """Run ``nbgrader zip_collect`` when ``downloaded/<assignment>/archive`` holds zips.

    Returns the number of zip files found (0: nothing to collect).
    """
    zc = course_config.ZipCollectApp
    archive = downloaded_dir(course_config, paths) / assignment / zc.get("archive_directory", "archive")
    zips = sorted(archive.glob("*.zip")) if archive.is_dir() else []
    if not zips:
        return 0
    command = [sys.executable, "-m", "nbgrader", "zip_collect", assignment, "--force"]
    if not course_config.get("FileNameCollectorPlugin", {}).get("named_regexp"):
        command.append(f"--FileNameCollectorPlugin.named_regexp={DEFAULT_NAMED_REGEXP}")
    done = subprocess.run(command, cwd=course_dir, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader zip_collect failed:\n{done.stderr[-3000:]}")
    return len(zips)


def downloaded_dir(course_config, paths):
    """Where LMS downloads go (``ZipCollectApp.downloaded_directory``, default ``downloaded``)."""
    return Path(paths.root) / course_config.ZipCollectApp.get("downloaded_directory", "downloaded")


def list_submissions(paths, assignment):
    """``{student_id: folder}`` for every ``submitted/<student>/<assignment>/`` folder."""
    root = Path(paths.root) / paths.submitted_directory
    if not root.is_dir():
        return {}
    return {d.parent.name: d for d in sorted(root.glob(f"*/{assignment}")) if d.is_dir()}


def checksum(folder):
    """SHA-256 of a submission folder: every file's relative path and bytes, in sorted order.

    Equal checksums mean the submission did not change since it was graded.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()
