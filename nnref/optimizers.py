"""Optimizers: update a model's parameters in place from its gradients.

``step(model)`` reads ``model.params`` and ``model.grads`` (dicts with the same keys,
filled by ``model.backward``) and updates every parameter array **in place**, so the
layers see the new values. State such as the velocity (momentum) or Adam's moments is
kept per parameter name, in the parameter's dtype (float32 stays float32).
Notation: ``eta = lr``, ``g = dL/dW`` the gradient of a parameter ``W``.
"""

import numpy as np


def _check_rate(value, name, where, upper=None):
    if not np.isscalar(value) or not np.isfinite(value) or value < 0 or (upper is not None and value >= upper):
        bound = f"in [0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{where} expected {name} {bound}, got {value!r}")
    return float(value)


def _state(store, name, p):
    """Return ``store[name]``, created as zeros like the parameter ``p`` on first use."""
    if name not in store:
        store[name] = np.zeros_like(p)
    return store[name]


class Optimizer:
    """Base class: checks that ``model.grads`` matches ``model.params``."""

    def step(self, model):
        """Update ``model.params`` in place from ``model.grads``."""
        raise NotImplementedError

    def _pairs(self, model):
        """Return ``[(name, param, grad), ...]``, after checking keys and shapes agree."""
        params, grads = model.params, model.grads
        if params.keys() != grads.keys():
            raise ValueError(f"{type(self).__name__}.step expected model.grads to have the keys of "
                             f"model.params {sorted(params)}, got {sorted(grads)}")
        for name, p in params.items():
            if grads[name].shape != p.shape:
                raise ValueError(f"{type(self).__name__}.step: gradient {name!r} has shape "
                                 f"{grads[name].shape}, but the parameter has shape {p.shape}")
        return [(name, p, grads[name]) for name, p in params.items()]


class SGD(Optimizer):
    """(Minibatch) stochastic gradient descent with optional momentum and L2 weight decay.

    Without momentum: ``W <- W - eta g``. With ``momentum = beta > 0`` (Chadha's form,
    an exponential moving average of the gradients)::

        v <- beta v + (1 - beta) g
        W <- W - eta v

    The other common form, ``u <- beta u + g``, ``W <- W - eta' u``, gives the same
    steps with ``eta' = eta (1 - beta)`` (since then ``u = v / (1 - beta)``).

    ``weight_decay = lambda > 0`` adds Chadha's L2 penalty ``(lambda/2) ||W||^2`` for
    the weight matrices only (parameter names ending in ``"W"``; biases are not decayed),
    applied as ``W <- (1 - eta lambda) W - eta v``.
    """

    def __init__(self, lr, momentum=0.0, weight_decay=0.0):
        self.lr = _check_rate(lr, "lr", "SGD")
        self.momentum = _check_rate(momentum, "momentum", "SGD", upper=1)
        self.weight_decay = _check_rate(weight_decay, "weight_decay", "SGD")
        self.velocity = {}

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"

    def step(self, model):
        """Apply one update to every parameter of ``model`` (in place)."""
        for name, p, g in self._pairs(model):
            if self.momentum:
                v = _state(self.velocity, name, p)
                v *= self.momentum
                v += (1 - self.momentum) * g
                g = v
            if self.weight_decay and name.endswith("W"):
                p *= 1 - self.lr * self.weight_decay
            p -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015). For each parameter, at step ``t = 1, 2, ...``::

        m <- beta1 m + (1 - beta1) g            (first moment: mean of g)
        s <- beta2 s + (1 - beta2) g**2         (second moment: mean of g**2)
        m_hat = m / (1 - beta1**t),  s_hat = s / (1 - beta2**t)   (bias correction)
        W <- W - eta m_hat / (sqrt(s_hat) + eps)

    The bias correction undoes the pull towards 0 of moments that start at 0.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = _check_rate(lr, "lr", "Adam")
        self.beta1 = _check_rate(beta1, "beta1", "Adam", upper=1)
        self.beta2 = _check_rate(beta2, "beta2", "Adam", upper=1)
        self.eps = _check_rate(eps, "eps", "Adam")
        self.t = 0
        self.m = {}
        self.s = {}

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"

    def step(self, model):
        """Apply one Adam update to every parameter of ``model`` (in place)."""
        pairs = self._pairs(model)
        self.t += 1
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        for name, p, g in pairs:
            m = _state(self.m, name, p)
            s = _state(self.s, name, p)
            m *= self.beta1
            m += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * (g * g)
            p -= self.lr * (m / correction1) / (np.sqrt(s / correction2) + self.eps)
