"""Helpers for the test cells of the course's notebooks (autograded by nbgrader).

Test cells call a student's function through these helpers, so that a failure tells the
student *what* is wrong (wrong shape? transposed? off by a factor ``N``? wrong sign?) rather
than only *that* it is wrong. This module depends on NumPy and nnref's core only, never on
nbgrader: the same cells run in JupyterLab and in the grader.

The API (keep these names stable: every notebook uses them)
-----------------------------------------------------------
``check_environment()``
    For the first cell of every notebook: prints ``Environment OK …`` or one instruction
    that fixes a Python/NumPy/nnref mismatch with the course. Returns ``True``/``False``.
``call_student(func, *args, disable=ALL, **kwargs)``
    Calls ``func(*args, **kwargs)`` with nnref's reference implementation disabled and
    returns its result. An answer that calls the reference fails with
    "… calls nnref's reference …"; the untouched stub (``NotImplementedError``) fails with
    "… not answered yet …"; an answer that changes its input arrays in place fails too.
    ``disable`` lists what to disable (nnref modules, classes or functions); the default
    is every nnref module except ``grading``, ``data``, ``figures`` and ``plain``. Pass e.g.
    ``disable=[nnref.losses]`` when a part may use the
    reference for what earlier parts taught.
``check_array(actual, expected, name, *, batch_size=None, per_example=None, mistakes=None, rtol=1e-6, atol=1e-9)``
    Raises ``AssertionError`` naming the likely bug when ``actual`` is not ``expected``:
    not returned, not an array, wrong shape (transposed shape, extra batch axis), NaN/inf,
    wrong dtype, a known mistake of this exercise (``mistakes``: a dict
    ``{"forgot the factor f'(z)": wrong_array}``), values transposed, all zeros, wrong sign, off by a constant factor
    (``N`` = ``batch_size``, 2, ½, any), equal to one row of ``per_example`` (the
    ``(N, …)`` array whose sum over axis 0 is ``expected``: the bias gradient case);
    otherwise how many entries are wrong and the largest error with its index.
``check_gradient(actual, f, x, name, *, batch_size=None, eps=1e-6, rtol=1e-5, atol=1e-7)``
    Compares ``actual`` with the central-difference gradient of the scalar function ``f()``
    with respect to the float64 array ``x`` (``nnref.gradcheck.numerical_gradient``), with
    the same diagnoses as ``check_array``.
``check_derivative(derivative, function, z, name=None, *, expected=None, mistakes=None, kwargs=None)``
    For elementwise functions: calls the student's ``derivative(z, **kwargs)`` via ``call_student``,
    compares it with ``expected`` (the reference's values) if given, then with the central
    differences of ``function`` at ``z``. Pick ``z`` away from kinks (e.g. ``0`` for
    ReLU), where no derivative exists.

A typical visible test cell::

    z = np.array([-2.0, -0.5, 0.5, 3.0])
    grading.check_derivative(sigmoid_derivative, activations.Sigmoid().forward, z,
                             expected=activations.Sigmoid().derivative(z))
    W, b = grading.call_student(collapse_linear, W1, b1, W2, b2)
    grading.check_array(W, W1 @ W2, name="W")

Every check raises ``CheckFailed``, a subclass of ``AssertionError``, with a message written
for the student. In JupyterLab (and in the feedback pages) it is shown as two lines, the
check's name and its message, instead of a traceback into this module; an error raised by
the student's own code keeps its full traceback.
"""

import contextlib
import dataclasses
import functools
import importlib
import importlib.metadata
import pkgutil
import sys
import threading
import types

import numpy as np

from nnref import plain

__all__ = ["check_environment", "call_student", "in_student_kernel", "check_array", "check_gradient",
           "check_derivative", "CheckFailed", "Outcome", "RemoteFunction", "StudentError",
           "reference_disabled", "ALL", "COURSE_PYTHON", "COURSE_NUMPY"]

# The course's environment (requirements.txt pins numpy==2.4.x for Python 3.11; a test
# keeps these in step with it). Major.minor is what must match: patch releases do not
# change results.
COURSE_PYTHON = (3, 11)
COURSE_NUMPY = (2, 4)

# call_student's default: disable every public module of nnref except these (which hold
# no answers: grading itself, the data sets, the book's figure helpers).
ALL = "all of nnref"
_NOT_REFERENCE = {"grading", "data", "figures", "plain"}

class CheckFailed(AssertionError):
    """A check of a test cell failed: the answer is wrong, and ``str(error)`` says how.

    It is an ``AssertionError`` (graders count it as a failed test). IPython shows it through
    ``_render_traceback_``: the name of what was checked and the message, in a few lines,
    without a traceback into ``nnref.grading`` (which would only bury the one useful sentence).
    """

    def __init__(self, message, test=None):
        super().__init__(message)
        self.test = test

    def _render_traceback_(self):
        red, bold, reset = "\x1b[31m", "\x1b[1m", "\x1b[0m"
        title = f"Test failed: {self.test}" if self.test else "Test failed"
        return [f"{red}{bold}{title}{reset}", f"{red}AssertionError:{reset} {self}"]


_FIX_ENV = ("close JupyterLab, then in a terminal in the course folder run `make setup` "
            "and start JupyterLab again with `make lab`")


# --------------------------------------------------------------------------------------
# Environment check
# --------------------------------------------------------------------------------------

def _major_minor(version):
    return tuple(int(part) for part in version.split(".")[:2])


def environment_problem():
    """Return one sentence describing the first environment mismatch, or ``None``."""
    python = sys.version_info[:2]
    if python != COURSE_PYTHON:
        want = ".".join(map(str, COURSE_PYTHON))
        return (f"this kernel runs Python {python[0]}.{python[1]}, the course uses Python {want}: "
                f"{_FIX_ENV} (which uses the course's environment in .venv).")
    if _major_minor(np.__version__) != COURSE_NUMPY:
        want = ".".join(map(str, COURSE_NUMPY))
        return (f"NumPy {np.__version__} is installed, the course uses NumPy {want}: {_FIX_ENV}.")
    import nnref
    try:
        installed = importlib.metadata.version("nnref")
    except importlib.metadata.PackageNotFoundError:
        return (f"nnref is imported from {nnref.__path__[0]} but is not installed: {_FIX_ENV}.")
    if installed != nnref.__version__:
        return (f"the nnref imported from {nnref.__path__[0]} is version {nnref.__version__}, "
                f"but version {installed} is installed: {_FIX_ENV}.")
    return None


def check_environment():
    """Print ``Environment OK`` or one instruction to fix the environment; return ``True`` if OK.

    Checks that Python and NumPy have the course's major.minor versions and that the
    imported nnref is the installed one (not a stale copy), so that "it passes for me but
    fails in the grader" shows up here first. It prints rather than raises, so the rest of
    the notebook can still be run.
    """
    problem = environment_problem()
    if problem is None:
        import nnref
        print(f"Environment OK: Python {sys.version.split()[0]}, NumPy {np.__version__}, "
              f"nnref {nnref.__version__}.")
        return True
    print("Environment problem: " + problem)
    return False


# --------------------------------------------------------------------------------------
# Calling the student's function with the reference disabled
# --------------------------------------------------------------------------------------

# One lock for the whole module: the reference is disabled for every thread while a
# student's function runs (a kernel runs one cell at a time; this keeps a stray thread
# from seeing half-patched functions). Re-entrant, so checks can nest.
_lock = threading.RLock()
_state = threading.local()


# The body of every disabled reference function. It runs with the *patched* function's
# globals (an nnref module), so it uses builtins only; it reports through nnref.grading
# and names the function by its own code object's qualname.
_BLOCKED_BODY = ('raise __import__("nnref.grading", fromlist=["_"])._reference_called('
                 '__import__("sys")._getframe().f_code.co_qualname)')


@functools.cache
def _blocked_code(freevars):
    """A code object running ``_BLOCKED_BODY`` with exactly these free variables.

    A function's ``__code__`` can only be replaced by code with the same free variables
    (methods that use ``super()`` have ``__class__``), so the body is compiled inside an
    outer function that defines them.
    """
    names = ", ".join(freevars) + ("," if freevars else "")
    source = (f"def outer():\n    {names} = {(None,) * len(freevars)}\n"
              f"    def blocked(*args, **kwargs):\n        {names}\n        {_BLOCKED_BODY}\n"
              "    return blocked\n") if freevars else (
              f"def blocked(*args, **kwargs):\n    {_BLOCKED_BODY}\n")
    namespace = {}
    exec(compile(source, "<nnref.grading: reference disabled>", "exec"), namespace)
    blocked = namespace["outer"]() if freevars else namespace["blocked"]
    if blocked.__code__.co_freevars != freevars:
        raise TypeError(f"cannot disable a function with free variables {freevars}")
    return blocked.__code__


class ReferenceCalled(Exception):
    """Raised inside a student's function that called a disabled reference function."""


def _reference_called(qualname):
    _state.called = getattr(_state, "called", None) or qualname
    return ReferenceCalled(f"nnref's {qualname} is disabled while your answer is graded")


def _functions_of(obj):
    """Yield the plain functions that make up an nnref module, class or function."""
    if isinstance(obj, types.FunctionType):
        yield obj
    elif isinstance(obj, types.ModuleType):
        for value in vars(obj).values():
            if getattr(value, "__module__", None) == obj.__name__ and isinstance(value, (type, types.FunctionType)):
                yield from _functions_of(value)
    elif isinstance(obj, type):
        for name, value in vars(obj).items():
            if name.startswith("__") and name not in ("__init__", "__call__"):
                continue  # keep repr, eq, … working for error messages and debuggers
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            elif isinstance(value, property):
                yield from (f for f in (value.fget, value.fset) if f is not None)
                continue
            if isinstance(value, types.FunctionType):
                yield value
    else:
        raise TypeError(f"disable= expects nnref modules, classes or functions, got {obj!r}")


def _targets(disable):
    if disable is ALL:
        import nnref

        disable = [importlib.import_module(f"nnref.{info.name}")
                   for info in pkgutil.iter_modules(nnref.__path__)
                   if not info.name.startswith("_") and info.name not in _NOT_REFERENCE]
    functions = {}
    for obj in disable:
        for func in _functions_of(obj):
            functions[id(func)] = func
    return list(functions.values())


def _swap(functions):
    """Replace each function's code by ``_blocked``'s; return what restores them.

    Swapping ``__code__`` (instead of rebinding names) also disables references the
    student took earlier: ``from nnref.activations import Sigmoid``, ``d = Sigmoid().derivative``.
    """
    saved = []
    for func in functions:
        code = _blocked_code(func.__code__.co_freevars)
        saved.append((func, func.__code__, func.__defaults__, func.__kwdefaults__))
        func.__code__ = code.replace(co_name=func.__name__, co_qualname=func.__qualname__)
        func.__defaults__ = func.__kwdefaults__ = None
    return saved


def _restore(saved):
    for func, code, defaults, kwdefaults in saved:
        func.__code__, func.__defaults__, func.__kwdefaults__ = code, defaults, kwdefaults


def _describe(func):
    return f"`{getattr(func, '__name__', repr(func))}`"


@dataclasses.dataclass
class Outcome:
    """What happened when a student's function was called, as plain facts.

    ``value``: what it returned (already checked to be plain data, see :mod:`nnref.plain`);
    ``not_plain``: instead, what the returned value was when it was not plain data;
    ``raised``: ``(exception name, message, traceback lines)`` when it raised;
    ``reference``: the qualified name of a disabled nnref function it called, if any;
    ``inputs_after``: its array arguments after the call (to detect changes in place).
    """

    value: object = None
    not_plain: str | None = None
    raised: tuple | None = None
    reference: str | None = None
    inputs_after: list = dataclasses.field(default_factory=list)


class RemoteFunction:
    """A student's function that runs somewhere else: the grader's proxy for a function in
    the sandboxed kernel (``nngrade.trusted``). :func:`call_student` calls ``invoke``."""

    __name__ = "function"

    def invoke(self, args, kwargs, disable):
        """Call the function with these arguments; return an :class:`Outcome`."""
        raise NotImplementedError


class StudentError(Exception):
    """The student's own code raised an exception (not a failed check): carries its traceback."""

    def __init__(self, func, ename, evalue, traceback_lines):
        super().__init__(f"{_describe(func)} raised {ename}: {evalue}")
        self.function = _describe(func)
        self.ename, self.evalue, self.traceback_lines = ename, evalue, list(traceback_lines)


def in_student_kernel(func):
    """Mark a helper of a *locked* cell that must run where the student's code runs.

    In JupyterLab this changes nothing. When graded, test cells run in a trusted process
    and student code in a sandboxed kernel; a helper that builds on the student's own
    classes (e.g. drives their ``Value`` class and returns the gradients) is decorated so
    that it runs in the kernel and is called like a student function: plain data in,
    plain data out (see :mod:`nnref.plain`).
    """
    func._nnref_in_student_kernel = True
    return func


def _array_inputs(args, kwargs):
    return [a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray)]


@contextlib.contextmanager
def reference_disabled(disable=ALL):
    """Inside this block the nnref functions named by ``disable`` raise instead of running.

    Yields the state whose ``called`` attribute names the first disabled function called
    (or ``None``). Re-entrant: nested blocks keep the outermost block's choice.
    """
    with _lock:
        outer = getattr(_state, "depth", 0)
        saved = _swap(_targets(disable)) if outer == 0 else []
        _state.depth = outer + 1
        if outer == 0:
            _state.called = None
        try:
            yield _state
        finally:
            _state.depth = outer
            _restore(saved)


def _run_here(func, args, kwargs, disable):
    """Call ``func`` in this process with the reference disabled; return an :class:`Outcome`.

    Exceptions from the student's own code other than ``NotImplementedError`` propagate
    unchanged, so that JupyterLab shows their traceback.
    """
    outcome, value = Outcome(), None
    with reference_disabled(disable) as state:
        try:
            value = func(*args, **kwargs)
        except NotImplementedError as error:
            outcome.raised = ("NotImplementedError", str(error), [])
        except ReferenceCalled:
            pass  # reported below
        finally:
            outcome.reference = state.called
    try:
        outcome.value = plain.round_trip(value)
    except plain.NotPlain as error:
        outcome.not_plain = str(error)
    outcome.inputs_after = _array_inputs(args, kwargs)
    return outcome


def _changed(before, after):
    """True if an input array was really changed; an in-place perturbation that restores the
    input up to rounding (``x[i] += eps; ...; x[i] += eps``) does not count."""
    if before.shape != after.shape or before.dtype != after.dtype:
        return True
    if before.dtype.kind != "f":
        return not np.array_equal(before, after)
    scale = float(np.max(np.abs(before[np.isfinite(before)]), initial=1.0))
    return not np.allclose(after, before, rtol=1e-9, atol=1e-12 * scale, equal_nan=True)


def call_student(func, *args, disable=ALL, **kwargs):
    """Return ``func(*args, **kwargs)``, run with nnref's reference disabled, as plain data.

    Raises ``AssertionError`` with a message for the student if ``func`` still raises
    ``NotImplementedError`` (not answered yet), called a disabled nnref function (even if it
    caught the error), returned something that is not plain data (:mod:`nnref.plain`), or
    modified one of its array arguments in place. ``func`` may be a :class:`RemoteFunction`
    (when graded): the same checks and messages then apply to what the kernel reported.
    """
    __tracebackhide__ = True  # shorter tracebacks: pytest and IPython skip this frame (IPython keeps the last)
    before = [a.copy() for a in _array_inputs(args, kwargs)]
    if isinstance(func, RemoteFunction):
        outcome = func.invoke(args, kwargs, disable)
    elif not callable(func):
        raise CheckFailed(f"{func!r} is not a function: did you overwrite its name?")
    else:
        outcome = _run_here(func, args, kwargs, disable)
    if outcome.raised and outcome.raised[0] == "NotImplementedError" and not outcome.reference:
        raise CheckFailed(f"{_describe(func)} is not answered yet: replace "
                          "`raise NotImplementedError()` with your code.", test=_describe(func)) from None
    if outcome.reference:
        raise CheckFailed(f"{_describe(func)} calls nnref's reference ({outcome.reference}): this part asks "
                          "you to write it yourself with NumPy, so it scores 0.", test=_describe(func))
    if outcome.raised:
        raise StudentError(func, *outcome.raised)
    if outcome.not_plain:
        raise CheckFailed(f"{_describe(func)} returned {outcome.not_plain}, which is not an answer the "
                          "grader can read: return NumPy arrays or numbers (or a tuple, list or "
                          "dict of them).", test=_describe(func))
    for i, (original, after) in enumerate(zip(before, outcome.inputs_after)):
        if _changed(original, after):
            raise CheckFailed(f"{_describe(func)} changed its input (argument {i + 1}) in place and "
                              "did not leave it as it was: leave every input as you found it (where the "
                              "task does not ask you to change it, compute a new array, e.g. "
                              "`y = 2 * z`, not `z *= 2`).", test=_describe(func))
    return outcome.value


# --------------------------------------------------------------------------------------
# Comparing arrays, with a diagnosis
# --------------------------------------------------------------------------------------

def _fmt(value):
    return f"{value:.6g}"


def _fmt_pair(actual, expected):
    """Format two different numbers with just enough digits to show that they differ."""
    for digits in range(6, 18):
        a, e = f"{actual:.{digits}g}", f"{expected:.{digits}g}"
        if a != e:
            return a, e
    return a, e


def _fmt_index(index):
    return str(index[0]) if len(index) == 1 else str(tuple(int(i) for i in index))


def _shape_problem(a, e, per_example):
    """Describe why ``a.shape != e.shape`` (both are arrays)."""
    if a.ndim == 0:
        value, wanted = float(a), f"an array of shape {e.shape}"
        if e.size >= 1 and np.allclose(e, value, rtol=1e-6, atol=1e-12):
            return (f"is a single number, but it should be {wanted}: the value is right for every "
                    "entry, so return one per entry (e.g. `np.full_like(z, value)`).")
        if e.size > 1 and np.isclose(value, float(e.sum()), rtol=1e-6, atol=1e-12):
            return (f"is a single number, the sum of the {e.size} expected entries, but it should be "
                    f"{wanted} (one value per entry): drop the sum (`np.sum`, `.sum()`) at the end.")
        if e.size > 1 and np.isclose(value, float(e.mean()), rtol=1e-6, atol=1e-12):
            return (f"is a single number, the mean of the {e.size} expected entries, but it should be "
                    f"{wanted} (one value per entry): drop the mean at the end.")
        return f"is a single number, but it should be {wanted} (one value per entry)."
    if a.ndim >= 2 and a.shape == e.shape[::-1]:
        return (f"has shape {a.shape}, the transpose of the expected shape {e.shape}: check the "
                "order of the factors in your matrix products and where you put `.T`.")
    batch_axis = a.ndim == e.ndim + 1 and a.shape[1:] == e.shape
    if batch_axis and a.shape[0] == 1:
        return (f"has shape {a.shape} instead of {e.shape}: drop the extra axis of length 1 "
                "(e.g. `.sum(axis=0)` without `keepdims=True`).")
    if a.shape == e.shape + (1,):
        return (f"has shape {a.shape} instead of {e.shape}: drop the trailing axis of length 1 "
                "(`keepdims=True` keeps it; sum without it, or `.ravel()` the result).")
    if per_example is not None and per_example.ndim == 2 and a.shape == per_example.shape[:1] != e.shape:
        return (f"has shape {a.shape}, one value per example, instead of {e.shape}: it is summed over "
                "axis 1 (the outputs) instead of axis 0 (the examples): `.sum(axis=0)`.")
    if batch_axis or (per_example is not None and a.shape == per_example.shape):
        return (f"has shape {a.shape} instead of {e.shape}: one row per example. This quantity is "
                "shared by all examples, so its gradient sums over the batch: `.sum(axis=0)`.")
    if a.size == e.size:
        return (f"has the right number of entries ({a.size}) but shape {a.shape} instead of "
                f"{e.shape}: check your reshapes and which axis you summed or stacked over.")
    return f"has shape {a.shape}, but it should have shape {e.shape}."


def _dtype_problem(a, e):
    hint = ""
    if a.dtype == bool:
        hint = " A comparison such as `z > 0` gives booleans: convert with `.astype(float)`."
    elif np.issubdtype(a.dtype, np.integer):
        hint = " Did you build it from integers (e.g. `np.array([0, 1])`, `np.zeros(n, dtype=int)`)?"
    elif np.issubdtype(a.dtype, np.floating):
        hint = f" Keep the dtype of the input ({e.dtype}) so no precision is lost."
    return f"has dtype {a.dtype}, but it should have dtype {e.dtype}.{hint}"


def _factor_problem(a, e, batch_size, rtol, atol):
    """Describe ``a`` as a constant multiple ``c * e`` (c != 1), or return None."""
    norm = float(np.sum(e * e))
    if norm == 0.0:
        return None
    c = float(np.sum(a * e)) / norm
    if c == 0.0 or not np.allclose(a, c * e, rtol=rtol, atol=atol):
        return None
    near = lambda target: np.isclose(c, target, rtol=1e-6, atol=0.0)  # noqa: E731
    if near(-1.0):
        return ("has the wrong sign: it is exactly minus the expected values (check the order "
                "of a difference such as `a - y`, and signs from the chain rule).")
    if batch_size and 1 < batch_size < e.size and e.size % batch_size == 0 and near(batch_size / e.size):
        return (f"is {e.size // batch_size} times too small: it is divided by the number of entries "
                f"({e.size}) instead of by N = {batch_size}. The loss sums over each example's outputs "
                "and averages over the N examples only.")
    if batch_size and batch_size != 1:
        n = batch_size
        if near(n):
            return (f"is N = {n} times too large: the loss is a mean over the N examples, so its "
                    "gradient carries a factor 1/N. Did you forget to divide by N?")
        if near(1.0 / n):
            return (f"is N = {n} times too small: the factor 1/N appears once. Did you divide by N twice "
                    "(or take a mean where a sum belongs)?")
    if near(2.0):
        return "is exactly twice the expected values: is there a factor 2 too many?"
    if near(0.5):
        return ("is exactly half the expected values: is a factor 2 missing (for example from "
                "differentiating a square)?")
    if e.size >= 2 and np.count_nonzero(e) >= 2:
        return (f"is {_fmt(c)} times the expected values: the pattern is right but it is off by a "
                "constant factor.")
    return None


def _value_problem(a, e, batch_size, per_example, mistakes, rtol, atol):
    """Describe how ``a`` differs from ``e`` (same shape, finite), or return None."""
    close = np.isclose(a, e, rtol=rtol, atol=atol)
    if close.all():
        return None
    for description, wrong in (mistakes or {}).items():
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == a.shape and np.allclose(a, wrong, rtol=rtol, atol=atol):
            return f"matches a common mistake: {description}."
    if a.ndim >= 2 and a.shape[-1] == a.shape[-2]:
        transposed = np.swapaxes(e, -1, -2)
        if not np.allclose(e, transposed, rtol=rtol, atol=atol) and np.allclose(a, transposed, rtol=rtol, atol=atol):
            return ("has the right shape, but its values are the transpose of the expected ones "
                    "(rows and columns swapped): check the order of your matrix product.")
    if per_example is not None:
        for i, row in enumerate(per_example):
            if np.allclose(a, row, rtol=rtol, atol=atol):
                return (f"equals the contribution of example {i} alone: sum the contributions of "
                        "all N examples (`.sum(axis=0)`).")
    factor = _factor_problem(a, e, batch_size, rtol, atol)
    if factor:
        return factor
    error = np.where(close, 0.0, np.abs(a - e))
    index = np.unravel_index(int(np.argmax(error)), a.shape) if a.ndim else ()
    got, want = _fmt_pair(a[index], e[index])
    off = f"off by {_fmt(abs(a[index] - e[index]))}" + (
        f", a relative error of {abs(a[index] - e[index]) / abs(e[index]):.1e}" if e[index] else "")
    if a.ndim == 0:
        return f"is {got}, but it should be {want} ({off})."
    wrong = int(np.count_nonzero(~close))
    zeros = "is all zeros, and " if not np.any(a) else ""
    return (f"{zeros}has {wrong} wrong entr{'y' if wrong == 1 else 'ies'} out of {a.size}; the largest "
            f"error is at index {_fmt_index(index)}: got {got}, expected {want} ({off}).")


def diagnose(actual, expected, *, batch_size=None, per_example=None, mistakes=None,
             rtol=1e-6, atol=1e-9):
    """Return a sentence (starting with a verb) on how ``actual`` differs from ``expected``, or None.

    ``expected`` is a float array or a number; ``actual`` is what the student returned.
    ``batch_size`` (N) enables the "N times too large/small" diagnosis; ``per_example`` is
    the ``(N, …)`` array whose sum over axis 0 is ``expected`` (for bias gradients);
    ``mistakes`` maps a description of a known mistake to the array it would produce.
    """
    if actual is None:
        return "is None: the function returned nothing. Did you forget the `return` statement?"
    e = np.asarray(expected)
    if isinstance(actual, tuple):
        return f"is a tuple of {len(actual)} values, but a single array was expected."
    if not isinstance(actual, (np.ndarray, int, float, np.number)):
        return (f"is a {type(actual).__name__}, not a NumPy array: return an array "
                "(e.g. `np.array(...)` or the result of NumPy operations).")
    a = np.asarray(actual)
    if a.dtype.kind not in "biuf":
        return f"has dtype {a.dtype}: it should hold real numbers (dtype {e.dtype})."
    if a.shape != e.shape:
        return _shape_problem(a, e, per_example)
    bad = ~np.isfinite(a) & np.isfinite(e)
    if bad.any():
        kinds = " and ".join(k for k, m in (("NaN", np.isnan(a)), ("inf", np.isinf(a))) if m.any())
        return (f"contains {kinds} in {int(bad.sum())} of {a.size} entries (an overflow in `np.exp` "
                "or a division by zero?).")
    if e.dtype.kind == "f" and a.dtype != e.dtype and not (e.ndim == 0 and a.dtype.kind in "iuf"):
        return _dtype_problem(a, e)
    return _value_problem(a.astype(np.float64), e.astype(np.float64), batch_size, per_example,
                          mistakes, rtol, atol)


def check_array(actual, expected, name="your answer", *, batch_size=None, per_example=None,
                mistakes=None, rtol=1e-6, atol=1e-9):
    """Raise ``CheckFailed`` ("<name> <diagnosis>") unless ``actual`` matches ``expected``.

    Values match when ``|actual - expected| <= atol + rtol * |expected|`` entrywise; the
    shape and (for float ``expected``) the dtype must be equal. See ``diagnose``.
    """
    __tracebackhide__ = True  # shorter tracebacks: pytest and IPython skip this frame (IPython keeps the last)
    problem = diagnose(actual, expected, batch_size=batch_size, per_example=per_example,
                       mistakes=mistakes, rtol=rtol, atol=atol)
    if problem:
        raise CheckFailed(f"{name} {problem}", test=name) from None


def check_gradient(actual, f, x, name="your gradient", *, batch_size=None, per_example=None,
                   mistakes=None, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Check ``actual`` against the central-difference gradient of the scalar ``f()`` w.r.t. ``x``.

    ``x`` must be the float64 array that ``f`` reads (it is perturbed in place by ±``eps``
    and restored): ``dL/dx[i] ≈ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``. The tolerances
    allow for the O(eps²) truncation and O(1e-16/eps) rounding errors of the estimate.
    """
    __tracebackhide__ = True  # shorter tracebacks: pytest and IPython skip this frame (IPython keeps the last)
    from nnref import gradcheck

    if not (isinstance(x, np.ndarray) and x.dtype == np.float64):
        raise TypeError("check_gradient needs x as a float64 NumPy array (central differences need float64)")
    numerical = gradcheck.numerical_gradient(f, x, eps=eps)
    problem = diagnose(actual, numerical, batch_size=batch_size, per_example=per_example,
                       mistakes=mistakes, rtol=rtol, atol=atol)
    if problem:
        raise CheckFailed(f"{name} disagrees with the numerical gradient (central differences): "
                          f"it {problem}", test=name) from None


def check_derivative(derivative, function, z, name=None, *, expected=None, mistakes=None, kwargs=None):
    """Check the student's elementwise ``derivative(z)`` against ``expected`` and central differences.

    For an elementwise ``f``, ``d/dz_i sum_j f(z_j) = f'(z_i)``, so the numerical gradient of
    ``sum(function(z))`` is the derivative at every entry. ``derivative(z, **kwargs)`` is
    called through ``call_student``; ``function`` (e.g. a reference forward) is called outside it.
    """
    __tracebackhide__ = True  # shorter tracebacks: pytest and IPython skip this frame (IPython keeps the last)
    z = np.array(z, dtype=np.float64)
    name = name or f"{getattr(derivative, '__name__', 'derivative')}(z)"
    actual = call_student(derivative, z.copy(), **(kwargs or {}))
    if expected is not None:
        check_array(actual, expected, name=name, mistakes=mistakes)
    check_gradient(actual, lambda: float(np.sum(function(z))), z, name=name, mistakes=mistakes)
