"""Trusted execution of a graded notebook: the verdict of every test cell is decided here.

:class:`TrustedExecute` replaces nbgrader's ``Execute`` in autograding. It walks the
notebook's cells in order:

- the student's code cells (solutions and any cells they added) run in a sandboxed
  kernel (:mod:`nngrade.harness` in :mod:`nngrade.sandbox`); their outputs, size-capped,
  become the cells' outputs;
- locked cells run in both places: in the kernel, because the student's code may use
  what they define (a ``sigmoid`` helper), and here, because the tests use it;
- test cells run **only here**, in a namespace where each name the student's code defines
  is a proxy: a student function becomes a :class:`KernelFunction` (calling it sends plain
  data to the kernel and receives plain data back, :mod:`nnref.plain`), a student value
  becomes a plain copy. The cell's outcome (its prints, or the failed check's message)
  becomes its output, which nbgrader's ``SaveAutoGrades`` turns into points.

So the hidden tests, the expected values and the reference implementation never enter
the kernel, and nothing the kernel does can change a verdict: it can only answer
differently. Which cells are tests, solutions and locked comes from the gradebook (the
released notebook), never from the submission's metadata (:func:`normalise_cells`).
See ARCHITECTURE.md, "The grading trust model".
"""
import builtins
import contextlib
import copy
import importlib
import io
import json
import pkgutil
import select
import signal
import struct
import threading
import time
import types

import nbformat
import numpy as np
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

import nnref
from nngrade import sandbox
from nnref import grading, plain

_LENGTH = struct.Struct(">Q")
ERROR_NAMES = {"timeout": "CellTimeoutError", "dead": "DeadKernelError"}  # read by nngrade.worker
OUTPUT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg",
               "image/svg+xml")
MAX_TRACEBACK = 60  # lines of a student's traceback kept
# nnref's modules the kernel may use through the grader (as in JupyterLab; tests disable some).
REFERENCE_MODULES = {m.name for m in pkgutil.iter_modules(nnref.__path__)
                     if not m.name.startswith("_") and m.name not in ("grading", "figures", "plain")}
_MISSING = object()


class KernelGone(Exception):
    """The kernel stopped answering (it died, or ran past the time limit and was killed)."""

    def __init__(self, reason, ename=ERROR_NAMES["dead"]):
        super().__init__(reason)
        self.ename = ename


class Kernel:
    """The sandboxed student kernel, seen from the trusted side: requests and plain replies."""

    def __init__(self, workdir, policy, timeout, start_timeout=60):
        self.timeout = timeout
        self.handles = {}   # objects this side passed to the kernel, by handle id
        self.inputs = []    # the array arguments of the student's function being called
        self.lent_arrays = []  # arrays of the callbacks being served, innermost last
        self.dead = None    # the KernelGone that ended it
        self.sandbox = sandbox.start(workdir, policy)
        try:
            _, header = self._receive(time.monotonic() + start_timeout)
        except KernelGone as error:
            tail = self.sandbox.stderr_tail()
            self.close()
            raise sandbox.SandboxUnavailable(f"the sandboxed kernel did not start: {error}"
                                             + (f" ({tail})" if tail else "")) from None
        if not header.get("ready"):
            self.close()
            raise sandbox.SandboxUnavailable("the sandboxed kernel did not say it was ready")

    # -- transport ---------------------------------------------------------------------------
    def _read_exactly(self, n, deadline):
        chunks = []
        while n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sandbox.sock], [], [], left)[0]:
                raise KernelGone("it ran longer than the time limit and was stopped", ERROR_NAMES["timeout"])
            chunk = self.sandbox.sock.recv(min(n, 1 << 20))
            if not chunk:
                raise KernelGone("the kernel died (a crash, os._exit, or the memory limit)")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline):
        length = _LENGTH.unpack(self._read_exactly(_LENGTH.size, deadline))[0]
        if length > plain.MAX_BYTES:
            raise KernelGone(f"the kernel sent a message of {length} bytes, more than the grader reads")
        try:
            return plain.unpack(self._read_exactly(length, deadline), resolve=self._resolve)
        except (ValueError, KeyError, TypeError) as error:
            raise KernelGone(f"the kernel sent an unreadable message ({error})") from None

    def _send(self, data):
        try:
            self.sandbox.sock.sendall(_LENGTH.pack(len(data)) + data)
        except OSError as error:
            raise KernelGone(f"the kernel is gone ({error})") from None

    def _register(self, obj):
        handle_id = len(self.handles) + 1
        self.handles[handle_id] = obj
        return handle_id

    def request(self, value=None, timeout=None, **header):
        """Send one request and return ``(value, header)`` of the reply, serving callbacks."""
        if self.dead:
            raise self.dead
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout + 10  # the kernel stops the student's code itself first
        try:
            self._send(plain.pack(value, handle=self._register, timeout=timeout, **header))
            while True:
                value, reply = self._receive(deadline)
                if reply.get("op") != "callback":
                    return value, reply
                self._send(self._callback(value, reply))
        except KernelGone as error:
            self.dead = error
            self.close()
            raise

    def _callback(self, value, request):
        """Do what the student's code asked of an object this side passed, or of nnref; return
        the reply. The call's array arguments, as the student's code has left them, are
        copied into this side's arrays first (they are the same arrays in JupyterLab), and
        the arrays passed here go back as this side left them."""
        try:
            args, kwargs, inputs = value
            self._sync(inputs)
            what, name = request["what"], request.get("name", "")
            arrays = grading._array_inputs(args, kwargs)
            self.lent_arrays.append(arrays)
            try:
                if what == "nnref":
                    result = self._run_reference(name, args, kwargs)
                else:
                    result = self._use(self.handles[request["id"]], what, name, args, kwargs)
            finally:
                self.lent_arrays.pop()
            if isinstance(result, Lent):
                return plain.pack(None, handle_id=self._register(result.target))
            if isinstance(result, (type({}.keys()), type({}.values()), type({}.items()))):
                result = list(result)
            return plain.pack([result, arrays], handle=self._register)
        except grading.ReferenceCalled:
            return plain.pack(None, reference=grading._state.called)
        except KernelGone:
            raise
        except Exception as error:  # the student's use was wrong: tell their code
            return plain.pack(None, error=f"{type(error).__name__}: {error}")

    def _use(self, target, what, name, args, kwargs):
        """One use of an object this side passed. Arrays (and containers of arrays) read from
        it are lent, not copied, so that ``model.params[name][...] = x`` writes the model."""
        if what == "call":
            return self._limited(target, args, kwargs)
        if what in ("getattr", "getitem"):
            result = _public_attribute(target, name) if what == "getattr" else target[args[0]]
            return Lent(result) if _holds_arrays(result) else result
        if what == "setitem":
            target[args[0]] = args[1]
            return None
        simple = {"len": len, "iter": list, "value": np.asarray, "copy": copy.copy, "deepcopy": copy.deepcopy}
        if what not in simple:
            raise ValueError(f"unknown request {what!r}")
        return simple[what](target)

    def _resolve(self, handle_id):
        """The object a handle names: ours (positive), or one the kernel lent us (negative)."""
        return self.handles[handle_id] if handle_id > 0 else KernelObject(self, handle_id)

    def _sync(self, inputs):
        if type(inputs) is list and len(inputs) == len(self.inputs):
            for mine, theirs in zip(self.inputs, inputs):
                if isinstance(theirs, np.ndarray) and theirs.shape == mine.shape:
                    np.copyto(mine, theirs, casting="unsafe")

    def _run_reference(self, qualname, args, kwargs):
        """Call ``nnref.<module>.<name>...`` for the kernel (nnref's stand-ins there ask for it)."""
        module, _, rest = qualname.partition(".")
        if module not in REFERENCE_MODULES or not rest:
            raise AttributeError(f"nnref.{qualname} is not available")
        target = importlib.import_module(f"nnref.{module}")
        for name in rest.split("."):
            target = _public_attribute(target, name)
        return self._limited(target, args, kwargs)

    def _limited(self, function, args, kwargs):
        """Call trusted code for the kernel, stopped after the time limit (the kernel chose the
        arguments: ``fit(..., epochs=10**9)`` must not hold up the grader)."""
        if threading.current_thread() is not threading.main_thread():
            return function(*args, **kwargs)
        previous = signal.signal(signal.SIGALRM, _too_long)
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            return function(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def close(self):
        self.sandbox.close()


class Lent:
    """A reply that lends an object of this side to the kernel instead of copying it."""

    def __init__(self, target):
        self.target = target


def _holds_arrays(value):
    if isinstance(value, np.ndarray):
        return True
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return any(isinstance(v, np.ndarray) for v in items)


class KernelObject:
    """A function (or other object) the kernel passed to this side: calling it asks the kernel.

    The arrays of the request being served go along, as this side has changed them, so that
    ``gradcheck.numerical_gradient(f, x)`` asked by the kernel perturbs the ``x`` that the
    kernel's ``f`` reads.
    """

    def __init__(self, kernel, handle_id):
        self.kernel, self.handle_id = kernel, handle_id

    def __call__(self, *args, **kwargs):
        current = self.kernel.lent_arrays[-1] if self.kernel.lent_arrays else []
        value, reply = self.kernel.request([list(args), dict(kwargs), current], op="call_object",
                                           id=self.handle_id)
        if reply.get("error"):
            raise RuntimeError(f"the student's function raised {_text(reply['error'], 500)}")
        if reply.get("status") == "notplain":
            raise TypeError(f"the student's function returned {_text(reply.get('what'), 200)}")
        return value


class KernelFunction(grading.RemoteFunction):
    """A function the student defined in the kernel, called from a trusted test cell."""

    def __init__(self, kernel, name):
        self.kernel = kernel
        self.__name__ = name

    def invoke(self, args, kwargs, disable):
        self.kernel.inputs = grading._array_inputs(args, kwargs)
        try:
            with grading.reference_disabled(disable) as state:
                value, reply = self.kernel.request([list(args), dict(kwargs)], op="call", name=self.__name__)
                trusted_reference = state.called
        finally:
            inputs, self.kernel.inputs = self.kernel.inputs, []
        outcome = grading.Outcome(reference=_text(reply.get("reference")) or trusted_reference)
        status = reply.get("status")
        if status == "ok" and outcome.reference is None:
            if not (type(value) is list and len(value) == 2 and type(value[1]) is list):
                raise AssertionError(f"`{self.__name__}`: the kernel's answer was not readable")
            outcome.value, outcome.inputs_after = value
            self.kernel.inputs = inputs
            self.kernel._sync(outcome.inputs_after)  # changed in place there: here too, as in JupyterLab
            self.kernel.inputs = []
        elif status == "raised":
            lines = reply.get("traceback") if type(reply.get("traceback")) is list else []
            outcome.raised = (_text(reply.get("ename"), 100) or "Exception", _text(reply.get("evalue")) or "",
                              [_text(line) for line in lines[-MAX_TRACEBACK:]])
        elif status == "notplain":
            outcome.not_plain = _text(reply.get("what")) or "something"
        elif status == "missing":
            raise AssertionError(f"`{self.__name__}` is no longer a function when the tests run: did "
                                 "a later cell assign something else to that name?")
        elif outcome.reference is None:
            raise AssertionError(f"`{self.__name__}`: the kernel's answer was not readable")
        return outcome

    def __call__(self, *args, **kwargs):  # a test calls the student's function directly
        return grading.call_student(self, *args, disable=[], **kwargs)

    def __repr__(self):
        return f"<student function {self.__name__}>"


class NotPlainValue:
    """A name the student bound to something that is not plain data; any use fails the check."""

    def __init__(self, name, what):
        self._message = f"`{name}` is {what}, which is not an answer the grader can read"

    def __getattr__(self, name):
        if name.startswith("_"):  # introspection (getattr(x, "_flag", None), copy, repr...)
            raise AttributeError(name)
        raise AssertionError(self._message)

    def _fail(self, *args, **kwargs):
        raise AssertionError(self._message)

    __call__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __float__ = __int__ = \
        __len__ = __iter__ = __getitem__ = __array__ = __add__ = __sub__ = __mul__ = __truediv__ = _fail
    __hash__ = None


def _too_long(signum, frame):
    raise TimeoutError("the grader stopped it: it ran longer than the time limit")


def _public_attribute(target, name):
    """``getattr(target, name)`` for the kernel: public names only, never a module."""
    if type(name) is not str or name.startswith("_"):
        raise AttributeError(f"{name!r} is not available")
    result = getattr(target, name)
    if isinstance(result, types.ModuleType):
        raise AttributeError(f"{name!r} is not available")
    return result


def _text(value, limit=20_000):
    """A string from the kernel, or None; cut to ``limit`` characters."""
    return value[:limit] if type(value) is str else None


def _names(code):
    """Every name a code object (and the functions it defines) may look up globally."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


# ------------------------------------------------------------------------------------------
# Which cell is which: from the gradebook only
# ------------------------------------------------------------------------------------------

def normalise_cells(nb, gradebook_notebook):
    """Give every cell the role the gradebook says it has; the submission's metadata is ignored.

    A cell whose claimed ``grade_id`` names a locked or test cell gets that cell's source and
    metadata from the gradebook; one that names a solution cell keeps the student's source
    with the solution's metadata; any other cell (added by the student, or a second copy of
    a known id) is the student's code with no nbgrader metadata. Locked code cells that are
    missing (deleted, or their metadata stripped) are put back before the next cell of the
    release that is present, so the tests find what they use. Returns the role of each
    cell: ``"test"``, ``"locked"``, ``"student"`` or ``"markdown"``.
    """
    source = {c.name: c for c in gradebook_notebook.source_cells}
    order = [c.name for c in gradebook_notebook.source_cells]
    grades = {c.name: c for c in gradebook_notebook.grade_cells}
    solutions = {c.name for c in gradebook_notebook.solution_cells}

    def metadata(name):
        meta = {"grade_id": name, "schema_version": 3, "solution": name in solutions,
                "grade": name in grades, "locked": bool(source[name].locked), "task": False}
        if name in grades:
            meta["points"] = grades[name].max_score
        return meta

    present = {}
    for index, cell in enumerate(nb.cells):
        claimed = cell.metadata.pop("nbgrader", {}).get("grade_id")
        if claimed in source and claimed not in present and cell.cell_type == source[claimed].cell_type:
            present[claimed] = index
            cell.metadata["nbgrader"] = metadata(claimed)
            if source[claimed].locked:
                cell.source = source[claimed].source
    for name in reversed(order):  # last first, so that consecutive cells keep their order
        if name in present or not source[name].locked or source[name].cell_type != "code":
            continue
        later = [present[n] for n in order[order.index(name) + 1:] if n in present]
        at = min(later) if later else len(nb.cells)
        cell = nbformat.v4.new_code_cell(source[name].source, metadata={"nbgrader": metadata(name)})
        nb.cells.insert(at, cell)
        present = {n: i + (i >= at) for n, i in present.items()}
        present[name] = at
    roles = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            roles.append("markdown")
        elif meta.get("grade") and not meta.get("solution"):
            roles.append("test")
        elif meta.get("locked"):
            roles.append("locked")
        else:
            roles.append("student")
    return roles


# ------------------------------------------------------------------------------------------
# The preprocessor
# ------------------------------------------------------------------------------------------

class TrustedExecute(NbGraderPreprocessor):
    """Run a submission with the student's code sandboxed and the tests in this process."""

    timeout = Integer(60, help="Seconds one cell (or one call of a student's function) may run.").tag(config=True)
    memory_mb = Integer(2048, help="Address-space limit of the student's kernel, in MB.").tag(config=True)
    cpu_seconds = Integer(600, help="CPU seconds the student's kernel may use in all.").tag(config=True)
    sandbox = Bool(True, help="Run the student's code in a bubblewrap sandbox (needs the Debian package "
                              "bubblewrap). False: a plain child process (no isolation).").tag(config=True)
    max_cell_output = Integer(1_000_000, help="Bytes of output kept per cell.").tag(config=True)
    max_notebook_output = Integer(5_000_000, help="Bytes of output kept per notebook.").tag(config=True)
    kept_verdicts = Unicode("", help="A folder of <notebook>.json files, {grade_id: outputs}: the earlier "
                            "verdicts of unchanged test cells, offered when only other tests changed "
                            "(nngrade.regrade). Those of the test cells after every test that runs are "
                            "kept instead of running the cells again.").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            roles = normalise_cells(nb, gb.find_notebook(info["notebook"], info["assignment"]))
        trusted_code = {}
        for index, role in enumerate(roles):
            if role in ("test", "locked"):
                try:
                    trusted_code[index] = compile(nb.cells[index].source, f"<cell {index}>", "exec")
                except SyntaxError as error:
                    trusted_code[index] = error
        self.candidates = set().union(*(_names(c) for c in trusted_code.values()
                                        if isinstance(c, types.CodeType))) - set(dir(builtins))
        policy = sandbox.Policy(memory_mb=self.memory_mb, cpu_seconds=self.cpu_seconds,
                                isolate=self.sandbox)
        workdir = resources.get("metadata", {}).get("path") or "."
        self.kernel = Kernel(workdir, policy, self.timeout)
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.from_kernel = {}   # name -> the proxy or copy bound from the kernel
        self.budget = self.max_notebook_output
        kept = self._kept(nb, roles, info["notebook"])
        try:
            for index, (cell, role) in enumerate(zip(nb.cells, roles)):
                if role == "markdown":
                    continue
                cell.outputs = []
                if index in kept:
                    cell.outputs = kept[index]
                    cell.metadata["nngrade"] = {"kept_verdict": True}
                    cell.execution_count = index + 1
                    continue
                if role in ("student", "locked"):
                    outputs = self._run_in_kernel(cell.source)
                    if role == "student":
                        cell.outputs = self._cap(outputs)
                if role in ("test", "locked"):
                    cell.outputs = self._run_trusted(trusted_code[index])
                    if role == "locked":
                        self._pin_kernel_helpers()
                cell.execution_count = index + 1
        finally:
            self.kernel.close()
        return nb, resources

    def _kept(self, nb, roles, notebook):
        """``{cell index: outputs}``: the offered earlier verdicts (``kept_verdicts``) that stand,
        those of the test cells after the last test cell that must run (one not offered)."""
        if not self.kept_verdicts:
            return {}
        try:
            with open(f"{self.kept_verdicts}/{notebook}.json", encoding="utf-8") as file:
                offered = json.load(file)
        except (OSError, ValueError):
            return {}
        kept = {}
        for index in range(len(nb.cells) - 1, -1, -1):
            if roles[index] != "test":
                continue
            outputs = offered.get(nb.cells[index].metadata["nbgrader"]["grade_id"]) if type(offered) is dict else None
            if type(outputs) is not list:
                break
            kept[index] = [nbformat.from_dict(output) for output in outputs]
        return kept

    # -- the student's side -------------------------------------------------------------------
    def _run_in_kernel(self, source):
        try:
            _, reply = self.kernel.request(op="run", source=source)
        except KernelGone as error:
            return [nbformat.v4.new_output("error", ename=error.ename, evalue=str(error),
                                           traceback=[f"{error.ename}: {error}"])]
        outputs = reply.get("outputs")
        return [o for o in map(_clean_output, outputs if type(outputs) is list else []) if o]

    def _cap(self, outputs):
        """Keep at most ``max_cell_output`` bytes of a cell's outputs (and the notebook's budget)."""
        kept, size = [], 0
        for output in outputs:
            n = len(json.dumps(output))
            if size + n > min(self.max_cell_output, self.budget):
                kept.append(nbformat.v4.new_output("stream", name="stdout", text=(
                    "[output cut here: this cell printed more than the grader keeps]\n")))
                break
            kept.append(output)
            size += n
        self.budget -= size
        return kept

    # -- the trusted side ---------------------------------------------------------------------
    def _refresh_student_names(self):
        """Bind each name the tests may use and the student's code defines to a proxy or a copy.

        Names a trusted cell assigned stay trusted; names bound from the kernel before are
        looked up again (the student's code may have changed them since).
        """
        wanted = sorted(n for n in self.candidates if n not in self.namespace or n in self.from_kernel)
        if not wanted:
            return
        values, reply = self.kernel.request(op="lookup", names=wanted)
        kinds = reply.get("kinds") if type(reply.get("kinds")) is dict else {}
        values = values if type(values) is dict else {}
        for name in wanted:
            kind = kinds.get(name)
            if kind == "function":
                current = self.from_kernel.get(name)
                value = current if isinstance(current, KernelFunction) else KernelFunction(self.kernel, name)
            elif kind == "value" and name in values:
                value = values[name]
            elif type(kind) is str and kind.startswith("notplain:"):
                value = NotPlainValue(name, kind.partition(":")[2][:200])
            else:  # not defined (or a module) in the kernel
                if name in self.from_kernel:
                    del self.namespace[name], self.from_kernel[name]
                continue
            self.namespace[name] = self.from_kernel[name] = value

    def _forget_reassigned(self):
        """Names a trusted cell has just assigned are the trusted cell's from now on."""
        for name, value in list(self.from_kernel.items()):
            if self.namespace.get(name, _MISSING) is not value:
                del self.from_kernel[name]

    def _pin_kernel_helpers(self):
        """Locked helpers marked ``@grading.in_student_kernel`` run in the kernel, like student code."""
        for name, value in list(self.namespace.items()):
            if name in self.from_kernel or not isinstance(value, types.FunctionType):
                continue
            if getattr(value, "_nnref_in_student_kernel", False):
                self.namespace[name] = KernelFunction(self.kernel, name)

    def _run_trusted(self, code):
        """Run a test or locked cell here; return its outputs (prints, then the failure if any)."""
        if isinstance(code, SyntaxError):
            return [_error("SyntaxError", f"the released cell does not compile: {code}")]
        printed, error = io.StringIO(), None
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
            try:
                self._refresh_student_names()
                try:
                    exec(code, self.namespace)
                finally:
                    self._forget_reassigned()
            except grading.StudentError as failure:
                error = _error(failure.ename, failure.evalue, failure.traceback_lines or None,
                               f"{failure.function} raised {failure.ename} (its traceback follows):")
            except KernelGone as failure:
                error = _error(failure.ename, str(failure))
            except NameError as failure:
                error = _error("NameError", f"{failure}: run the cell that defines it, and do not delete or "
                                            "rename it")
            except AssertionError as failure:  # a failed check (grading.CheckFailed, or a plain assert)
                error = _error("AssertionError", str(failure))
            except Exception as failure:  # an answer the checks could not use
                error = _error(type(failure).__name__, str(failure))
        _close_figures()
        outputs = []
        if printed.getvalue():
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=printed.getvalue()))
        return outputs + ([error] if error else [])


def _error(ename, evalue, traceback=None, headline=None):
    """An error output whose traceback is only the message (tests' code is never quoted)."""
    lines = ([headline] if headline else []) + (traceback or [f"{ename}: {evalue}"])
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=lines)


def _clean_output(output):
    """An nbformat output rebuilt from what the kernel sent, or None if it is not one."""
    if type(output) is not dict:
        return None
    kind = output.get("output_type")
    if kind == "stream" and output.get("name") in ("stdout", "stderr") and type(output.get("text")) is str:
        return nbformat.v4.new_output("stream", name=output["name"], text=output["text"])
    if kind == "display_data" and type(output.get("data")) is dict:
        data = {k: v for k, v in output["data"].items() if k in OUTPUT_MIME and type(v) is str}
        return nbformat.v4.new_output("display_data", data=data) if data else None
    if kind == "error":
        lines = output.get("traceback") if type(output.get("traceback")) is list else []
        return nbformat.v4.new_output("error", ename=_text(output.get("ename"), 100) or "Error",
                                      evalue=_text(output.get("evalue")) or "",
                                      traceback=[_text(line) or "" for line in lines[-MAX_TRACEBACK:]])
    return None


def _close_figures():
    """Free figures a trusted cell drew (nothing shows them here)."""
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
