"""Grade exports: ``reports/<assignment>/grades.csv`` and ``canvas.csv``.

Both are read from the gradebook (the single source of truth), never from the run's
in-memory results, so they agree with it by construction; the run's outcome only adds
the ``status`` and ``problems`` columns.

``grades.csv``: ``student_id, score, max_score, <notebook>..., late_penalty, status,
problems`` (``score`` before the late penalty, as nbgrader keeps it).

``canvas.csv`` follows Canvas's gradebook import (Grades > Import): the columns
``Student, ID, SIS User ID, SIS Login ID, Section`` identify the student (Canvas matches on
``ID``, then ``SIS User ID``, then ``SIS Login ID``; we fill ``ID`` from nbgrader's
``lms_user_id`` when known and ``SIS Login ID`` from the nbgrader student id), then one
column named after the assignment holding the score minus the late penalty, and a second
row ``Points Possible``. A student without a grade (grading failed) gets an empty cell,
which Canvas leaves unchanged.
"""
import csv
from pathlib import Path

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _rows(gb, assignment, outcomes):
    """One dict per student with a submission in the gradebook or an outcome in this run."""
    by_student = {o.student: o for o in outcomes}
    notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
    graded = {s.student.id: s for s in gb.find_assignment(assignment).submissions}
    rows = []
    for student in sorted(set(graded) | set(by_student)):
        outcome, submission = by_student.get(student), graded.get(student)
        failed = outcome is not None and outcome.status == "failed"
        row = {"student": gb.find_student(student) if submission else None, "student_id": student,
               "status": outcome.status if outcome else "not in this run",
               "problems": " | ".join(outcome.problems) if outcome else ""}
        if submission is not None and not failed:
            row["score"], row["max_score"] = submission.score, submission.max_score
            row["notebooks"] = {nb.name: nb.score for nb in submission.notebooks}
            row["late_penalty"] = submission.late_submission_penalty
        else:
            row["score"], row["max_score"], row["notebooks"], row["late_penalty"] = None, None, {}, None
        rows.append(row)
    return notebooks, rows


def _number(value):
    return "" if value is None else f"{value:g}"


def write_csvs(gb, assignment, outcomes, directory):
    """Write both CSV files into ``directory`` (created if needed); return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    notebooks, rows = _rows(gb, assignment, outcomes)
    max_score = gb.find_assignment(assignment).max_score

    grades = directory / "grades.csv"
    with open(grades, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "score", "max_score", *notebooks, "late_penalty", "status",
                         "problems"])
        for row in rows:
            writer.writerow([row["student_id"], _number(row["score"]), _number(max_score),
                             *(_number(row["notebooks"].get(nb)) for nb in notebooks),
                             _number(row["late_penalty"]), row["status"], row["problems"]])

    canvas = directory / "canvas.csv"
    with open(canvas, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*CANVAS_IDENTITY, assignment])
        writer.writerow(["Points Possible", "", "", "", "", _number(max_score)])
        for row in rows:
            student = row["student"]
            name = ", ".join(n for n in (student and student.last_name, student and student.first_name)
                             if n) or row["student_id"]
            final = None if row["score"] is None else max(0.0, row["score"] - row["late_penalty"])
            writer.writerow([name, (student and student.lms_user_id) or "", "", row["student_id"], "",
                             _number(final)])
    return grades, canvas
