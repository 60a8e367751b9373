"""Layers (modules): the building blocks of a network.

A module has

* ``forward(X)``: computes its output for a batch ``X`` (one example per row) and keeps
  what ``backward`` will need (the *cache*);
* ``backward(dY) -> dX``: given the upstream gradient ``dY = dL/dY`` (shape of the
  output), stores ``dL/dparam`` in ``grads`` and returns ``dX = dL/dX`` (shape of ``X``).
  It uses the cache of the most recent ``forward``; calling it first is an error;
* ``params`` and ``grads``: dicts with the same keys and shapes (``{}`` if none).

Convention: the book writes one example as a column, ``z = W^T a + b``; code holds a
batch as rows, ``Z = X @ W + b`` with ``X`` of shape ``(N, n_in)``, ``W`` of shape
``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``. Both describe the same layer.

``backward`` takes an optional ``input_grad=False`` to skip computing ``dX`` when
nobody needs it (the first layer of a network, during training); it then returns ``None``.
"""

import numpy as np

from . import activations, initializers
from ._checks import as_float_array, check_positive_int, check_shape


class Module:
    """Base class of all layers: holds ``params``/``grads`` and makes a module callable."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, X):
        """Return the output for the batch ``X`` and remember what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, dY, input_grad=True):
        """Store parameter gradients in ``grads``; return ``dL/dX`` (or ``None`` if not ``input_grad``)."""
        raise NotImplementedError

    def __call__(self, X):
        return self.forward(X)

    def _no_forward_yet(self):
        return RuntimeError(f"{self!r}.backward was called before forward: run forward(X) on "
                            "the batch first, so that the layer has the values backward needs")


class Linear(Module):
    """Dense (fully connected) layer: ``Z = X @ W + b``.

    Shapes: ``X (N, n_in)``, ``W (n_in, n_out)``, ``b (n_out,)``, ``Z (N, n_out)``.

    Backward, for ``dZ = dL/dZ`` of shape ``(N, n_out)``::

        dW = X^T dZ        (n_in, n_out)   -- sums over the examples
        db = sum_n dZ[n]   (n_out,)        -- the bias is shared by every example
        dX = dZ W^T        (N, n_in)

    ``W`` is drawn by ``init`` (a name from :mod:`nnref.initializers` or a function
    ``init(shape, rng=rng)``); ``b`` starts at 0. Parameters, gradients and outputs have
    ``dtype``; input of another dtype is converted to it. ``backward`` overwrites the
    arrays in ``grads`` in place, so copy them if you need an earlier gradient later.
    """

    def __init__(self, n_in, n_out, init="he_normal", rng=None, dtype=np.float64):
        super().__init__()
        check_positive_int(n_in, "Linear", "n_in")
        check_positive_int(n_out, "Linear", "n_out")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self._name = f"Linear({self.n_in}, {self.n_out})"  # for __repr__ and error messages
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"Linear expected a floating dtype, got {self.dtype}")
        W = initializers.get(init)((self.n_in, self.n_out), rng=rng)
        self.params = {"W": np.asarray(W, dtype=self.dtype), "b": np.zeros(self.n_out, self.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._X = None

    def __repr__(self):
        return self._name

    def forward(self, X):
        """Return ``X @ W + b`` (shape ``(N, n_out)``)."""
        where = f"{self._name}.forward"
        X = as_float_array(X, where, "X", dtype=self.dtype)
        check_shape(X, ("N", self.n_in), where, "X")
        self._X = X
        Z = X @ self.params["W"]
        Z += self.params["b"]  # in place: saves a temporary the size of Z
        return Z

    def backward(self, dY, input_grad=True):
        """Set ``grads["W"] = X^T dY`` and ``grads["b"] = sum_n dY[n]``; return ``dY W^T``."""
        if self._X is None:
            raise self._no_forward_yet()
        where = f"{self._name}.backward"
        dY = as_float_array(dY, where, "dY", dtype=self.dtype)
        check_shape(dY, (len(self._X), self.n_out), where, "dY")
        # Written into the same two arrays at every call: no fresh (n_in, n_out) array per
        # minibatch (measured 5-10 % faster training). Copy them to keep a gradient.
        np.matmul(self._X.T, dY, out=self.grads["W"])  # dW = X^T dY
        np.sum(dY, axis=0, out=self.grads["b"])        # db = sum_n dY[n]
        return dY @ self.params["W"].T if input_grad else None


class Activation(Module):
    """Applies an activation function: ``A = f(Z)``; no parameters.

    ``activation`` is an instance from :mod:`nnref.activations` or its name. Backward:
    ``dZ = dA * f'(Z)`` for elementwise activations (the diagonal Jacobian), and the
    softmax Jacobian-vector product for :class:`~nnref.activations.Softmax`.
    """

    def __init__(self, activation):
        super().__init__()
        self.activation = activations.get(activation)
        self._name = f"Activation({self.activation!r})"  # for __repr__ and error messages
        self._Z = None

    def __repr__(self):
        return self._name

    def forward(self, X):
        """Return ``f(X)`` (same shape as ``X``)."""
        X = as_float_array(X, f"{self._name}.forward", "X")
        if X.ndim == 0:
            raise ValueError(f"{self!r}.forward expected X with a batch axis, got a scalar")
        self._Z = X
        return self.activation._forward(X)  # X is checked: use the unchecked math

    def backward(self, dY, input_grad=True):
        """Return ``dL/dX`` given ``dY = dL/dA`` (``None`` if not ``input_grad``)."""
        if self._Z is None:
            raise self._no_forward_yet()
        if not input_grad:
            return None
        where = f"{self._name}.backward"
        dY = as_float_array(dY, where, "dY", dtype=self._Z.dtype)
        check_shape(dY, self._Z.shape, where, "dY")
        return self.activation._backward(self._Z, dY)


class Flatten(Module):
    """Reshape each example to one row: ``(N, d_1, ..., d_k)`` -> ``(N, d_1 * ... * d_k)``; no parameters.

    The bridge from convolution and pooling layers (``(N, H, W, C)``) to dense layers: the
    entries of one example are laid out in NumPy's row-major order (for ``(N, H, W, C)``:
    channel fastest, then column, then row). ``backward`` reshapes ``dY`` back to the input's
    shape -- reshaping moves no number, so its gradient is the same numbers, reshaped.
    """

    def __init__(self):
        super().__init__()
        self._shape = None

    def __repr__(self):
        return "Flatten()"

    def forward(self, X):
        """Return ``X.reshape(N, -1)``."""
        X = as_float_array(X, "Flatten().forward", "X")
        if X.ndim < 2:
            raise ValueError(f"Flatten().forward expected X with a batch axis and at least one more, "
                             f"of shape (N, ...), got {X.shape}")
        self._shape = X.shape
        return X.reshape(len(X), -1)

    def backward(self, dY, input_grad=True):
        """Return ``dY`` reshaped to the shape of the last ``forward``'s input."""
        if self._shape is None:
            raise self._no_forward_yet()
        if not input_grad:
            return None
        dY = as_float_array(dY, "Flatten().backward", "dY")
        N, rest = self._shape[0], int(np.prod(self._shape[1:]))
        check_shape(dY, (N, rest), "Flatten().backward", "dY")
        return dY.reshape(self._shape)


class Sequential(Module):
    """A chain of modules: ``forward`` runs them in order, ``backward`` in reverse.

    ``params`` and ``grads`` are flat dicts keyed ``"<index>.<name>"``, e.g. ``"0.W"``
    for the weights of the first module (nested Sequentials give ``"1.0.W"``). They are
    rebuilt on each access from the modules' own dicts and share their arrays, so an
    in-place update of ``model.params["0.W"]`` changes the layer.
    """

    def __init__(self, *modules):  # no super().__init__(): params/grads are properties
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential expected modules, got {type(module).__name__} at position {i}")
        self.modules = list(modules)

    @property
    def params(self):
        """All parameters, keyed ``"<index>.<name>"``."""
        return {f"{i}.{k}": v for i, m in enumerate(self.modules) for k, v in m.params.items()}

    @property
    def grads(self):
        """All gradients, keyed like :attr:`params`."""
        return {f"{i}.{k}": v for i, m in enumerate(self.modules) for k, v in m.grads.items()}

    def __repr__(self):
        inner = "".join(f"\n  ({i}) {m!r}" for i, m in enumerate(self.modules))
        return f"Sequential({inner}\n)" if inner else "Sequential()"

    def __len__(self):
        return len(self.modules)

    def __getitem__(self, index):
        return self.modules[index]

    def __iter__(self):
        return iter(self.modules)

    def forward(self, X):
        """Return ``modules[-1](...modules[1](modules[0](X)))``."""
        for module in self.modules:
            X = module.forward(X)
        return X

    def backward(self, dY, input_grad=True):
        """Backpropagate ``dY`` through the modules in reverse order; return ``dL/dX``.

        With ``input_grad=False`` the first module skips computing ``dL/dX``.
        """
        for i in range(len(self.modules) - 1, -1, -1):
            dY = self.modules[i].backward(dY, input_grad=input_grad or i > 0)
        return dY


def MLP(sizes, activation="relu", init="he_normal", rng=None, dtype=np.float64):
    """Return a multilayer perceptron as a :class:`Sequential`.

    ``sizes = [n_0, n_1, ..., n_L]`` gives ``Linear(n_0, n_1), Activation, Linear(n_1, n_2),
    ..., Linear(n_{L-1}, n_L)``: no activation after the last layer (the loss owns the
    output, e.g. :class:`~nnref.losses.SoftmaxCrossEntropy` on logits). All layers draw
    their weights from the same ``rng`` in order. ``activation`` is a name or an
    instance (activations hold no state, so hidden layers may share one).
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"MLP expected at least two sizes [n_in, ..., n_out], got {sizes}")
    rng = np.random.default_rng() if rng is None else rng
    modules = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i > 0:
            modules.append(Activation(activations.get(activation)))
        modules.append(Linear(n_in, n_out, init=init, rng=rng, dtype=dtype))
    return Sequential(*modules)


def count_params(model):
    """Return the number of scalar parameters of ``model`` (sum of the sizes in ``params``).

    For an MLP with sizes ``n_0, ..., n_L`` this is ``sum_l (n_{l-1} + 1) n_l``
    (weights plus one bias per unit; seed 003's formula).
    """
    return sum(int(p.size) for p in model.params.values())
