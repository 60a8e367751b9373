"""Numerical stability at |z| = 1000: no overflow warnings, no NaN, the right limits."""

import warnings

import numpy as np
import pytest

from nnref import activations, layers, losses

BIG = np.array([[-1000.0, 0.0, 1000.0]])


@pytest.fixture(autouse=True)
def strict_floating_point():
    """Any overflow, invalid operation or division by zero, and any warning, fails the test.

    Underflow is allowed: ``exp(-1000)`` rounding to 0 is the correctly rounded result.
    """
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_and_tanh(dtype):
    z = BIG.astype(dtype)
    np.testing.assert_array_equal(activations.Sigmoid().forward(z), [[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(activations.Sigmoid().derivative(z), [[0.0, 0.25, 0.0]])
    np.testing.assert_array_equal(activations.Tanh().forward(z), [[-1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(activations.Tanh().derivative(z), [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    sm = activations.Softmax()
    a = sm.forward(z)
    np.testing.assert_allclose(a, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    assert np.all(np.isfinite(sm.jacobian(z)))
    assert np.all(np.isfinite(sm.backward(z, np.ones_like(z))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_cross_entropy_on_huge_logits(dtype):
    z = np.array([[1000.0, -1000.0], [1000.0, -1000.0]], dtype=dtype)
    y = np.array([0, 1])  # first example right, second wrong by a margin of 2000
    loss = losses.SoftmaxCrossEntropy()
    assert loss.forward(z, y) == pytest.approx((0.0 + 2000.0) / 2)
    np.testing.assert_allclose(loss.backward(z, y), [[0, 0], [0.5, -0.5]], atol=1e-7)


def test_cross_entropy_losses_on_saturated_probabilities():
    p = activations.Sigmoid().forward(np.array([[1000.0], [-1000.0], [1000.0]]))  # exactly 1, 0, 1
    y = np.array([[0.0], [1.0], [1.0]])
    bce = losses.BinaryCrossEntropy()
    value = bce.forward(p, y)
    assert np.isfinite(value) and value == pytest.approx(2 * -np.log(np.finfo(float).eps) / 3, rel=1e-6)
    assert np.all(np.isfinite(bce.backward(p, y)))
    P = activations.Softmax().forward(np.array([[1000.0, -1000.0, 0.0]]))  # [1, 0, 0]
    ce = losses.CrossEntropy()
    assert np.isfinite(ce.forward(P, np.array([1]))) and ce.forward(P, np.array([0])) == pytest.approx(0, abs=1e-12)
    assert np.all(np.isfinite(ce.backward(P, np.array([1]))))


def test_a_network_with_huge_pre_activations_still_trains_without_nan():
    model = layers.MLP([2, 3, 2], activation="sigmoid", rng=np.random.default_rng(0))
    model[0].params["W"] *= 1e4
    X, y = np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([0, 1])
    out = model.forward(X)
    model.backward(losses.SoftmaxCrossEntropy().backward(out, y))
    assert all(np.all(np.isfinite(g)) for g in model.grads.values())
