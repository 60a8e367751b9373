"""Grade exports and the class report, on a small synthetic class.

The class is written straight into a gradebook with nbgrader's API, and the autograded
notebooks are written by hand with the failure messages a grading helper would print, so
every number in the report is known in advance.
"""
import csv
import html.parser
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.api import Gradebook

from nngrade.export import write_csvs
from nngrade.gradebook import sqlite_url
from nngrade.pipeline import Outcome
from nngrade.report import failure_message, render_report, write_report

pytestmark = [pytest.mark.xdist_group("reports"),
              pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")]

A = "hw"
CELLS = {"test_forward": 2.0, "test_backward": 3.0}
TRANSPOSED = "AssertionError: dW has shape (3, 2) but should have shape (2, 3): is it transposed?"
MISSING_N = "AssertionError: dW is N = 8 times too large: divide by the batch size N"
# student -> {test cell: failure message, or None when passed}
CLASS = {
    "ana": {"test_forward": None, "test_backward": None},
    "ben": {"test_forward": None, "test_backward": TRANSPOSED},
    "cem": {"test_forward": None, "test_backward": TRANSPOSED.replace("(3, 2)", "(4, 2)")},
    "dia": {"test_forward": None, "test_backward": MISSING_N.replace("8", "5")},
    "eli": {"test_forward": "NameError: name 'forward' is not defined", "test_backward": MISSING_N},
}


@pytest.fixture
def synthetic_class(tmp_path):
    db_url = sqlite_url(tmp_path / "gradebook.db")
    with Gradebook(db_url) as gb:
        gb.add_assignment(A)
        gb.add_notebook(A, A)
        for name, points in CELLS.items():
            gb.add_grade_cell(name, A, A, max_score=points, cell_type="code")
            gb.add_source_cell(name, A, A, cell_type="code", source="")
        for student, results in CLASS.items():
            gb.add_student(student, first_name=student.title(), last_name="Doe",
                           lms_user_id=f"10{len(student) + ord(student[0])}")
            gb.add_submission(A, student)
            cells = []
            for name, message in results.items():
                grade = gb.find_grade(name, A, A, student)
                grade.auto_score = CELLS[name] if message is None else 0.0
                grade.needs_manual_grade = False
                outputs = [] if message is None else [new_output(
                    "error", ename=message.split(":")[0], evalue=message.split(": ", 1)[1],
                    traceback=["...", message])]
                cells.append(new_code_cell("check()", outputs=outputs, metadata={"nbgrader": {
                    "grade": True, "grade_id": name, "points": CELLS[name], "locked": True,
                    "solution": False, "schema_version": 3}}))
            folder = tmp_path / "autograded" / student / A
            folder.mkdir(parents=True)
            nbformat.write(new_notebook(cells=cells), folder / f"{A}.ipynb")
        gb.db.commit()
    return tmp_path, db_url


def test_failure_message_is_the_last_line():
    cell = new_code_cell(outputs=[new_output("error", ename="AssertionError",
                                             evalue="part 2\ndW is N = 8 times too large (1.5e-3)",
                                             traceback=[])])
    assert failure_message(cell) == "AssertionError: dW is N = 8 times too large (1.5e-3)"
    timeout = new_code_cell(outputs=[new_output("error", ename="KeyboardInterrupt", evalue="",
                                                traceback=[])])
    assert "timed out" in failure_message(timeout)
    assert failure_message(new_code_cell(outputs=[])) is None


def test_report_has_distribution_pass_rates_and_common_mistakes(synthetic_class):
    folder, db_url = synthetic_class
    with Gradebook(db_url) as gb:
        page = render_report(gb, A, folder / "autograded")
    text = re.sub(r"\s+", " ", page)
    assert "5 students graded; mean 2.20, median 2.00 out of 5; 1 with full marks" in text
    assert re.search(r'<img alt="Histogram of the scores" src="data:image/png;base64,[A-Za-z0-9+/=]{500,}"',
                     page)
    assert "4 / 5" in text and "80 %" in text      # test_forward: only eli failed
    assert "1 / 5" in text and "20 %" in text      # test_backward: only ana passed
    # Of the 4 students failing test_backward, 2 had the transpose and 2 the missing 1/N,
    # whatever the numbers in their messages.
    assert f"50 % of failing students (2): <code>{TRANSPOSED}</code>" in text
    assert f"50 % of failing students (2): <code>{MISSING_N.replace('8', '5')}</code>" in text
    assert "100 % of failing students (1): <code>NameError: name &#39;forward&#39; is not defined" in text
    # Self-contained: nothing is loaded from elsewhere.
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_report_is_well_formed_html(synthetic_class):
    folder, db_url = synthetic_class

    class Checker(html.parser.HTMLParser):
        VOID = {"meta", "img", "br", "hr", "link", "input"}

        def __init__(self):
            super().__init__()
            self.stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack.pop() == tag

    with Gradebook(db_url) as gb:
        path = write_report(gb, A, folder / "autograded", [], folder / "reports" / A)
    checker = Checker()
    checker.feed(path.read_text())
    assert checker.stack == []


def test_csv_exports_agree_with_the_gradebook(synthetic_class):
    folder, db_url = synthetic_class
    outcomes = [Outcome("ana", "graded"), Outcome("zoe", "failed", problems=["stopped: too long"])]
    with Gradebook(db_url) as gb:
        grades, canvas = write_csvs(gb, A, outcomes, folder / "reports" / A)
        truth = {s.student.id: s.score for s in gb.find_assignment(A).submissions}
        lms = {s.id: s.lms_user_id for s in gb.students}
    rows = list(csv.DictReader(open(grades)))
    assert [r["student_id"] for r in rows] == sorted([*CLASS, "zoe"])
    assert {r["student_id"]: float(r["score"]) for r in rows if r["score"]} == truth
    assert all(r["max_score"] == "5" and r[A] == r["score"] for r in rows)
    zoe = next(r for r in rows if r["student_id"] == "zoe")
    assert (zoe["score"], zoe["status"], zoe["problems"]) == ("", "failed", "stopped: too long")
    assert next(r for r in rows if r["student_id"] == "ben")["status"] == "not in this run"

    table = list(csv.reader(open(canvas)))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A]
    assert table[1] == ["Points Possible", "", "", "", "", "5"]
    body = {r[3]: r for r in table[2:]}
    assert body["ben"][:2] == ["Doe, Ben", lms["ben"]]
    assert {s: float(r[5]) for s, r in body.items() if r[5]} == truth
    assert body["zoe"][5] == ""  # no grade: Canvas leaves the cell alone


# The parts of nbgrader 0.9.6's feedback page that carry scores.
FEEDBACK = ('<body>\n<h4>hw (Score: 5.0 / 7.0)</h4>\n'
            '<li><a href="#explain">Written response</a> (Score: 0.0 / 2.0)</li>\n'
            '<li><a href="#test_forward">Test cell</a> (Score: 5.0 / 5.0)</li>\n'
            '<a name="explain"></a><div class="panel-heading"><span class="pull-right">\n'
            '      Score: 0.0 / 2.0 <a href="#top">(Top)</a></span></div>\n'
            '<a name="test_forward"></a><div class="panel-heading"><span class="pull-right">\n'
            '      Score: 5.0 / 5.0 <a href="#top">(Top)</a></span></div>\n</body>')


def test_feedback_shows_hand_graded_parts_as_pending_then_their_score():
    from nngrade.feedback import mark_scores

    pending = mark_scores(FEEDBACK, {"explain": (None, 2.0), "test_forward": (5.0, 5.0)}, (5.0, 7.0, 2.0))
    assert pending.count("pending, graded by hand / 2.0") == 2       # contents and the cell
    assert "(Score: 5.0 / 7.0 so far, 2.0 points pending)" in pending and "Not final yet" in pending
    assert "Score: 5.0 / 5.0" in pending
    assert mark_scores(pending, {"explain": (None, 2.0)}, (5.0, 7.0, 2.0)) == pending  # idempotent
    graded = mark_scores(pending, {"explain": (1.5, 2.0)}, (6.5, 7.0, 0.0))
    assert "pending" not in graded and "Not final yet" not in graded
    assert graded.count("1.5 / 2.0") == 2 and "(Score: 6.5 / 7.0)" in graded
    assert graded == mark_scores(FEEDBACK, {"explain": (1.5, 2.0)}, (6.5, 7.0, 0.0))


def test_csv_cells_are_guarded_against_formulas():
    from nngrade.export import guard

    assert [guard(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "ana", "", None, 3)] == \
        ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "ana", "", "", "3"]


def test_only_final_grades_are_exported_as_scores(synthetic_class):
    folder, db_url = synthetic_class
    outcomes = [Outcome("ana", "error", infrastructure=True, problems=["not graded: the kernel died "
                                                                       "while starting"]),
                Outcome("ben", "rejected", problems=["refused at intake: pipe is a FIFO"]),
                Outcome("cem", "graded"), Outcome("dia", "graded")]
    with Gradebook(db_url) as gb:
        grade = gb.find_grade("test_backward", A, A, "cem")   # withheld: waits for a person
        grade.auto_score, grade.needs_manual_grade = 0.0, True
        gb.db.commit()
        grades, canvas = write_csvs(gb, A, outcomes, folder / "reports" / A)
    rows = {r["student_id"]: r for r in csv.DictReader(open(grades))}
    assert [rows["ana"][k] for k in ("score", "score_so_far", "complete", "status")] == ["", "", "", "error"]
    assert [rows["ben"][k] for k in ("score", "score_so_far", "status")] == ["", "", "rejected"]
    assert [rows["cem"][k] for k in ("score", A, "complete", "score_so_far", "pending_manual")] == \
        ["", "", "no", "2", "3"]
    assert [rows["dia"][k] for k in ("score", "complete", "pending_manual")] == ["2", "yes", "0"]
    body = {r[3]: r[5] for r in list(csv.reader(open(canvas)))[2:]}
    assert body["ana"] == body["ben"] == body["cem"] == "" and body["dia"] == "2"
