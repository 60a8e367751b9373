"""One-dimensional convolution: a dense layer whose weights are shared along the input.

Shapes (batch-first, like the rest of nnref):

* input ``X`` of shape ``(N, L, C_in)``: ``N`` sequences of length ``L`` with ``C_in``
  channels each;
* kernel ``W`` of shape ``(K, C_in, C_out)`` and bias ``b`` of shape ``(C_out,)``;
* output ``Y`` of shape ``(N, L - K + 1, C_out)`` ("valid" positions only, stride 1).

The forward pass slides the same kernel over every position ``t``::

    Y[n, t, o] = sum_k sum_c X[n, t + k, c] * W[k, c, o] + b[o]

(what deep-learning libraries call a convolution is, strictly, a cross-correlation: the
kernel is not flipped). Flattening ``X[n]`` to a vector of length ``L * C_in`` and
``Y[n]`` to one of length ``L_out * C_out`` turns this into an ordinary dense layer
``y = x @ M + b_tiled`` whose matrix ``M`` (see :func:`as_dense`) is mostly zeros and
repeats the entries of ``W`` along its diagonals: the weights are *tied*.
The backward pass follows from that view: a tied weight receives the sum of the
gradients of all the entries of ``M`` that share it::

    dL/dW[k, c, o] = sum_n sum_t X[n, t + k, c] * dY[n, t, o]
    dL/db[o]       = sum_n sum_t dY[n, t, o]
    dL/dX[n, s, c] = sum_k sum_o dY[n, s - k, o] * W[k, c, o]   (terms with 0 <= s-k < L_out)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, DTypeLike

from . import initializers
from ._checks import as_float_array, check_positive_int, check_shape
from .layers import Module


def _check_inputs(X, W, b, where):
    X = as_float_array(X, where, "X")
    W = as_float_array(W, where, "W")
    check_shape(W, ("K", "C_in", "C_out"), where, "W")
    _check_sequences(X, W.shape[0], W.shape[1], where)
    if b is not None:
        b = as_float_array(b, where, "b")
        check_shape(b, (W.shape[2],), where, "b")
    return X, W, b


def _check_sequences(X, K, C_in, where):
    """Check that ``X`` holds sequences of ``C_in`` channels, at least ``K`` long."""
    check_shape(X, ("N", "L", C_in), where, "X")
    if X.shape[1] < K:
        raise ValueError(f"{where} needs sequences at least as long as the kernel: "
                         f"got length L={X.shape[1]} and kernel size K={K}")


def _windows(X, K):
    """Return the ``(N, L_out, C_in, K)`` view of all length-``K`` windows of ``X`` (no copy)."""
    return sliding_window_view(X, K, axis=1)


def _forward(X, W, b):
    """The forward formula on checked arrays."""
    return np.einsum("ntck,kco->nto", _windows(X, W.shape[0]), W) + b


def _backward(X, W, dY, dW, db):
    """The backward formulas on checked arrays: write into ``dW``, ``db``; return ``dX``."""
    K = W.shape[0]
    L_out = dY.shape[1]
    np.einsum("ntck,nto->kco", _windows(X, K), dY, out=dW)
    np.sum(dY, axis=(0, 1), out=db)
    dX = np.zeros_like(X, dtype=np.result_type(X, W, dY))
    for k in range(K):  # output position t reads input position t + k through W[k]
        dX[:, k:k + L_out, :] += dY @ W[k].T
    return dX


def conv1d_forward(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Return ``Y[n, t, o] = sum_{k,c} X[n, t+k, c] W[k, c, o] + b[o]``, shape ``(N, L-K+1, C_out)``."""
    X, W, b = _check_inputs(X, W, b, "conv1d_forward")
    return _forward(X, W, b)


def conv1d_backward(X: ArrayLike, W: ArrayLike, dY: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(dX, dW, db)`` given the upstream gradient ``dY = dL/dY``.

    ``dX`` has the shape of ``X``, ``dW`` of ``W``, ``db`` is ``(C_out,)`` (the formulas are
    in the module docstring). ``dY`` must have the shape of the forward output.
    """
    where = "conv1d_backward"
    X, W, _ = _check_inputs(X, W, None, where)
    K, _, C_out = W.shape
    N, L, _ = X.shape
    dY = as_float_array(dY, where, "dY")
    check_shape(dY, (N, L - K + 1, C_out), where, "dY")
    dW, db = np.zeros(W.shape, np.result_type(X, dY)), np.zeros(C_out, dY.dtype)
    dX = _backward(X, W, dY, dW, db)
    return dX, dW, db


def as_dense(W: ArrayLike, L: int) -> np.ndarray:
    """Return the dense matrix ``M`` of shape ``(L * C_in, L_out * C_out)`` equal to the convolution.

    With ``x = X[n].reshape(-1)`` (position-major, channel-minor) the convolution without
    bias is ``x @ M``, reshaped to ``(L_out, C_out)``. ``M[(t+k)*C_in + c, t*C_out + o] = W[k, c, o]``
    and every other entry is 0: the same ``K * C_in * C_out`` numbers fill ``L_out`` blocks.
    Meant for teaching and testing (it is ``L / K`` times larger than it needs to be).
    """
    W = as_float_array(W, "as_dense", "W")
    check_shape(W, ("K", "C_in", "C_out"), "as_dense", "W")
    check_positive_int(L, "as_dense", "L")
    K, C_in, C_out = W.shape
    if L < K:
        raise ValueError(f"as_dense needs L >= K, got L={L} and K={K}")
    L_out = L - K + 1
    M = np.zeros((L, C_in, L_out, C_out), dtype=W.dtype)
    for t in range(L_out):
        M[t:t + K, :, t, :] = W
    return M.reshape(L * C_in, L_out * C_out)


class Conv1D(Module):
    """A 1-D convolution layer (stride 1, no padding) with the nnref module interface.

    ``forward(X)`` maps ``(N, L, C_in)`` to ``(N, L - K + 1, C_out)``; ``backward(dY)``
    returns ``dL/dX`` and writes ``grads["W"]`` (``(K, C_in, C_out)``) and ``grads["b"]``
    (``(C_out,)``) in place. The kernel is drawn like the weights of a dense layer of shape
    ``(K * C_in, C_out)``, so that the variance rules see the true fan-in ``K * C_in`` of one
    output unit (He normal by default: std ``sqrt(2 / (K * C_in))``); the bias starts at 0.
    Input is converted to ``dtype``. Weight decay applies to ``W``, not to ``b``.
    """

    def __init__(self, C_in: int, C_out: int, K: int, init: str | Callable = "he_normal",
                 rng: np.random.Generator | None = None, dtype: DTypeLike = np.float64):
        for name, value in (("C_in", C_in), ("C_out", C_out), ("K", K)):
            check_positive_int(value, "Conv1D", name)
        super().__init__(dtype)
        W = initializers.get(init)((K * C_in, C_out), rng=rng)
        self.add_param("W", np.reshape(W, (K, C_in, C_out)), decay=True)
        self.add_param("b", np.zeros(C_out), decay=False)
        self._X = None

    def __repr__(self):
        K, C_in, C_out = self.params["W"].shape
        return f"Conv1D(C_in={C_in}, C_out={C_out}, K={K})"

    def _check_input(self, X, where):
        K, C_in, _ = self.params["W"].shape
        _check_sequences(X, K, C_in, where)

    def _forward(self, X):
        """The convolution of ``X`` (``(N, L, C_in)``) with the kernel, plus the bias."""
        self._X = X
        return _forward(X, self.params["W"], self.params["b"])

    def _backward(self, dY, input_grad):
        """Write ``dL/dW``, ``dL/db`` into ``grads``; return ``dL/dX`` (``None`` if not ``input_grad``)."""
        dX = _backward(self._X, self.params["W"], dY, self.grads["W"], self.grads["b"])
        return dX if input_grad else None
