"""Speed-up of parallel class grading: ``make grade JOBS=n`` against ``JOBS=1``, same run.

Grades a class of honest submissions (the assignment's solution notebook, handed in by
every student) in a throwaway copy of the course, once per number of jobs, and prints
the wall-clock time of the whole pipeline, the time per submission and the speed-up.
Runs on its own::

    .venv/bin/python benchmarks/bench_grading.py [--assignment ch02-activations] [--students 8]
                                                 [--jobs 2] [--repeats 3]

The goal on 2 cores is a speed-up of at least 1.6 for 8 students. The time includes the
serial parts (building the assignment's template, merging, exports), so it is what an
instructor waits for. On a shared machine the other load shows in the numbers (the load
average is printed); ``--repeats`` measures the pair several times.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nbgrader.api import Gradebook  # noqa: E402

from nngrade.config import Settings  # noqa: E402
from nngrade.pipeline import grade_class  # noqa: E402


def make_class(course, assignment, students):
    """A course with the repository's config and source, and ``students`` honest submissions."""
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
    for index in range(students):
        shutil.copytree(REPO / "solutions" / assignment,
                        course / "submitted" / f"student{index:02d}" / assignment)


def auto_max(course, assignment):
    """Points of the automatically graded cells (written answers are graded by hand)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return sum(cell.max_score for nb in gb.find_assignment(assignment).notebooks
                   for cell in nb.grade_cells if cell.cell_type == "code")


def grade_once(course, assignment, jobs):
    """Grade the whole class from scratch with ``jobs`` workers; return (seconds, outcomes)."""
    for generated in ("autograded", "feedback", "reports", "gradebook.db"):
        path = course / generated
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    start = time.perf_counter()
    run = grade_class(Settings(course_dir=course, assignment=assignment, jobs=jobs, progress=False))
    return time.perf_counter() - start, run.outcomes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ch02-activations")
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=1,
                        help="measure JOBS=1 and JOBS=n back to back this many times (order "
                             "alternating) and report every ratio and their median, which is "
                             "robust to the load of a shared machine")
    args = parser.parse_args(argv)
    if not (REPO / "solutions" / args.assignment).is_dir():
        sys.exit(f"no solutions/{args.assignment} in {REPO}")

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        course = Path(tmp) / "course"
        make_class(course, args.assignment, args.students)
        print(f"{args.students} honest submissions of {args.assignment}")
        ratios = []
        for repeat in range(args.repeats):
            times = {}
            for jobs in (1, args.jobs) if repeat % 2 == 0 else (args.jobs, 1):
                load = os.getloadavg()[0]
                seconds, outcomes = grade_once(course, args.assignment, jobs)
                bad = [o.student for o in outcomes if o.score != auto_max(course, args.assignment)]
                if bad:
                    sys.exit(f"honest submissions did not get every automatic point: {bad}")
                graded = [o.seconds for o in outcomes]
                times[jobs] = seconds
                print(f"JOBS={jobs}: {seconds:6.1f} s for the class, {seconds / args.students:5.2f} s "
                      f"per submission (one worker's own time: {sum(graded) / len(graded):.2f} s "
                      f"each; load average before: {load:.1f})")
            ratios.append(times[1] / times[args.jobs])
            print(f"speed-up JOBS={args.jobs} vs JOBS=1: {ratios[-1]:.2f}")
        if len(ratios) > 1:
            print(f"median speed-up over {len(ratios)} repeats: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
