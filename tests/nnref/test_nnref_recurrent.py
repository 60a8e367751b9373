"""Tests of nnref.recurrent: the tanh RNN step, its layer and backpropagation through time."""

import numpy as np
import pytest

from nnref import gradcheck, recurrent


def test_step_forward_is_the_formula():
    rng = np.random.default_rng(0)
    x, h, Wx, Wh, b = (rng.normal(size=s) for s in [(2, 3), (2, 4), (3, 4), (4, 4), (4,)])
    np.testing.assert_allclose(recurrent.rnn_step_forward(x, h, Wx, Wh, b),
                               np.tanh(x @ Wx + h @ Wh + b), atol=1e-15)


def test_step_backward_matches_central_differences():
    rng = np.random.default_rng(1)
    x, h_prev, Wx, Wh, b = (rng.normal(size=s) for s in [(2, 3), (2, 4), (3, 4), (4, 4), (4,)])
    dh = rng.normal(size=(2, 4))
    f = lambda: np.sum(recurrent.rnn_step_forward(x, h_prev, Wx, Wh, b) * dh)  # noqa: E731
    h = recurrent.rnn_step_forward(x, h_prev, Wx, Wh, b)
    grads = recurrent.rnn_step_backward(x, h_prev, h, dh, Wx, Wh)
    for analytic, wrt in zip(grads, (x, h_prev, Wx, Wh, b)):
        assert gradcheck.rel_error(analytic, gradcheck.numerical_gradient(f, wrt)) < 1e-7


def test_unrolled_layer_matches_a_hand_written_loop():
    rng = np.random.default_rng(2)
    rnn = recurrent.RNN(3, 5, rng=rng)
    X = rng.normal(size=(2, 4, 3))
    h = np.zeros((2, 5))
    H = rnn.forward(X)
    for t in range(4):
        h = np.tanh(X[:, t] @ rnn.params["Wx"] + h @ rnn.params["Wh"] + rnn.params["b"])
        np.testing.assert_allclose(H[:, t], h, atol=1e-14)


def test_bptt_passes_check_module():
    rng = np.random.default_rng(3)
    rnn = recurrent.RNN(3, 4, rng=rng)
    errors = gradcheck.check_module(rnn, rng.normal(size=(2, 6, 3)), rng=rng)
    assert set(errors) == {"X", "Wx", "Wh", "b"}
    assert max(errors.values()) < 1e-7


def test_gradient_of_the_initial_state():
    rng = np.random.default_rng(4)
    rnn = recurrent.RNN(2, 3, rng=rng)
    X, h0, dH = rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 5, 3))
    f = lambda: np.sum(rnn.forward(X, h0=h0) * dH)  # noqa: E731
    f()
    rnn.backward(dH)
    assert gradcheck.rel_error(rnn.dh0, gradcheck.numerical_gradient(f, h0)) < 1e-7


def test_loss_on_the_last_state_only_reaches_every_step():
    rng = np.random.default_rng(5)
    rnn = recurrent.RNN(1, 2, rng=rng)
    X = rng.normal(size=(1, 4, 1))
    H = rnn.forward(X)
    dH = np.zeros_like(H)
    dH[:, -1] = 1.0
    dX = rnn.backward(dH)
    assert np.all(dX != 0)  # the first input influences the last state through the recurrence


def test_bad_input_gives_clear_errors():
    rnn = recurrent.RNN(3, 2, rng=np.random.default_rng(6))
    with pytest.raises(ValueError, match=r"expected X of shape \(N, T, 3\)"):
        rnn.forward(np.zeros((1, 4, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        rnn.backward(np.zeros((1, 4, 2)))
    rnn.forward(np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match=r"expected dH of shape \(1, 4, 2\)"):
        rnn.backward(np.zeros((1, 4, 3)))


def test_float32_stays_float32():
    rng = np.random.default_rng(7)
    rnn = recurrent.RNN(2, 3, rng=rng, dtype=np.float32)
    H = rnn.forward(rng.normal(size=(2, 4, 2)).astype(np.float32))
    dX = rnn.backward(np.ones_like(H))
    assert H.dtype == dX.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn.grads.values())
