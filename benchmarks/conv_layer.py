"""The conv-layer row of the benchmarks: one ``Conv2D`` forward + backward on a small batch.

Contenders (same shapes, same numbers; ``tests/nnref/test_nnref_conv2d.py`` checks that they
agree):

* ``nnref_step``: ``nnref.conv.Conv2D.forward`` then ``backward`` (parameter and input gradients);
* ``handwritten_step``: the same layer written directly with NumPy's ``sliding_window_view``
  and ``tensordot``, without nnref's checks, caches or im2col copy kept for backward.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnref import conv

# Headline shape of the row: 32 images of 16x16 with 8 channels -> 16 channels, 3x3 kernel, padding 1.
SHAPE = dict(N=32, H=16, W=16, C_in=8, C_out=16, K=3, padding=1)


def new_layers(C_in, C_out, K, padding, dtype=np.float64, seed=0):
    """An nnref ``Conv2D`` and a dict with the same ``W``, ``b`` for the hand-written version."""
    layer = conv.Conv2D(C_in, C_out, K, padding=padding, rng=np.random.default_rng(seed), dtype=dtype)
    layer.params["b"][...] = np.linspace(-1, 1, C_out)
    hand = {"W": layer.params["W"].copy(), "b": layer.params["b"].copy(), "padding": padding}
    return layer, hand


def make_batch(N, H, W, C_in, C_out, K, padding, dtype=np.float64, seed=1):
    """A batch ``X`` and an upstream gradient ``dY`` of the output's shape (stride 1)."""
    rng = np.random.default_rng(seed)
    H_out, W_out = H + 2 * padding - K + 1, W + 2 * padding - K + 1
    return (rng.normal(size=(N, H, W, C_in)).astype(dtype),
            rng.normal(size=(N, H_out, W_out, C_out)).astype(dtype))


def nnref_step(layer, X, dY):
    """Forward and backward through nnref's layer; returns ``dX`` (``layer.grads`` holds dW, db)."""
    layer.forward(X)
    return layer.backward(dY)


def handwritten_step(hand, X, dY):
    """Forward and backward of a stride-1 convolution in plain NumPy; returns ``(dX, dW, db)``."""
    W, b, P = hand["W"], hand["b"], hand["padding"]
    K = W.shape[0]
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    windows = sliding_window_view(Xp, (K, K), axis=(1, 2))        # (N, H_out, W_out, C_in, K, K)
    Y = np.tensordot(windows, W, axes=([3, 4, 5], [2, 0, 1])) + b  # (N, H_out, W_out, C_out)
    dW = np.tensordot(windows, dY, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3)
    db = dY.sum(axis=(0, 1, 2))
    dXp = np.zeros_like(Xp)
    H_out, W_out = Y.shape[1:3]
    for p in range(K):
        for q in range(K):
            dXp[:, p:p + H_out, q:q + W_out, :] += dY @ W[p, q].T
    return dXp[:, P:Xp.shape[1] - P, P:Xp.shape[2] - P, :], dW, db
