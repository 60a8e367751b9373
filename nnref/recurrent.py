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

import numpy as np

from . import initializers
from ._checks import as_float_array, check_positive_int, check_shape
from .layers import Module


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """Return ``h = tanh(x @ Wx + h_prev @ Wh + b)``, shape ``(N, n_h)``."""
    where = "rnn_step_forward"
    x, h_prev, Wx, Wh, _ = _check_step(x, h_prev, Wx, Wh, where)
    b = as_float_array(b, where, "b")
    check_shape(b, (Wh.shape[0],), where, "b")
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def rnn_step_backward(x, h_prev, h, dh, Wx, Wh):
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
    1-based notation). ``backward(dH)`` runs backpropagation through time: it fills
    ``grads`` (keys ``"Wx"``, ``"Wh"``, ``"b"``), stores ``dL/dh_0`` in ``dh0`` and returns
    ``dL/dX``. A loss on the last state only passes ``dH`` that is zero except at ``t = T - 1``.
    ``Wx`` and ``Wh`` are drawn with ``init`` (Xavier normal by default, suited to tanh).
    Their names do not end in ``"W"``, so :class:`nnref.optimizers.SGD`'s ``weight_decay``
    (which decays only such names) leaves them alone.
    """

    def __init__(self, n_in, n_h, init="xavier_normal", rng=None, dtype=np.float64):
        super().__init__()
        check_positive_int(n_in, "RNN", "n_in")
        check_positive_int(n_h, "RNN", "n_h")
        init_fn = initializers.get(init)
        self.params = {
            "Wx": np.asarray(init_fn((n_in, n_h), rng=rng), dtype=dtype),
            "Wh": np.asarray(init_fn((n_h, n_h), rng=rng), dtype=dtype),
            "b": np.zeros(n_h, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.dh0 = None
        self._cache = None

    def __repr__(self):
        n_in, n_h = self.params["Wx"].shape
        return f"RNN(n_in={n_in}, n_h={n_h})"

    def forward(self, X, h0=None):
        """Run the recurrence over ``X`` (``(N, T, n_in)``); return ``H`` (``(N, T, n_h)``)."""
        where = f"{self!r}.forward"
        n_in, n_h = self.params["Wx"].shape
        X = as_float_array(X, where, "X")
        check_shape(X, ("N", "T", n_in), where, "X")
        N, T, _ = X.shape
        h = np.zeros((N, n_h), dtype=self.params["Wx"].dtype) if h0 is None else as_float_array(h0, where, "h0")
        check_shape(h, (N, n_h), where, "h0")
        H = np.empty((N, T, n_h), dtype=np.result_type(X, h))
        h_first = h
        for t in range(T):
            h = rnn_step_forward(X[:, t], h, self.params["Wx"], self.params["Wh"], self.params["b"])
            H[:, t] = h
        self._cache = (X, h_first, H)
        return H

    def backward(self, dH, input_grad=True):
        """Backpropagate ``dH = dL/dH`` through time; fill ``grads`` and ``dh0``, return ``dL/dX``.

        ``dL/dX`` is computed in any case (it costs one small product per step); ``None`` is
        returned if not ``input_grad``, as for the other modules.
        """
        if self._cache is None:
            raise self._no_forward_yet()
        X, h0, H = self._cache
        where = f"{self!r}.backward"
        dH = as_float_array(dH, where, "dH")
        check_shape(dH, H.shape, where, "dH")
        Wx, Wh = self.params["Wx"], self.params["Wh"]
        grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        dX = np.zeros_like(X)
        dh_next = np.zeros_like(h0)  # nothing flows back from beyond the last step
        for t in reversed(range(X.shape[1])):
            h_prev = H[:, t - 1] if t > 0 else h0
            dX[:, t], dh_next, dWx, dWh, db = rnn_step_backward(
                X[:, t], h_prev, H[:, t], dH[:, t] + dh_next, Wx, Wh)
            grads["Wx"] += dWx
            grads["Wh"] += dWh
            grads["b"] += db
        self.grads, self.dh0 = grads, dh_next
        return dX if input_grad else None
