"""The one real gradebook, and the throwaway ones the workers use.

nbgrader's SQLite gradebook does not take concurrent writers, and a student's code must
never reach it. So each submission is graded against its own copy of a *template*
gradebook (the assignment's metadata, no students) and only the pipeline's main process
copies the results into the real gradebook (any SQLAlchemy URL: SQLite, PostgreSQL...)
through nbgrader's ``Gradebook`` API: exactly one writer.
"""
import functools
import os
from pathlib import Path

import nbgrader
import nbgrader.api
from nbgrader.api import Comment, Grade, MissingEntry, SubmittedNotebook
from sqlalchemy.orm import selectinload


@functools.cache
def _alembic_head():
    """The schema revision nbgrader stamps on a new gradebook, computed in-process.

    nbgrader runs the ``alembic`` command for it every time it creates a gradebook: a
    second process start-up (seconds on a loaded machine) that also fails when the
    virtual environment's ``bin/`` is not on PATH. Same answer, read from nbgrader's own
    migration scripts.
    """
    from alembic.script import ScriptDirectory

    return ScriptDirectory(os.path.join(os.path.dirname(nbgrader.__file__), "alembic")).get_current_head()


nbgrader.api.get_alembic_version = _alembic_head


def sqlite_url(path):
    return f"sqlite:///{Path(path).resolve()}"


def copy_assignment(src, dst, assignment):
    """Create or update ``assignment``'s notebooks and cells in ``dst`` as they are in ``src``."""
    a = src.find_assignment(assignment)
    # A template has no due date: never erase the one the instructor set in dst.
    dst.update_or_create_assignment(assignment, **({"duedate": a.duedate} if a.duedate else {}))
    for nb in a.notebooks:
        dst.update_or_create_notebook(nb.name, assignment, kernelspec=nb.kernelspec)
        for c in nb.grade_cells:
            dst.update_or_create_grade_cell(c.name, nb.name, assignment,
                                            max_score=c.max_score, cell_type=c.cell_type)
        for c in nb.solution_cells:
            dst.update_or_create_solution_cell(c.name, nb.name, assignment)
        for c in nb.task_cells:
            dst.update_or_create_task_cell(c.name, nb.name, assignment,
                                           max_score=c.max_score, cell_type=c.cell_type)
        for c in nb.source_cells:
            dst.update_or_create_source_cell(c.name, nb.name, assignment, cell_type=c.cell_type,
                                             locked=c.locked, source=c.source, checksum=c.checksum)


def merge_submission(src, dst, assignment, student):
    """Copy one student's automatic grades from ``src`` (a worker's gradebook) into ``dst``.

    Manual scores, extra credit and manual comments already in ``dst`` are kept, as
    nbgrader's own autograde keeps them. Commits once, at the end.
    """
    submission = src.find_submission(assignment, student)
    dst.update_or_create_student(student)
    try:
        target = dst.find_submission(assignment, student)
        _complete(dst, target)
    except MissingEntry:
        target = dst.add_submission(assignment, student)
    target.timestamp = submission.timestamp
    for notebook in submission.notebooks:
        target_nb = dst.find_submission_notebook(notebook.name, assignment, student)
        target_nb.flagged = notebook.flagged
        target_nb.late_submission_penalty = notebook.late_submission_penalty
        grades = by_cell(dst, Grade, target_nb)
        for name, grade in by_cell(src, Grade, notebook).items():
            t = _entry(grades, name, "grade", notebook.name)
            t.auto_score, t.needs_manual_grade = grade.auto_score, grade.needs_manual_grade
        comments = by_cell(dst, Comment, target_nb)
        for name, comment in by_cell(src, Comment, notebook).items():
            _entry(comments, name, "comment", notebook.name).auto_comment = comment.auto_comment
    dst.db.commit()


def by_cell(gb, model, submitted_notebook):
    """``{cell name: row}`` of the ``Grade`` or ``Comment`` rows of one submitted notebook, their
    cells loaded with them: two queries, where ``find_grade`` per cell makes one or two each."""
    rows = gb.db.query(model).options(selectinload(model.cell)).filter(model.notebook_id == submitted_notebook.id)
    return {row.cell.name: row for row in rows}


def _entry(rows, name, kind, notebook):
    try:
        return rows[name]
    except KeyError:
        raise MissingEntry(f"no {kind} for cell {name!r} of {notebook} in the gradebook") from None


def due_date(gb, assignment):
    """The assignment's due date in ``gb``, or None."""
    try:
        return gb.find_assignment(assignment).duedate
    except MissingEntry:
        return None


def extension_seconds(gb, assignment, student):
    """The extension of a student's deadline in ``gb``, in seconds, or None."""
    try:
        extension = gb.find_submission(assignment, student).extension
    except MissingEntry:
        return None
    return extension.total_seconds() if extension else None


def _complete(gb, submission):
    """Give an existing submission the notebooks and cells its assignment has gained since it
    was created (e.g. one made by ``nbgrader db`` to record an extension before the assignment
    had notebooks), as ``Gradebook.add_submission`` does for a new one."""
    for notebook in submission.assignment.notebooks:
        submitted = next((nb for nb in submission.notebooks if nb.notebook_id == notebook.id), None)
        if submitted is None:
            submitted = SubmittedNotebook(notebook=notebook, assignment=submission)
            gb.db.add(submitted)
        graded = {grade.cell_id for grade in submitted.grades}
        commented = {comment.cell_id for comment in submitted.comments}
        for cell in notebook.grade_cells + notebook.task_cells:
            if cell.id not in graded:
                gb.db.add(Grade(cell_id=cell.id, notebook=submitted))
        for cell in notebook.solution_cells + notebook.task_cells:
            if cell.id not in commented:
                gb.db.add(Comment(cell_id=cell.id, notebook=submitted))
    gb.db.flush()


def has_submission(gb, assignment, student):
    """Whether ``gb`` holds a submission of ``assignment`` by ``student``."""
    try:
        gb.find_submission(assignment, student)
    except MissingEntry:
        return False
    return True


def submission_scores(gb, assignment, student):
    """``(total, max_total, {notebook: score})`` of a student's submission, or None if absent."""
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    return submission.score, submission.max_score, {nb.name: nb.score for nb in submission.notebooks}


def is_pending(grade):
    """True when a part still waits for a person: nbgrader marks it ``needs_manual_grade``,
    no manual score was given, and it is either a part graded by hand (a written answer, a
    task, a free-response code cell) or one with an automatic score that a person must
    confirm (points withheld for tampering).

    Not pending: a part with a manual score (nbgrader sets ``needs_manual_grade`` again
    when such a part is regraded, "to review"), and a test cell that was never run (the
    kernel died first: it scores 0 and the submission's status is ``error``).
    """
    if not grade.needs_manual_grade or grade.manual_score is not None:
        return False
    if grade.auto_score is not None:
        return True
    cell = grade.cell
    return cell.cell_type == "markdown" or cell.name in {c.name for c in cell.notebook.solution_cells}


def pending_points(notebook):
    """Points of a submitted notebook (or of every notebook of a submitted assignment) still
    to be graded by hand."""
    notebooks = getattr(notebook, "notebooks", None) or [notebook]
    return sum(grade.max_score for nb in notebooks for grade in nb.grades if is_pending(grade))


def cell_scores(gb, assignment, student, notebook):
    """``{grade_id: (score or None when pending, max_score)}`` of one submitted notebook, and
    its ``(score so far, max_score, pending points)``."""
    submitted = gb.find_submission_notebook(notebook, assignment, student)
    cells = {name: (None if is_pending(grade) else grade.score, grade.max_score)
             for name, grade in by_cell(gb, Grade, submitted).items()}
    return cells, (submitted.score, submitted.max_score, pending_points(submitted))
