"""Weight initializers.

Each function returns a float64 array of the given ``shape``; for a dense layer the
shape is ``(fan_in, fan_out) = (n_in, n_out)``, the shape of ``W`` in ``Z = X @ W + b``.
Random initializers draw from ``rng``, a ``numpy.random.Generator`` (a fresh
``np.random.default_rng()`` when ``None``); NumPy's global random state is never used.

==================  ==========================================================
``zeros``           all 0 (makes every hidden unit identical: symmetry is never broken)
``constant``        all ``value``
``normal``          ``N(0, std**2)``
``xavier_uniform``  ``U(-r, r)``, ``r = sqrt(6 / (fan_in + fan_out))``   (Glorot & Bengio, 2010)
``xavier_normal``   ``N(0, 2 / (fan_in + fan_out))``
``he_normal``       ``N(0, 2 / fan_in)``                                (He et al., 2015; for ReLU)
``he_uniform``      ``U(-r, r)``, ``r = sqrt(6 / fan_in)``
==================  ==========================================================

Xavier keeps the variance of activations and gradients roughly constant through tanh
layers (variance ``2 / (fan_in + fan_out)``); He doubles the forward variance
``1 / fan_in`` to make up for ReLU zeroing half of its inputs. Both uniform versions
have the same variance as their normal twins (``Var U(-r, r) = r**2 / 3``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._checks import check_positive_int, lookup


def _shape(shape, where):
    """Return ``shape`` as a tuple of positive ints."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    for size in shape:
        check_positive_int(size, where, "every size in shape")
    return shape


def _fans(shape, where):
    """Return ``(fan_in, fan_out)`` of a 2-D ``shape``."""
    shape = _shape(shape, where)
    if len(shape) != 2:
        raise ValueError(f"{where} expected shape=(fan_in, fan_out), got {shape}")
    return shape


def _rng(rng):
    return np.random.default_rng() if rng is None else rng


def zeros(shape: int | Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
    """Return zeros of ``shape``. ``rng`` is accepted (and unused) so that every
    initializer can be called as ``init(shape, rng=rng)``."""
    return np.zeros(_shape(shape, "zeros"))


def constant(shape: int | Sequence[int], value: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """Return an array of ``shape`` filled with ``value`` (``rng`` unused, as in :func:`zeros`)."""
    return np.full(_shape(shape, "constant"), float(value))


def normal(shape: int | Sequence[int], std: float = 0.1, rng: np.random.Generator | None = None) -> np.ndarray:
    """Return samples of ``N(0, std**2)`` of ``shape``."""
    if not std >= 0:
        raise ValueError(f"normal expected std >= 0, got {std!r}")
    return _rng(rng).normal(0.0, std, size=_shape(shape, "normal"))


def xavier_uniform(shape: Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
    """Return ``U(-r, r)`` samples, ``r = sqrt(6 / (fan_in + fan_out))`` (variance ``2/(fan_in+fan_out)``)."""
    fan_in, fan_out = _fans(shape, "xavier_uniform")
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-r, r, size=(fan_in, fan_out))


def xavier_normal(shape: Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
    """Return ``N(0, 2 / (fan_in + fan_out))`` samples."""
    fan_in, fan_out = _fans(shape, "xavier_normal")
    return _rng(rng).normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_normal(shape: Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
    """Return ``N(0, 2 / fan_in)`` samples."""
    fan_in, fan_out = _fans(shape, "he_normal")
    return _rng(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(shape: Sequence[int], rng: np.random.Generator | None = None) -> np.ndarray:
    """Return ``U(-r, r)`` samples, ``r = sqrt(6 / fan_in)`` (variance ``2 / fan_in``)."""
    fan_in, fan_out = _fans(shape, "he_uniform")
    r = np.sqrt(6.0 / fan_in)
    return _rng(rng).uniform(-r, r, size=(fan_in, fan_out))


_BY_NAME = {
    "zeros": zeros,
    "constant": constant,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def get(name: str | Callable) -> Callable:
    """Return the initializer function called ``name``, or ``name`` itself if it is callable.

    Valid names: ``"zeros", "constant", "normal", "xavier_uniform", "xavier_normal",
    "he_normal", "he_uniform"``.
    """
    if callable(name):
        return name
    return lookup(name, _BY_NAME, "initializer")
