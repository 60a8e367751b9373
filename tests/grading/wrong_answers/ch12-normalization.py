"""Deliberately wrong answers for ch12-normalization (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "batchnorm_forward": [
        ("unbiased variance (divided by N - 1)", """
def batchnorm_forward(X, gamma, beta, running_mean, running_var, momentum, eps, train):
    if train:
        mu, var = X.mean(axis=0), X.var(axis=0, ddof=1)
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (X - mu) * inv_std
        cache = {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
        return (gamma * xhat + beta, cache, momentum * running_mean + (1 - momentum) * mu,
                momentum * running_var + (1 - momentum) * var)
    xhat = (X - running_mean) / np.sqrt(running_var + eps)
    return gamma * xhat + beta, None, running_mean.copy(), running_var.copy()
""", {"batchnorm_forward_tests": "unbiased variance", "batchnorm_forward_hidden": ""}),
        ("calls the nnref reference", """
def batchnorm_forward(X, gamma, beta, running_mean, running_var, momentum, eps, train):
    bn = nnref.layers.BatchNorm(X.shape[1], momentum=momentum, eps=eps).train(train)
    bn.params["gamma"][:], bn.params["beta"][:] = gamma, beta
    bn.running_mean, bn.running_var = running_mean.copy(), running_var.copy()
    out = bn.forward(X)
    xhat = (out - beta) / gamma
    return out, {"xhat": xhat, "inv_std": 1 / np.sqrt(X.var(axis=0) + eps), "gamma": gamma}, \\
        bn.running_mean, bn.running_var
""", {"batchnorm_forward_tests": "calls nnref's reference", "batchnorm_forward_hidden": "calls nnref's reference"}),
        ("evaluation mode uses the batch statistics", """
def batchnorm_forward(X, gamma, beta, running_mean, running_var, momentum, eps, train):
    mu, var = X.mean(axis=0), X.var(axis=0)
    inv_std = 1 / np.sqrt(var + eps)
    xhat = (X - mu) * inv_std
    cache = {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
    if not train:
        return gamma * xhat + beta, None, running_mean.copy(), running_var.copy()
    return (gamma * xhat + beta, cache, momentum * running_mean + (1 - momentum) * mu,
            momentum * running_var + (1 - momentum) * var)
""", {"batchnorm_forward_tests": "should use the running statistics", "batchnorm_forward_hidden": ""}),
        ("momentum weighs the batch statistic (m and 1 - m swapped)", """
def batchnorm_forward(X, gamma, beta, running_mean, running_var, momentum, eps, train):
    if train:
        mu, var = X.mean(axis=0), X.var(axis=0)
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (X - mu) * inv_std
        cache = {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
        return (gamma * xhat + beta, cache, (1 - momentum) * running_mean + momentum * mu,
                (1 - momentum) * running_var + momentum * var)
    xhat = (X - running_mean) / np.sqrt(running_var + eps)
    return gamma * xhat + beta, None, running_mean.copy(), running_var.copy()
""", {"batchnorm_forward_tests": "swap m and 1 - m", "batchnorm_forward_hidden": ""}),
        ("eps forgotten (in both modes)", """
def batchnorm_forward(X, gamma, beta, running_mean, running_var, momentum, eps, train):
    if train:
        mu, var = X.mean(axis=0), X.var(axis=0)
        inv_std = 1 / np.sqrt(var)
        xhat = (X - mu) * inv_std
        cache = {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
        return (gamma * xhat + beta, cache, momentum * running_mean + (1 - momentum) * mu,
                momentum * running_var + (1 - momentum) * var)
    xhat = (X - running_mean) / np.sqrt(running_var)
    return gamma * xhat + beta, None, running_mean.copy(), running_var.copy()
""", {"batchnorm_forward_tests": "eps is missing", "batchnorm_forward_hidden": ""}),
    ],
    "batchnorm_backward": [
        ("paths through the mean and the variance missing", """
def batchnorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    return dout * gamma * inv_std, (dout * xhat).sum(axis=0), dout.sum(axis=0)
""", {"batchnorm_backward_tests": "paths through the mean and the variance are missing",
      "batchnorm_backward_hidden": ""}),
        ("the 1/N is missing", """
def batchnorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    N = len(dout)
    g = dout * gamma
    dX = inv_std * (N * g - g.sum(axis=0) - xhat * (g * xhat).sum(axis=0))
    return dX, (dout * xhat).sum(axis=0), dout.sum(axis=0)
""", {"batchnorm_backward_tests": "N = 5 times too large", "batchnorm_backward_hidden": ""}),
        ("dgamma and dbeta not summed over the batch", """
def batchnorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    N = len(dout)
    g = dout * gamma
    dX = inv_std / N * (N * g - g.sum(axis=0) - xhat * (g * xhat).sum(axis=0))
    return dX, dout * xhat, dout
""", {"batchnorm_backward_tests": "shared by all examples", "batchnorm_backward_hidden": ""}),
        ("sums over the wrong axis (features instead of examples)", """
def batchnorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    n = dout.shape[1]
    g = dout * gamma
    dX = inv_std / n * (n * g - g.sum(axis=1, keepdims=True) - xhat * (g * xhat).sum(axis=1, keepdims=True))
    return dX, (dout * xhat).sum(axis=0), dout.sum(axis=0)
""", {"batchnorm_backward_tests": "", "batchnorm_backward_hidden": ""}),
    ],
    "layernorm_forward": [
        ("wrong axis: normalizes each feature over the batch (batch norm)", """
def layernorm_forward(X, gamma, beta, eps):
    mu = X.mean(axis=0, keepdims=True)
    inv_std = 1 / np.sqrt(X.var(axis=0, keepdims=True) + eps)
    xhat = (X - mu) * inv_std
    return gamma * xhat + beta, {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
""", {"layernorm_forward_tests": "which is batch norm", "layernorm_forward_hidden": ""}),
        ("eps forgotten", """
def layernorm_forward(X, gamma, beta, eps):
    mu = X.mean(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(X.var(axis=1, keepdims=True))
    xhat = (X - mu) * inv_std
    return gamma * xhat + beta, {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
""", {"layernorm_forward_tests": "eps is missing", "layernorm_forward_hidden": ""}),
        ("unbiased variance (divided by n - 1)", """
def layernorm_forward(X, gamma, beta, eps):
    mu = X.mean(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(X.var(axis=1, ddof=1, keepdims=True) + eps)
    xhat = (X - mu) * inv_std
    return gamma * xhat + beta, {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
""", {"layernorm_forward_tests": "unbiased variance", "layernorm_forward_hidden": ""}),
        ("hard-coded to the visible test", """
def layernorm_forward(X, gamma, beta, eps):
    X0 = np.array([[1.0, -2.0, 0.5, 3.0], [3.0, 0.0, 1.5, 1.0], [2.0, 4.0, -0.5, 0.0]])
    mu = X0.mean(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(X0.var(axis=1, keepdims=True) + 1e-5)
    xhat = (X0 - mu) * inv_std
    return gamma * xhat + beta, {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}
""", {"layernorm_forward_hidden": ""}),
    ],
    "layernorm_backward": [
        ("sums over the batch (axis 0), as in batch norm", """
def layernorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    N = len(dout)
    g = dout * gamma
    dX = inv_std / N * (N * g - g.sum(axis=0) - xhat * (g * xhat).sum(axis=0))
    return dX, (dout * xhat).sum(axis=0), dout.sum(axis=0)
""", {"layernorm_backward_tests": "(axis 1)", "layernorm_backward_hidden": ""}),
        ("paths through the row's mean and variance missing", """
def layernorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    return dout * gamma * inv_std, (dout * xhat).sum(axis=0), dout.sum(axis=0)
""", {"layernorm_backward_tests": "paths through the row's mean and variance are missing",
      "layernorm_backward_hidden": ""}),
        ("dgamma summed over the features instead of the examples", """
def layernorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    n = dout.shape[1]
    g = dout * gamma
    dX = inv_std / n * (n * g - g.sum(axis=1, keepdims=True) - xhat * (g * xhat).sum(axis=1, keepdims=True))
    return dX, (dout * xhat).sum(axis=1), dout.sum(axis=0)
""", {"layernorm_backward_tests": "instead of (4,)", "layernorm_backward_hidden": ""}),
    ],
    "dropout_forward": [
        ("no 1/(1 - p) scale", """
def dropout_forward(X, p, mask_uniforms, train):
    keep = mask_uniforms >= p
    return (X * keep if train else X.copy()), {"keep": keep, "p": p, "train": train}
""", {"dropout_forward_tests": "not scaled by 1/(1 - p)", "dropout_forward_hidden": ""}),
        ("mask the wrong way round (keeps where u < p)", """
def dropout_forward(X, p, mask_uniforms, train):
    keep = mask_uniforms < p
    return (X * keep / (1 - p) if train else X.copy()), {"keep": keep, "p": p, "train": train}
""", {"dropout_forward_tests": "the mask is the wrong way round", "dropout_forward_hidden": ""}),
        ("scales in evaluation mode (the non-inverted rule mixed in)", """
def dropout_forward(X, p, mask_uniforms, train):
    keep = mask_uniforms >= p
    return (X * keep / (1 - p) if train else X * (1 - p)), {"keep": keep, "p": p, "train": train}
""", {"dropout_forward_tests": "evaluation mode scales by (1 - p)", "dropout_forward_hidden": ""}),
        ("calls the nnref reference", """
def dropout_forward(X, p, mask_uniforms, train):
    class Given:
        def random(self, shape):
            return mask_uniforms
    out = nnref.layers.Dropout(p, rng=Given()).train(train).forward(X)
    return out, {"keep": mask_uniforms >= p, "p": p, "train": train}
""", {"dropout_forward_tests": "calls nnref's reference", "dropout_forward_hidden": "calls nnref's reference"}),
    ],
    "dropout_backward": [
        ("mask not reused: a new mask is drawn", """
def dropout_backward(dout, cache):
    if not cache["train"]:
        return dout.copy()
    keep = np.random.default_rng().random(dout.shape) >= cache["p"]
    return dout * keep / (1 - cache["p"])
""", {"dropout_backward_tests": "", "dropout_backward_hidden": ""}),
        ("gradient not scaled by 1/(1 - p)", """
def dropout_backward(dout, cache):
    if not cache["train"]:
        return dout.copy()
    return dout * cache["keep"]
""", {"dropout_backward_tests": "not scaled by 1/(1 - p)", "dropout_backward_hidden": ""}),
        ("masks and scales in evaluation mode too", """
def dropout_backward(dout, cache):
    return dout * cache["keep"] / (1 - cache["p"])
""", {"dropout_backward_tests": "evaluation mode still applies the mask", "dropout_backward_hidden": ""}),
        ("shape-only-correct: zeros", """
def dropout_backward(dout, cache):
    return np.zeros_like(dout)
""", {"dropout_backward_tests": "all zeros", "dropout_backward_hidden": "all zeros"}),
    ],
}
