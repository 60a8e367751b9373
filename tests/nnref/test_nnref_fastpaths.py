"""The optimized paths compute the straightforward math, and float32 stays float32.

The benchmark compares nnref with a hand-written NumPy loop (``benchmarks/mlp_epoch.py``);
here the two are shown to compute the *same* epoch, so the timing compares equal work.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from nnref import activations, layers, losses, optimizers, training

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import mlp_epoch  # noqa: E402


def test_nnref_epoch_equals_the_hand_written_numpy_epoch():
    X, y = mlp_epoch.make_data(300, 20, 4, np.float64)
    sizes = [20, 16, 12, 4]
    nn_model, hand_model = mlp_epoch.new_mlp(sizes, np.float64), mlp_epoch.new_mlp(sizes, np.float64)
    mlp_epoch.nnref_epoch(nn_model, X, y, batch_size=32)
    mlp_epoch.handwritten_epoch(hand_model, X, y, batch_size=32)
    start = mlp_epoch.new_mlp(sizes, np.float64)
    for name, p in nn_model.params.items():
        assert not np.allclose(p, start.params[name])  # both really trained
        np.testing.assert_allclose(p, hand_model.params[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_handwritten_bookkeeping_matches_fit_history():
    X, y = mlp_epoch.make_data(200, 10, 3, np.float64)
    model_a, model_b = mlp_epoch.new_mlp([10, 8, 3], np.float64), mlp_epoch.new_mlp([10, 8, 3], np.float64)
    history = training.fit(model_a, losses.SoftmaxCrossEntropy(), optimizers.SGD(mlp_epoch.LR), X, y,
                           batch_size=64, rng=np.random.default_rng(2), progress=False)
    loss, accuracy = mlp_epoch.handwritten_epoch(model_b, X, y, batch_size=64)
    assert history.train_loss[0] == pytest.approx(loss, rel=1e-10)
    assert history.train_accuracy[0] == pytest.approx(accuracy)


def test_gemm_flop_count_of_a_small_network():
    # forward 2*N*(3*4 + 4*2), dW the same, dX of the second layer 2*N*4*2
    assert mlp_epoch.epoch_flops([3, 4, 2], 10) == 2 * 10 * (2 * (12 + 8) + 8)


def test_softmax_cross_entropy_integer_path_equals_the_one_hot_formula(rng):
    z, y = rng.standard_normal((7, 5)), rng.integers(0, 5, 7)
    Y = np.eye(5)[y]
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = losses.SoftmaxCrossEntropy()
    assert loss.forward(z, y) == pytest.approx(-np.sum(Y * np.log(p)) / 7, rel=1e-13)
    np.testing.assert_allclose(loss.backward(z, y), (p - Y) / 7, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "leaky_relu", "identity", "softmax"])
def test_activation_layer_equals_the_public_activation(name, rng):
    layer = layers.Activation(name)
    X, dY = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    np.testing.assert_array_equal(layer.forward(X), layer.activation.forward(X))
    np.testing.assert_array_equal(layer.backward(dY), layer.activation.backward(X, dY))
    if name != "softmax":
        np.testing.assert_allclose(layer.backward(dY), dY * layer.activation.derivative(X), rtol=1e-15)


def _float32_fit(optimizer):
    X, y = mlp_epoch.make_data(256, 12, 3, np.float32)
    model = layers.MLP([12, 16, 3], rng=np.random.default_rng(0), dtype=np.float32)
    training.fit(model, "softmax_cross_entropy", optimizer, X, y, epochs=2, rng=np.random.default_rng(1),
                 progress=False)
    return model


@pytest.mark.parametrize("optimizer", [optimizers.SGD(0.1), optimizers.SGD(0.1, momentum=0.9, weight_decay=1e-3),
                                       optimizers.Adam(1e-3)], ids=repr)
def test_float32_stays_float32_through_training(optimizer):
    model = _float32_fit(optimizer)
    for name in model.params:
        assert model.params[name].dtype == np.float32, name
        assert model.grads[name].dtype == np.float32, name
    for state in (getattr(optimizer, a, {}) for a in ("velocity", "m", "s")):
        assert all(v.dtype == np.float32 for v in state.values())


def test_float32_forward_and_backward_never_upcast(rng):
    model = layers.MLP([5, 7, 7, 3], activation="tanh", rng=rng, dtype=np.float32)
    X64 = rng.standard_normal((4, 5))  # float64 data is converted by the first layer
    Y = model.forward(X64)
    assert Y.dtype == np.float32
    for target in (np.array([0, 2, 1, 1]), np.eye(3)[[0, 2, 1, 1]]):  # int labels, float64 one-hot
        dY = losses.SoftmaxCrossEntropy().backward(Y, target)
        assert dY.dtype == np.float32
        assert model.backward(dY).dtype == np.float32
    assert model.backward(np.ones((4, 3))).dtype == np.float32  # a float64 upstream gradient too
    assert all(g.dtype == np.float32 for g in model.grads.values())


def test_float32_results_are_close_to_float64(rng):
    m64 = layers.MLP([6, 10, 10, 4], rng=np.random.default_rng(5))
    m32 = layers.MLP([6, 10, 10, 4], rng=np.random.default_rng(5), dtype=np.float32)
    X, y = rng.standard_normal((16, 6)), rng.integers(0, 4, 16)
    loss = losses.SoftmaxCrossEntropy()
    out64, out32 = m64.forward(X), m32.forward(X.astype(np.float32))
    np.testing.assert_allclose(out32, out64, rtol=1e-5, atol=1e-5)
    assert loss.forward(out32, y) == pytest.approx(loss.forward(out64, y), rel=1e-5)
    m64.backward(loss.backward(out64, y))
    m32.backward(loss.backward(out32, y))
    for name in m64.grads:
        np.testing.assert_allclose(m32.grads[name], m64.grads[name], rtol=1e-4, atol=1e-6, err_msg=name)


def test_relu_backward_mask_equals_derivative_product(rng):
    z = rng.standard_normal((50, 8)).astype(np.float32)
    z[0, :3] = 0.0  # f'(0) = 0 on both paths
    g = rng.standard_normal((50, 8)).astype(np.float32)
    relu = activations.ReLU()
    out = relu.backward(z, g)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, g * relu.derivative(z))


@pytest.mark.parametrize("loss, make_target", [
    (losses.SoftmaxCrossEntropy(), lambda rng: rng.integers(0, 4, 6)),
    (losses.SoftmaxCrossEntropy(), lambda rng: np.eye(4)[rng.integers(0, 4, 6)]),
    (losses.SquaredError(half=True), lambda rng: rng.standard_normal((6, 4))),
], ids=["softmax-ce-labels", "softmax-ce-one-hot", "squared-error"])
def test_forward_backward_equals_forward_and_backward(loss, make_target, rng):
    z, y = rng.standard_normal((6, 4)) * 5, make_target(rng)
    value, grad = loss.forward_backward(z, y)
    assert value == pytest.approx(loss.forward(z, y), rel=1e-14)
    np.testing.assert_allclose(grad, loss.backward(z, y), rtol=1e-14)
