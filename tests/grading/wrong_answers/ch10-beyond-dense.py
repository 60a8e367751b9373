"""Deliberately wrong answers for ch10-beyond-dense (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "conv1d_forward": [
        ("flipped kernel (signal-processing convolution)", """
def conv1d_forward(x, w, b):
    K, L_out = len(w), x.shape[1] - len(w) + 1
    y = np.full((x.shape[0], L_out), float(b))
    for k in range(K):
        y += w[K - 1 - k] * x[:, k:k + L_out]
    return y
""", {"conv1d_forward_tests": "the kernel is flipped", "conv1d_forward_hidden": ""}),
        ("calls the nnref reference", """
def conv1d_forward(x, w, b):
    return conv.conv1d_forward(x[:, :, None], w[:, None, None], np.array([b]))[:, :, 0]
""", {"conv1d_forward_tests": "calls nnref's reference", "conv1d_forward_hidden": "calls nnref's reference"}),
        ("bias forgotten", """
def conv1d_forward(x, w, b):
    K, L_out = len(w), x.shape[1] - len(w) + 1
    return sum(w[k] * x[:, k:k + L_out] for k in range(K))
""", {"conv1d_forward_tests": "", "conv1d_forward_hidden": ""}),
    ],
    "conv1d_kernel_grad": [
        ("dw of one example, not summed over the batch", """
def conv1d_kernel_grad(x, dy):
    L_out = dy.shape[1]
    K = x.shape[1] - L_out + 1
    dw = np.array([np.sum(x[0, k:k + L_out] * dy[0]) for k in range(K)])
    return dw, float(dy.sum())
""", {"conv1d_kernel_grad_tests": "example 0 alone", "conv1d_kernel_grad_hidden": ""}),
        ("bias gradient not summed over the batch", """
def conv1d_kernel_grad(x, dy):
    L_out = dy.shape[1]
    K = x.shape[1] - L_out + 1
    dw = np.array([np.sum(x[:, k:k + L_out] * dy) for k in range(K)])
    return dw, dy.sum(axis=1)
""", {"conv1d_kernel_grad_tests": "shared by all examples", "conv1d_kernel_grad_hidden": ""}),
        ("averaged instead of summed (missing N)", """
def conv1d_kernel_grad(x, dy):
    L_out = dy.shape[1]
    K = x.shape[1] - L_out + 1
    dw = np.array([np.sum(x[:, k:k + L_out] * dy) for k in range(K)]) / len(x)
    return dw, float(dy.sum())
""", {"conv1d_kernel_grad_tests": "N", "conv1d_kernel_grad_hidden": ""}),
        ("sign flipped", """
def conv1d_kernel_grad(x, dy):
    L_out = dy.shape[1]
    K = x.shape[1] - L_out + 1
    dw = np.array([np.sum(x[:, k:k + L_out] * dy) for k in range(K)])
    return -dw, -float(dy.sum())
""", {"conv1d_kernel_grad_tests": "wrong sign", "conv1d_kernel_grad_hidden": "wrong sign"}),
        ('integer dtype: dw = np.zeros(K, dtype=int) truncates', """
def conv1d_kernel_grad(x, dy):
    L_out = dy.shape[1]
    K = x.shape[1] - L_out + 1
    dw = np.zeros(K, dtype=int)
    for k in range(K):
        dw[k] = np.sum(x[:, k:k + L_out] * dy)
    return dw, float(dy.sum())
""", {'conv1d_kernel_grad_tests': 'has dtype int64', 'conv1d_kernel_grad_hidden': 'has dtype int64'}),
    ],
    "conv1d_input_grad": [
        ("kernel used the wrong way round", """
def conv1d_input_grad(w, dy):
    N, L_out = dy.shape
    K = len(w)
    dx = np.zeros((N, L_out + K - 1))
    for k in range(K):
        dx[:, k:k + L_out] += w[K - 1 - k] * dy
    return dx
""", {"conv1d_input_grad_tests": "the kernel is used the wrong way round", "conv1d_input_grad_hidden": ""}),
        ("shape-only-correct: zeros", """
def conv1d_input_grad(w, dy):
    return np.zeros((dy.shape[0], dy.shape[1] + len(w) - 1))
""", {"conv1d_input_grad_tests": "all zeros", "conv1d_input_grad_hidden": "all zeros"}),
        ("output-length array (no padding)", """
def conv1d_input_grad(w, dy):
    return dy * w.sum()
""", {"conv1d_input_grad_tests": "shape", "conv1d_input_grad_hidden": "shape"}),
    ],
    "conv_as_dense": [
        ("transposed (outputs x inputs)", """
def conv_as_dense(w, L):
    K = len(w)
    M = np.zeros((L, L - K + 1))
    for t in range(L - K + 1):
        M[t:t + K, t] = w
    return M.T
""", {"conv_as_dense_tests": "", "conv_as_dense_hidden": ""}),
        ("hard-coded to the visible test", """
def conv_as_dense(w, L):
    return np.array([[1.0, 0, 0], [2, 1, 0], [3, 2, 1], [0, 3, 2], [0, 0, 3]])
""", {"conv_as_dense_hidden": ""}),
    ],
    "rnn_step_backward": [
        ("tanh derivative missing", """
def rnn_step_backward(x, h_prev, h, dh, Wx, Wh):
    dz = dh
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)
""", {"rnn_step_backward_tests": "1 - h**2 is missing", "rnn_step_backward_hidden": ""}),
        ("bias gradient not summed over the batch", """
def rnn_step_backward(x, h_prev, h, dh, Wx, Wh):
    dz = dh * (1 - h ** 2)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz[0]
""", {"rnn_step_backward_tests": "example 0 alone", "rnn_step_backward_hidden": ""}),
        ("Wh not transposed in dh_prev", """
def rnn_step_backward(x, h_prev, h, dh, Wx, Wh):
    dz = dh * (1 - h ** 2)
    return dz @ Wx.T, dz @ Wh, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)
""", {"rnn_step_backward_tests": "dh_prev", "rnn_step_backward_hidden": "dh_prev"}),
        ("calls the nnref reference", """
def rnn_step_backward(x, h_prev, h, dh, Wx, Wh):
    return recurrent.rnn_step_backward(x, h_prev, h, dh, Wx, Wh)
""", {"rnn_step_backward_tests": "calls nnref's reference", "rnn_step_backward_hidden": "calls nnref's reference"}),
        ("f'(a) instead of f'(z): 1 - tanh(h)**2 with h already tanh(z)", """
def rnn_step_backward(x, h_prev, h, dh, Wx, Wh):
    dz = dh * (1 - np.tanh(h) ** 2)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)
""", {'rnn_step_backward_tests': '', 'rnn_step_backward_hidden': ''}),
    ],
    "bptt": [
        ("the gradient from the next step is not carried back", """
def bptt(X, H, h0, dH, Wx, Wh):
    grads = {"Wx": np.zeros_like(Wx), "Wh": np.zeros_like(Wh), "b": np.zeros(Wh.shape[0]),
             "X": np.zeros_like(X)}
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dx, _, dWx, dWh, db = recurrent.rnn_step_backward(X[:, t], h_prev, H[:, t], dH[:, t], Wx, Wh)
        grads["X"][:, t] = dx
        grads["Wx"] += dWx
        grads["Wh"] += dWh
        grads["b"] += db
    return grads
""", {"bptt_tests": "", "bptt_hidden": ""}),
        ("parameter gradients overwritten instead of summed over the steps", """
def bptt(X, H, h0, dH, Wx, Wh):
    grads = {"X": np.zeros_like(X)}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t - 1] if t > 0 else h0
        dx, dh_next, grads["Wx"], grads["Wh"], grads["b"] = recurrent.rnn_step_backward(
            X[:, t], h_prev, H[:, t], dH[:, t] + dh_next, Wx, Wh)
        grads["X"][:, t] = dx
    return grads
""", {"bptt_tests": "", "bptt_hidden": ""}),
        ("calls the nnref RNN layer", """
def bptt(X, H, h0, dH, Wx, Wh):
    rnn = recurrent.RNN(Wx.shape[0], Wx.shape[1])
    rnn.params["Wx"][...], rnn.params["Wh"][...] = Wx, Wh
    rnn.forward(X, h0=h0)
    dX = rnn.backward(dH)
    return {**rnn.grads, "X": dX}
""", {"bptt_tests": "calls nnref's reference", "bptt_hidden": "calls nnref's reference"}),
        ("the wrong step's cache: h_prev taken as H[:, t] instead of H[:, t - 1]", """
def bptt(X, H, h0, dH, Wx, Wh):
    grads = {"Wx": np.zeros_like(Wx), "Wh": np.zeros_like(Wh), "b": np.zeros(Wh.shape[0]),
             "X": np.zeros_like(X)}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        h_prev = H[:, t]
        dx, dh_next, dWx, dWh, db = recurrent.rnn_step_backward(X[:, t], h_prev, H[:, t],
                                                                dH[:, t] + dh_next, Wx, Wh)
        grads["X"][:, t] = dx
        grads["Wx"] += dWx
        grads["Wh"] += dWh
        grads["b"] += db
    return grads
""", {'bptt_tests': '', 'bptt_hidden': ''}),
    ],
}
