"""One training epoch of an MLP, done four ways, for timing side by side.

* :func:`nnref_epoch` -- ``training.fit`` on ``layers.MLP``, ``losses.SoftmaxCrossEntropy``,
  ``optimizers.SGD`` (what the course teaches);
* :func:`handwritten_epoch` -- the same math as a plain NumPy loop, the floor nnref is
  compared against: same shuffling, same minibatches, same per-batch loss and accuracy
  bookkeeping as ``fit``'s History, same in-place SGD update;
* :func:`sklearn_epoch` -- scikit-learn's ``MLPClassifier(solver="sgd")``, one epoch;
* :func:`torch_epoch` -- PyTorch on the CPU, only if it is installed (not a dependency).

All take the same data and network shape and return nothing; the caller times them.
"""

import numpy as np

from nnref import layers, losses, optimizers, training

LR = 0.01


def make_data(n, n_in, n_classes, dtype, seed=0):
    """Synthetic classification data: Gaussian inputs, labels from a random linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in)).astype(dtype)
    y = (X @ rng.standard_normal((n_in, n_classes)).astype(dtype)).argmax(axis=1)
    return X, y


def new_mlp(sizes, dtype, seed=1):
    """A fresh ``layers.MLP`` (ReLU, He initialization)."""
    return layers.MLP(sizes, rng=np.random.default_rng(seed), dtype=dtype)


def nnref_epoch(model, X, y, batch_size, seed=2):
    """One epoch of ``training.fit`` with plain SGD, no progress bar."""
    training.fit(model, losses.SoftmaxCrossEntropy(), optimizers.SGD(LR), X, y, epochs=1,
                 batch_size=batch_size, rng=np.random.default_rng(seed), progress=False)


def handwritten_epoch(model, X, y, batch_size, seed=2):
    """The same epoch written out with NumPy only, on the same parameter arrays.

    Hidden layers ``Z = A W + b``, ``A = max(Z, 0)``; output logits; softmax
    cross-entropy on integer labels; backward ``dW = A^T dZ``, ``db = sum dZ``,
    ``dA = dZ W^T``, ``dZ = dA * (Z > 0)``; SGD ``W -= lr dW``.
    """
    Ws = [m.params["W"] for m in model if isinstance(m, layers.Linear)]
    bs = [m.params["b"] for m in model if isinstance(m, layers.Linear)]
    order = np.random.default_rng(seed).permutation(len(X))
    loss_sum, correct = 0.0, 0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        A, labels = X[batch], y[batch]
        rows = np.arange(len(batch))
        inputs, Zs = [], []
        for i, (W, b) in enumerate(zip(Ws, bs)):
            inputs.append(A)
            Z = A @ W + b
            Zs.append(Z)
            A = np.maximum(Z, 0) if i < len(Ws) - 1 else Z
        shifted = A - A.max(axis=1, keepdims=True)
        P = np.exp(shifted)
        P /= P.sum(axis=1, keepdims=True)
        loss_sum += -np.log(P[rows, labels]).sum()
        correct += int((A.argmax(axis=1) == labels).sum())
        dZ = P
        dZ[rows, labels] -= 1
        dZ /= len(batch)
        for i in range(len(Ws) - 1, -1, -1):
            dW, db = inputs[i].T @ dZ, dZ.sum(axis=0)
            if i > 0:
                dZ = (dZ @ Ws[i].T) * (Zs[i - 1] > 0)
            Ws[i] -= LR * dW
            bs[i] -= LR * db
    return loss_sum / len(X), correct / len(X)


def gemm_only_epoch(model, X, batch_size):
    """Only the matrix products of one epoch (3 per layer, minus dX of the first layer)."""
    Ws = [m.params["W"] for m in model if isinstance(m, layers.Linear)]
    for start in range(0, len(X), batch_size):
        A = X[start:start + batch_size]
        inputs = []
        for W in Ws:
            inputs.append(A)
            A = A @ W
        dZ = A
        for i in range(len(Ws) - 1, -1, -1):
            inputs[i].T @ dZ
            if i > 0:
                dZ = dZ @ Ws[i].T


def epoch_flops(sizes, n):
    """Floating-point operations of the matrix products in one epoch of ``n`` examples."""
    forward = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    backward_dX = sum(a * b for a, b in zip(sizes[1:-1], sizes[2:]))
    return 2 * n * (2 * forward + backward_dX)


def sklearn_classifier(sizes, batch_size):
    """``MLPClassifier(solver="sgd")`` set up like the nnref run: ReLU, plain SGD, one epoch."""
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu", solver="sgd",
                         batch_size=batch_size, learning_rate_init=LR, momentum=0.0, alpha=0.0,
                         max_iter=1, shuffle=True, random_state=0, tol=0.0, n_iter_no_change=10**9)


def sklearn_epoch(classifier, X, y, classes):
    """One epoch of scikit-learn's MLPClassifier (``partial_fit`` = exactly one pass)."""
    classifier.partial_fit(X, y, classes=classes)


def torch_available():
    """Whether PyTorch can be imported (it is not a dependency of the course)."""
    try:
        import torch  # noqa: F401  (optional: compared only if installed)
    except ImportError:
        return False
    return True


def torch_mlp(sizes, seed=1):
    """The same network in PyTorch (CPU, float32): ``(net, optimizer)``, plain SGD."""
    import torch

    torch.manual_seed(seed)
    mods = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(sizes) - 2 else [])
    net = torch.nn.Sequential(*mods)
    return net, torch.optim.SGD(net.parameters(), lr=LR)


def torch_epoch(net, optimizer, X, y, batch_size, seed=2):
    """One epoch of ``net`` in PyTorch on the NumPy arrays ``X``, ``y`` (shared memory, no copy).

    The same work as the other two: shuffling, minibatches, the fused softmax cross-entropy,
    and the per-batch loss and accuracy bookkeeping of ``fit``'s History.
    """
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(X)))
    loss_sum, correct = 0.0, 0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        X_b, y_b = Xt[batch], yt[batch]
        optimizer.zero_grad()
        out = net(X_b)
        loss = torch.nn.functional.cross_entropy(out, y_b)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(batch)
        correct += int((out.detach().argmax(dim=1) == y_b).sum())
    return loss_sum / len(X), correct / len(X)
