"""Deliberately wrong answers for ch03-xor (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "hidden_layer": [
        ("the ReLU is missing", """
def hidden_layer(X, W1, b1):
    return X @ W1 + b1
""", {"hidden_layer_tests": "the ReLU is missing", "hidden_layer_hidden": "the ReLU is missing"}),
        ("W1 transposed (invisible with the chapter's symmetric W1)", """
def hidden_layer(X, W1, b1):
    return np.maximum(X @ W1.T + b1, 0.0)
""", {"hidden_layer_hidden": ""}),
        ("hard-coded to the visible test", """
def hidden_layer(X, W1, b1):
    return np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
""", {"hidden_layer_hidden": "has shape"}),
        ("calls the nnref reference", """
def hidden_layer(X, W1, b1):
    return layers.Activation("relu").forward(X @ W1 + b1)
""", {"hidden_layer_tests": "calls nnref's reference", "hidden_layer_hidden": "calls nnref's reference"}),
        ("integer dtype: the result cast to int (right on the XOR corners only)", """
def hidden_layer(X, W1, b1):
    return np.maximum(X @ W1 + b1, 0).astype(int)
""", {"hidden_layer_tests": "has dtype int64", "hidden_layer_hidden": "has dtype int64"}),
        ("bias added as a column b1[:, None]: broadcasts wrongly or fails", """
def hidden_layer(X, W1, b1):
    return np.maximum(X @ W1 + b1[:, None], 0.0)
""", {"hidden_layer_tests": "", "hidden_layer_hidden": ""}),
    ],
    "xor_network": [
        ("the chapter's hidden layer (x1 + x2 twice) with Goodfellow's output unit", """
def xor_network(height):
    return {"W1": np.ones((2, 2)), "b1": np.array([0.0, -1.0]),
            "W2": height * np.array([[1.0], [-2.0]]), "b2": np.zeros(1)}
""", {"xor_network_tests": "proportional to (1, 1)", "xor_network_hidden": "proportional to (1, 1)"}),
        ("output sign wrong for one unit: computes x1 - x2", """
def xor_network(height):
    return {"W1": np.array([[1.0, -1.0], [-1.0, 1.0]]), "b1": np.zeros(2),
            "W2": height * np.array([[1.0], [-1.0]]), "b2": np.zeros(1)}
""", {"xor_network_tests": "wrong entr", "xor_network_hidden": "wrong entr"}),
        ("exact at the corners but not robust (steep thresholds)", """
def xor_network(height):
    return {"W1": np.array([[10.0, -10.0], [-10.0, 10.0]]), "b1": np.array([-9.0, -9.0]),
            "W2": height * np.array([[1.0], [1.0]]), "b2": np.zeros(1)}
""", {"xor_network_tests": "on the wrong side of height/2", "xor_network_hidden": "on the wrong side of height/2"}),
        ("b2 returned as a number instead of shape (1,)", """
def xor_network(height):
    return {"W1": np.array([[1.0, -1.0], [-1.0, 1.0]]), "b1": np.zeros(2),
            "W2": height * np.array([[1.0], [1.0]]), "b2": 0.0}
""", {"xor_network_tests": "b2 should have shape (1,)", "xor_network_hidden": "b2 should have shape (1,)"}),
        ("the height ignored: outputs 0 and 1 whatever the height", """
def xor_network(height):
    return {"W1": np.array([[1.0, -1.0], [-1.0, 1.0]]), "b1": np.zeros(2),
            "W2": np.array([[1.0], [1.0]]), "b2": np.zeros(1)}
""", {"xor_network_hidden": "for height 2.5"}),
    ],
    "relu_interpolant": [
        ("output weights are the slopes, not their changes", """
def relu_interpolant(knots, values):
    slopes = np.diff(values) / np.diff(knots)
    n = len(slopes)
    return np.ones((1, n)), -knots[:-1].astype(float), slopes[:, None], np.array([float(values[0])])
""", {"relu_interpolant_tests": "wrong entr", "relu_interpolant_hidden": "wrong entr"}),
        ("output bias forgotten (invisible when the first value is 0)", """
def relu_interpolant(knots, values):
    slopes = np.diff(values) / np.diff(knots)
    n = len(slopes)
    return np.ones((1, n)), -knots[:-1].astype(float), np.diff(slopes, prepend=0.0)[:, None], np.zeros(1)
""", {"relu_interpolant_hidden": "wrong entr"}),
        ("hidden biases with the wrong sign (ramps start at -t_k)", """
def relu_interpolant(knots, values):
    slopes = np.diff(values) / np.diff(knots)
    n = len(slopes)
    return np.ones((1, n)), knots[:-1].astype(float), np.diff(slopes, prepend=0.0)[:, None], np.array([float(values[0])])
""", {"relu_interpolant_tests": "wrong entr", "relu_interpolant_hidden": "wrong entr"}),
        ("one hidden unit per knot instead of per piece", """
def relu_interpolant(knots, values):
    slopes = np.append(np.diff(values) / np.diff(knots), 0.0)
    n = len(knots)
    return np.ones((1, n)), -knots.astype(float), np.diff(slopes, prepend=0.0)[:, None], np.array([float(values[0])])
""", {"relu_interpolant_tests": "W1 should have shape (1, 3)", "relu_interpolant_hidden": "W1 should have shape"}),
        ("right: the four arrays returned as a list (the same maths as a tuple, must keep full points)", """
def relu_interpolant(knots, values):
    slopes = np.diff(values) / np.diff(knots)
    n = len(slopes)
    return [np.ones((1, n)), -knots[:-1].astype(float), np.diff(slopes, prepend=0.0)[:, None], np.array([float(values[0])])]
""", {}),
    ],
}
