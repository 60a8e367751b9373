"""The instructor pipeline (nngrade) end to end, on a tiny two-part assignment.

One class of hostile and broken submissions is graded once by the real pipeline
(``python -m nngrade``'s ``grade_class``, two worker processes); each test then checks
what happened to one kind of submission, and that nothing else was lost.
"""
import copy
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook

from nngrade import collect, sandbox
from nngrade.config import Settings, load_course_config
from nngrade.pipeline import grade_class, summary_table
from nngrade.scratch import build_template

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]

REPO = Path(__file__).resolve().parents[2]
A = "tiny"
WHY_NOT_ISOLATED = sandbox.probe()  # None when kernels can be isolated here
needs_isolation = pytest.mark.skipif(WHY_NOT_ISOLATED is not None,
                                     reason=f"kernels cannot be isolated here: {WHY_NOT_ISOLATED}")


def _meta(grade_id, solution=False, grade=False, locked=False, points=0):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


SOURCE = [
    new_markdown_cell("# Tiny\nImplement `double` and `square`.", metadata=_meta("intro", locked=True)),
    new_code_cell("import numpy as np", metadata=_meta("imports", locked=True)),
    new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                  metadata=_meta("double", solution=True)),
    new_code_cell('x = np.arange(3.0)\nassert np.allclose(double(x), 2 * x), "double: off by a constant factor"\n'
                  "### BEGIN HIDDEN TESTS\n"
                  'assert np.allclose(double(np.ones(5) * 7), 14.0), "double: fails on sevens"\n'
                  "### END HIDDEN TESTS",
                  metadata=_meta("test_double", grade=True, locked=True, points=2)),
    new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                  metadata=_meta("square", solution=True)),
    new_code_cell('x = np.arange(4.0)\nassert np.allclose(square(x), x ** 2), "square: wrong values"',
                  metadata=_meta("test_square", grade=True, locked=True, points=3)),
]


def make_course(root, cells=SOURCE):
    """A course directory with the repository's nbgrader config and the tiny assignment
    (``cells``: its source notebook's cells); returns the released (student) notebook."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "solutions" / A).mkdir(parents=True)
    nb = new_notebook(cells=copy.deepcopy(cells), metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, root / "solutions" / A / f"{A}.ipynb")
    work = root.parent / f"{root.name}-template"
    build_template(load_course_config(root), root / "solutions" / A, A, "", work)
    released = nbformat.read(work / "release" / A / f"{A}.ipynb", as_version=4)
    shutil.rmtree(work)
    return released


def submit(course, released, student, double="    return 2 * x", square="    return x * x",
           before="", edit=None):
    """Write ``submitted/<student>/tiny/tiny.ipynb``: the released notebook with answers filled in."""
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "double":
            cell.source = before + "def double(x):\n" + double
        elif grade_id == "square":
            cell.source = "def square(x):\n" + square
    if edit:
        edit(nb)
    folder = course / "submitted" / student / A
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{A}.ipynb")
    return folder


def _strip_metadata(nb):
    for cell in nb.cells:
        cell.metadata = {}


def _delete_test_square(nb):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_square"]


def _empty_test_double(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_double":
            cell.source = "pass  # the student emptied the test"


def _cell_index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _duplicate_test_square(nb):
    """JupyterLab's "duplicate cell" on a test cell: the copy keeps the test's metadata."""
    i = _cell_index(nb, "test_square")
    nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))


def _forge_test_double(nb):
    """A cell claiming test_double's id, placed before it, already showing a passing output."""
    i = _cell_index(nb, "test_double")
    fake = nbformat.v4.new_code_cell("print('passed')", metadata=copy.deepcopy(nb.cells[i].metadata))
    fake.outputs = [nbformat.v4.new_output("stream", name="stdout", text="passed\n")]
    nb.cells.insert(i, fake)


def _snoop(course):
    """Student code that tries to read the solutions, another student's work and the
    gradebook, and to write the gradebook; it prints what it managed."""
    targets = {"solutions": course / "solutions" / A / f"{A}.ipynb",
               "other student": course / "submitted" / "alice" / A / f"{A}.ipynb",
               "gradebook": course / "gradebook.db",
               "template (relative)": Path("../../../../template/gradebook.db")}
    return (f"import json\nfound = {{}}\n"
            f"for label, path in {json.dumps({k: str(v) for k, v in targets.items()})}.items():\n"
            "    try:\n        open(path, 'rb').read(16); found[label] = 'READ'\n"
            "    except OSError as e:\n        found[label] = type(e).__name__\n"
            "try:\n"
            f"    open({str(course / 'gradebook.db')!r}, 'ab').write(b'x'); found['write gradebook'] = 'WROTE'\n"
            "except OSError as e:\n    found['write gradebook'] = type(e).__name__\n"
            "print('SNOOP', json.dumps(found))\n")


# student -> (expected score, what they did)
EXPECTED = {
    "alice": 5, "bob": 3, "carol": 2, "dave": 0, "erin": 3, "frank": 5,
    "gina": 5, "hank": 3, "ivan": 5, "jack": 5, "kate": 3, "lena": 5, "mona": 3, "tina": 5, "zed": 0,
}
NO_GRADE = "yan"  # handed in an empty folder: no grade at all, and the run goes on


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = tmp_path_factory.mktemp("class") / "course"
    released = make_course(course)
    submit(course, released, "alice")                                      # honest
    submit(course, released, "bob", double="    return 3 * x")             # wrong answer
    submit(course, released, "carol", square="    while True:\n        pass")   # infinite loop
    submit(course, released, "dave", double="    import os\n    os._exit(1)")   # kills the kernel
    submit(course, released, "erin", double="    big = bytearray(6 * 2**30)\n    return 2 * x")  # memory
    submit(course, released, "frank", double="    import sys, warnings\n    warnings.warn('careful')\n"
                                             "    print('debug output', file=sys.stderr)\n    return 2 * x")
    submit(course, released, "gina", edit=_strip_metadata)                 # editor stripped metadata
    submit(course, released, "hank", before="np.allclose = lambda *a, **k: True\n",
           double="    return x")                                         # monkeypatches NumPy
    submit(course, released, "ivan", before=_snoop(course))                # reads others' files
    submit(course, released, "jack", edit=_delete_test_square)             # deleted a test cell
    submit(course, released, "kate", double="    return 3 * x", edit=_empty_test_double)
    submit(course, released, "lena", edit=_duplicate_test_square)          # duplicated a test cell
    submit(course, released, "mona", double="    return 3 * x", edit=_forge_test_double)  # forged a pass
    submit(course, released, "tina", before="import nnref.grading\n"
           "setattr(nnref.grading, 'check', lambda *a, **k: None)\n")    # patches a grading helper
    (course / "submitted" / "zed" / A).mkdir(parents=True)                 # not a notebook
    (course / "submitted" / "zed" / A / f"{A}.ipynb").write_text('{"cells": [')
    (course / "submitted" / NO_GRADE / A).mkdir(parents=True)
    settings = Settings(course_dir=course, assignment=A, jobs=2, cell_timeout=5,
                        notebook_timeout=300, progress=False)
    run = grade_class(settings)
    return course, settings, run


def outcome(run, student):
    return next(o for o in run.outcomes if o.student == student)


def autograded_nb(course, student):
    return nbformat.read(course / "autograded" / student / A / f"{A}.ipynb", as_version=4)


def test_every_student_gets_the_expected_score(graded_class):
    course, _, run = graded_class
    print(summary_table(run))
    assert {o.student: o.score for o in run.outcomes} == dict(EXPECTED, **{NO_GRADE: None})
    assert all(o.max_score == 5 for o in run.outcomes if o.student != NO_GRADE)


def test_broken_and_empty_submissions_are_reported_and_do_not_stop_the_class(graded_class):
    _, _, run = graded_class
    zed, empty = outcome(run, "zed"), outcome(run, NO_GRADE)
    assert zed.status == "error" and "not a readable notebook" in zed.problems[0]
    assert empty.status == "failed" and "nothing was graded" in " ".join(empty.problems)


def test_no_grade_is_lost_or_duplicated(graded_class):
    course, _, run = graded_class
    with sqlite3.connect(course / "gradebook.db") as db:
        submissions = db.execute("SELECT student.id FROM submitted_assignment JOIN student "
                                 "ON submitted_assignment.student_id = student.id").fetchall()
        grades = db.execute("SELECT COUNT(*), COUNT(DISTINCT notebook_id || cell_id) FROM grade").fetchone()
    assert sorted(s for (s,) in submissions) == sorted(EXPECTED)
    assert grades == (2 * len(EXPECTED), 2 * len(EXPECTED))  # two test cells per student, once each


def test_infinite_loop_times_out_and_costs_only_that_cell(graded_class):
    course, _, run = graded_class
    assert outcome(run, "carol").score == 2
    assert any("KeyboardInterrupt" in o.get("ename", "") or "Timeout" in o.get("ename", "")
               for c in autograded_nb(course, "carol").cells for o in c.get("outputs", []))


def test_a_dying_kernel_costs_only_that_submission(graded_class):
    _, _, run = graded_class
    dave = outcome(run, "dave")
    assert dave.status == "error" and dave.score == 0
    assert "kernel died" in dave.problems[0]


def test_huge_memory_use_raises_memory_error(graded_class):
    course, _, run = graded_class
    assert outcome(run, "erin").score == 3
    errors = [o.ename for c in autograded_nb(course, "erin").cells for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors == ["MemoryError"]


def test_stderr_and_warnings_cost_nothing(graded_class):
    _, _, run = graded_class
    assert outcome(run, "frank").score == 5 and not outcome(run, "frank").problems


def test_stripped_metadata_is_restored_and_reported(graded_class):
    _, _, run = graded_class
    gina = outcome(run, "gina")
    assert gina.score == 5
    assert "metadata missing" in gina.problems[0] and "restored by position" in gina.problems[0]


def test_deleted_and_edited_test_cells_are_restored(graded_class):
    course, _, run = graded_class
    assert outcome(run, "jack").score == 5
    assert "test_square" in {c.metadata.get("nbgrader", {}).get("grade_id")
                             for c in autograded_nb(course, "jack").cells}
    assert outcome(run, "kate").score == 3  # the emptied test was put back and caught 3 * x


@pytest.mark.parametrize("student", ["hank", "tina"])
def test_patching_numpy_or_the_checks_in_the_kernel_changes_nothing(graded_class, student):
    """hank's wrong `double` behind a patched np.allclose loses its points; tina's patch of a
    grading helper in her kernel is harmless: the checks run in the trusted grader."""
    course, settings, run = graded_class
    o = outcome(run, student)
    assert o.score == EXPECTED[student] and o.status == "graded", summary_table(run)


@needs_isolation
def test_student_code_cannot_read_other_work_or_touch_the_gradebook(graded_class):
    course, _, run = graded_class
    printed = "".join(o.get("text", "") for c in autograded_nb(course, "ivan").cells
                      for o in c.get("outputs", []))
    found = json.loads(printed.split("SNOOP ", 1)[1].splitlines()[0])
    assert set(found) == {"solutions", "other student", "gradebook", "template (relative)",
                          "write gradebook"}
    assert not {"READ", "WROTE"} & set(found.values()), found
    assert outcome(run, "ivan").score == 5


def test_feedback_is_html_without_hidden_tests(graded_class):
    course, _, _ = graded_class
    html = (course / "feedback" / "bob" / A / f"{A}.html").read_text()
    assert "double: off by a constant factor" in html
    assert "sevens" not in html and "np.ones(5)" not in html and "HIDDEN" not in html


def test_csv_exports_agree_with_the_gradebook(graded_class):
    import csv

    course, _, _ = graded_class
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        truth = {s.student.id: s.score for s in gb.find_assignment(A).submissions}
    rows = list(csv.DictReader(open(course / "reports" / A / "grades.csv")))
    assert {r["student_id"]: float(r["score_so_far"]) for r in rows if r["score_so_far"]} == truth
    # The tiny assignment has no part graded by hand: every graded total is final.
    assert not [r["student_id"] for r in rows if r["complete"] == "no"]
    final = truth
    assert {r["student_id"]: float(r["score"]) for r in rows if r["score"]} == final
    assert [r["status"] for r in rows if not r["score_so_far"]] == ["failed"]  # yan
    assert all(r["max_score"] == "5" and r[A] == r["score"] for r in rows)
    canvas = list(csv.reader(open(course / "reports" / A / "canvas.csv")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A]
    assert canvas[1][0] == "Points Possible" and canvas[1][-1] == "5"
    assert {r[3]: float(r[5]) for r in canvas[2:] if r[5]} == final


def test_report_shows_pass_rates_and_common_mistakes(graded_class):
    course, _, _ = graded_class
    html = (course / "reports" / A / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert "AssertionError: double: off by a constant factor" in html
    assert "test_double" in html and "test_square" in html


def test_rerun_is_idempotent_and_resumes_only_what_changed(graded_class):
    course, settings, first = graded_class
    before = {o.student: o.score for o in first.outcomes}
    # An interrupted run: alice's result never got its marker; bob fixed his answer.
    (course / "autograded" / "alice" / A / ".nngrade.json").unlink()
    released = nbformat.read(course / "submitted" / "alice" / A / f"{A}.ipynb", as_version=4)
    submit(course, released, "bob")
    run = grade_class(settings)
    status = {o.student: o.status for o in run.outcomes}
    assert sorted(s for s, st in status.items() if st == "graded") == ["alice", "bob"]
    assert status.pop(NO_GRADE) == "failed"  # no grade yet: tried again
    assert status.pop("dave") == status.pop("zed") == "error"  # errors are tried again too
    assert all(st == "unchanged" for s, st in status.items() if s not in ("alice", "bob"))
    assert {o.student: o.score for o in run.outcomes} == dict(before, bob=5)
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone() == (len(EXPECTED),)
    submit(course, released, "bob", double="    return 3 * x")  # leave the class as the others expect


def test_an_interrupted_run_resumes_without_regrading(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    course = tmp_path / "course"
    released = make_course(course)
    students = ["s1", "s2", "s3", "s4"]
    for student in students:
        submit(course, released, student)
    command = [sys.executable, "-m", "nngrade", A, "--course-dir", str(course), "--jobs", "1",
               "--no-progress"]
    proc = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    markers = lambda: sorted(p.parent.parent.name for p in course.glob(f"autograded/*/{A}/.nngrade.json"))
    deadline = time.monotonic() + 240
    while not markers() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130, proc.stderr.read()
    assert "run again to resume" in proc.stderr.read()
    done = markers()
    assert 1 <= len(done) < len(students)
    run = grade_class(Settings(course_dir=course, assignment=A, jobs=2, progress=False))
    status = {o.student: o.status for o in run.outcomes}
    assert sorted(s for s, st in status.items() if st == "unchanged") == done
    assert all(o.score == 5 for o in run.outcomes)
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone() == (len(students),)


def test_wall_clock_limit_stops_a_submission_without_a_grade(tmp_path):
    course = tmp_path / "course"
    released = make_course(course)
    submit(course, released, "slow", double="    import time\n    time.sleep(60)\n    return 2 * x")
    run = grade_class(Settings(course_dir=course, assignment=A, jobs=1, cell_timeout=60,
                               notebook_timeout=8, progress=False))
    slow = outcome(run, "slow")
    assert slow.status == "failed" and slow.score is None
    assert "longer than 8 s" in slow.problems[0]
    row = (course / "reports" / A / "grades.csv").read_text().splitlines()[1]
    assert row.startswith("slow,,5,,,,,,failed,")


def test_due_dates_extensions_and_late_penalties_apply(tmp_path):
    from datetime import datetime, timedelta

    course = tmp_path / "course"
    released = make_course(course)
    with open(course / "nbgrader_config.py", "a") as f:
        f.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    due = datetime(2026, 11, 20, 17, 0)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(A, duedate=due)
        gb.update_or_create_student("extended")
        gb.update_or_create_submission(A, "extended", extension=timedelta(days=2))
    for student, handed_in in [("early", due - timedelta(hours=1)), ("late", due + timedelta(days=1)),
                               ("extended", due + timedelta(days=1))]:
        folder = submit(course, released, student)
        (folder / "timestamp.txt").write_text(handed_in.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    grade_class(Settings(course_dir=course, assignment=A, jobs=2, cell_timeout=10, progress=False))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_assignment(A).duedate == due  # the run kept the instructor's deadline
        penalty = {s.student.id: s.late_submission_penalty for s in gb.find_assignment(A).submissions}
    assert penalty == {"early": 0, "late": 5, "extended": 0}
    canvas = {r.split(",")[3]: r.split(",")[5] for r in
              (course / "reports" / A / "canvas.csv").read_text().splitlines()[2:]}
    assert canvas == {"early": "5", "late": "0", "extended": "5"}


def test_zip_download_from_an_lms_is_collected(tmp_path):
    course = tmp_path / "course"
    released = make_course(course)
    archive = course / "downloaded" / A / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as z:
        for name in ("lee_1234_5678_tiny.ipynb", "moe_late_2345_6789_tiny.ipynb"):
            z.writestr(name, nbformat.writes(released))
    config = load_course_config(course)
    from nngrade.config import course_paths

    paths = course_paths(config, course)
    collection = collect.collect_zips(course, config, paths, A)
    assert collection.zips == 1 and collection.dropped == []
    submissions, refused = collect.list_submissions(paths, A)
    assert sorted(submissions) == ["lee", "moe"] and refused == {}
    assert (course / "submitted" / "lee" / A / f"{A}.ipynb").exists()


def test_bad_input_gives_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not an nbgrader course"):
        Settings(course_dir=tmp_path, assignment=A)
    course = tmp_path / "course"
    make_course(course)
    with pytest.raises(ValueError, match="positive number"):
        Settings(course_dir=course, assignment=A, jobs=0)
    with pytest.raises(FileNotFoundError, match="no submissions"):
        grade_class(Settings(course_dir=course, assignment=A, progress=False))
    with pytest.raises(FileNotFoundError, match="no source notebooks"):
        grade_class(Settings(course_dir=course, assignment="nope", progress=False))


def test_command_line_usage(tmp_path, capsys):
    from nngrade.__main__ import main

    assert main(["tiny", "--course-dir", str(tmp_path)]) == 2
    assert "not an nbgrader course" in capsys.readouterr().err



PILOT = "ch02-activations"


@pytest.mark.skipif(not (REPO / "solutions" / PILOT).is_dir(), reason=f"no solutions/{PILOT} yet")
def test_pilot_assignment_end_to_end(tmp_path):
    """The real pilot: its solution scores every automatic point, the blank exercise none,
    and the class report quotes the grading helpers' messages for the wrong answers."""
    import importlib.util

    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / PILOT, course / "solutions" / PILOT)
    solved = nbformat.read(REPO / "solutions" / PILOT / f"{PILOT}.ipynb", as_version=4)
    blank = nbformat.read(REPO / "exercises" / PILOT / f"{PILOT}.ipynb", as_version=4)
    spec = importlib.util.spec_from_file_location("wrong", REPO / "tests" / "grading" / "wrong_answers" / f"{PILOT}.py")
    wrong = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wrong)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solved.cells
               if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}

    def hand_in(student, nb):
        folder = course / "submitted" / student / PILOT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{PILOT}.ipynb")

    hand_in("solved", solved)
    hand_in("blank", blank)
    for k in (0, 1):  # the k-th wrong answer of every part, the other parts solved
        nb = copy.deepcopy(blank)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                options = wrong.WRONG_ANSWERS.get(grade_id, [])
                cell.source = options[k][1] if k < len(options) else answers[grade_id]
        hand_in(f"wrong{k}", nb)

    run = grade_class(Settings(course_dir=course, assignment=PILOT, jobs=2, progress=False))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        auto_max = sum(c.max_score for nb in gb.find_assignment(PILOT).notebooks
                       for c in nb.grade_cells if c.cell_type == "code")
    scores = {o.student: o.score for o in run.outcomes}
    assert scores["solved"] == auto_max and scores["blank"] == 0
    assert scores["wrong0"] < auto_max and scores["wrong1"] < auto_max
    assert not any(o.problems for o in run.outcomes), summary_table(run)
    report = (course / "reports" / PILOT / "report.html").read_text()
    assert "reference" in report and "step_derivative_tests" in report
