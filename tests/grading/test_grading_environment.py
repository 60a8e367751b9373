"""The environment-check cell that opens every exercise notebook (issue 11, item 3)."""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "exercises").glob("*/*.ipynb"))


def first_code_cell(path):
    return next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_first_cell_is_the_locked_environment_check(path):
    cell = first_code_cell(path)
    meta = cell.metadata.get("nbgrader", {})
    assert meta.get("grade_id") == "environment" and meta.get("locked"), \
        "the first code cell must be the locked environment check (see CONTRIBUTING.md)"
    assert "grading.check_environment()" in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_environment_cell_says_ok_or_how_to_fix_a_missing_nnref(path, capsys, monkeypatch):
    source = first_code_cell(path).source
    exec(source, {})
    assert capsys.readouterr().out.startswith("Environment OK")

    monkeypatch.setitem(sys.modules, "nnref", None)  # `import nnref` now raises ImportError
    exec(source, {})
    out = capsys.readouterr().out
    assert out.startswith("nnref cannot be imported") and "make setup" in out
