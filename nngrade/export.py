"""Grade exports: ``reports/<assignment>/grades.csv`` and ``canvas.csv``.

Both are read from the gradebook (the single source of truth), never from the run's
in-memory results, so they agree with it by construction; the run's outcome only adds
the ``status`` and ``problems`` columns, and says whether the gradebook's grade may be used.

**Only final grades are exported as scores.** A submission without a grade from this run
(status ``failed``, ``rejected``, or ``error`` with ``infrastructure=True``: the kernel or
the sandbox could not start) has an EMPTY score, never 0, even if the gradebook holds an
older grade. A submission with parts still to be graded by hand (nbgrader's
``needs_manual_grade`` with no manual score: written answers, notebooks whose points were
withheld for tampering) is incomplete: its ``score`` is empty, ``score_so_far`` holds the
points given so far and ``pending_manual`` the points still to come; a notebook column is
empty while that notebook has pending parts.

``grades.csv``: ``student_id, score, max_score, <notebook>..., late_penalty, complete,
score_so_far, pending_manual, status, problems`` (``score`` before the late penalty, as
nbgrader keeps it).

``canvas.csv`` follows Canvas's gradebook import (Grades > Import): the columns
``Student, ID, SIS User ID, SIS Login ID, Section`` identify the student (Canvas matches on
``ID``, then ``SIS User ID``, then ``SIS Login ID``; we fill ``ID`` from nbgrader's
``lms_user_id`` when known and ``SIS Login ID`` from the nbgrader student id), then one
column named after the assignment holding the score minus the late penalty, and a second
row ``Points Possible``. A student without a final grade gets an empty cell, which Canvas
leaves unchanged.

**Formula injection.** Every text cell that a spreadsheet would read as a formula (starting
with ``= + - @``, a tab or a carriage return: a student id ``=1+1``, a notebook name...) is
written with a leading ``'`` (:func:`guard`), which spreadsheets show as text. Numbers
are written by us and never guarded.
"""
import csv
from pathlib import Path

from nngrade.gradebook import pending_points

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value):
    """A text cell made safe from spreadsheet formula injection (see the module docstring)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _rows(gb, assignment, outcomes):
    """One dict per student with a submission in the gradebook or an outcome in this run."""
    by_student = {o.student: o for o in outcomes}
    notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
    graded = {s.student.id: s for s in gb.find_assignment(assignment).submissions}
    rows = []
    for student in sorted(set(graded) | set(by_student)):
        outcome, submission = by_student.get(student), graded.get(student)
        usable = submission is not None and (outcome is None or outcome.has_grade)
        row = {"student": gb.find_student(student) if submission else None, "student_id": student,
               "status": outcome.status if outcome else "not in this run",
               "problems": " | ".join(outcome.problems) if outcome else "",
               "score": None, "so_far": None, "notebooks": {}, "late_penalty": None,
               "pending": None, "complete": False}
        if usable:
            row["pending"] = pending_points(submission)
            row["complete"] = not row["pending"]
            row["so_far"] = submission.score
            row["score"] = submission.score if row["complete"] else None
            row["notebooks"] = {nb.name: nb.score for nb in submission.notebooks
                                if not pending_points(nb)}
            row["late_penalty"] = submission.late_submission_penalty
        rows.append(row)
    return notebooks, rows


def _number(value):
    return "" if value is None else f"{value:g}"


def _complete(row):
    if row["so_far"] is None:
        return ""
    return "yes" if row["complete"] else "no"


def write_csvs(gb, assignment, outcomes, directory):
    """Write both CSV files into ``directory`` (created if needed); return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    notebooks, rows = _rows(gb, assignment, outcomes)
    max_score = gb.find_assignment(assignment).max_score

    grades = directory / "grades.csv"
    with open(grades, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(map(guard, ["student_id", "score", "max_score", *notebooks, "late_penalty",
                                    "complete", "score_so_far", "pending_manual", "status",
                                    "problems"]))
        for row in rows:
            writer.writerow([guard(row["student_id"]), _number(row["score"]), _number(max_score),
                             *(_number(row["notebooks"].get(nb)) for nb in notebooks),
                             _number(row["late_penalty"]), _complete(row), _number(row["so_far"]),
                             _number(row["pending"]), guard(row["status"]),
                             guard(row["problems"])])

    canvas = directory / "canvas.csv"
    with open(canvas, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*CANVAS_IDENTITY, guard(assignment)])
        writer.writerow(["Points Possible", "", "", "", "", _number(max_score)])
        for row in rows:
            student = row["student"]
            name = ", ".join(n for n in (student and student.last_name, student and student.first_name)
                             if n) or row["student_id"]
            final = None if row["score"] is None else max(0.0, row["score"] - row["late_penalty"])
            writer.writerow([guard(name), guard((student and student.lms_user_id) or ""), "",
                             guard(row["student_id"]), "", _number(final)])
    return grades, canvas
