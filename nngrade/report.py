"""Class analytics: ``reports/<assignment>/report.html``, so the instructor knows what to re-teach.

From the gradebook: the score distribution (a matplotlib histogram embedded as a base64
PNG, so the file is self-contained) and the pass rate of every graded test cell. From the
autograded notebooks: for each test cell, the most common failure messages, i.e. the
last line of its error output (``AssertionError: <the grading helper's message>``).
Messages that differ only in their numbers ("N = 8 times too large", "N = 5 times too
large") count as one mistake, shown by its first example. Rendered with the Jinja2
template ``templates/report.html.j2``.
"""
import base64
import io
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import nbformat

from nngrade.gradebook import pending_points

TEMPLATES = Path(__file__).parent / "templates"
TOP_MESSAGES = 3
TIMEOUT_ERRORS = ("KeyboardInterrupt", "CellTimeoutError")  # how a cell time-out shows
NOT_GRADED = "(not graded: the kernel died or grading failed, see the summary)"
NO_ERROR = "(no error message: points lost without a failed check, e.g. a late penalty)"


@dataclass
class TestCell:
    """One graded test cell across the class."""

    notebook: str
    name: str
    max_score: float
    passed: int = 0
    failed: int = 0
    messages: Counter = field(default_factory=Counter)   # message, numbers as "#" -> students
    examples: dict = field(default_factory=dict)          # message, numbers as "#" -> first seen

    def add_failure(self, message):
        key = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", message)
        self.failed += 1
        self.messages[key] += 1
        self.examples.setdefault(key, message)

    @property
    def pass_rate(self):
        total = self.passed + self.failed
        return self.passed / total if total else None

    def top_messages(self):
        """``[(message, students, share of the failing students)]``, most common first."""
        return [(self.examples[key], n, n / self.failed)
                for key, n in self.messages.most_common(TOP_MESSAGES)]


def failure_message(cell):
    """``ename: last line of the message`` of the first error output of a cell, or None."""
    for output in cell.get("outputs", []):
        if output.output_type == "error" and output.ename in TIMEOUT_ERRORS:
            return "timed out: interrupted after the cell time limit"
        if output.output_type == "error":
            evalue = (output.get("evalue") or "").strip()
            line = f"{output.ename}: {evalue.splitlines()[-1]}" if evalue else output.ename
            return line
    return None


def failure_messages(notebook_path):
    """``{grade_id: message}`` for the failing graded cells of one autograded notebook."""
    nb = nbformat.read(notebook_path, as_version=4)
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            message = failure_message(cell)
            if message:
                found[meta["grade_id"]] = message
    return found


def collect_statistics(gb, assignment, autograded_dir):
    """Scores of the class and one :class:`TestCell` per graded code cell."""
    a = gb.find_assignment(assignment)
    cells = {(nb.name, c.name): TestCell(nb.name, c.name, c.max_score)
             for nb in a.notebooks for c in nb.grade_cells if c.cell_type == "code"}
    scores = []
    for submission in sorted(a.submissions, key=lambda s: s.student.id):  # examples: stable
        scores.append(submission.score)
        student = submission.student.id
        for notebook in submission.notebooks:
            path = Path(autograded_dir) / student / assignment / f"{notebook.name}.ipynb"
            try:
                messages = failure_messages(path) if path.exists() else {}
            except Exception:  # an unreadable notebook must not cost the class its report
                messages = {}
            default = (NO_ERROR if path.exists() else NOT_GRADED)
            for grade in notebook.grades:
                cell = cells.get((notebook.name, grade.cell.name))
                if cell is None:
                    continue
                if grade.score >= grade.max_score:
                    cell.passed += 1
                else:
                    cell.add_failure(messages.get(grade.cell.name, default))
    order = {name: i for i, name in enumerate(_cell_order(a))}
    return scores, a.max_score, sorted(cells.values(), key=lambda c: (c.notebook, order.get(c.name, 0)))


def _cell_order(assignment):
    return [cell.name for nb in assignment.notebooks for cell in nb.source_cells]


def import_plotting_meanwhile():
    """Import matplotlib in a background thread (about 0.4 s) while the workers grade, so that
    the report's histogram costs only its drawing at the end of the run."""
    threading.Thread(target=_pyplot, name="import-matplotlib", daemon=True).start()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    return matplotlib.pyplot


def histogram_png(scores, max_score):
    """A histogram of the scores as a base64-encoded PNG."""
    import matplotlib.ticker

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    bins = min(20, max(5, int(max_score) + 1)) if max_score else 10
    ax.hist(scores, bins=bins, range=(0, max_score or 1), color="#3b6ea5", edgecolor="white")
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title("Score distribution")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_report(gb, assignment, autograded_dir, outcomes=(), notices=()):
    """The report's HTML for ``assignment`` (gradebook + autograded notebooks + this run's
    outcomes and class-wide notices). Everything that comes from a submission (student ids,
    messages, reasons) is escaped by the template engine (autoescape)."""
    scores, max_score, cells = collect_statistics(gb, assignment, autograded_dir)
    ordered = sorted(scores)
    summary = {
        "students": len(scores), "max_score": max_score,
        "mean": sum(scores) / len(scores) if scores else None,
        "median": (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2 if scores else None,
        "full_marks": sum(s >= max_score for s in scores),
    }
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.get_template("report.html.j2").render(
        assignment=assignment, summary=summary, cells=cells,
        histogram=histogram_png(scores, max_score) if scores else None,
        problems=[o for o in outcomes if o.problems or o.needs_attention],
        attention=[o for o in outcomes if o.needs_attention],
        pending=sorted(((s.student.id, s.score, pending_points(s))
                        for s in gb.find_assignment(assignment).submissions if pending_points(s)),
                       key=lambda row: row[0]),
        notices=list(notices),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def write_report(gb, assignment, autograded_dir, outcomes, directory, notices=()):
    """Write ``directory/report.html`` and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.html"
    path.write_text(render_report(gb, assignment, autograded_dir, outcomes, notices),
                    encoding="utf-8")
    return path

