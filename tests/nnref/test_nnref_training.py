"""nnref.training: fit reaches good accuracy, records History honestly, shows progress."""

import numpy as np
import pytest

from nnref import data, layers, losses, optimizers, training


def test_fit_two_moons_reaches_95_percent_on_fresh_data():
    rng = np.random.default_rng(0)
    X, y = data.moons(400, noise=0.1, rng=rng)
    X_test, y_test = data.moons(400, noise=0.1, rng=rng)
    model = layers.MLP([2, 32, 32, 2], rng=rng)
    history = training.fit(model, losses.SoftmaxCrossEntropy(), optimizers.SGD(0.1, momentum=0.9),
                           X, y, epochs=40, batch_size=32, rng=rng, progress=False)
    assert history.train_accuracy[-1] >= 0.95
    _, accuracy = training.evaluate(model, "softmax_cross_entropy", X_test, y_test)
    assert accuracy >= 0.95


def test_fit_digits_reaches_90_percent_on_held_out_images():
    rng = np.random.default_rng(0)
    X, y = data.digits()
    order = rng.permutation(len(X))
    train, test = order[:1400], order[1400:]
    model = layers.MLP([64, 64, 10], rng=rng)
    history = training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1, momentum=0.9),
                           X[train], y[train], epochs=15, rng=rng, validation=(X[test], y[test]),
                           progress=False)
    assert history.val_accuracy[-1] >= 0.90
    assert history.val_loss[-1] < history.val_loss[0]


def test_history_records_one_entry_per_epoch(rng):
    X, y = data.spirals(90, 3, rng=rng)
    model = layers.MLP([2, 8, 3], rng=rng)
    h = training.fit(model, losses.SoftmaxCrossEntropy(), optimizers.Adam(0.01), X, y, epochs=3,
                     rng=rng, validation=(X[:30], y[:30]), progress=False)
    assert h.epochs == 3
    for values in (h.train_loss, h.train_accuracy, h.val_loss, h.val_accuracy):
        assert len(values) == 3 and all(np.isfinite(values))
    assert all(0 <= a <= 1 for a in h.train_accuracy + h.val_accuracy)


def test_regression_history_has_no_accuracy(rng):
    X, y = data.housing(60, rng=rng)
    model = layers.MLP([1, 8, 1], rng=rng)
    h = training.fit(model, losses.SquaredError(), optimizers.Adam(0.02), X, y, epochs=60, rng=rng,
                     progress=False)
    assert h.train_accuracy == [] and h.val_loss == []
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]


def test_binary_cross_entropy_accuracy_thresholds_probabilities_at_one_half():
    y_hat = np.array([[0.9], [0.4], [0.6], [0.1]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    assert training.correct_count(y_hat, y, losses.BinaryCrossEntropy()) == 2


class CountingMLP(layers.Sequential):
    """Counts the examples that go through forward."""

    def __init__(self, *modules):
        super().__init__(*modules)
        self.seen = 0

    def forward(self, X):
        self.seen += len(X)
        return super().forward(X)

    def forward_unchecked(self, X):  # fit's path after the first batch
        self.seen += len(X)
        return super().forward_unchecked(X)


def test_fit_does_not_recompute_the_training_loss_unless_asked(rng):
    X, y = data.moons(100, rng=rng)
    model = CountingMLP(*layers.MLP([2, 4, 2], rng=rng))
    training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), X, y, epochs=3, batch_size=16,
                 rng=rng, progress=False)
    assert model.seen == 3 * 100  # one forward pass per example per epoch, nothing more
    h = training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), X, y, epochs=1, rng=rng,
                     progress=False, eval_train=True)
    assert model.seen == 3 * 100 + 2 * 100
    assert h.train_loss[0] == pytest.approx(training.evaluate(model, "softmax_cross_entropy", X, y)[0])


def test_minibatch_losses_average_to_the_epoch_loss_when_nothing_is_learned(rng):
    """With lr = 0 the parameters never change, so the running mean is the full-data loss."""
    X, y = data.moons(70, rng=rng)  # 70 = 2 batches of 32 and one of 6: a weighted mean is needed
    model = layers.MLP([2, 5, 2], rng=rng)
    h = training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.0), X, y, batch_size=32,
                     rng=rng, progress=False)
    loss, accuracy = training.evaluate(model, "softmax_cross_entropy", X, y)
    assert h.train_loss[0] == pytest.approx(loss, rel=1e-12)
    assert h.train_accuracy[0] == pytest.approx(accuracy)


def test_same_seed_same_training():
    def train():
        rng = np.random.default_rng(3)
        X, y = data.moons(64, rng=rng)
        model = layers.MLP([2, 6, 2], rng=rng)
        return training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.2), X, y, epochs=2,
                            batch_size=8, rng=rng, progress=False).train_loss

    assert train() == train()


def test_progress_bar_is_shown_only_when_asked(capsys, rng):
    X, y = data.xor()
    model = layers.MLP([2, 3, 2], rng=rng)
    training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), X, y, epochs=2, rng=rng, progress=False)
    assert capsys.readouterr().err == ""
    training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), X, y, epochs=2, rng=rng, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "loss=" in err and "acc=" in err


def test_predict_in_chunks_equals_one_forward_pass(rng):
    model = layers.MLP([3, 4, 2], rng=rng)
    X = rng.standard_normal((25, 3))
    np.testing.assert_allclose(training.predict(model, X, batch_size=7), model.forward(X), rtol=1e-14)


def test_fit_rejects_mismatched_data(rng):
    model = layers.MLP([2, 2], rng=rng)
    with pytest.raises(ValueError, match=r"as many targets as examples, got X \(4, 2\) and y \(3,\)"):
        training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), np.zeros((4, 2)), np.zeros(3, int))
    with pytest.raises(ValueError, match="batch_size to be a positive integer, got 0"):
        training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), np.zeros((4, 2)), np.zeros(4, int),
                     batch_size=0)


def _params(model):
    return {k: v.copy() for k, v in model.params.items()}


def test_fit_checks_every_target_before_the_first_update(rng):
    """The targets are checked once, all of them, so a bad label in a late minibatch stops fit
    before any parameter has changed (the minibatches after the first are not checked again)."""
    X = rng.standard_normal((100, 4))
    y = rng.integers(0, 3, 100)
    y[97] = 3
    model = layers.MLP([4, 5, 3], rng=rng)
    before = _params(model)
    labels = r"fit: SoftmaxCrossEntropy\(\) expected labels in 0\.\.2, got values in 0\.\.3"
    with pytest.raises(ValueError, match=labels):
        training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), X, y, batch_size=10, progress=False)
    for k, v in before.items():
        np.testing.assert_array_equal(model.params[k], v)
    shapes = r"expected y_hat and y of the same shape, got y_hat \(100, 2\) and y \(100, 1\)"
    with pytest.raises(ValueError, match=shapes):
        training.fit(layers.MLP([4, 2], rng=rng), "squared_error", optimizers.SGD(0.1), X, y[:, None] * 1.0,
                     progress=False)


def test_fit_stops_with_a_clear_message_when_training_diverges(rng):
    X = rng.standard_normal((64, 4)) * 1e3
    y = rng.integers(0, 3, 64)
    model = layers.MLP([4, 8, 3], rng=rng)
    with pytest.raises(ValueError, match=r"fit: SoftmaxCrossEntropy\(\) gave the loss nan in epoch \d+, minibatch \d+ "
                                         r"of 4; .* Training diverged: try a smaller learning rate"):
        with np.errstate(all="ignore"):
            training.fit(model, "softmax_cross_entropy", optimizers.SGD(1e6), X, y, epochs=50, batch_size=16,
                         rng=rng, progress=False)


def test_fit_names_infinite_input_when_the_loss_is_not_finite(rng):
    X = rng.standard_normal((64, 4))
    X[40, 1] = np.inf
    y = rng.integers(0, 3, 64)
    with pytest.raises(ValueError, match=r"The minibatch's X holds 1 infinite entries"):
        with np.errstate(all="ignore"):
            training.fit(layers.MLP([4, 8, 3], rng=rng), "softmax_cross_entropy", optimizers.SGD(0.1), X, y,
                         batch_size=64, progress=False)


def test_fit_rejects_nan_in_x_before_training_and_counts_all_of_x(rng):
    X = rng.standard_normal((50, 4))
    X[49, 0] = np.nan
    model = layers.MLP([4, 3], rng=rng)
    before = _params(model)
    with pytest.raises(ValueError, match=r"got NaN in X \(1 of 200 entries\)"):
        training.fit(model, "softmax_cross_entropy", optimizers.SGD(0.1), X, rng.integers(0, 3, 50), progress=False)
    for k, v in before.items():
        np.testing.assert_array_equal(model.params[k], v)
