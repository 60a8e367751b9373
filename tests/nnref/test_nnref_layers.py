"""nnref.layers: Linear, Activation, Sequential, MLP against closed forms and central differences."""

import numpy as np
import pytest

from nnref import activations, gradcheck, layers

TOL = 1e-6  # float64 central differences of a correct backward agree far better than this


def test_linear_forward_and_backward_closed_forms(rng):
    lin = layers.Linear(3, 2, rng=rng)
    W, b = lin.params["W"], lin.params["b"]
    b += [0.5, -1.0]
    X, dY = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    np.testing.assert_allclose(lin.forward(X), X @ W + b, rtol=1e-14)
    # one example, written as the book's column form z = W^T x + b
    np.testing.assert_allclose(lin.forward(X[:1])[0], W.T @ X[0] + b, rtol=1e-14)
    lin.forward(X)  # backward uses the cache of the latest forward
    dX = lin.backward(dY)
    np.testing.assert_allclose(dX, dY @ W.T, rtol=1e-14)
    np.testing.assert_allclose(lin.grads["W"], X.T @ dY, rtol=1e-14)
    np.testing.assert_allclose(lin.grads["b"], dY.sum(axis=0), rtol=1e-14)
    # dW is the sum over examples of the outer products x_n dY_n^T
    np.testing.assert_allclose(lin.grads["W"], sum(np.outer(X[n], dY[n]) for n in range(4)), rtol=1e-12)


def test_linear_params_and_grads_have_the_same_keys_and_shapes(rng):
    lin = layers.Linear(5, 3, rng=rng)
    assert set(lin.params) == set(lin.grads) == {"W", "b"}
    assert lin.params["W"].shape == (5, 3) and lin.params["b"].shape == (3,)
    np.testing.assert_array_equal(lin.params["b"], 0.0)
    lin.backward(lin.forward(rng.standard_normal((2, 5))))
    for k in lin.params:
        assert lin.grads[k].shape == lin.params[k].shape


@pytest.mark.parametrize("N", [1, 7])
def test_linear_matches_central_differences(N, rng):
    errors = gradcheck.check_module(layers.Linear(4, 3, rng=rng), rng.standard_normal((N, 4)), rng=rng)
    assert set(errors) == {"X", "W", "b"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("init", ["zeros", "normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform"])
def test_linear_accepts_every_initializer_name(init, rng):
    lin = layers.Linear(3, 2, init=init, rng=rng)
    assert lin.params["W"].shape == (3, 2)


def test_linear_accepts_an_initializer_function(rng):
    lin = layers.Linear(2, 2, init=lambda shape, rng: np.eye(2))
    np.testing.assert_array_equal(lin.params["W"], np.eye(2))


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"])
def test_activation_layer_matches_central_differences(name, rng):
    X = rng.standard_normal((5, 4))
    X = np.where(np.abs(X) < 0.05, 0.5, X)  # keep ReLU's kink out of reach of the differences
    errors = gradcheck.check_module(layers.Activation(name), X, rng=rng)
    assert errors["X"] < TOL, errors


def test_activation_layer_accepts_an_instance_and_has_no_params(rng):
    leaky = activations.LeakyReLU(alpha=0.3)
    layer = layers.Activation(leaky)
    assert layer.activation is leaky and layer.params == {} and layer.grads == {}
    z = np.array([[-1.0, 2.0]])
    np.testing.assert_allclose(layer.forward(z), [[-0.3, 2.0]])
    np.testing.assert_allclose(layer.backward(np.ones((1, 2))), [[0.3, 1.0]])


def test_sequential_flattens_params_as_index_dot_name_and_shares_arrays(rng):
    inner = layers.Sequential(layers.Linear(3, 3, rng=rng), layers.Activation("tanh"))
    model = layers.Sequential(layers.Linear(2, 3, rng=rng), inner, layers.Linear(3, 1, rng=rng))
    assert list(model.params) == ["0.W", "0.b", "1.0.W", "1.0.b", "2.W", "2.b"]
    assert list(model.grads) == list(model.params)
    assert model.params["1.0.W"] is inner[0].params["W"]
    model.params["0.b"] += 1.0  # in-place updates reach the layer
    np.testing.assert_array_equal(model[0].params["b"], 1.0)
    assert len(model) == 3 and list(model) == model.modules


def test_sequential_forward_and_backward_are_the_composition(rng):
    l1, act, l2 = layers.Linear(3, 4, rng=rng), layers.Activation("sigmoid"), layers.Linear(4, 2, rng=rng)
    model = layers.Sequential(l1, act, l2)
    X, dY = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    Z1 = X @ l1.params["W"] + l1.params["b"]
    A1 = 1 / (1 + np.exp(-Z1))
    np.testing.assert_allclose(model.forward(X), A1 @ l2.params["W"] + l2.params["b"], rtol=1e-13)
    dX = model.backward(dY)
    dA1 = dY @ l2.params["W"].T
    dZ1 = dA1 * A1 * (1 - A1)
    np.testing.assert_allclose(model.grads["2.W"], A1.T @ dY, rtol=1e-12)
    np.testing.assert_allclose(model.grads["0.W"], X.T @ dZ1, rtol=1e-12)
    np.testing.assert_allclose(model.grads["0.b"], dZ1.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(dX, dZ1 @ l1.params["W"].T, rtol=1e-12)


def test_input_grad_false_skips_dx_but_gives_the_same_parameter_gradients(rng):
    model = layers.MLP([3, 5, 2], rng=rng)
    X, dY = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    model.forward(X)
    model.backward(dY)
    full = {k: v.copy() for k, v in model.grads.items()}
    assert model.backward(dY, input_grad=False) is None
    for k, v in model.grads.items():
        np.testing.assert_array_equal(v, full[k])


def test_mlp_structure(rng):
    model = layers.MLP([4, 8, 6, 3], activation="tanh", rng=rng)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "Activation", "Linear", "Activation", "Linear"]
    assert [(m.n_in, m.n_out) for m in model if isinstance(m, layers.Linear)] == [(4, 8), (8, 6), (6, 3)]
    assert all(isinstance(m.activation, activations.Tanh) for m in model if isinstance(m, layers.Activation))
    assert list(model.params) == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert len(layers.MLP([4, 3], rng=rng)) == 1  # a single layer: no activation at all


def test_mlp_same_seed_same_network():
    a = layers.MLP([3, 4, 2], rng=np.random.default_rng(1))
    b = layers.MLP([3, 4, 2], rng=np.random.default_rng(1))
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["0.W"][:, :2], a.params["2.W"][:3, :2])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
@pytest.mark.parametrize("sizes", [[3, 2], [3, 5, 2], [4, 6, 5, 3], [2, 4, 4, 4, 4, 3]],
                         ids=["depth1", "depth2", "depth3", "depth5"])
def test_mlp_gradients_match_central_differences(sizes, activation, rng):
    model = layers.MLP(sizes, activation=activation, init="xavier_normal", rng=rng)
    for name in model.params:  # nonzero biases, so that no pre-activation sits exactly at 0
        if name.endswith("b"):
            model.params[name][:] = rng.standard_normal(model.params[name].shape) * 0.5
    errors = gradcheck.check_module(model, rng.standard_normal((4, sizes[0])), rng=rng)
    assert set(errors) == {"X", *model.params}
    assert max(errors.values()) < TOL, errors


def test_count_params(rng):
    assert layers.count_params(layers.MLP([4, 3, 2], rng=rng)) == 4 * 3 + 3 + 3 * 2 + 2
    assert layers.count_params(layers.Activation("relu")) == 0


def test_repr():
    assert repr(layers.Linear(3, 4)) == "Linear(3, 4)"
    assert repr(layers.Activation("relu")) == "Activation(ReLU())"
    assert "(1) Activation(Tanh())" in repr(layers.MLP([2, 3, 1], activation="tanh"))


def test_backward_overwrites_the_same_gradient_arrays(rng):
    lin = layers.Linear(3, 2, rng=rng)
    gW, gb = lin.grads["W"], lin.grads["b"]
    for _ in range(2):  # the second call must not accumulate onto the first
        X, dY = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
        lin.forward(X)
        lin.backward(dY)
        assert lin.grads["W"] is gW and lin.grads["b"] is gb
        np.testing.assert_allclose(gW, X.T @ dY, rtol=1e-14)
        np.testing.assert_allclose(gb, dY.sum(axis=0), rtol=1e-14)
