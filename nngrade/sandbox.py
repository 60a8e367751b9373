"""Kernel launcher that confines one student's Python kernel.

nbgrader starts the kernel that runs a submission through a kernelspec; the worker
writes one whose command is this file (run as a script, standard library only)::

    python sandbox.py POLICY.json -f CONNECTION_FILE [ipykernel arguments]

Before it replaces itself with ``ipykernel`` it applies the policy (a JSON file written
by :func:`write_kernelspec`):

1. **Hide files** (only when started as root): a private mount namespace in which
   every path in ``policy["hide"]`` (the course's ``solutions/``, ``submitted/``,
   ``autograded/``, ``feedback/``, the gradebook file, the other scratch directories...)
   is covered by an empty, inaccessible tmpfs (directories) or by ``/dev/null`` (files),
   and ``/tmp`` is a fresh private tmpfs that holds the kernel's home. The Python
   installation stays reachable even when it lives in a folder the kernel's user cannot
   enter (``policy["reveal"]``, e.g. a pyenv under ``/root``, whose rest is then hidden).
2. **Drop privileges** (only when started as root): switch to ``policy["user"]``
   (default ``nobody``), clear supplementary groups, set ``no_new_privs`` so no setuid
   program can win root back, and ask for SIGKILL when the grading worker dies.
3. **Limit resources**: address space (``RLIMIT_AS``, so a huge allocation raises
   ``MemoryError``), CPU seconds, size of written files, number of processes, no core dumps.
4. **Clean the environment**: only the variables a kernel needs (:data:`KEEP_ENV`) pass, so
   secrets in the instructor's environment (a database password...) do not.

What stays reachable: everything world-readable outside the hidden paths (the Python
environment and ``nnref`` must be, to run at all), and the network (the kernel talks to
nbgrader over loopback TCP). Without root, steps 1 and 2 are impossible; the launcher
then refuses to start unless the policy says ``"isolate": false`` (the pipeline decides
this up front with :func:`probe` and reports it).
"""
import ctypes
import json
import os
import pathlib
import pwd
import resource
import signal
import sys
import tempfile

KERNEL_NAME = "nngrade-sandbox"
KEEP_ENV = {"PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "VIRTUAL_ENV", "PYTHONPATH",
            "JPY_PARENT_PID", "NBGRADER_EXECUTION", "OPENBLAS_CORETYPE"}

# Linux constants (sched.h, sys/mount.h, sys/prctl.h).
CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data):
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       flags, data and data.encode()), f"mount {target}")


def _blocked_ancestor(path):
    """The highest folder above ``path`` that other users cannot enter (e.g. ``/root``), or None."""
    for ancestor in reversed(pathlib.Path(path).parents[:-1]):  # from the top, "/" excluded
        if not os.stat(ancestor).st_mode & 0o001:
            return str(ancestor)
    return None


def isolate(hide, reveal, tmp_size="256m"):
    """Enter a private mount namespace: ``hide`` emptied, ``/tmp`` fresh, ``reveal`` reachable.

    ``reveal`` lists folders the kernel must reach (the Python installation, the virtual
    environment, nnref's source). Covering ``/tmp`` or a hidden path may cover them too (a
    course cloned under ``/tmp``), and some sit below a folder the kernel's user cannot
    enter (e.g. a pyenv in ``/root``, which is then replaced by an empty tmpfs, hiding the
    rest of it). So each is held open before anything is covered and bound back at its own
    path afterwards, from ``/proc/self/fd``, which still reaches the covered folder.
    """
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    # Mounts made from now on must not propagate back to the host.
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    # Opened inside the new namespace, so that the bind mounts below may use them.
    handles = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in sorted(reveal, key=len)]
    blocked = dict.fromkeys(filter(None, map(_blocked_ancestor, reveal)))  # before /tmp is covered
    for path in hide:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000")
        elif os.path.exists(path):
            _mount("/dev/null", path, None, MS_BIND, None)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_size},mode=1777")
    for folder in blocked:
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=755")
    for path, fd in handles:
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        os.close(fd)


def drop_privileges(user):
    """Become ``user`` for good (no way back through setuid programs)."""
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    return entry


def limit_resources(policy):
    """Apply the policy's limits (bytes, seconds, count) to this process and its children."""
    limits = {
        resource.RLIMIT_AS: policy["memory_bytes"],
        resource.RLIMIT_CPU: policy["cpu_seconds"],
        resource.RLIMIT_FSIZE: policy["file_bytes"],
        resource.RLIMIT_NPROC: policy["processes"],
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        if value is not None:
            resource.setrlimit(which, (value, value))


def launch(policy, kernel_args):
    """Confine this process as the policy says, then exec ipykernel with ``kernel_args``."""
    # The interpreter by its real folder, resolved now: isolating may hide a symlink on the way.
    python = os.path.join(os.path.realpath(os.path.dirname(sys.executable)),
                          os.path.basename(sys.executable))
    connection = kernel_args[kernel_args.index("-f") + 1]
    with open(connection) as f:  # readable by us (root) only: copy it for the kernel's user
        connection_text = f.read()
    if policy["isolate"]:
        isolate(policy["hide"], policy["reveal"])
        home = "/tmp/home"  # this kernel's own /tmp
        os.mkdir(home, 0o700)
        entry = pwd.getpwnam(policy["user"])
        os.chown(home, entry.pw_uid, entry.pw_gid)
        drop_privileges(policy["user"])
    else:
        # kernels run side by side: one home each, in a folder the worker removes
        home = tempfile.mkdtemp(prefix="kernel-home-", dir=policy.get("home_root"))
    # Die with the worker (set after setuid, which clears it).
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    limit_resources(policy)

    new_connection = os.path.join(home, "kernel.json")
    with open(os.open(new_connection, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(connection_text)
    kernel_args[kernel_args.index("-f") + 1] = new_connection
    env = {key: value for key, value in os.environ.items() if key in KEEP_ENV}
    env.update(HOME=home, TMPDIR=home, IPYTHONDIR=os.path.join(home, ".ipython"),
               MPLCONFIGDIR=os.path.join(home, ".matplotlib"), MPLBACKEND="Agg",
               # one BLAS thread: the pipeline already runs one kernel per core
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1")
    os.execve(python, [python, "-m", "ipykernel_launcher", *kernel_args], env)


def probe(user):
    """Return ``None`` when kernels can be isolated as ``user`` here, else the reason why not."""
    if os.geteuid() != 0:
        return "not running as root: kernels run with your own rights"
    try:
        pwd.getpwnam(user)
    except KeyError:
        return f"no user {user!r} on this machine"
    pid = os.fork()
    if pid == 0:  # try it for real in a child, which then exits
        try:
            isolate([], [])
            drop_privileges(user)
        except OSError:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return None if os.waitstatus_to_exitcode(status) == 0 else "cannot create a mount namespace here"


def write_kernelspec(directory, policy):
    """Write ``<directory>/kernels/nngrade-sandbox/`` (point ``JUPYTER_PATH`` at ``directory``)."""
    spec_dir = os.path.join(directory, "kernels", KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    policy_path = os.path.join(spec_dir, "policy.json")
    with open(policy_path, "w") as f:
        json.dump(policy, f, indent=1)
    spec = {"argv": [sys.executable, os.path.abspath(__file__), policy_path, "-f", "{connection_file}"],
            "display_name": "Python 3 (nngrade sandbox)", "language": "python"}
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return spec_dir


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        _policy = json.load(f)
    try:
        launch(_policy, sys.argv[2:])
    except OSError as error:
        sys.exit(f"nngrade sandbox: cannot confine the kernel: {error}")
