"""The module contract (ARCHITECTURE.md, "The nnref module contract"), checked for every module class.

The classes are discovered: every subclass of ``nnref.layers.Module`` defined in a module
of the ``nnref`` package is tested, so a layer added later is covered as soon as it exists.
Each needs an example (a small instance and an input batch) in ``EXAMPLES`` below; a class
without one fails ``test_every_module_class_has_an_example`` with a message saying so.
Private base classes (a name starting with ``_``, such as ``conv._Pool2D``) are skipped.

The same holds for activation functions (subclasses of ``ActivationFunction``) and losses
(subclasses of ``Loss``).
"""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import nnref
from nnref import activations, gradcheck, layers, losses, optimizers


def _discover(base):
    """Every concrete subclass of ``base`` defined in a module of the nnref package."""
    found = {}
    for info in pkgutil.iter_modules(nnref.__path__):
        if info.name in ("figures", "grading"):  # no layers there; grading stubs nnref when graded
            continue
        module = importlib.import_module(f"nnref.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__.startswith("nnref.") and not cls.__name__.startswith("_"):
                found[cls.__name__] = cls
    return found


MODULE_CLASSES = {name: cls for name, cls in _discover(layers.Module).items() if name != "Module"}


def _rng(seed=0):
    return np.random.default_rng(seed)


def _cls(module, name):
    return getattr(module, name)


# name -> (make(dtype) -> module, input shape). dtype is float64 or float32; modules without
# parameters ignore it (they keep the input's dtype).
EXAMPLES = {
    "Linear": (lambda dtype: layers.Linear(3, 4, rng=_rng(), dtype=dtype), (5, 3)),
    "Activation": (lambda dtype: layers.Activation("tanh"), (5, 3)),
    "Sequential": (lambda dtype: layers.MLP([3, 4, 2], activation="tanh", rng=_rng(), dtype=dtype), (5, 3)),
    "Conv1D": (lambda dtype: _cls(nnref.conv, "Conv1D")(2, 3, 2, rng=_rng(), dtype=dtype), (2, 5, 2)),
    "RNN": (lambda dtype: _cls(nnref.recurrent, "RNN")(2, 3, rng=_rng(), dtype=dtype), (2, 4, 2)),
    # Part 4 (chapters 12 and 13).
    "Conv2D": (lambda dtype: _cls(nnref.conv, "Conv2D")(2, 3, 2, rng=_rng(), dtype=dtype), (2, 4, 4, 2)),
    "MaxPool2D": (lambda dtype: _cls(nnref.conv, "MaxPool2D")(2), (2, 4, 4, 3)),
    "AvgPool2D": (lambda dtype: _cls(nnref.conv, "AvgPool2D")(2), (2, 4, 4, 3)),
    "Flatten": (lambda dtype: layers.Flatten(), (2, 3, 2, 2)),
    "BatchNorm": (lambda dtype: layers.BatchNorm(4, dtype=dtype), (6, 4)),
    "LayerNorm": (lambda dtype: layers.LayerNorm(4, dtype=dtype), (6, 4)),
    "Dropout": (lambda dtype: layers.Dropout(0.5, rng=_rng()), (5, 4)),
}
STOCHASTIC = {"Dropout"}  # random in training mode: gradients are checked in evaluation mode


def _takes_dtype(cls):
    return "dtype" in inspect.signature(cls).parameters


def example(name, dtype=np.float64, seed=1):
    """A module of class ``name`` and a random input batch for it (in ``dtype``)."""
    make, shape = EXAMPLES[name]
    module = make(dtype)
    X = _rng(seed).standard_normal(shape).astype(dtype)
    if name in STOCHASTIC:
        module.eval()
    return module, X


def test_discovery_finds_the_known_modules():
    assert {"Linear", "Activation", "Sequential", "Conv1D", "RNN"} <= set(MODULE_CLASSES)


@pytest.mark.parametrize("name", sorted(MODULE_CLASSES))
def test_every_module_class_has_an_example(name):
    assert name in EXAMPLES, (f"{name} is an nnref module without an example in {__file__}: add one to "
                              "EXAMPLES so that the contract tests cover it")


covered = pytest.mark.parametrize("name", sorted(set(MODULE_CLASSES) & set(EXAMPLES)))


@covered
def test_params_grads_and_decay_agree(name):
    module, _ = example(name)
    params, grads, decay = module.params, module.grads, module.decay
    assert params.keys() == grads.keys() == decay.keys()
    for key, p in params.items():
        assert isinstance(p, np.ndarray) and isinstance(grads[key], np.ndarray), key
        assert grads[key].shape == p.shape and grads[key].dtype == p.dtype, key
        assert isinstance(decay[key], bool), key
        # the convention: weight matrices and kernels are decayed, vectors (biases, scales) are not
        assert decay[key] == (p.ndim >= 2), f"{name}: decay of {key!r} is {decay[key]} for shape {p.shape}"
    assert [(p.name, p.decay) for p in module.parameters()] == list(decay.items())


@covered
def test_backward_writes_into_the_same_gradient_arrays(name):
    module, X = example(name)
    before = {key: g for key, g in module.grads.items()}
    for seed in (2, 3):  # twice: the second backward must overwrite, not add to, the first
        Y = module.forward(X)
        dY = _rng(seed).standard_normal(Y.shape)
        dX = module.backward(dY)
        assert dX.shape == X.shape and dX.dtype == X.dtype
        for key, g in module.grads.items():
            assert g is before[key], f"{name}.backward replaced grads[{key!r}] instead of writing into it"
    expected = {key: g.copy() for key, g in module.grads.items()}
    module.forward(X)
    module.backward(dY, input_grad=False)  # the same dY again: the same gradients, not twice them
    for key, g in module.grads.items():
        np.testing.assert_allclose(g, expected[key], rtol=1e-12, err_msg=key)


@covered
def test_gradients_match_central_differences(name):
    module, X = example(name)
    errors = gradcheck.check_module(module, X, rng=_rng(4))
    assert max(errors.values()) < 1e-6, errors


@covered
def test_input_grad_false_returns_none_and_still_fills_grads(name):
    module, X = example(name)
    module.forward(X)
    for g in module.grads.values():
        g.fill(0)
    assert module.backward(np.ones(module.forward(X).shape), input_grad=False) is None
    for key, g in module.grads.items():
        assert np.any(g != 0), f"{name}.backward(input_grad=False) left grads[{key!r}] at zero"


@covered
def test_unchecked_paths_compute_the_same(name):
    module, X = example(name)
    Y = module.forward(X)
    dY = _rng(5).standard_normal(Y.shape)
    dX = module.backward(dY)
    grads = {key: g.copy() for key, g in module.grads.items()}
    np.testing.assert_array_equal(module.forward_unchecked(X), Y)
    np.testing.assert_array_equal(module.backward_unchecked(dY), dX)
    for key, g in module.grads.items():
        np.testing.assert_array_equal(g, grads[key], err_msg=key)


@covered
def test_backward_before_forward_is_a_clear_error(name):
    module, X = example(name)
    with pytest.raises(RuntimeError, match="was called before forward"):
        module.backward(np.zeros(X.shape))


@covered
def test_bad_input_is_a_clear_error(name):
    module, X = example(name)
    with pytest.raises(ValueError, match=r"\.forward expected X "):
        module.forward(np.float64(1.0))  # no batch axis
    bad = X.copy()
    bad.flat[0] = np.nan
    with pytest.raises(ValueError, match=r"\.forward got NaN in X \(1 of"):
        module.forward(bad)
    with pytest.raises(TypeError, match="numeric array"):
        module.forward(np.full(X.shape, "a"))
    Y = module.forward(X)
    with pytest.raises(ValueError, match=r"\.backward expected d\w+ of shape"):
        module.backward(np.zeros(Y.shape + (1,)))


@covered
def test_integer_input_is_converted(name):
    module, X = example(name)
    Y = module.forward(np.round(X * 3).astype(np.int64))
    assert Y.dtype == np.float64


@covered
def test_float32_stays_float32(name):
    cls = MODULE_CLASSES[name]
    module, X = example(name, dtype=np.float32)
    for X_in in (X, X.astype(np.float64)):  # float64 input is converted if the module has a dtype
        Y = module.forward(X_in)
        if _takes_dtype(cls) or X_in.dtype == np.float32 or name == "Sequential":
            assert Y.dtype == np.float32
            dX = module.backward(np.ones(Y.shape))  # a float64 upstream gradient too
            assert dX.dtype == np.float32
    assert all(g.dtype == np.float32 for g in module.grads.values())
    assert all(p.dtype == np.float32 for p in module.params.values())


@covered
def test_train_and_eval_switch_and_return_the_module(name):
    module, _ = example(name)
    assert module.eval() is module and module.training is False
    assert module.train() is module and module.training is True
    for inner in getattr(module, "modules", []):
        assert inner.training is True


@covered
def test_weight_decay_applies_exactly_to_the_declared_parameters(name):
    module, X = example(name)
    module.forward(X)
    module.backward(np.zeros(module.forward(X).shape))  # zero gradients: only the decay moves
    before = {key: p.copy() for key, p in module.params.items()}
    lr, lam = 0.1, 0.5
    optimizers.SGD(lr, weight_decay=lam).step(module)
    for key, p in module.params.items():
        factor = 1 - lr * lam if module.decay[key] else 1.0
        np.testing.assert_allclose(p, factor * before[key], rtol=1e-12, err_msg=f"{name} {key}")


def test_rnn_weights_are_decayed():  # the bug: decay used to key on names ending in "W"
    rnn = nnref.recurrent.RNN(2, 3, rng=_rng())
    assert rnn.decay == {"Wx": True, "Wh": True, "b": False}


# Activation functions ------------------------------------------------------------------

ACTIVATION_CLASSES = {name: cls for name, cls in _discover(activations.ActivationFunction).items()
                      if name not in ("ActivationFunction", "Elementwise")}


def test_every_activation_has_a_name():
    names = {type(activations.get(n)).__name__ for n in activations._BY_NAME}
    assert names == set(ACTIVATION_CLASSES)


@pytest.mark.parametrize("name", sorted(ACTIVATION_CLASSES))
def test_activation_unchecked_paths_compute_the_same(name):
    f = ACTIVATION_CLASSES[name]()
    z, g = _rng(6).standard_normal((4, 5)), _rng(7).standard_normal((4, 5))
    np.testing.assert_array_equal(f.forward_unchecked(z), f.forward(z))
    np.testing.assert_array_equal(f.backward_unchecked(z, g), f.backward(z, g))
    if isinstance(f, activations.Elementwise):
        np.testing.assert_array_equal(f.derivative_unchecked(z), f.derivative(z))
        np.testing.assert_allclose(f.backward(z, g), g * f.derivative(z), rtol=1e-15)
    with pytest.raises(ValueError, match="got NaN in z"):
        f.forward(np.array([[np.nan, 1.0]]))


# Losses ----------------------------------------------------------------------------------

LOSS_CLASSES = {name: cls for name, cls in _discover(losses.Loss).items() if name not in ("Loss", "MulticlassLoss")}


@pytest.mark.parametrize("name", sorted(LOSS_CLASSES))
def test_each_loss_declares_whether_accuracy_applies(name):
    loss = LOSS_CLASSES[name]()
    assert isinstance(loss.has_accuracy, bool)
    y_hat = np.array([[0.2, 0.8], [0.9, 0.1], [0.4, 0.6]])
    y = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    if loss.has_accuracy:
        assert loss.correct_count(y_hat, y) == 2
    else:
        with pytest.raises(TypeError, match="not a classification loss"):
            loss.correct_count(y_hat, y)


@pytest.mark.parametrize("name", sorted(LOSS_CLASSES))
def test_each_loss_is_its_checks_plus_its_unchecked_math(name):
    """forward/backward/forward_backward = check + the unchecked twin, which fit uses after
    checking all the targets once; the checks catch NaN and mismatched targets."""
    loss = LOSS_CLASSES[name]()
    y_hat = np.array([[0.2, 0.8], [0.9, 0.1], [0.4, 0.6]])
    y = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    checked_y_hat, checked_y = loss.check(y_hat, y)
    assert loss.forward_unchecked(checked_y_hat, checked_y) == loss.forward(y_hat, y)
    np.testing.assert_array_equal(loss.backward_unchecked(checked_y_hat, checked_y), loss.backward(y_hat, y))
    value, grad = loss.forward_backward_unchecked(checked_y_hat, checked_y)
    assert value == pytest.approx(loss.forward(y_hat, y), rel=1e-15)
    np.testing.assert_allclose(grad, loss.backward(y_hat, y), rtol=1e-15)
    np.testing.assert_array_equal(loss.check_targets(y, y_hat.shape, np.dtype(np.float32), "here"),
                                  y.astype(np.float32))
    with pytest.raises(ValueError, match=r"here expected y_hat and y of the same shape"):
        loss.check_targets(y[:, :1], y_hat.shape, y_hat.dtype, "here")
    with pytest.raises(ValueError, match="got NaN in y_hat"):
        loss.forward_backward(np.where(y_hat > 0.85, np.nan, y_hat), y)
