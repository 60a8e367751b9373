"""Property-based tests (hypothesis): shapes, and backward being the adjoint of forward.

For a module with forward ``f`` and Jacobian ``J`` at ``X``, backward computes ``J^T dY``.
The defining identity of the adjoint, ``<dY, J dX> = <J^T dY, dX>`` for all directions
``dX`` and upstream gradients ``dY``, is checked with ``J dX`` estimated by a directional
central difference ``(f(X + h dX) - f(X - h dX)) / 2h``: one number per draw, so many random
shapes, depths and activations can be tried quickly. The same is done for every parameter.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnref import activations, layers, losses

SMOOTH = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]
H = 1e-6
seeds = st.integers(0, 2**32 - 1)
sizes = st.lists(st.integers(1, 6), min_size=2, max_size=5)


def directional_derivative(f, X, dX):
    return (f(X + H * dX) - f(X - H * dX)) / (2 * H)


def assert_adjoint(lhs, rhs, scale):
    assert abs(lhs - rhs) <= 1e-6 * scale + 1e-9, (lhs, rhs)


def check_adjoint(module, X, rng):
    """<dY, J dX> == <backward(dY), dX>, and the same for each parameter direction."""
    Y = module.forward(X)
    dY = rng.standard_normal(Y.shape)
    dX = rng.standard_normal(X.shape)
    module.forward(X)
    back = module.backward(dY)
    grads = {k: g.copy() for k, g in module.grads.items()}
    JdX = directional_derivative(module.forward, X, dX)
    assert_adjoint(np.sum(dY * JdX), np.sum(back * dX), np.abs(dY).sum() * np.abs(JdX).max() + 1)
    for name, p in module.params.items():
        dP = rng.standard_normal(p.shape)
        original = p.copy()

        def f_of_p(shifted, p=p):
            p[...] = shifted
            return module.forward(X)

        JdP = directional_derivative(f_of_p, original, dP)
        p[...] = original
        assert_adjoint(np.sum(dY * JdP), np.sum(grads[name] * dP), np.abs(dY).sum() * np.abs(JdP).max() + 1)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, sizes=sizes, activation=st.sampled_from(SMOOTH[:-1]), N=st.integers(1, 5))
def test_mlp_backward_is_the_adjoint_of_forward(seed, sizes, activation, N):
    rng = np.random.default_rng(seed)
    model = layers.MLP(sizes, activation=activation, init="xavier_normal", rng=rng)
    # Random biases: with zero biases a dead ReLU unit feeds an exact 0 into the next
    # ReLU, which then sits on its kink, where no derivative exists (found by hypothesis).
    for name, p in model.params.items():
        if name.endswith("b"):
            p[...] = rng.standard_normal(p.shape)
    check_adjoint(model, rng.standard_normal((N, sizes[0])), rng)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, activation=st.sampled_from(SMOOTH), N=st.integers(1, 5), K=st.integers(1, 6))
def test_activation_backward_is_the_adjoint_of_forward(seed, activation, N, K):
    rng = np.random.default_rng(seed)
    check_adjoint(layers.Activation(activation), rng.standard_normal((N, K)) * 3, rng)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, N=st.integers(1, 8), K=st.integers(2, 6),
       loss=st.sampled_from(["squared_error", "absolute_error", "softmax_cross_entropy"]))
def test_loss_backward_is_its_gradient_in_every_direction(seed, N, K, loss):
    rng = np.random.default_rng(seed)
    loss = losses.get(loss)
    z = rng.standard_normal((N, K))
    y = rng.integers(0, K, N) if isinstance(loss, losses.SoftmaxCrossEntropy) else rng.standard_normal((N, K))
    direction = rng.standard_normal((N, K))
    numeric = directional_derivative(lambda v: loss.forward(v, y), z, direction)
    assert_adjoint(numeric, np.sum(loss.backward(z, y) * direction), np.abs(direction).sum() / N + 1)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, sizes=sizes, N=st.integers(1, 7))
def test_shapes_through_an_mlp(seed, sizes, N):
    rng = np.random.default_rng(seed)
    model = layers.MLP(sizes, rng=rng)
    X = rng.standard_normal((N, sizes[0]))
    Y = model.forward(X)
    assert Y.shape == (N, sizes[-1])
    assert model.backward(np.ones_like(Y)).shape == X.shape
    assert {k: v.shape for k, v in model.grads.items()} == {k: v.shape for k, v in model.params.items()}
    assert layers.count_params(model) == sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
              elements=st.floats(-1000, 1000, allow_nan=False)))
def test_softmax_of_any_rows_up_to_1000_is_a_probability_vector(z):
    a = activations.Softmax().forward(z)
    assert a.shape == z.shape and np.all(a >= 0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-12)
    assert np.isfinite(losses.SoftmaxCrossEntropy().forward(z, np.zeros(len(z), dtype=int)))
