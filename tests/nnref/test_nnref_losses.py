"""nnref.losses: closed forms, central differences, the 1/N convention, label formats."""

import numpy as np
import pytest

from nnref import activations, losses
from nnref.gradcheck import numerical_gradient


def onehot(y, K):
    return np.eye(K)[y]


def test_squared_and_absolute_error_closed_forms():
    y_hat = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.zeros((2, 2))
    assert losses.SquaredError().forward(y_hat, y) == pytest.approx((1 + 4 + 9 + 16) / 2)
    assert losses.SquaredError(half=True).forward(y_hat, y) == pytest.approx((1 + 4 + 9 + 16) / 4)
    assert losses.AbsoluteError().forward(-y_hat, y) == pytest.approx((1 + 2 + 3 + 4) / 2)
    np.testing.assert_allclose(losses.SquaredError().backward(y_hat, y), 2 * y_hat / 2)
    np.testing.assert_allclose(losses.SquaredError(half=True).backward(y_hat, y), y_hat / 2)
    np.testing.assert_allclose(losses.AbsoluteError().backward(y_hat, -y_hat), np.sign(y_hat) / 2)


def test_binary_and_categorical_cross_entropy_closed_forms():
    p = np.array([[0.8], [0.25]])
    y = np.array([[1.0], [0.0]])
    assert losses.BinaryCrossEntropy().forward(p, y) == pytest.approx(-(np.log(0.8) + np.log(0.75)) / 2)
    np.testing.assert_allclose(losses.BinaryCrossEntropy().backward(p, y), [[-1 / 0.8 / 2], [1 / 0.75 / 2]])
    P = np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])
    labels = np.array([0, 2])
    assert losses.CrossEntropy().forward(P, labels) == pytest.approx(-(np.log(0.5) + np.log(0.8)) / 2)
    np.testing.assert_allclose(losses.CrossEntropy().backward(P, labels),
                               [[-1 / 0.5 / 2, 0, 0], [0, 0, -1 / 0.8 / 2]])


def test_softmax_cross_entropy_is_cross_entropy_of_softmax(rng):
    z = rng.standard_normal((6, 4)) * 3
    y = rng.integers(0, 4, 6)
    p = activations.Softmax().forward(z)
    fused = losses.SoftmaxCrossEntropy()
    assert fused.forward(z, y) == pytest.approx(losses.CrossEntropy().forward(p, y), rel=1e-12)
    np.testing.assert_allclose(fused.backward(z, y), (p - onehot(y, 4)) / 6, rtol=1e-12, atol=1e-15)
    # the chain rule through the two separate pieces gives the same gradient
    chained = activations.Softmax().backward(z, losses.CrossEntropy().backward(p, y))
    np.testing.assert_allclose(fused.backward(z, y), chained, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("loss_cls", [losses.CrossEntropy, losses.SoftmaxCrossEntropy])
def test_integer_labels_and_one_hot_targets_agree(loss_cls, rng):
    z = rng.standard_normal((5, 3))
    y_hat = activations.Softmax().forward(z) if loss_cls is losses.CrossEntropy else z
    y = rng.integers(0, 3, 5)
    loss = loss_cls()
    assert loss.forward(y_hat, y) == pytest.approx(loss.forward(y_hat, onehot(y, 3)), rel=1e-14)
    np.testing.assert_allclose(loss.backward(y_hat, y), loss.backward(y_hat, onehot(y, 3)), rtol=1e-14)


def _cases(rng):
    """(loss, y_hat, y) for every loss, with y_hat away from kinks and clipping."""
    reg = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    probs = rng.uniform(0.05, 0.95, (5, 2)), rng.integers(0, 2, (5, 2)).astype(float)
    P = activations.Softmax().forward(rng.standard_normal((5, 4)))
    z = rng.standard_normal((5, 4)) * 2
    labels = rng.integers(0, 4, 5)
    return [
        (losses.SquaredError(), *reg),
        (losses.SquaredError(half=True), *reg),
        (losses.AbsoluteError(), *reg),
        (losses.BinaryCrossEntropy(), *probs),
        (losses.CrossEntropy(), P, labels),
        (losses.CrossEntropy(), P, onehot(labels, 4)),
        (losses.SoftmaxCrossEntropy(), z, labels),
        (losses.SoftmaxCrossEntropy(), z, onehot(labels, 4)),
    ]


@pytest.mark.parametrize("case", range(8))
def test_backward_matches_central_differences(case, rng):
    loss, y_hat, y = _cases(rng)[case]
    numeric = numerical_gradient(lambda: loss.forward(y_hat, y), y_hat)
    grad = loss.backward(y_hat, y)
    assert grad.shape == y_hat.shape
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", range(8))
def test_loss_is_a_mean_over_examples_and_its_gradient_includes_one_over_n(case, rng):
    loss, y_hat, y = _cases(rng)[case]
    twice = loss.forward(np.concatenate([y_hat, y_hat]), np.concatenate([y, y]))
    assert twice == pytest.approx(loss.forward(y_hat, y), rel=1e-12)
    grad_twice = loss.backward(np.concatenate([y_hat, y_hat]), np.concatenate([y, y]))
    np.testing.assert_allclose(grad_twice[:len(y_hat)], loss.backward(y_hat, y) / 2, rtol=1e-12)
    assert isinstance(loss.forward(y_hat, y), float)


def test_one_dimensional_predictions_and_targets_are_accepted_when_shapes_agree():
    y_hat, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])
    assert losses.SquaredError().forward(y_hat, y) == pytest.approx(5 / 3)


def test_get_returns_the_right_classes():
    expected = {"squared_error": losses.SquaredError, "absolute_error": losses.AbsoluteError,
                "binary_cross_entropy": losses.BinaryCrossEntropy, "cross_entropy": losses.CrossEntropy,
                "softmax_cross_entropy": losses.SoftmaxCrossEntropy}
    for name, cls in expected.items():
        assert type(losses.get(name)) is cls
    half = losses.SquaredError(half=True)
    assert losses.get(half) is half


def test_float32_stays_float32(rng):
    z = rng.standard_normal((4, 3)).astype(np.float32)
    y = np.array([0, 2, 1, 1])
    for loss, target in [(losses.SoftmaxCrossEntropy(), y), (losses.SoftmaxCrossEntropy(), onehot(y, 3)),
                         (losses.CrossEntropy(), y), (losses.SquaredError(), onehot(y, 3))]:
        y_hat = activations.Softmax().forward(z) if isinstance(loss, losses.CrossEntropy) else z
        assert loss.backward(y_hat, target).dtype == np.float32, loss
