"""Deliberately wrong answers for ch02-activations (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "step_derivative": [
        ("returns the number 0, not an array", """
def step_derivative(z):
    return 0
""", {"step_derivative_tests": "is a single number", "step_derivative_hidden": "is a single number"}),
        ("calls the nnref reference", """
def step_derivative(z):
    return activations.Step().derivative(z)
""", {"step_derivative_tests": "calls nnref's reference", "step_derivative_hidden": "calls nnref's reference"}),
        ("integer zeros", """
def step_derivative(z):
    return np.zeros(z.shape, dtype=int)
""", {"step_derivative_tests": "dtype int64", "step_derivative_hidden": "dtype int64"}),
    ],
    "identity_derivative": [
        ("returns z itself", """
def identity_derivative(z):
    return z.copy()
""", {"identity_derivative_tests": "wrong entries", "identity_derivative_hidden": ""}),
        ("returns the number 1", """
def identity_derivative(z):
    return 1.0
""", {"identity_derivative_tests": "is a single number", "identity_derivative_hidden": "is a single number"}),
        ("integer dtype: np.ones(z.shape, dtype=int)", """
def identity_derivative(z):
    return np.ones(z.shape, dtype=int)
""", {"identity_derivative_tests": "has dtype int64", "identity_derivative_hidden": "has dtype int64"}),
    ],
    "sigmoid_derivative": [
        ("returns the sigmoid itself", """
def sigmoid_derivative(z):
    return sigmoid(z)
""", {"sigmoid_derivative_tests": "it is sigma(z), the function itself", "sigmoid_derivative_hidden": ""}),
        ("sign flipped", """
def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (s - 1)
""", {"sigmoid_derivative_tests": "wrong sign", "sigmoid_derivative_hidden": "wrong sign"}),
        ("calls the reference through a name imported earlier", """
from nnref.activations import Sigmoid

def sigmoid_derivative(z):
    return Sigmoid().derivative(z)
""", {"sigmoid_derivative_tests": "calls nnref's reference", "sigmoid_derivative_hidden": "calls nnref's reference"}),
        ("f'(a) instead of f'(z): the derivative formula applied to the activation", """
def sigmoid_derivative(z):
    a = sigmoid(z)
    return sigmoid(a) * (1 - sigmoid(a))
""", {"sigmoid_derivative_tests": "wrong entr", "sigmoid_derivative_hidden": "wrong entr"}),
    ],
    "tanh_derivative": [
        ("the square is missing", """
def tanh_derivative(z):
    return 1 - np.tanh(z)
""", {"tanh_derivative_tests": "the square is missing", "tanh_derivative_hidden": ""}),
        ("shape-only-correct placeholder", """
def tanh_derivative(z):
    return np.zeros_like(z)
""", {"tanh_derivative_tests": "all zeros", "tanh_derivative_hidden": "all zeros"}),
        ("sech instead of sech squared", """
def tanh_derivative(z):
    return 1 / np.cosh(z)
""", {"tanh_derivative_tests": "wrong entries", "tanh_derivative_hidden": "wrong entries"}),
        ("f'(a) instead of f'(z): 1 - tanh(tanh(z))**2", """
def tanh_derivative(z):
    return 1 - np.tanh(np.tanh(z)) ** 2
""", {"tanh_derivative_tests": "wrong entr", "tanh_derivative_hidden": "wrong entr"}),
    ],
    "relu_derivative": [
        ("slope from the right at z = 0 (step(z)); correct everywhere else", """
def relu_derivative(z):
    return (z >= 0).astype(z.dtype)
""", {"relu_derivative_tests": "relu_derivative at z = 0"}),
        ("returns booleans", """
def relu_derivative(z):
    return z > 0
""", {"relu_derivative_tests": "dtype bool", "relu_derivative_hidden": "dtype bool"}),
        ("overwrites its input", """
def relu_derivative(z):
    z[:] = z > 0
    return z
""", {"relu_derivative_tests": "changed its input", "relu_derivative_hidden": "changed its input"}),
    ],
    "leaky_relu_derivative": [
        ("alpha hard-coded to the visible tests' 0.01", """
def leaky_relu_derivative(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.01)
""", {"leaky_relu_derivative_hidden": "wrong entries"}),
        ("the ReLU derivative (alpha forgotten)", """
def leaky_relu_derivative(z, alpha=0.01):
    return (z > 0).astype(z.dtype)
""", {"leaky_relu_derivative_tests": "wrong entries", "leaky_relu_derivative_hidden": "wrong entries"}),
    ],
    "collapse_linear": [
        ("transposed: the column-convention product W2^T W1^T", """
def collapse_linear(W1, b1, W2, b2):
    return W2.T @ W1.T, b1 @ W2 + b2
""", {"collapse_linear_tests": "transpose of the expected shape",
      "collapse_linear_hidden": ""}),
        ("the first layer's bias is dropped", """
def collapse_linear(W1, b1, W2, b2):
    return W1 @ W2, b2
""", {"collapse_linear_tests": "it is b2 alone", "collapse_linear_hidden": "wrong entr"}),
        ("product in the wrong order", """
def collapse_linear(W1, b1, W2, b2):
    return W2 @ W1, b1 @ W2 + b2
""", {"collapse_linear_tests": "", "collapse_linear_hidden": ""}),
        ("right: returns a list [W, b] (the same maths as a tuple, must keep full points)", """
def collapse_linear(W1, b1, W2, b2):
    return [W1 @ W2, b1 @ W2 + b2]
""", {}),
    ],
    "output_gradient": [
        ("missing 1/N", """
def output_gradient(z, y, activation):
    return 2.0 * (activation.forward(z) - y) * activation.derivative(z)
""", {"output_gradient_tests": "N = 3 times too large", "output_gradient_hidden": "times too large"}),
        ("sign flipped", """
def output_gradient(z, y, activation):
    return 2.0 * (y - activation.forward(z)) * activation.derivative(z) / len(z)
""", {"output_gradient_tests": "wrong sign", "output_gradient_hidden": "wrong sign"}),
        ("missing activation derivative", """
def output_gradient(z, y, activation):
    return 2.0 * (activation.forward(z) - y) / len(z)
""", {"output_gradient_tests": "the factor f'(z) (the activation's derivative) is missing",
      "output_gradient_hidden": ""}),
        ("calls the nnref loss", """
def output_gradient(z, y, activation):
    return activation.backward(z, losses.SquaredError().backward(activation.forward(z), y))
""", {"output_gradient_tests": "calls nnref's reference (SquaredError", "output_gradient_hidden": "calls nnref's reference"}),
    ],
}
