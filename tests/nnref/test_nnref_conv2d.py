"""Tests of nnref.conv's 2-D layers (Conv2D, MaxPool2D, AvgPool2D) and layers.Flatten.

The reference for the vectorised code is the definition written as plain loops (below);
gradients are checked against float64 central differences; small cases are worked by hand.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from nnref import conv, gradcheck, layers

# (N, H, W, C_in, C_out, K, stride, padding): N = 1, square and non-square, stride > 1 with padding.
CASES = [
    (2, 5, 5, 3, 4, 3, 1, 0),
    (1, 6, 4, 2, 3, 2, 2, 0),
    (3, 5, 7, 1, 2, 3, 2, 1),
    (2, 7, 7, 2, 2, 3, 2, 2),
    (1, 4, 6, 3, 1, 1, 1, 0),
    (2, 3, 3, 2, 3, 3, 1, 1),
]


def naive_conv2d(X, W, b, stride, padding):
    """The definition, one output number at a time: Y[n,i,j,o] = sum Xp[n,S*i+p,S*j+q,c] W[p,q,c,o] + b[o]."""
    N, H, W_, C_in = X.shape
    K, _, _, C_out = W.shape
    Xp = np.zeros((N, H + 2 * padding, W_ + 2 * padding, C_in))
    Xp[:, padding:padding + H, padding:padding + W_, :] = X
    H_out = (H + 2 * padding - K) // stride + 1
    W_out = (W_ + 2 * padding - K) // stride + 1
    Y = np.zeros((N, H_out, W_out, C_out))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = Xp[n, stride * i:stride * i + K, stride * j:stride * j + K, :]
                for o in range(C_out):
                    Y[n, i, j, o] = np.sum(window * W[:, :, :, o]) + b[o]
    return Y


def naive_conv2d_backward(X, W, dY, stride, padding):
    """The backward pass as loops: every output position sends dY back through the window it read."""
    N, H, W_, C_in = X.shape
    K = W.shape[0]
    Xp = np.zeros((N, H + 2 * padding, W_ + 2 * padding, C_in))
    Xp[:, padding:padding + H, padding:padding + W_, :] = X
    dXp, dW = np.zeros_like(Xp), np.zeros_like(W)
    for n in range(dY.shape[0]):
        for i in range(dY.shape[1]):
            for j in range(dY.shape[2]):
                rows, cols = slice(stride * i, stride * i + K), slice(stride * j, stride * j + K)
                dW += Xp[n, rows, cols, :, None] * dY[n, i, j]          # (K, K, C_in, C_out)
                dXp[n, rows, cols, :] += W @ dY[n, i, j]                # sum over o
    dX = dXp[:, padding:padding + H, padding:padding + W_, :]
    return dX, dW, dY.sum(axis=(0, 1, 2))


def naive_pool(X, K, stride, reduce):
    N, H, W_, C = X.shape
    Y = np.zeros((N, (H - K) // stride + 1, (W_ - K) // stride + 1, C))
    for n, i, j, c in np.ndindex(Y.shape):
        Y[n, i, j, c] = reduce(X[n, stride * i:stride * i + K, stride * j:stride * j + K, c])
    return Y


def random_case(rng, N, H, W_, C_in, C_out, K):
    return rng.normal(size=(N, H, W_, C_in)), rng.normal(size=(K, K, C_in, C_out)), rng.normal(size=C_out)


# --- forward --------------------------------------------------------------------------

@pytest.mark.parametrize("N, H, W_, C_in, C_out, K, stride, padding", CASES)
def test_forward_matches_the_loops(N, H, W_, C_in, C_out, K, stride, padding):
    rng = np.random.default_rng(H * 100 + W_ * 10 + K)
    X, W, b = random_case(rng, N, H, W_, C_in, C_out, K)
    expected = naive_conv2d(X, W, b, stride, padding)
    np.testing.assert_allclose(conv.conv2d_forward(X, W, b, stride, padding), expected, rtol=1e-12, atol=1e-12)
    layer = conv.Conv2D(C_in, C_out, K, stride=stride, padding=padding, rng=rng)
    layer.params["W"][...], layer.params["b"][...] = W, b
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-12, atol=1e-12)
    assert layer.output_shape(H, W_) == expected.shape[1:3]


def test_worked_example_difference_kernel():
    # X = 1..9 as a 3x3 image, kernel [[1, 0], [0, -1]]: Y[i, j] = X[i, j] - X[i+1, j+1] = 1 - 5 = -4.
    X = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    W = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    Y = conv.conv2d_forward(X, W, np.zeros(1))
    assert Y.shape == (1, 2, 2, 1)
    assert Y[0, :, :, 0].tolist() == [[-4.0, -4.0], [-4.0, -4.0]]


def test_worked_example_stride_and_padding():
    # A 3x3 kernel of ones, padding 1, stride 2 on the 3x3 image 1..9: (3 + 2 - 3)/2 + 1 = 2 outputs
    # per axis; each sums the 2x2 corner block the window still covers (the rest is padding).
    X = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    Y = conv.conv2d_forward(X, np.ones((3, 3, 1, 1)), np.array([0.5]), stride=2, padding=1)
    assert Y[0, :, :, 0].tolist() == [[1 + 2 + 4 + 5 + 0.5, 2 + 3 + 5 + 6 + 0.5],
                                      [4 + 5 + 7 + 8 + 0.5, 5 + 6 + 8 + 9 + 0.5]]


def test_a_one_by_one_kernel_mixes_channels_like_a_dense_layer():
    rng = np.random.default_rng(5)
    X, W, b = random_case(rng, 2, 3, 4, 3, 5, 1)
    np.testing.assert_allclose(conv.conv2d_forward(X, W, b), X @ W[0, 0] + b, atol=1e-12)


def test_im2col_rows_are_the_flattened_windows():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(2, 5, 7, 3))
    cols = conv.im2col(X, 3, stride=2, padding=1)             # H_out = 3, W_out = 4
    assert cols.shape == (2 * 3 * 4, 3 * 3 * 3)
    Xp = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))
    n, i, j = 1, 2, 1                                         # window corner at (2i, 2j) = (4, 2)
    np.testing.assert_array_equal(cols[(n * 3 + i) * 4 + j], Xp[n, 4:7, 2:5, :].reshape(-1))


@pytest.mark.parametrize("size, K, stride, padding, expected", [
    (8, 3, 1, 1, 8), (8, 3, 1, 0, 6), (7, 3, 2, 0, 3), (5, 3, 2, 1, 3), (4, 4, 1, 0, 1), (6, 2, 2, 0, 3),
    (1, 3, 1, 1, 1), (32, 5, 1, 2, 32)])
def test_output_size_formula(size, K, stride, padding, expected):
    assert conv.conv2d_output_size(size, K, stride, padding) == expected
    assert expected == (size + 2 * padding - K) / stride + 1


# --- backward -------------------------------------------------------------------------

@pytest.mark.parametrize("N, H, W_, C_in, C_out, K, stride, padding", CASES)
def test_backward_matches_central_differences_and_the_loops(N, H, W_, C_in, C_out, K, stride, padding):
    rng = np.random.default_rng(1000 + H * 100 + W_ * 10 + K)
    X, W, b = random_case(rng, N, H, W_, C_in, C_out, K)
    dY = rng.normal(size=naive_conv2d(X, W, b, stride, padding).shape)
    f = lambda: np.sum(conv.conv2d_forward(X, W, b, stride, padding) * dY)  # noqa: E731 (dL/dY = dY)
    dX, dW, db = conv.conv2d_backward(X, W, dY, stride, padding)
    for analytic, wrt in ((dX, X), (dW, W), (db, b)):
        assert analytic.shape == wrt.shape
        assert gradcheck.rel_error(analytic, gradcheck.numerical_gradient(f, wrt)) < 1e-5
    for analytic, looped in zip((dX, dW, db), naive_conv2d_backward(X, W, dY, stride, padding)):
        np.testing.assert_allclose(analytic, looped, rtol=1e-10, atol=1e-12)


def dilate(dY, stride):
    """Insert stride - 1 zeros between neighbouring entries of dY along H and W."""
    N, H_out, W_out, C = dY.shape
    out = np.zeros((N, stride * (H_out - 1) + 1, stride * (W_out - 1) + 1, C))
    out[:, ::stride, ::stride, :] = dY
    return out


@pytest.mark.parametrize("N, H, W_, C_in, C_out, K, stride, padding", CASES)
def test_input_gradient_is_a_full_convolution_with_the_flipped_kernel(N, H, W_, C_in, C_out, K, stride, padding):
    # dXp = conv(dilate(dY) padded by K-1, W flipped in p and q with C_in and C_out swapped); dX crops Xp's padding.
    rng = np.random.default_rng(2000 + H * 100 + W_ * 10 + K)
    X, W, b = random_case(rng, N, H, W_, C_in, C_out, K)
    dY = rng.normal(size=naive_conv2d(X, W, b, stride, padding).shape)
    W_flipped = W[::-1, ::-1].transpose(0, 1, 3, 2)                 # (K, K, C_out, C_in)
    dXp = conv.conv2d_forward(dilate(dY, stride), W_flipped, np.zeros(C_in), stride=1, padding=K - 1)
    dXp_full = np.zeros((N, H + 2 * padding, W_ + 2 * padding, C_in))
    dXp_full[:, :dXp.shape[1], :dXp.shape[2]] = dXp              # rows no window reached get 0
    dX = dXp_full[:, padding:padding + H, padding:padding + W_]
    np.testing.assert_allclose(conv.conv2d_backward(X, W, dY, stride, padding)[0], dX, atol=1e-12)


def test_conv2d_layer_passes_check_module_and_writes_grads_in_place():
    rng = np.random.default_rng(7)
    layer = conv.Conv2D(2, 3, 3, stride=2, padding=1, rng=rng)
    grad_arrays = {k: id(v) for k, v in layer.grads.items()}
    errors = gradcheck.check_module(layer, rng.normal(size=(2, 5, 7, 2)), rng=rng)
    assert set(errors) == {"X", "W", "b"}
    assert max(errors.values()) < 1e-7
    assert {k: id(v) for k, v in layer.grads.items()} == grad_arrays


def test_conv2d_layer_grads_equal_the_functions_and_input_grad_false_skips_dX():
    rng = np.random.default_rng(8)
    layer = conv.Conv2D(3, 2, 2, stride=2, rng=rng)
    X = rng.normal(size=(2, 6, 4, 3))
    Y = layer.forward(X)
    dY = rng.normal(size=Y.shape)
    dX, dW, db = conv.conv2d_backward(X, layer.params["W"], dY, stride=2)
    np.testing.assert_allclose(layer.backward(dY), dX, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dW, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db, atol=1e-12)
    layer.grads["W"][...] = 0.0
    assert layer.backward(dY, input_grad=False) is None
    np.testing.assert_allclose(layer.grads["W"], dW, atol=1e-12)


def test_conv2d_layer_shapes_dtype_and_init_scale():
    rng = np.random.default_rng(9)
    layer = conv.Conv2D(4, 16, 3, padding=1, rng=rng)
    assert layer.params["W"].shape == (3, 3, 4, 16) and layer.params["b"].shape == (16,)
    assert np.all(layer.params["b"] == 0)
    assert layer.forward(rng.normal(size=(2, 8, 8, 4))).shape == (2, 8, 8, 16)
    # He normal with fan-in K*K*C_in = 36: std sqrt(2/36) ~ 0.24 (576 samples)
    assert 0.2 < layer.params["W"].std() < 0.28
    small = conv.Conv2D(1, 2, 3, rng=rng, dtype=np.float32)
    Y = small.forward(rng.normal(size=(1, 4, 4, 1)))
    assert Y.dtype == np.float32 and small.params["W"].dtype == np.float32
    small.backward(np.ones_like(Y))
    assert small.grads["W"].dtype == np.float32
    assert repr(layer) == "Conv2D(C_in=4, C_out=16, K=3, stride=1, padding=1)"


# --- pooling --------------------------------------------------------------------------

def test_max_and_average_pooling_worked_example():
    x = np.array([[1.0, 3.0, 2.0, 0.0],
                  [4.0, 2.0, 1.0, 1.0],
                  [0.0, -1.0, 5.0, 6.0],
                  [2.0, 1.0, 7.0, 8.0]])
    X = x.reshape(1, 4, 4, 1)
    assert conv.MaxPool2D(2).forward(X)[0, :, :, 0].tolist() == [[4.0, 2.0], [2.0, 8.0]]
    assert conv.AvgPool2D(2).forward(X)[0, :, :, 0].tolist() == [[2.5, 1.0], [0.5, 6.5]]
    # Overlapping windows, K = 3, stride 1: (4 - 3)/1 + 1 = 2 per axis.
    assert conv.MaxPool2D(3, stride=1).forward(X)[0, :, :, 0].tolist() == [[5.0, 6.0], [7.0, 8.0]]


def test_max_pooling_backward_routes_each_gradient_to_its_maximum():
    x = np.array([[1.0, 3.0, 2.0, 0.0],
                  [4.0, 2.0, 1.0, 1.5],
                  [0.0, -1.0, 5.0, 6.0],
                  [2.0, 1.0, 7.0, 8.0]])
    pool = conv.MaxPool2D(2)
    pool.forward(x.reshape(1, 4, 4, 1))
    dX = pool.backward(np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1))[0, :, :, 0]
    assert dX.tolist() == [[0, 0, 20, 0], [10, 0, 0, 0], [0, 0, 0, 0], [30, 0, 0, 40]]


def test_max_pooling_ties_go_to_the_first_maximum_in_row_major_order():
    X = np.array([[2.0, 2.0], [2.0, 1.0]]).reshape(1, 2, 2, 1)
    pool = conv.MaxPool2D(2)
    assert pool.forward(X).item() == 2.0
    dX = pool.backward(np.array([5.0]).reshape(1, 1, 1, 1))
    assert dX[0, :, :, 0].tolist() == [[5.0, 0.0], [0.0, 0.0]]   # one entry, not all three tied
    assert dX.sum() == 5.0


@pytest.mark.parametrize("Pool, reduce", [(conv.MaxPool2D, np.max), (conv.AvgPool2D, np.mean)])
@pytest.mark.parametrize("shape, K, stride", [((2, 4, 6, 3), 2, None), ((1, 5, 5, 2), 3, 2),
                                              ((2, 4, 5, 1), 2, 1), ((1, 6, 3, 2), 3, 3)])
def test_pooling_matches_loops_and_central_differences(Pool, reduce, shape, K, stride):
    rng = np.random.default_rng(sum(shape) + K)
    X = rng.normal(size=shape)                                   # continuous values: no ties
    pool = Pool(K, stride)
    S = K if stride is None else stride
    Y = pool.forward(X)
    np.testing.assert_allclose(Y, naive_pool(X, K, S, reduce), atol=1e-12)
    dY = rng.normal(size=Y.shape)
    dX = pool.backward(dY)
    f = lambda: np.sum(pool.forward(X) * dY)  # noqa: E731
    assert gradcheck.rel_error(dX, gradcheck.numerical_gradient(f, X)) < 1e-7
    assert np.isclose(dX.sum(), dY.sum())        # every output hands on all its gradient
    assert pool.params == {} and pool.grads == {}


def test_average_pooling_backward_spreads_one_over_K_squared():
    pool = conv.AvgPool2D(2)
    pool.forward(np.zeros((1, 4, 2, 1)))
    dX = pool.backward(np.array([4.0, 8.0]).reshape(1, 2, 1, 1))
    assert dX[0, :, :, 0].tolist() == [[1.0, 1.0], [1.0, 1.0], [2.0, 2.0], [2.0, 2.0]]


def test_pool_stride_defaults_to_K():
    assert conv.MaxPool2D(3).stride == 3 and conv.AvgPool2D(2, stride=1).stride == 1
    assert repr(conv.MaxPool2D(2)) == "MaxPool2D(K=2, stride=2)"


# --- Flatten and a small CNN ----------------------------------------------------------

def test_flatten_forward_and_backward():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(3, 2, 4, 5))
    flat = layers.Flatten()
    Y = flat.forward(X)
    assert Y.shape == (3, 40)
    np.testing.assert_array_equal(Y[1], X[1].reshape(-1))
    dY = rng.normal(size=Y.shape)
    np.testing.assert_array_equal(flat.backward(dY), dY.reshape(X.shape))
    assert flat.params == {} and flat.grads == {}
    with pytest.raises(ValueError, match=r"expected dY of shape \(3, 40\)"):
        flat.backward(dY[:, :-1])


def test_small_cnn_passes_check_module():
    rng = np.random.default_rng(12)
    model = layers.Sequential(conv.Conv2D(1, 3, 3, padding=1, rng=rng), layers.Activation("tanh"),
                              conv.AvgPool2D(2), conv.Conv2D(3, 4, 2, stride=2, rng=rng),
                              conv.MaxPool2D(2), layers.Flatten(), layers.Linear(4, 3, rng=rng))
    errors = gradcheck.check_module(model, rng.normal(size=(2, 8, 8, 1)), rng=rng)
    assert set(errors) == {"X", "0.W", "0.b", "3.W", "3.b", "6.W", "6.b"}
    assert max(errors.values()) < 1e-6


# --- errors ---------------------------------------------------------------------------

def test_wrong_number_of_axes_is_explained():
    layer = conv.Conv2D(1, 2, 3)
    with pytest.raises(ValueError, match=r"expected X of shape \(N, H, W, 1\).*add the channel axis"):
        layer.forward(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match=r"reshape them"):
        layer.forward(np.zeros((2, 64)))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        conv.MaxPool2D(2).forward(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"at least one more"):
        layers.Flatten().forward(np.zeros(5))


def test_channel_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"3 channel\(s\).*channels go last"):
        conv.Conv2D(3, 2, 3).forward(np.zeros((2, 3, 8, 8)))     # channels-first by mistake
    with pytest.raises(ValueError, match=r"2 channel\(s\)"):
        conv.conv2d_forward(np.zeros((1, 4, 4, 3)), np.zeros((2, 2, 2, 1)), np.zeros(1))


def test_kernel_larger_than_the_padded_input_is_rejected():
    with pytest.raises(ValueError, match=r"larger than the padded input \(2 \+ 2\*0 = 2\)"):
        conv.Conv2D(1, 1, 3).forward(np.zeros((1, 2, 5, 1)))
    conv.Conv2D(1, 1, 3, padding=1).forward(np.zeros((1, 1, 1, 1)))   # fits once padded
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv.MaxPool2D(3).forward(np.zeros((1, 2, 2, 1)))


def test_windows_that_do_not_fit_are_an_error_not_silently_dropped():
    with pytest.raises(ValueError, match=r"\(6 \+ 2\*0 - 3\) / 2 = 3/2 is not an integer"):
        conv.Conv2D(1, 1, 3, stride=2).forward(np.zeros((1, 6, 7, 1)))
    with pytest.raises(ValueError, match=r"width.*not an integer"):
        conv.Conv2D(1, 1, 3, stride=2).forward(np.zeros((1, 7, 6, 1)))
    with pytest.raises(ValueError, match="not an integer"):
        conv.MaxPool2D(2).forward(np.zeros((1, 5, 4, 1)))
    with pytest.raises(ValueError, match="not an integer"):
        conv.conv2d_output_size(8, 3, 2, 0)


def test_bad_hyperparameters_and_shapes_are_rejected():
    for kwargs in (dict(stride=0), dict(padding=-1), dict(padding=1.5)):
        with pytest.raises(ValueError, match="stride|padding"):
            conv.Conv2D(1, 2, 3, **kwargs)
    with pytest.raises(ValueError, match="K"):
        conv.MaxPool2D(0)
    with pytest.raises(ValueError, match="square kernel"):
        conv.conv2d_forward(np.zeros((1, 4, 4, 1)), np.zeros((2, 3, 1, 1)), np.zeros(1))
    with pytest.raises(ValueError, match=r"expected b of shape \(2,\)"):
        conv.conv2d_forward(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 2)), np.zeros(3))
    layer = conv.Conv2D(1, 2, 3, padding=1)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 4, 4, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        conv.MaxPool2D(2).backward(np.zeros((1, 2, 2, 1)))
    layer.forward(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"expected dY of shape \(1, 4, 4, 2\)"):
        layer.backward(np.zeros((1, 2, 2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        layer.forward(np.full((1, 4, 4, 1), np.nan))


# --- the benchmark's hand-written version computes the same numbers --------------------

def test_benchmark_handwritten_conv_layer_matches_nnref():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import conv_layer

    rng = np.random.default_rng(13)
    X = rng.normal(size=(4, 10, 10, 3))
    layer, hand = conv_layer.new_layers(C_in=3, C_out=5, K=3, padding=1)
    dY = rng.normal(size=(4, 10, 10, 5))
    dX_nnref = conv_layer.nnref_step(layer, X, dY)
    dX_hand, dW_hand, db_hand = conv_layer.handwritten_step(hand, X, dY)
    np.testing.assert_allclose(dX_nnref, dX_hand, atol=1e-10)
    np.testing.assert_allclose(layer.grads["W"], dW_hand, atol=1e-10)
    np.testing.assert_allclose(layer.grads["b"], db_hand, atol=1e-10)
