"""Safe intake: look at a submission, and copy files, without trusting them.

Everything a student hands in (and everything a student's kernel leaves in its working
folder) is read here without following symbolic links: every folder and file is opened
relative to its parent with ``O_NOFOLLOW``, and a file's type and size are checked on the
open descriptor (``fstat``), so a link swapped in between two looks is not followed either.

A submission is refused (:class:`Refused`, the reason in words) when it holds

- a symbolic link (another student's notebook, ``/etc/shadow``, a loop...),
- anything that is not a regular file or a folder (a FIFO, a device, a socket),
- a file larger than :attr:`Limits.max_file_bytes` (a 64 GiB sparse file is refused by
  its size, never read), more than :attr:`Limits.max_files` entries, or more than
  :attr:`Limits.max_total_bytes` in all,
- a name with control characters.

Refusing costs only that submission: the pipeline reports it (status ``rejected``) and
grades the others. :func:`copy_tree` with ``strict=False`` copies what is safe and
reports what it left out (used to bring a worker's output back into the course).
"""
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

MB = 2**20
CHUNK = MB


@dataclass(frozen=True)
class Limits:
    """Caps on what one submission (or one worker's output folder) may hold."""

    max_file_bytes: int = 50 * MB
    max_files: int = 200             # files and folders
    max_total_bytes: int = 200 * MB


class Refused(Exception):
    """A submission that is not graded; ``str(error)`` says why, for the instructor."""


_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO (named pipe)",
          stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}


def _kind(mode):
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def size_text(n):
    """``n`` bytes in words: ``"64 GiB"``, ``"1.5 MiB"``, ``"300 bytes"``."""
    for unit, scale in (("GiB", 2**30), ("MiB", MB), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def _bad_name(name):
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in name)


def open_folder(path):
    """A descriptor of the folder ``path``, refusing if ``path`` itself is a link or not a folder.

    Only the last component is checked: the folders above it belong to the course.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        info = os.lstat(path) if os.path.lexists(path) else None
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise Refused(f"{Path(path).name} is {_kind(info.st_mode)}, not a folder") from None
        raise Refused(f"cannot open {Path(path).name}: {error.strerror}") from None
    return fd


def walk(path, limits, skipped=None):
    """Yield ``(relative path, descriptor of the open regular file, size)`` for every file
    under the folder ``path``, in sorted order, never following a link; folders are
    checked but not yielded. Read the descriptor before the next item: it is closed then.

    With ``skipped=None`` the first entry that breaks the rules raises :class:`Refused`;
    given a list, such entries are left out and why is appended to it.
    """
    yield from _walk(open_folder(path), "", limits, skipped, {"entries": 0, "bytes": 0})


def _walk(dir_fd, prefix, limits, skipped, count):
    def refuse(message):
        if skipped is None:
            raise Refused(message)
        skipped.append(message)

    try:
        with os.scandir(dir_fd) as entries:
            names = sorted(entry.name for entry in entries)
        for name in names:
            rel = f"{prefix}{name}"
            count["entries"] += 1
            if count["entries"] > limits.max_files:
                refuse(f"more than {limits.max_files} files and folders")
                return
            if _bad_name(name):
                refuse(f"{rel!r}: a name with control characters")
                continue
            info = os.lstat(name, dir_fd=dir_fd)
            if stat.S_ISDIR(info.st_mode):
                try:
                    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                except OSError as error:
                    refuse(f"{rel}: cannot open the folder ({error.strerror})")
                    continue
                yield from _walk(sub, rel + "/", limits, skipped, count)
                continue
            if not stat.S_ISREG(info.st_mode):
                refuse(f"{rel} is {_kind(info.st_mode)}")
                continue
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
            except OSError as error:
                refuse(f"{rel}: cannot open it ({error.strerror})")
                continue
            try:
                info = os.fstat(fd)       # what was opened, not what the name pointed to before
                if not stat.S_ISREG(info.st_mode):
                    refuse(f"{rel} is {_kind(info.st_mode)}")
                    continue
                if info.st_size > limits.max_file_bytes:
                    refuse(f"{rel} is {size_text(info.st_size)}, over the limit of "
                           f"{size_text(limits.max_file_bytes)} per file")
                    continue
                count["bytes"] += info.st_size
                if count["bytes"] > limits.max_total_bytes:
                    refuse(f"more than {size_text(limits.max_total_bytes)} in all")
                    return
                yield rel, fd, info.st_size
            finally:
                os.close(fd)
    finally:
        os.close(dir_fd)


def _read(fd, size):
    """Read at most ``size`` bytes (the size checked when it was opened), in chunks."""
    left = size
    while left > 0:
        chunk = os.read(fd, min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def inspect(path, limits):
    """Check a submission folder; return its checksum (SHA-256 of every file's relative path
    and bytes, in sorted order: equal checksums mean an unchanged submission).

    Raises :class:`Refused` when the folder breaks a rule.
    """
    digest = hashlib.sha256()
    for rel, fd, size in walk(path, limits):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        for chunk in _read(fd, size):
            digest.update(chunk)
    return digest.hexdigest()


def copy_tree(source, target, limits, strict=True, mode=0o644):
    """Copy the folder ``source`` to ``target`` (which must not exist) without following links.

    ``strict``: raise :class:`Refused` on the first entry that breaks the rules (``target``
    is then incomplete: throw it away). Otherwise copy the rest and return the list of what
    was left out and why (empty when everything was copied).
    """
    target = Path(target)
    target.mkdir(mode=0o755)
    skipped = None if strict else []
    for rel, fd, size in walk(source, limits, skipped):
        destination = target / rel
        destination.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        out = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        with open(out, "wb") as f:
            for chunk in _read(fd, size):
                f.write(chunk)
    return skipped or []
