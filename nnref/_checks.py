"""Input validation shared by nnref's modules.

Every public function of nnref checks what it is given and fails with a message that
says *where* the problem was found, *what* was expected and *what* was received, e.g.
``Linear(3, 4).forward expected X of shape (N, 3), got (5, 4)``. Silent broadcasting
(an ``(N,)`` array meeting an ``(N, 1)`` array) and NaN quietly spreading through a
computation are the two bugs these checks exist to stop.
"""

import numpy as np


def as_float_array(x, where, name, dtype=None):
    """Return ``x`` as a floating-point NumPy array, rejecting NaN.

    Integer and boolean input is converted to float64; floating input keeps its dtype
    unless ``dtype`` is given (then it is converted to ``dtype``; no copy if it already
    has it). ``where`` and ``name`` only serve the error messages. (Called on every
    layer's input, so it sticks to cheap tests: ``dtype.kind`` rather than ``issubdtype``.)
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":  # bool, int, unsigned, float
        raise TypeError(f"{where} expected {name} to be a numeric array, got dtype {x.dtype}")
    if dtype is not None:
        if x.dtype != dtype:
            x = x.astype(dtype)
    elif x.dtype.kind != "f":
        x = x.astype(np.float64)
    check_no_nan(x, where, name)
    return x


def check_no_nan(x, where, name):
    """Raise ``ValueError`` if the floating array ``x`` contains NaN.

    ``x.min()`` is NaN exactly when ``x`` contains a NaN (NaN wins every comparison in
    NumPy's ``min``), and it is several times faster than ``isnan(x).any()``, which
    matters because every layer checks its input. ``m != m`` holds only for NaN.
    """
    if x.size and (m := x.min()) != m:
        count = int(np.isnan(x).sum())
        raise ValueError(f"{where} got NaN in {name} ({count} of {x.size} entries); "
                         "NaN would silently spread through every later result")


def format_shape(shape):
    """Format a shape such as ``("N", 3)`` as ``(N, 3)`` (strings stand for any size)."""
    inner = ", ".join(str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def check_shape(x, expected, where, name):
    """Check ``x.shape`` against ``expected``, a tuple of ints and names such as ``"N"``.

    A name matches any size, but the same name must get the same size everywhere in
    ``expected``. Raises ``ValueError("<where> expected <name> of shape (N, 3), got (5, 4)")``.
    """
    if x.ndim == len(expected):
        sizes = {}
        for want, got in zip(expected, x.shape):
            if isinstance(want, str):
                if sizes.setdefault(want, got) != got:
                    break
            elif want != got:
                break
        else:
            return
    raise ValueError(f"{where} expected {name} of shape {format_shape(expected)}, "
                     f"got {format_shape(x.shape)}")


def check_same_shape(shape_a, shape_b, where, name_a, name_b):
    """Require ``shape_a == shape_b`` (no broadcasting), naming both shapes if not."""
    shape_a, shape_b = tuple(shape_a), tuple(shape_b)
    if shape_a != shape_b:
        hint = ""
        if {len(shape_a), len(shape_b)} == {1, 2} and np.prod(shape_a) == np.prod(shape_b):
            hint = (" (an (N,) array and an (N, 1) array would broadcast to (N, N): "
                    "reshape one of them)")
        raise ValueError(f"{where} expected {name_a} and {name_b} of the same shape, got "
                         f"{name_a} {format_shape(shape_a)} and {name_b} {format_shape(shape_b)}{hint}")


def lookup(name, table, kind):
    """Return ``table[name]`` or raise ``ValueError`` listing the valid names of ``kind``."""
    if not isinstance(name, str):
        raise TypeError(f"expected the name of {kind} (a str), got {type(name).__name__}")
    try:
        return table[name.lower()]
    except KeyError:
        valid = ", ".join(repr(k) for k in table)
        raise ValueError(f"unknown {kind} {name!r}; valid names are {valid}") from None


def check_positive_int(value, where, name):
    """Require a positive integer (``bool`` excluded)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where} expected {name} to be a positive integer, got {value!r}")
