"""Deliberately wrong answers for ch01-model (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "neuron": [
        ("the activation is missing", """
def neuron(x, w, b, f):
    return float(w @ x + b)
""", {"neuron_tests": "the activation f is missing", "neuron_hidden": "the activation f is missing"}),
        ("the bias is missing", """
def neuron(x, w, b, f):
    return float(f(w @ x))
""", {"neuron_tests": "the bias is missing", "neuron_hidden": "the bias is missing"}),
        ("returns an array of shape (1,)", """
def neuron(x, w, b, f):
    return f(np.array([w @ x + b]))
""", {"neuron_tests": "should return one number", "neuron_hidden": "should return one number"}),
        ("calls the nnref reference", """
def neuron(x, w, b, f):
    unit = layers.Linear(len(w), 1)
    unit.params["W"][:, 0], unit.params["b"][0] = w, b
    return float(f(unit.forward(x[None, :])[0, 0]))
""", {"neuron_tests": "calls nnref's reference", "neuron_hidden": "calls nnref's reference"}),
        ("input mutated: x *= w", """
def neuron(x, w, b, f):
    x *= w
    return f(np.sum(x) + b)
""", {"neuron_tests": "changed its input (argument 1)", "neuron_hidden": "changed its input"}),
    ],
    "layer": [
        ("W not transposed", """
def layer(x, W, b, f):
    return f(W @ x + b)
""", {"layer_tests": "", "layer_hidden": "W is not transposed"}),
        ("the activation is missing", """
def layer(x, W, b, f):
    return W.T @ x + b
""", {"layer_tests": "the activation f is missing", "layer_hidden": "the activation f is missing"}),
        ("the bias is missing", """
def layer(x, W, b, f):
    return f(W.T @ x)
""", {"layer_tests": "wrong entr", "layer_hidden": ""}),
        ("keeps a batch axis: x[None, :] @ W + b has shape (1, n_out)", """
def layer(x, W, b, f):
    return f(x[None, :] @ W + b)
""", {"layer_tests": "extra axis of length 1", "layer_hidden": "extra axis of length 1"}),
    ],
    "count_parameters": [
        ("weights only", """
def count_parameters(sizes):
    return sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
""", {"count_parameters_tests": "counts the weights only", "count_parameters_hidden": "counts the weights only"}),
        ("one bias per layer instead of one per unit", """
def count_parameters(sizes):
    return sum(n_in * n_out + 1 for n_in, n_out in zip(sizes[:-1], sizes[1:]))
""", {"count_parameters_tests": "but the network has", "count_parameters_hidden": "but the network has"}),
        ("a bias counted for the input units too", """
def count_parameters(sizes):
    return int(sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])) + sum(sizes))
""", {"count_parameters_tests": "but the network has", "count_parameters_hidden": "but the network has"}),
        ("hard-coded to the visible tests", """
def count_parameters(sizes):
    return 21 if list(sizes) == [3, 4, 1] else 3 * sizes[0] + 14
""", {"count_parameters_hidden": "but the network has"}),
    ],
}
