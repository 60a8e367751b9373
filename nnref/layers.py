"""Layers (modules): the building blocks of a network, and the contract every module keeps.

A module has

* ``forward(X)``: computes its output for a batch ``X`` (one example per row) and keeps
  what ``backward`` will need (the *cache*);
* ``backward(dY) -> dX``: given the upstream gradient ``dY = dL/dY`` (shape of the
  output), writes ``dL/dparam`` into the arrays of ``grads`` and returns ``dX = dL/dX``
  (shape of ``X``). It uses the cache of the most recent ``forward``; calling it first is
  an error;
* ``params`` and ``grads``: dicts with the same keys and shapes (``{}`` if none), and
  ``decay``: for each parameter, whether weight decay applies to it (``True`` for weight
  matrices and kernels, ``False`` for biases and scales);
* ``train()`` and ``eval()``: switch between training and evaluation behaviour (layers such
  as dropout differ; those of this module behave the same in both). :class:`Sequential`
  passes them on.

Convention: the book writes one example as a column, ``z = W^T a + b``; code holds a
batch as rows, ``Z = X @ W + b`` with ``X`` of shape ``(N, n_in)``, ``W`` of shape
``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``. Both describe the same layer.

``backward`` takes an optional ``input_grad=False`` to skip computing ``dX`` when
nobody needs it (the first layer of a network, during training); it then returns ``None``.

Every module is in *training mode* or *evaluation mode* (attribute ``training``; training by
default). ``train()`` and ``eval()`` switch it and return the module; a :class:`Sequential`
passes them on to its modules. Only :class:`BatchNorm` and :class:`Dropout` behave
differently in the two modes; :func:`nnref.training.fit` trains in training mode and
:func:`nnref.training.predict`/:func:`nnref.training.evaluate` predict in evaluation mode.

**Writing a new module** (the contract, tested for every module class by
``tests/nnref/test_nnref_contract.py``). Subclass :class:`Module` and

1. in ``__init__``, call ``super().__init__(dtype)`` (``dtype=None`` for a module without
   parameters: it keeps the float dtype of its input) and create every parameter with
   :meth:`Module.add_param`, saying whether weight decay applies to it;
2. override ``_check_input(X, where)`` to check the *shape* of ``X`` (the base class has
   already converted it to a float array of the module's dtype and rejected NaN) with
   ``nnref._checks.check_shape``, raising ``ValueError`` with a message that names
   ``where``, what was expected and what was received;
3. override ``_forward(X)`` (the math, on a checked ``X``; keep what ``backward`` needs) and
   ``_backward(dY, input_grad)`` (``dY`` is checked against the last output's shape and
   dtype): write each gradient **into** ``self.grads[name]`` in place (``out=`` or
   ``g[...] = ...``), never rebind it, so that optimizers can hold on to the arrays.

The public ``forward``/``backward`` do the checks and call those hooks;
``forward_unchecked``/``backward_unchecked`` skip the checks, for callers that have
already validated their input (:class:`Sequential` checks a batch once, at its first module).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import activations, initializers
from ._checks import as_float_array, check_positive_int, check_shape


class Parameter(NamedTuple):
    """One parameter of a model, as :meth:`Module.parameters` lists it (and optimizers hold it)."""

    name: str
    """Its key in ``model.params``, e.g. ``"0.W"``."""
    value: np.ndarray
    """The parameter array (optimizers update it in place)."""
    grad: np.ndarray
    """Its gradient array, of the same shape (``backward`` writes it in place)."""
    decay: bool
    """Whether weight decay applies to it."""
    module: Module | None
    """The module that holds it, as ``module.params[key]`` (``None`` outside nnref's modules)."""
    key: str
    """Its key in ``module.params``, e.g. ``"W"``."""


class Module:
    """Base class of all layers: parameters, the checks of ``forward``/``backward``, ``train``/``eval``.

    ``dtype`` is the floating dtype of the module's parameters and outputs; input of
    another dtype is converted to it. ``None`` (a module without parameters) keeps the
    float dtype of the input (integer input becomes float64).
    """

    #: Name of the output in error messages (``dY``); the RNN calls its output ``H``.
    output_name = "Y"

    def __init__(self, dtype: DTypeLike | None = None):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.decay: dict[str, bool] = {}
        self.training = True
        self.dtype = None if dtype is None else np.dtype(dtype)
        if self.dtype is not None and self.dtype.kind != "f":
            raise ValueError(f"{type(self).__name__} expected a floating dtype, got {self.dtype}")
        self._output = None  # (shape, dtype) of the last forward's output, for backward's checks

    def add_param(self, name: str, value: ArrayLike, *, decay: bool) -> np.ndarray:
        """Create the parameter ``name`` from ``value`` (in the module's dtype) and its zero gradient.

        ``decay`` says whether weight decay (L2 regularization) applies to it: ``True``
        for weight matrices and kernels, ``False`` for biases, scales and shifts.
        Returns the parameter array.
        """
        self.params[name] = np.array(value, dtype=np.float64 if self.dtype is None else self.dtype)
        self.grads[name] = np.zeros_like(self.params[name])
        self.decay[name] = bool(decay)
        return self.params[name]

    def train(self, mode: bool = True) -> Module:
        """Switch to training behaviour (the default; ``mode=False``: evaluation); return the module."""
        self.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation behaviour (e.g. no dropout, running statistics); return the module."""
        return self.train(False)

    def __call__(self, X: ArrayLike) -> np.ndarray:
        return self.forward(X)

    # The public interface: checks, then the subclass's math. -----------------------------

    def forward(self, X: ArrayLike) -> np.ndarray:
        """Return the output for the batch ``X`` and remember what ``backward`` needs.

        ``X`` is converted to a float array of the module's dtype and checked (no NaN, the
        shape the module expects) before the computation.
        """
        Y = self._forward(self.check_input(X))
        self._output = (Y.shape, Y.dtype)
        return Y

    def check_input(self, X: ArrayLike) -> np.ndarray:
        """Return ``X`` as a float array of the module's dtype, after checking it is valid input.

        Raises ``TypeError`` for non-numeric input and ``ValueError`` for NaN or a wrong
        shape, with a message that names the module and what it expected.
        """
        where = f"{self!r}.forward"
        X = as_float_array(X, where, "X", dtype=self.dtype)
        self._check_input(X, where)
        return X

    def forward_unchecked(self, X: np.ndarray) -> np.ndarray:
        """:meth:`forward` without the input checks: ``X`` must already be valid.

        For callers that checked ``X`` themselves (:class:`Sequential` checks a batch
        once, at its first module); bad input gives NumPy's errors or wrong results here.
        """
        Y = self._forward(X)
        self._output = (Y.shape, Y.dtype)
        return Y

    def backward(self, dY: ArrayLike, input_grad: bool = True) -> np.ndarray | None:
        """Write the parameter gradients into ``grads``; return ``dL/dX`` (``None`` if not ``input_grad``).

        ``dY = dL/dY`` must have the shape of the last output of :meth:`forward`; it is
        converted to the output's dtype.
        """
        self._require_forward()
        where = f"{self!r}.backward"
        shape, dtype = self._output
        name = f"d{self.output_name}"
        dY = as_float_array(dY, where, name, dtype=dtype)
        check_shape(dY, shape, where, name)
        return self._backward(dY, input_grad)

    def backward_unchecked(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """:meth:`backward` without the checks of ``dY`` (it must have the output's shape and dtype)."""
        self._require_forward()
        return self._backward(dY, input_grad)

    def parameters(self) -> list[Parameter]:
        """Return a :class:`Parameter` for every parameter, in the order of ``params``."""
        grads, decay = self.grads, self.decay
        if decay.keys() != self.params.keys():
            missing = sorted(set(self.params) - set(decay))
            raise TypeError(f"{self!r} does not say whether weight decay applies to {missing}: create each "
                            "parameter with add_param(name, value, decay=...)")
        return [Parameter(name, p, grads[name], decay[name], self, name) for name, p in self.params.items()]

    # What a subclass overrides. -------------------------------------------------------------

    def _check_input(self, X: np.ndarray, where: str) -> None:
        """Check the shape of ``X`` (already a float array without NaN). Default: it has a batch axis."""
        if X.ndim == 0:
            raise ValueError(f"{where} expected X with a batch axis, got a scalar")

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """The forward computation on a checked ``X``."""
        raise NotImplementedError

    def _backward(self, dY: np.ndarray, input_grad: bool) -> np.ndarray | None:
        """The backward computation: fill ``grads`` in place, return ``dL/dX`` or ``None``."""
        raise NotImplementedError

    def _require_forward(self):
        if self._output is None:
            raise RuntimeError(f"{self!r}.backward was called before forward: run forward(X) on "
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
    ``dtype``; input of another dtype is converted to it. Weight decay applies to ``W``,
    not to ``b``. ``backward`` overwrites the arrays in ``grads`` in place, so copy them if
    you need an earlier gradient later.
    """

    def __init__(self, n_in: int, n_out: int, init: str | Callable = "he_normal",
                 rng: np.random.Generator | None = None, dtype: DTypeLike = np.float64):
        check_positive_int(n_in, "Linear", "n_in")
        check_positive_int(n_out, "Linear", "n_out")
        super().__init__(dtype)
        self.n_in, self.n_out = int(n_in), int(n_out)
        self._name = f"Linear({self.n_in}, {self.n_out})"  # for __repr__ and error messages
        self.add_param("W", initializers.get(init)((self.n_in, self.n_out), rng=rng), decay=True)
        self.add_param("b", np.zeros(self.n_out), decay=False)
        self._X = None

    def __repr__(self):
        return self._name

    def _check_input(self, X, where):
        check_shape(X, ("N", self.n_in), where, "X")

    def _forward(self, X):
        """``X @ W + b`` (shape ``(N, n_out)``)."""
        self._X = X
        Z = X @ self.params["W"]
        Z += self.params["b"]  # in place: saves a temporary the size of Z
        return Z

    def _backward(self, dY, input_grad):
        """``grads["W"] = X^T dY``, ``grads["b"] = sum_n dY[n]``; return ``dY W^T``."""
        # Written into the same two arrays at every call: no fresh (n_in, n_out) array per
        # minibatch (measured 5-10 % faster training). Copy them to keep a gradient.
        np.matmul(self._X.T, dY, out=self.grads["W"])  # dW = X^T dY
        dY.sum(axis=0, out=self.grads["b"])           # db = sum_n dY[n]
        return dY @ self.params["W"].T if input_grad else None


class Activation(Module):
    """Applies an activation function: ``A = f(Z)``; no parameters.

    ``activation`` is an instance from :mod:`nnref.activations` or its name. Backward:
    ``dZ = dA * f'(Z)`` for elementwise activations (the diagonal Jacobian), and the
    softmax Jacobian-vector product for :class:`~nnref.activations.Softmax`. The input
    keeps its float dtype (float32 stays float32). The layer checks its input once and then
    uses the activation's unchecked methods (``forward_unchecked``, ``backward_unchecked``).
    """

    def __init__(self, activation: str | activations.ActivationFunction):
        super().__init__()
        self.activation = activations.get(activation)
        self._name = f"Activation({self.activation!r})"  # for __repr__ and error messages
        self._Z = None

    def __repr__(self):
        return self._name

    def _forward(self, X):
        """``f(X)`` (same shape as ``X``)."""
        self._Z = X
        return self.activation.forward_unchecked(X)

    def _backward(self, dY, input_grad):
        """``dL/dX`` given ``dY = dL/dA`` (``None`` if not ``input_grad``)."""
        return self.activation.backward_unchecked(self._Z, dY) if input_grad else None


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

    def _check_input(self, X, where):
        if X.ndim < 2:
            raise ValueError(f"{where} expected X with a batch axis and at least one more, "
                             f"of shape (N, ...), got {X.shape}")

    def _forward(self, X):
        """Return ``X.reshape(N, -1)``."""
        self._shape = X.shape
        return X.reshape(len(X), -1)

    def _backward(self, dY, input_grad):
        """Return ``dY`` (of shape ``(N, d_1 * ... * d_k)``) reshaped to the shape of the last input."""
        return dY.reshape(self._shape) if input_grad else None


class Sequential(Module):
    """A chain of modules: ``forward`` runs them in order, ``backward`` in reverse.

    ``params``, ``grads`` and ``decay`` are flat dicts keyed ``"<index>.<name>"``, e.g.
    ``"0.W"`` for the weights of the first module (nested Sequentials give ``"1.0.W"``).
    They are rebuilt on each access from the modules' own dicts and share their arrays, so
    an in-place update of ``model.params["0.W"]`` changes the layer.

    Checks happen at the boundary: ``forward`` checks the batch at the first module, and
    the modules after it are checked on the first batch and whenever the shape (past the
    batch axis) or dtype of the input changes; otherwise they trust each other's outputs.
    ``backward`` checks ``dY`` at the last module.
    """

    def __init__(self, *modules: Module):
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential expected modules, got {type(module).__name__} at position {i}")
        # No super().__init__(): params, grads and decay are properties, gathered from the modules.
        self.training, self.dtype, self._output = True, None, None
        self.modules = list(modules)
        self._checked = None  # what the inner modules were last checked with

    @property
    def params(self) -> dict[str, np.ndarray]:
        """All parameters, keyed ``"<index>.<name>"``."""
        return {f"{i}.{k}": v for i, m in enumerate(self.modules) for k, v in m.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """All gradients, keyed like :attr:`params`."""
        return {f"{i}.{k}": v for i, m in enumerate(self.modules) for k, v in m.grads.items()}

    @property
    def decay(self) -> dict[str, bool]:
        """Whether weight decay applies, for every parameter, keyed like :attr:`params`."""
        return {f"{i}.{k}": v for i, m in enumerate(self.modules) for k, v in m.decay.items()}

    def parameters(self) -> list[Parameter]:
        """Return a :class:`Parameter` for every parameter of every module, named ``"<index>.<name>"``."""
        return [p._replace(name=f"{i}.{p.name}") for i, m in enumerate(self.modules) for p in m.parameters()]

    def train(self, mode: bool = True) -> Sequential:
        """Switch every module to training behaviour (``mode=False``: evaluation); return the model."""
        self.training = bool(mode)
        for module in self.modules:
            module.train(mode)
        return self

    def __repr__(self):
        inner = "".join(f"\n  ({i}) {m!r}" for i, m in enumerate(self.modules))
        return f"Sequential({inner}\n)" if inner else "Sequential()"

    def __len__(self):
        return len(self.modules)

    def __getitem__(self, index):
        return self.modules[index]

    def __iter__(self):
        return iter(self.modules)

    def forward(self, X: ArrayLike) -> np.ndarray:
        """Return ``modules[-1](...modules[1](modules[0](X)))``, checking ``X`` at the first module."""
        if not self.modules:
            return as_float_array(X, "Sequential().forward", "X")
        modules = self.modules
        X = modules[0].forward(X)
        checked = self._checked
        if checked is not None and checked[0] == X.shape[1:] and checked[1] == X.dtype and checked[2] == modules:
            for i in range(1, len(modules)):
                X = modules[i].forward_unchecked(X)
        else:
            self._checked = None
            key = (X.shape[1:], X.dtype, list(modules))
            for i in range(1, len(modules)):
                X = modules[i].forward(X)
            self._checked = key
        self._output = (X.shape, X.dtype)
        return X

    def check_input(self, X: ArrayLike) -> np.ndarray:
        """Check ``X`` as the first module would (the identity check if there is none)."""
        return self.modules[0].check_input(X) if self.modules else as_float_array(X, "Sequential().forward", "X")

    def _forward(self, X):
        for module in self.modules:
            X = module.forward_unchecked(X)
        return X

    def backward(self, dY: ArrayLike, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate ``dY`` through the modules in reverse order; return ``dL/dX``.

        ``dY`` is checked at the last module. With ``input_grad=False`` the first module
        skips computing ``dL/dX``.
        """
        if not self.modules:
            return as_float_array(dY, "Sequential().backward", "dY") if input_grad else None
        *rest, last = self.modules
        dY = last.backward(dY, input_grad=input_grad or bool(rest))
        for i in range(len(rest) - 1, -1, -1):
            dY = rest[i].backward_unchecked(dY, input_grad=input_grad or i > 0)
        return dY

    def _backward(self, dY, input_grad):
        for i in range(len(self.modules) - 1, -1, -1):
            dY = self.modules[i].backward_unchecked(dY, input_grad=input_grad or i > 0)
        return dY


def MLP(sizes: list[int], activation: str | activations.ActivationFunction = "relu", init: str | Callable = "he_normal",
        rng: np.random.Generator | None = None, dtype: DTypeLike = np.float64) -> Sequential:
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


def count_params(model: Module) -> int:
    """Return the number of scalar parameters of ``model`` (sum of the sizes in ``params``).

    For an MLP with sizes ``n_0, ..., n_L`` this is ``sum_l (n_{l-1} + 1) n_l``
    (weights plus one bias per unit; Chadha's formula).
    """
    return sum(int(p.size) for p in model.params.values())


# --------------------------------------------------------------------------------------
# Normalization and dropout (chapter 12)
# --------------------------------------------------------------------------------------

def _check_unit_interval(value, where, name, low_open=False):
    """Require a real number in ``[0, 1)`` (``(0, 1)`` if ``low_open``); ``bool`` excluded."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not ((0.0 < value) if low_open else (0.0 <= value)) or not value < 1.0:
        interval = "(0, 1)" if low_open else "[0, 1)"
        raise ValueError(f"{where} expected {name} to be a number in {interval}, got {value!r}")
    return float(value)


def _check_eps(eps, where):
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) or not eps > 0:
        raise ValueError(f"{where} expected eps to be a positive number, got {eps!r}")
    return float(eps)


def _normalize_backward(dxhat, xhat, inv_std, axis):
    r"""The compact closed form of the normalization's backward pass along ``axis``.

    With :math:`m` entries per group (the length of ``axis``),
    :math:`\partial L/\partial x_i = \frac{1}{\sigma}\bigl(g_i - \frac1m \sum_j g_j
    - \hat x_i \frac1m \sum_j g_j \hat x_j\bigr)` for :math:`g = \partial L/\partial \hat x`.
    """
    mean_g = dxhat.mean(axis=axis, keepdims=True)
    mean_gx = (dxhat * xhat).mean(axis=axis, keepdims=True)
    return inv_std * (dxhat - mean_g - xhat * mean_gx)


class BatchNorm(Module):
    r"""Batch normalization (Ioffe and Szegedy, 2015) of ``(N, n)`` batches, feature by feature.

    **Training mode** normalizes each feature (column) ``j`` with the statistics of the batch::

        mu_j  = (1/N) sum_i X[i, j]                      (n,)
        var_j = (1/N) sum_i (X[i, j] - mu_j)^2           (n,)   biased: divides by N
        Xhat  = (X - mu) / sqrt(var + eps)               (N, n)
        Y     = gamma * Xhat + beta                      (N, n)

    and updates the running statistics, as CS231n does,
    ``running_mean = momentum * running_mean + (1 - momentum) * mu`` and
    ``running_var = momentum * running_var + (1 - momentum) * var``. The first update starts
    from ``running_mean = 0`` and ``running_var = 1``.

    **Evaluation mode** uses the running statistics instead of the batch's, so each example's
    output no longer depends on the rest of its batch:
    ``Y = gamma * (X - running_mean) / sqrt(running_var + eps) + beta``, an affine map.

    *Which variance is kept.* ``running_var`` averages the **biased** batch variance (divided
    by ``N``), the quantity training actually normalizes with, as CS231n does. The running
    statistics exist to reproduce at evaluation time what the layer did during training, so
    they estimate that same quantity; the biased variance is also defined for every batch.
    Ioffe and Szegedy (and PyTorch) instead keep the unbiased variance ``N/(N-1) var``; the two
    differ by a factor ``N/(N-1)``, about 3 % for ``N = 32``, which a layer that learns ``gamma``
    absorbs.

    Parameters ``params["gamma"]`` (starts at 1) and ``params["beta"]`` (starts at 0), both
    ``(n,)``, with gradients of the same shapes. The running statistics are attributes,
    ``running_mean`` and ``running_var`` (``(n,)``, not trained by an optimizer); they are
    ``None`` until the first batch in training mode.

    Backward in training mode, for ``dY = dL/dY`` of shape ``(N, n)`` (the compact closed
    form; chapter 12 derives it from the computational graph)::

        dgamma = sum_i dY[i] * Xhat[i]                                      (n,)
        dbeta  = sum_i dY[i]                                                (n,)
        G      = dY * gamma                                                 (N, n)
        dX     = (G - mean_i G[i] - Xhat * mean_i (G[i] * Xhat[i])) / sqrt(var + eps)

    In evaluation mode ``dX = dY * gamma / sqrt(running_var + eps)``.

    Errors: ``X`` not of shape ``(N, n)``; a batch of one example in training mode (its
    variance is 0, so ``Xhat`` would be 0 whatever ``X`` is); evaluation mode before any
    training batch (there are no running statistics yet: train first, e.g. with
    :func:`nnref.training.fit`, or assign ``running_mean`` and ``running_var``);
    ``backward`` before ``forward``; ``momentum`` outside ``[0, 1)``; ``eps <= 0``.
    """

    def __init__(self, n: int, momentum: float = 0.9, eps: float = 1e-5, dtype: DTypeLike = np.float64):
        check_positive_int(n, "BatchNorm", "n")
        self.n = int(n)
        self._name = f"BatchNorm({self.n})"  # for __repr__ and error messages
        self.momentum = _check_unit_interval(momentum, self._name, "momentum")
        self.eps = _check_eps(eps, self._name)
        super().__init__(dtype)
        self.add_param("gamma", np.ones(self.n), decay=False)
        self.add_param("beta", np.zeros(self.n), decay=False)
        self.running_mean: np.ndarray | None = None
        self.running_var: np.ndarray | None = None
        self._cache = None

    def __repr__(self):
        return self._name

    def _check_input(self, X, where):
        check_shape(X, ("N", self.n), where, "X")

    def _forward(self, X):
        """Return ``gamma * Xhat + beta`` (shape ``(N, n)``), with batch or running statistics by mode.

        The batch size and the existence of running statistics depend on the batch and the
        mode, not on the input's shape, so they are checked here, on the unchecked path too.
        """
        if self.training:
            if len(X) < 2:
                raise ValueError(f"{self._name}.forward got a batch of {len(X)} example(s) in training mode: batch "
                                 "statistics need at least 2 (the variance of one example is 0); "
                                 "use a larger batch, call eval() to use the running statistics, "
                                 "or use LayerNorm")
            mu = X.mean(axis=0)
            var = X.var(axis=0)  # biased (divides by N): what the batch is normalized with
            if self.running_mean is None:
                self.running_mean = np.zeros(self.n, self.dtype)
                self.running_var = np.ones(self.n, self.dtype)
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            if self.running_mean is None or self.running_var is None:
                raise RuntimeError(f"{self._name}.forward in evaluation mode needs running statistics, but none "
                                   "exist yet: train the layer on at least one batch in training "
                                   "mode first (e.g. with nnref.training.fit), or assign "
                                   "running_mean and running_var")
            mu, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        xhat = (X - mu) * inv_std
        self._cache = (xhat, inv_std, self.training)
        return self.params["gamma"] * xhat + self.params["beta"]

    def _backward(self, dY, input_grad):
        """Set ``grads["gamma"]``, ``grads["beta"]``; return ``dL/dX`` (mode of the latest forward)."""
        xhat, inv_std, training = self._cache
        np.sum(dY * xhat, axis=0, out=self.grads["gamma"])
        np.sum(dY, axis=0, out=self.grads["beta"])
        if not input_grad:
            return None
        dxhat = dY * self.params["gamma"]
        if not training:  # an affine map of X: running statistics do not depend on X
            return dxhat * inv_std
        return _normalize_backward(dxhat, xhat, inv_std, axis=0)


class LayerNorm(Module):
    r"""Layer normalization (Ba, Kiros and Hinton, 2016): batch norm's per-example variant.

    Each example (row) of ``X`` of shape ``(N, n)`` is normalized with the mean and the
    (biased) variance of its own ``n`` features::

        mu_i  = (1/n) sum_j X[i, j]                      (N, 1)
        var_i = (1/n) sum_j (X[i, j] - mu_i)^2           (N, 1)
        Xhat  = (X - mu) / sqrt(var + eps)               (N, n)
        Y     = gamma * Xhat + beta                      (N, n)

    with ``params["gamma"]`` (starts at 1) and ``params["beta"]`` (starts at 0) of shape
    ``(n,)``, one per feature as in :class:`BatchNorm`. No statistic is shared between the
    examples, so there are no running statistics, a batch of one example is fine, and
    training and evaluation mode compute the same thing.

    Backward (the compact closed form of :class:`BatchNorm`, along the features)::

        dgamma = sum_i dY[i] * Xhat[i]         dbeta = sum_i dY[i]         G = dY * gamma
        dX[i]  = (G[i] - mean_j G[i, j] - Xhat[i] * mean_j (G[i, j] Xhat[i, j])) / sqrt(var_i + eps)

    Errors: ``n < 2`` (one feature normalizes to 0, so the output would be ``beta`` whatever
    the input), ``X`` not of shape ``(N, n)``, ``backward`` before ``forward``, ``eps <= 0``.
    """

    def __init__(self, n: int, eps: float = 1e-5, dtype: DTypeLike = np.float64):
        check_positive_int(n, "LayerNorm", "n")
        if n < 2:
            raise ValueError(f"LayerNorm expected n >= 2 features, got {n}: a single feature "
                             "normalizes to 0 and the output would be beta whatever the input")
        self.n = int(n)
        self._name = f"LayerNorm({self.n})"  # for __repr__ and error messages
        self.eps = _check_eps(eps, self._name)
        super().__init__(dtype)
        self.add_param("gamma", np.ones(self.n), decay=False)
        self.add_param("beta", np.zeros(self.n), decay=False)
        self._cache = None

    def __repr__(self):
        return self._name

    def _check_input(self, X, where):
        check_shape(X, ("N", self.n), where, "X")

    def _forward(self, X):
        """Return ``gamma * Xhat + beta`` (shape ``(N, n)``), each row normalized on its own."""
        mu = X.mean(axis=1, keepdims=True)
        var = X.var(axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        xhat = (X - mu) * inv_std
        self._cache = (xhat, inv_std)
        return self.params["gamma"] * xhat + self.params["beta"]

    def _backward(self, dY, input_grad):
        """Set ``grads["gamma"]``, ``grads["beta"]``; return ``dL/dX``."""
        xhat, inv_std = self._cache
        np.sum(dY * xhat, axis=0, out=self.grads["gamma"])
        np.sum(dY, axis=0, out=self.grads["beta"])
        if not input_grad:
            return None
        return _normalize_backward(dY * self.params["gamma"], xhat, inv_std, axis=1)


class Dropout(Module):
    r"""Inverted dropout (Srivastava et al., 2014): drop each entry with probability ``p``.

    **Training mode**: draw ``U`` uniform on ``[0, 1)`` with the shape of ``X`` from ``rng``,
    keep the entries where ``U >= p`` (probability ``1 - p``) and scale the kept ones by
    ``1 / (1 - p)``::

        M = (U >= p) / (1 - p)        Y = X * M        (any shape, e.g. (N, n))

    so that ``E[Y] = (1 - p) * X / (1 - p) = X``: the expected output equals the input, and
    evaluation needs no rescaling. **Evaluation mode**: ``Y = X`` (a copy).

    Backward multiplies by the **same** mask ``M`` as the latest forward,
    ``dX = dY * M`` (the identity in evaluation mode); a new mask would differentiate a
    different function. ``p`` is the probability of *dropping* (``p = 0`` keeps everything);
    ``rng`` is a ``numpy.random.Generator`` (a fresh one if ``None``). No parameters.

    Errors: ``p`` outside ``[0, 1)`` (``p = 1`` would drop everything and divide by 0),
    ``X`` without a batch axis, ``dY`` of another shape than the latest ``X``,
    ``backward`` before ``forward``.
    """

    def __init__(self, p: float, rng: np.random.Generator | None = None):
        self.p = _check_unit_interval(p, "Dropout", "p")
        super().__init__()  # no parameters: keeps the float dtype of its input
        self._name = f"Dropout(p={self.p:g})"  # for __repr__ and error messages
        self.rng = np.random.default_rng() if rng is None else rng
        self._mask = None   # the scaled mask M of the latest forward (None: identity)

    def __repr__(self):
        return self._name

    # _check_input: the base class's (X needs a batch axis; any shape after it).

    def _forward(self, X):
        """Return ``X * M`` in training mode (a new mask ``M`` per call), ``X`` in evaluation mode."""
        if not self.training or self.p == 0.0:
            self._mask = None
            return X.copy()
        keep = self.rng.random(X.shape) >= self.p
        self._mask = keep.astype(X.dtype) / X.dtype.type(1.0 - self.p)
        return X * self._mask

    def _backward(self, dY, input_grad):
        """Return ``dY * M`` with the mask ``M`` of the latest forward (``dY`` in evaluation mode)."""
        if not input_grad:
            return None
        return dY.copy() if self._mask is None else dY * self._mask
