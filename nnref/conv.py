"""Convolution and pooling: dense layers whose weights are shared along the input.

The first half of this module is the one-dimensional convolution of chapter 10
(:class:`Conv1D`); the second half the two-dimensional convolution and pooling of
chapter 13 (:class:`Conv2D`, :class:`MaxPool2D`, :class:`AvgPool2D`), described in the
paragraph "Two dimensions" below.

**One dimension.** Shapes (batch-first, like the rest of nnref):

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

**Two dimensions.** Images are channels-last, like the sequences above: ``X`` of shape ``(N, H, W, C_in)``,
a kernel ``W`` of shape ``(K, K, C_in, C_out)``, a bias ``b`` of shape ``(C_out,)``. With
stride ``S`` and ``P`` rows and columns of zeros added on every side (``Xp`` is the padded
input, of shape ``(N, H + 2P, W + 2P, C_in)``)::

    Y[n, i, j, o] = sum_{p, q, c} Xp[n, S*i + p, S*j + q, c] * W[p, q, c, o] + b[o]

The output has ``H_out = (H + 2P - K) / S + 1`` rows and ``W_out = (W + 2P - K) / S + 1``
columns (:func:`conv2d_output_size`). **Decision:** when ``S`` does not divide
``H + 2P - K`` (or ``W + 2P - K``) the last windows would not fit, and nnref raises
``ValueError`` instead of silently ignoring the input's last rows or columns (which
PyTorch's floor rule does); CS231n's notes (Karpathy et al.) likewise call such settings
invalid. Choose a padding or stride that fits, or crop the input.

Backward, for ``dY = dL/dY`` of shape ``(N, H_out, W_out, C_out)``::

    dL/dW[p, q, c, o] = sum_{n, i, j} Xp[n, S*i + p, S*j + q, c] * dY[n, i, j, o]
    dL/db[o]          = sum_{n, i, j} dY[n, i, j, o]
    dL/dXp[n, S*i + p, S*j + q, c] += sum_o dY[n, i, j, o] * W[p, q, c, o]   (every n, i, j, p, q)

and ``dL/dX`` is ``dL/dXp`` with the padding cut off again. For ``S = 1`` the last line
is a "full" convolution of ``dY`` with the kernel flipped in both spatial directions
(and its channel axes swapped); for ``S > 1`` the same holds after ``S - 1`` zeros are
inserted between the entries of ``dY`` (chapter 13 checks both in code).

The code uses **im2col**: every ``K x K x C_in`` window of ``Xp`` becomes one row of a
matrix ``cols`` of shape ``(N * H_out * W_out, K * K * C_in)`` (built from NumPy's
``sliding_window_view``), so the forward pass is one matrix product
``cols @ W.reshape(K * K * C_in, C_out)`` and ``dW`` is ``cols.T @ dY``. ``dXp`` is
accumulated by a loop over the ``K * K`` kernel offsets, each step vectorised over all
examples, positions and channels.

Pooling (:class:`MaxPool2D`, :class:`AvgPool2D`) slides a ``K x K`` window with stride
``S`` (``S = K`` by default: windows side by side) over each channel separately, with the
same output-size rule and the same error for windows that do not fit; it has no
parameters. Max pooling sends each output's gradient to the input that was the maximum
of its window; **decision on ties:** to the *first* maximal entry in row-major order
within the window (as ``np.argmax`` picks it, and as PyTorch does), so the gradient is one
valid subgradient and its entries still sum to those of ``dY``. Average pooling sends
``dY / K**2`` to every entry of the window. Overlapping windows (``S < K``) add up.
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



# --------------------------------------------------------------------------------------
# Two dimensions: Conv2D, MaxPool2D, AvgPool2D (formulas in the module docstring)
# --------------------------------------------------------------------------------------

def _check_padding(padding, where):
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"{where} expected padding to be a non-negative integer, got {padding!r}")
    return int(padding)


def conv2d_output_size(size, K, stride=1, padding=0, where="conv2d_output_size"):
    """Return ``(size + 2 * padding - K) / stride + 1``, the number of window positions along one axis.

    ``size`` is the input's height (or width), ``K`` the window size. Raises ``ValueError``
    if the window is larger than the padded input, or if ``stride`` does not divide
    ``size + 2 * padding - K`` (the last window would not fit: nnref does not silently drop
    input rows, see the module docstring).
    """
    check_positive_int(size, where, "the input size")
    check_positive_int(K, where, "K")
    check_positive_int(stride, where, "stride")
    padding = _check_padding(padding, where)
    span = size + 2 * padding - K
    if span < 0:
        raise ValueError(f"{where}: the {K}x{K} window is larger than the padded input "
                         f"({size} + 2*{padding} = {size + 2 * padding}); use a smaller K or more padding")
    if span % stride:
        raise ValueError(f"{where}: the windows do not fit: (size + 2*padding - K) / stride = "
                         f"({size} + 2*{padding} - {K}) / {stride} = {span}/{stride} is not an integer; "
                         f"choose a padding or stride that fits, or crop the input "
                         f"(nnref does not silently drop its last {span % stride} row(s) or column(s))")
    return span // stride + 1


def _check_image(X, where, name="X", channels="C"):
    """``X`` as a float array of shape ``(N, H, W, channels)``, with a hint for the usual slips."""
    X = as_float_array(X, where, name)
    _check_image_shape(X, where, name, channels)
    return X


def _check_image_shape(X, where, name="X", channels="C"):
    """Check that the array ``X`` has shape ``(N, H, W, channels)``, with a hint for the usual slips."""
    if X.ndim != 4:
        hint = ""
        if X.ndim == 3:
            hint = (" (one image of shape (H, W, C)? add the batch axis: X[None]; a batch of grey "
                    "images (N, H, W)? add the channel axis: X[..., None])")
        elif X.ndim == 2:
            hint = " (flat rows of pixels? reshape them, e.g. X.reshape(N, 8, 8, 1) for the 8x8 digits)"
        raise ValueError(f"{where} expected {name} of shape (N, H, W, {channels}), channels last, "
                         f"got {X.shape}{hint}")
    if not isinstance(channels, str) and X.shape[3] != channels:
        raise ValueError(f"{where} expected {name} with {channels} channel(s) on the last axis, "
                         f"i.e. of shape (N, H, W, {channels}), got {X.shape} "
                         "(channels go last in nnref: (N, H, W, C), not (N, C, H, W))")


def _pad(X, padding):
    """``X`` with ``padding`` rows/columns of zeros added on every side of axes 1 and 2."""
    if padding == 0:
        return X
    return np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))


def _windows2d(Xp, K, stride):
    """The ``(N, H_out, W_out, C, K, K)`` view of the ``K x K`` windows of ``Xp`` at the given stride (no copy)."""
    return sliding_window_view(Xp, (K, K), axis=(1, 2))[:, ::stride, ::stride]


def im2col(X, K, stride=1, padding=0):
    """Return ``cols`` of shape ``(N * H_out * W_out, K * K * C)``: one row per window.

    Row ``(n * H_out + i) * W_out + j`` holds the window of the padded ``X[n]`` whose top-left
    corner is at ``(S*i, S*j)``, flattened in the order ``(p, q, c)`` -- the order of
    ``W.reshape(K * K * C, C_out)`` -- so that ``cols @ W.reshape(-1, C_out)`` is the convolution.
    """
    where = "im2col"
    X = _check_image(X, where)
    padding = _check_padding(padding, where)
    conv2d_output_size(X.shape[1], K, stride, padding, where)
    conv2d_output_size(X.shape[2], K, stride, padding, where)
    return _im2col(X, K, stride, padding)


def _im2col(X, K, stride, padding):
    """:func:`im2col` on a checked ``X`` whose windows fit."""
    windows = _windows2d(_pad(X, padding), K, stride)          # (N, H_out, W_out, C, K, K)
    N, H_out, W_out, C = windows.shape[:4]
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(N * H_out * W_out, K * K * C)


def _check_conv2d(X, W, b, stride, padding, where):
    W = as_float_array(W, where, "W")
    if W.ndim != 4 or W.shape[0] != W.shape[1]:
        raise ValueError(f"{where} expected a square kernel W of shape (K, K, C_in, C_out), got {W.shape}")
    K, _, C_in, C_out = W.shape
    X = _check_image(X, where, "X", C_in)
    if b is not None:
        b = as_float_array(b, where, "b")
        check_shape(b, (C_out,), where, "b")
    check_positive_int(stride, where, "stride")
    padding = _check_padding(padding, where)
    H_out = conv2d_output_size(X.shape[1], K, stride, padding, f"{where} (height)")
    W_out = conv2d_output_size(X.shape[2], K, stride, padding, f"{where} (width)")
    return X, W, b, padding, (X.shape[0], H_out, W_out, C_out)


def conv2d_forward(X, W, b, stride=1, padding=0):
    """Return ``Y[n, i, j, o] = sum_{p,q,c} Xp[n, S*i+p, S*j+q, c] W[p, q, c, o] + b[o]``.

    ``X`` is ``(N, H, W, C_in)``, ``W`` is ``(K, K, C_in, C_out)``, ``b`` is ``(C_out,)``;
    ``Xp`` is ``X`` with ``padding`` zeros on every side and ``S`` the stride. ``Y`` has shape
    ``(N, H_out, W_out, C_out)`` with ``H_out = (H + 2P - K) / S + 1`` (likewise ``W_out``);
    a ``ValueError`` if that is not an integer.
    """
    X, W, b, padding, out_shape = _check_conv2d(X, W, b, stride, padding, "conv2d_forward")
    K, _, C_in, C_out = W.shape
    cols = im2col(X, K, stride, padding)                        # (N*H_out*W_out, K*K*C_in)
    return (cols @ W.reshape(K * K * C_in, C_out) + b).reshape(out_shape)


def _col2im_add(dXp, dcols, K, stride):
    """Add each window's gradient ``dcols`` (``(N, H_out, W_out, K, K, C)``) into ``dXp`` where the window sits."""
    H_out, W_out = dcols.shape[1:3]
    for p in range(K):          # kernel row p touches input rows S*i + p, i = 0 .. H_out-1
        for q in range(K):
            dXp[:, p:p + stride * H_out:stride, q:q + stride * W_out:stride, :] += dcols[:, :, :, p, q, :]
    return dXp


def conv2d_backward(X, W, dY, stride=1, padding=0):
    """Return ``(dX, dW, db)`` for the upstream gradient ``dY`` of :func:`conv2d_forward`.

    ``dX`` has the shape of ``X`` (the padding's gradient is cut off), ``dW`` of ``W``, ``db``
    is ``(C_out,)``; formulas in the module docstring. ``dY`` must be ``(N, H_out, W_out, C_out)``.
    """
    where = "conv2d_backward"
    X, W, _, padding, out_shape = _check_conv2d(X, W, None, stride, padding, where)
    dY = as_float_array(dY, where, "dY")
    check_shape(dY, out_shape, where, "dY")
    K, _, C_in, C_out = W.shape
    cols = im2col(X, K, stride, padding)
    return _conv2d_backward_cols(X.shape, cols, W, dY, stride, padding)


def _conv2d_backward_cols(X_shape, cols, W, dY, stride, padding, dX=True, out=None):
    """The backward pass given the forward's ``cols``; ``dX=False`` skips the input gradient.

    ``out=(dW, db)`` writes the parameter gradients into those arrays (of ``dY``'s dtype)
    instead of new ones.
    """
    K, _, C_in, C_out = W.shape
    N, H, W_, _ = X_shape
    dY2 = dY.reshape(-1, C_out)                                  # one row per output position
    if out is None:
        dW = (cols.T @ dY2).reshape(W.shape)                     # sum over n, i, j
        db = dY2.sum(axis=0)
    else:
        dW, db = out
        np.matmul(cols.T, dY2, out=dW.reshape(K * K * C_in, C_out))  # a view: writes into dW
        dY2.sum(axis=0, out=db)
    if not dX:
        return None, dW, db
    dcols = (dY2 @ W.reshape(K * K * C_in, C_out).T).reshape(*dY.shape[:3], K, K, C_in)
    dXp = np.zeros((N, H + 2 * padding, W_ + 2 * padding, C_in), dtype=np.result_type(dY, W))
    _col2im_add(dXp, dcols, K, stride)
    return dXp[:, padding:padding + H, padding:padding + W_, :], dW, db


class Conv2D(Module):
    """A 2-D convolution layer, channels last, with stride and zero padding.

    ``forward(X)`` maps ``(N, H, W, C_in)`` to ``(N, H_out, W_out, C_out)`` with
    ``H_out = (H + 2 * padding - K) / stride + 1`` and likewise ``W_out`` (``ValueError`` if
    that is not an integer or the kernel is larger than the padded input); ``backward(dY)``
    returns ``dL/dX`` and writes ``dL/dW`` (``(K, K, C_in, C_out)``) and ``dL/db``
    (``(C_out,)``) into the arrays of ``grads`` in place, like :class:`~nnref.layers.Linear`.
    The kernel is drawn like the weights of a dense layer of shape ``(K * K * C_in, C_out)``
    (He normal by default: std ``sqrt(2 / (K * K * C_in))``, the fan-in of one output); the
    bias starts at 0. Parameters, gradients and outputs have ``dtype``.
    """

    def __init__(self, C_in: int, C_out: int, K: int, stride: int = 1, padding: int = 0,
                 init: str | Callable = "he_normal", rng: np.random.Generator | None = None,
                 dtype: DTypeLike = np.float64):
        for name, value in (("C_in", C_in), ("C_out", C_out), ("K", K), ("stride", stride)):
            check_positive_int(value, "Conv2D", name)
        self.stride, self.padding = int(stride), _check_padding(padding, "Conv2D")
        super().__init__(dtype)
        W = initializers.get(init)((K * K * C_in, C_out), rng=rng)
        self.add_param("W", np.reshape(W, (K, K, C_in, C_out)), decay=True)
        self.add_param("b", np.zeros(C_out), decay=False)
        self._cache = None

    def __repr__(self):
        K, _, C_in, C_out = self.params["W"].shape
        return f"Conv2D(C_in={C_in}, C_out={C_out}, K={K}, stride={self.stride}, padding={self.padding})"

    def output_shape(self, H, W):
        """Return ``(H_out, W_out)`` for an input of height ``H`` and width ``W``."""
        K = self.params["W"].shape[0]
        return (conv2d_output_size(H, K, self.stride, self.padding, f"{self!r} (height)"),
                conv2d_output_size(W, K, self.stride, self.padding, f"{self!r} (width)"))

    def _check_input(self, X, where):
        _check_image_shape(X, where, "X", self.params["W"].shape[2])
        self.output_shape(X.shape[1], X.shape[2])               # raises if the windows do not fit

    def _forward(self, X):
        """Return the convolution of ``X`` (``(N, H, W, C_in)``) with the kernel, plus the bias."""
        K, _, C_in, C_out = self.params["W"].shape
        S, P = self.stride, self.padding
        H_out, W_out = (X.shape[1] + 2 * P - K) // S + 1, (X.shape[2] + 2 * P - K) // S + 1
        cols = _im2col(X, K, S, P)                               # kept for backward
        self._cache = (X.shape, cols)
        Y = cols @ self.params["W"].reshape(K * K * C_in, C_out)
        Y += self.params["b"]
        return Y.reshape(len(X), H_out, W_out, C_out)

    def _backward(self, dY, input_grad):
        """Write ``dL/dW``, ``dL/db`` into ``grads``; return ``dL/dX`` (``None`` if not ``input_grad``)."""
        X_shape, cols = self._cache
        dX, _, _ = _conv2d_backward_cols(X_shape, cols, self.params["W"], dY, self.stride, self.padding,
                                         dX=input_grad, out=(self.grads["W"], self.grads["b"]))
        return dX


class _Pool2D(Module):
    """Base of :class:`MaxPool2D` and :class:`AvgPool2D`: window size ``K``, ``stride`` (``K`` if ``None``), shapes.

    Pooling layers have no parameters (``params`` and ``grads`` are empty) and keep the float
    dtype of their input (``dtype=None``). (Private: not a layer of its own, so the contract
    tests, which cover every public module class, skip it.)
    """

    def __init__(self, K: int, stride: int | None = None):
        super().__init__()  # no parameters: dtype None
        name = type(self).__name__
        check_positive_int(K, name, "K")
        if stride is not None:
            check_positive_int(stride, name, "stride")
        self.K = int(K)
        self.stride = self.K if stride is None else int(stride)
        self._cache = None

    def __repr__(self):
        return f"{type(self).__name__}(K={self.K}, stride={self.stride})"

    def output_shape(self, H, W):
        """Return ``(H_out, W_out) = ((H - K) / stride + 1, (W - K) / stride + 1)``."""
        return (conv2d_output_size(H, self.K, self.stride, 0, f"{self!r} (height)"),
                conv2d_output_size(W, self.K, self.stride, 0, f"{self!r} (width)"))

    def _check_input(self, X, where):
        _check_image_shape(X, where)
        self.output_shape(X.shape[1], X.shape[2])               # raises if the windows do not fit

    def _scatter(self, X_shape, dY, weights, dtype):
        """``dX`` where window offset ``(p, q)`` of output ``(i, j)`` gets ``dY * weights[..., p, q]``."""
        dX = np.zeros(X_shape, dtype=dtype)
        dcols = dY[..., None, None] * weights                    # (N, H_out, W_out, C, K, K)
        return _col2im_add(dX, dcols.transpose(0, 1, 2, 4, 5, 3), self.K, self.stride)


class MaxPool2D(_Pool2D):
    """Max pooling on ``(N, H, W, C)``: ``Y[n, i, j, c] = max_{p,q} X[n, S*i+p, S*j+q, c]``.

    Output shape ``(N, (H - K) / S + 1, (W - K) / S + 1, C)`` with ``S = stride`` (``K`` if
    ``None``); ``ValueError`` if the windows do not fit exactly. ``backward(dY)`` routes each
    ``dY[n, i, j, c]`` to the maximal entry of its window; on ties, to the first maximal entry
    in row-major order (``np.argmax``'s choice). Overlapping windows add up.
    """

    def _forward(self, X):
        """Return the maximum of every ``K x K`` window, channel by channel."""
        windows = _windows2d(X, self.K, self.stride)             # (N, H_out, W_out, C, K, K)
        N, H_out, W_out, C = windows.shape[:4]
        flat = windows.reshape(N, H_out, W_out, C, self.K * self.K)   # copies: windows is a view
        first_max = flat.argmax(axis=-1)                               # ties: the first one
        self._cache = (X.shape, first_max)
        return np.take_along_axis(flat, first_max[..., None], axis=-1)[..., 0]

    def _backward(self, dY, input_grad):
        """Return ``dL/dX``: ``dY`` routed to the (first) maximum of each window, zeros elsewhere."""
        if not input_grad:
            return None
        X_shape, first_max = self._cache
        one_hot = first_max[..., None] == np.arange(self.K * self.K)   # (N, H_out, W_out, C, K*K)
        weights = one_hot.reshape(*first_max.shape, self.K, self.K)
        return self._scatter(X_shape, dY, weights, dY.dtype)


class AvgPool2D(_Pool2D):
    """Average pooling on ``(N, H, W, C)``: ``Y[n, i, j, c] = (1/K^2) sum_{p,q} X[n, S*i+p, S*j+q, c]``.

    Output shape as for :class:`MaxPool2D`. ``backward(dY)`` gives every entry of a window
    ``dY / K^2``; overlapping windows add up.
    """

    def _forward(self, X):
        """Return the mean of every ``K x K`` window, channel by channel."""
        self._cache = (X.shape,)
        return _windows2d(X, self.K, self.stride).mean(axis=(-2, -1))

    def _backward(self, dY, input_grad):
        """Return ``dL/dX``: ``dY / K**2`` spread over each window."""
        if not input_grad:
            return None
        X_shape, = self._cache
        weights = np.full((self.K, self.K), 1.0 / (self.K * self.K), dtype=dY.dtype)
        return self._scatter(X_shape, dY, weights, dY.dtype)
