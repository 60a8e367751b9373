"""Tests of nnref.conv: 1-D convolution forward, backward and its dense (tied-weight) view."""

import numpy as np
import pytest

from nnref import conv, gradcheck


def _random_case(rng, N=3, L=8, C_in=2, C_out=4, K=3):
    X = rng.normal(size=(N, L, C_in))
    W = rng.normal(size=(K, C_in, C_out))
    b = rng.normal(size=C_out)
    return X, W, b


def test_forward_matches_the_definition_written_as_loops():
    rng = np.random.default_rng(0)
    X, W, b = _random_case(rng)
    N, L, C_in = X.shape
    K, _, C_out = W.shape
    expected = np.zeros((N, L - K + 1, C_out))
    for n in range(N):
        for t in range(L - K + 1):
            for o in range(C_out):
                expected[n, t, o] = np.sum(X[n, t:t + K, :] * W[:, :, o]) + b[o]
    np.testing.assert_allclose(conv.conv1d_forward(X, W, b), expected, rtol=1e-12, atol=1e-12)


def test_single_channel_worked_example():
    # x = [1, 2, 3, 4], kernel [1, 0, -1]: y_t = x_t - x_{t+2} = [-2, -2]
    X = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1)
    W = np.array([1.0, 0.0, -1.0]).reshape(3, 1, 1)
    assert conv.conv1d_forward(X, W, np.zeros(1)).ravel().tolist() == [-2.0, -2.0]


def test_dense_view_gives_the_same_output_and_gradients():
    rng = np.random.default_rng(1)
    X, W, b = _random_case(rng)
    N, L, _ = X.shape
    M = conv.as_dense(W, L)
    Y = conv.conv1d_forward(X, W, b)
    np.testing.assert_allclose((X.reshape(N, -1) @ M).reshape(Y.shape) + b, Y, atol=1e-12)
    # dL/dM = x^T dy; a tied weight gets the sum over the entries of M that hold it.
    dY = rng.normal(size=Y.shape)
    dM = X.reshape(N, -1).T @ dY.reshape(N, -1)
    ones = np.zeros_like(W)
    dW_from_dense = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        ones[idx] = 1.0
        dW_from_dense[idx] = np.sum(dM * conv.as_dense(ones, L))  # mask of M's copies of W[idx]
        ones[idx] = 0.0
    np.testing.assert_allclose(conv.conv1d_backward(X, W, dY)[1], dW_from_dense, atol=1e-12)


def test_backward_matches_central_differences():
    rng = np.random.default_rng(2)
    X, W, b = _random_case(rng, N=2, L=6, C_in=3, C_out=2, K=4)
    dY = rng.normal(size=(2, 3, 2))
    f = lambda: np.sum(conv.conv1d_forward(X, W, b) * dY)  # noqa: E731 (dL/dY = dY)
    dX, dW, db = conv.conv1d_backward(X, W, dY)
    for analytic, wrt in ((dX, X), (dW, W), (db, b)):
        assert gradcheck.rel_error(analytic, gradcheck.numerical_gradient(f, wrt)) < 1e-7


def test_conv1d_layer_passes_check_module():
    rng = np.random.default_rng(3)
    layer = conv.Conv1D(2, 3, 3, rng=rng)
    errors = gradcheck.check_module(layer, rng.normal(size=(4, 9, 2)), rng=rng)
    assert set(errors) == {"X", "W", "b"}
    assert max(errors.values()) < 1e-7


def test_conv1d_layer_shapes_and_init_scale():
    rng = np.random.default_rng(4)
    layer = conv.Conv1D(4, 8, 5, rng=rng)
    assert layer.params["W"].shape == (5, 4, 8) and layer.params["b"].shape == (8,)
    assert layer.forward(rng.normal(size=(2, 10, 4))).shape == (2, 6, 8)
    # He normal with fan-in K * C_in = 20: std sqrt(2 / 20) ~ 0.32 (160 samples, loose bound)
    assert 0.2 < layer.params["W"].std() < 0.45


def test_bad_input_gives_clear_errors():
    W = np.zeros((3, 2, 1))
    with pytest.raises(ValueError, match=r"expected X of shape \(N, L, 2\)"):
        conv.conv1d_forward(np.zeros((1, 5, 3)), W, np.zeros(1))
    with pytest.raises(ValueError, match="at least as long as the kernel"):
        conv.conv1d_forward(np.zeros((1, 2, 2)), W, np.zeros(1))
    with pytest.raises(ValueError, match=r"expected dY of shape \(1, 3, 1\)"):
        conv.conv1d_backward(np.zeros((1, 5, 2)), W, np.zeros((1, 5, 1)))
    with pytest.raises(RuntimeError, match="before forward"):
        conv.Conv1D(1, 1, 2).backward(np.zeros((1, 1, 1)))


def test_float32_stays_float32():
    rng = np.random.default_rng(5)
    layer = conv.Conv1D(2, 3, 3, rng=rng, dtype=np.float32)
    X = rng.normal(size=(2, 6, 2)).astype(np.float32)
    Y = layer.forward(X)
    dX = layer.backward(np.ones_like(Y))
    assert Y.dtype == dX.dtype == layer.grads["W"].dtype == layer.grads["b"].dtype == np.float32
