"""Deliberately wrong answers for ch08-backprop-matrix (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "linear_backward": [
        ("dW transposed: dZ.T @ X", """
def linear_backward(dZ, X, W):
    return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)
""", {"linear_backward_tests": "transpose", "linear_backward_hidden": "transpose"}),
        ("bias gradient not summed over the batch", """
def linear_backward(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ
""", {"linear_backward_tests": "sum(axis=0)", "linear_backward_hidden": "sum(axis=0)"}),
        ("an extra 1/N: the mean over the batch taken again", """
def linear_backward(dZ, X, W):
    N = len(X)
    return dZ @ W.T, X.T @ dZ / N, dZ.sum(axis=0) / N
""", {"linear_backward_tests": "too small", "linear_backward_hidden": ""}),
        ("calls the nnref reference", """
def linear_backward(dZ, X, W):
    layer = layers.Linear(*W.shape)
    layer.params["W"][...] = W
    layer.forward(X)
    return layer.backward(dZ), layer.grads["W"], layer.grads["b"]
""", {"linear_backward_tests": "calls nnref's reference", "linear_backward_hidden": "calls nnref's reference"}),
        ("shape-only-correct placeholder", """
def linear_backward(dZ, X, W):
    return np.zeros_like(X), np.zeros_like(W), np.zeros(W.shape[1])
""", {"linear_backward_tests": "all zeros", "linear_backward_hidden": "all zeros"}),
        ("bias gradient summed over the wrong axis (the outputs, not the examples)", """
def linear_backward(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)
""", {"linear_backward_tests": "summed over axis 1", "linear_backward_hidden": "summed over axis 1"}),
    ],
    "activation_backward": [
        ("missing activation derivative", """
def activation_backward(dA, Z, act):
    return dA.copy()
""", {"activation_backward_tests": "wrong entries", "activation_backward_hidden": "wrong entries"}),
        ("derivative evaluated at the activation instead of the pre-activation", """
def activation_backward(dA, Z, act):
    return dA * act.df(act.f(Z))
""", {"activation_backward_tests": "wrong entries", "activation_backward_hidden": "wrong entries"}),
        ("the derivative alone, upstream gradient dropped", """
def activation_backward(dA, Z, act):
    return act.df(Z)
""", {"activation_backward_tests": "wrong entries", "activation_backward_hidden": "wrong entries"}),
        ("upstream gradient changed in place: dA *= f'(Z)", """
def activation_backward(dA, Z, act):
    dA *= act.df(Z)
    return dA
""", {"activation_backward_tests": "changed its input (argument 1)", "activation_backward_hidden": "changed its input"}),
    ],
    "mlp_backward": [
        ("missing activation derivative in the hidden layers", """
def mlp_backward(dY_hat, cache, Ws, act, linear_backward, activation_backward):
    grads, upstream = [None] * len(Ws), dY_hat
    for l in reversed(range(len(Ws))):
        A_prev, Z = cache[l]
        upstream, dW, db = linear_backward(upstream, A_prev, Ws[l])
        grads[l] = (dW, db)
    return grads
""", {"mlp_backward_tests": "dW of layer 1", "mlp_backward_hidden": ""}),
        ("activation derivative applied after the last layer too", """
def mlp_backward(dY_hat, cache, Ws, act, linear_backward, activation_backward):
    grads, upstream = [None] * len(Ws), dY_hat
    for l in reversed(range(len(Ws))):
        A_prev, Z = cache[l]
        upstream = activation_backward(upstream, Z, act)
        upstream, dW, db = linear_backward(upstream, A_prev, Ws[l])
        grads[l] = (dW, db)
    return grads
""", {"mlp_backward_tests": "dW of layer 1", "mlp_backward_hidden": ""}),
        ("gradients listed from the last layer to the first", """
def mlp_backward(dY_hat, cache, Ws, act, linear_backward, activation_backward):
    grads, upstream = [], dY_hat
    for l in reversed(range(len(Ws))):
        A_prev, Z = cache[l]
        if l < len(Ws) - 1:
            upstream = activation_backward(upstream, Z, act)
        upstream, dW, db = linear_backward(upstream, A_prev, Ws[l])
        grads.append((dW, db))
    return grads
""", {"mlp_backward_tests": "dW of layer 1", "mlp_backward_hidden": ""}),
        ("activation derivative taken at the layer's input instead of its pre-activation", """
def mlp_backward(dY_hat, cache, Ws, act, linear_backward, activation_backward):
    grads, upstream = [None] * len(Ws), dY_hat
    for l in reversed(range(len(Ws))):
        A_prev, Z = cache[l]
        upstream, dW, db = linear_backward(upstream, A_prev, Ws[l])
        grads[l] = (dW, db)
        if l > 0:
            upstream = activation_backward(upstream, A_prev, act)
    return grads
""", {"mlp_backward_tests": "layer 1", "mlp_backward_hidden": ""}),
        ("the wrong layer's cache: the activation derivative at the pre-activation of the layer above", """
def mlp_backward(dY_hat, cache, Ws, act, linear_backward, activation_backward):
    grads, upstream = [None] * len(Ws), dY_hat
    for l in reversed(range(len(Ws))):
        A_prev, Z = cache[l]
        if l < len(Ws) - 1:
            upstream = activation_backward(upstream, cache[l + 1][1], act)
        upstream, dW, db = linear_backward(upstream, A_prev, Ws[l])
        grads[l] = (dW, db)
    return grads
""", {"mlp_backward_tests": "", "mlp_backward_hidden": ""}),
        ("right: a list of [dW, db] lists instead of tuples (the same maths, must keep full points)", """
def mlp_backward(dY_hat, cache, Ws, act, linear_backward, activation_backward):
    grads, upstream = [], dY_hat
    for l in reversed(range(len(Ws))):
        A_prev, Z = cache[l]
        if l < len(Ws) - 1:
            upstream = activation_backward(upstream, Z, act)
        upstream, dW, db = linear_backward(upstream, A_prev, Ws[l])
        grads.insert(0, [dW, db])
    return grads
""", {}),
    ],
    "numerical_gradient": [
        ("one-sided difference", """
def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros(x.shape)
    f0 = f()
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        g[i] = (f() - f0) / eps
        x[i] = old
    return g
""", {"numerical_gradient_tests": "wrong entr", "numerical_gradient_hidden": "wrong entr"}),
        ("x not restored after the perturbation", """
def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += eps
        fp = f()
        x[i] -= 2 * eps
        g[i] = (fp - f()) / (2 * eps)
    return g
""", {"numerical_gradient_tests": "changed its input", "numerical_gradient_hidden": "changed its input"}),
        ("divides by eps instead of 2 eps", """
def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / eps
    return g
""", {"numerical_gradient_tests": "twice", "numerical_gradient_hidden": "twice"}),
        ("calls nnref's gradcheck", """
def numerical_gradient(f, x, eps=1e-6):
    return gradcheck.numerical_gradient(f, x, eps)
""", {"numerical_gradient_tests": "calls nnref's reference", "numerical_gradient_hidden": "calls nnref's reference"}),
        ("perturbs a copy of x, which f never reads: an all-zero estimate", """
def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += eps
        x_minus[i] -= eps
        g[i] = (f() - f()) / (2 * eps)
    return g
""", {"numerical_gradient_tests": "f() never saw your perturbation", "numerical_gradient_hidden": "never saw"}),
    ],
    "bug_hunt": [
        ("only the weight of the first layer named", """
WRONG_GRADIENTS = {"W1"}
""", {"bug_hunt_hidden": "not the set of wrong gradients"}),
        ("blames the layer whose line looks odd at first sight (the output layer)", """
WRONG_GRADIENTS = {"W3", "b3"}
""", {"bug_hunt_hidden": "not the set of wrong gradients"}),
        ("a list instead of a set", """
WRONG_GRADIENTS = ["W1", "b1"]
""", {"bug_hunt_tests": "should be a set", "bug_hunt_hidden": ""}),
    ],
}
