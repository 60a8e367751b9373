"""Issue 15: one submission can harm nothing but itself.

A class where honest students hand in next to hostile ones is graded once through the
command line (``python -m nngrade``, what ``make grade`` runs); every test then checks one
kind of attack, and that the honest students' grades are what they would be alone:

- intake: symbolic links (to another student's notebook, to /etc/shadow, a loop, a linked
  student folder), a FIFO, a device, a 64 GiB sparse file, too many files: refused
  (status ``rejected``, the reason in the summary, the CSVs and report.html), never followed;
- an LMS zip with ``..``, absolute and oversized entries: each dropped and reported;
- a student id ``=1+1`` and messages with HTML: guarded in the CSVs, escaped in report.html;
- ``<script>`` printed by a student: not in the feedback as a script;
- a written answer (graded by hand): pending in the feedback, the report and the CSVs;
- what a kernel leaves in its working folder (links, FIFOs, a forged marker) never reaches
  the course;
- the exit status is 1 while a submission is rejected, and the summary says what to do.

Also: an infrastructure failure (a kernel that cannot start) is never a grade, and a course
in a private ``mktemp -d`` folder grades correctly.
"""
import contextlib
import copy
import csv
import io
import os
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from test_pipeline import REPO, SOURCE, A, _meta
from test_pipeline import make_course as _make_course
from test_pipeline import submit as _submit

from nngrade import collect, intake
from nngrade.__main__ import main
from nngrade.config import course_paths, load_course_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]

WRITTEN = new_markdown_cell("Explain why `double` is linear.\n\n=== BEGIN MARK SCHEME ===\n"
                            "Any correct reason.\n=== END MARK SCHEME ===",
                            metadata=_meta("explain", solution=True, grade=True, points=2))
AUTO, HAND = 5, 2                  # automatic points, points graded by hand
XSS_ID = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.nngradePwned = 1</script>"


def make_course(root):
    """The tiny assignment of test_pipeline plus a written answer graded by hand."""
    cells = list(SOURCE)
    cells.insert(3, WRITTEN)
    return _make_course(root, cells)


def _answer_written(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "explain":
            cell.source = "Because 2(ax + by) = a 2x + b 2y."


def submit(course, released, student, **answers):
    """test_pipeline's submit, with the written answer filled in (an unanswered written
    answer scores 0 automatically: "No response")."""
    return _submit(course, released, student, edit=_answer_written, **answers)


def unguard(cell):
    """A CSV cell as the spreadsheet shows it (the leading ' of a guarded cell dropped)."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def rows(course, name="grades.csv"):
    return {unguard(r["student_id"]): r for r in csv.DictReader(open(course / "reports" / A / name))}


def canvas(course):
    table = list(csv.reader(open(course / "reports" / A / "canvas.csv")))
    return {unguard(r[3]): r[5] for r in table[2:]}


def grade(course, *options):
    """``python -m nngrade`` on ``course``: ``(exit status, stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([A, "--course-dir", str(course), "--jobs", "2", "--cell-timeout", "10",
                     "--no-progress", *options])
    return code, out.getvalue(), err.getvalue()


# Kernel code that leaves traps in its working folder, for the pipeline to copy back.
PLANTER = """
import os
for name, make in [("shadow", lambda p: os.symlink("/etc/shadow", p)),
                   ("pipe", os.mkfifo),
                   (".nngrade.json", lambda p: open(p, "w").write('{"student": "planter", "checksum": "x"}'))]:
    try:
        make(name)
    except OSError:
        pass
"""

# student -> (score so far, pending) for the honest ones
HONEST = {"alice": (AUTO, HAND), "bob": (3, HAND), "=1+1": (AUTO, HAND), "zoe": (AUTO, HAND),
          "planter": (AUTO, HAND), "scripter": (AUTO, HAND), "mallet": (3, HAND)}
REJECTED = {"fifo": "FIFO", "sparse": "over the limit", "linker": "symbolic link",
            "shadow": "symbolic link", "loop": "symbolic link", "many": "more than 200",
            "eve": "symbolic link", "trudy": "symbolic link", XSS_ID: "FIFO"}
if os.geteuid() == 0:   # only root may create a device node
    REJECTED["device"] = "character device"


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    course = base / "course"
    released = make_course(course)
    sub = course / "submitted"
    for student in ("alice", "=1+1"):
        submit(course, released, student)
    submit(course, released, "bob", double="    return 3 * x")
    submit(course, released, "planter", before=PLANTER)
    submit(course, released, "scripter", before="from IPython.display import HTML, display\n"
           f"display(HTML({SCRIPT + '<img src=x onerror=window.nngradePwned=2>'!r}))\n")
    submit(course, released, "mallet", double=f"    raise ValueError({SCRIPT!r})")
    # Intake: each of these is refused, whatever else it holds.
    submit(course, released, "fifo")
    os.mkfifo(sub / "fifo" / A / "pipe")
    submit(course, released, "sparse")
    with open(sub / "sparse" / A / "data.bin", "wb") as f:
        f.truncate(64 * 2**30)
    (sub / "linker" / A).mkdir(parents=True)
    os.symlink(sub / "alice" / A / f"{A}.ipynb", sub / "linker" / A / f"{A}.ipynb")
    submit(course, released, "shadow")
    os.symlink("/etc/shadow", sub / "shadow" / A / "shadow")
    os.symlink(course / "solutions" / A / f"{A}.ipynb", sub / "shadow" / A / "solution.ipynb")
    submit(course, released, "loop")
    os.symlink("loop", sub / "loop" / A / "loop")
    submit(course, released, "many")
    for i in range(250):
        (sub / "many" / A / f"f{i}.txt").write_text("x")
    os.symlink(sub / "alice", sub / "eve")
    (sub / "trudy").mkdir()
    os.symlink(sub / "alice" / A, sub / "trudy" / A)
    submit(course, released, XSS_ID)
    os.mkfifo(sub / XSS_ID / A / "pipe")
    if os.geteuid() == 0:
        submit(course, released, "device")
        os.mknod(sub / "device" / A / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    # An LMS download: one good entry, the others dropped and reported.
    archive = course / "downloaded" / A / "archive"
    archive.mkdir(parents=True)
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "double":
            cell.source = "def double(x):\n    return 2 * x"
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "square":
            cell.source = "def square(x):\n    return x * x"
    _answer_written(nb)
    good = nbformat.writes(nb)
    with zipfile.ZipFile(archive / "download.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zoe_1_2_tiny.ipynb", good)
        z.writestr("../evil_1_2_tiny.ipynb", good)
        z.writestr("/abs_1_2_tiny.ipynb", good)
        z.writestr(".._1_2_tiny.ipynb", good)
        z.writestr("bomber_1_2_tiny.ipynb", b"\0" * (12 * 2**20))
    outside = set(os.listdir(base))
    private_tmp = base / "tmp"
    private_tmp.mkdir()
    tempfile.tempdir, saved = str(private_tmp), tempfile.tempdir
    try:
        code, out, err = grade(course, "--max-file-mb", "5")
    finally:
        tempfile.tempdir = saved
    return course, base, outside, private_tmp, (code, out, err)


def test_honest_students_are_graded_as_if_alone(hostile_class):
    course, *_ = hostile_class
    table = rows(course)
    got = {s: (float(table[s]["score_so_far"]), float(table[s]["pending_manual"])) for s in HONEST}
    assert got == {s: (float(a), float(p)) for s, (a, p) in HONEST.items()}
    assert all(table[s]["status"] == "graded" for s in HONEST), {s: table[s]["status"] for s in HONEST}


def test_the_run_completes_and_exits_non_zero_with_advice(hostile_class):
    course, _, _, _, (code, out, err) = hostile_class
    assert code == 1
    assert "no final grade" in err and "rejected" in err and "make grade A=tiny" in err
    assert "wait for hand grading" in err
    assert (course / "reports" / A / "report.html").is_file()
    assert "rejected" in out  # the summary table


@pytest.mark.parametrize("student", sorted(REJECTED))
def test_unsafe_submissions_are_refused_with_a_reason(hostile_class, student):
    course, *_ = hostile_class
    row = rows(course)[student]
    assert row["status"] == "rejected" and REJECTED[student] in row["problems"], row
    assert row["score"] == row["score_so_far"] == "" and canvas(course).get(student, "") == ""
    assert not (course / "autograded" / student).exists()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert student not in {s.student.id for s in gb.find_assignment(A).submissions}


def test_nothing_secret_is_copied_anywhere(hostile_class):
    course, *_ = hostile_class
    try:
        shadow = Path("/etc/shadow").read_text().splitlines()[0]
    except OSError:
        shadow = "root:"
    for folder in ("autograded", "feedback", "reports"):
        for path in (course / folder).rglob("*"):
            assert not path.is_symlink() and (path.is_dir() or path.is_file()), path
            if path.is_file():
                text = path.read_text(errors="replace")
                assert shadow not in text, path
                if folder != "autograded":  # autograded notebooks are the instructor's: tests included
                    assert "BEGIN HIDDEN TESTS" not in text and "fails on sevens" not in text, path


def test_what_a_kernel_leaves_behind_stays_behind(hostile_class):
    course, *_ = hostile_class
    folder = course / "autograded" / "planter" / A
    names = {p.name for p in folder.iterdir()}
    assert "shadow" not in names and "pipe" not in names
    marker = (folder / ".nngrade.json").read_text()
    assert '"checksum": "x"' not in marker and '"status": "graded"' in marker


def test_zip_entries_are_validated_capped_and_reported(hostile_class):
    course, *_ = hostile_class
    assert sorted(p.name for p in (course / "submitted").iterdir() if p.name in
                  ("zoe", "evil", "abs", "..", "bomber")) == ["zoe"]
    assert not (course / "evil").exists() and not (course / "submitted" / "evil").exists()
    report = (course / "reports" / A / "report.html").read_text()
    for entry, why in [("../evil_1_2_tiny.ipynb", "with &#39;..&#39;"),
                       ("/abs_1_2_tiny.ipynb", "an absolute path"),
                       (".._1_2_tiny.ipynb", "not a usable name"),
                       ("bomber_1_2_tiny.ipynb", "over the limit of 5 MiB per file")]:
        line = next((l for l in report.splitlines() if entry in l), "")
        assert why in line, (entry, line)


def test_csv_cells_cannot_start_a_formula(hostile_class):
    course, *_ = hostile_class
    for name in ("grades.csv", "canvas.csv"):
        for row in csv.reader(open(course / "reports" / A / name)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    assert "'=1+1" in {r["student_id"] for r in csv.DictReader(open(course / "reports" / A / "grades.csv"))}


def test_report_escapes_everything_from_submissions(hostile_class):
    course, *_ = hostile_class
    report = (course / "reports" / A / "report.html").read_text()
    assert "<script>" not in report and "<img src=x" not in report
    assert "&lt;img src=x onerror=alert(1)&gt;" in report           # the student id, escaped
    assert "ValueError: &lt;script&gt;window.nngradePwned" in report  # a failure message, escaped


def test_scripts_printed_by_a_student_do_not_reach_the_feedback(hostile_class):
    """The HTML the student's cell displayed is sanitised; its code cell still shows the text
    (escaped, as code)."""
    course, *_ = hostile_class
    page = (course / "feedback" / "scripter" / A / f"{A}.html").read_text()
    assert "nngradePwned" in page  # the cell's source is there, as text
    assert not re.search(r"<script[^>]*>\s*window\.nngradePwned", page)
    assert not re.search(r"<[A-Za-z][^<>]*\sonerror\s*=", page)


def test_hand_graded_parts_are_pending_not_zero(hostile_class):
    course, *_ = hostile_class
    alice = rows(course)["alice"]
    assert (alice["score"], alice["complete"], alice["score_so_far"], alice["pending_manual"]) == \
        ("", "no", str(AUTO), str(HAND))
    assert canvas(course)["alice"] == ""
    page = (course / "feedback" / "alice" / A / f"{A}.html").read_text()
    assert "Not final yet" in page and "pending, graded by hand / 2.0" in page
    assert "Written response</a> (Score: 0.0" not in page
    report = (course / "reports" / A / "report.html").read_text()
    assert "Waiting for hand grading" in report


def test_no_file_is_left_outside_the_course(hostile_class):
    course, base, outside, private_tmp, _ = hostile_class
    assert set(os.listdir(base)) == outside | {"tmp"}
    # the run's scratch folders are gone (pymp-*: the grader's own forkserver, while it lives)
    assert [p for p in private_tmp.iterdir() if not p.name.startswith("pymp-")] == []


def test_after_hand_grading_the_total_is_final(hostile_class):
    course, *_ = hostile_class
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grade_ = gb.find_grade("explain", A, A, "alice")
        grade_.manual_score, grade_.needs_manual_grade = 2.0, False
        gb.db.commit()
    code, out, err = grade(course, "--max-file-mb", "5")
    assert code == 1  # the rejected submissions are still there
    alice = rows(course)["alice"]
    assert (alice["status"], alice["score"], alice["complete"], alice["pending_manual"]) == \
        ("unchanged", str(AUTO + HAND), "yes", "0")
    assert canvas(course)["alice"] == str(AUTO + HAND)
    page = (course / "feedback" / "alice" / A / f"{A}.html").read_text()
    assert "Not final yet" not in page and "pending" not in page
    assert 'Written response</a> (Score: 2.0 / 2.0)' in page and "(Score: 7.0 / 7.0)" in page
    assert rows(course)["bob"]["status"] == "unchanged"
    # A rejected submission made clean is graded on the next run.
    os.unlink(course / "submitted" / "fifo" / A / "pipe")
    code, out, err = grade(course, "--max-file-mb", "5")
    assert rows(course)["fifo"]["status"] == "graded"


def test_a_kernel_that_cannot_start_is_never_a_grade(tmp_path):
    course = tmp_path / "course"
    released = make_course(course)
    for student in ("s1", "s2"):
        submit(course, released, student)
    code, out, err = grade(course, "--memory-mb", "1")   # no Python starts in 1 MB
    assert code == 1 and "no final grade" in err
    table = rows(course)
    for student in ("s1", "s2"):
        assert table[student]["status"] == "error" and "failure of the grader" in table[student]["problems"]
        assert table[student]["score"] == table[student]["score_so_far"] == ""
        assert canvas(course)[student] == ""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert not gb.find_assignment(A).submissions   # nothing recorded, not even a 0
    code, out, err = grade(course)                      # fixed: graded on the next run
    table = rows(course)
    assert [table[s]["status"] for s in ("s1", "s2")] == ["graded", "graded"]
    assert [table[s]["score_so_far"] for s in ("s1", "s2")] == [str(AUTO), str(AUTO)]
    assert code == 0


def test_a_course_in_a_private_folder_grades_correctly():
    private = Path(tempfile.mkdtemp(prefix="nngrade-private-"))   # mode 0700, like mktemp -d
    try:
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        course = private / "course"
        released = make_course(course)
        submit(course, released, "honest")
        submit(course, released, "wrong", double="    return 3 * x")
        code, out, err = grade(course)
        table = rows(course)
        assert code == 0, err
        assert {s: (table[s]["status"], table[s]["score_so_far"]) for s in ("honest", "wrong")} == \
            {"honest": ("graded", str(AUTO)), "wrong": ("graded", "3")}
    finally:
        shutil.rmtree(private)


# ---- fast checks of the intake rules on their own ------------------------------------------

def test_zip_collect_caps_the_total_and_writes_only_inside_submitted(tmp_path):
    course = tmp_path / "course"
    (course / "downloaded" / A / "archive").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course)
    with zipfile.ZipFile(course / "downloaded" / A / "archive" / "a.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(5):
            z.writestr(f"s{i}_1_2_tiny.ipynb", b"{}" + b" " * 400_000)
        z.writestr("s9/../../escape_1_2_tiny.ipynb", b"{}")
        z.writestr("C:/windows_1_2_tiny.ipynb", b"{}")
        z.writestr("notes.txt", b"hello")
    config = load_course_config(course)
    paths = course_paths(config, course)
    got = collect.collect_zips(course, config, paths, A, intake.Limits(), max_unpacked_bytes=1_000_000)
    assert got.collected == ["s0/tiny.ipynb", "s1/tiny.ipynb"]
    reasons = "\n".join(got.dropped)
    assert reasons.count("more than 977 KiB in all") == 3
    assert "s9/../../escape_1_2_tiny.ipynb: a path with '..'" in reasons
    assert "C:/windows_1_2_tiny.ipynb: an absolute path" in reasons
    assert "notes.txt: the name does not match" in reasons
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["s0", "s1"]


def test_intake_copy_never_follows_links(tmp_path):
    source = tmp_path / "s"
    (source / "sub").mkdir(parents=True)
    (source / "nb.ipynb").write_text("{}")
    os.symlink("/etc/shadow", source / "sub" / "shadow")
    with pytest.raises(intake.Refused, match="sub/shadow is a symbolic link"):
        intake.inspect(source, intake.Limits())
    left_out = intake.copy_tree(source, tmp_path / "copy", intake.Limits(), strict=False)
    assert left_out == ["sub/shadow is a symbolic link"]
    assert [p.name for p in (tmp_path / "copy").rglob("*") if p.is_file()] == ["nb.ipynb"]


def test_an_error_while_preparing_or_recording_costs_only_that_submission(tmp_path, monkeypatch):
    from nngrade import pipeline
    from nngrade.config import Settings
    from nngrade.scratch import Scratch

    course = tmp_path / "course"
    released = make_course(course)
    for student in ("honest", "unpreparable", "unrecordable"):
        submit(course, released, student)
    for_submission, merge = Scratch.for_submission, pipeline.merge_submission

    def failing_preparation(self, student, *args, **kwargs):
        if student == "unpreparable":
            raise OSError(28, "No space left on device")
        return for_submission(self, student, *args, **kwargs)

    def failing_merge(src, dst, assignment, student):
        if student == "unrecordable":
            raise RuntimeError("the database went away")
        return merge(src, dst, assignment, student)

    monkeypatch.setattr(Scratch, "for_submission", failing_preparation)
    monkeypatch.setattr(pipeline, "merge_submission", failing_merge)
    run = pipeline.grade_class(Settings(course_dir=course, assignment=A, jobs=2, cell_timeout=10,
                                        progress=False))
    got = {o.student: (o.status, o.problems[0] if o.problems else "") for o in run.outcomes}
    assert got["honest"] == ("graded", "")
    assert got["unpreparable"][0] == "failed" and "No space left on device" in got["unpreparable"][1]
    assert got["unrecordable"][0] == "failed" and "the database went away" in got["unrecordable"][1]
    table = rows(course)
    assert table["honest"]["score_so_far"] == str(AUTO)
    assert table["unpreparable"]["score_so_far"] == table["unrecordable"]["score_so_far"] == ""
    report = (course / "reports" / A / "report.html").read_text()
    assert "No space left on device" in report and "the database went away" in report
    assert pipeline.what_to_do(run)   # make grade would exit 1 and say what to do
