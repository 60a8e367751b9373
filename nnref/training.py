"""Training loop: minibatch stochastic gradient descent (the pseudocode of the notes on
back-propagation, MIT 6.390; see the References page).

::

    for each epoch:
        shuffle the training examples
        for each minibatch (X_b, y_b):
            Y_hat = model.forward(X_b)          # forward pass, layers keep their caches
            L     = loss.forward(Y_hat, y_b)    # mean loss over the minibatch
            dY    = loss.backward(Y_hat, y_b)   # dL/dY_hat, includes the 1/len(X_b)
            model.backward(dY)                  # fills model.grads
            optimizer.step(model)               # updates model.params in place

The training loss and accuracy recorded for an epoch are the averages over its
minibatches, measured *while* training (each batch before its update). This costs
nothing extra; pass ``eval_train=True`` to instead recompute them over the whole
training set with the parameters at the end of the epoch (one more forward pass).

Modes: :func:`fit` runs the model in training mode, :func:`predict` and :func:`evaluate` in
evaluation mode (so that batch normalization uses its running statistics and dropout keeps
every unit); each puts back the modes the model and its modules had when it was called.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from . import losses as _losses
from ._checks import check_positive_int
from .layers import Module
from .optimizers import Optimizer


@dataclass
class History:
    """Per-epoch metrics returned by :func:`fit` (one list entry per epoch).

    ``train_accuracy``/``val_accuracy`` are recorded only for losses whose ``has_accuracy``
    is true, the classification losses (accuracy has no meaning for regression);
    ``val_loss``/``val_accuracy`` stay empty without validation data.
    """

    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)


@contextmanager
def _mode(model, training):
    """Run the body with ``model`` in training (``True``) or evaluation mode, then restore.

    The modes of the model and of every module inside it (through ``.modules``) are saved
    and put back afterwards, also after an error. A model without ``train`` is left alone.
    """
    saved, stack = [], [model]
    while stack:  # containers come before their modules, so restoring in order is right
        module = stack.pop(0)
        if hasattr(module, "train") and hasattr(module, "training"):
            saved.append((module, module.training))
        stack.extend(getattr(module, "modules", None) or ())
    if hasattr(model, "train"):
        model.train(training)
    try:
        yield
    finally:
        for module, mode in saved:
            module.train(mode)


def correct_count(y_hat: np.ndarray, y: np.ndarray, loss: _losses.Loss) -> int:
    """Return how many rows of ``y_hat`` predict the right class of ``y``, as ``loss`` counts them.

    The same as ``loss.correct_count(y_hat, y)``: classes are the ``argmax`` over the outputs
    (of logits or probabilities alike); with :class:`~nnref.losses.BinaryCrossEntropy` an
    output counts as class 1 when > 0.5. ``y`` holds integer labels ``(N,)`` or one-hot rows
    ``(N, K)``. Raises ``TypeError`` for a loss without accuracy (``loss.has_accuracy`` false).
    """
    return _losses.get(loss).correct_count(np.asarray(y_hat), np.asarray(y))


def predict(model: Module, X: ArrayLike, batch_size: int = 1024) -> np.ndarray:
    """Return ``model``'s outputs for ``X``, computed ``batch_size`` rows at a time.

    For a classifier ending in logits, ``predict(model, X).argmax(axis=1)`` gives the labels.
    The model runs in evaluation mode (``model.eval()``); its modes are restored afterwards.
    """
    check_positive_int(batch_size, "predict", "batch_size")
    X = np.asarray(X)
    if len(X) == 0:
        raise ValueError("predict expected at least one example in X, got none")
    with _mode(model, training=False):
        return np.concatenate([model.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])


def evaluate(model: Module, loss: str | _losses.Loss, X: ArrayLike, y: ArrayLike,
             batch_size: int = 1024) -> tuple[float, float | None]:
    """Return ``(loss, accuracy)`` of ``model`` on ``(X, y)``; accuracy is ``None`` for regression.

    Computed in evaluation mode, like :func:`predict`.
    """
    loss = _losses.get(loss)
    y = np.asarray(y)
    y_hat = predict(model, X, batch_size)
    accuracy = loss.correct_count(y_hat, y) / len(y) if loss.has_accuracy else None
    return loss.forward(y_hat, y), accuracy


def fit(model: Module, loss: str | _losses.Loss, optimizer: Optimizer, X: ArrayLike, y: ArrayLike,
        epochs: int = 1, batch_size: int = 32, rng: np.random.Generator | None = None,
        validation: tuple[ArrayLike, ArrayLike] | None = None, progress: bool = True,
        eval_train: bool = False) -> History:
    """Train ``model`` in place with minibatch SGD and return a :class:`History`.

    ``X`` has shape ``(N, n_in)`` (or ``(N, H, W, C)`` for a convolutional network); ``y``
    holds what ``loss`` expects (integer labels ``(N,)``, one-hot ``(N, K)`` or regression
    targets ``(N, n_out)``); ``X`` is checked and converted to the model's dtype once, before
    the first epoch. Each epoch visits
    the examples in a new random order drawn from ``rng``; the last minibatch may be
    smaller. ``loss`` is a loss instance or name. ``validation=(X_val, y_val)`` is
    evaluated after every epoch. ``progress=True`` shows a tqdm progress bar (in a
    terminal or in JupyterLab) with the latest epoch's metrics. The recorded training
    metrics are averages over the epoch's minibatches unless ``eval_train=True`` (see the
    module docstring). The model trains in training mode (``model.train()``; validation runs
    in evaluation mode); its modes are restored when ``fit`` returns.
    """
    loss = _losses.get(loss)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 2:  # (N, n_in) for dense networks; (N, H, W, C) images for convolutional ones
        raise ValueError(f"fit expected X of shape (N, n_in) (or (N, H, W, C) images), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"fit expected as many targets as examples, got X {X.shape} and y {y.shape}")
    check_positive_int(epochs, "fit", "epochs")
    check_positive_int(batch_size, "fit", "batch_size")
    rng = np.random.default_rng() if rng is None else rng
    # Validation at the boundary: X is checked once for the whole data set (converted to the
    # model's dtype, NaN rejected, its shape checked by the first module), the targets once on
    # the first batch (when the outputs' shape is known), the modules inside the model on the
    # first batch. Later batches take the unchecked paths; a NaN or infinite loss stops fit.
    check_input = getattr(model, "check_input", None)
    if check_input is not None:
        X = check_input(X)
    fast = False  # True after the first batch, for nnref models
    targets = None  # y, checked by the loss on the first batch
    classify = loss.has_accuracy
    n = len(X)
    n_batches = -(-n // batch_size)
    history = History()
    with _mode(model, training=True), \
            tqdm(total=epochs * n_batches, disable=not progress, unit="batch") as bar:
        for epoch in range(epochs):
            order = rng.permutation(n)
            loss_sum, correct = 0.0, 0
            for start in range(0, n, batch_size):
                batch = order[start:start + batch_size]
                X_b = X[batch]
                if fast:
                    y_hat = model.forward_unchecked(X_b)
                else:
                    y_hat = np.asarray(model.forward(X_b))
                    if targets is None:
                        targets = loss.check_targets(y, (n, *y_hat.shape[1:]), y_hat.dtype, f"fit: {loss!r}")
                y_b = targets[batch]
                batch_loss, grad = loss.forward_backward_unchecked(y_hat, y_b)  # = forward, backward
                if not math.isfinite(batch_loss):  # NaN or inf in the outputs, or a loss overflowed
                    raise _diverged(loss, batch_loss, X_b, y_hat, epoch, start // batch_size, n_batches)
                loss_sum += batch_loss * len(batch)
                if classify:
                    correct += loss.correct_count(y_hat, y_b)
                if fast:  # nobody needs dL/dX of the data
                    model.backward_unchecked(grad, input_grad=False)
                else:
                    model.backward(grad, input_grad=False)
                    fast = check_input is not None
                optimizer.step(model)
                bar.update()
            if eval_train:
                train_loss, train_acc = evaluate(model, loss, X, y)
            else:
                train_loss, train_acc = loss_sum / n, correct / n
            history.train_loss.append(train_loss)
            if classify:
                history.train_accuracy.append(train_acc)
            if validation is not None:
                val_loss, val_acc = evaluate(model, loss, *validation)
                history.val_loss.append(val_loss)
                if val_acc is not None:
                    history.val_accuracy.append(val_acc)
            bar.set_postfix(_summary(history, epoch + 1))
    return history


def _diverged(loss, value, X_b, y_hat, epoch, batch, n_batches):
    """The error for a minibatch whose loss is NaN or infinite (checked instead of every output)."""
    y_hat = np.asarray(y_hat, dtype=float)
    nan, inf = int(np.isnan(y_hat).sum()), int(np.isinf(y_hat).sum())
    where = (f"fit: {loss!r} gave the loss {value} in epoch {epoch + 1}, minibatch {batch + 1} of {n_batches}; "
             f"the model's outputs hold {nan} NaN and {inf} infinite of {y_hat.size} entries. ")
    inf_in_X = int(np.isinf(X_b).sum())
    if inf_in_X:
        return ValueError(where + f"The minibatch's X holds {inf_in_X} infinite entries: remove or replace them")
    return ValueError(where + "Training diverged: try a smaller learning rate (or scale X to smaller values)")


def _summary(history, epoch):
    """The latest metrics, for the progress bar."""
    latest = {"epoch": epoch, "loss": f"{history.train_loss[-1]:.4f}"}
    if history.train_accuracy:
        latest["acc"] = f"{history.train_accuracy[-1]:.3f}"
    if history.val_loss:
        latest["val_loss"] = f"{history.val_loss[-1]:.4f}"
    if history.val_accuracy:
        latest["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
    return latest
