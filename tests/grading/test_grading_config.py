"""Fast checks of nbgrader_config.py (the end-to-end behaviour is in test_assignments.py)."""

import re
from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]


def load():
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT))
    config = loader.load_config()
    return config, config.GenerateFeedback.preprocessors[-2]


def test_course_layout_and_robustness_settings():
    c, _ = load()
    assert c.CourseDirectory.source_directory == "solutions"
    assert c.CourseDirectory.release_directory == "exercises"
    assert 10 <= c.Execute.timeout <= 300
    assert c.OverwriteCells.add_missing_cells is True
    assert c.IgnorePattern.enabled is True
    for stderr in ["RuntimeWarning: overflow encountered in exp\n", "debug\n", "\n"]:
        assert re.search(c.IgnorePattern.pattern, stderr)
    assert [p.__name__ for p in c.Autograde.sanitize_preprocessors][3] == "RestoreMissingCells"


def test_feedback_hides_hidden_tests_and_their_traceback():
    _, cls = load()
    cell = nbformat.v4.new_code_cell(
        "# Hidden tests for f\n### BEGIN HIDDEN TESTS\nsecret_check(f)\n### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "f_hidden", "points": 1, "locked": True,
                                 "solution": False, "schema_version": 3}
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="f(z) has the wrong sign",
                                           traceback=["----> 3 secret_check(f)", "AssertionError: ..."])]
    visible = nbformat.v4.new_code_cell("check(f)")
    visible.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="x",
                                              traceback=["----> 1 check(f)", "AssertionError: x"])]
    nb = nbformat.v4.new_notebook(cells=[cell, visible])
    nb, _ = cls().preprocess(nb, {})
    assert "secret_check" not in nb.cells[0].source
    assert nb.cells[0].outputs[0].traceback == ["AssertionError: f(z) has the wrong sign"]
    assert nb.cells[1].outputs[0].traceback[0] == "----> 1 check(f)"  # visible tests keep theirs
