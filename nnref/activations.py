"""Activation functions and their derivatives.

An activation ``f`` is applied elementwise to the pre-activation ``z``: ``a = f(z)``.
Each class has

* ``forward(z)`` -> ``a = f(z)``, same shape and dtype as ``z``;
* ``derivative(z)`` -> ``f'(z)`` elementwise, same shape as ``z``. In the book's matrix
  form this is the diagonal of the Jacobian ``da/dz``;
* ``backward(z, grad_a)`` -> ``dL/dz = grad_a * f'(z)`` (the chain rule through a
  diagonal Jacobian), which is what :class:`nnref.layers.Activation` uses.

:class:`Softmax` is not elementwise: each row of ``a`` depends on the whole row of ``z``,
so it has a full Jacobian (``jacobian``) instead of ``derivative``.

**Checked and unchecked.** The methods above check their input (integer input is
converted to float64, floating input keeps its dtype so float32 stays float32, NaN raises
``ValueError``, ``z`` and ``grad_a`` must have the same shape). Each has an unchecked
twin, ``forward_unchecked``, ``derivative_unchecked`` and ``backward_unchecked``, that
does the same math on arrays the caller has already checked (float arrays without NaN, of
matching shapes) and skips the checks; :class:`nnref.layers.Activation` checks its input
once and then calls those. Given bad input they give NumPy's errors or wrong results.

A new activation subclasses :class:`Elementwise` and overrides ``forward_unchecked(z)``
(``f``) and ``derivative_unchecked(z)`` (``f'``); the checked methods and
``backward_unchecked`` (``grad_a * f'(z)``, override it if there is a faster way) follow.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_same_shape, lookup


class ActivationFunction:
    """Base class of the activation functions: ``forward``, ``backward``, their unchecked twins.

    A subclass overrides :meth:`ActivationFunction.forward_unchecked` and
    :meth:`ActivationFunction.backward_unchecked`.
    """

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return ``f(z)`` (same shape and dtype as ``z``)."""
        return self.forward_unchecked(self._input(z, "forward"))

    def backward(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Return ``dL/dz`` given the upstream gradient ``grad_a = dL/da`` at ``a = f(z)``.

        ``z`` and ``grad_a`` must have the same shape.
        """
        where = f"{self!r}.backward"
        z = self._input(z, "backward")
        grad_a = as_float_array(grad_a, where, "grad_a")
        check_same_shape(z.shape, grad_a.shape, where, "z", "grad_a")
        return self.backward_unchecked(z, grad_a)

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        """:meth:`ActivationFunction.forward` on a float array ``z`` that the caller has checked (no NaN)."""
        raise NotImplementedError

    def backward_unchecked(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """:meth:`ActivationFunction.backward` on checked float arrays ``z`` and ``grad_a`` of the same shape."""
        raise NotImplementedError

    def _input(self, z, method):
        return as_float_array(z, f"{self!r}.{method}", "z")


class Elementwise(ActivationFunction):
    """Base class of the elementwise activations: ``a = f(z)`` entry by entry.

    A subclass overrides :meth:`ActivationFunction.forward_unchecked` (``f``) and
    :meth:`Elementwise.derivative_unchecked` (``f'``).
    """

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """Return ``f'(z)`` elementwise (same shape and dtype as ``z``)."""
        return self.derivative_unchecked(self._input(z, "derivative"))

    def derivative_unchecked(self, z: np.ndarray) -> np.ndarray:
        """:meth:`Elementwise.derivative` on a float array ``z`` that the caller has checked (no NaN)."""
        raise NotImplementedError

    def backward_unchecked(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """``grad_a * f'(z)`` on checked float arrays of the same shape."""
        return grad_a * self.derivative_unchecked(z)


class Identity(Elementwise):
    """Identity ("linear") activation: ``f(z) = z``, ``f'(z) = 1``."""

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        return z.copy()

    def derivative_unchecked(self, z: np.ndarray) -> np.ndarray:
        return np.ones_like(z)


class Step(Elementwise):
    """Heaviside step: ``f(z) = 1`` if ``z >= 0`` else ``0`` (Ruiz's convention at 0).

    ``f'(z) = 0`` everywhere. Strictly, the derivative is undefined at ``z = 0`` (the
    function jumps there); we return 0 there too, the value on both sides. This zero
    derivative is exactly why a network of step units cannot be trained by gradient descent.
    """

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        return (z >= 0).astype(z.dtype)

    def derivative_unchecked(self, z: np.ndarray) -> np.ndarray:
        return np.zeros_like(z)


class Sigmoid(Elementwise):
    """Logistic sigmoid: ``f(z) = 1 / (1 + exp(-z))``, ``f'(z) = f(z) (1 - f(z))``.

    Computed without overflow for any ``z``: with ``e = exp(-|z|)`` (always in (0, 1]),
    ``f(z) = 1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` for ``z < 0``.
    """

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1, e) / (1 + e)

    def derivative_unchecked(self, z: np.ndarray) -> np.ndarray:
        s = self.forward_unchecked(z)
        return s * (1 - s)


class Tanh(Elementwise):
    """Hyperbolic tangent: ``f(z) = tanh(z)``, ``f'(z) = 1 - tanh(z)**2``."""

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def derivative_unchecked(self, z: np.ndarray) -> np.ndarray:
        t = np.tanh(z)
        return 1 - t * t


class ReLU(Elementwise):
    """Rectified linear unit: ``f(z) = max(0, z)``; ``f'(z) = 1`` if ``z > 0`` else ``0``.

    ``f'(0)`` is undefined (the graph has a kink); we use 0, the usual choice in
    libraries. Ruiz writes ``f'(z) = step(z)``, which would give 1 at 0; for gradient
    descent the choice does not matter, because ``z`` is almost never exactly 0.
    """

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0, dtype=z.dtype)

    def derivative_unchecked(self, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    def backward_unchecked(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        # grad_a * f'(z) with the 0/1 mask used directly (no float copy of it); dtype= makes
        # NumPy multiply in grad_a's dtype rather than through its slower mixed-type loop
        # (measured 12 against 29 us for 128 x 256 float32).
        return np.multiply(grad_a, z > 0, dtype=grad_a.dtype)


class LeakyReLU(Elementwise):
    """Leaky ReLU: ``f(z) = z`` if ``z > 0`` else ``alpha * z``; ``f'(z) = 1`` or ``alpha``.

    As for :class:`ReLU`, ``f'(0)`` is taken from the left side: ``alpha``.
    """

    def __init__(self, alpha: float = 0.01):
        if not np.isscalar(alpha) or not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"LeakyReLU expected alpha to be a finite number >= 0, got {alpha!r}")
        self.alpha = float(alpha)

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, self.alpha * z).astype(z.dtype, copy=False)

    def derivative_unchecked(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, 1, self.alpha).astype(z.dtype)


class Softmax(ActivationFunction):
    """Softmax over the last axis: ``a_i = exp(z_i) / sum_j exp(z_j)``.

    Stable for any ``z``: subtracting the row maximum first does not change the result
    and keeps every ``exp`` in (0, 1]. The Jacobian of one row is
    ``da_i/dz_j = a_i (delta_ij - a_j)``, i.e. ``diag(a) - a a^T``.
    """

    def __repr__(self):
        return "Softmax()"

    def _input(self, z, method):
        z = as_float_array(z, f"Softmax.{method}", "z")
        if z.ndim == 0:
            raise ValueError(f"Softmax.{method} expected z with at least one axis, got a scalar")
        return z

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return the softmax of ``z`` along its last axis (rows sum to 1)."""
        return self.forward_unchecked(self._input(z, "forward"))

    def forward_unchecked(self, z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """Return ``da/dz`` for each row: shape ``(N, K, K)`` for ``z`` of shape ``(N, K)``.

        ``J[n, i, j] = a[n, i] * (delta_ij - a[n, j])``. For ``z`` of shape ``(K,)`` the
        result has shape ``(K, K)``.
        """
        a = self.forward(z)
        return a[..., :, None] * (np.eye(a.shape[-1], dtype=a.dtype) - a[..., None, :])

    def backward(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Return ``dL/dz = J^T grad_a`` row by row, without building ``J``.

        With ``J = diag(a) - a a^T`` (symmetric): ``dL/dz = a * (grad_a - sum(grad_a * a))``,
        the sum taken over the last axis.
        """
        z = self._input(z, "backward")
        grad_a = as_float_array(grad_a, "Softmax.backward", "grad_a")
        check_same_shape(z.shape, grad_a.shape, "Softmax.backward", "z", "grad_a")
        return self.backward_unchecked(z, grad_a)

    def backward_unchecked(self, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        a = self.forward_unchecked(z)
        return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


_BY_NAME = {
    "identity": Identity,
    "step": Step,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "softmax": Softmax,
}


def get(name: str | ActivationFunction) -> ActivationFunction:
    """Return a new activation for ``name`` (one of the keys below), or ``name`` itself
    if it already is an activation instance.

    Valid names: ``"identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"``.
    """
    if isinstance(name, ActivationFunction):
        return name
    return lookup(name, _BY_NAME, "activation")()
