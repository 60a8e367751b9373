"""Regrade only what changed: a submission is graded again when it changed or when what grades
it (a test cell, a locked cell, the points, a data file) changed, and the summary says why."""
import nbformat
import pytest
from test_pipeline import A, make_course, submit

from nngrade.config import Settings
from nngrade.pipeline import grade_class, summary_table

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]


def _edit_source(course, grade_id, change):
    path = course / "solutions" / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    change(cell)
    nbformat.write(nb, path)


def test_only_what_a_changed_test_grades_is_graded_again(tmp_path):
    course = tmp_path / "course"
    released = make_course(course)
    submit(course, released, "ann")
    submit(course, released, "ben", square="    return x + x")   # wrong square: test_square fails
    settings = Settings(course_dir=course, assignment=A, jobs=1, progress=False)
    first = grade_class(settings)
    assert {o.student: (o.status, o.score) for o in first.outcomes} == {
        "ann": ("graded", 5), "ben": ("graded", 2)}
    assert all(o.reason is None for o in first.outcomes)   # first time: nothing to explain

    # Nothing changed, or only a text cell: nobody is graded again.
    _edit_source(course, "intro", lambda c: setattr(c, "source", c.source + "\nRead carefully."))
    again = grade_class(settings)
    assert {o.status for o in again.outcomes} == {"unchanged"}

    # The instructor fixes one test: both are graded again, and the summary says which cell.
    _edit_source(course, "test_square", lambda c: setattr(
        c, "source", c.source.replace("wrong values", "wrong values (x times x expected)")))
    fixed = grade_class(settings)
    assert {o.student: o.status for o in fixed.outcomes} == {"ann": "graded", "ben": "graded"}
    assert all(o.reason == f"test cells changed: {A}/test_square" for o in fixed.outcomes)
    assert any(f"graded again because what grades them changed since they were graded: {A}/test_square"
               in n for n in fixed.notices)
    assert "graded again: test cells changed" in summary_table(fixed)
    assert {o.student: o.score for o in fixed.outcomes} == {"ann": 5, "ben": 2}
    assert any("x times x expected" in o.get("evalue", "")
               for c in nbformat.read(course / "autograded" / "ben" / A / f"{A}.ipynb", as_version=4).cells
               for o in c.get("outputs", []))

    # Points changed on one cell; one student resubmitted: each is graded again, for its reason.
    _edit_source(course, "test_double", lambda c: c.metadata["nbgrader"].update(points=3))
    submit(course, released, "ben")
    last = grade_class(settings)
    reasons = {o.student: o.reason for o in last.outcomes}
    assert reasons == {"ann": f"test cells changed: {A}/test_double",
                       "ben": "resubmitted (the submission changed)"}
    assert {o.student: o.score for o in last.outcomes} == {"ann": 6, "ben": 6}
    assert {o.status for o in grade_class(settings).outcomes} == {"unchanged"}
