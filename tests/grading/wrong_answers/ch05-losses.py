"""Deliberately wrong answers for ch05-losses (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "squared_error_grad": [
        ("missing 1/N", """
def squared_error_grad(Y_hat, Y):
    return 2.0 * (Y_hat - Y)
""", {"squared_error_grad_tests": "N = 4 times too large", "squared_error_grad_hidden": "times too large"}),
        ("sign flipped (y - y_hat)", """
def squared_error_grad(Y_hat, Y):
    return 2.0 * (Y - Y_hat) / len(Y_hat)
""", {"squared_error_grad_tests": "wrong sign", "squared_error_grad_hidden": "wrong sign"}),
        ("factor 2 of the square forgotten", """
def squared_error_grad(Y_hat, Y):
    return (Y_hat - Y) / len(Y_hat)
""", {"squared_error_grad_tests": "half the expected", "squared_error_grad_hidden": "half the expected"}),
        ("calls the nnref reference", """
def squared_error_grad(Y_hat, Y):
    return losses.SquaredError().backward(Y_hat, Y)
""", {"squared_error_grad_tests": "calls nnref's reference", "squared_error_grad_hidden": "calls nnref's reference"}),
        ("a mean over all entries (/ Y.size) instead of over the N examples", """
def squared_error_grad(Y_hat, Y):
    return 2.0 * (Y_hat - Y) / Y.size
""", {"squared_error_grad_tests": "number of entries (12) instead of by N = 4",
      "squared_error_grad_hidden": "number of entries"}),
    ],
    "absolute_error_grad": [
        ("missing 1/N", """
def absolute_error_grad(Y_hat, Y):
    return np.sign(Y_hat - Y)
""", {"absolute_error_grad_tests": "N = 4 times too large", "absolute_error_grad_hidden": "times too large"}),
        ("sign flipped", """
def absolute_error_grad(Y_hat, Y):
    return np.sign(Y - Y_hat) / len(Y_hat)
""", {"absolute_error_grad_tests": "wrong sign", "absolute_error_grad_hidden": "wrong sign"}),
        ("shape-only-correct placeholder", """
def absolute_error_grad(Y_hat, Y):
    return np.zeros_like(Y_hat)
""", {"absolute_error_grad_tests": "all zeros", "absolute_error_grad_hidden": "all zeros"}),
        ("input mutated: Y_hat -= Y", """
def absolute_error_grad(Y_hat, Y):
    Y_hat -= Y
    return np.sign(Y_hat) / len(Y_hat)
""", {"absolute_error_grad_tests": "changed its input (argument 1)", "absolute_error_grad_hidden": "changed its input"}),
    ],
    "bce_logits_grad": [
        ("the sigmoid is forgotten: (z - y) / N", """
def bce_logits_grad(z, y):
    return (z - y) / len(z)
""", {"bce_logits_grad_tests": "apply the sigmoid", "bce_logits_grad_hidden": "apply the sigmoid"}),
        ("missing 1/N", """
def bce_logits_grad(z, y):
    return 1.0 / (1.0 + np.exp(-z)) - y
""", {"bce_logits_grad_tests": "N = 5 times too large", "bce_logits_grad_hidden": "times too large"}),
        ("sign flipped (y - a)", """
def bce_logits_grad(z, y):
    return (y - 1.0 / (1.0 + np.exp(-z))) / len(z)
""", {"bce_logits_grad_tests": "wrong sign", "bce_logits_grad_hidden": "wrong sign"}),
        ("an extra sigmoid-derivative factor (the cancellation missed)", """
def bce_logits_grad(z, y):
    a = 1.0 / (1.0 + np.exp(-z))
    return (a - y) * a * (1 - a) / len(z)
""", {"bce_logits_grad_tests": "wrong entr", "bce_logits_grad_hidden": "wrong entr"}),
        ("the separate route, loss gradient times sigmoid derivative: NaN once sigmoid(z) rounds to 1 (visible test passes)", """
def bce_logits_grad(z, y):
    a = 1.0 / (1.0 + np.exp(-z))
    return (-y / a + (1 - y) / (1 - a)) * a * (1 - a) / len(z)
""", {"bce_logits_grad_hidden": "NaN"}),
    ],
    "softmax_jacobian": [
        ("only the diagonal", """
def softmax_jacobian(z):
    e = np.exp(z - z.max())
    return np.diag(e / e.sum())
""", {"softmax_jacobian_tests": "off-diagonal entries", "softmax_jacobian_hidden": ""}),
        ("sign flipped", """
def softmax_jacobian(z):
    e = np.exp(z - z.max())
    a = e / e.sum()
    return np.outer(a, a) - np.diag(a)
""", {"softmax_jacobian_tests": "wrong sign", "softmax_jacobian_hidden": ""}),
        ("no max shift: overflows for large logits (visible test passes)", """
def softmax_jacobian(z):
    e = np.exp(z)
    a = e / e.sum()
    return np.diag(a) - np.outer(a, a)
""", {"softmax_jacobian_hidden": "NaN"}),
    ],
    "softmax_cross_entropy_grad": [
        ("missing 1/N", """
def softmax_cross_entropy_grad(Z, labels):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) - np.eye(Z.shape[1])[labels]
""", {"softmax_cross_entropy_grad_tests": "without the 1/N", "softmax_cross_entropy_grad_hidden": ""}),
        ("one-hot targets not subtracted", """
def softmax_cross_entropy_grad(Z, labels):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) / len(Z)
""", {"softmax_cross_entropy_grad_tests": "subtract the one-hot", "softmax_cross_entropy_grad_hidden": "subtract the one-hot"}),
        ("no max shift: overflows at logits of 1000 (visible test passes)", """
def softmax_cross_entropy_grad(Z, labels):
    e = np.exp(Z)
    return (e / e.sum(axis=1, keepdims=True) - np.eye(Z.shape[1])[labels]) / len(Z)
""", {"softmax_cross_entropy_grad_hidden": "NaN"}),
        ("sign flipped", """
def softmax_cross_entropy_grad(Z, labels):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return (np.eye(Z.shape[1])[labels] - e / e.sum(axis=1, keepdims=True)) / len(Z)
""", {"softmax_cross_entropy_grad_tests": "wrong sign", "softmax_cross_entropy_grad_hidden": "wrong sign"}),
        ("one maximum for the whole batch (Z - Z.max()): NaN in rows far below it (visible test passes)", """
def softmax_cross_entropy_grad(Z, labels):
    e = np.exp(Z - Z.max())
    return (e / e.sum(axis=1, keepdims=True) - np.eye(Z.shape[1])[labels]) / len(Z)
""", {"softmax_cross_entropy_grad_hidden": "each row's own maximum"}),
        ("keepdims forgotten in the row sum: (N, K) / (N,) broadcasts wrongly or fails", """
def softmax_cross_entropy_grad(Z, labels):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1) - np.eye(Z.shape[1])[labels]) / len(Z)
""", {"softmax_cross_entropy_grad_tests": "", "softmax_cross_entropy_grad_hidden": ""}),
    ],
    "log_sum_exp": [
        ("naive formula: overflows at 1000 (visible test passes)", """
def log_sum_exp(Z):
    return np.log(np.sum(np.exp(Z), axis=1))
""", {"log_sum_exp_hidden": "inf"}),
        ("keeps the summed axis: shape (N, 1)", """
def log_sum_exp(Z):
    m = Z.max(axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
""", {"log_sum_exp_tests": "shape (3, 1)", "log_sum_exp_hidden": "shape"}),
        ("forgets to add the maximum back", """
def log_sum_exp(Z):
    m = Z.max(axis=1)
    return np.log(np.sum(np.exp(Z - m[:, None]), axis=1))
""", {"log_sum_exp_tests": "without adding m back", "log_sum_exp_hidden": "without adding m back"}),
        ("one maximum for the whole batch: -inf in rows far below it (visible test passes)", """
def log_sum_exp(Z):
    m = Z.max()
    return m + np.log(np.sum(np.exp(Z - m), axis=1))
""", {"log_sum_exp_hidden": "each row's own maximum"}),
    ],
}
