"""nnref.optimizers: each update against the formulas of the notes, written out by hand here."""

import numpy as np
import pytest

from nnref import layers, optimizers


class Params:
    """A stand-in model: just the two dicts an optimizer reads."""

    def __init__(self, rng, dtype=np.float64):
        self.params = {"0.W": rng.standard_normal((3, 2)).astype(dtype),
                       "0.b": rng.standard_normal(2).astype(dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def set_grads(self, rng):
        for g in self.grads.values():
            g[...] = rng.standard_normal(g.shape)
        return {k: v.copy() for k, v in self.grads.items()}


def run(optimizer, model, rng, steps):
    """Take ``steps`` steps with random gradients; return the gradients used."""
    used = []
    for _ in range(steps):
        used.append(model.set_grads(rng))
        optimizer.step(model)
    return used


def test_plain_sgd(rng):
    model = Params(rng)
    start = {k: v.copy() for k, v in model.params.items()}
    (g,) = run(optimizers.SGD(lr=0.1), model, rng, 1)
    for k in start:
        np.testing.assert_allclose(model.params[k], start[k] - 0.1 * g[k], rtol=1e-15)


def test_momentum_in_seed_003_form(rng):
    model = Params(rng)
    W = {k: v.copy() for k, v in model.params.items()}
    lr, beta = 0.1, 0.9
    grads = run(optimizers.SGD(lr=lr, momentum=beta), model, rng, 4)
    v = {k: np.zeros_like(w) for k, w in W.items()}
    for g in grads:
        for k in W:
            v[k] = beta * v[k] + (1 - beta) * g[k]
            W[k] = W[k] - lr * v[k]
    for k in W:
        np.testing.assert_allclose(model.params[k], W[k], rtol=1e-13)


def test_momentum_forms_are_the_same_with_a_rescaled_learning_rate(rng):
    """u <- beta u + g, W <- W - lr' u with lr' = lr (1 - beta) gives the same steps."""
    model = Params(rng)
    W = {k: v.copy() for k, v in model.params.items()}
    lr, beta = 0.05, 0.8
    grads = run(optimizers.SGD(lr=lr, momentum=beta), model, rng, 5)
    u = {k: np.zeros_like(w) for k, w in W.items()}
    for g in grads:
        for k in W:
            u[k] = beta * u[k] + g[k]
            W[k] = W[k] - lr * (1 - beta) * u[k]
    for k in W:
        np.testing.assert_allclose(model.params[k], W[k], rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_weight_decay_applies_to_weights_only(momentum, rng):
    model = Params(rng)
    W0, b0 = model.params["0.W"].copy(), model.params["0.b"].copy()
    lr, lam = 0.1, 0.01
    (g,) = run(optimizers.SGD(lr=lr, momentum=momentum, weight_decay=lam), model, rng, 1)
    v = {k: (1 - momentum) * g[k] for k in g}  # first step, velocity from zero
    np.testing.assert_allclose(model.params["0.W"], (1 - lr * lam) * W0 - lr * v["0.W"], rtol=1e-14)
    np.testing.assert_allclose(model.params["0.b"], b0 - lr * v["0.b"], rtol=1e-14)


def test_weight_decay_is_the_gradient_of_the_l2_penalty(rng):
    """(1 - lr lam) W - lr g == W - lr (g + d/dW (lam/2) ||W||^2)."""
    model = Params(rng)
    W0 = model.params["0.W"].copy()
    (g,) = run(optimizers.SGD(lr=0.3, weight_decay=0.2), model, rng, 1)
    np.testing.assert_allclose(model.params["0.W"], W0 - 0.3 * (g["0.W"] + 0.2 * W0), rtol=1e-14)


def test_adam_with_bias_correction(rng):
    model = Params(rng)
    W = {k: v.copy() for k, v in model.params.items()}
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    grads = run(optimizers.Adam(lr=lr), model, rng, 5)
    m = {k: np.zeros_like(w) for k, w in W.items()}
    s = {k: np.zeros_like(w) for k, w in W.items()}
    for t, g in enumerate(grads, start=1):
        for k in W:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            s[k] = b2 * s[k] + (1 - b2) * g[k] ** 2
            m_hat, s_hat = m[k] / (1 - b1 ** t), s[k] / (1 - b2 ** t)
            W[k] = W[k] - lr * m_hat / (np.sqrt(s_hat) + eps)
    for k in W:
        np.testing.assert_allclose(model.params[k], W[k], rtol=1e-13)


def test_adam_first_step_has_size_lr_in_every_coordinate(rng):
    """With bias correction, step 1 is lr * g / (|g| + eps): about lr * sign(g)."""
    model = Params(rng)
    W0 = model.params["0.W"].copy()
    (g,) = run(optimizers.Adam(lr=0.01), model, rng, 1)
    np.testing.assert_allclose(W0 - model.params["0.W"], 0.01 * np.sign(g["0.W"]), rtol=1e-6)


@pytest.mark.parametrize("optimizer", [optimizers.SGD(0.1), optimizers.SGD(0.1, momentum=0.9, weight_decay=0.1),
                                       optimizers.Adam()], ids=repr)
def test_updates_in_place_and_keeps_float32(optimizer, rng):
    model = Params(rng, dtype=np.float32)
    arrays = dict(model.params)
    run(optimizer, model, rng, 2)
    for k, p in model.params.items():
        assert p is arrays[k] and p.dtype == np.float32
    for state in (getattr(optimizer, a, {}) for a in ("velocity", "m", "s")):
        assert all(v.dtype == np.float32 for v in state.values())


def test_step_updates_a_real_model_through_sequential(rng):
    model = layers.MLP([2, 3, 1], rng=rng)
    W = model[0].params["W"].copy()
    model.forward(rng.standard_normal((4, 2)))
    model.backward(np.ones((4, 1)))
    optimizers.SGD(lr=0.5).step(model)
    np.testing.assert_allclose(model[0].params["W"], W - 0.5 * model[0].grads["W"])


def test_the_optimizer_holds_the_parameters_of_a_module(rng):
    model = layers.MLP([2, 3, 1], rng=rng)
    sgd = optimizers.SGD(lr=0.1)
    model.forward(rng.standard_normal((4, 2)))
    model.backward(np.ones((4, 1)))
    sgd.step(model)
    held = sgd.parameters(model)
    assert sgd.parameters(model) is held  # not paired again while nothing changed
    assert [p.name for p in held] == list(model.params)


def test_the_optimizer_pairs_again_when_arrays_or_modules_are_replaced(rng):
    model = layers.MLP([2, 3, 1], rng=rng)
    sgd = optimizers.SGD(lr=0.5)
    sgd.step(model)
    model[0].grads["W"] = np.ones((2, 3))  # replaced instead of written into
    W = model[0].params["W"].copy()
    sgd.step(model)
    np.testing.assert_allclose(model[0].params["W"], W - 0.5)
    model.modules.append(layers.Linear(1, 1, init="zeros"))
    model.modules[-1].grads["b"][...] = 2.0
    sgd.step(model)
    np.testing.assert_allclose(model[-1].params["b"], [-1.0])


def test_an_object_with_params_and_grads_decays_its_matrices_unless_it_says_otherwise():
    class Holder:
        def __init__(self):
            self.params = {"W": np.ones((2, 2)), "v": np.ones(2)}
            self.grads = {"W": np.zeros((2, 2)), "v": np.zeros(2)}

    holder = Holder()
    optimizers.SGD(lr=0.1, weight_decay=1.0).step(holder)
    np.testing.assert_allclose(holder.params["W"], 0.9)
    np.testing.assert_allclose(holder.params["v"], 1.0)
    holder.decay = {"W": False, "v": True}
    optimizers.SGD(lr=0.1, weight_decay=1.0).step(holder)
    np.testing.assert_allclose(holder.params["W"], 0.9)
    np.testing.assert_allclose(holder.params["v"], 0.9)


def test_an_object_that_replaces_its_gradients_is_paired_at_every_step():
    class Valley:  # like the book's example in chapter 9: grads["W"] is a new array each time
        def __init__(self):
            self.params = {"W": np.array([1.0, 1.0])}
            self.grads = {"W": np.zeros(2)}

    valley, sgd = Valley(), optimizers.SGD(lr=0.1)
    for _ in range(3):
        valley.grads["W"] = valley.params["W"].copy()
        sgd.step(valley)
    np.testing.assert_allclose(valley.params["W"], 0.9**3)


@pytest.mark.parametrize("layout", ["float32", "float64", "fortran", "strided", "float16"])
def test_the_sgd_step_is_the_formula_for_every_array_layout(layout, rng):
    """The step, with momentum, for C- and Fortran-ordered, strided and half-precision parameters."""
    dtype = {"float32": np.float32, "float16": np.float16}.get(layout, np.float64)
    W = rng.standard_normal((6, 4)).astype(dtype)
    if layout == "fortran":
        W = np.asfortranarray(W)
    model = Params(rng, dtype)
    model.params = {"0.W": W if layout != "strided" else np.zeros((6, 8))[:, ::2]}
    model.params["0.W"][...] = W
    model.grads = {"0.W": rng.standard_normal((6, 4)).astype(dtype)}
    W0, g = model.params["0.W"].copy(), model.grads["0.W"].copy()
    optimizers.SGD(lr=0.1, momentum=0.5).step(model)
    tol = 1e-3 if dtype == np.float16 else 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(model.params["0.W"], W0 - 0.1 * 0.5 * g, rtol=tol, atol=tol)
    assert model.params["0.W"].dtype == dtype
