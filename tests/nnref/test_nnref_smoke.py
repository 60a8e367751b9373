"""Quick end-to-end smoke test of nnref's core: build, check gradients, train a few steps."""

import numpy as np

from nnref import gradcheck, layers, losses, optimizers


def test_mlp_gradients_and_a_few_training_steps_reduce_the_loss():
    rng = np.random.default_rng(0)
    model = layers.MLP([3, 6, 2], activation="tanh", rng=rng)
    errors = gradcheck.check_module(model, rng.standard_normal((5, 3)), rng=rng)
    assert max(errors.values()) < 1e-6, errors

    X = rng.standard_normal((40, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    loss, opt = losses.SoftmaxCrossEntropy(), optimizers.SGD(lr=0.5)
    first = loss.forward(model.forward(X), y)
    for _ in range(50):
        out = model.forward(X)
        model.backward(loss.backward(out, y))
        opt.step(model)
    assert loss.forward(model.forward(X), y) < 0.5 * first
