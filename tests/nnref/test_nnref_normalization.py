"""nnref.layers: BatchNorm, LayerNorm, Dropout and the train/eval modes (chapter 12).

Forward passes against closed forms written out here, backward passes against float64
central differences and against the graph-derived batch-norm backward, the running
statistics, train versus eval behaviour, dropout's expectation and mask, and the errors.
"""

import numpy as np
import pytest

from nnref import gradcheck, layers, optimizers, training

TOL = 1e-6  # float64 central differences of a correct backward agree far better than this


def numerical(f, x):
    return gradcheck.numerical_gradient(f, x)


def assert_close_to_numerical(analytic, numeric, err_msg=""):
    """Entrywise agreement relative to the largest entry (robust to entries near 0)."""
    scale = np.max(np.abs(numeric))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6 * scale, err_msg=err_msg)


def batchnorm_graph_backward(dY, X, gamma, eps):
    """The batch-norm backward derived node by node from the computational graph
    (mu -> centred -> var -> inv_std -> xhat -> y), as the book derives it first."""
    N = len(X)
    mu = X.mean(axis=0)
    xc = X - mu
    var = (xc ** 2).mean(axis=0)
    inv_std = 1 / np.sqrt(var + eps)
    xhat = xc * inv_std
    dxhat = dY * gamma
    dinv_std = np.sum(dxhat * xc, axis=0)
    dvar = dinv_std * (-0.5) * (var + eps) ** -1.5
    dxc = dxhat * inv_std + dvar * 2 * xc / N
    dmu = -np.sum(dxc, axis=0)
    dX = dxc + dmu / N
    return dX, np.sum(dY * xhat, axis=0), np.sum(dY, axis=0)


def random_bn(n, rng, **kwargs):
    bn = layers.BatchNorm(n, **kwargs)
    bn.params["gamma"][:] = rng.uniform(0.5, 2.0, size=n) * rng.choice([-1, 1], size=n)
    bn.params["beta"][:] = rng.normal(size=n)
    return bn


# --- modes ---------------------------------------------------------------------------------

def test_every_module_starts_in_training_mode_and_switches(rng):
    modules = [layers.Linear(2, 3, rng=rng), layers.Activation("relu"), layers.BatchNorm(3),
               layers.LayerNorm(3), layers.Dropout(0.5, rng=rng), layers.Sequential()]
    for module in modules:
        assert module.training is True
        assert module.eval() is module and module.training is False
        assert module.train() is module and module.training is True
        assert module.train(False) is module and module.training is False


def test_sequential_passes_the_mode_on_to_nested_modules(rng):
    inner = layers.Sequential(layers.BatchNorm(3), layers.Dropout(0.2, rng=rng))
    model = layers.Sequential(layers.Linear(2, 3, rng=rng), inner, layers.Dropout(0.1, rng=rng))
    model.eval()
    assert not model.training and not inner.training
    assert not any(m.training for m in (*model, *inner))
    model.train()
    assert all(m.training for m in (model, *model, *inner))


class ModeSpy(layers.Module):
    """Records the mode it was in at every forward (an identity layer)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def _forward(self, X):  # the module contract: Sequential calls forward_unchecked after the first batch
        self.seen.append(self.training)
        return X

    def _backward(self, dY, input_grad):
        return dY


def test_fit_trains_in_training_mode_and_predict_evaluates_in_eval_mode(rng):
    spy = ModeSpy()
    model = layers.Sequential(layers.Linear(3, 2, rng=rng), spy)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    model.eval()  # fit switches to training mode, and back to what it was afterwards
    training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), X, y, epochs=1, batch_size=5,
                 rng=rng, validation=(X, y), progress=False)
    assert spy.seen == [True, True, False]  # two minibatches, then the validation pass
    assert not model.training and not spy.training

    model.train()
    spy.seen.clear()
    training.predict(model, X)
    training.evaluate(model, "softmax_cross_entropy", X, y)
    assert spy.seen == [False, False]
    assert model.training and spy.training


def test_fit_restores_modes_that_differ_between_modules(rng):
    spy = ModeSpy()
    model = layers.Sequential(layers.Linear(3, 2, rng=rng), spy)
    spy.eval()
    training.predict(model, rng.normal(size=(4, 3)))
    assert model.training and not spy.training


def test_predict_restores_the_mode_after_an_error(rng):
    model = layers.Sequential(layers.Linear(3, 2, rng=rng))
    with pytest.raises(ValueError):
        training.predict(model, rng.normal(size=(4, 5)))
    assert model.training and model[0].training


# --- batch normalization -----------------------------------------------------------------

@pytest.mark.parametrize("N", [2, 5])
def test_batchnorm_training_forward_matches_the_closed_form(N, rng):
    bn = random_bn(4, rng)
    X = rng.normal(2.0, 3.0, size=(N, 4))
    Y = bn.forward(X)
    mu = X.sum(axis=0) / N
    var = ((X - mu) ** 2).sum(axis=0) / N
    expected = bn.params["gamma"] * (X - mu) / np.sqrt(var + 1e-5) + bn.params["beta"]
    np.testing.assert_allclose(Y, expected, rtol=1e-12)
    # with gamma = 1 and beta = 0 every column has mean 0 and variance var / (var + eps)
    plain = layers.BatchNorm(4).forward(X)
    np.testing.assert_allclose(plain.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(plain.var(axis=0), var / (var + 1e-5), rtol=1e-12)


def test_batchnorm_normalizes_each_column_whatever_its_scale(rng):
    scales = np.array([1e-3, 1.0, 1e3, 1e6])
    X = rng.normal(size=(8, 4)) * scales + 10 * scales
    Y = layers.BatchNorm(4, eps=1e-12).forward(X)
    np.testing.assert_allclose(Y.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(Y.std(axis=0), 1.0, rtol=1e-6)


def test_batchnorm_running_statistics_follow_the_momentum_rule_with_the_biased_variance(rng):
    bn = layers.BatchNorm(3, momentum=0.8)
    assert bn.running_mean is None and bn.running_var is None
    X1, X2 = rng.normal(1.0, 2.0, size=(4, 3)), rng.normal(-1.0, 0.5, size=(6, 3))
    bn.forward(X1)
    np.testing.assert_allclose(bn.running_mean, 0.8 * 0 + 0.2 * X1.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.8 * 1 + 0.2 * X1.var(axis=0), rtol=1e-12)
    bn.forward(X2)
    mean2 = 0.8 * (0.2 * X1.mean(axis=0)) + 0.2 * X2.mean(axis=0)
    var2 = 0.8 * (0.8 + 0.2 * X1.var(axis=0)) + 0.2 * X2.var(axis=0)  # biased: ddof=0
    np.testing.assert_allclose(bn.running_mean, mean2, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var2, rtol=1e-12)
    assert not np.allclose(bn.running_var, 0.8 * (0.8 + 0.2 * X1.var(axis=0, ddof=1)) + 0.2 * X2.var(axis=0, ddof=1))
    # evaluation mode neither uses nor changes the batch statistics
    before = bn.running_mean.copy(), bn.running_var.copy()
    bn.eval().forward(rng.normal(size=(5, 3)))
    np.testing.assert_array_equal(bn.running_mean, before[0])
    np.testing.assert_array_equal(bn.running_var, before[1])


def test_batchnorm_running_statistics_converge_to_the_data_statistics(rng):
    bn = layers.BatchNorm(2, momentum=0.9)
    mean, std = np.array([3.0, -2.0]), np.array([0.5, 4.0])
    for _ in range(300):
        bn.forward(rng.normal(size=(64, 2)) * std + mean)
    np.testing.assert_allclose(bn.running_mean, mean, atol=0.15)
    np.testing.assert_allclose(bn.running_var, std ** 2 * 63 / 64, rtol=0.15)


def test_batchnorm_evaluation_mode_uses_the_running_statistics(rng):
    bn = random_bn(3, rng)
    for _ in range(5):
        bn.forward(rng.normal(2.0, 3.0, size=(8, 3)))
    bn.eval()
    X = rng.normal(size=(4, 3))
    expected = (bn.params["gamma"] * (X - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
                + bn.params["beta"])
    np.testing.assert_allclose(bn.forward(X), expected, rtol=1e-12)
    # an example's output does not depend on the rest of its batch (also N = 1 works) ...
    np.testing.assert_allclose(bn.forward(X[:1]), expected[:1], rtol=1e-12)
    # ... while in training mode it does
    bn.train()
    out_a = bn.forward(np.vstack([X[:1], rng.normal(size=(3, 3))]))[0]
    out_b = bn.forward(np.vstack([X[:1], rng.normal(5.0, 1.0, size=(3, 3))]))[0]
    assert not np.allclose(out_a, out_b)


@pytest.mark.parametrize("N", [3, 4, 7])
def test_batchnorm_training_backward_matches_central_differences(N, rng):
    errors = gradcheck.check_module(random_bn(4, rng), rng.normal(1.0, 2.0, size=(N, 4)), rng=rng)
    assert set(errors) == {"X", "gamma", "beta"}
    assert max(errors.values()) < TOL, errors


def test_batchnorm_of_two_examples_matches_central_differences_column_by_column(rng):
    """With N = 2 a column normalizes to about (-1, +1) whatever X is, so dX is nearly 0 where the
    two values are far apart (on the scale sqrt(eps)): relative errors of such entries are
    meaningless (the differences' rounding error is about 1e-10), so compare in absolute terms."""
    bn = random_bn(3, rng)
    X, dY = rng.normal(1.0, 2.0, size=(2, 3)), rng.normal(size=(2, 3))
    X[1, 1] = X[0, 1] + 1e-3  # one column with close values: there eps matters
    bn.forward(X)
    dX = bn.backward(dY)
    numeric = numerical(lambda: np.sum(dY * bn.forward(X)), X)
    np.testing.assert_allclose(dX, numeric, rtol=1e-5, atol=1e-8)
    assert np.abs(dX[:, 1]).max() > 1e3 * np.abs(dX[:, [0, 2]]).max()


def test_batchnorm_evaluation_backward_matches_central_differences(rng):
    bn = random_bn(4, rng)
    bn.forward(rng.normal(size=(10, 4)))
    bn.eval()
    errors = gradcheck.check_module(bn, rng.normal(size=(3, 4)), rng=rng)
    assert max(errors.values()) < TOL, errors


def test_batchnorm_backward_with_columns_of_very_different_scales(rng):
    bn = random_bn(4, rng)
    X = rng.normal(size=(6, 4)) * np.array([1e-3, 1.0, 30.0, 1e3])
    dY = rng.normal(size=(6, 4))
    bn.forward(X)
    dX = bn.backward(dY)
    grads = {k: g.copy() for k, g in bn.grads.items()}
    loss = lambda: np.sum(dY * bn.forward(X))  # noqa: E731
    for name, analytic, wrt in (("X", dX, X), ("gamma", grads["gamma"], bn.params["gamma"]),
                                ("beta", grads["beta"], bn.params["beta"])):
        numeric = numerical(loss, wrt)
        # compare column by column: each column has its own scale
        for j in range(numeric.shape[-1]):
            assert_close_to_numerical(analytic[..., j], numeric[..., j], err_msg=f"d{name}, column {j}")


@pytest.mark.parametrize("N", [2, 6])
def test_batchnorm_compact_backward_equals_the_graph_derived_one(N, rng):
    bn = random_bn(5, rng, eps=1e-3)
    X, dY = rng.normal(size=(N, 5)) * rng.uniform(0.1, 10, size=5), rng.normal(size=(N, 5))
    bn.forward(X)
    dX = bn.backward(dY)
    dX_graph, dgamma, dbeta = batchnorm_graph_backward(dY, X, bn.params["gamma"], 1e-3)
    np.testing.assert_allclose(dX, dX_graph, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bn.grads["gamma"], dgamma, rtol=1e-12)
    np.testing.assert_allclose(bn.grads["beta"], dbeta, rtol=1e-12)


def test_batchnorm_input_gradient_is_orthogonal_to_ones_and_to_xhat(rng):
    """In training mode, shifting or scaling a column of X leaves xhat unchanged (up to eps),
    so dX sums to 0 over the batch and is orthogonal to xhat: a bias before batch norm gets
    no gradient."""
    bn = random_bn(3, rng, eps=1e-12)
    X, dY = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    bn.forward(X)
    dX = bn.backward(dY)
    np.testing.assert_allclose(dX.sum(axis=0), 0.0, atol=1e-12)
    xhat = (X - X.mean(axis=0)) / X.std(axis=0)
    np.testing.assert_allclose((dX * xhat).sum(axis=0), 0.0, atol=1e-10)


def test_batchnorm_backward_without_input_grad_still_sets_the_parameter_gradients(rng):
    bn = random_bn(3, rng)
    X, dY = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    bn.forward(X)
    assert bn.backward(dY, input_grad=False) is None
    xhat = (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + 1e-5)
    np.testing.assert_allclose(bn.grads["gamma"], (dY * xhat).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.grads["beta"], dY.sum(axis=0), rtol=1e-12)


def test_batchnorm_in_float32(rng):
    bn = layers.BatchNorm(3, dtype=np.float32)
    Y = bn.forward(rng.normal(size=(4, 3)))
    assert Y.dtype == np.float32 and bn.running_mean.dtype == np.float32
    assert bn.backward(np.ones((4, 3))).dtype == np.float32


def test_batchnorm_errors(rng):
    bn = layers.BatchNorm(3)
    with pytest.raises(RuntimeError, match="before forward"):
        bn.backward(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="running statistics"):
        bn.eval().forward(np.ones((2, 3)))
    bn.train()
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 3\), got \(4, 2\)"):
        bn.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 3\), got \(3,\)"):
        bn.forward(np.ones(3))
    with pytest.raises(ValueError, match="at least 2"):
        bn.forward(np.ones((1, 3)))
    bn.forward(rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match=r"expected dY of shape \(4, 3\)"):
        bn.backward(np.ones((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        bn.forward(np.full((2, 3), np.nan))
    for momentum in (-0.1, 1.0, 1.5, True, "0.9"):
        with pytest.raises(ValueError, match="momentum"):
            layers.BatchNorm(3, momentum=momentum)
    for eps in (0, -1e-5, None):
        with pytest.raises(ValueError, match="eps"):
            layers.BatchNorm(3, eps=eps)
    with pytest.raises(ValueError, match="positive integer"):
        layers.BatchNorm(0)


def test_batchnorm_evaluation_works_once_running_statistics_are_assigned(rng):
    bn = layers.BatchNorm(2).eval()
    bn.running_mean, bn.running_var = np.array([1.0, -1.0]), np.array([4.0, 0.25])
    np.testing.assert_allclose(bn.forward(np.array([[3.0, -1.5]])),
                               [[2 / np.sqrt(4 + 1e-5), -0.5 / np.sqrt(0.25 + 1e-5)]], rtol=1e-12)


# --- layer normalization -----------------------------------------------------------------

@pytest.mark.parametrize("N", [1, 4])
def test_layernorm_forward_matches_the_closed_form(N, rng):
    ln = layers.LayerNorm(5)
    ln.params["gamma"][:] = rng.normal(size=5)
    ln.params["beta"][:] = rng.normal(size=5)
    X = rng.normal(size=(N, 5)) * rng.uniform(0.01, 100, size=(N, 1))  # rows of different scales
    mu = X.mean(axis=1, keepdims=True)
    var = ((X - mu) ** 2).sum(axis=1, keepdims=True) / 5
    expected = ln.params["gamma"] * (X - mu) / np.sqrt(var + 1e-5) + ln.params["beta"]
    np.testing.assert_allclose(ln.forward(X), expected, rtol=1e-10)
    # training and evaluation mode compute the same thing
    np.testing.assert_array_equal(ln.eval().forward(X), ln.train().forward(X))


def test_layernorm_is_batchnorm_of_the_transpose(rng):
    X = rng.normal(size=(4, 6))
    np.testing.assert_allclose(layers.LayerNorm(6).forward(X), layers.BatchNorm(4).forward(X.T).T,
                               rtol=1e-12)


def test_layernorm_treats_each_example_on_its_own(rng):
    ln = layers.LayerNorm(4)
    X = rng.normal(size=(5, 4))
    together = ln.forward(X)
    alone = np.vstack([ln.forward(X[i:i + 1]) for i in range(5)])
    np.testing.assert_allclose(together, alone, rtol=1e-14)


@pytest.mark.parametrize("N", [1, 3, 6])
def test_layernorm_backward_matches_central_differences(N, rng):
    ln = layers.LayerNorm(4)
    ln.params["gamma"][:] = rng.normal(size=4)
    ln.params["beta"][:] = rng.normal(size=4)
    errors = gradcheck.check_module(ln, rng.normal(size=(N, 4)) * rng.uniform(0.1, 10, size=(N, 1)), rng=rng)
    assert set(errors) == {"X", "gamma", "beta"}
    assert max(errors.values()) < TOL, errors


def test_layernorm_backward_equals_the_graph_derived_batchnorm_backward_of_the_transpose(rng):
    ln = layers.LayerNorm(5, eps=1e-3)
    X, dY = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    ln.forward(X)
    dX = ln.backward(dY)
    dX_T, _, _ = batchnorm_graph_backward(dY.T, X.T, np.ones((1, 1)), 1e-3)
    np.testing.assert_allclose(dX, dX_T.T, rtol=1e-9, atol=1e-12)


def test_layernorm_errors():
    for n in (1, 0):
        with pytest.raises(ValueError):
            layers.LayerNorm(n)
    ln = layers.LayerNorm(3)
    with pytest.raises(RuntimeError, match="before forward"):
        ln.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 3\), got \(3, 2\)"):
        ln.forward(np.ones((3, 2)))
    ln.forward(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"expected dY of shape \(2, 3\)"):
        ln.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match="eps"):
        layers.LayerNorm(3, eps=0.0)


# --- dropout -----------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_entries_with_probability_1_minus_p_and_scales_them(p, rng):
    drop = layers.Dropout(p, rng=rng)
    X = rng.uniform(1.0, 2.0, size=(200, 50))
    Y = drop.forward(X)
    kept = Y != 0
    np.testing.assert_allclose(Y[kept], X[kept] / (1 - p), rtol=1e-14)
    n = X.size
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)  # 5 standard deviations


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_preserves_the_mean(p, rng):
    """E[Y] = X: averaged over many masks, the output is the input (to within 5 standard errors)."""
    drop = layers.Dropout(p, rng=rng)
    x = np.array([[1.0, -2.0, 0.5, 3.0]])
    X = np.repeat(x, 20000, axis=0)
    mean = drop.forward(X).mean(axis=0)
    std_error = np.abs(x[0]) * np.sqrt(p / (1 - p)) / np.sqrt(len(X))  # Var[Y] = x² p/(1-p)
    assert np.all(np.abs(mean - x[0]) < 5 * std_error), (mean, x[0])


def test_dropout_backward_reuses_the_forward_mask(rng):
    drop = layers.Dropout(0.4, rng=rng)
    X = rng.uniform(0.5, 1.5, size=(6, 7))
    Y = drop.forward(X)
    dY = rng.normal(size=(6, 7))
    dX = drop.backward(dY)
    np.testing.assert_allclose(dX, dY * (Y / X), rtol=1e-14)
    np.testing.assert_array_equal(drop.backward(dY), dX)  # backward again: still the same mask
    assert not np.array_equal(drop.forward(X) != 0, Y != 0)  # a new forward draws a new mask


def test_dropout_backward_matches_central_differences_with_a_fixed_mask(rng):
    drop = layers.Dropout(0.3)
    X, dY = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))

    def loss():  # the same random numbers at every call: a fixed mask, a fixed function
        drop.rng = np.random.default_rng(7)
        return np.sum(dY * drop.forward(X))

    numeric = numerical(loss, X)
    loss()
    np.testing.assert_allclose(drop.backward(dY), numeric, rtol=1e-7, atol=1e-9)


def test_dropout_is_reproducible_with_a_seeded_rng():
    X = np.ones((3, 8))
    a = layers.Dropout(0.5, rng=np.random.default_rng(1)).forward(X)
    b = layers.Dropout(0.5, rng=np.random.default_rng(1)).forward(X)
    np.testing.assert_array_equal(a, b)


def test_dropout_is_the_identity_in_evaluation_mode_and_for_p_0(rng):
    X = rng.normal(size=(3, 4, 2))  # any shape with a batch axis
    for drop in (layers.Dropout(0.5, rng=rng).eval(), layers.Dropout(0.0, rng=rng)):
        Y = drop.forward(X)
        np.testing.assert_array_equal(Y, X)
        assert Y is not X
        dY = rng.normal(size=X.shape)
        np.testing.assert_array_equal(drop.backward(dY), dY)


def test_dropout_in_a_network_trains_and_predicts_deterministically(rng):
    model = layers.Sequential(layers.Linear(4, 16, rng=rng), layers.Activation("relu"),
                              layers.Dropout(0.5, rng=rng), layers.Linear(16, 3, rng=rng))
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.05), X, y, epochs=2, rng=rng, progress=False)
    np.testing.assert_array_equal(training.predict(model, X), training.predict(model, X))
    assert model.training  # fit and predict put the mode back


def test_modes_work_on_the_unchecked_path(rng):
    """A Sequential calls forward_unchecked on every module after the first: BatchNorm's
    statistics and checks of mode, and Dropout's mask, must live there too."""
    bn, drop = layers.BatchNorm(3, momentum=0.5), layers.Dropout(0.5, rng=rng)
    X = rng.normal(size=(6, 3))
    Y = bn.forward_unchecked(X)
    np.testing.assert_allclose(bn.running_mean, 0.5 * X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(Y.mean(axis=0), 0, atol=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        bn.forward_unchecked(X[:1])
    bn.eval()
    np.testing.assert_allclose(bn.forward_unchecked(X),
                               (X - bn.running_mean) / np.sqrt(bn.running_var + bn.eps), rtol=1e-12)
    with pytest.raises(RuntimeError, match="running statistics"):
        layers.BatchNorm(3).eval().forward_unchecked(X)
    Y = drop.forward_unchecked(X)
    assert drop._mask is not None and set(np.unique(drop._mask)) <= {0.0, 2.0}
    np.testing.assert_array_equal(Y, X * drop._mask)
    np.testing.assert_array_equal(drop.backward_unchecked(np.ones_like(X)), drop._mask)
    np.testing.assert_array_equal(drop.eval().forward_unchecked(X), X)


def test_dropout_errors(rng):
    for p in (-0.1, 1.0, 1.5, True, "0.5", None):
        with pytest.raises(ValueError, match="p to be a number in"):
            layers.Dropout(p)
    drop = layers.Dropout(0.5, rng=rng)
    with pytest.raises(RuntimeError, match="before forward"):
        drop.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="batch axis"):
        drop.forward(np.float64(3.0))
    drop.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected dY of shape \(2, 3\), got \(3, 2\)"):
        drop.backward(np.ones((3, 2)))
