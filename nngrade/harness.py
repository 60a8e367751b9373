"""The student's side of a graded notebook. Runs inside the sandbox, never in the grader.

``nngrade.sandbox`` starts ``python harness.py`` in a bubblewrap sandbox with a socket
(file descriptor ``$NNGRADE_FD``) connected to the trusted grader (``nngrade.trusted``). This process runs the
student's code cells in an IPython shell and, on request, calls one of the student's
functions with plain data and sends back what it returned. It holds no test, no expected
value and no reference implementation: ``nnref`` cannot be imported here (its modules are
stand-ins whose every use raises "calls nnref's reference"), only ``nnref.plain``, the
message format, is loaded from its file.

Everything here runs with the student's code in one interpreter, so the student can
change any of it; that is fine, because the grader trusts nothing this process says
beyond the plain data it reads (see ARCHITECTURE.md, "The grading trust model").

Requests and replies are messages of :mod:`nnref.plain`, each preceded by its length::

    {"op": "run", "source": ...}          -> {"outputs": [nbformat outputs]}
    {"op": "lookup", "names": [...]}      -> value: {name: value}, "kinds": {name: kind}
    {"op": "call", "name": ..., "timeout": s}, value: [args, kwargs]
                                          -> value: [result, inputs after], "status": ...
While a call runs, the student's code may use the objects the grader passed (handles):
each use is a ``{"op": "callback"}`` request from here, answered by the grader.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import signal
import socket
import struct
import sys
import traceback
import types

import numpy as np  # imported before the student's code runs (and it is needed anyway)

_LENGTH = struct.Struct(">Q")


def _load_plain():
    """``nnref.plain``, from the file the sandbox places next to this one."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plain.py")
    spec = importlib.util.spec_from_file_location("nngrade_plain", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plain = _load_plain()


def send(sock, data):
    sock.sendall(_LENGTH.pack(len(data)) + data)


def receive(sock):
    """One whole message, or ``b""`` when the other side has closed."""
    head = _read_exactly(sock, _LENGTH.size)
    return _read_exactly(sock, _LENGTH.unpack(head)[0]) if head else b""


def _read_exactly(sock, n):
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            return b""
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


# ----------------------------------------------------------------------------------------
# nnref is not available here: stand-ins that say so
# ----------------------------------------------------------------------------------------

class ReferenceCalled(Exception):
    """Raised by every use of nnref in the graded kernel."""


_called = []  # qualified names of nnref things the student's code was refused
_harness = None  # the running Harness, through which nnref's stand-ins ask the grader


def _reference_called(qualname):
    _called.append(qualname)
    return ReferenceCalled(f"nnref's {qualname} is not available while your answer is graded")


class _Reference:
    """Stands for anything in nnref (``activations.Sigmoid``, ``training.fit``...).

    Attribute access builds the name; a call asks the grader, which runs the real nnref
    there and answers with plain data or a handle. While a test calls the student's
    function, the grader refuses what that test disables (the answer then "calls nnref's
    reference"), exactly as in JupyterLab. Nothing of nnref's code is here.
    """

    def __init__(self, qualname):
        self._qualname = qualname

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Reference(f"{self._qualname}.{name}")

    def __call__(self, *args, **kwargs):
        if _harness is None:
            raise _reference_called(self._qualname.partition(".")[2])
        return _harness.callback("nnref", 0, self._qualname, args, kwargs)

    def __repr__(self):
        return f"<nnref.{self._qualname} (run by the grader)>"


def _grading_stub():
    """``nnref.grading`` in the graded kernel: what released cells use, checks excluded."""
    module = types.ModuleType("nnref.grading")
    module.ALL = "all of nnref"
    module.in_student_kernel = lambda func: func
    module.call_student = lambda func, *args, disable=None, **kwargs: func(*args, **kwargs)
    module.check_environment = lambda: True
    module.__getattr__ = _module_getattr(module.__name__)
    return module


def _module_getattr(module_name):
    """``__getattr__`` of a stand-in module: submodules of the package, references in modules."""
    def getattr_(name):
        if name.startswith("__"):
            raise AttributeError(name)
        if module_name == "nnref":
            return importlib.import_module(f"nnref.{name}")
        return _Reference(f"{module_name.partition('.')[2]}.{name}")
    return getattr_


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``nnref`` and its modules as stand-ins (first on ``sys.meta_path``)."""

    def find_spec(self, name, path=None, target=None):
        if name == "nnref" or name.startswith("nnref."):
            return importlib.machinery.ModuleSpec(name, self, is_package=name == "nnref")
        return None

    def create_module(self, spec):
        if spec.name == "nnref.grading":
            return _grading_stub()
        if spec.name == "nnref.plain":
            return plain
        module = types.ModuleType(spec.name)
        module.__getattr__ = _module_getattr(spec.name)
        return module

    def exec_module(self, module):
        pass


# ----------------------------------------------------------------------------------------
# Objects the grader passed: each use is a request to the grader
# ----------------------------------------------------------------------------------------

class GraderObject:
    """Stands for an object the grader passed or lent (an activation, an rng, a model's arrays).

    Calling it, reading a public attribute, indexing it, writing into it (``a[...] = x``)
    or reading its values (``np.asarray(a)``) asks the grader, which does it with the real
    object and answers with plain data (or another handle).
    """

    __slots__ = ("_id", "_channel")

    def __init__(self, handle_id, channel):
        object.__setattr__(self, "_id", handle_id)
        object.__setattr__(self, "_channel", channel)

    def _ask(self, what, name="", *args, **kwargs):
        return self._channel.callback(what, self._id, name, args, kwargs)

    def __call__(self, *args, **kwargs):
        return self._channel.callback("call", self._id, "", args, kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._ask("getattr", name)

    def __getitem__(self, key):
        return self._ask("getitem", "", key)

    def __setitem__(self, key, value):
        self._ask("setitem", "", key, value)

    def __len__(self):
        return self._ask("len")

    def __iter__(self):
        return iter(self._ask("iter"))

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._ask("value"), dtype=dtype)

    def __copy__(self):
        return self._ask("copy")

    def __deepcopy__(self, memo):
        return self._ask("deepcopy")

    def __repr__(self):
        return f"<object given by the grader #{self._id}>"


def _arithmetic(name):
    def operator(self, *other):
        return getattr(np.asarray(self), name)(*other)
    return operator


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__", "__neg__", "__lt__", "__le__",
              "__gt__", "__ge__"):
    setattr(GraderObject, _name, _arithmetic(_name))


class CellTimeoutError(Exception):
    """Raised in the student's code when it runs past the time limit."""


def _arrays(args, kwargs):
    return [a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray)]


def _copy_into(arrays, values):
    """Copy the other side's version of these arrays into them (same shapes only)."""
    if type(values) is list and len(values) == len(arrays):
        for mine, theirs in zip(arrays, values):
            if isinstance(theirs, np.ndarray) and theirs.shape == mine.shape and mine.flags.writeable:
                np.copyto(mine, theirs, casting="unsafe")


_limit = [0.0]  # seconds of the time limit that is running


def _start_timer(seconds):
    _limit[0] = seconds
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _on_alarm(signum, frame):
    raise CellTimeoutError(f"this ran longer than the grader's time limit of {_limit[0]:g} s (an endless "
                           "loop?) and was stopped")


class Harness:
    def __init__(self, sock):
        from IPython.core.interactiveshell import InteractiveShell

        self.sock = sock
        self.shell = InteractiveShell.instance(colors="NoColor")
        self.shell._showtraceback = self._record_traceback
        self.error = None
        self.inputs = []  # the array arguments of the call that is running
        self.lent = {}    # objects of this side passed to the grader, by (negative) handle id
        signal.signal(signal.SIGALRM, _on_alarm)

    # -- talking to the grader ------------------------------------------------------------
    def reply(self, value=None, **header):
        """Send an answer; it must be plain data (or the grader's own objects)."""
        try:
            data = plain.pack(value, handle=self._grader_object_id, **header)
        except plain.NotPlain as error:
            data = plain.pack(None, **dict(header, status="notplain", what=str(error)))
        send(self.sock, data)

    @staticmethod
    def _grader_object_id(obj):
        if isinstance(obj, GraderObject):
            return object.__getattribute__(obj, "_id")
        raise plain.NotPlain(plain.describe(obj))

    def _lend(self, obj):
        """Handle of an object passed to the grader's side (negative ids: ours; positive: theirs)."""
        if isinstance(obj, GraderObject):
            return object.__getattribute__(obj, "_id")
        if isinstance(obj, types.ModuleType):
            raise plain.NotPlain(plain.describe(obj))
        handle_id = -(len(self.lent) + 1)
        self.lent[handle_id] = obj
        return handle_id

    def read(self, data):
        return plain.unpack(data, resolve=lambda i: self.lent[i] if i < 0 else GraderObject(i, self))

    def callback(self, what, handle_id, name, args, kwargs):
        """Ask the grader to use one of its objects (or nnref) and return the answer.

        The arrays the running call received go along, so that what the grader computes sees
        the student's in-place changes (a numerical gradient perturbs ``x`` and calls ``f()``);
        the arrays passed here come back as the grader left them. Functions passed here stay
        here: the grader calls them back (``gradcheck.numerical_gradient(f, x)``).
        """
        arrays = _arrays(args, kwargs)
        send(self.sock, plain.pack([list(args), kwargs, self.inputs], handle=self._lend,
                                   op="callback", what=what, id=handle_id, name=name))
        while True:
            value, header = self.read(receive(self.sock))
            if header.get("op") == "call_object":  # the grader calls a function we passed
                inner_args, inner_kwargs, current = value
                _copy_into(arrays, current)
                self._call_object(header.get("id"), inner_args, inner_kwargs)
                continue
            if header.get("reference"):
                raise _reference_called(header["reference"])
            if header.get("error"):
                raise RuntimeError(header["error"])
            if "handle_id" in header:
                return GraderObject(int(header["handle_id"]), self)
            result, after = value
            _copy_into(arrays, after)
            return result

    def _call_object(self, handle_id, args, kwargs):
        try:
            result = self.lent[handle_id](*args, **kwargs)
        except BaseException as error:  # noqa: BLE001  (reported to the grader)
            return self.reply(None, error=f"{type(error).__name__}: {error}")
        self.reply(result)

    # -- requests -----------------------------------------------------------------------
    def _record_traceback(self, etype, evalue, stb):
        self.error = {"output_type": "error", "ename": etype.__name__, "evalue": str(evalue),
                      "traceback": stb}

    def run(self, source, timeout):
        """Run one code cell; return its outputs as nbformat dicts."""
        from IPython.utils.capture import capture_output

        self.error = None
        _start_timer(timeout)
        try:
            with capture_output() as captured:
                self.shell.run_cell(source, store_history=True)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        outputs = [{"output_type": "stream", "name": name, "text": text}
                   for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)) if text]
        outputs += [{"output_type": "display_data", "data": dict(o.data), "metadata": {}}
                    for o in captured.outputs]
        if self.error:
            outputs.append(self.error)
        return outputs

    def lookup(self, names):
        values, kinds = {}, {}
        for name in names:
            if name not in self.shell.user_ns:
                kinds[name] = "missing"
                continue
            value = self.shell.user_ns[name]
            if isinstance(value, types.ModuleType):
                kinds[name] = "module"
            elif callable(value):
                kinds[name] = "function"
            else:
                try:
                    values[name] = plain.round_trip(value)
                    kinds[name] = "value"
                except plain.NotPlain as error:
                    kinds[name] = f"notplain:{error}"
        return values, kinds

    def call(self, name, args, kwargs, timeout):
        """Call the student's function ``name``; reply with what it returned."""
        func = self.shell.user_ns.get(name)
        if not callable(func):
            return self.reply(None, status="missing")
        inputs = self.inputs = _arrays(args, kwargs)
        del _called[:]
        _start_timer(timeout)
        try:
            result = func(*args, **kwargs)
        except ReferenceCalled:
            result = None
        except BaseException as error:  # noqa: BLE001  (the student's code may raise anything)
            signal.setitimer(signal.ITIMER_REAL, 0)
            if _called:
                return self.reply(None, status="ok", reference=_called[0])
            lines = traceback.format_exception(type(error), error, error.__traceback__.tb_next)
            return self.reply(None, status="raised", ename=type(error).__name__,
                              evalue=str(error), traceback=lines)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.inputs = []
        try:
            result = plain.round_trip(result)
        except plain.NotPlain as error:
            return self.reply(None, status="notplain", what=str(error), reference=_called[0] if _called else None)
        self.reply([result, inputs], status="ok", reference=_called[0] if _called else None)

    def serve(self):
        while True:
            data = receive(self.sock)
            if not data:
                return
            value, request = self.read(data)
            op = request.get("op")
            if op == "run":
                self.reply(None, outputs=self.run(request["source"], request["timeout"]))
            elif op == "lookup":
                values, kinds = self.lookup(request["names"])
                self.reply(values, kinds=kinds)
            elif op == "call":
                args, kwargs = value
                self.call(request["name"], args, kwargs, request["timeout"])
            else:
                self.reply(None, status="unknown request")


def main():
    sock = socket.socket(fileno=int(os.environ.pop("NNGRADE_FD")))
    sys.meta_path.insert(0, _StubFinder())
    for name in [m for m in sys.modules if m == "nnref" or m.startswith("nnref.")]:
        del sys.modules[name]
    global _harness
    harness = _harness = Harness(sock)
    send(sock, plain.pack(None, ready=True))
    harness.serve()


if __name__ == "__main__":
    main()
