"""Bad input gets a clear error that says what was expected and what was received."""

import re

import numpy as np
import pytest

from nnref import activations, initializers, layers, losses, optimizers

nan = np.array([[1.0, np.nan]])


def forwarded_linear():
    lin = layers.Linear(3, 4, rng=np.random.default_rng(0))
    lin.forward(np.zeros((5, 3)))
    return lin


def forwarded_relu():
    layer = layers.Activation("relu")
    layer.forward(np.array([[1.0, -1.0]]))
    return layer


class Mismatched:
    params = {"W": np.zeros(2)}
    grads = {"V": np.zeros(2)}


CASES = [
    # wrong shapes, naming the expected and the received shape
    (lambda: layers.Linear(3, 4).forward(np.zeros((5, 4))), ValueError,
     "Linear(3, 4).forward expected X of shape (N, 3), got (5, 4)"),
    (lambda: layers.Linear(3, 4).forward(np.zeros(3)), ValueError,
     "Linear(3, 4).forward expected X of shape (N, 3), got (3,)"),
    (lambda: forwarded_linear().backward(np.zeros((5, 3))), ValueError,
     "Linear(3, 4).backward expected dY of shape (5, 4), got (5, 3)"),
    (lambda: layers.MLP([2, 3, 1]).forward(np.zeros((4, 3))), ValueError,
     "Linear(2, 3).forward expected X of shape (N, 2), got (4, 3)"),
    (lambda: activations.Sigmoid().backward(np.zeros((2, 3)), np.zeros((3, 2))), ValueError,
     "Sigmoid().backward expected z and grad_a of the same shape, got z (2, 3) and grad_a (3, 2)"),
    # the classic silent broadcast: (N,) against (N, 1)
    (lambda: losses.SquaredError().forward(np.zeros((5, 1)), np.zeros(5)), ValueError,
     "SquaredError(half=False).forward expected y_hat and y of the same shape, got y_hat (5, 1) and y (5,) "
     "(an (N,) array and an (N, 1) array would broadcast to (N, N): reshape one of them)"),
    (lambda: losses.AbsoluteError().backward(np.zeros(5), np.zeros((5, 1))), ValueError,
     "AbsoluteError().backward expected y_hat and y of the same shape, got y_hat (5,) and y (5, 1)"),
    (lambda: losses.BinaryCrossEntropy().forward(np.full((4, 1), 0.5), np.zeros(4)), ValueError,
     "expected y_hat and y of the same shape, got y_hat (4, 1) and y (4,)"),
    # class labels
    (lambda: losses.SoftmaxCrossEntropy().forward(np.zeros((3, 4)), np.array([0, 4, 1])), ValueError,
     "SoftmaxCrossEntropy().forward expected labels in 0..3, got values in 0..4"),
    (lambda: losses.SoftmaxCrossEntropy().forward(np.zeros((3, 4)), np.array([0.0, 1.0, 1.0])), ValueError,
     "expected integer class labels of shape (N,) or one-hot targets of shape (N, K); got shape (3,) "
     "with dtype float64"),
    (lambda: losses.CrossEntropy().backward(np.full((3, 2), 0.5), np.array([0, 1])), ValueError,
     "CrossEntropy().backward expected labels y of shape (3,), got (2,)"),
    (lambda: losses.SoftmaxCrossEntropy().forward(np.zeros(4), np.array([1])), ValueError,
     "SoftmaxCrossEntropy().forward expected y_hat of shape (N, K), got (4,)"),
    # probabilities expected, logits given
    (lambda: losses.CrossEntropy().forward(np.array([[2.0, -1.0]]), np.array([0])), ValueError,
     "CrossEntropy().forward expected probabilities in [0, 1] for y_hat, got values in [-1, 2]"),
    (lambda: losses.BinaryCrossEntropy().backward(np.array([[1.5]]), np.array([[1.0]])), ValueError,
     "expected probabilities in [0, 1] for y_hat"),
    # backward before forward
    (lambda: layers.Linear(3, 4).backward(np.zeros((1, 4))), RuntimeError,
     "Linear(3, 4).backward was called before forward"),
    (lambda: layers.Activation("tanh").backward(np.zeros((1, 4))), RuntimeError,
     "Activation(Tanh()).backward was called before forward"),
    (lambda: layers.MLP([2, 2, 2]).backward(np.zeros((1, 2))), RuntimeError,
     "Linear(2, 2).backward was called before forward"),
    # unknown names list the valid ones
    (lambda: activations.get("rleu"), ValueError,
     "unknown activation 'rleu'; valid names are 'identity', 'step', 'sigmoid', 'tanh', 'relu', "
     "'leaky_relu', 'softmax'"),
    (lambda: losses.get("mse"), ValueError,
     "unknown loss 'mse'; valid names are 'squared_error', 'absolute_error', 'binary_cross_entropy', "
     "'cross_entropy', 'softmax_cross_entropy'"),
    (lambda: initializers.get("glorot"), ValueError,
     "unknown initializer 'glorot'; valid names are 'zeros', 'constant', 'normal', 'xavier_uniform', "
     "'xavier_normal', 'he_normal', 'he_uniform'"),
    (lambda: layers.MLP([2, 3, 1], activation="sigmoidd"), ValueError, "unknown activation 'sigmoidd'"),
    (lambda: layers.Linear(2, 3, init="he"), ValueError, "unknown initializer 'he'"),
    # NaN where it would silently propagate
    (lambda: activations.ReLU().forward(nan), ValueError,
     "ReLU().forward got NaN in z (1 of 2 entries)"),
    (lambda: activations.Softmax().forward(nan), ValueError, "Softmax.forward got NaN in z"),
    (lambda: layers.Linear(2, 2).forward(nan), ValueError, "Linear(2, 2).forward got NaN in X"),
    (lambda: losses.SquaredError().forward(nan, np.zeros((1, 2))), ValueError, "got NaN in y_hat"),
    (lambda: losses.SquaredError().backward(np.zeros((1, 2)), nan), ValueError, "got NaN in y"),
    (lambda: losses.SoftmaxCrossEntropy().backward(nan, np.array([0])), ValueError, "got NaN in y_hat"),
    (lambda: forwarded_linear().backward(np.full((5, 4), np.nan)), ValueError,
     "Linear(3, 4).backward got NaN in dY"),
    (lambda: forwarded_relu().backward(np.array([[np.nan, 0.0]])), ValueError,
     "Activation(ReLU()).backward got NaN in dY"),
    (lambda: forwarded_relu().backward(np.zeros((2, 1))), ValueError,
     "Activation(ReLU()).backward expected dY of shape (1, 2), got (2, 1)"),
    (lambda: layers.Activation("relu").forward(3.0), ValueError,
     "Activation(ReLU()).forward expected X with a batch axis, got a scalar"),
    # bad arguments
    (lambda: activations.Sigmoid().forward(np.array(["a", "b"])), TypeError,
     "Sigmoid().forward expected z to be a numeric array, got dtype <U1"),
    (lambda: activations.Softmax().forward(1.0), ValueError, "Softmax.forward expected z with at least one axis"),
    (lambda: activations.LeakyReLU(alpha=-1), ValueError, "LeakyReLU expected alpha to be a finite number >= 0"),
    (lambda: layers.Linear(0, 3), ValueError, "Linear expected n_in to be a positive integer, got 0"),
    (lambda: layers.Linear(2, 3, dtype=np.int64), ValueError, "Linear expected a floating dtype, got int64"),
    (lambda: layers.MLP([3]), ValueError, "MLP expected at least two sizes [n_in, ..., n_out], got [3]"),
    (lambda: layers.Sequential(layers.Linear(1, 1), "relu"), TypeError,
     "Sequential expected modules, got str at position 1"),
    (lambda: initializers.he_normal((3,)), ValueError, "he_normal expected shape=(fan_in, fan_out), got (3,)"),
    (lambda: initializers.normal((0, 2)), ValueError, "normal expected every size in shape to be a positive integer"),
    (lambda: optimizers.SGD(lr=-0.1), ValueError, "SGD expected lr >= 0, got -0.1"),
    (lambda: optimizers.SGD(lr=0.1, momentum=1.0), ValueError, "SGD expected momentum in [0, 1), got 1.0"),
    (lambda: optimizers.Adam(beta2=1.0), ValueError, "Adam expected beta2 in [0, 1), got 1.0"),
    (lambda: optimizers.SGD(0.1).step(Mismatched()), ValueError,
     "SGD.step expected model.grads to have the keys of model.params ['W'], got ['V']"),
]


@pytest.mark.parametrize("call, error, message", CASES, ids=[c[2][:60] for c in CASES])
def test_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
