"""Fast checks of nbgrader_config.py (the end-to-end behaviour is in test_assignments.py)."""

import re
from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]


def load():
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT))
    config = loader.load_config()
    [cls] = [p for p in config.GenerateFeedback.preprocessors if p.__name__ == "ClearHiddenTestsAndTracebacks"]
    return config, cls


def test_course_layout_and_robustness_settings():
    c, _ = load()
    assert c.CourseDirectory.source_directory == "solutions"
    assert c.CourseDirectory.release_directory == "exercises"
    assert 10 <= c.TrustedExecute.timeout <= 300
    assert [p.__name__ for p in c.Autograde.autograde_preprocessors][0] == "TrustedExecute"
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


def test_feedback_html_runs_no_script_and_shows_formulas_without_mathjax():
    from nbconvert.filters.markdown import markdown2html

    from nngrade.preprocessors import clean_html, html_math_to_mathml

    html = html_math_to_mathml(clean_html(markdown2html(
        "A $a < b$ and $$\\sigma'(z) = \\frac{1}{2}$$ in `$code$` <script>alert(1)</script>"
        '<img src=x onerror="alert(1)">\n\n| a | b |\n|---|---|\n| 1 | 2 |')))
    assert "<script" not in html and "onerror" not in html
    assert html.count("<math") == 2 and 'display="block"' in html and "<code>$code$</code>" in html
    assert "<th>a</th>" in html  # tables keep their headers


def test_feedback_template_loads_no_mathjax_from_a_cdn():
    c, _ = load()
    templates = Path(c.HTMLExporter.extra_template_basedirs[0]) / c.HTMLExporter.template_name
    assert "cdn" not in (templates / "mathjax.html.j2").read_text().lower()
    assert c.HTMLExporter.sanitize_html is True
