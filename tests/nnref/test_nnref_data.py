"""nnref.data: shapes, dtypes, the XOR order of the notes on training neural networks,
reproducibility, no global random state."""

import numpy as np
import pytest

from nnref import data


def test_xor_is_seed_000s_four_points_in_order():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)


@pytest.mark.parametrize("make, n_in, classes", [
    (lambda rng: data.moons(101, 0.1, rng), 2, 2),
    (lambda rng: data.spirals(100, 3, rng), 2, 3),
    (lambda rng: data.spirals(50, 5, rng), 2, 5),
])
def test_synthetic_classification_sets(make, n_in, classes):
    X, y = make(np.random.default_rng(0))
    assert X.shape == (len(y), n_in) and X.dtype == np.float64
    assert y.ndim == 1 and np.issubdtype(y.dtype, np.integer)
    counts = np.bincount(y)
    assert len(counts) == classes and counts.max() - counts.min() <= 1  # balanced
    X2, y2 = make(np.random.default_rng(0))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(np.random.default_rng(1))
    assert not np.array_equal(X, X3)


def test_moons_without_noise_lie_on_their_circles():
    X, y = data.moons(50, noise=0.0, rng=np.random.default_rng(0))
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)


def test_housing_is_a_regression_set_with_a_kink():
    X, y = data.housing(200, rng=np.random.default_rng(0), noise=0.0)
    assert X.shape == (200, 1) and y.shape == (200, 1)
    np.testing.assert_allclose(y, np.maximum(0, 1.5 * (X - 1.0)))
    assert (X.min() >= 0.5) and (X.max() <= 3.5)


def test_digits_are_bundled_and_scaled_to_unit_interval():
    X, y = data.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


def test_no_global_random_state_is_used():
    before = np.random.get_state()[1].copy()
    data.moons(10)
    data.spirals(10, 2)
    data.housing(10)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
