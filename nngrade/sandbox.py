"""One sandbox per graded notebook, made with bubblewrap (Debian package ``bubblewrap``).

:func:`start` runs the student's side of a notebook (``nngrade/harness.py``) as::

    sh -c 'join the job's cgroups' -> prlimit (rlimits) -> bwrap (namespaces) -> python harness.py

In the sandbox the student's code has

- its own PID, network, IPC, UTS and mount namespaces: it sees no other process (so it
  cannot signal or find other students' kernels), has no network at all (it talks to the
  grader over a socket pair inherited as a file descriptor), and when the sandbox ends,
  every process it started ends with it (the namespace's init is killed; a double
  ``fork`` plus ``setsid`` does not escape a PID namespace);
- a read-only view of the system (``/usr``, ``/etc`` without its secrets), of the Python
  installation and of the virtual environment, and of nothing else: of the course it sees
  only this submission's working copy (``/submission``, read-only) — no ``.git``, no
  ``solutions/``, no other student, no gradebook, not nnref's source;
- its own small ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (tmpfs, gone with the sandbox);
- user id 65534 inside, all capabilities dropped, a new session (no terminal injection);
- limits: address space (a huge allocation raises ``MemoryError``), CPU seconds, size of
  a written file, no core dumps; and, where the machine lets us (root with cgroups v1),
  a cgroup per job capping its processes (a fork bomb stays inside) and its memory
  including the tmpfs. Without cgroups the number of processes is an rlimit of the user.

What the grader reads back is only plain data (``nnref.plain``): see ``nngrade.trusted``.
"""
import dataclasses
import functools
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "harness.py"
PLAIN = HERE.parent / "nnref" / "plain.py"
CGROUP_ROOT = Path("/sys/fs/cgroup")
INSIDE = "/opt/nngrade"        # where harness.py and plain.py appear in the sandbox
WORKDIR = "/submission"        # the submission's working copy, read-only
KEEP_ENV = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssl/private")


class SandboxUnavailable(RuntimeError):
    """The sandbox could not be set up: an infrastructure failure, never the student's."""


@dataclasses.dataclass
class Policy:
    """Limits of one sandbox (see ``python -m nngrade --help`` for the command-line names)."""

    memory_mb: int = 2048       # address space of the student's Python
    cpu_seconds: int = 600      # CPU time of the whole notebook
    file_mb: int = 64           # largest file it may write (in its /tmp)
    tmp_mb: int = 64            # each of /tmp, /var/tmp, /dev/shm
    processes: int = 64         # processes and threads at once
    isolate: bool = True        # False: no bubblewrap (a plain child process; for machines without it)


@functools.cache
def probe():
    """``None`` when sandboxes can be made here, else the reason why not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    result = subprocess.run([*_bwrap_args(Path("/")), "true"], capture_output=True, text=True)
    if result.returncode != 0:
        return f"bubblewrap cannot create a sandbox here: {result.stderr.strip() or result.returncode}"
    return None


def _python():
    """This interpreter, and the folders it needs: its installation and the virtual environment."""
    return sys.executable, sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
                                   os.path.abspath(sys.prefix)})


def _bwrap_args(workdir, env=(), tmp_bytes=64 * 2**20):
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", "65534", "--gid", "65534", "--hostname", "sandbox"]
    for top in ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for secret in SECRETS:
        if os.path.isdir(secret):
            args += ["--tmpfs", secret]
        elif os.path.exists(secret):
            args += ["--ro-bind", "/dev/null", secret]
    # Fresh /proc, /dev and temporary folders first: a later mount covers an earlier one, and
    # the Python environment may live under /tmp (a course cloned into `mktemp -d`).
    args += ["--proc", "/proc", "--dev", "/dev"]
    for tmp in ("/tmp", "/var/tmp", "/dev/shm"):
        args += ["--size", str(tmp_bytes), "--tmpfs", tmp]
    for folder in _python()[1]:
        args += ["--ro-bind", folder, folder]
    args += ["--ro-bind", str(HARNESS), f"{INSIDE}/harness.py", "--ro-bind", str(PLAIN), f"{INSIDE}/plain.py",
             "--ro-bind", str(workdir), WORKDIR, "--chdir", WORKDIR]
    args += ["--clearenv"]
    for key, value in env:
        args += ["--setenv", key, value]
    return args


class Cgroups:
    """A pids and a memory cgroup (v1) for one job, when this machine lets us make them."""

    def __init__(self, policy):
        self.paths = []
        if os.geteuid() != 0:
            return
        name = f"nngrade/{secrets.token_hex(6)}"
        for controller, settings in (("pids", {"pids.max": policy.processes}),
                                     ("memory", {"memory.limit_in_bytes":
                                                 (policy.memory_mb + 3 * policy.tmp_mb) * 2**20})):
            path = CGROUP_ROOT / controller / name
            try:
                path.mkdir(parents=True)
                for key, value in settings.items():
                    (path / key).write_text(str(value))
            except OSError:
                self.remove()
                self.paths = []
                return
            self.paths.append(path)

    def join_command(self):
        """Shell words that move the shell itself into the cgroups (then it execs the rest)."""
        return "; ".join(f"echo $$ > {shlex.quote(str(p / 'cgroup.procs'))}" for p in self.paths)

    def kill(self):
        for path in self.paths:
            for _ in range(50):  # processes may fork while we kill: until none is left
                try:
                    pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

    def remove(self):
        for path in self.paths:
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except OSError:
                    self.kill()


class Sandbox:
    """A running harness in its sandbox; ``sock`` talks to it; :meth:`close` ends everything."""

    def __init__(self, workdir, policy):
        self.policy = policy
        parent, child = socket.socketpair()
        self.sock = parent
        python, _ = _python()
        env = [("PATH", "/usr/bin:/bin"), ("HOME", "/tmp"), ("TMPDIR", "/tmp"),
               ("MPLBACKEND", "module://matplotlib_inline.backend_inline"),
               ("MPLCONFIGDIR", "/tmp/.matplotlib"), ("IPYTHONDIR", "/tmp/.ipython"),
               ("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1"),
               ("PYTHONDONTWRITEBYTECODE", "1"), ("NNGRADE_FD", str(child.fileno()))]
        env += [(k, os.environ[k]) for k in KEEP_ENV if k in os.environ]
        limits = [f"--as={policy.memory_mb * 2**20}", f"--cpu={policy.cpu_seconds}",
                  f"--fsize={policy.file_mb * 2**20}", "--core=0"]
        self.cgroups = Cgroups(policy) if policy.isolate else None
        if not (self.cgroups and self.cgroups.paths):
            limits.append(f"--nproc={policy.processes}")
        if policy.isolate:
            command = [*_bwrap_args(workdir, env, policy.tmp_mb * 2**20), python, "-I", f"{INSIDE}/harness.py"]
            cwd, child_env = "/", {}
        else:
            command = [python, "-I", str(HARNESS)]
            cwd, child_env = str(workdir), dict(os.environ, **dict(env))
        words = ["prlimit", *limits, "--", *command]
        join = self.cgroups.join_command() if self.cgroups and self.cgroups.paths else ""
        script = (join + "; " if join else "") + "exec " + shlex.join(words)
        try:
            self.process = subprocess.Popen(["sh", "-c", script], pass_fds=(child.fileno(),), cwd=cwd,
                                            env=child_env, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                            start_new_session=True)
        except OSError as error:
            self.close()
            raise SandboxUnavailable(f"cannot start the sandbox: {error}") from error
        finally:
            child.close()

    def stderr_tail(self):
        """The last lines the sandbox printed (bubblewrap's own errors), after it ended."""
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read(4096).decode(errors="replace").strip()[-500:]

    def close(self):
        """End the sandbox and every process in it; remove its cgroups."""
        self.sock.close()
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # bwrap: its PID namespace dies with it
            except ProcessLookupError:
                pass
            process.wait()
        if self.cgroups:
            self.cgroups.kill()
            self.cgroups.remove()


def start(workdir, policy=None):
    """Start the harness for the notebook whose working copy is ``workdir`` (or take one
    that was started ahead for this process: see :func:`hand_over`)."""
    policy = policy or Policy()
    while _handed:
        ready = _handed.pop(0)
        if ready.policy == policy:
            return ready.fill(workdir)
        ready.close()   # started for other limits: never used
    if policy.isolate:
        refusal = probe()
        if refusal:
            raise SandboxUnavailable(refusal)
    return Sandbox(Path(workdir), policy)


# ------------------------------------------------------------------------------------------
# Sandboxes started ahead (nngrade.pool): one fresh sandbox per notebook, never reused
# ------------------------------------------------------------------------------------------

def start_ahead(policy, folder):
    """Start a sandbox now, for a notebook not known yet: its ``/submission`` is the empty
    folder ``folder``, which :meth:`Ready.fill` fills with the notebook's working copy when
    it is taken. The harness imports IPython and NumPy meanwhile. Returns the
    :class:`Sandbox` (owned by the caller, who closes it when the notebook is done)."""
    if policy.isolate:
        refusal = probe()
        if refusal:
            raise SandboxUnavailable(refusal)
    folder = Path(folder)
    folder.mkdir(mode=0o755)
    return Sandbox(folder, policy)


@dataclasses.dataclass
class Ready:
    """The grading process's end of a sandbox started ahead by its parent."""

    sock: socket.socket
    folder: str
    policy: Policy

    def fill(self, workdir):
        """Copy the notebook's working copy (no links followed) into the sandbox's read-only
        ``/submission``; return self, used like a :class:`Sandbox`."""
        shutil.copytree(workdir, self.folder, symlinks=True, dirs_exist_ok=True, ignore=_not_plain)
        return self

    def stderr_tail(self):
        return ""

    def close(self):
        """Hang up; the parent that started the sandbox ends it."""
        self.sock.close()


def _not_plain(folder, names):
    """Entries that are neither plain files nor folders (links, FIFOs, devices): not copied."""
    import stat

    return [n for n in names
            if not stat.S_ISREG(m := os.lstat(os.path.join(folder, n)).st_mode) and not stat.S_ISDIR(m)]


_handed = []   # Ready sandboxes given to this process, used first by start()


def hand_over(ready):
    """Give this process sandboxes started ahead (a list of :class:`Ready`); :func:`start`
    takes one per notebook, in order, instead of starting its own."""
    _handed[:] = list(ready or [])
