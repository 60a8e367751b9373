"""nbgrader configuration of the course. The course directory is the repository root.

    solutions/<assignment>/<assignment>.ipynb   instructor notebooks (source: solutions, hidden tests)
    exercises/<assignment>/<assignment>.ipynb   student notebooks, generated (`make exercises`)
    submitted/<student>/<assignment>/           what students hand in (git-ignored, like the rest below)
    autograded/, feedback/, gradebook.db        written by `nbgrader autograde` / `generate_feedback`

Grading must be robust to what students do to a notebook. Each setting below was checked
end to end by tests/grading/test_assignments.py (nbgrader 0.9.6):

* output on stderr (a warning, a print to sys.stderr) does not cost points (IgnorePattern);
* edited test cells and other locked cells are restored from the gradebook (nbgrader's
  checksums, on by default);
* deleted test cells are put back (add_missing_cells, with a placement that does not fail
  when the cell before them is gone or has no metadata, see RestoreMissingCells);
* a cell that runs longer than Execute.timeout is interrupted and scores 0, grading goes on
  with the next cell, and the feedback says why (ExplainTimeouts);
* feedback shows neither the hidden test code nor tracebacks that would quote it
  (ClearHiddenTestsAndTracebacks).
"""

from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                    DeduplicateIds, GetGrades, OverwriteCells,
                                    NbGraderPreprocessor, OverwriteKernelspec)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "nn-training"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Seconds one cell may run when grading. The course's cells run in well under a second;
# this leaves room for a slow machine and stops an infinite loop (the cell scores 0).
c.Execute.timeout = 60

# nbgrader gives 0 to a test cell that printed anything on stderr. Warnings from a
# student's NumPy code (overflow in exp, division by zero) are not errors: drop all
# stderr output before grading. Failing tests raise, which is an error output, not stderr.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"


class RestoreMissingCells(OverwriteCells):
    """OverwriteCells whose ``add_missing_cells`` works on any notebook.

    nbgrader 0.9.6 puts a deleted grade cell back after the cell that came before it in the
    source, and raises KeyError when that cell is missing from the submission too or has
    lost its nbgrader metadata (e.g. a locked text cell, or a notebook saved by an editor
    that strips metadata). Here a missing cell goes just before the nearest *later* source
    cell that is present, or at the end if none is: as late as possible, so that the
    student's code it tests has run (even if that code cell lost its metadata), but before
    the next part. A notebook stripped of all metadata gets all its test cells back at the end.
    """

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source_nb.source_cells]
        source = {cell.name: cell for cell in source_nb.source_cells}
        solutions = {cell.name for cell in source_nb.solution_cells}
        # Last first, so that consecutive missing cells end up in their source order.
        for grade_cell in sorted(source_nb.grade_cells, key=lambda cell: order.index(cell.name),
                                 reverse=True):
            present = {cell.metadata["nbgrader"]["grade_id"]: index
                       for index, cell in enumerate(nb.cells)
                       if "grade_id" in cell.metadata.get("nbgrader", {})}
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", grade_cell.name)
            later = order[order.index(grade_cell.name) + 1:]
            anchors = [present[name] for name in later if name in present]
            cell = self.missing_cell_transform(source[grade_cell.name], grade_cell.max_score,
                                               is_solution=grade_cell.name in solutions)
            nb.cells.insert(min(anchors) if anchors else len(nb.cells), cell)
        return nb, resources


c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      RestoreMissingCells, CheckCellMetadata]


class ClearHiddenTestsAndTracebacks(ClearHiddenTests):
    """ClearHiddenTests for feedback, which also shortens the tracebacks of hidden tests.

    A traceback quotes the failing line of the cell, i.e. the hidden test. In cells with
    hidden tests only the exception's last line is kept, e.g. ``AssertionError:
    sigmoid_derivative(z) is N = 8 times too large …`` from the nnref.grading helpers,
    which is all the student needs.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        hidden = cell.cell_type == "code" and self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if hidden:
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class ExplainTimeouts(NbGraderPreprocessor):
    """Feedback: say in words that a cell was stopped at the time limit.

    When a cell runs longer than Execute.timeout, nbgrader interrupts the kernel, and the
    cell's output is a bare ``KeyboardInterrupt`` (students cannot press Ctrl-C in the grader).
    """

    def preprocess_cell(self, cell, resources, cell_index):
        stopped = [o for o in cell.get("outputs", [])
                   if o.output_type == "error" and o.ename in ("KeyboardInterrupt", "CellTimeoutError")]
        if stopped:  # the interrupted kernel and nbclient each report it: keep one
            limit = self.config.Execute.get("timeout", "its")
            stopped[0].traceback = [f"Stopped: this cell ran longer than the grader's time limit of "
                                    f"{limit} s (an endless loop?) and scores 0."]
            cell.outputs = [o for o in cell.outputs if not any(o is s for s in stopped[1:])]
        return cell, resources


c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor,
                                    ClearHiddenTestsAndTracebacks, ExplainTimeouts]
