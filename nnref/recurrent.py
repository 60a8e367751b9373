"""A simple recurrent layer (Elman RNN with tanh) and backpropagation through time.

A recurrent layer keeps a *state* ``h`` that it carries from one step of a sequence to the
next. With inputs ``x_1, ..., x_T`` (each ``(N, n_in)``) and ``h_0`` (``(N, n_h)``, zeros by
default), every step applies the same parameters::

    z_t = x_t @ Wx + h_{t-1} @ Wh + b        Wx: (n_in, n_h), Wh: (n_h, n_h), b: (n_h,)
    h_t = tanh(z_t)

Unrolled over ``T`` steps this is a ``T``-layer feed-forward network whose layers share
``Wx``, ``Wh`` and ``b``. Backpropagation through time (BPTT) is ordinary backprop on that
unrolled network: going from ``t = T`` down to 1, the gradient reaching ``h_t`` is what the
loss sends to it directly (``dH[:, t]``) plus what step ``t + 1`` sends back through ``Wh``;
every step adds its share to the gradients of the shared parameters (one step is
:func:`rnn_step_backward`)::

    dz_t       = dh_t * (1 - h_t**2)             (tanh'(z) = 1 - tanh(z)**2)
    dWx       += x_t.T @ dz_t      dWh += h_{t-1}.T @ dz_t      db += dz_t.sum(axis=0)
    dx_t       = dz_t @ Wx.T
    dh_{t-1}   = dz_t @ Wh.T                     (sent on to step t - 1)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import initializers
from ._checks import as_float_array, check_positive_int, check_shape
from .layers import Module


def rnn_step_forward(x: ArrayLike, h_prev: ArrayLike, Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Return ``h = tanh(x @ Wx + h_prev @ Wh + b)``, shape ``(N, n_h)``."""
    where = "rnn_step_forward"
    x, h_prev, Wx, Wh, _ = _check_step(x, h_prev, Wx, Wh, where)
    b = as_float_array(b, where, "b")
    check_shape(b, (Wh.shape[0],), where, "b")
    return _step_forward(x, h_prev, Wx, Wh, b)


def rnn_step_backward(x: ArrayLike, h_prev: ArrayLike, h: ArrayLike, dh: ArrayLike, Wx: ArrayLike,
                      Wh: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagate through one step; return ``(dx, dh_prev, dWx, dWh, db)``.

    ``h`` is the step's output (``tanh`` of its pre-activation) and ``dh = dL/dh`` the
    *total* gradient reaching it (from the loss and from the next step). Each returned
    gradient has the shape of what it differentiates with respect to; ``dWx``, ``dWh`` and
    ``db`` are this step's contribution to the gradients of the shared parameters.
    """
    where = "rnn_step_backward"
    x, h_prev, Wx, Wh, N = _check_step(x, h_prev, Wx, Wh, where)
    h = as_float_array(h, where, "h")
    dh = as_float_array(dh, where, "dh")
    check_shape(h, (N, Wh.shape[0]), where, "h")
    check_shape(dh, (N, Wh.shape[0]), where, "dh")
    dz = dh * (1.0 - h**2)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def _step_forward(x, h_prev, Wx, Wh, b):
    """One step on checked arrays."""
    z = x @ Wx
    z += h_prev @ Wh
    z += b
    return np.tanh(z, out=z)


def _check_step(x, h_prev, Wx, Wh, where):
    """Convert and check the arrays one step uses; return them and the batch size ``N``."""
    x, h_prev = as_float_array(x, where, "x"), as_float_array(h_prev, where, "h_prev")
    Wx, Wh = as_float_array(Wx, where, "Wx"), as_float_array(Wh, where, "Wh")
    check_shape(Wh, ("n_h", "n_h"), where, "Wh")
    n_h = Wh.shape[0]
    check_shape(Wx, ("n_in", n_h), where, "Wx")
    check_shape(x, ("N", Wx.shape[0]), where, "x")
    check_shape(h_prev, (x.shape[0], n_h), where, "h_prev")
    return x, h_prev, Wx, Wh, x.shape[0]


class RNN(Module):
    """An Elman recurrent layer with tanh, unrolled over whole sequences.

    ``forward(X, h0=None)`` maps ``X`` of shape ``(N, T, n_in)`` to all hidden states
    ``H`` of shape ``(N, T, n_h)`` (``H[:, t]`` is ``h_{t+1}`` in the module docstring's
    1-based notation). ``backward(dH)`` runs backpropagation through time: it writes
    ``grads`` (keys ``"Wx"``, ``"Wh"``, ``"b"``) in place, stores ``dL/dh_0`` in ``dh0`` and
    returns ``dL/dX``. A loss on the last state only passes ``dH`` that is zero except at
    ``t = T - 1``. ``Wx`` and ``Wh`` are drawn with ``init`` (Xavier normal by default,
    suited to tanh). Weight decay applies to ``Wx`` and ``Wh``, not to ``b``.
    """

    output_name = "H"

    def __init__(self, n_in: int, n_h: int, init: str | Callable = "xavier_normal",
                 rng: np.random.Generator | None = None, dtype: DTypeLike = np.float64):
        check_positive_int(n_in, "RNN", "n_in")
        check_positive_int(n_h, "RNN", "n_h")
        super().__init__(dtype)
        init_fn = initializers.get(init)
        self.add_param("Wx", init_fn((n_in, n_h), rng=rng), decay=True)
        self.add_param("Wh", init_fn((n_h, n_h), rng=rng), decay=True)
        self.add_param("b", np.zeros(n_h), decay=False)
        self.dh0 = None
        self._cache = None

    def __repr__(self):
        n_in, n_h = self.params["Wx"].shape
        return f"RNN(n_in={n_in}, n_h={n_h})"

    def forward(self, X: ArrayLike, h0: ArrayLike | None = None) -> np.ndarray:
        """Run the recurrence over ``X`` (``(N, T, n_in)``); return ``H`` (``(N, T, n_h)``).

        ``h0`` (``(N, n_h)``) is the state before the first step; zeros if ``None``.
        """
        X = self.check_input(X)
        if h0 is not None:
            where = f"{self!r}.forward"
            h0 = as_float_array(h0, where, "h0", dtype=self.dtype)
            check_shape(h0, (X.shape[0], self.params["Wh"].shape[0]), where, "h0")
        return self.forward_unchecked(X, h0)

    def forward_unchecked(self, X: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """:meth:`forward` without the checks of ``X`` and ``h0``."""
        H = self._forward(X, h0)
        self._output = (H.shape, H.dtype)
        return H

    def _check_input(self, X, where):
        check_shape(X, ("N", "T", self.params["Wx"].shape[0]), where, "X")

    def _forward(self, X, h0=None):
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        N, T, _ = X.shape
        h = np.zeros((N, Wh.shape[0]), dtype=self.dtype) if h0 is None else h0
        H = np.empty((N, T, Wh.shape[0]), dtype=self.dtype)
        h_first = h
        for t in range(T):
            h = H[:, t] = _step_forward(X[:, t], h, Wx, Wh, b)
        self._cache = (X, h_first, H)
        return H

    def _backward(self, dH, input_grad):
        """Backpropagate ``dH = dL/dH`` through time; fill ``grads`` and ``dh0``, return ``dL/dX``.

        ``dL/dX`` is computed in any case (it costs one small product per step); ``None`` is
        returned if not ``input_grad``, as for the other modules.
        """
        X, h0, H = self._cache
        Wx, Wh = self.params["Wx"], self.params["Wh"]
        dWx, dWh, db = self.grads["Wx"], self.grads["Wh"], self.grads["b"]
        for g in (dWx, dWh, db):
            g.fill(0)  # the sums over the steps are accumulated in place
        dX = np.zeros_like(X)
        dh_next = np.zeros_like(h0)  # nothing flows back from beyond the last step
        for t in reversed(range(X.shape[1])):
            h_prev = H[:, t - 1] if t > 0 else h0
            dz = dH[:, t] + dh_next
            dz *= 1.0 - H[:, t] ** 2          # tanh'(z_t) = 1 - h_t**2
            dWx += X[:, t].T @ dz
            dWh += h_prev.T @ dz
            db += dz.sum(axis=0)
            dX[:, t] = dz @ Wx.T
            dh_next = dz @ Wh.T
        self.dh0 = dh_next
        return dX if input_grad else None
