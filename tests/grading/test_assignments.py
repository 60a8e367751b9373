"""Grader self-test: the real nbgrader commands, end to end, for every assignment in solutions/.

For each assignment a temporary copy of the course is made (nbgrader_config.py and the
assignment's solutions), then `nbgrader generate_assignment`, `autograde` and
`generate_feedback` run on fake submissions:

- ``solution``: the exercises with the instructor's solutions filled in: full marks;
- ``untouched``: the exercises as released: zero;
- ``wrong-<k>``: the k-th wrong answer of every part from tests/grading/wrong_answers/<assignment>.py
  (format in that folder's README): exactly the listed test cells lose points, each with
  the expected words in its error message;
- ``hostile``: solutions, but one part wrong with its test cells edited to ``pass``, one part
  whose function prints to stderr and warns, one part whose test cells were deleted, and
  every locked cell edited: the edits are undone, the deleted cells restored, stderr costs
  nothing;
- ``stripped``: solutions saved by an editor that dropped all cell metadata: full marks;
- ``hardcoder``: generated, not written by hand: the solution notebook is run as a student
  runs it (visible tests only) while every function of a solution cell records what it
  returns; the hard-coder's functions return those recorded values (the value recorded for
  the same input, else the first one) whatever they are given. Hidden tests carry at least
  two thirds of every part's points, so it scores at most a third of each part.

All of an assignment's submissions are graded by one `nbgrader autograde` run (a kernel
start each), shared by the tests below through a session fixture.
"""

import base64
import html
import json
import os
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir()
                     if p.is_dir() and any(p.glob("*.ipynb")))
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

pytestmark = pytest.mark.slow
assignment_params = pytest.mark.parametrize(
    "assignment", [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in ASSIGNMENTS])


# --- helpers ------------------------------------------------------------------------------

def nbgrader(course, *args, timeout=600):
    """Run an nbgrader command in the course folder; fail the test with its log if it fails."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, timeout=timeout,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def meta(cell):
    return cell.metadata.get("nbgrader", {})


def grade_id(cell):
    return meta(cell).get("grade_id")


def strip_lines(source, markers):
    return "\n".join(line for line in source.split("\n") if not any(m in line for m in markers))


def region_lines(source, begin, end):
    """The lines strictly between ``begin`` and ``end`` marker lines."""
    lines, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def outside_lines(cells):
    """All lines of ``cells`` that are outside solution and hidden-test regions."""
    lines = []
    for cell in cells:
        inside = False
        for line in cell.source.split("\n"):
            if any(m in line for m in SOLUTION_MARKERS[:1] + HIDDEN_MARKERS[:1]):
                inside = True
            elif any(m in line for m in SOLUTION_MARKERS[1:] + HIDDEN_MARKERS[1:]):
                inside = False
            elif not inside:
                lines.append(line.strip())
    return set(lines)


def load_wrong_answers(assignment):
    path = ROOT / "tests" / "grading" / "wrong_answers" / f"{assignment}.py"
    assert path.exists(), (f"{path.relative_to(ROOT)} is missing: every assignment needs "
                           "deliberately wrong answers (see tests/grading/wrong_answers/README.md)")
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace["WRONG_ANSWERS"]


def filled(release, answers):
    """A copy of the release notebook with the solution cells replaced by ``answers``."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)].strip("\n")
    return nb


NOISY = """

import sys as _sys, warnings as _warnings, functools as _functools

def _noisy(function):
    @_functools.wraps(function)
    def wrapper(*args, **kwargs):
        print("debugging output on stderr", file=_sys.stderr)
        _warnings.warn("a warning from the student's code")
        return function(*args, **kwargs)
    return wrapper

{name} = _noisy({name})
"""


def build_submissions(source, release, wrong):
    """Return ({student: notebook}, expectations) for one notebook of an assignment."""
    solutions = {grade_id(c): strip_lines(c.source, SOLUTION_MARKERS)
                 for c in source.cells if meta(c).get("solution")}
    auto_tests = [grade_id(c) for c in source.cells if meta(c).get("grade") and not meta(c).get("solution")]
    parts = [grade_id(c) for c in source.cells if grade_id(c) in wrong]
    unknown = set(wrong) - set(solutions)
    assert not unknown, f"wrong answers for cells that are not solution cells: {sorted(unknown)}"
    for part, entries in wrong.items():
        for description, _, failing in entries:
            bad = set(failing) - set(auto_tests)
            assert not bad, f"{part} / {description}: {sorted(bad)} are not autograded test cells"

    students = {"solution": filled(release, solutions), "untouched": release}
    expect = {"wrong": {}}
    for k in range(max((len(v) for v in wrong.values()), default=0)):
        answers, failing = dict(solutions), {}
        for part, entries in wrong.items():
            if k < len(entries):
                description, code, fails = entries[k]
                answers[part] = code
                failing.update({test: (part, description, words) for test, words in fails.items()})
        students[f"wrong-{k + 1}"] = filled(release, answers)
        expect["wrong"][f"wrong-{k + 1}"] = failing

    # hostile: cheat on the first part, noise in the second, deleted tests in the last
    answers = dict(solutions)
    cheat_part, noisy_part, deleted_part = parts[0], parts[1 % len(parts)], parts[-1]
    cheat_description, answers[cheat_part], cheat_fails = wrong[cheat_part][0]
    function = re.search(r"^def (\w+)", solutions[noisy_part], re.M).group(1)
    answers[noisy_part] = solutions[noisy_part] + NOISY.format(name=function)
    deleted = {t for _, _, fails in wrong[deleted_part] for t in fails}
    hostile = filled(release, answers)
    hostile.cells = [c for c in hostile.cells if grade_id(c) not in deleted]
    locked = {}
    for cell in hostile.cells:
        if grade_id(cell) in cheat_fails:
            cell.source = "pass  # the student made the test pass"
        elif meta(cell).get("locked") and not meta(cell).get("grade"):
            locked[grade_id(cell)] = cell.source
            cell.source = 'raise RuntimeError("a student edited this locked cell")'
    students["hostile"] = hostile
    expect["hostile"] = SimpleNamespace(cheat=set(cheat_fails), noisy_part=noisy_part,
                                        deleted=deleted, locked=locked)

    stripped = filled(release, solutions)
    for cell in stripped.cells:
        cell.metadata = nbformat.NotebookNode()
    students["stripped"] = stripped
    return students, expect, auto_tests, solutions


# --- the generated hard-coder ------------------------------------------------------------------

# How a call's arguments are keyed, in the recording kernel and in the hard-coder's notebook:
# arrays by dtype, shape and bytes, numbers and strings by value, containers recursively,
# anything else (an activation object, a function) by nothing but being an object.
KEY_SOURCE = """
def _hc_key(value):
    import hashlib as _hashlib
    import numpy as _np
    if isinstance(value, _np.ndarray):
        digest = _hashlib.sha1(_np.ascontiguousarray(value).tobytes()).hexdigest()
        return ("array", value.dtype.str, value.shape, digest)
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None), _np.generic)):
        return ("value", repr(value))
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(_hc_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), _hc_key(v)) for k, v in value.items()))
    return ("object",)
"""

RECORD_SOURCE = KEY_SOURCE + """
import copy as _hc_copy
_HC_RECORDED = globals().setdefault("_HC_RECORDED", {{}})

def _hc_record(name, function):
    def recording(*args, **kwargs):
        result = function(*args, **kwargs)
        try:  # only answers that are plain data (not, e.g., a node of the student's own graph class)
            from nnref import plain as _hc_plain
            _hc_plain.round_trip(result)
        except Exception:
            return result
        _HC_RECORDED.setdefault(name, []).append((_hc_key((args, kwargs)), _hc_copy.deepcopy(result)))
        return result
    recording.__name__ = recording.__qualname__ = name
    return recording

for _hc_name in {names!r}:
    globals()[_hc_name] = _hc_record(_hc_name, globals()[_hc_name])
"""

DUMP_SOURCE = """
import pickle as _hc_pickle
with open({path!r}, "wb") as _hc_file:
    _hc_pickle.dump(globals().get("_HC_RECORDED", {{}}), _hc_file)
"""

HARDCODED_SOURCE = KEY_SOURCE + """
import base64 as _hc_base64, copy as _hc_copy, pickle as _hc_pickle
_HC_TABLE_{name} = _hc_pickle.loads(_hc_base64.b64decode({table!r}))

def {name}(*args, **kwargs):
    # the values the solution returned on the visible tests' inputs, whatever the input now
    key = _hc_key((args, kwargs))
    for seen, result in _HC_TABLE_{name}:
        if seen == key:
            return _hc_copy.deepcopy(result)
    return _hc_copy.deepcopy(_HC_TABLE_{name}[0][1]) if _HC_TABLE_{name} else None
"""


def defined_functions(source):
    return re.findall(r"^def (\w+)", source, re.M)


def record_visible_returns(release, solutions, folder):
    """Run the release notebook with the solutions filled in (so: visible tests only), every
    solution function recording its calls; return {function name: [(key, result), ...]}."""
    from nbclient import NotebookClient

    nb = filled(release, solutions)
    cells, path = [], folder / "recorded.pickle"
    for cell in nb.cells:
        cells.append(cell)
        names = defined_functions(cell.source) if grade_id(cell) in solutions else []
        if names:
            cells.append(nbformat.v4.new_code_cell(RECORD_SOURCE.format(names=names)))
    cells.append(nbformat.v4.new_code_cell(DUMP_SOURCE.format(path=str(path))))
    nb.cells = cells
    NotebookClient(nb, timeout=600, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return pickle.loads(path.read_bytes())


def hardcoder(release, solutions, recorded):
    """The release notebook whose solution cells return the recorded values: functions that
    were never called keep the stub, cells that define no function (a variable to set) too."""
    answers = {}
    for part, source in solutions.items():
        names = defined_functions(source)
        if names:
            answers[part] = "\n\n".join(
                HARDCODED_SOURCE.format(name=name, table=base64.b64encode(
                    pickle.dumps(recorded.get(name, []))).decode()) for name in names)
    return filled(release, answers)


def part_of(test_id):
    return re.sub(r"_(tests|hidden)$", "", test_id)


def empty_gradebook(path):
    """Create an empty gradebook at ``path``. A new gradebook costs nbgrader an `alembic`
    subprocess; copying this one into each course saves that per assignment."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run([sys.executable, "-c", "import sys; from nbgrader.api import Gradebook; "
                    "Gradebook(f'sqlite:///{sys.argv[1]}').close()", str(path)],
                   env=env, check=True, timeout=300)
    return path


def grade_assignment(assignment, tmp, gradebook):
    """Run the whole nbgrader pipeline for one assignment in a temporary course copy."""
    course = tmp / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    (course / "gradebook.db").write_bytes(gradebook.read_bytes())
    subprocess.run(["cp", "-r", str(ROOT / "solutions" / assignment), str(course / "solutions")], check=True)
    started = time.perf_counter()
    nbgrader(course, "generate_assignment", assignment)
    generate_seconds = time.perf_counter() - started

    wrong = load_wrong_answers(assignment)
    notebooks = sorted(p.name for p in (course / "solutions" / assignment).glob("*.ipynb"))
    expect, auto_tests = {}, {}
    for name in notebooks:
        source = nbformat.read(course / "solutions" / assignment / name, as_version=4)
        release = nbformat.read(course / "exercises" / assignment / name, as_version=4)
        own = {part: v for part, v in wrong.items() if any(grade_id(c) == part for c in source.cells)}
        students, expect[name], auto_tests[name], solutions = build_submissions(source, release, own)
        folder = tmp / f"record-{Path(name).stem}"
        folder.mkdir()
        students["hardcoder"] = hardcoder(release, solutions, record_visible_returns(release, solutions, folder))
        for student, nb in students.items():
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / name)

    started = time.perf_counter()
    nbgrader(course, "autograde", assignment, "--create")
    autograde_seconds = time.perf_counter() - started
    started = time.perf_counter()
    # feedback only where it is checked: "untouched" and "wrong-<k>" (a glob on student ids)
    nbgrader(course, "generate_feedback", assignment, "--student=[uw]*")
    feedback_seconds = time.perf_counter() - started

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            for name in notebooks:
                nb = gb.find_submission_notebook(Path(name).stem, assignment, student)
                scores[student, name] = {g.name: SimpleNamespace(score=g.score, max=g.max_score,
                                                                 manual=g.needs_manual_grade)
                                         for g in nb.grades}
    return SimpleNamespace(
        course=course, notebooks=notebooks, students=list(students), expect=expect,
        auto_tests=auto_tests, scores=scores, generate_seconds=generate_seconds,
        autograde_seconds=autograde_seconds, feedback_seconds=feedback_seconds,
        autograded=lambda student, name: nbformat.read(
            course / "autograded" / student / assignment / name, as_version=4),
        feedback=lambda student, name: (course / "feedback" / student / assignment /
                                        name.replace(".ipynb", ".html")).read_text())


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    done, gradebook = {}, []

    def run(assignment):
        if not gradebook:
            gradebook.append(empty_gradebook(tmp_path_factory.mktemp("template") / "gradebook.db"))
        if assignment not in done:
            done[assignment] = grade_assignment(assignment, tmp_path_factory.mktemp(assignment), gradebook[0])
        return done[assignment]

    return run


def error_text(nb, test_id):
    """The error (``Name: message``) a graded cell produced, or None."""
    for cell in nb.cells:
        if grade_id(cell) == test_id:
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            return f"{errors[0].ename}: {errors[0].evalue}" if errors else None
    return "(cell missing)"


# --- the tests -----------------------------------------------------------------------------

@assignment_params
def test_solutions_score_full_marks(graded, assignment):
    g = graded(assignment)
    print(f"\n{assignment}: generate {g.generate_seconds:.1f} s, autograde of {len(g.students)} "
          f"submissions {g.autograde_seconds:.1f} s ({g.autograde_seconds / len(g.students):.1f} s each), "
          f"feedback {g.feedback_seconds:.1f} s")
    for name in g.notebooks:
        lost = {cell: (s.score, s.max) for cell, s in g.scores["solution", name].items()
                if not s.manual and s.score != s.max}
        assert not lost, f"the solution of {name} loses points in {lost}: " + "; ".join(
            f"{cell}: {error_text(g.autograded('solution', name), cell)}" for cell in lost)
        manual = [cell for cell, s in g.scores["solution", name].items() if s.manual]
        assert set(manual) | set(g.auto_tests[name]) == set(g.scores["solution", name])


@assignment_params
def test_untouched_exercises_score_zero(graded, assignment):
    g = graded(assignment)
    for name in g.notebooks:
        scored = {cell: s.score for cell, s in g.scores["untouched", name].items() if s.score}
        assert not scored, f"the untouched exercise {name} scores points in {scored}"
        assert all(s.max > 0 for s in g.scores["untouched", name].values())


@assignment_params
def test_wrong_answers_lose_points_exactly_where_expected(graded, assignment):
    g = graded(assignment)
    problems = []
    for name in g.notebooks:
        for student, failing in g.expect[name]["wrong"].items():
            nb = g.autograded(student, name)
            for test_id in g.auto_tests[name]:
                s, error = g.scores[student, name][test_id], error_text(nb, test_id)
                if test_id in failing:
                    part, description, words = failing[test_id]
                    if s.score >= s.max:
                        problems.append(f"{part} / {description!r}: {test_id} kept its points")
                    elif words not in (error or ""):
                        problems.append(f"{part} / {description!r}: {test_id} says {error!r}, "
                                        f"expected it to mention {words!r}")
                elif s.score != s.max:
                    problems.append(f"{student}: {test_id} lost points, but no wrong answer in this "
                                    f"submission targets it (parts not independent?): {error}")
    assert not problems, "\n".join(problems)


@assignment_params
def test_hostile_submission_is_graded_as_if_nothing_happened(graded, assignment):
    """Edited test cells and locked cells are restored, deleted test cells are put back,
    and stderr output does not cost points."""
    g = graded(assignment)
    for name in g.notebooks:
        expect, scores = g.expect[name]["hostile"], g.scores["hostile", name]
        nb = g.autograded("hostile", name)
        for test_id in g.auto_tests[name]:
            if test_id in expect.cheat:
                assert scores[test_id].score < scores[test_id].max, \
                    f"{test_id} was edited to `pass` and kept its points: edited test cells are not restored"
            else:
                assert scores[test_id].score == scores[test_id].max, \
                    f"{test_id} lost points: {error_text(nb, test_id)}"
        restored = {grade_id(c): c.source for c in nb.cells}
        assert expect.deleted <= set(restored), "deleted test cells were not put back"
        for cell_id, source in expect.locked.items():
            assert restored[cell_id] == source, f"the edited locked cell {cell_id} was not restored"


@assignment_params
def test_notebook_with_stripped_metadata_scores_full_marks(graded, assignment):
    g = graded(assignment)
    for name in g.notebooks:
        lost = {cell: error_text(g.autograded("stripped", name), cell)
                for cell, s in g.scores["stripped", name].items() if not s.manual and s.score != s.max}
        assert not lost, f"a submission without cell metadata loses points: {lost}"


@assignment_params
def test_feedback_shows_errors_but_no_hidden_test_code(graded, assignment):
    g = graded(assignment)
    for name in g.notebooks:
        source = nbformat.read(ROOT / "solutions" / assignment / name, as_version=4)
        visible = outside_lines(source.cells)
        hidden = {line.strip() for c in source.cells for line in region_lines(c.source, *HIDDEN_MARKERS)
                  if len(line.strip()) > 12 and line.strip() not in visible}
        assert hidden, f"{name} has no hidden tests"
        for student in ["untouched", *g.expect[name]["wrong"]]:
            page = html.unescape(re.sub(r"<[^>]+>", "", g.feedback(student, name)))
            assert "HIDDEN TESTS" not in page
            leaked = hidden & {line.strip() for line in page.split("\n")}
            assert not leaked, f"feedback for {student} quotes hidden test lines: {sorted(leaked)[:3]}"
            # a failed check (nnref.grading.CheckFailed, an AssertionError), or the error the
            # student's own code raised (a submission made only of right alternatives has none)
            if student == "untouched" or g.expect[name]["wrong"][student]:
                assert re.search(r"\w*Error\b|CheckFailed", page), f"the feedback for {student} shows no error"


@assignment_params
def test_generated_hardcoder_scores_at_most_a_third(graded, assignment):
    """Returning what the solution returns on the visible tests' inputs earns the visible
    tests' points only: at most a third of every part's automatic points."""
    g = graded(assignment)
    for name in g.notebooks:
        scores = g.scores["hardcoder", name]
        nb = g.autograded("hardcoder", name)
        parts = {}
        for test_id in g.auto_tests[name]:
            got, most = parts.get(part_of(test_id), (0.0, 0.0))
            parts[part_of(test_id)] = (got + scores[test_id].score, most + scores[test_id].max)
        total = sum(got for got, _ in parts.values()), sum(most for _, most in parts.values())
        print(f"\n{name}: the hard-coder scores {total[0]:g} of {total[1]:g} automatic points; "
              + ", ".join(f"{part} {got:g}/{most:g}" for part, (got, most) in parts.items()))
        too_much = {part: f"{got:g}/{most:g}" for part, (got, most) in parts.items() if 3 * got > most}
        assert not too_much, (f"the generated hard-coder of {name} scores more than a third of {too_much}; "
                              "its test cells say: " + "; ".join(
                                  f"{t}: {error_text(nb, t)}" for t in g.auto_tests[name]
                                  if part_of(t) in too_much))
        assert 3 * total[0] <= total[1]


@assignment_params
def test_hidden_tests_carry_two_thirds_of_every_part(assignment):
    for path in sorted((ROOT / "solutions" / assignment).glob("*.ipynb")):
        parts = {}
        for cell in nbformat.read(path, as_version=4).cells:
            if meta(cell).get("grade") and not meta(cell).get("solution"):
                hidden = HIDDEN_MARKERS[0] in cell.source
                visible_points, hidden_points = parts.get(part_of(grade_id(cell)), (0, 0))
                points = meta(cell)["points"]
                parts[part_of(grade_id(cell))] = ((visible_points, hidden_points + points) if hidden
                                                  else (visible_points + points, hidden_points))
        bad = {part: f"visible {v}, hidden {h}" for part, (v, h) in parts.items() if 3 * h < 2 * (v + h)}
        assert not bad, f"{path.name}: hidden tests carry less than two thirds of {bad}"


def normalized(path):
    """A notebook's JSON without what legitimately varies between generations."""
    nb = json.loads(Path(path).read_text())
    nb["metadata"].pop("language_info", None)
    return nb


@assignment_params
def test_committed_exercises_equal_freshly_generated_ones(graded, assignment):
    g = graded(assignment)
    for name in g.notebooks:
        committed = ROOT / "exercises" / assignment / name
        assert committed.exists(), f"{committed.relative_to(ROOT)} is missing: run `make exercises`"
        assert normalized(committed) == normalized(g.course / "exercises" / assignment / name), \
            f"exercises/{assignment}/{name} is out of date: run `make exercises` and commit it"


@assignment_params
def test_exercises_contain_no_solution_and_no_hidden_test(assignment):
    for path in sorted((ROOT / "solutions" / assignment).glob("*.ipynb")):
        source = nbformat.read(path, as_version=4)
        secret = {line.strip() for cell in source.cells for markers in (SOLUTION_MARKERS, HIDDEN_MARKERS)
                  for line in region_lines(cell.source, *markers)}
        # lines that also appear outside the secret regions (e.g. `W, b = result`) are not secret
        secret = {line for line in secret if len(line) > 8 and line not in outside_lines(source.cells)}
        exercise = ROOT / "exercises" / assignment / path.name
        text = "\n".join(c.source for c in nbformat.read(exercise, as_version=4).cells)
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        leaked = sorted(secret & {line.strip() for line in text.split("\n")})
        assert not leaked, f"{exercise.relative_to(ROOT)} contains solution or hidden-test lines: {leaked}"


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@assignment_params
def test_notebooks_are_committed_without_outputs(folder, assignment):
    for path in sorted((ROOT / folder / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        dirty = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
        assert not dirty, f"{path.relative_to(ROOT)} has outputs in cells {dirty}: clear them"


def test_an_endless_loop_times_out_and_grading_goes_on(tmp_path):
    """A part that never returns scores 0 after TrustedExecute.timeout; the other parts are graded.
    (The pilot only, with the timeout lowered to 5 s for speed.)"""
    assignment = "ch02-activations"
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    subprocess.run(["cp", "-r", str(ROOT / "solutions" / assignment), str(course / "solutions")], check=True)
    empty_gradebook(course / "gradebook.db")
    nbgrader(course, "generate_assignment", assignment)
    name = f"{assignment}.ipynb"
    source = nbformat.read(course / "solutions" / assignment / name, as_version=4)
    release = nbformat.read(course / "exercises" / assignment / name, as_version=4)
    answers = {grade_id(c): strip_lines(c.source, SOLUTION_MARKERS)
               for c in source.cells if meta(c).get("solution")}
    answers["sigmoid_derivative"] = "def sigmoid_derivative(z):\n    while True:\n        pass"
    folder = course / "submitted" / "looping" / assignment
    folder.mkdir(parents=True)
    nbformat.write(filled(release, answers), folder / name)

    nbgrader(course, "autograde", assignment, "--create", "--TrustedExecute.timeout=5")
    nb = nbformat.read(course / "autograded" / "looping" / assignment / name, as_version=4)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grades = gb.find_submission_notebook(assignment, assignment, "looping").grades
        scores = {g.name: (g.score, g.max_score, g.needs_manual_grade) for g in grades}
    for cell_id, (score, max_score, manual) in scores.items():
        if cell_id.startswith("sigmoid_derivative"):
            assert score == 0 and error_text(nb, cell_id).startswith("CellTimeoutError")
        elif not manual:
            assert score == max_score, f"{cell_id} lost points after the timeout: {error_text(nb, cell_id)}"
    nbgrader(course, "generate_feedback", assignment, "--TrustedExecute.timeout=5")
    page = (course / "feedback" / "looping" / assignment / f"{assignment}.html").read_text()
    assert html.unescape(page).count("ran longer than the grader's time limit of 5 s (an endless loop?)") == 2
