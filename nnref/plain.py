"""Plain data: the only values that cross between a student's code and the grader.

A student's answer is graded as *data*: NumPy arrays of numbers and Python numbers,
strings, ``None``, and lists, tuples and dicts of these. Anything else (an object of the
student's own class, a subclass of ``ndarray`` or ``float`` that overrides ``==``, a
generator) is not an answer and is reported as such, the same way in JupyterLab and in
the grader.

When graded, the student's code runs in a sandboxed kernel and the checks run in a
separate trusted process (see ARCHITECTURE.md, "The grading trust model"). Messages
between the two are built here: :func:`pack` turns a value into bytes (a JSON tree plus
an ``.npz`` archive of its arrays) and :func:`unpack` turns bytes from the other side back
into a value, reading arrays with ``allow_pickle=False`` and rebuilding every container
itself, so what comes out is always genuine ``list``/``tuple``/``dict``/``ndarray``.

Values that are not plain data may still be *passed* by the trusted side (an nnref
activation, a lambda, an rng): ``pack(..., handle=register)`` turns each into a handle
number, and the other side gets a stand-in that calls back (``nngrade.harness``). This
module depends on NumPy and the standard library only: the sandbox loads it by path.
"""

import io
import json
import struct

import numpy as np

# Limits on what one message may hold (a hostile kernel may send anything).
MAX_DEPTH = 32
MAX_ITEMS = 200_000
MAX_BYTES = 512 * 2**20

_HEADER = struct.Struct(">II")  # lengths of the JSON part and of the npz part
_ARRAY_KINDS = "biuf"           # bool, signed and unsigned integers, floats


class NotPlain(TypeError):
    """A value that cannot be sent as plain data; the message says what it is."""


def describe(value):
    """A few words naming what ``value`` is, for messages ("a generator", "a MyArray object")."""
    kind = type(value)
    if isinstance(value, np.ndarray):
        if kind is not np.ndarray:
            return f"a subclass of numpy.ndarray ({kind.__name__})"
        return f"an array of dtype {value.dtype}"
    for base in (float, int, str, list, tuple, dict):
        if isinstance(value, base) and kind is not base:
            return f"a subclass of {base.__name__} ({kind.__name__})"
    if hasattr(value, "__next__") and hasattr(value, "__iter__"):
        return f"a {kind.__name__} (an iterator: turn it into a list or an array)"
    return f"a {kind.__module__}.{kind.__qualname__} object" if kind.__module__ != "builtins" \
        else f"a {kind.__name__}"


def _encode(value, arrays, handle, depth):
    if depth > MAX_DEPTH:
        raise NotPlain(f"nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {"t": "float", "v": repr(value)}  # repr keeps every bit, and nan/inf
    if kind is np.ndarray:
        if value.dtype.kind not in _ARRAY_KINDS:
            if handle is None:
                raise NotPlain(f"an array of dtype {value.dtype} (only numbers and booleans are answers)")
            return {"t": "handle", "id": handle(value)}
        arrays.append(value)
        return {"t": "array", "k": len(arrays) - 1}
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and np.dtype(kind).kind in _ARRAY_KINDS:
        arrays.append(np.asarray(value))
        return {"t": "scalar", "k": len(arrays) - 1}
    if kind in (list, tuple):
        return {"t": kind.__name__, "v": [_encode(v, arrays, handle, depth + 1) for v in value]}
    if kind is dict:
        if not all(type(k) in (str, int) for k in value):
            raise NotPlain("a dict whose keys are not all strings or integers")
        return {"t": "dict", "k": list(value), "v": [_encode(v, arrays, handle, depth + 1)
                                                     for v in value.values()]}
    if handle is not None:
        return {"t": "handle", "id": handle(value)}
    raise NotPlain(describe(value))


def pack(value, handle=None, **header):
    """Serialise ``value`` (plus extra JSON ``header`` fields) into one message.

    Raises :class:`NotPlain` for a value that is not plain data, unless ``handle`` is given:
    then ``handle(obj)`` is called for each such object and must return an integer id.
    """
    arrays = []
    tree = _encode(value, arrays, handle, 0)
    buffer = io.BytesIO()
    np.savez(buffer, *arrays)
    text = json.dumps(dict(header, value=tree)).encode()
    return _HEADER.pack(len(text), buffer.tell()) + text + buffer.getvalue()


def _decode(tree, arrays, resolve, budget, depth):
    if depth > MAX_DEPTH:
        raise ValueError("message nested too deeply")
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("message holds too many values")
    if tree is None or type(tree) in (bool, int, str):
        return tree
    if type(tree) is not dict or type(tree.get("t")) is not str:
        raise ValueError(f"unexpected item in message: {type(tree).__name__}")
    kind = tree["t"]
    if kind == "float":
        return float(tree["v"])
    if kind in ("array", "scalar"):
        array = arrays[f"arr_{int(tree['k'])}"]
        if array.dtype.kind not in _ARRAY_KINDS:
            raise ValueError(f"array of dtype {array.dtype} in message")
        return array[()] if kind == "scalar" and array.ndim == 0 else array
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays, resolve, budget, depth + 1) for v in tree["v"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        keys = tree["k"]
        if not all(type(k) in (str, int) for k in keys) or len(keys) != len(tree["v"]):
            raise ValueError("malformed dict in message")
        return {k: _decode(v, arrays, resolve, budget, depth + 1) for k, v in zip(keys, tree["v"])}
    if kind == "handle" and resolve is not None:
        return resolve(int(tree["id"]))
    raise ValueError(f"unexpected item in message: {kind!r}")


def unpack(message, resolve=None):
    """Return ``(value, header)`` from a message made by :func:`pack`.

    Strict: arrays are read without pickle and must hold numbers; containers are rebuilt
    here; handles are accepted only if ``resolve(id)`` is given (it returns the object or
    raises). Raises ``ValueError`` for anything malformed or too large.
    """
    if len(message) > MAX_BYTES:
        raise ValueError(f"message of {len(message)} bytes is larger than {MAX_BYTES}")
    if len(message) < _HEADER.size:
        raise ValueError("truncated message")
    n_text, n_arrays = _HEADER.unpack_from(message)
    if _HEADER.size + n_text + n_arrays != len(message):
        raise ValueError("message lengths do not add up")
    header = json.loads(message[_HEADER.size:_HEADER.size + n_text])
    if type(header) is not dict or "value" not in header:
        raise ValueError("message has no value")
    with np.load(io.BytesIO(message[_HEADER.size + n_text:]), allow_pickle=False) as arrays:
        value = _decode(header.pop("value"), arrays, resolve, [MAX_ITEMS], 0)
    return value, header


def round_trip(value):
    """``value`` as the grader would receive it: a fresh plain copy, or :class:`NotPlain`."""
    return unpack(pack(value))[0]
