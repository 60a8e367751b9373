"""Deliberately wrong answers for ch04-vectorization (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "dense_forward": [
        ("bias added as a column (silently wrong when N == n_out)", """
def dense_forward(X, W, b):
    return X @ W + b[:, None]
""", {"dense_forward_tests": "", "dense_forward_hidden": ""}),
        ("bias forgotten", """
def dense_forward(X, W, b):
    return X @ W
""", {"dense_forward_tests": "the bias is missing", "dense_forward_hidden": "the bias is missing"}),
        ("transposed output (column convention)", """
def dense_forward(X, W, b):
    return W.T @ X.T + b[:, None]
""", {"dense_forward_tests": "transpose of the expected shape", "dense_forward_hidden": ""}),
        ("calls the nnref reference", """
def dense_forward(X, W, b):
    linear = layers.Linear(*W.shape)
    linear.params["W"][...], linear.params["b"][...] = W, b
    return linear.forward(X)
""", {"dense_forward_tests": "calls nnref's reference", "dense_forward_hidden": "calls nnref's reference"}),
    ],
    "mlp_forward": [
        ("activation after the output layer too", """
def mlp_forward(X, weights, biases, f):
    A = X
    for W, b in zip(weights, biases):
        A = f(A @ W + b)
    return A
""", {"mlp_forward_tests": "the last layer is linear", "mlp_forward_hidden": "the last layer is linear"}),
        ("no activation at all (a linear network)", """
def mlp_forward(X, weights, biases, f):
    A = X
    for W, b in zip(weights, biases):
        A = A @ W + b
    return A
""", {"mlp_forward_tests": "wrong entr", "mlp_forward_hidden": ""}),
        ("only the first layer", """
def mlp_forward(X, weights, biases, f):
    return X @ weights[0] + biases[0]
""", {"mlp_forward_tests": "has shape", "mlp_forward_hidden": ""}),
        ("the wrong layer's bias: biases taken in reverse order", """
def mlp_forward(X, weights, biases, f):
    A = X
    for l, (W, b) in enumerate(zip(weights, biases[::-1])):
        Z = A @ W + b
        A = f(Z) if l < len(weights) - 1 else Z
    return A
""", {'mlp_forward_tests': '', 'mlp_forward_hidden': ''}),
    ],
    "to_column_form": [
        ("bias kept as a flat vector", """
def to_column_form(X, W, b):
    return X.T, W.T, b
""", {"to_column_form_tests": "b_cols has the right number of entries", "to_column_form_hidden": "b_cols"}),
        ("weights not transposed", """
def to_column_form(X, W, b):
    return X.T, W, b[:, None]
""", {"to_column_form_tests": "W_cols has shape (2, 4)", "to_column_form_hidden": "W_cols"}),
        ("examples left as rows", """
def to_column_form(X, W, b):
    return X, W.T, b[:, None]
""", {"to_column_form_tests": "X_cols has shape (3, 2)", "to_column_form_hidden": "X_cols"}),
        ('b as a row b[None, :] (keepdims on the wrong axis)', """
def to_column_form(X, W, b):
    return X.T, W.T, b[None, :]
""", {'to_column_form_tests': 'transpose of the expected shape', 'to_column_form_hidden': ''}),
    ],
    "forward_shapes": [
        ("weights outputs-by-inputs", """
def forward_shapes(sizes, N):
    return [((n_out, n_in), (n_out,), (N, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
""", {"forward_shapes_tests": "not (n_out, n_in)", "forward_shapes_hidden": ""}),
        ("Z with examples as columns", """
def forward_shapes(sizes, N):
    return [((n_in, n_out), (n_out,), (n_out, N)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
""", {"forward_shapes_tests": "one row per example", "forward_shapes_hidden": ""}),
        ("hard-coded to the visible test", """
def forward_shapes(sizes, N):
    return [((3, 4), (4,), (5, 4)), ((4, 1), (1,), (5, 1))]
""", {"forward_shapes_hidden": ""}),
        ("Z given the shape of the layer's input (N, n_in)", """
def forward_shapes(sizes, N):
    return [((n_in, n_out), (n_out,), (N, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
""", {'forward_shapes_tests': 'expected', 'forward_shapes_hidden': 'expected'}),
    ],
}
