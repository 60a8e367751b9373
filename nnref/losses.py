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

from ._checks import as_float_array, check_same_shape, check_shape, format_shape, lookup


class Loss:
    """Base class: the checks of the inputs, ``__call__ = forward``, whether accuracy applies.

    The public methods check their input, then call the unchecked twin, as activations do:
    ``forward`` = :meth:`check` + :meth:`forward_unchecked`, ``backward`` = :meth:`check` +
    :meth:`backward_unchecked`, ``forward_backward`` = :meth:`check` +
    :meth:`forward_backward_unchecked`. A subclass overrides the two unchecked methods (and
    ``forward_backward_unchecked`` if they share work), and :meth:`check_targets` if its
    targets are not simply an array of ``y_hat``'s shape; a classification loss sets
    ``has_accuracy = True`` and overrides :meth:`correct_count`.

    The unchecked methods are the fast path of :func:`nnref.training.fit`, which checks all
    the targets once (:meth:`check_targets`) instead of every minibatch's: they take ``y_hat``
    as a float array and ``y`` as :meth:`check_targets` returns it, and on other input give
    NumPy's errors or wrong results.
    """

    #: Whether accuracy means anything for this loss (True for the classification losses).
    has_accuracy = False

    def __call__(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        return self.forward(y_hat, y)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def forward(self, y_hat: ArrayLike, y: ArrayLike) -> float:
        """Return the loss, the mean over the examples of the batch."""
        return self.forward_unchecked(*self.check(y_hat, y, "forward"))

    def backward(self, y_hat: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return ``dL/dy_hat`` (shape and dtype of ``y_hat``), including the ``1/N`` of the mean."""
        return self.backward_unchecked(*self.check(y_hat, y, "backward"))

    def forward_backward(self, y_hat: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
        """Return ``(forward(y_hat, y), backward(y_hat, y))``: the loss and its gradient, what a training step needs."""
        return self.forward_backward_unchecked(*self.check(y_hat, y, "forward_backward"))

    def correct_count(self, y_hat: np.ndarray, y: np.ndarray) -> int:
        """Return how many rows of ``y_hat`` predict the class of ``y`` (classification losses only)."""
        raise TypeError(f"{self!r} is not a classification loss: accuracy has no meaning for it")

    def check(self, y_hat: ArrayLike, y: ArrayLike, method: str = "forward") -> tuple[np.ndarray, np.ndarray]:
        """Return ``y_hat`` as a float array without NaN, with a batch axis, and ``y`` checked by :meth:`check_targets`.

        ``method`` names the caller in the error messages.
        """
        where = f"{self!r}.{method}"
        y_hat = as_float_array(y_hat, where, "y_hat")
        if y_hat.ndim == 0:
            raise ValueError(f"{where} expected y_hat with a batch axis, got a scalar")
        return y_hat, self.check_targets(y, y_hat.shape, y_hat.dtype, where)

    def check_targets(self, y: ArrayLike, shape: tuple[int, ...], dtype: np.dtype, where: str) -> np.ndarray:
        """Return the targets ``y`` for outputs of ``shape`` and ``dtype``, checked and converted.

        Default: a float array of exactly ``shape`` (no broadcasting), in ``dtype``, without
        NaN. ``where`` names the caller in the error messages.
        """
        y = as_float_array(y, where, "y", dtype=dtype)
        check_same_shape(shape, y.shape, where, "y_hat", "y")
        return y

    def forward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        """:meth:`forward` without the checks."""
        raise NotImplementedError

    def backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`backward` without the checks."""
        raise NotImplementedError

    def forward_backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`forward_backward` without the checks; losses that share work between the two override it."""
        return self.forward_unchecked(y_hat, y), self.backward_unchecked(y_hat, y)


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

    def forward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        """The mean over examples of the summed squared differences."""
        d = y_hat - y
        return float(self._c * np.sum(d * d) / len(y_hat))

    def backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``2c (y_hat - y) / N``."""
        return (2 * self._c / len(y_hat)) * (y_hat - y)


class AbsoluteError(Loss):
    """Absolute error: ``L = (1/N) sum_n sum_k |y_hat[n,k] - y[n,k]|``.

    Gradient ``sign(y_hat - y) / N``; at ``y_hat == y`` the kink has no derivative and
    we use 0 (NumPy's ``sign(0)``).
    """

    def forward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        """The mean over examples of the summed absolute differences."""
        return float(np.sum(np.abs(y_hat - y)) / len(y_hat))

    def backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``sign(y_hat - y) / N``."""
        return np.sign(y_hat - y) / len(y_hat)


def _clip_probabilities(p, where):
    """Check ``p`` is in [0, 1] and clip it to ``[eps, 1 - eps]`` (``eps`` of its dtype).

    A sigmoid or softmax of a large ``|z|`` rounds to exactly 0 or 1, where ``log`` is
    ``-inf``; clipping keeps the loss finite (at most ``-log(eps)``, about 36 in float64).
    The range is checked here, in the math, rather than in ``check``: it depends on the
    outputs, so the unchecked path needs it too (logits clipped silently would train wrong).
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

    def forward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        """The mean binary cross-entropy."""
        p = _clip_probabilities(y_hat, f"{self!r}.forward")
        return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)) / len(p))

    def backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``(p - y) / (p (1 - p) N)`` with ``p`` clipped."""
        p = _clip_probabilities(y_hat, f"{self!r}.backward")
        return (p - y) / (p * (1 - p) * len(p))


class MulticlassLoss(Loss):
    """Base class of the multi-class losses on outputs ``(N, K)``: integer labels or one-hot targets.

    The predicted class of a row is the argmax of its outputs.
    """

    has_accuracy = True

    def correct_count(self, y_hat: np.ndarray, y: np.ndarray) -> int:
        """Return how many rows of ``y_hat`` have their argmax at the class of ``y``.

        ``y`` holds integer labels ``(N,)`` or one-hot rows ``(N, K)`` (argmax of logits or
        probabilities alike).
        """
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        return int((y_hat.argmax(axis=1) == labels).sum())

    def check_targets(self, y: ArrayLike, shape: tuple[int, ...], dtype: np.dtype, where: str) -> np.ndarray:
        """Return class targets for outputs of ``shape`` ``(N, K)``.

        ``y`` is either integer labels of shape ``(N,)`` with values in ``0..K-1`` (returned
        as an int array) or a one-hot / probability matrix of shape ``(N, K)`` (returned in
        ``dtype``).
        """
        if len(shape) != 2:
            raise ValueError(f"{where} expected y_hat of shape (N, K), got {format_shape(shape)}")
        y = np.asarray(y)
        if y.ndim != 1:
            return super().check_targets(y, shape, dtype, where)
        if y.dtype.kind not in "iu":  # signed or unsigned integers
            raise ValueError(f"{where} expected integer class labels of shape (N,) or one-hot "
                             f"targets of shape (N, K); got shape {y.shape} with dtype {y.dtype} "
                             "(convert labels with y.astype(int))")
        check_shape(y, (shape[0],), where, "labels y")
        if y.size and (y.min() < 0 or y.max() >= shape[1]):
            raise ValueError(f"{where} expected labels in 0..{shape[1] - 1}, got values in "
                             f"{y.min()}..{y.max()}")
        return y


class CrossEntropy(MulticlassLoss):
    """Cross-entropy (negative log-likelihood) on class probabilities ``p = y_hat`` of shape ``(N, K)``:

    ``L = -(1/N) sum_n sum_k y[n,k] log p[n,k]``, i.e. ``-(1/N) sum_n log p[n, y_n]`` for
    integer labels. ``dL/dp = -y / (p N)`` (zero except at the true class for one-hot ``y``).
    ``p`` is clipped as in :class:`BinaryCrossEntropy`.
    """

    def forward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        """The mean negative log-probability of the true classes."""
        p = _clip_probabilities(y_hat, f"{self!r}.forward")
        if y.ndim == 1:
            return float(-np.sum(np.log(p[np.arange(len(p)), y])) / len(p))
        return float(-np.sum(y * np.log(p)) / len(p))

    def backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``-y / (p N)`` (shape ``(N, K)``)."""
        p = _clip_probabilities(y_hat, f"{self!r}.backward")
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
    shape ``(N, K)`` are accepted too. :meth:`Loss.forward_backward` shares the exponentials.
    """

    @staticmethod
    def _exponentials(z):
        """Return ``s = z - max(z)`` per row, ``exp(s)`` and its row sums ``(N, 1)``."""
        # np.fmax.reduce is several times faster than z.max(axis=1) on short rows (measured 6
        # against 28 us for 128 x 10 float32). fmax skips NaN where max would return it, but a
        # NaN in z still makes s, and so the loss, NaN.
        s = z - np.fmax.reduce(z, axis=1, keepdims=True)
        e = np.exp(s)
        return s, e, e.sum(axis=1, keepdims=True)

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

    def forward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        """The mean cross-entropy of ``softmax(y_hat)`` against ``y``."""
        s, _, total = self._exponentials(y_hat)
        return self._mean_nll(s, total, y)

    def backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``(softmax(y_hat) - onehot(y)) / N``."""
        _, e, total = self._exponentials(y_hat)
        return self._gradient(e, total, y)

    def forward_backward_unchecked(self, y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and its gradient, computing the exponentials once."""
        s, e, total = self._exponentials(y_hat)
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
