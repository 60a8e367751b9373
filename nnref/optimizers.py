"""Optimizers: update a model's parameters in place from its gradients.

``step(model)`` updates every parameter array of ``model`` **in place** from its gradient
(filled by ``model.backward``), so the layers see the new values. State such as the
velocity (momentum) or Adam's moments is kept per parameter name, in the parameter's dtype
(float32 stays float32). Notation: ``eta = lr``, ``g = dL/dW`` the gradient of a parameter ``W``.

The optimizer finds the (parameter, gradient) pairs of a model on its first ``step`` and
holds on to them: nnref's modules write their gradients into the same arrays at every
``backward``. It pairs them again when it is given another model, when the list of modules
of a :class:`~nnref.layers.Sequential` changed (its own list; create a new optimizer after
changing a nested one), or when a parameter or gradient array was replaced by another one.

A model is an nnref module or any object with dicts ``params`` and ``grads`` (same keys
and shapes). Weight decay applies to the parameters whose ``decay`` entry is true: every
nnref module says so for each of its parameters (weights yes, biases no). Another object
may have such a dict ``decay``; if it has none, the parameters with two or more axes
(weight matrices, kernels) are decayed and vectors (biases) are not.
"""

from __future__ import annotations

import numpy as np

from .layers import Module, Parameter


def _check_rate(value, name, where, upper=None):
    if not np.isscalar(value) or not np.isfinite(value) or value < 0 or (upper is not None and value >= upper):
        bound = f"in [0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{where} expected {name} {bound}, got {value!r}")
    return float(value)


def _state(store, name, p):
    """Return ``store[name]``, created as zeros like the parameter ``p`` on first use."""
    state = store.get(name)
    if state is None:
        state = store[name] = np.zeros_like(p)
    return state


class Optimizer:
    """Base class: finds, checks and holds the parameters (with their gradients) of the model it steps.

    A subclass overrides :meth:`update`.
    """

    _held = None  # (model, its modules, its parameters) once an nnref module has been paired

    def step(self, model) -> None:
        """Update the parameters of ``model`` in place from its gradients."""
        self.update(self.parameters(model))

    def update(self, parameters: list[Parameter]) -> None:
        """Apply one update to every parameter in ``parameters`` (in place)."""
        raise NotImplementedError

    def parameters(self, model) -> list[Parameter]:
        """Return the parameters of ``model`` with their gradients, held from the last step if still valid."""
        held = self._held
        if held is not None and held[0] is model and held[1] == getattr(model, "modules", None):
            for _, p, g, _, module, key in held[2]:
                if module.params.get(key) is not p or module.grads.get(key) is not g:
                    break
            else:
                return held[2]
        self._check_pairs(model)
        if isinstance(model, Module):
            parameters = model.parameters()
            modules = getattr(model, "modules", None)
            self._held = (model, None if modules is None else list(modules), parameters)
            return parameters
        # Any object with params/grads dicts: it may replace its arrays, so pair them at every step.
        self._held = None
        params, grads = model.params, model.grads
        decay = getattr(model, "decay", None)
        if decay is None:
            decay = {name: np.ndim(p) >= 2 for name, p in params.items()}
        return [Parameter(name, p, grads[name], bool(decay.get(name, False)), None, name)
                for name, p in params.items()]

    def _check_pairs(self, model):
        """Check that ``model.grads`` has the keys and shapes of ``model.params``."""
        where = f"{type(self).__name__}.step"
        params, grads = model.params, model.grads
        if params.keys() != grads.keys():
            raise ValueError(f"{where} expected model.grads to have the keys of "
                             f"model.params {sorted(params)}, got {sorted(grads)}")
        for name, p in params.items():
            if grads[name].shape != p.shape:
                raise ValueError(f"{where}: gradient {name!r} has shape "
                                 f"{grads[name].shape}, but the parameter has shape {p.shape}")


class SGD(Optimizer):
    """(Minibatch) stochastic gradient descent with optional momentum and L2 weight decay.

    Without momentum: ``W <- W - eta g``. With ``momentum = beta > 0`` (the form of the
    notes on neural networks; see the References page), an exponential moving average of
    the gradients::

        v <- beta v + (1 - beta) g
        W <- W - eta v

    The other common form, ``u <- beta u + g``, ``W <- W - eta' u``, gives the same
    steps with ``eta' = eta (1 - beta)`` (since then ``u = v / (1 - beta)``).

    ``weight_decay = lambda > 0`` adds the L2 penalty ``(lambda/2) ||W||^2`` of those notes
    for the parameters whose ``decay`` is true (weight matrices and kernels, not biases),
    applied as ``W <- (1 - eta lambda) W - eta v``.
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        self.lr = _check_rate(lr, "lr", "SGD")
        self.momentum = _check_rate(momentum, "momentum", "SGD", upper=1)
        self.weight_decay = _check_rate(weight_decay, "weight_decay", "SGD")
        self.velocity: dict[str, np.ndarray] = {}

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"

    def update(self, parameters: list[Parameter]) -> None:
        """Apply one update to every parameter in ``parameters`` (in place)."""
        lr, beta, lam = self.lr, self.momentum, self.weight_decay
        for name, p, g, decay, _, _ in parameters:
            if beta:
                v = _state(self.velocity, name, p)
                v *= beta
                v += (1 - beta) * g  # v <- beta v + (1 - beta) g
                g = v
            if lam and decay:
                p *= 1 - lr * lam
            p -= lr * g  # W <- W - eta g (a Python float times a float32 array stays float32)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015). For each parameter, at step ``t = 1, 2, ...``::

        m <- beta1 m + (1 - beta1) g            (first moment: mean of g)
        s <- beta2 s + (1 - beta2) g**2         (second moment: mean of g**2)
        m_hat = m / (1 - beta1**t),  s_hat = s / (1 - beta2**t)   (bias correction)
        W <- W - eta m_hat / (sqrt(s_hat) + eps)

    The bias correction undoes the pull towards 0 of moments that start at 0.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = _check_rate(lr, "lr", "Adam")
        self.beta1 = _check_rate(beta1, "beta1", "Adam", upper=1)
        self.beta2 = _check_rate(beta2, "beta2", "Adam", upper=1)
        self.eps = _check_rate(eps, "eps", "Adam")
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.s: dict[str, np.ndarray] = {}

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"

    def update(self, parameters: list[Parameter]) -> None:
        """Apply one Adam update to every parameter in ``parameters`` (in place)."""
        self.t += 1
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        for name, p, g, _, _, _ in parameters:
            m = _state(self.m, name, p)
            s = _state(self.s, name, p)
            m *= self.beta1
            m += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * (g * g)
            p -= self.lr * (m / correction1) / (np.sqrt(s / correction2) + self.eps)
