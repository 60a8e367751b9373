"""Grades that student code cannot forge, tried through `make grade` (``python -m nngrade``).

One class of the pilot assignment (ch02-activations) is graded once: honest students, a
blank notebook, an honest wrong answer, and the same blank or wrong work behind every
cheat we know of — each of which once scored 16–20/20 when the checks ran in the
student's own kernel. Every cheat must score exactly what the work behind it deserves,
the honest students must keep their scores, and no hidden test or expected value may
reach a feedback page or an autograded notebook's output.
"""
import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from nngrade import sandbox
from nngrade.config import Settings
from nngrade.pipeline import grade_class, summary_table

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("integrity"),
              pytest.mark.skipif(sandbox.probe() is not None, reason=f"no sandbox: {sandbox.probe()}")]

ROOT = Path(__file__).resolve().parents[2]
A = "ch02-activations"


def _test_points():
    """Points of every automatically graded test cell of the pilot, by grade_id."""
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


POINTS = _test_points()
AUTO_POINTS = sum(POINTS.values())


def part(name):
    """Points of the tests of one answer (its visible and hidden test cells)."""
    return sum(p for cell, p in POINTS.items() if cell.startswith(f"{name}_"))


# The honest wrong answer: step' = 1 everywhere and sigma' = sigma lose those two answers' tests.
WRONG = {"step_derivative": "def step_derivative(z):\n    return np.ones_like(z)",
         "sigmoid_derivative": "def sigmoid_derivative(z):\n    return sigmoid(z)"}
WRONG_POINTS = AUTO_POINTS - part("step_derivative") - part("sigmoid_derivative")

PATCH_NUMPY = """
import sys, numpy
_true = lambda *a, **k: True
sys.modules["numpy"].allclose = _true
numpy.ma.core.np.isclose = lambda a, b, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)
numpy.array_equal = _true
"""
ENCODED = ("import base64\nexec(base64.b64decode(" + repr(__import__("base64").b64encode(
    b"import numpy\nnumpy.allclose = lambda *a, **k: True\n").decode()) + "))\n")
COMPUTED = ("import importlib\nsetattr(importlib.import_module('nu' + 'mpy'), 'all' + 'close', "
            "lambda *a, **k: True)\n__import__('nu' + 'mpy').isclose = lambda a, b, **k: a == a\n")
BUILTINS = "import builtins\nbuiltins.abs = lambda x: 0 * x\nbuiltins.all = lambda x: True\n"
SWAP_GRADING = """
class _Everything:
    def __getattr__(self, name):
        return lambda *a, **k: None
get_ipython().user_ns["grading"] = _Everything()
"""
HOOK_GLOBALS = """
class _Everything:
    def __getattr__(self, name):
        return lambda *a, **k: None
def _hook(info):  # before every later cell, replace what the test cells use
    g = get_ipython().user_ns
    g["grading"] = g["activations"] = _Everything()
get_ipython().events.register("pre_run_cell", _hook)
"""
HOOK_LEAK = """
def _leak(info):
    print("LEAK:", getattr(info, "raw_cell", ""))
get_ipython().events.register("pre_run_cell", _leak)
"""
FRAMES = """
def _steal(z):
    import sys
    for frame in list(sys._current_frames().values()):
        while frame is not None:
            for key in ("expected", "e", "numerical"):
                value = frame.f_locals.get(key)
                if getattr(value, "shape", None) == getattr(z, "shape", 0):
                    return value
            frame = frame.f_back
    return np.ones_like(z)
"""
RUNPY = ("import runpy\n_ref = runpy.run_module('nnref.activations')\n"
         "def sigmoid_derivative(z):\n    return _ref['Sigmoid']().derivative(z)\n")
DISPLAYHOOK = "import sys\nsys.displayhook('ok')\n"
TRANSFORMER = "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
ALWAYS_EQUAL = ("class _Eq(np.ndarray):\n    def __eq__(self, other): return np.ones(np.shape(other), bool)\n"
                "    def __array_finalize__(self, obj): pass\n"
                "def step_derivative(z):\n    return np.ones_like(z).view(_Eq)\n")
OBJECT = "class _Any:\n    def __eq__(self, other): return True\ndef identity_derivative(z):\n    return _Any()\n"
GENERATOR = "def tanh_derivative(z):\n    return (1 - t * t for t in np.tanh(z))\n"
HOSTILE_NEIGHBOUR = """
import os, signal
try:
    os.kill(-1, signal.SIGKILL)          # every process it may signal, but itself
except OSError:
    pass
if os.fork() == 0:                       # a detached process that outlives the kernel...
    os.setsid()
    if os.fork() == 0:
        import time
        own = {1, 2, os.getpid(), os.getppid()}
        for _ in range(600):             # ...and hunts for other students' kernels
            for pid in os.listdir('/proc'):
                if pid.isdigit() and int(pid) not in own:
                    try: os.kill(int(pid), signal.SIGKILL)
                    except OSError: pass
            time.sleep(0.1)
    os._exit(0)
"""

# student -> (cells put first in the notebook, solution cells replaced, expected auto points)
CLASS = {
    "honest-1": ("", {}, AUTO_POINTS),
    "honest-2": ("", {}, AUTO_POINTS),
    "blank": ("", None, 0),
    "wrong": ("", WRONG, WRONG_POINTS),
    "cheat-displayhook": (DISPLAYHOOK, None, 0),
    "cheat-transformer": (TRANSFORMER, None, 0),
    "cheat-patch-numpy": (PATCH_NUMPY, WRONG, WRONG_POINTS),
    "cheat-encoded-exec": (ENCODED, WRONG, WRONG_POINTS),
    "cheat-computed-names": (COMPUTED, WRONG, WRONG_POINTS),
    "cheat-builtins": (BUILTINS, WRONG, WRONG_POINTS),
    "cheat-swap-grading": (SWAP_GRADING, WRONG, WRONG_POINTS),
    "cheat-hook-globals": (HOOK_GLOBALS, WRONG, WRONG_POINTS),
    "cheat-hook-leak": (HOOK_LEAK, WRONG, WRONG_POINTS),
    "cheat-frames": (FRAMES, dict(WRONG, step_derivative="step_derivative = _steal"), WRONG_POINTS),
    "cheat-runpy": (RUNPY, {"sigmoid_derivative": "pass  # defined in the first cell"},
                    AUTO_POINTS - part("sigmoid_derivative")),
    "cheat-always-equal": ("", {"step_derivative": ALWAYS_EQUAL}, AUTO_POINTS - part("step_derivative")),
    "cheat-object": ("", {"identity_derivative": OBJECT}, AUTO_POINTS - part("identity_derivative")),
    "cheat-generator": ("", {"tanh_derivative": GENERATOR}, AUTO_POINTS - part("tanh_derivative")),
    "cheat-relabelled": ("", "relabel", WRONG_POINTS),
    "cheat-neighbour-killer": (HOSTILE_NEIGHBOUR, {}, AUTO_POINTS),
    "honest-3": ("", {}, AUTO_POINTS),
}


def _solutions():
    nb = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    return {c.metadata["nbgrader"]["grade_id"]: "\n".join(
        line for line in c.source.split("\n") if not any(m in line for m in markers))
        for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}


def _notebook(released, first, answers):
    nb = copy.deepcopy(released)
    solutions = _solutions()
    relabel = answers == "relabel"
    if relabel:
        answers = WRONG
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions and answers is not None:
            cell.source = answers.get(gid, solutions[gid])
            if relabel and gid in WRONG:  # claims to be a locked cell, so that a scan would skip it
                cell.metadata["nbgrader"].update(locked=True, solution=False)
    if first:
        nb.cells.insert(2, nbformat.v4.new_code_cell(first))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("integrity") / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
    released = nbformat.read(ROOT / "exercises" / A / f"{A}.ipynb", as_version=4)
    for student, (first, answers, _) in CLASS.items():
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(_notebook(released, first, answers), folder / f"{A}.ipynb")
    run = grade_class(Settings(course_dir=course, assignment=A, jobs=2, cell_timeout=20,
                               notebook_timeout=300, progress=False))
    print(summary_table(run))
    return course, run


def auto_points(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(A, A, student)
        return sum(g.auto_score or 0 for g in notebook.grades if g.cell.cell_type == "code")


@pytest.mark.parametrize("student", CLASS)
def test_each_student_scores_what_their_work_deserves(graded, student):
    course, run = graded
    assert auto_points(course, student) == CLASS[student][2], summary_table(run)


def test_no_hidden_test_or_expected_value_reaches_feedback_or_outputs(graded):
    course, _ = graded
    source = nbformat.read(ROOT / "solutions" / A / f"{A}.ipynb", as_version=4)
    hidden_lines = {line.strip() for c in source.cells if "### BEGIN HIDDEN TESTS" in c.source
                    for line in c.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                    .split("\n") if len(line.strip()) > 12}
    assert hidden_lines
    for student in CLASS:
        html = (course / "feedback" / student / A / f"{A}.html").read_text()
        leaked = [line for line in hidden_lines if line in html]
        assert not leaked, f"{student}'s feedback shows hidden test code: {leaked[:2]}"
        nb = nbformat.read(course / "autograded" / student / A / f"{A}.ipynb", as_version=4)
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
        leaked = [line for line in hidden_lines if json.dumps(line)[1:-1] in outputs]
        assert not leaked, f"{student}'s outputs show hidden test code: {leaked[:2]}"


def test_the_leaking_hook_saw_no_test_cell(graded):
    course, _ = graded
    nb = nbformat.read(course / "autograded" / "cheat-hook-leak" / A / f"{A}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "LEAK:" in printed  # the hook ran, on the student's own cells only
    assert "grading.check" not in printed and "call_student" not in printed


def test_values_that_are_not_plain_data_get_a_clear_message(graded):
    course, _ = graded
    messages = {}
    for student, cell in [("cheat-object", "identity_derivative_tests"),
                          ("cheat-generator", "tanh_derivative_tests"),
                          ("cheat-always-equal", "step_derivative_tests")]:
        nb = nbformat.read(course / "autograded" / student / A / f"{A}.ipynb", as_version=4)
        [target] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell]
        messages[student] = " ".join(o.get("evalue", "") for o in target.outputs if o.output_type == "error")
    assert "not an answer the grader can read" in messages["cheat-object"]
    assert "iterator" in messages["cheat-generator"]
    assert "subclass of numpy.ndarray" in messages["cheat-always-equal"]


def test_the_reference_cannot_be_reached_from_the_kernel(graded):
    course, _ = graded
    nb = nbformat.read(course / "autograded" / "cheat-runpy" / A / f"{A}.ipynb", as_version=4)
    [first] = [c for c in nb.cells if "runpy" in c.source]
    assert any(o.output_type == "error" for o in first.outputs)


def test_every_run_is_graded_without_errors(graded):
    _, run = graded
    assert {o.status for o in run.outcomes} == {"graded"}, summary_table(run)
