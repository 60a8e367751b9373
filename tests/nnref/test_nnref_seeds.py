"""Worked examples of the sources, recomputed (see the References page): the gradients of the
solutions on training networks and the parameter count of the notes on vectorization.

The solutions on training networks (one hidden layer, one example ``x`` with ``P`` features, ``K`` hidden units)::

    z_k = alpha_k + sum_j B[j,k] x_j,   a_k = sigma(z_k),   w = c + sum_k gamma_k a_k,
    L = (w - y)**2 / 2

and its Steps 1-8 give ``dL/dc = w - y``, ``dL/dgamma_k = (w - y) a_k``,
``dL/dB[j,k] = (w - y) gamma_k sigma'(z_k) x_j``, ``dL/dalpha_k = (w - y) gamma_k sigma'(z_k)``.
(The source slips on indices: Step 1 and eq. 11.8 write ``dz_k/dB[i,k] = x_j`` for
``dz_k/dB[j,k] = x_j``, and the first line for ``dL/dalpha_k`` has ``dz_k/dB[j,k]`` where
``dz_k/dalpha_k`` is meant; the final formulas are right.)
In nnref this network is ``Linear(P, K)`` (``W = B``, ``b = alpha``), ``Activation("sigmoid")``,
``Linear(K, 1)`` (``W = gamma`` as a column, ``b = c``) and ``SquaredError(half=True)``.
"""

import numpy as np
import pytest

from nnref import activations, gradcheck, layers, losses


def seed_002_network(rng, P=3, K=4):
    B, alpha = rng.standard_normal((P, K)), rng.standard_normal(K)
    gamma, c = rng.standard_normal(K), rng.standard_normal()
    model = layers.Sequential(layers.Linear(P, K), layers.Activation("sigmoid"), layers.Linear(K, 1))
    model[0].params["W"][...] = B
    model[0].params["b"][...] = alpha
    model[2].params["W"][:, 0] = gamma
    model[2].params["b"][...] = c
    return model, B, alpha, gamma, c


def test_seed_002_steps_1_to_8_equal_nnref_gradients(rng):
    model, B, alpha, gamma, c = seed_002_network(rng)
    x, y = rng.standard_normal(3), rng.standard_normal()
    # the seed's forward pass, one scalar at a time
    sigma = activations.Sigmoid()
    z = np.array([alpha[k] + sum(B[j, k] * x[j] for j in range(3)) for k in range(4)])
    a = sigma.forward(z)
    w = c + sum(gamma[k] * a[k] for k in range(4))
    # Steps 6-8, with the seed's final formulas
    dL_dw = w - y
    dL_dc = dL_dw
    dL_dgamma = np.array([dL_dw * a[k] for k in range(4)])
    dL_dB = np.array([[dL_dw * gamma[k] * sigma.derivative(z[k]) * x[j] for k in range(4)] for j in range(3)])
    dL_dalpha = np.array([dL_dw * gamma[k] * sigma.derivative(z[k]) for k in range(4)])

    loss = losses.SquaredError(half=True)
    X, Y = x[None, :], np.array([[y]])
    out = model.forward(X)
    assert out[0, 0] == pytest.approx(w, rel=1e-13)
    assert loss.forward(out, Y) == pytest.approx((w - y) ** 2 / 2, rel=1e-13)
    model.backward(loss.backward(out, Y))
    g = model.grads
    np.testing.assert_allclose(g["2.b"], [dL_dc], rtol=1e-13)
    np.testing.assert_allclose(g["2.W"][:, 0], dL_dgamma, rtol=1e-13)
    np.testing.assert_allclose(g["0.W"], dL_dB, rtol=1e-13)
    np.testing.assert_allclose(g["0.b"], dL_dalpha, rtol=1e-13)


def test_seed_002_gradients_match_central_differences(rng):
    model, *_ = seed_002_network(rng)
    loss = losses.SquaredError(half=True)
    X, Y = rng.standard_normal((1, 3)), rng.standard_normal((1, 1))
    model.backward(loss.backward(model.forward(X), Y))
    analytic = {k: v.copy() for k, v in model.grads.items()}
    for name, p in model.params.items():
        numeric = gradcheck.numerical_gradient(lambda: loss.forward(model.forward(X), Y), p)
        assert gradcheck.rel_error(analytic[name], numeric) < 1e-7, name


def test_seed_002_over_a_batch_is_the_mean_of_the_per_example_gradients(rng):
    model, *_ = seed_002_network(rng)
    loss = losses.SquaredError(half=True)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    per_example = []
    for n in range(5):
        model.backward(loss.backward(model.forward(X[n:n + 1]), Y[n:n + 1]))
        per_example.append({k: v.copy() for k, v in model.grads.items()})
    model.backward(loss.backward(model.forward(X), Y))
    for name, g in model.grads.items():
        np.testing.assert_allclose(g, np.mean([d[name] for d in per_example], axis=0), rtol=1e-12)


@pytest.mark.parametrize("n", [1, 4, 64, 784])
def test_seed_003_parameter_count_is_3n_plus_14(n):
    """The notes on vectorization: inputs n -> 3 -> 2 -> 1 has (3n + 3) + (2*3 + 2) + (2 + 1) = 3n + 14 parameters."""
    model = layers.MLP([n, 3, 2, 1], activation="sigmoid", rng=np.random.default_rng(0))
    assert layers.count_params(model) == 3 * n + 14
    assert [p.size for p in model.params.values()] == [3 * n, 3, 6, 2, 2, 1]
