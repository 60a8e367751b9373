"""Deliberately wrong answers for ch06-gradient-descent (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "gradient_descent": [
        ("gradient ascent: sign of the step flipped", """
def gradient_descent(grad, theta0, lr, steps):
    path = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] + lr * grad(path[-1]))
    return np.stack(path)
""", {"gradient_descent_tests": "wrong entries", "gradient_descent_hidden": ""}),
        ("returns only the final iterate", """
def gradient_descent(grad, theta0, lr, steps):
    theta = np.array(theta0, dtype=float)
    for _ in range(steps):
        theta = theta - lr * grad(theta)
    return theta
""", {"gradient_descent_tests": "shape", "gradient_descent_hidden": "shape"}),
        ("updates theta0 in place", """
def gradient_descent(grad, theta0, lr, steps):
    path = [theta0.copy()]
    for _ in range(steps):
        theta0 -= lr * grad(theta0)
        path.append(theta0.copy())
    return np.stack(path)
""", {"gradient_descent_tests": "changed its input", "gradient_descent_hidden": "changed its input"}),
        ('integer dtype: the iterates kept in an integer array', """
def gradient_descent(grad, theta0, lr, steps):
    iterates = np.zeros((steps + 1,) + np.shape(theta0), dtype=int)
    current = np.array(theta0, dtype=float)
    iterates[0] = current
    for t in range(steps):
        current = current - lr * grad(current)
        iterates[t + 1] = current
    return iterates
""", {'gradient_descent_tests': 'has dtype int64', 'gradient_descent_hidden': 'has dtype int64'}),
    ],
    "largest_stable_lr": [
        ("1 / lambda_max: the limit of monotone convergence, not of convergence", """
def largest_stable_lr(A):
    return 1.0 / np.linalg.eigvalsh(A).max()
""", {"largest_stable_lr_tests": "half", "largest_stable_lr_hidden": "half"}),
        ("uses the smallest curvature instead of the largest", """
def largest_stable_lr(A):
    return 2.0 / np.linalg.eigvalsh(A).min()
""", {"largest_stable_lr_tests": "should be", "largest_stable_lr_hidden": "should be"}),
        ("hard-coded to the visible examples", """
def largest_stable_lr(A):
    return 0.5 if A[0, 1] == 0 else 2 / (2.5 + np.sqrt(1.25))
""", {"largest_stable_lr_hidden": ""}),
    ],
    "llc_gradient": [
        ("the source's sign: gradient of the log-likelihood", """
def llc_gradient(X, y, w, w0):
    error = y - sigmoid(X @ w + w0)
    return X.T @ error / len(X), float(error.mean())
""", {"llc_gradient_tests": "wrong sign", "llc_gradient_hidden": "wrong sign"}),
        ("missing 1/N: the sum instead of the mean", """
def llc_gradient(X, y, w, w0):
    error = sigmoid(X @ w + w0) - y
    return X.T @ error, float(error.sum())
""", {"llc_gradient_tests": "times too large", "llc_gradient_hidden": ""}),
        ("bias gradient not summed over the batch", """
def llc_gradient(X, y, w, w0):
    error = sigmoid(X @ w + w0) - y
    return X.T @ error / len(X), error / len(X)
""", {"llc_gradient_tests": "sum(axis=0)", "llc_gradient_hidden": ""}),
        ("sigmoid derivative missing: dL/da used as dL/dz", """
def llc_gradient(X, y, w, w0):
    a = sigmoid(X @ w + w0)
    dL_da = (a - y) / (a * (1 - a))
    return X.T @ dL_da / len(X), float(dL_da.mean())
""", {"llc_gradient_tests": "wrong entries", "llc_gradient_hidden": ""}),
        ('keepdims: dw of shape (1, d)', """
def llc_gradient(X, y, w, w0):
    error = sigmoid(X @ w + w0) - y
    return (error[:, None] * X).sum(axis=0, keepdims=True) / len(X), float(np.sum(error)) / len(X)
""", {'llc_gradient_tests': 'extra axis of length 1', 'llc_gradient_hidden': 'extra axis of length 1'}),
    ],
    "train_llc": [
        ("one step too few", """
def train_llc(X, y, lr, steps, gradient):
    w, w0 = np.zeros(X.shape[1]), 0.0
    for _ in range(steps - 1):
        dw, dw0 = gradient(X, y, w, w0)
        w, w0 = w - lr * dw, w0 - lr * dw0
    return w, w0
""", {"train_llc_tests": "w after training", "train_llc_hidden": "w after training"}),
        ("bias never updated", """
def train_llc(X, y, lr, steps, gradient):
    w, w0 = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        dw, dw0 = gradient(X, y, w, w0)
        w = w - lr * dw
    return w, w0
""", {"train_llc_tests": "after training", "train_llc_hidden": "after training"}),
        ("gradient ascent", """
def train_llc(X, y, lr, steps, gradient):
    w, w0 = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        dw, dw0 = gradient(X, y, w, w0)
        w, w0 = w + lr * dw, w0 + lr * dw0
    return w, w0
""", {"train_llc_tests": "w after training", "train_llc_hidden": "w after training"}),
        ('input mutated: X centred in place', """
def train_llc(X, y, lr, steps, gradient):
    X -= 0.0 * X.mean(axis=0) + 1e-3
    weights, bias = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        dw, dw0 = gradient(X, y, weights, bias)
        weights, bias = weights - lr * dw, bias - lr * dw0
    return weights, bias
""", {'train_llc_tests': 'changed its input (argument 1)', 'train_llc_hidden': 'changed its input'}),
    ],
}
