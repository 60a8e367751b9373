"""nnref.initializers: shapes, statistics, reproducibility, no global random state."""

import numpy as np
import pytest

from nnref import initializers

SHAPE = (400, 600)  # 240 000 draws: sample moments within about 1 % of the truth
STATS = {  # name -> (expected standard deviation, bound of a uniform distribution or None)
    "normal": (0.1, None),
    "xavier_uniform": (np.sqrt(2 / 1000), np.sqrt(6 / 1000)),
    "xavier_normal": (np.sqrt(2 / 1000), None),
    "he_normal": (np.sqrt(2 / 400), None),
    "he_uniform": (np.sqrt(2 / 400), np.sqrt(6 / 400)),
}


@pytest.mark.parametrize("name", sorted(STATS))
def test_statistics(name, rng):
    std, bound = STATS[name]
    W = initializers.get(name)(SHAPE, rng=rng)
    assert W.shape == SHAPE and W.dtype == np.float64
    assert abs(W.mean()) < 5 * std / np.sqrt(W.size)
    assert W.std() == pytest.approx(std, rel=0.01)
    if bound is not None:
        assert np.abs(W).max() <= bound
        assert np.abs(W).max() > 0.999 * bound


def test_normal_with_explicit_std(rng):
    assert initializers.normal((300, 300), std=2.0, rng=rng).std() == pytest.approx(2.0, rel=0.01)


def test_zeros_and_constant():
    np.testing.assert_array_equal(initializers.zeros((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.constant((2, 3), 0.5), np.full((2, 3), 0.5))
    assert initializers.zeros(4).shape == (4,)


@pytest.mark.parametrize("name", sorted(STATS))
def test_same_seed_same_weights_and_global_state_untouched(name):
    init = initializers.get(name)
    before = np.random.get_state()[1].copy()
    a = init((3, 4), rng=np.random.default_rng(7))
    b = init((3, 4), rng=np.random.default_rng(7))
    c, d = init((3, 4)), init((3, 4))  # rng=None: fresh, unseeded generators
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(c, d)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_get_passes_callables_through():
    assert initializers.get("he_normal") is initializers.he_normal
    assert initializers.get(initializers.zeros) is initializers.zeros
