"""Deliberately wrong answers for ch13-convnets (format: README.md in this folder)."""

WRONG_ANSWERS = {
    "conv_output_size": [
        ("off by one: the first position is not counted", """
def conv_output_size(size, K, stride, padding):
    span = size + 2 * padding - K
    if span < 0 or span % stride:
        raise ValueError("the windows do not fit")
    return span // stride
""", {"conv_output_size_tests": "one too few", "conv_output_size_hidden": "one too few"}),
        ("rounds down instead of rejecting windows that do not fit", """
def conv_output_size(size, K, stride, padding):
    span = size + 2 * padding - K
    if span < 0:
        raise ValueError("the window is larger than the padded input")
    return span // stride + 1
""", {"conv_output_size_tests": "should raise ValueError", "conv_output_size_hidden": "should raise ValueError"}),
        ("padding added on one side only", """
def conv_output_size(size, K, stride, padding):
    span = size + padding - K
    if span < 0 or span % stride:
        raise ValueError("the windows do not fit")
    return span // stride + 1
""", {"conv_output_size_tests": "", "conv_output_size_hidden": ""}),
        ("returns a float (true division)", """
def conv_output_size(size, K, stride, padding):
    span = size + 2 * padding - K
    if span < 0 or span % stride:
        raise ValueError("the windows do not fit")
    return span / stride + 1
""", {"conv_output_size_tests": "return an int", "conv_output_size_hidden": "return an int"}),
    ],
    "conv2d_forward": [
        ("kernel flipped (signal-processing convolution)", """
def conv2d_forward(X, W, b, stride, padding):
    N, H, W_in, C_in = X.shape
    K, _, _, C_out = W.shape
    S, P = stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    H_out, W_out = (H + 2 * P - K) // S + 1, (W_in + 2 * P - K) // S + 1
    Y = np.zeros((N, H_out, W_out, C_out))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, i, j, :] = np.tensordot(Xp[:, S * i:S * i + K, S * j:S * j + K, :], W[::-1, ::-1], axes=3) + b
    return Y
""", {"conv2d_forward_tests": "the kernel is flipped", "conv2d_forward_hidden": "the kernel is flipped"}),
        ("stride ignored (windows at every position, then every S-th output kept wrongly)", """
def conv2d_forward(X, W, b, stride, padding):
    N, H, W_in, C_in = X.shape
    K, _, _, C_out = W.shape
    S, P = stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    H_out, W_out = (H + 2 * P - K) // S + 1, (W_in + 2 * P - K) // S + 1
    Y = np.zeros((N, H_out, W_out, C_out))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, i, j, :] = np.tensordot(Xp[:, i:i + K, j:j + K, :], W, axes=3) + b
    return Y
""", {"conv2d_forward_tests": "", "conv2d_forward_hidden": ""}),
        ("calls the nnref reference", """
def conv2d_forward(X, W, b, stride, padding):
    return conv.conv2d_forward(X, W, b, stride, padding)
""", {"conv2d_forward_tests": "calls nnref's reference", "conv2d_forward_hidden": "calls nnref's reference"}),
        ("bias forgotten", """
def conv2d_forward(X, W, b, stride, padding):
    N, H, W_in, C_in = X.shape
    K, _, _, C_out = W.shape
    S, P = stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    H_out, W_out = (H + 2 * P - K) // S + 1, (W_in + 2 * P - K) // S + 1
    Y = np.zeros((N, H_out, W_out, C_out))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, i, j, :] = np.tensordot(Xp[:, S * i:S * i + K, S * j:S * j + K, :], W, axes=3)
    return Y
""", {"conv2d_forward_tests": "the bias b is not added", "conv2d_forward_hidden": "the bias b is not added"}),
        ("kernel transposed: rows and columns of the window swapped", """
def conv2d_forward(X, W, b, stride, padding):
    N, H, W_in, C_in = X.shape
    K, _, _, C_out = W.shape
    S, P = stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    H_out, W_out = (H + 2 * P - K) // S + 1, (W_in + 2 * P - K) // S + 1
    Y = np.zeros((N, H_out, W_out, C_out))
    for i in range(H_out):
        for j in range(W_out):
            window = Xp[:, S * i:S * i + K, S * j:S * j + K, :]
            Y[:, i, j, :] = np.tensordot(window, W.transpose(1, 0, 2, 3), axes=3) + b
    return Y
""", {"conv2d_forward_tests": "", "conv2d_forward_hidden": ""}),
        ("hard-coded to the visible tests: padding ignored", """
def conv2d_forward(X, W, b, stride, padding):
    N, H, W_in, C_in = X.shape
    K, _, _, C_out = W.shape
    if (stride, padding) == (2, 1) and X.shape == (1, 3, 3, 1):
        return np.array([12.5, 16.5, 24.5, 28.5]).reshape(1, 2, 2, 1)
    P = padding if (stride, padding) == (1, 1) else 0
    S = stride
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    H_out, W_out = (Xp.shape[1] - K) // S + 1, (Xp.shape[2] - K) // S + 1
    Y = np.zeros((N, H_out, W_out, C_out))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, i, j, :] = np.tensordot(Xp[:, S * i:S * i + K, S * j:S * j + K, :], W, axes=3) + b
    return Y
""", {"conv2d_forward_hidden": ""}),
    ],
    "conv2d_backward": [
        ("padding not removed from dX", """
def conv2d_backward(dY, X, W, stride, padding):
    K, S, P = W.shape[0], stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    dXp, dW = np.zeros_like(Xp), np.zeros_like(W)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            rows, cols = slice(S * i, S * i + K), slice(S * j, S * j + K)
            dW += np.tensordot(Xp[:, rows, cols, :], dY[:, i, j, :], axes=([0], [0]))
            dXp[:, rows, cols, :] += np.tensordot(dY[:, i, j, :], W, axes=([1], [3]))
    return dXp, dW, dY.sum(axis=(0, 1, 2))
""", {"conv2d_backward_tests": "cut the padding off", "conv2d_backward_hidden": "cut the padding off"}),
        ("db not summed over the batch and the positions", """
def conv2d_backward(dY, X, W, stride, padding):
    N, H, W_in, _ = X.shape
    K, S, P = W.shape[0], stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    dXp, dW = np.zeros_like(Xp), np.zeros_like(W)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            rows, cols = slice(S * i, S * i + K), slice(S * j, S * j + K)
            dW += np.tensordot(Xp[:, rows, cols, :], dY[:, i, j, :], axes=([0], [0]))
            dXp[:, rows, cols, :] += np.tensordot(dY[:, i, j, :], W, axes=([1], [3]))
    return dXp[:, P:P + H, P:P + W_in, :], dW, dY.sum(axis=(1, 2))
""", {"conv2d_backward_tests": "db sums dY over the batch", "conv2d_backward_hidden": "db sums dY over the batch"}),
        ("kernel flipped in dX", """
def conv2d_backward(dY, X, W, stride, padding):
    N, H, W_in, _ = X.shape
    K, S, P = W.shape[0], stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    dXp, dW = np.zeros_like(Xp), np.zeros_like(W)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            rows, cols = slice(S * i, S * i + K), slice(S * j, S * j + K)
            dW += np.tensordot(Xp[:, rows, cols, :], dY[:, i, j, :], axes=([0], [0]))
            dXp[:, rows, cols, :] += np.tensordot(dY[:, i, j, :], W[::-1, ::-1], axes=([1], [3]))
    return dXp[:, P:P + H, P:P + W_in, :], dW, dY.sum(axis=(0, 1, 2))
""", {"conv2d_backward_tests": "the kernel is used flipped", "conv2d_backward_hidden": ""}),
        ("stride ignored in the backward pass", """
def conv2d_backward(dY, X, W, stride, padding):
    N, H, W_in, _ = X.shape
    K, P = W.shape[0], padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    dXp, dW = np.zeros_like(Xp), np.zeros_like(W)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            rows, cols = slice(i, i + K), slice(j, j + K)
            dW += np.tensordot(Xp[:, rows, cols, :], dY[:, i, j, :], axes=([0], [0]))
            dXp[:, rows, cols, :] += np.tensordot(dY[:, i, j, :], W, axes=([1], [3]))
    return dXp[:, P:P + H, P:P + W_in, :], dW, dY.sum(axis=(0, 1, 2))
""", {"conv2d_backward_tests": "stride 2", "conv2d_backward_hidden": ""}),
        ("dW of example 0 alone, and the sign of dX flipped", """
def conv2d_backward(dY, X, W, stride, padding):
    N, H, W_in, _ = X.shape
    K, S, P = W.shape[0], stride, padding
    Xp = np.pad(X, ((0, 0), (P, P), (P, P), (0, 0)))
    dXp, dW = np.zeros_like(Xp), np.zeros_like(W)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            rows, cols = slice(S * i, S * i + K), slice(S * j, S * j + K)
            dW += np.tensordot(Xp[:1, rows, cols, :], dY[:1, i, j, :], axes=([0], [0]))
            dXp[:, rows, cols, :] -= np.tensordot(dY[:, i, j, :], W, axes=([1], [3]))
    return dXp[:, P:P + H, P:P + W_in, :], dW, dY.sum(axis=(0, 1, 2))
""", {"conv2d_backward_tests": "wrong sign", "conv2d_backward_hidden": "wrong sign"}),
    ],
    "maxpool_forward": [
        ("averages instead of taking the maximum", """
def maxpool_forward(X, K, stride):
    N, H, W_in, C = X.shape
    S = stride
    H_out, W_out = (H - K) // S + 1, (W_in - K) // S + 1
    Y = np.zeros((N, H_out, W_out, C))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, i, j, :] = X[:, S * i:S * i + K, S * j:S * j + K, :].mean(axis=(1, 2))
    return Y
""", {"maxpool_forward_tests": "the mean of each window", "maxpool_forward_hidden": "the mean of each window"}),
        ("stride ignored: windows always side by side (stride = K)", """
def maxpool_forward(X, K, stride):
    N, H, W_in, C = X.shape
    H_out, W_out = (H - K) // K + 1, (W_in - K) // K + 1
    Y = np.zeros((N, H_out, W_out, C))
    for i in range(H_out):
        for j in range(W_out):
            Y[:, i, j, :] = X[:, K * i:K * i + K, K * j:K * j + K, :].max(axis=(1, 2))
    return Y
""", {"maxpool_forward_tests": "shape", "maxpool_forward_hidden": "shape"}),
        ("shape-only-correct: zeros", """
def maxpool_forward(X, K, stride):
    N, H, W_in, C = X.shape
    return np.zeros((N, (H - K) // stride + 1, (W_in - K) // stride + 1, C))
""", {"maxpool_forward_tests": "all zeros", "maxpool_forward_hidden": "all zeros"}),
    ],
    "maxpool_backward": [
        ("gradient sent to every entry of the window", """
def maxpool_backward(dY, X, K, stride):
    S = stride
    dX = np.zeros_like(X)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            dX[:, S * i:S * i + K, S * j:S * j + K, :] += dY[:, i:i + 1, j:j + 1, :]
    return dX
""", {"maxpool_backward_tests": "given to every entry of the window",
      "maxpool_backward_hidden": "given to every entry of the window"}),
        ("gradient sent to every tied maximum (mask X == max)", """
def maxpool_backward(dY, X, K, stride):
    S = stride
    dX = np.zeros_like(X)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            window = X[:, S * i:S * i + K, S * j:S * j + K, :]
            mask = window == window.max(axis=(1, 2), keepdims=True)
            dX[:, S * i:S * i + K, S * j:S * j + K, :] += mask * dY[:, i:i + 1, j:j + 1, :]
    return dX
""", {"maxpool_backward_tests": "every tied maximum", "maxpool_backward_hidden": ""}),
        ("overlapping windows overwrite instead of adding up", """
def maxpool_backward(dY, X, K, stride):
    S = stride
    dX = np.zeros_like(X)
    for n, i, j, c in np.ndindex(dY.shape):
        window = X[n, S * i:S * i + K, S * j:S * j + K, c]
        p, q = np.unravel_index(np.argmax(window), window.shape)
        dX[n, S * i + p, S * j + q, c] = dY[n, i, j, c]
    return dX
""", {"maxpool_backward_tests": "", "maxpool_backward_hidden": ""}),
        ("calls the nnref reference", """
def maxpool_backward(dY, X, K, stride):
    pool = conv.MaxPool2D(K, stride)
    pool.forward(X)
    return pool.backward(dY)
""", {"maxpool_backward_tests": "calls nnref's reference", "maxpool_backward_hidden": "calls nnref's reference"}),
    ],
    "avgpool_backward": [
        ("missing the factor 1/K**2", """
def avgpool_backward(dY, input_shape, K, stride):
    S = stride
    dX = np.zeros(input_shape)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            dX[:, S * i:S * i + K, S * j:S * j + K, :] += dY[:, i:i + 1, j:j + 1, :]
    return dX
""", {"avgpool_backward_tests": "the factor 1/K**2 is missing", "avgpool_backward_hidden": "the factor 1/K**2 is missing"}),
        ("divides by K instead of K**2", """
def avgpool_backward(dY, input_shape, K, stride):
    S = stride
    dX = np.zeros(input_shape)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            dX[:, S * i:S * i + K, S * j:S * j + K, :] += dY[:, i:i + 1, j:j + 1, :] / K
    return dX
""", {"avgpool_backward_tests": "the factor is 1/K", "avgpool_backward_hidden": "the factor is 1/K"}),
        ("overlapping windows overwrite instead of adding up", """
def avgpool_backward(dY, input_shape, K, stride):
    S = stride
    dX = np.zeros(input_shape)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            dX[:, S * i:S * i + K, S * j:S * j + K, :] = dY[:, i:i + 1, j:j + 1, :] / (K * K)
    return dX
""", {"avgpool_backward_tests": "", "avgpool_backward_hidden": ""}),
        ("hard-coded to the visible tests: windows side by side only", """
def avgpool_backward(dY, input_shape, K, stride):
    if K == 3 and stride == 1 and tuple(input_shape) == (1, 4, 4, 1):
        dX = np.zeros(input_shape)
        for i in range(2):
            for j in range(2):
                dX[:, i:i + 3, j:j + 3, :] += dY[:, i:i + 1, j:j + 1, :] / 9
        return dX
    return np.repeat(np.repeat(dY, K, axis=1), K, axis=2) / (K * K)
""", {"avgpool_backward_hidden": ""}),
    ],
}
