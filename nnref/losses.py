"""Loss functions and their gradients.

Every loss ``L`` compares a batch of predictions ``y_hat`` (one row per example) with
the targets ``y`` and has

* ``forward(y_hat, y) -> float``: the **mean over the N examples** of the per-example loss
  (summed over the outputs of one example);
* ``backward(y_hat, y) -> dL/dy_hat``: same shape and dtype as ``y_hat``; it **includes
  the 1/N** of the mean.

Shapes are checked strictly: ``y_hat`` and ``y`` must have the same shape (an ``(N,)``
target against an ``(N, 1)`` prediction would otherwise broadcast to ``(N, N)`` and give a
silently wrong loss). The exceptions are :class:`CrossEntropy` and
:class:`SoftmaxCrossEntropy`, which also take integer class labels of shape ``(N,)``.

Each loss declares whether accuracy means anything for it (``has_accuracy``: the
classification losses) and, if so, how to count the correct predictions
(``correct_count``); :func:`nnref.training.fit` reports accuracy only for those.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_same_shape, check_shape, lookup


class Loss:
    """Base class: validation of the inputs, ``__call__ = forward``, whether accuracy applies.

    A subclass overrides :meth:`forward` and :meth:`backward` (and :meth:`forward_backward`
    if the two share work); a classification loss sets ``has_accuracy = True`` and overrides
    :meth:`correct_count`.
    """

    #: Whether accuracy means anything for this loss (True for the classification losses).
    has_accuracy = False

    def __call__(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        return self.forward(y_hat, y)

    def forward(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        """Return the loss, the mean over the examples of the batch."""
        raise NotImplementedError

    def backward(self, y_hat: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return ``dL/dy_hat`` (shape and dtype of ``y_hat``), including the ``1/N`` of the mean."""
        raise NotImplementedError

    def correct_count(self, y_hat: np.ndarray, y: np.ndarray) -> int:
        """Return how many rows of ``y_hat`` predict the class of ``y`` (classification losses only)."""
        raise TypeError(f"{self!r} is not a classification loss: accuracy has no meaning for it")

    def forward_backward(self, y_hat: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
        """Return ``(forward(y_hat, y), backward(y_hat, y))``: the loss and its gradient.

        What a training step needs; losses that share work between the two override it.
        """
        return self.forward(y_hat, y), self.backward(y_hat, y)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _inputs(self, y_hat, y, method):
        """Return ``y_hat, y`` as float arrays of the same shape (``y`` in ``y_hat``'s dtype)."""
        where = f"{self!r}.{method}"
        y_hat = as_float_array(y_hat, where, "y_hat")
        if y_hat.ndim == 0:
            raise ValueError(f"{where} expected y_hat with a batch axis, got a scalar")
        y = as_float_array(y, where, "y", dtype=y_hat.dtype)
        check_same_shape(y_hat, y, where, "y_hat", "y")
        return y_hat, y


class SquaredError(Loss):
    """Squared error: ``L = (c/N) sum_n sum_k (y_hat[n,k] - y[n,k])**2``.

    ``c = 1`` by default; ``half=True`` sets ``c = 1/2`` (the Solutions 16 sheet and the MLP lecture), which makes
    the gradient simply ``(y_hat - y)/N``. Gradient: ``dL/dy_hat = 2c (y_hat - y) / N``.
    """

    def __init__(self, half: bool = False):
        self.half = bool(half)
        self._c = 0.5 if self.half else 1.0

    def __repr__(self):
        return f"SquaredError(half={self.half})"

    def forward(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        """Return the mean over examples of the summed squared differences."""
        y_hat, y = self._inputs(y_hat, y, "forward")
        d = y_hat - y
        return float(self._c * np.sum(d * d) / len(y_hat))

    def backward(self, y_hat: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return ``2c (y_hat - y) / N``."""
        y_hat, y = self._inputs(y_hat, y, "backward")
        return (2 * self._c / len(y_hat)) * (y_hat - y)


class AbsoluteError(Loss):
    """Absolute error: ``L = (1/N) sum_n sum_k |y_hat[n,k] - y[n,k]|``.

    Gradient ``sign(y_hat - y) / N``; at ``y_hat == y`` the kink has no derivative and
    we use 0 (NumPy's ``sign(0)``).
    """

    def forward(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        """Return the mean over examples of the summed absolute differences."""
        y_hat, y = self._inputs(y_hat, y, "forward")
        return float(np.sum(np.abs(y_hat - y)) / len(y_hat))

    def backward(self, y_hat: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return ``sign(y_hat - y) / N``."""
        y_hat, y = self._inputs(y_hat, y, "backward")
        return np.sign(y_hat - y) / len(y_hat)


def _clip_probabilities(p, where):
    """Check ``p`` is in [0, 1] and clip it to ``[eps, 1 - eps]`` (``eps`` of its dtype).

    A sigmoid or softmax of a large ``|z|`` rounds to exactly 0 or 1, where ``log`` is
    ``-inf``; clipping keeps the loss finite (at most ``-log(eps)``, about 36 in float64).
    """
    if p.min(initial=0.0) < 0 or p.max(initial=1.0) > 1:
        raise ValueError(f"{where} expected probabilities in [0, 1] for y_hat, got values in "
                         f"[{p.min():.4g}, {p.max():.4g}] (are these logits? use SoftmaxCrossEntropy "
                         "or apply a sigmoid first)")
    eps = np.finfo(p.dtype).eps
    return np.clip(p, eps, 1 - eps)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on probabilities ``p = y_hat`` in [0, 1] and targets ``y`` in {0, 1}:

    ``L = -(1/N) sum_n sum_k [y log p + (1 - y) log(1 - p)]``,
    ``dL/dp = (p - y) / (p (1 - p)) / N``.

    ``p`` is clipped to ``[eps, 1 - eps]`` first (see ``_clip_probabilities``), so the
    loss stays finite when a sigmoid saturates. For accuracy, an output counts as class 1
    when it is above 0.5.
    """

    has_accuracy = True

    def correct_count(self, y_hat: np.ndarray, y: np.ndarray) -> int:
        """Return how many rows have every output on the right side of 0.5."""
        return int(np.sum(np.all((y_hat > 0.5) == (y > 0.5), axis=1)))

    def forward(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        """Return the mean binary cross-entropy."""
        y_hat, y = self._inputs(y_hat, y, "forward")
        p = _clip_probabilities(y_hat, f"{self!r}.forward")
        return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)) / len(p))

    def backward(self, y_hat: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return ``(p - y) / (p (1 - p) N)`` with ``p`` clipped."""
        y_hat, y = self._inputs(y_hat, y, "backward")
        p = _clip_probabilities(y_hat, f"{self!r}.backward")
        return (p - y) / (p * (1 - p) * len(p))


class MulticlassLoss(Loss):
    """Base class of the multi-class losses: the predicted class of a row is the argmax of its outputs."""

    has_accuracy = True

    def correct_count(self, y_hat: np.ndarray, y: np.ndarray) -> int:
        """Return how many rows of ``y_hat`` have their argmax at the class of ``y``.

        ``y`` holds integer labels ``(N,)`` or one-hot rows ``(N, K)`` (argmax of logits or
        probabilities alike).
        """
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        return int((y_hat.argmax(axis=1) == labels).sum())


def _class_targets(z, y, where):
    """Validate class targets for ``z`` of shape ``(N, K)``.

    ``y`` is either integer labels of shape ``(N,)`` with values in ``0..K-1`` (returned
    as an int array) or a one-hot / probability matrix of shape ``(N, K)`` (returned in
    ``z``'s dtype).
    """
    check_shape(z, ("N", "K"), where, "y_hat")
    y = np.asarray(y)
    if y.ndim == 1:
        if y.dtype.kind not in "iu":  # signed or unsigned integers
            raise ValueError(f"{where} expected integer class labels of shape (N,) or one-hot "
                             f"targets of shape (N, K); got shape {y.shape} with dtype {y.dtype} "
                             "(convert labels with y.astype(int))")
        check_shape(y, (z.shape[0],), where, "labels y")
        if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
            raise ValueError(f"{where} expected labels in 0..{z.shape[1] - 1}, got values in "
                             f"{y.min()}..{y.max()}")
        return y
    y = as_float_array(y, where, "y", dtype=z.dtype)
    check_same_shape(z, y, where, "y_hat", "y")
    return y


class CrossEntropy(MulticlassLoss):
    """Cross-entropy (negative log-likelihood) on class probabilities ``p = y_hat`` of shape ``(N, K)``:

    ``L = -(1/N) sum_n sum_k y[n,k] log p[n,k]``, i.e. ``-(1/N) sum_n log p[n, y_n]`` for
    integer labels. ``dL/dp = -y / (p N)`` (zero except at the true class for one-hot ``y``).
    ``p`` is clipped as in :class:`BinaryCrossEntropy`.
    """

    def forward(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        """Return the mean negative log-probability of the true classes."""
        where = f"{self!r}.forward"
        p = as_float_array(y_hat, where, "y_hat")
        y = _class_targets(p, y, where)
        p = _clip_probabilities(p, where)
        if y.ndim == 1:
            return float(-np.sum(np.log(p[np.arange(len(p)), y])) / len(p))
        return float(-np.sum(y * np.log(p)) / len(p))

    def backward(self, y_hat: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return ``-y / (p N)`` (shape ``(N, K)``)."""
        where = f"{self!r}.backward"
        p = as_float_array(y_hat, where, "y_hat")
        y = _class_targets(p, y, where)
        p = _clip_probabilities(p, where)
        if y.ndim == 1:
            rows = np.arange(len(p))
            grad = np.zeros_like(p)
            grad[rows, y] = -1 / (p[rows, y] * len(p))
            return grad
        return -y / (p * len(p))


class SoftmaxCrossEntropy(MulticlassLoss):
    """Softmax followed by cross-entropy, fused, on logits ``z = y_hat`` of shape ``(N, K)``.

    ``L = (1/N) sum_n [logsumexp(z[n]) - z[n, y_n]]`` and ``dL/dz = (softmax(z) - onehot(y)) / N``.

    Stable for any finite ``z``: with ``s = z - max(z)`` per row every ``exp(s)`` is in
    (0, 1], and ``-log softmax(z)[n, k] = log(sum_j exp(s[n, j])) - s[n, k]``. Integer
    labels are used directly by indexing (no one-hot matrix is built); one-hot targets of
    shape ``(N, K)`` are accepted too. :meth:`forward_backward` shares the exponentials.
    """

    def _exponentials(self, y_hat, y, method):
        """Validate; return ``s = z - max(z)``, ``exp(s)``, its row sums ``(N, 1)`` and the targets."""
        where = f"{self!r}.{method}"
        z = as_float_array(y_hat, where, "y_hat")
        y = _class_targets(z, y, where)
        # Row maxima and row sums of an (N, K) matrix with short rows: np.fmax.reduce and a
        # product with a column of ones are several times faster than z.max(axis=1) and
        # e.sum(axis=1) (measured 6 and 3 us against 28 and 6 us for 128 x 10 float32).
        # z holds no NaN (checked above), and there fmax is max.
        s = z - np.fmax.reduce(z, axis=1, keepdims=True)
        e = np.exp(s)
        return s, e, e @ np.ones((e.shape[1], 1), e.dtype), y

    @staticmethod
    def _mean_nll(s, total, y):
        """``(1/N) sum_n -log softmax(z)[n, y_n]``, or ``-(1/N) sum y log softmax(z)`` for one-hot ``y``."""
        if y.ndim == 1:
            return float((np.log(total[:, 0]) - s[np.arange(len(s)), y]).sum() / len(s))
        return float(np.sum(y * (np.log(total) - s)) / len(s))

    @staticmethod
    def _gradient(e, total, y):
        """``(softmax(z) - onehot(y)) / N`` with ``softmax(z) = e / total``."""
        n = len(e)
        grad = e / (total * n)
        if y.ndim == 1:
            grad[np.arange(n), y] -= 1 / n
        else:
            grad -= y / n
        return grad

    def forward(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        """Return the mean cross-entropy of ``softmax(y_hat)`` against ``y``."""
        s, _, total, y = self._exponentials(y_hat, y, "forward")
        return self._mean_nll(s, total, y)

    def backward(self, y_hat: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return ``(softmax(y_hat) - onehot(y)) / N``."""
        _, e, total, y = self._exponentials(y_hat, y, "backward")
        return self._gradient(e, total, y)

    def forward_backward(self, y_hat: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
        """Return ``(forward(y_hat, y), backward(y_hat, y))``, computing the exponentials once."""
        s, e, total, y = self._exponentials(y_hat, y, "forward_backward")
        return self._mean_nll(s, total, y), self._gradient(e, total, y)


_BY_NAME = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "binary_cross_entropy": BinaryCrossEntropy,
    "cross_entropy": CrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
}


def get(name: str | Loss) -> Loss:
    """Return a new loss for ``name``, or ``name`` itself if it already is a :class:`Loss`.

    Valid names: ``"squared_error", "absolute_error", "binary_cross_entropy",
    "cross_entropy", "softmax_cross_entropy"``.
    """
    if isinstance(name, Loss):
        return name
    return lookup(name, _BY_NAME, "loss")()
