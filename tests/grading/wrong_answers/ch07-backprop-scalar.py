"""Deliberately wrong answers for ch07-backprop-scalar (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "grad_c": [
        ("sign flipped: y - w", """
def grad_c(w, y):
    return y - w
""", {"grad_c_tests": "wrong sign", "grad_c_hidden": "wrong sign"}),
        ("the 1/2 of the loss ignored: 2 (w - y)", """
def grad_c(w, y):
    return 2 * (w - y)
""", {"grad_c_tests": "2", "grad_c_hidden": "2"}),
        ("hard-coded to the visible example", """
def grad_c(w, y):
    return -0.3733576233541627
""", {"grad_c_hidden": ""}),
    ],
    "grad_gamma": [
        ("returns the number dL/dw instead of one value per hidden unit", """
def grad_gamma(a, w, y):
    return w - y
""", {"grad_gamma_tests": "is a single number", "grad_gamma_hidden": "is a single number"}),
        ("calls the nnref reference through the tests' helper", """
def grad_gamma(a, w, y):
    return reference_gradients(x_example, y_example, params_example)["gamma"]
""", {"grad_gamma_tests": "calls nnref's reference", "grad_gamma_hidden": "calls nnref's reference"}),
        ("link derivative confused: gamma in place of a", """
def grad_gamma(a, w, y):
    return (w - y) * params_example["gamma"]
""", {"grad_gamma_tests": "wrong entries", "grad_gamma_hidden": ""}),
        ("input mutated: a *= (w - y)", """
def grad_gamma(a, w, y):
    a *= (w - y)
    return a
""", {"grad_gamma_tests": "changed its input (argument 1)", "grad_gamma_hidden": "changed its input"}),
    ],
    "grad_alpha": [
        ("missing activation derivative", """
def grad_alpha(z, w, y, gamma):
    return (w - y) * gamma
""", {"grad_alpha_tests": "wrong entries", "grad_alpha_hidden": "wrong entries"}),
        ("calls nnref's Sigmoid for the derivative", """
def grad_alpha(z, w, y, gamma):
    return (w - y) * gamma * activations.Sigmoid().derivative(z)
""", {"grad_alpha_tests": "calls nnref's reference", "grad_alpha_hidden": "calls nnref's reference"}),
        ("sigmoid derivative written as sigma(z) instead of sigma(z)(1 - sigma(z))", """
def grad_alpha(z, w, y, gamma):
    return (w - y) * gamma / (1 + np.exp(-z))
""", {"grad_alpha_tests": "wrong entries", "grad_alpha_hidden": ""}),
        ("f'(a) instead of f'(z): the sigmoid derivative taken at the activation", """
def grad_alpha(z, w, y, gamma):
    a = 1.0 / (1.0 + np.exp(-z))
    s = 1.0 / (1.0 + np.exp(-a))
    return (w - y) * gamma * s * (1.0 - s)
""", {"grad_alpha_tests": "wrong entries", "grad_alpha_hidden": "wrong entr"}),
    ],
    "grad_B": [
        ("transposed: outer(dL_dz, x)", """
def grad_B(x, dL_dz):
    return np.outer(dL_dz, x)
""", {"grad_B_tests": "transpose", "grad_B_hidden": "transpose"}),
        ("the source's Step-1 slip: the same input x_j for every weight", """
def grad_B(x, dL_dz):
    return np.outer(np.full_like(x, x[0]), dL_dz)
""", {"grad_B_tests": "wrong entries", "grad_B_hidden": ""}),
        ("shape-only-correct placeholder", """
def grad_B(x, dL_dz):
    return np.zeros((x.size, dL_dz.size))
""", {"grad_B_tests": "all zeros", "grad_B_hidden": "all zeros"}),
    ],
    "chain_backward": [
        ("link and weight derivatives swapped: dz/dw taken as w", """
def chain_backward(x, y, weights, biases, acts):
    zs, inputs, output = chain_forward(x, weights, biases, acts)
    dw, db = np.zeros(len(weights)), np.zeros(len(weights))
    g = 2.0 * (output - y)
    for i in reversed(range(len(weights))):
        delta = g * acts[i].derivative(zs[i])
        dw[i], db[i] = delta * weights[i], delta
        g = delta * weights[i]
    return dw, db
""", {"chain_backward_tests": "dw from chain_backward", "chain_backward_hidden": ""}),
        ("missing activation derivative", """
def chain_backward(x, y, weights, biases, acts):
    zs, inputs, output = chain_forward(x, weights, biases, acts)
    dw, db = np.zeros(len(weights)), np.zeros(len(weights))
    g = 2.0 * (output - y)
    for i in reversed(range(len(weights))):
        dw[i], db[i] = g * inputs[i], g
        g = g * weights[i]
    return dw, db
""", {"chain_backward_tests": "", "chain_backward_hidden": ""}),
        ("the layer's output a_l used in place of its input a_(l-1)", """
def chain_backward(x, y, weights, biases, acts):
    zs, inputs, output = chain_forward(x, weights, biases, acts)
    dw, db = np.zeros(len(weights)), np.zeros(len(weights))
    g = 2.0 * (output - y)
    for i in reversed(range(len(weights))):
        delta = g * acts[i].derivative(zs[i])
        dw[i], db[i] = delta * acts[i].forward(zs[i]), delta
        g = delta * weights[i]
    return dw, db
""", {"chain_backward_tests": "dw from chain_backward", "chain_backward_hidden": "dw from chain_backward"}),
        ("upstream derivative not carried back (no reuse)", """
def chain_backward(x, y, weights, biases, acts):
    zs, inputs, output = chain_forward(x, weights, biases, acts)
    dw, db = np.zeros(len(weights)), np.zeros(len(weights))
    for i in reversed(range(len(weights))):
        delta = 2.0 * (output - y) * acts[i].derivative(zs[i])
        dw[i], db[i] = delta * inputs[i], delta
    return dw, db
""", {"chain_backward_tests": "", "chain_backward_hidden": ""}),
        ("f'(a) instead of f'(z): the derivative taken at the layer's output", """
def chain_backward(x, y, weights, biases, acts):
    zs, inputs, output = chain_forward(x, weights, biases, acts)
    dw, db = np.zeros(len(weights)), np.zeros(len(weights))
    g = 2.0 * (output - y)
    for i in reversed(range(len(weights))):
        delta = g * acts[i].derivative(acts[i].forward(zs[i]))
        dw[i], db[i] = delta * inputs[i], delta
        g = delta * weights[i]
    return dw, db
""", {"chain_backward_tests": "from chain_backward", "chain_backward_hidden": ""}),
        ("integer dtype: np.zeros(L, dtype=int) truncates every gradient", """
def chain_backward(x, y, weights, biases, acts):
    zs, inputs, output = chain_forward(x, weights, biases, acts)
    dw, db = np.zeros(len(weights), dtype=int), np.zeros(len(weights), dtype=int)
    g = 2.0 * (output - y)
    for i in reversed(range(len(weights))):
        delta = g * acts[i].derivative(zs[i])
        dw[i], db[i] = delta * inputs[i], delta
        g = delta * weights[i]
    return dw, db
""", {"chain_backward_tests": "has dtype int64", "chain_backward_hidden": "dtype int64"}),
        ("right: the pair returned as a list [dw, db] (the same maths, must keep full points)", """
def chain_backward(x, y, weights, biases, acts):
    zs, inputs, output = chain_forward(x, weights, biases, acts)
    dw, db = np.zeros(len(weights)), np.zeros(len(weights))
    g = 2.0 * (output - y)
    for i in reversed(range(len(weights))):
        delta = g * acts[i].derivative(zs[i])
        dw[i], db[i] = delta * inputs[i], delta
        g = delta * weights[i]
    return [dw, db]
""", {}),
    ],
}
