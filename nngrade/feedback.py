"""Feedback without hidden tests.

nbgrader's ``ClearHiddenTests`` removes the hidden region from a test cell's source, but
the traceback shown under a failed cell still quotes the hidden lines. For every cell
that had a hidden region, :class:`HideHiddenTests` also shortens each error output to its
last line (``AssertionError: <the grading helper's message>``), which says what is wrong
without showing the test's code.
"""
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool


class HideHiddenTests(ClearHiddenTests):
    """``ClearHiddenTests`` that also strips the tracebacks of the cells it cleared."""

    # Feedback for a notebook whose cell metadata was stripped must still render.
    enforce_metadata = Bool(False).tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        had_hidden = cell.cell_type == "code" and self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden:
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
