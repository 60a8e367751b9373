"""Which earlier verdicts may stand when an instructor changed some test cells.

A submission graded before is graded again when what grades it changed (its marker's cell
checksums differ from the template's: :func:`nngrade.pipeline.grading_fingerprint`). When
every change is to a *test* cell, an unchanged test cell can give the verdict it gave last
time: the submission, the locked cells and the data files are the same. Those verdicts are
offered to the grader (copied from the notebook autograded last time, into
``kept/<notebook>.json`` of the scratch course), and
:class:`nngrade.trusted.TrustedExecute` keeps the offered verdicts of the test cells that
come after every test it must run, so that each test that runs sees exactly what a full
regrade would show it: every cell before it has run.

The student's cells still run, in a fresh sandboxed kernel: a test's verdict needs the
kernel's state, and only running the student's code rebuilds it. A changed locked cell or
data file changes what every test sees: then nothing is offered.
"""
import nbformat

KEPT = "kept"   # the folder of the scratch course with the offered verdicts


def test_cells(notebook):
    """Names of a gradebook notebook's test cells (graded code cells that are not the
    student's answer: the cells :func:`nngrade.trusted.normalise_cells` calls tests)."""
    solutions = {c.name for c in notebook.solution_cells}
    graded = {c.name for c in notebook.grade_cells}
    return [c.name for c in notebook.source_cells
            if c.cell_type == "code" and c.name in graded and c.name not in solutions]


def offered_verdicts(notebooks, changed, autograded_dir):
    """The earlier verdicts that may stand: ``{notebook: {grade_id: outputs}}``, or ``{}``.

    ``notebooks``: the template gradebook's notebooks of the assignment; ``changed``: the
    keys (``"<notebook>/<cell>"``, ``"files/<path>"``) whose checksums changed since the
    submission was graded; ``autograded_dir``: where its autograded notebooks are.
    """
    tests = {nb.name: test_cells(nb) for nb in notebooks}
    if not changed or not set(changed) <= {f"{name}/{cell}" for name, cells in tests.items() for cell in cells}:
        return {}
    offered = {}
    for name, cells in tests.items():
        try:
            graded = nbformat.read(autograded_dir / f"{name}.ipynb", as_version=4)
        except (OSError, ValueError, KeyError):
            continue
        outputs = {c.metadata.get("nbgrader", {}).get("grade_id"): c.get("outputs", [])
                   for c in graded.cells if c.cell_type == "code"}
        verdicts = {cell: outputs[cell] for cell in cells if f"{name}/{cell}" not in changed and cell in outputs}
        if verdicts:
            offered[name] = verdicts
    return offered
