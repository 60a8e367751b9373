"""Tests of nnref.autodiff: every operation against its closed form and float64 central
differences, topological order, accumulation for reused nodes, the broadcasting adjoint, and
a 2-layer MLP with softmax cross-entropy against nnref's hand-derived backward."""

import math

import numpy as np
import pytest

from nnref import autodiff, gradcheck, layers, losses
from nnref.autodiff import Tensor, Value


def scalar_grads(f, xs):
    """Gradients of f(*Values) by the engine, and by central differences of f(*floats)."""
    nodes = [Value(x) for x in xs]
    out = f(*nodes)
    out.backward()
    engine = np.array([n.grad for n in nodes])
    point = np.array(xs, dtype=float)
    numeric = gradcheck.numerical_gradient(lambda: f(*(Value(v) for v in point)).data, point)
    return out.data, engine, numeric


# --- the scalar engine: every operation ---------------------------------------------------

SCALAR_CASES = [  # (name, f, point, value, gradient) with the closed forms
    ("add", lambda a, b: a + b, (1.5, -2.0), -0.5, (1.0, 1.0)),
    ("mul", lambda a, b: a * b, (1.5, -2.0), -3.0, (-2.0, 1.5)),
    ("sub", lambda a, b: a - b, (1.5, -2.0), 3.5, (1.0, -1.0)),
    ("div", lambda a, b: a / b, (1.5, -2.0), -0.75, (-0.5, -1.5 / 4.0)),
    ("pow", lambda a: a ** 3, (1.5,), 3.375, (3 * 1.5 ** 2,)),
    ("pow-neg", lambda a: a ** -2, (-2.0,), 0.25, (-2 * (-2.0) ** -3,)),
    ("pow-half", lambda a: a ** 0.5, (4.0,), 2.0, (0.25,)),
    ("neg", lambda a: -a, (1.5,), -1.5, (-1.0,)),
    ("exp", lambda a: a.exp(), (0.7,), math.exp(0.7), (math.exp(0.7),)),
    ("log", lambda a: a.log(), (0.7,), math.log(0.7), (1 / 0.7,)),
    ("tanh", lambda a: a.tanh(), (0.7,), math.tanh(0.7), (1 - math.tanh(0.7) ** 2,)),
    ("relu+", lambda a: a.relu(), (0.7,), 0.7, (1.0,)),
    ("relu-", lambda a: a.relu(), (-0.7,), 0.0, (0.0,)),
    ("radd", lambda a: 2 + a, (0.7,), 2.7, (1.0,)),
    ("rsub", lambda a: 2 - a, (0.7,), 1.3, (-1.0,)),
    ("rmul", lambda a: 2 * a, (0.7,), 1.4, (2.0,)),
    ("rdiv", lambda a: 2 / a, (0.5,), 4.0, (-8.0,)),
    ("rpow", lambda a: 2 ** a, (3.0,), 8.0, (8 * math.log(2),)),
]


@pytest.mark.parametrize("name, f, point, value, gradient", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_scalar_operation_matches_closed_form_and_central_differences(name, f, point, value, gradient):
    data, engine, numeric = scalar_grads(f, point)
    assert data == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(engine, gradient, rtol=1e-12)
    np.testing.assert_allclose(engine, numeric, rtol=1e-7, atol=1e-9)


def test_relu_derivative_at_zero_is_zero_like_nnref_activations():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_composite_expression_against_central_differences(rng):
    def f(a, b, c):
        return ((a * b + c.exp()) / (1 + (b - a) ** 2)).tanh() * a.relu() + (c * c).log()

    for _ in range(5):
        point = tuple(rng.uniform(0.2, 1.5, size=3) * rng.choice([-1, 1], size=3))
        _, engine, numeric = scalar_grads(f, point)
        np.testing.assert_allclose(engine, numeric, rtol=1e-6, atol=1e-9)


def test_reused_node_accumulates():
    # f = x * x + x: df/dx = 2x + 1 (the node x is used three times)
    x = Value(3.0)
    out = x * x + x
    out.backward()
    assert x.grad == 7.0
    # a diamond: y = x + 1 feeds both factors of y * y; d/dx (x + 1)^2 = 2 (x + 1)
    x = Value(3.0)
    y = x + 1
    (y * y).backward()
    assert x.grad == 8.0 and y.grad == 8.0


def test_backward_twice_gives_the_same_gradients():
    x, y = Value(0.3), Value(-1.2)
    out = (x * y).exp() + x
    out.backward()
    first = (x.grad, y.grad)
    out.backward()
    assert (x.grad, y.grad) == first


def test_backward_with_a_seed_scales_every_gradient():
    x = Value(0.3)
    out = x.tanh()
    out.backward(2.5)
    assert x.grad == pytest.approx(2.5 * (1 - math.tanh(0.3) ** 2))


def test_topological_order_puts_every_node_after_its_inputs_once():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = autodiff.topological_order(e)
    assert len(order) == 5 and len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node.inputs:
            assert position[id(child)] < position[id(node)]
    assert order[-1] is e


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    out = x
    for _ in range(5000):
        out = out * 1.0001
    out.backward()
    assert x.grad == pytest.approx(1.0001 ** 5000)


@pytest.mark.parametrize("make, message", [
    (lambda: Value("2"), "real number"),
    (lambda: Value(np.ones(3)), "Tensor"),
    (lambda: Value(float("nan")), "NaN"),
    (lambda: Value(2.0) ** Value(2.0), "not supported"),
    (lambda: Value(-1.0).log(), "positive"),
    (lambda: Value(0.0) ** -1, "infinite"),
    (lambda: Value(-2.0) ** 0.5, "not real"),
    (lambda: (-2.0) ** Value(1.0), "positive base"),
    (lambda: Value(1.0) + Tensor(np.ones(2)), "Tensor"),
])
def test_scalar_engine_rejects_bad_input_clearly(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


# --- the array engine ---------------------------------------------------------------------

def tensor_check(f, *arrays, rtol=1e-6):
    """Check the engine's gradients of sum(G * f(*Tensors)) against central differences."""
    rng = np.random.default_rng(7)
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    nodes = [Tensor(a) for a in arrays]
    out = f(*nodes)
    G = rng.normal(size=out.shape)
    out.backward(G)
    for node, a in zip(nodes, arrays):
        assert node.grad.shape == a.shape
        numeric = gradcheck.numerical_gradient(lambda: np.sum(G * f(*(Tensor(x) for x in arrays)).data), a)
        np.testing.assert_allclose(node.grad, numeric, rtol=rtol, atol=1e-8)
    return nodes, G


def test_matmul_closed_form_and_central_differences(rng):
    A, B = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    (tA, tB), G = tensor_check(lambda a, b: a @ b, A, B)
    np.testing.assert_allclose(tA.grad, G @ B.T, rtol=1e-12)
    np.testing.assert_allclose(tB.grad, A.T @ G, rtol=1e-12)


@pytest.mark.parametrize("a_shape, b_shape", [
    ((4, 3), (3,)), ((4, 3), (4, 1)), ((4, 1), (1, 3)), ((4, 3), ()), ((2, 3, 4), (3, 1)), ((4, 3), (4, 3)),
])
def test_broadcast_add_adjoint_is_a_sum_over_the_broadcast_axes(rng, a_shape, b_shape):
    A, B = rng.normal(size=a_shape), rng.normal(size=b_shape)
    (tA, tB), G = tensor_check(lambda a, b: a + b, A, B)
    full = np.broadcast_shapes(a_shape, b_shape)
    Gb = np.broadcast_to(G, full)
    np.testing.assert_allclose(tB.grad, autodiff.unbroadcast(Gb, b_shape))
    if b_shape == (3,):
        np.testing.assert_allclose(tB.grad, G.sum(axis=0))     # the bias case: sum over the batch


@pytest.mark.parametrize("a_shape, b_shape", [((4, 3), (3,)), ((4, 1), (1, 3)), ((3,), ())])
def test_broadcast_mul_and_div(rng, a_shape, b_shape):
    A, B = rng.normal(size=a_shape), rng.uniform(0.5, 2.0, size=b_shape)
    tensor_check(lambda a, b: a * b, A, B)
    tensor_check(lambda a, b: a / b, A, B)
    tensor_check(lambda a, b: a - b, A, B)


def test_unbroadcast_rejects_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match="does not broadcast"):
        autodiff.unbroadcast(np.ones((4, 3)), (4,))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
def test_sum_and_mean(rng, axis):
    X = rng.normal(size=(4, 3))
    (tX,), G = tensor_check(lambda x: x.sum(axis=axis), X)
    axes = (0, 1) if axis is None else axis
    np.testing.assert_allclose(tX.grad, np.broadcast_to(np.expand_dims(G, axes), X.shape))
    (tY,), H = tensor_check(lambda x: x.mean(axis=axis), X)
    count = X.size if axis in (None, (0, 1)) else X.shape[axis]
    np.testing.assert_allclose(tY.grad, np.broadcast_to(np.expand_dims(H, axes), X.shape) / count)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "relu"])
def test_elementwise_functions(rng, name):
    X = rng.uniform(0.2, 2.0, size=(3, 4)) * (1 if name == "log" else rng.choice([-1, 1], size=(3, 4)))
    (tX,), G = tensor_check(lambda x: getattr(x, name)(), X)
    local = {"exp": np.exp(X), "log": 1 / X, "tanh": 1 - np.tanh(X) ** 2, "relu": (X > 0) * 1.0}[name]
    np.testing.assert_allclose(tX.grad, G * local, rtol=1e-12)


def test_logsumexp_is_stable_and_its_gradient_is_the_softmax(rng):
    Z = rng.normal(size=(5, 4))
    (tZ,), G = tensor_check(lambda z: z.logsumexp(axis=1), Z)
    softmax = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(tZ.grad, G[:, None] * softmax, rtol=1e-12)
    big = Tensor(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
    np.testing.assert_allclose(big.logsumexp(axis=1).data, [1000.0, -1000.0 + np.log(2)])


def test_indexing_adds_the_gradients_of_repeated_entries():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    x[np.array([0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 1.0])


def test_reused_tensor_accumulates(rng):
    X = rng.normal(size=(3, 3))
    (tX,), G = tensor_check(lambda x: x @ x + x * x, X)
    np.testing.assert_allclose(tX.grad, G @ X.T + X.T @ G + 2 * G * X, rtol=1e-12)


def test_backward_without_seed_needs_a_scalar():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="scalar result"):
        (t * 2).backward()
    with pytest.raises(ValueError, match=r"grad of shape \(2, 3\)"):
        (t * 2).backward(np.ones(3))


@pytest.mark.parametrize("make, message", [
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), "do not match"),
    (lambda: Tensor(np.ones(3)) @ Tensor(np.ones((3, 2))), "2-D"),
    (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones(2)), "do not broadcast"),
    (lambda: Tensor(np.ones(3)).sum(axis=2), "out of range"),
    (lambda: Tensor(np.array([1.0, np.nan])), "NaN"),
    (lambda: Tensor(np.array(["a"])), "numeric"),
    (lambda: Tensor(np.zeros(2)).log(), "not positive"),
    (lambda: autodiff.softmax_cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 3])), "labels"),
    (lambda: autodiff.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1])), "Tensor"),
])
def test_array_engine_rejects_bad_input_clearly(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_float32_is_kept():
    t = Tensor(np.ones((2, 2), dtype=np.float32))
    out = (t @ t).sum()
    out.backward()
    assert t.data.dtype == np.float32 and t.grad.dtype == np.float32


# --- a 2-layer MLP with softmax cross-entropy -------------------------------------------------

def test_mlp_gradients_equal_nnref_backward_and_central_differences(rng):
    N, sizes = 6, [4, 5, 3]
    X = rng.normal(size=(N, sizes[0]))
    y = rng.integers(0, sizes[-1], size=N)
    model = layers.MLP(sizes, activation="relu", rng=rng)
    loss = losses.SoftmaxCrossEntropy()
    # nnref's hand-derived backward
    L_ref = loss.forward(model.forward(X), y)
    model.backward(loss.backward(model.forward(X), y))
    # the engine on the same parameters (the Tensors share the arrays)
    P = {k: Tensor(v) for k, v in model.params.items()}

    def engine_loss():
        A1 = (Tensor(X) @ P["0.W"] + P["0.b"]).relu()
        return autodiff.softmax_cross_entropy(A1 @ P["2.W"] + P["2.b"], y)

    L = engine_loss()
    L.backward()
    assert L.data == pytest.approx(L_ref, rel=1e-12)
    for name, p in P.items():
        np.testing.assert_allclose(p.grad, model.grads[name], rtol=1e-10, atol=1e-12)
        numeric = gradcheck.numerical_gradient(lambda: engine_loss().data, p.data)
        assert gradcheck.rel_error(p.grad, numeric) < 1e-6


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot_over_n(rng):
    Z = rng.normal(size=(5, 3))
    y = rng.integers(0, 3, size=5)
    t = Tensor(Z)
    L = autodiff.softmax_cross_entropy(t, y)
    L.backward()
    assert L.data == pytest.approx(losses.SoftmaxCrossEntropy().forward(Z, y), rel=1e-12)
    np.testing.assert_allclose(t.grad, losses.SoftmaxCrossEntropy().backward(Z, y), rtol=1e-10)
