"""nnref.gradcheck: the checker itself must be right, or every other test is meaningless."""

import numpy as np
import pytest

from nnref import gradcheck, layers


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.standard_normal((3, 4))
    numeric = gradcheck.numerical_gradient(lambda: np.sum(x ** 3) + x[1, 2] * x[0, 0], x)
    expected = 3 * x ** 2
    expected[1, 2] += x[0, 0]
    expected[0, 0] += x[1, 2]
    np.testing.assert_allclose(numeric, expected, rtol=1e-7, atol=1e-8)


def test_numerical_gradient_restores_x_even_when_f_raises(rng):
    x = rng.standard_normal(5)
    original = x.copy()
    gradcheck.numerical_gradient(lambda: np.sum(np.sin(x)), x)
    np.testing.assert_array_equal(x, original)

    def failing():
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        gradcheck.numerical_gradient(failing, x)
    np.testing.assert_array_equal(x, original)


@pytest.mark.parametrize("bad", [np.zeros(3, dtype=np.float32), [0.0, 1.0], np.arange(3)])
def test_numerical_gradient_needs_a_float64_array(bad):
    with pytest.raises(TypeError, match="float64 NumPy array"):
        gradcheck.numerical_gradient(lambda: 0.0, bad)


def test_rel_error():
    assert gradcheck.rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert gradcheck.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.rel_error([1.0, 3.0], [1.0, 1.0]) == pytest.approx(0.5)  # |3-1| / (3+1)
    assert gradcheck.rel_error([1e-12], [0.0]) == pytest.approx(1.0)
    assert gradcheck.rel_error([1e-12], [0.0], floor=1e-8) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match=r"got a \(3,\) and b \(3, 1\)"):
        gradcheck.rel_error(np.zeros(3), np.zeros((3, 1)))


class TransposedLinear(layers.Linear):
    """A classic bug: dX computed with W instead of W^T (only runs for square W)."""

    def backward(self, dY, input_grad=True):
        super().backward(dY)
        return dY @ self.params["W"]


class UnsummedBiasLinear(layers.Linear):
    """Another classic bug: the bias gradient taken from the first example only."""

    def backward(self, dY, input_grad=True):
        dX = super().backward(dY)
        self.grads["b"] = dY[0]
        return dX


def test_check_module_passes_a_correct_layer_and_catches_wrong_ones(rng):
    X = rng.standard_normal((5, 4))
    good = gradcheck.check_module(layers.Linear(4, 4, rng=rng), X, rng=rng)
    assert set(good) == {"X", "W", "b"} and max(good.values()) < 1e-7
    transposed = gradcheck.check_module(TransposedLinear(4, 4, rng=rng), X, rng=rng)
    assert transposed["X"] > 1e-2 and transposed["W"] < 1e-7
    unsummed = gradcheck.check_module(UnsummedBiasLinear(4, 4, rng=rng), X, rng=rng)
    assert unsummed["b"] > 1e-2 and unsummed["W"] < 1e-7


def test_check_module_refuses_float32_parameters(rng):
    with pytest.raises(TypeError, match="float64"):
        gradcheck.check_module(layers.Linear(2, 2, rng=rng, dtype=np.float32), np.ones((1, 2)))
