"""nnref.activations: closed forms, central differences, softmax Jacobian, lookup by name."""

import numpy as np
import pytest

from nnref import activations
from nnref.gradcheck import numerical_gradient

ELEMENTWISE = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu"]


def away_from_kinks(rng, shape):
    """Random z with |z| >= 0.1, so that central differences never straddle ReLU's kink."""
    z = rng.standard_normal(shape) * 2
    return np.where(np.abs(z) < 0.1, 0.5, z)


# (activation, z, forward(z), derivative(z)) worked by hand
CLOSED_FORMS = [
    (activations.Identity(), [-2.0, 0.0, 3.0], [-2.0, 0.0, 3.0], [1.0, 1.0, 1.0]),
    (activations.Step(), [-2.0, 0.0, 3.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]),
    (activations.Sigmoid(), [0.0, np.log(3.0)], [0.5, 0.75], [0.25, 0.1875]),
    (activations.Tanh(), [0.0, np.log(2.0)], [0.0, 0.6], [1.0, 0.64]),
    (activations.ReLU(), [-2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [0.0, 0.0, 1.0]),
    (activations.LeakyReLU(alpha=0.1), [-2.0, 0.0, 3.0], [-0.2, 0.0, 3.0], [0.1, 0.1, 1.0]),
]


@pytest.mark.parametrize("act, z, a, da", CLOSED_FORMS, ids=lambda c: repr(c) if not isinstance(c, list) else "")
def test_closed_forms(act, z, a, da):
    np.testing.assert_allclose(act.forward(np.array(z)), a, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.derivative(np.array(z)), da, rtol=1e-12, atol=1e-15)


def test_formulas_on_random_inputs(rng):
    z = rng.standard_normal((5, 4)) * 3
    np.testing.assert_allclose(activations.Sigmoid().forward(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(activations.Tanh().derivative(z), 1 / np.cosh(z) ** 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(activations.ReLU().forward(z), np.maximum(z, 0))
    s = activations.Sigmoid().forward(z)
    np.testing.assert_allclose(activations.Sigmoid().derivative(z), s * (1 - s), rtol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name, rng):
    act = activations.get(name)
    z = away_from_kinks(rng, (6, 5))
    numeric = numerical_gradient(lambda: np.sum(act.forward(z)), z)
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_is_upstream_gradient_times_derivative(name, rng):
    act = activations.get(name)
    z, g = away_from_kinks(rng, (4, 3)), rng.standard_normal((4, 3))
    np.testing.assert_array_equal(act.backward(z, g), g * act.derivative(z))
    numeric = numerical_gradient(lambda: np.sum(g * act.forward(z)), z)
    np.testing.assert_allclose(act.backward(z, g), numeric, rtol=1e-6, atol=1e-9)


def test_softmax_closed_form_and_rows_sum_to_one(rng):
    z = rng.standard_normal((4, 5))
    a = activations.Softmax().forward(z)
    np.testing.assert_allclose(a, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    # shifting a row by a constant does not change its softmax
    np.testing.assert_allclose(activations.Softmax().forward(z + 7.0), a, rtol=1e-13)
    np.testing.assert_allclose(activations.Softmax().forward(np.log([1.0, 2.0, 5.0])), [0.125, 0.25, 0.625])


def test_softmax_jacobian_closed_form_and_central_differences(rng):
    sm = activations.Softmax()
    z = rng.standard_normal((3, 4))
    J = sm.jacobian(z)
    assert J.shape == (3, 4, 4)
    a = sm.forward(z)
    for n in range(3):
        np.testing.assert_allclose(J[n], np.diag(a[n]) - np.outer(a[n], a[n]), rtol=1e-14, atol=1e-16)
        for i in range(4):  # row i of J[n] is the gradient of a[n, i] with respect to z[n]
            numeric = numerical_gradient(lambda n=n, i=i: sm.forward(z)[n, i], z)
            np.testing.assert_allclose(J[n, i], numeric[n], rtol=1e-6, atol=1e-10)
    assert sm.jacobian(z[0]).shape == (4, 4)


def test_softmax_backward_equals_jacobian_transpose_times_gradient(rng):
    sm = activations.Softmax()
    z, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    expected = np.einsum("nij,ni->nj", sm.jacobian(z), g)
    np.testing.assert_allclose(sm.backward(z, g), expected, rtol=1e-12, atol=1e-15)


def test_get_returns_the_right_classes_and_passes_instances_through():
    expected = {"identity": activations.Identity, "step": activations.Step, "sigmoid": activations.Sigmoid,
                "tanh": activations.Tanh, "relu": activations.ReLU, "leaky_relu": activations.LeakyReLU,
                "softmax": activations.Softmax}
    for name, cls in expected.items():
        assert type(activations.get(name)) is cls
    leaky = activations.LeakyReLU(alpha=0.2)
    assert activations.get(leaky) is leaky
    assert activations.LeakyReLU().alpha == 0.01


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_float32_stays_float32_and_integers_become_float64(name):
    act = activations.get(name)
    z32 = np.array([[-1.5, 0.5, 2.0]], dtype=np.float32)
    assert act.forward(z32).dtype == np.float32
    assert act.forward(np.array([[-1, 0, 2]])).dtype == np.float64
    if name == "softmax":
        assert act.jacobian(z32).dtype == np.float32
    else:
        assert act.derivative(z32).dtype == np.float32
    assert act.backward(z32, np.ones_like(z32)).dtype == np.float32
