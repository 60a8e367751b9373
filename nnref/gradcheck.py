"""Numerical gradient checking with central differences.

For a scalar function ``f`` of an array ``x``, entry by entry::

    df/dx[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

The error of this estimate is ``O(eps**2)``; in float64 with ``eps = 1e-6`` a correct
analytic gradient typically agrees to a relative error below ``1e-7``, while a wrong one
(a missing factor, a transposed matrix) is off by ``1e-1`` or more. Use float64: in
float32 the rounding error of ``f`` swamps the difference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._checks import check_same_shape
from .layers import Module


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Return the central-difference gradient of ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and returns a scalar that depends on ``x``; each entry of
    ``x`` is perturbed **in place** by ``+eps`` and ``-eps`` and restored afterwards (also
    if ``f`` raises). The result has the shape of ``x``. Cost: ``2 x.size`` calls of ``f``.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"numerical_gradient expected x to be a float64 NumPy array (it is "
                        f"perturbed in place, and float32 is too coarse), got {got}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + eps
            f_plus = float(f())
            x[i] = old - eps
            f_minus = float(f())
        finally:
            x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


_TINY = float(np.finfo(np.float64).tiny)


def rel_error(a: ArrayLike, b: ArrayLike, floor: float = _TINY) -> float:
    """Return the maximum elementwise relative error ``|a - b| / max(|a| + |b|, floor)``.

    0 means equal; two zeros count as equal. ``a`` and ``b`` must have the same shape.
    Raise ``floor`` (e.g. to ``1e-8``) to ignore differences between values that are
    both essentially zero.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    check_same_shape(a.shape, b.shape, "rel_error", "a", "b")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def check_module(module: Module, X: ArrayLike, rng: np.random.Generator | None = None,
                 eps: float = 1e-6) -> dict[str, float]:
    """Compare a module's backward pass with central differences; return relative errors.

    Uses the scalar ``L = sum(dY * module.forward(X))`` for a random upstream gradient
    ``dY`` (so ``dL/dY = dY``), and returns ``{"X": rel_error of dL/dX, "<param>": ...}``
    for every parameter. ``module`` must hold float64 parameters; ``X`` is copied.
    """
    for name, p in module.params.items():
        if p.dtype != np.float64:
            raise TypeError(f"check_module needs float64 parameters, but {name!r} is {p.dtype}")
    rng = np.random.default_rng() if rng is None else rng
    X = np.array(X, dtype=np.float64)
    dY = rng.standard_normal(np.shape(module.forward(X)))
    dX = module.backward(dY)
    analytic = {"X": dX, **{name: g.copy() for name, g in module.grads.items()}}

    def loss():
        return np.sum(dY * module.forward(X))

    numeric = {"X": numerical_gradient(loss, X, eps)}
    for name, p in module.params.items():
        numeric[name] = numerical_gradient(loss, p, eps)
    return {name: rel_error(analytic[name], numeric[name]) for name in analytic}
