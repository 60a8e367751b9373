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

    # test_square is the last test: no verdict after it could be kept.
    assert {o.kept_verdicts for o in fixed.outcomes} == {0}

    # Points changed on the first test; one student resubmitted: each is graded again, for its
    # reason. Only tests changed for ann, so test_square (after test_double) keeps its earlier
    # verdict: marked here in ann's autograded notebook, the mark is still there afterwards.
    graded = course / "autograded" / "ann" / A / f"{A}.ipynb"
    nb = nbformat.read(graded, as_version=4)
    square = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square")
    square.outputs = [nbformat.v4.new_output("stream", name="stdout", text="the earlier verdict\n")]
    nbformat.write(nb, graded)
    _edit_source(course, "test_double", lambda c: c.metadata["nbgrader"].update(points=3))
    submit(course, released, "ben")
    last = grade_class(settings)
    reasons = {o.student: o.reason for o in last.outcomes}
    assert reasons == {"ann": f"test cells changed: {A}/test_double",
                       "ben": "resubmitted (the submission changed)"}
    assert {o.student: o.kept_verdicts for o in last.outcomes} == {"ann": 1, "ben": 0}
    assert {o.student: o.score for o in last.outcomes} == {"ann": 6, "ben": 6}
    square = next(c for c in nbformat.read(graded, as_version=4).cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square")
    assert [o.get("text") for o in square.outputs] == ["the earlier verdict\n"]
    assert square.metadata["nngrade"] == {"kept_verdict": True}
    assert "(1 test verdicts kept)" in summary_table(last)
    assert any("only tests changed, so the tests after the last changed one kept their earlier verdicts" in n
               for n in last.notices)
    assert {o.status for o in grade_class(settings).outcomes} == {"unchanged"}

    # A changed locked cell changes what every test sees: no verdict is kept.
    _edit_source(course, "imports", lambda c: setattr(c, "source", "import numpy as np  # the course's numpy"))
    _edit_source(course, "test_double", lambda c: c.metadata["nbgrader"].update(points=2))
    locked = grade_class(settings)
    assert {o.reason for o in locked.outcomes} == {f"test cells changed: {A}/imports, {A}/test_double"}
    assert {o.kept_verdicts for o in locked.outcomes} == {0}
    assert {o.student: o.score for o in locked.outcomes} == {"ann": 5, "ben": 5}
