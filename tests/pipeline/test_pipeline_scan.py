"""The static tamper scan of submissions (nngrade.scan): what it flags and what it lets pass."""
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nngrade.scan import scan_notebook

SETUP = ("import numpy as np\nfrom nnref import grading\nfrom nnref.grading import check_derivative\n"
         "rng = np.random.default_rng(0)\ndef helper(a):\n    return a\n")


def scan(student_code):
    """Findings for a notebook: a locked setup cell, then the student's answer cell."""
    locked = {"nbgrader": {"grade_id": "setup", "locked": True, "solution": False, "grade": False}}
    answer = {"nbgrader": {"grade_id": "answer", "locked": False, "solution": True, "grade": False}}
    nb = new_notebook(cells=[new_code_cell(SETUP, metadata=locked),
                             new_code_cell(student_code, metadata=answer)])
    return scan_notebook(nb)


@pytest.mark.parametrize("code", [
    "np.allclose = lambda *a, **k: True",
    "np.testing.assert_allclose = lambda *a, **k: None",
    "grading.check_derivative = print",
    "import numpy.testing as t\nt.assert_allclose = print",
    "t = np.testing\nt.assert_allclose = print",
    "del np.isclose",
    "setattr(np, 'allclose', print)",
    "getattr(np, 'testing').assert_allclose = print",
    "np.__dict__['allclose'] = print",
    "vars(np)['allclose'] = print",
    "exec('np.allclose = print')",
    "m = __import__('numpy')",
    "import builtins",
    "import ctypes",
    "from unittest import mock",
    "import sys\nsys.modules['numpy'] = None",
    "def check_derivative(*args, **kwargs):\n    pass",
    "np = None",
    "import fakenumpy as np",
    "def f():\n    global helper\n    helper = print",
    "helper = print",
    "(np.allclose, x) = (print, 1)",
    "def g(m):\n    m.allclose = print\ng(np)",
    "for m in [np]:\n    m.allclose = print",
    "if (m := np):\n    m.allclose = print",
])
def test_tampering_is_flagged(code):
    findings = scan(code)
    assert findings, f"not flagged: {code!r}"
    assert all(f.cell == "answer" for f in findings)


@pytest.mark.parametrize("code", [
    "def double(x):\n    return 2 * x",
    "def relu_derivative(z):\n    out = np.zeros_like(z)\n    out[z > 0] = 1.0\n    return out",
    "import numpy as np\nfrom nnref import grading",          # the same imports again
    "import sys\nprint('debug', file=sys.stderr)",
    "import warnings\nwarnings.warn('careful')",
    "rng = np.random.default_rng(1)",                          # a setup variable, not a helper
    "class Layer:\n    def __init__(self):\n        self.W = np.ones(3)\n        self.W[0] = 2",
    "def f(np):\n    np = np + 1\n    return np",                # local names shadow nothing
    "%matplotlib inline\nx = np.arange(3)",
    "this is not python (",                                    # left to the autograder
    "print(np.ones(3), np.pi)\nshapes = [np.ones(2).shape, (2, 3)]",
])
def test_honest_code_passes(code):
    assert scan(code) == []
