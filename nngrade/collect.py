"""Find the class's submissions (``submitted/<student>/<assignment>/``), collecting an LMS
zip download into ``submitted/`` first.

**Zip downloads.** When ``downloaded/<assignment>/archive/`` holds zip files (as Canvas or
Moodle export them), :func:`collect_zips` unpacks them into ``submitted/``. It does the job
of ``nbgrader zip_collect`` (same settings: ``FileNameCollectorPlugin.named_regexp`` and
``valid_ext``, a ``timestamp`` group is written to ``timestamp.txt``), but reads the zips
in memory, never writing anything outside ``submitted/<student>/<assignment>/``:

- a student id or file name must be a plain name: not empty, not ``.`` or ``..``, no
  ``/`` or ``\\``, no control characters, and the entry's own path must be relative and
  free of ``..`` (an absolute or ``../`` entry is dropped, never written elsewhere);
- no entry may unpack to more than the per-file cap, and all zips together to more than
  ``max_unpacked_bytes`` (a zip bomb stops there);
- every entry that is not collected is reported (:attr:`Collection.dropped`), with the zip,
  the entry's name and the reason; the pipeline shows them in the summary and the report.

When the course config sets no ``named_regexp``, :data:`DEFAULT_NAMED_REGEXP` accepts

- Canvas's ``<student>_[late_]<user id>_<submission id>_<notebook>.ipynb``, and
- ``<student>/<notebook>.ipynb`` (one folder per student inside the zip).

**Submissions.** :func:`list_submissions` lists ``submitted/<student>/<assignment>/`` without
following links: a student folder or assignment folder that is a symbolic link (to another
student's work, say) is refused, not graded.
"""
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nngrade.intake import Limits, size_text

DEFAULT_NAMED_REGEXP = (r"^(?:.*/)?(?P<student_id>[A-Za-z0-9.-]+)"
                        r"(?:(?:_late)?(?:_\d+)*_|/)(?P<file_id>[^/_]+\.ipynb)$")
DEFAULT_MAX_UNPACKED = 2 * 2**30


@dataclass
class Collection:
    """What :func:`collect_zips` did."""

    zips: int = 0
    collected: list = field(default_factory=list)   # "student/file" written into submitted/
    dropped: list = field(default_factory=list)     # "<zip>: <entry>: why it was not collected"


def bad_name(name):
    """Why ``name`` cannot be a student id or a file name (a plain name), or None."""
    if not name or name in (".", ".."):
        return f"{name!r} is not a usable name"
    if "/" in name or "\\" in name or "\0" in name:
        return f"{name!r} contains a path separator"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return f"{name!r} contains control characters"
    return None


def _entry_path_problem(name):
    """Why a zip entry's own path is unsafe (absolute, ``..``), or None."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "a path with '..'"
    return None


def _collector(course_config):
    from nbgrader.plugins import FileNameCollectorPlugin

    plugin = FileNameCollectorPlugin(config=course_config)
    if not plugin.named_regexp:
        plugin.named_regexp = DEFAULT_NAMED_REGEXP
    return plugin


def collect_zips(course_dir, course_config, paths, assignment, limits=None,
                 max_unpacked_bytes=DEFAULT_MAX_UNPACKED):
    """Unpack ``downloaded/<assignment>/archive/*.zip`` into ``submitted/``; returns a
    :class:`Collection` (``zips == 0``: nothing to collect)."""
    limits = limits or Limits()
    zc = course_config.ZipCollectApp
    archive = downloaded_dir(course_config, paths) / assignment / zc.get("archive_directory", "archive")
    zips = sorted(archive.glob("*.zip")) if archive.is_dir() else []
    result = Collection(zips=len(zips))
    if not zips:
        return result
    plugin = _collector(course_config)
    submitted = Path(paths.root) / paths.submitted_directory
    submitted.mkdir(parents=True, exist_ok=True)
    unpacked = 0
    chosen = {}   # (student, file) -> (timestamp, bytes): the newest of duplicates wins
    for path in zips:
        def drop(entry, why, path=path):
            result.dropped.append(f"{path.name}: {entry}: {why}")

        try:
            archive_file = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            drop("(whole file)", f"not a readable zip ({error})")
            continue
        with archive_file:
            for info in archive_file.infolist():
                name = info.filename
                if info.is_dir():
                    continue
                problem = _entry_path_problem(name)
                if problem:
                    drop(name, f"{problem}: not collected")
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    drop(name, "a symbolic link")
                    continue
                match = plugin.collect(name)
                if not match:
                    drop(name, "the name does not match the pattern of submission files "
                               "(FileNameCollectorPlugin.named_regexp, valid_ext)")
                    continue
                student, file_id = match.get("student_id"), match.get("file_id")
                problem = bad_name(student or "") or bad_name(file_id or "")
                if problem:
                    drop(name, f"student id or file name refused: {problem}")
                    continue
                file_name = os.path.splitext(file_id)[0] + os.path.splitext(name)[1]
                if info.file_size > limits.max_file_bytes:
                    drop(name, f"unpacks to {size_text(info.file_size)}, over the limit of "
                               f"{size_text(limits.max_file_bytes)} per file")
                    continue
                if unpacked + info.file_size > max_unpacked_bytes:
                    drop(name, f"the download unpacks to more than {size_text(max_unpacked_bytes)} "
                               "in all: not collected")
                    continue
                try:
                    with archive_file.open(info) as f:   # reads at most the declared size
                        data = f.read(limits.max_file_bytes + 1)
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
                    drop(name, f"cannot be unpacked ({error})")
                    continue
                unpacked += len(data)
                if len(data) > limits.max_file_bytes:
                    drop(name, f"unpacks to more than {size_text(limits.max_file_bytes)}")
                    continue
                timestamp = _timestamp(match.get("timestamp"))
                key = (student, file_name)
                if key in chosen:
                    old = chosen[key][0]
                    if old is not None and (timestamp is None or timestamp < old):
                        drop(name, f"an older duplicate of {student}/{file_name}")
                        continue
                    result.dropped.append(f"{path.name}: an earlier {student}/{file_name} was "
                                          f"replaced by {name}")
                chosen[key] = (timestamp, data)
    timestamps = {}
    for (student, file_name), (timestamp, data) in sorted(chosen.items()):
        try:
            _write_submission_file(submitted, student, assignment, file_name, data)
        except OSError as error:
            result.dropped.append(f"{student}/{file_name}: not written ({error.strerror or error})")
            continue
        result.collected.append(f"{student}/{file_name}")
        if timestamp is not None:
            timestamps[student] = max(timestamp, timestamps.get(student, timestamp))
    for student, timestamp in timestamps.items():
        _write_submission_file(submitted, student, assignment, "timestamp.txt",
                               timestamp.isoformat(" ").encode())
    return result


def _timestamp(text):
    if not text:
        return None
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text)
    except Exception:   # dateutil raises several kinds; an odd timestamp is just not used
        return None


def _write_submission_file(submitted, student, assignment, file_name, data):
    """Write ``submitted/<student>/<assignment>/<file_name>``, following no link on the way
    (an existing link raises OSError) and replacing the file atomically."""
    root = os.open(submitted, os.O_RDONLY | os.O_DIRECTORY)
    fds = [root]
    try:
        for part in (student, assignment):
            try:
                os.mkdir(part, 0o755, dir_fd=fds[-1])
            except FileExistsError:
                pass
            fds.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
        temporary = f".{file_name}.nngrade-tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644,
                     dir_fd=fds[-1])
        with open(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, file_name, src_dir_fd=fds[-1], dst_dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)


def downloaded_dir(course_config, paths):
    """Where LMS downloads go (``ZipCollectApp.downloaded_directory``, default ``downloaded``)."""
    return Path(paths.root) / course_config.ZipCollectApp.get("downloaded_directory", "downloaded")


def list_submissions(paths, assignment):
    """``(submissions, refused)``: ``{student: folder}`` for every real folder
    ``submitted/<student>/<assignment>/``, and ``{student: reason}`` for those that cannot
    be graded as they are (a symbolic link instead of a folder, an unusable student id)."""
    root = Path(paths.root) / paths.submitted_directory
    submissions, refused = {}, {}
    if not root.is_dir():
        return submissions, refused
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            student = entry.name
            if entry.is_symlink():
                if os.path.isdir(os.path.join(entry.path, assignment)):
                    refused[student] = (f"{paths.submitted_directory}/{student} is a symbolic link, "
                                        "not a folder: not graded")
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            folder = Path(entry.path) / assignment
            if folder.is_symlink():
                refused[student] = (f"{paths.submitted_directory}/{student}/{assignment} is a "
                                    "symbolic link, not a folder: not graded")
            elif folder.is_dir():
                problem = bad_name(student)
                if problem:
                    refused[student] = f"student id refused: {problem}"
                else:
                    submissions[student] = folder
    return submissions, refused
