"""``python -m nngrade <assignment> [--jobs n]``: grade a class (see nngrade.pipeline)."""
import argparse
import os
import sys

from nngrade.config import Settings


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nngrade",
        description="Autograde every submitted/<student>/<assignment>/ in parallel, sandboxed and "
                    "resumable; write feedback/, the gradebook and reports/<assignment>/.")
    parser.add_argument("assignment", help="assignment name, e.g. ch02-activations")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count(),
                        help="worker processes (default: number of cores, %(default)s)")
    parser.add_argument("--course-dir", default=".", help="the nbgrader course directory (default: .)")
    parser.add_argument("--db", dest="db_url", default=None,
                        help="gradebook SQLAlchemy URL, e.g. postgresql://user@host/db "
                             "(default: CourseDirectory.db_url of nbgrader_config.py, else gradebook.db)")
    parser.add_argument("--cell-timeout", type=int, default=None,
                        help="seconds per cell (default: TrustedExecute.timeout of nbgrader_config.py)")
    parser.add_argument("--timeout", dest="notebook_timeout", type=int, default=600,
                        help="wall-clock seconds for one whole submission (default: 600)")
    parser.add_argument("--memory-mb", type=int, default=2048,
                        help="memory (address space) limit of a student's kernel in MB (default: 2048)")
    parser.add_argument("--max-file-mb", type=float, default=50,
                        help="a submission with a larger file is not graded (default: 50)")
    parser.add_argument("--max-files", type=int, default=200,
                        help="a submission with more files and folders is not graded (default: 200)")
    parser.add_argument("--max-submission-mb", type=float, default=200,
                        help="a larger submission is not graded (default: 200)")
    parser.add_argument("--max-unpacked-mb", type=float, default=2048,
                        help="stop unpacking an LMS zip download beyond this (default: 2048)")
    parser.add_argument("--cluster", default=None, metavar="ADDRESS",
                        help="grade on a Dask cluster: the scheduler's address, e.g. "
                             "tcp://scheduler:8786 (its workers need this environment and "
                             "bubblewrap, no shared filesystem; --jobs is then unused)")
    parser.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None):
    """Exit status: 0 when every submission has its grade (hand grading may still be
    pending), 1 while any is in error, failed or rejected (the summary says what to do),
    2 when the run could not start, 130 when interrupted."""
    args = parse_args(argv)
    if not args.cluster:  # the workers' fork server imports while this process does
        from nngrade import engines

        engines.start_early()
    from nngrade.pipeline import grade_class, summary_table, what_to_do

    try:
        settings = Settings(**vars(args))
        run = grade_class(settings)
    except (FileNotFoundError, ValueError, RuntimeError, OSError) as error:  # OSError: no cluster
        print(f"nngrade: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nngrade: interrupted; grades merged so far are kept, run again to resume",
              file=sys.stderr)
        return 130
    print(summary_table(run))
    advice = what_to_do(run)
    if advice:
        print(advice, file=sys.stderr)
    return 1 if run.needing_attention else 0


if __name__ == "__main__":
    sys.exit(main())
