"""Deliberately wrong answers for ch11-autodiff (format: README.md in this folder)."""

_POW = '''

def value_pow(a, p):
    return Value(a.data ** p, (a,), f"**{p}", lambda g: (g * p * a.data ** (p - 1),))
'''
_ADD = '''
def value_add(a, b):
    b = as_value(b)
    return Value(a.data + b.data, (a, b), "+", lambda g: (g, g))
'''
_MUL = '''

def value_mul(a, b):
    b = as_value(b)
    return Value(a.data * b.data, (a, b), "*", lambda g: (g * b.data, g * a.data))
'''
_EXP = '''
def value_exp(a):
    out = math.exp(a.data)
    return Value(out, (a,), "exp", lambda g: (g * out,))
'''
_LOG = '''

def value_log(a):
    return Value(math.log(a.data), (a,), "log", lambda g: (g / a.data,))
'''
_TANH = '''

def value_tanh(a):
    t = math.tanh(a.data)
    return Value(t, (a,), "tanh", lambda g: (g * (1 - t * t),))
'''
_RELU = '''

def value_relu(a):
    return Value(max(a.data, 0.0), (a,), "relu", lambda g: (g * (1.0 if a.data > 0 else 0.0),))
'''
_SUM = '''
def sum_backward(G, X, axis):
    G = np.asarray(G, dtype=float)
    if axis is not None:
        G = np.expand_dims(G, axis)
    return G * np.ones_like(X, dtype=float)
'''
_MEAN = '''

def mean_backward(G, X, axis):
    count = X.size if axis is None else X.shape[axis]
    return sum_backward(G, X, axis) / count
'''
_RELU_BACKWARD = '''
def relu_backward(G, X):
    return G * (X > 0)
'''
_TANH_BACKWARD = '''

def tanh_backward(G, X):
    return G * (1 - np.tanh(X) ** 2)
'''
_MLP_TAIL = '''
    dH2, db2 = ops["add"](dZ2, tape["H2"], params["b2"])
    dA1, dW2 = ops["matmul"](dH2, tape["A1"], params["W2"])
    dZ1 = ops["relu"](dA1, tape["Z1"])
    dH1, db1 = ops["add"](dZ1, tape["H1"], params["b1"])
    _, dW1 = ops["matmul"](dH1, tape["X"], params["W1"])
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''

WRONG_ANSWERS = {
    "binary_ops": [
        ("mul: the two contributions swapped", _ADD + '''

def value_mul(a, b):
    b = as_value(b)
    return Value(a.data * b.data, (a, b), "*", lambda g: (g * a.data, g * b.data))
''' + _POW, {"binary_ops_tests": "swapped", "binary_ops_hidden": "swapped"}),
        ("pow: the factor p missing", _ADD + _MUL + '''

def value_pow(a, p):
    return Value(a.data ** p, (a,), f"**{p}", lambda g: (g * a.data ** (p - 1),))
''', {"binary_ops_tests": "the factor p is missing", "binary_ops_hidden": ""}),
        ("add: a plain number not wrapped with as_value", '''
def value_add(a, b):
    return Value(a.data + b.data, (a, b), "+", lambda g: (g, g))
''' + _MUL + _POW, {"binary_ops_tests": "", "binary_ops_hidden": ""}),
        ("calls the nnref reference", '''
def value_add(a, b):
    b = as_value(b)
    out = autodiff.Value(a.data) + autodiff.Value(b.data)
    return Value(out.data, (a, b), "+", lambda g: (g, g))
''' + _MUL + _POW, {"binary_ops_tests": "calls nnref's reference", "binary_ops_hidden": "calls nnref's reference"}),
    ],
    "unary_ops": [
        ("tanh: the square missing", _EXP + _LOG + '''

def value_tanh(a):
    t = math.tanh(a.data)
    return Value(t, (a,), "tanh", lambda g: (g * (1 - t),))
''' + _RELU, {"unary_ops_tests": "the square is missing", "unary_ops_hidden": ""}),
        ("log: the derivative of 1/a instead of log a", _EXP + '''

def value_log(a):
    return Value(math.log(a.data), (a,), "log", lambda g: (-g / a.data ** 2,))
''' + _TANH + _RELU, {"unary_ops_tests": "derivative of 1/a", "unary_ops_hidden": ""}),
        ("relu: slope 1 at the kink (a >= 0)", _EXP + _LOG + _TANH + '''

def value_relu(a):
    return Value(max(a.data, 0.0), (a,), "relu", lambda g: (g * (1.0 if a.data >= 0 else 0.0),))
''', {"unary_ops_tests": "slope from the left", "unary_ops_hidden": ""}),
        ("exp: the vjp multiplies by a instead of exp(a)", '''
def value_exp(a):
    return Value(math.exp(a.data), (a,), "exp", lambda g: (g * a.data,))
''' + _LOG + _TANH + _RELU, {"unary_ops_tests": "value_exp", "unary_ops_hidden": "value_exp"}),
    ],
    "topological_order": [
        ("no visited set: a shared node listed twice", '''
def topological_order(root):
    order = []

    def visit(node):
        for u in node.inputs:
            visit(u)
        order.append(node)

    visit(root)
    return order
''', {"topological_order_tests": "times", "topological_order_hidden": "times"}),
        ("pre-order: a node appended before its inputs", '''
def topological_order(root):
    order, visited = [], set()

    def visit(node):
        if node in visited:
            return
        visited.add(node)
        order.append(node)
        for u in node.inputs:
            visit(u)

    visit(root)
    return order
''', {"topological_order_tests": "", "topological_order_hidden": ""}),
        ("the output first (the reverse of a topological order)", '''
def topological_order(root):
    order, visited = [], set()

    def visit(node):
        if node in visited:
            return
        visited.add(node)
        for u in node.inputs:
            visit(u)
        order.append(node)

    visit(root)
    return order[::-1]
''', {"topological_order_tests": "wrong way round", "topological_order_hidden": "wrong way round"}),
        ("returns only the leaves and the root", '''
def topological_order(root):
    order, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.inputs)
            if not node.inputs:
                order.append(node)
    return order + [root]
''', {"topological_order_tests": "misses the nodes", "topological_order_hidden": "misses the nodes"}),
    ],
    "backward_sweep": [
        ("overwrites instead of accumulating", '''
def backward_sweep(root, order):
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        if node.vjp is not None:
            for u, contribution in zip(node.inputs, node.vjp(node.grad)):
                u.grad = contribution
''', {"backward_sweep_tests": "`+=`", "backward_sweep_hidden": ""}),
        ("visits the nodes in forward order", '''
def backward_sweep(root, order):
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in order:
        if node.vjp is not None:
            for u, contribution in zip(node.inputs, node.vjp(node.grad)):
                u.grad += contribution
''', {"backward_sweep_tests": "", "backward_sweep_hidden": ""}),
        ("does not reset the gradients first", '''
def backward_sweep(root, order):
    root.grad = 1.0
    for node in reversed(order):
        if node.vjp is not None:
            for u, contribution in zip(node.inputs, node.vjp(node.grad)):
                u.grad += contribution
''', {"backward_sweep_tests": "second time", "backward_sweep_hidden": "second time"}),
        ("forgets the seed root.grad = 1", '''
def backward_sweep(root, order):
    for node in order:
        node.grad = 0.0
    for node in reversed(order):
        if node.vjp is not None:
            for u, contribution in zip(node.inputs, node.vjp(node.grad)):
                u.grad += contribution
''', {"backward_sweep_tests": "should be 1.0", "backward_sweep_hidden": "should be 1.0"}),
    ],
    "matmul_backward": [
        ("dB transposed: G.T @ A", '''
def matmul_backward(G, A, B):
    return G @ B.T, G.T @ A
''', {"matmul_backward_tests": "", "matmul_backward_hidden": ""}),
        ("dA without the transpose: G @ B", '''
def matmul_backward(G, A, B):
    return G @ B, A.T @ G
''', {"matmul_backward_tests": "", "matmul_backward_hidden": ""}),
        ("shape-only-correct placeholder", '''
def matmul_backward(G, A, B):
    return np.zeros_like(A), np.zeros_like(B)
''', {"matmul_backward_tests": "all zeros", "matmul_backward_hidden": "all zeros"}),
        ("hard-coded to the visible test", '''
def matmul_backward(G, A, B):
    return np.array([[2.5, 0.0, -0.5], [-2.75, 4.0, -0.25]]), np.array([[0.5, -5.0], [2.0, -4.0], [2.0, 8.0]])
''', {"matmul_backward_hidden": ""}),
    ],
    "add_backward": [
        ("no sum over the broadcast axes: G returned as it is", '''
def add_backward(G, A, B):
    return G.copy(), G.copy()
''', {"add_backward_tests": "shape", "add_backward_hidden": "shape"}),
        ("the mean over the broadcast axes instead of the sum", '''
def add_backward(G, A, B):
    def unbroadcast(grad, shape):
        grad = grad.mean(axis=tuple(range(grad.ndim - len(shape))))
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        return grad.mean(axis=axes, keepdims=True).reshape(shape)

    return unbroadcast(G, np.shape(A)), unbroadcast(G, np.shape(B))
''', {"add_backward_tests": "the mean over the broadcast axis", "add_backward_hidden": ""}),
        ("sums only the leading axes (the bias case), not the size-1 axes", '''
def add_backward(G, A, B):
    def unbroadcast(grad, shape):
        return grad.sum(axis=tuple(range(grad.ndim - len(shape))))

    return unbroadcast(G, np.shape(A)), unbroadcast(G, np.shape(B))
''', {"add_backward_tests": "shape", "add_backward_hidden": ""}),
    ],
    "reduce_backward": [
        ("mean_backward without the division by the count", _SUM + '''

def mean_backward(G, X, axis):
    return sum_backward(G, X, axis)
''', {"reduce_backward_tests": "times too large", "reduce_backward_hidden": "times too large"}),
        ("sum_backward broadcasts G without putting the summed axis back", '''
def sum_backward(G, X, axis):
    return np.broadcast_to(G, X.shape).copy()
''' + _MEAN, {"reduce_backward_tests": "", "reduce_backward_hidden": ""}),
    ],
    "activation_backward": [
        ("relu_backward: the derivative alone, without G", '''
def relu_backward(G, X):
    return (X > 0) * 1.0
''' + _TANH_BACKWARD, {"activation_backward_tests": "multiply by the upstream gradient",
                        "activation_backward_hidden": ""}),
        ("tanh_backward: 1 - X**2 instead of 1 - tanh(X)**2", _RELU_BACKWARD + '''

def tanh_backward(G, X):
    return G * (1 - X ** 2)
''', {"activation_backward_tests": "square tanh(X), not X", "activation_backward_hidden": ""}),
        ("calls the nnref reference", '''
def relu_backward(G, X):
    return G * nnref.activations.ReLU().derivative(X)
''' + _TANH_BACKWARD, {"activation_backward_tests": "calls nnref's reference",
                        "activation_backward_hidden": "calls nnref's reference"}),
    ],
    "mlp_reverse_pass": [
        ("Z2 used twice: the picked-logit contribution dropped", '''
def mlp_reverse_pass(tape, params, ops):
    g_per_example = ops["mean"](1.0, tape["per_example"], None)
    dZ2 = ops["logsumexp"](g_per_example, tape["Z2"])
''' + _MLP_TAIL, {"mlp_reverse_pass_tests": "dW2", "mlp_reverse_pass_hidden": ""}),
        ("the sign of the picked-logit contribution flipped", '''
def mlp_reverse_pass(tape, params, ops):
    g_per_example = ops["mean"](1.0, tape["per_example"], None)
    dZ2 = ops["logsumexp"](g_per_example, tape["Z2"]) + ops["pick"](g_per_example, tape["Z2"], tape["y"])
''' + _MLP_TAIL, {"mlp_reverse_pass_tests": "dW2", "mlp_reverse_pass_hidden": ""}),
        ("the mean forgotten: the upstream gradient 1 for every example", '''
def mlp_reverse_pass(tape, params, ops):
    g_per_example = np.ones_like(tape["per_example"])
    dZ2 = ops["logsumexp"](g_per_example, tape["Z2"]) - ops["pick"](g_per_example, tape["Z2"], tape["y"])
''' + _MLP_TAIL, {"mlp_reverse_pass_tests": "Did you forget to divide by N", "mlp_reverse_pass_hidden": ""}),
        ("bias gradients not summed over the batch", '''
def mlp_reverse_pass(tape, params, ops):
    g_per_example = ops["mean"](1.0, tape["per_example"], None)
    dZ2 = ops["logsumexp"](g_per_example, tape["Z2"]) - ops["pick"](g_per_example, tape["Z2"], tape["y"])
    dA1, dW2 = ops["matmul"](dZ2, tape["A1"], params["W2"])
    dZ1 = ops["relu"](dA1, tape["Z1"])
    _, dW1 = ops["matmul"](dZ1, tape["X"], params["W1"])
    return {"W1": dW1, "b1": dZ1, "W2": dW2, "b2": dZ2}
''', {"mlp_reverse_pass_tests": "sum(axis=0)", "mlp_reverse_pass_hidden": "sum(axis=0)"}),
    ],
}
