"""The class grader's cost per submission against plain nbgrader, where its time goes, how it
scales with ``--jobs`` and on a local Dask cluster; writes the "Class grading" section of
``benchmarks/RESULTS.md``. Runs on its own::

    .venv/bin/python benchmarks/bench_grading.py [--students 8] [--repeats 1]
                                                 [--scale-students 300] [--no-dask]

1. **Per submission, against plain nbgrader, in one run.** The same class (the pilot's
   solution handed in by every student) is graded by ``python -m nngrade <a> --jobs 1``
   (sandbox and feedback on) and by ``nbgrader autograde <a>`` in a copy of the course
   whose ``nbgrader_config.py`` is stock nbgrader (its default ``Execute``, a normal
   ``python3`` kernel, no sandbox, no feedback); back to back, order alternating over
   repeats, for a class of ``--students`` and one three times as large: the difference
   gives the cost of one more submission with each command's start-up cancelled. Both are
   whole commands, start-up included; nbgrader's ``generate_assignment`` is run before and
   not timed (nngrade builds its template inside its time). Plain nbgrader with ``Execute``
   is also the fair stand-in for "today's" grader (what the course graded with before the
   trusted grader).
2. **Where the time goes**: the stages each worker records (:mod:`nngrade.timing`).
3. **--jobs**: 1, the number of cores, twice and four times that, for the class as it is
   (computing) and for the same class waiting (each submission sleeps 1 s in a cell of its
   own): above the number of cores, more jobs help where the work waits.
4. **Scale**: a synthetic class of ``--scale-students`` at ``--jobs 2`` and on a local Dask
   cluster (a scheduler and two one-thread workers on 127.0.0.1): submissions per second,
   CPU seconds per submission (a cpuacct cgroup around everything, or, without one, the
   processes' own times), peak memory (the sum of the resident sizes of every process
   involved, sampled; shared pages count once per process, so it is an upper bound).
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MARKER = "<!-- class grading: written by benchmarks/bench_grading.py -->"
WAITING_SECONDS = 1.0   # the waiting class of the --jobs table: each submission sleeps this long
STAGES = ("worker start", "sandbox start", "cell execution", "trusted tests", "gradebook",
          "feedback HTML", "nbgrader other", "merge")
STOCK_CONFIG = '''# Stock nbgrader, for comparison: nbgrader's default Execute preprocessor, a normal python3
# kernel, no sandbox, no trusted grader (written by benchmarks/bench_grading.py).
c = get_config()
c.CourseDirectory.course_id = "nn-training"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
'''


# ------------------------------------------------------------------------------------------
# Classes
# ------------------------------------------------------------------------------------------

def make_class(course, assignment, students, config=None, wait=0.0):
    """A course with the repository's config (or ``config``) and source, and ``students``
    honest submissions; with ``wait`` > 0 each submission first waits that many seconds in a
    cell of its own (``time.sleep``: a kernel waiting, not computing)."""
    import nbformat

    course.mkdir(parents=True)
    if config is None:
        shutil.copy(REPO / "nbgrader_config.py", course)
    else:
        (course / "nbgrader_config.py").write_text(config)
    shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
    for index in range(students):
        folder = course / "submitted" / f"student{index:03d}" / assignment
        shutil.copytree(REPO / "solutions" / assignment, folder)
        if wait:
            for path in folder.glob("*.ipynb"):
                nb = nbformat.read(path, as_version=4)
                nb.cells.insert(0, nbformat.v4.new_code_cell(f"import time\ntime.sleep({wait})"))
                nbformat.write(nb, path)


def clean(course):
    for generated in ("autograded", "feedback", "reports", "gradebook.db"):
        path = course / generated
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------
# Measuring a process tree
# ------------------------------------------------------------------------------------------

class CpuAccount:
    """CPU seconds of every process started in it (a cgroup v1 cpuacct group), else None."""

    def __init__(self):
        self.path = Path("/sys/fs/cgroup/cpuacct") / f"nngrade-bench-{secrets.token_hex(4)}"
        try:
            self.path.mkdir()
        except OSError:
            self.path = None

    def join(self):
        """For ``preexec_fn``: put the starting process in the group."""
        if self.path is not None:
            (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self):
        if self.path is None:
            return None
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def remove(self):
        if self.path is not None:
            for _ in range(50):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)


class Sampler:
    """Peak of the summed resident memory of some process trees, and their CPU times as a
    fallback (the last seen times of each process)."""

    def __init__(self, roots):
        self.roots, self.peak, self.cpu, self.stop = list(roots), 0, {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            total = 0
            for root in self.roots:
                try:
                    processes = [psutil.Process(root)] + psutil.Process(root).children(recursive=True)
                except psutil.NoSuchProcess:
                    continue
                for p in processes:
                    try:
                        total += p.memory_info().rss
                        times = p.cpu_times()
                        self.cpu[p.pid] = times.user + times.system
                    except psutil.NoSuchProcess:
                        pass
            self.peak = max(self.peak, total)
            self.stop.wait(0.2)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.peak, sum(self.cpu.values())


def run_measured(command, cwd, account=None, extra_roots=()):
    """Run ``command``; return (wall seconds, CPU seconds, peak MB, completed process)."""
    account = account or CpuAccount()
    before = account.seconds()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=account.join)
    sampler = Sampler([process.pid, *extra_roots])
    out, err = process.communicate()
    wall = time.perf_counter() - start
    peak, sampled_cpu = sampler.finish()
    after = account.seconds()
    cpu = sampled_cpu if before is None else after - before
    return wall, cpu, peak / 2**20, subprocess.CompletedProcess(command, process.returncode, out, err)


def nngrade_command(course, assignment, *options):
    return [sys.executable, "-m", "nngrade", assignment, "--course-dir", str(course), "--no-progress",
            *options]


def markers(course, assignment):
    """The Results the run recorded (their stages included)."""
    return [json.loads(p.read_text()) for p in sorted(course.glob(f"autograded/*/{assignment}/.nngrade.json"))]


# ------------------------------------------------------------------------------------------
# A local Dask cluster
# ------------------------------------------------------------------------------------------

class LocalCluster:
    """``dask scheduler`` and two ``dask worker`` processes (one thread each) on 127.0.0.1."""

    def __init__(self, account, workers=2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        dask = str(BIN / "dask")
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                     preexec_fn=account.join)
        self.processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                            "--no-dashboard"], **quiet)]
        for _ in range(workers):
            self.processes.append(subprocess.Popen([dask, "worker", self.address, "--nthreads", "1",
                                                    "--host", "127.0.0.1", "--no-dashboard"], **quiet))
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)

    def pids(self):
        return [p.pid for p in self.processes]

    def close(self):
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


# ------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------

def compare_with_nbgrader(tmp, assignment, students, repeats):
    """Both commands on a class of ``students`` and of three times as many; returns the rows
    ``{(tool, size): [(wall, cpu, scores, load), ...]}`` and nngrade's stages (small class)."""
    sizes = (students, 3 * students)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    nbgrader = [str(BIN / "nbgrader")]
    courses = {}
    for size in sizes:
        course, stock = tmp / f"course{size}", tmp / f"stock{size}"
        make_class(course, assignment, size)
        make_class(stock, assignment, size, config=STOCK_CONFIG)
        subprocess.run([*nbgrader, "generate_assignment", assignment, "--force"], cwd=stock, check=True,
                       capture_output=True, env=env)
        courses[size] = (course, stock)
    rows, stages = {}, {}
    for repeat in range(repeats):
        for size in sizes:
            course, stock = courses[size]
            order = ("nngrade", "nbgrader") if (repeat + size) % 2 == 0 else ("nbgrader", "nngrade")
            times = {}
            for who in order:
                load = os.getloadavg()[0]
                if who == "nngrade":
                    clean(course)
                    wall, cpu, peak, done = run_measured(nngrade_command(course, assignment, "--jobs", "1"), REPO)
                    results = markers(course, assignment)
                    scores = sorted(r["score"] for r in results)
                    if size == students:
                        for name in STAGES:
                            stages.setdefault(name, []).extend(r["stages"].get(name, 0.0) for r in results)
                else:
                    for generated in ("autograded", "feedback"):
                        shutil.rmtree(stock / generated, ignore_errors=True)
                    wall, cpu, peak, done = run_measured([*nbgrader, "autograde", assignment, "--force"], stock)
                    scores = _stock_scores(stock, assignment)
                if done.returncode != 0:
                    sys.exit(f"{who} failed ({done.returncode}):\n{done.stderr[-3000:]}")
                times[who] = (wall, cpu, scores, load)
                rows.setdefault((who, size), []).append(times[who])
            if times["nngrade"][2] != times["nbgrader"][2] or len(times["nngrade"][2]) != size:
                sys.exit(f"the two graders disagree: {times['nngrade'][2]} vs {times['nbgrader'][2]}")
            print(f"repeat {repeat + 1}, {size} submissions: nngrade --jobs 1 {times['nngrade'][0]:.1f} s "
                  f"({times['nngrade'][0] / size:.2f} s/submission, CPU {times['nngrade'][1] / size:.2f}), "
                  f"plain nbgrader {times['nbgrader'][0]:.1f} s ({times['nbgrader'][0] / size:.2f} s/submission, "
                  f"CPU {times['nbgrader'][1] / size:.2f}): ratio {times['nngrade'][0] / times['nbgrader'][0]:.2f} "
                  f"(load average {load:.1f})")
    return rows, stages


def per_submission(rows, who, sizes, index):
    """Median over repeats of the marginal cost of one more submission (``index`` 0: wall,
    1: CPU): (T(big) - T(small)) / (big - small), start-up costs cancelled."""
    small, big = sizes
    pairs = zip(rows[(who, small)], rows[(who, big)])
    return statistics.median((b[index] - s[index]) / (big - small) for s, b in pairs)


def _stock_scores(course, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return sorted(s.score for s in gb.assignment_submissions(assignment))


def jobs_scaling(tmp, assignment, students, jobs_list, wait=0.0):
    """Grade one class at each ``--jobs``; ``wait``: its submissions sleep that long (see make_class)."""
    course = tmp / f"jobs-wait{wait:g}"
    make_class(course, assignment, students, wait=wait)
    out = {}
    for jobs in jobs_list:
        clean(course)
        wall, cpu, peak, done = run_measured(nngrade_command(course, assignment, "--jobs", str(jobs)), REPO)
        if done.returncode != 0:
            sys.exit(f"--jobs {jobs} failed:\n{done.stderr[-3000:]}")
        out[jobs] = (wall, cpu)
        print(f"--jobs {jobs}{f' (cells waiting {wait:g} s)' if wait else ''}: {wall:.1f} s for {students} "
              f"({wall / students:.2f} s/submission, CPU {cpu / students:.2f} s/submission)")
    return out


def scale(tmp, assignment, students, dask):
    course = tmp / "scale"
    make_class(course, assignment, students)
    out = {}
    account = CpuAccount()
    try:
        clean(course)
        wall, cpu, peak, done = run_measured(nngrade_command(course, assignment, "--jobs", "2"), REPO, account)
        if done.returncode != 0:
            sys.exit(f"scale run failed:\n{done.stderr[-3000:]}")
        merge = statistics.mean(r["stages"].get("merge", 0.0) for r in markers(course, assignment))
        out["--jobs 2"] = (wall, cpu, peak, merge)
        print(f"{students} submissions, --jobs 2: {students / wall:.2f} submissions/s, CPU "
              f"{cpu / students:.2f} s/submission, peak memory {peak:.0f} MB")
        if dask:
            cluster = LocalCluster(account)
            try:
                clean(course)
                wall, cpu, peak, done = run_measured(
                    nngrade_command(course, assignment, "--cluster", cluster.address), REPO, account,
                    extra_roots=cluster.pids())
                if done.returncode != 0:
                    sys.exit(f"Dask scale run failed:\n{done.stderr[-3000:]}")
                merge = statistics.mean(r["stages"].get("merge", 0.0) for r in markers(course, assignment))
                out["Dask, 2 workers x 1 thread"] = (wall, cpu, peak, merge)
                print(f"{students} submissions on a local Dask cluster (2 workers): {students / wall:.2f} "
                      f"submissions/s, CPU {cpu / students:.2f} s/submission, peak memory {peak:.0f} MB")
            finally:
                cluster.close()
    finally:
        account.remove()
    return out


def write_section(args, compared, stages, jobs, scaled):
    cores = os.cpu_count()
    n = args.students
    sizes = (n, 3 * n)
    lines = [MARKER, "", "## Class grading (`benchmarks/bench_grading.py`)", "",
             f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {cores} cores; load average "
             f"at the start: {args.load[0]:.2f}, {args.load[1]:.2f}, {args.load[2]:.2f} (a shared machine: "
             "other people's builds and tests ran meanwhile)",
             f"- classes: {n} and {3 * n} honest submissions of `{args.assignment}` (the solution notebook)", "",
             "### Per submission: `python -m nngrade --jobs 1` against plain `nbgrader autograde`, same run", "",
             "Whole commands (start-up included); nngrade with the sandbox, the trusted tests and the "
             "feedback; plain nbgrader = stock configuration (its `Execute`, a python3 kernel, no "
             "sandbox, no feedback), which is also the fair stand-in for the grader before the trusted "
             "one. The two give every submission the same score (checked).", "",
             "| class | repeat | nngrade --jobs 1 (s/submission) | plain nbgrader (s/submission) | ratio | "
             "CPU s/submission nngrade / nbgrader | load |",
             "|---|---|---|---|---|---|---|"]
    ratios = {size: [] for size in sizes}
    for size in sizes:
        for i, (ng, nb) in enumerate(zip(compared[("nngrade", size)], compared[("nbgrader", size)]), 1):
            ratios[size].append(ng[0] / nb[0])
            lines.append(f"| {size} | {i} | {ng[0] / size:.2f} | {nb[0] / size:.2f} | {ng[0] / nb[0]:.2f} | "
                         f"{ng[1] / size:.2f} / {nb[1] / size:.2f} | {ng[3]:.1f} |")
    wall_ng, wall_nb = (per_submission(compared, w, sizes, 0) for w in ("nngrade", "nbgrader"))
    cpu_ng, cpu_nb = (per_submission(compared, w, sizes, 1) for w in ("nngrade", "nbgrader"))
    lines += ["", f"- median ratio of whole runs, {n} submissions: {statistics.median(ratios[n]):.2f}; "
              f"{3 * n} submissions: {statistics.median(ratios[3 * n]):.2f}",
              f"- **one more submission (start-up cancelled: (T({3 * n}) - T({n})) / {2 * n}): nngrade "
              f"{wall_ng:.2f} s, plain nbgrader {wall_nb:.2f} s, ratio {wall_ng / wall_nb:.2f}** (goal <= 0.5); "
              f"CPU: nngrade {cpu_ng:.2f} s, plain nbgrader {cpu_nb:.2f} s"]
    lines += ["", "### Where a submission's time goes (nngrade, --jobs 1; seconds, median over submissions)", "",
              "| stage | median | mean |", "|---|---|---|"]
    for name in STAGES:
        values = stages.get(name) or [0.0]
        lines.append(f"| {name} | {statistics.median(values):.3f} | {statistics.mean(values):.3f} |")
    lines += ["", "`worker start` includes, for the first submission, waiting for the workers' fork server to "
              "import and grade its warm-up job; `merge` runs in the pipeline while the next "
              "submission is graded.", "", "### --jobs", "",
              f"The class of {n}, honest (computing) and with a first cell that sleeps {WAITING_SECONDS:g} s "
              "(waiting: the sandboxed kernel holds no core). Above the number of cores, more jobs help "
              "only the waiting class.", "",
              "| class | --jobs | s for the class | s/submission | CPU s/submission | speed-up |",
              "|---|---|---|---|---|---|"]
    for wait, rows in jobs.items():
        label = f"waiting {wait:g} s" if wait else "computing"
        for j, (wall, cpu) in rows.items():
            lines.append(f"| {label} | {j} | {wall:.1f} | {wall / n:.2f} | {cpu / n:.2f} | "
                         f"{rows[min(rows)][0] / wall:.2f} |")
    if scaled:
        s = args.scale_students
        lines += ["", f"### Scale: {s} submissions", "",
                  "| where | submissions/s | CPU s/submission | peak memory (MB) | merge s/submission |",
                  "|---|---|---|---|---|"]
        for where, (wall, cpu, peak, merge) in scaled.items():
            lines.append(f"| {where} | {s / wall:.2f} | {cpu / s:.2f} | {peak:.0f} | {merge:.3f} |")
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    head = text.split(MARKER)[0].rstrip() + "\n\n"
    tail = ""
    if "<!-- extrapolation -->" in text:
        tail = "\n" + text[text.index("<!-- extrapolation -->"):]
    RESULTS.write_text(head + "\n".join(lines) + "\n" + tail)
    print(f"wrote the class grading section of {RESULTS}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ch02-activations")
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--scale-students", type=int, default=300)
    parser.add_argument("--no-scale", dest="scale", action="store_false")
    parser.add_argument("--no-dask", dest="dask", action="store_false")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print only")
    args = parser.parse_args(argv)
    args.load = os.getloadavg()
    if not (REPO / "solutions" / args.assignment).is_dir():
        sys.exit(f"no solutions/{args.assignment} in {REPO}")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        print(f"{args.students} honest submissions of {args.assignment}")
        compared, stages = compare_with_nbgrader(tmp, args.assignment, args.students, args.repeats)
        for name in STAGES:
            values = stages.get(name) or [0.0]
            print(f"  {name:15s} median {statistics.median(values):.3f} s, mean {statistics.mean(values):.3f} s")
        cores = os.cpu_count()
        jobs = {wait: jobs_scaling(tmp, args.assignment, args.students, sorted({1, cores, 2 * cores, 4 * cores}), wait)
                for wait in (0.0, WAITING_SECONDS)}
        scaled = scale(tmp, args.assignment, args.scale_students, args.dask) if args.scale else {}
        if args.write:
            write_section(args, compared, stages, jobs, scaled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
