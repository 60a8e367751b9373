"""Small data sets that work offline.

Every function returns ``(X, y)`` with ``X`` a float64 array of shape ``(N, n_in)``
(one example per row) and ``y`` either integer class labels of shape ``(N,)`` or, for
regression, targets of shape ``(N, 1)``. Random data sets draw from ``rng`` (a
``numpy.random.Generator``; a fresh ``np.random.default_rng()`` when ``None``), so
``rng=np.random.default_rng(0)`` makes them reproducible.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int


def _rng(rng):
    return np.random.default_rng() if rng is None else rng


def _check_noise(noise, where):
    if not np.isscalar(noise) or not noise >= 0:
        raise ValueError(f"{where} expected noise >= 0, got {noise!r}")


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of XOR: ``(0,0), (0,1), (1,0), (1,1)`` with labels ``0, 1, 1, 0``.

    In the order of the notes on training neural networks (Zaupa; see the References page).

    ``X`` has shape ``(4, 2)``, ``y`` shape ``(4,)``.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y


def housing(n: int = 50, rng: np.random.Generator | None = None, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """House size -> price, the regression example of the notes on neural networks and
    vectorization (with invented numbers; see the References page).

    Sizes ``x`` are uniform in [0.5, 3.5] (thousands of square feet); prices (hundreds
    of thousands of dollars) follow a line with a floor at zero, ``max(0, 1.5 (x - 1))``,
    the "kink" a single ReLU neuron can fit, plus Gaussian noise of std ``noise``
    (clipped so that no price is negative). Returns ``X (n, 1)`` and ``y (n, 1)``.
    """
    check_positive_int(n, "housing", "n")
    _check_noise(noise, "housing")
    rng = _rng(rng)
    size = rng.uniform(0.5, 3.5, size=(n, 1))
    price = np.maximum(0.0, 1.5 * (size - 1.0)) + noise * rng.standard_normal((n, 1))
    return size, np.maximum(price, 0.0)


def moons(n: int = 200, noise: float = 0.1, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles ("two moons"), a classic non-linearly separable set.

    Class 0 lies on the upper half circle of radius 1 around (0, 0), class 1 on the lower
    half circle around (1, 0.5); ``n // 2`` and ``n - n // 2`` points at evenly spaced
    angles, plus Gaussian noise of std ``noise``, in random order.
    Returns ``X (n, 2)``, ``y (n,)``.
    """
    check_positive_int(n, "moons", "n")
    _check_noise(noise, "moons")
    rng = _rng(rng)
    n0 = n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    y = np.concatenate([np.zeros(n0, dtype=int), np.ones(n - n0, dtype=int)])
    X += noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n: int = 300, classes: int = 3, rng: np.random.Generator | None = None,
            noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the classic toy set of CS231n).

    Points of arm ``k`` have radius ``r`` evenly spaced in [0, 1] and angle
    ``4k + 4r`` (radians) plus Gaussian noise of std ``noise`` on the angle; the ``n``
    points are split as evenly as possible over the arms and returned in random order.
    Returns ``X (n, 2)``, ``y (n,)``.
    """
    check_positive_int(n, "spirals", "n")
    check_positive_int(classes, "spirals", "classes")
    _check_noise(noise, "spirals")
    rng = _rng(rng)
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    r = np.concatenate([np.linspace(0, 1, c) for c in counts])
    y = np.repeat(np.arange(classes), counts)
    angle = 4.0 * (y + r) + noise * rng.standard_normal(n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    order = rng.permutation(n)
    return X[order], y[order]


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 handwritten digits (8 x 8 pixels) bundled with scikit-learn (no download).

    ``X (1797, 64)``: pixel intensities scaled from 0..16 to [0, 1] (divided by 16), one
    image per row in row-major order; ``y (1797,)``: the digit, 0..9.
    """
    from sklearn.datasets import load_digits  # imported here: only this function needs it

    bunch = load_digits()
    return bunch.data / 16.0, bunch.target.astype(int)
