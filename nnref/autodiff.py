r"""Reverse-mode automatic differentiation: a scalar engine and a small array engine.

A computation is recorded as a **computational graph** while it runs: every result is a
node that remembers its value (``data``), the nodes it was computed from (``inputs``) and a
function ``vjp`` that turns the gradient of the final result with respect to this node into
gradients with respect to each of its inputs (a vector–Jacobian product). Calling
``backward()`` on the final node ``L`` then

1. lists every node of the graph in **topological order** (each node after all of its
   inputs; :func:`topological_order`),
2. sets every ``grad`` to zero and the output's own to :math:`\partial L/\partial L = 1`,
3. visits the nodes in **reverse** order; each node, whose gradient is final by then, passes
   ``vjp(node.grad)`` back to its inputs, which **add** it to their ``grad``.

Step 3 is the chain rule summed over paths: for a node :math:`u` used by the nodes
:math:`v_1, \dots, v_k`,

.. math::

   \frac{\partial L}{\partial u} = \sum_{i=1}^{k} \frac{\partial L}{\partial v_i}\,
   \frac{\partial v_i}{\partial u},

so a node used twice (``x * x``, or ``x`` feeding two layers) must *accumulate* its
contributions, never overwrite them. This is the algorithm of Goodfellow, Bengio and
Courville, *Deep Learning*, §6.5 (back-propagation on a computational graph).

Two node types share this machinery:

* :class:`Value` holds one Python float (``+ - * / **``, ``exp``, ``log``, ``tanh``,
  ``relu``); a node's ``vjp`` multiplies by the local derivative.
* :class:`Tensor` holds a NumPy array (``@``, broadcasting ``+ - * /``, ``sum``, ``mean``,
  ``exp``, ``log``, ``tanh``, ``relu``, ``logsumexp``, indexing); its ``vjp`` never forms a
  Jacobian. The adjoint of broadcasting is a sum over the broadcast axes
  (:func:`unbroadcast`).

Conventions: gradients have the shape of what they differentiate (denominator layout);
``relu'(0) = 0`` as in :mod:`nnref.activations`. Unlike PyTorch, ``backward()`` resets the
gradients of the whole graph first, so calling it twice gives the same gradients. This
module depends on NumPy only.

Example::

    from nnref.autodiff import Value
    x, y = Value(0.5), Value(-1.5)
    out = (x * y + x).tanh()
    out.backward()
    x.grad, y.grad        # (1 - tanh(xy + x)^2) (y + 1),  (1 - tanh(xy + x)^2) x
"""

import math
import numbers

import numpy as np

from ._checks import as_float_array

__all__ = ["Node", "Value", "Tensor", "topological_order", "unbroadcast", "softmax_cross_entropy"]


def topological_order(root):
    """Return the nodes of ``root``'s graph, each after all of its inputs (``root`` last).

    A depth-first search that appends a node once all its inputs are appended (post-order).
    A node reached along several paths appears once. Written with an explicit stack rather
    than recursion, so that a long chain (an unrolled loop of thousands of steps) does not
    hit Python's recursion limit. Works for any objects with an ``inputs`` tuple.
    """
    order, done = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if id(node) in done:
            continue
        if inputs_done:
            done.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            for child in reversed(node.inputs):
                if id(child) not in done:
                    stack.append((child, False))
    return order


class Node:
    """A node of a computational graph: what :class:`Value` and :class:`Tensor` share.

    Holds ``data``, ``grad``, ``inputs``, ``op`` and ``vjp`` (see :class:`Value`) and runs the
    reverse sweep, :meth:`backward`. Not used directly.
    """

    __slots__ = ("data", "grad", "inputs", "op", "vjp")

    def backward(self, grad=None):
        """Fill ``grad`` of every node of the graph with the gradient of this node.

        ``grad`` is the seed :math:`\\partial L/\\partial\\,\\text{self}`: 1 by default, which
        only makes sense when this node is a scalar (a loss). For a non-scalar node give the
        upstream gradient ``grad`` (the shape of ``data``): the sweep then computes the
        vector–Jacobian product ``grad · J`` for every node.
        """
        seed = self._seed(grad)
        order = topological_order(self)
        for node in order:
            node.grad = node._zero()
        self.grad = seed
        for node in reversed(order):
            if node.vjp is None:          # a leaf: an input or a parameter
                continue
            contributions = node.vjp(node.grad)
            if len(contributions) != len(node.inputs):
                raise RuntimeError(f"the vjp of a {node.op!r} node returned {len(contributions)} "
                                   f"gradients for {len(node.inputs)} inputs")
            for child, contribution in zip(node.inputs, contributions):
                child.grad = child.grad + contribution   # accumulate: a node may be used twice


# --------------------------------------------------------------------------------------
# The scalar engine
# --------------------------------------------------------------------------------------

def _as_number(x, where):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf":
            x = x.item()
        else:
            raise TypeError(f"{where} expected a real number, got {type(x).__name__} {x!r}"
                            + (" (use nnref.autodiff.Tensor for arrays)" if isinstance(x, np.ndarray) else ""))
    x = float(x)
    if math.isnan(x):
        raise ValueError(f"{where} got NaN; NaN would silently spread through every gradient")
    return x


class Value(Node):
    r"""A scalar node: ``Value(x)`` wraps the number ``x`` as a leaf of a graph.

    Attributes: ``data`` (float), ``grad`` (float, :math:`\partial L/\partial` ``data`` after
    ``L.backward()``; 0 before), ``inputs`` (tuple of the nodes it was computed from), ``op``
    (a short name such as ``"*"``), ``vjp`` (``g -> tuple`` of contributions, one per input, or
    ``None`` for a leaf).

    Operations and the local derivatives their ``vjp`` multiplies ``g`` by (``a, b`` Values or
    numbers, ``p`` a number):

    ===================  ============================  ==========================================
    operation            value                         contributions
    ===================  ============================  ==========================================
    ``a + b``            :math:`a + b`                 :math:`(g,\ g)`
    ``a * b``            :math:`ab`                    :math:`(g b,\ g a)`
    ``a ** p``           :math:`a^p`                   :math:`(g\,p\,a^{p-1},)`
    ``p ** a``           :math:`p^a`, ``p > 0``        :math:`(g\,p^a \ln p,)`
    ``a.exp()``          :math:`e^a`                   :math:`(g\,e^a,)`
    ``a.log()``          :math:`\ln a`, ``a > 0``      :math:`(g / a,)`
    ``a.tanh()``         :math:`\tanh a`               :math:`(g\,(1 - \tanh^2 a),)`
    ``a.relu()``         :math:`\max(0, a)`            :math:`(g\,[a > 0],)`
    ===================  ============================  ==========================================

    ``-a``, ``a - b`` and ``a / b`` are built from these (``a + (-1) b`` and
    ``a * b ** -1``); every operation also accepts a plain number on either side
    (``2 * a``, ``1 - a``, ``1 / a``).
    """

    __slots__ = ()

    def __init__(self, data, inputs=(), op="", vjp=None):
        if isinstance(data, Value):
            raise TypeError("Value(x) expected a number, got a Value: use the Value itself")
        self.data = _as_number(data, "Value")
        self.grad = 0.0
        self.inputs = tuple(inputs)
        self.op = op
        self.vjp = vjp

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def _zero(self):
        return 0.0

    def _seed(self, grad):
        return 1.0 if grad is None else _as_number(grad, "Value.backward(grad)")

    @staticmethod
    def _wrap(other, op):
        if isinstance(other, Value):
            return other
        if isinstance(other, Tensor):
            raise TypeError(f"cannot combine a Value and a Tensor with {op!r}: use Tensors throughout")
        return Value(_as_number(other, f"Value {op}"))

    # -- binary operations ------------------------------------------------------------
    def __add__(self, other):
        other = self._wrap(other, "+")
        return Value(self.data + other.data, (self, other), "+", lambda g: (g, g))

    def __mul__(self, other):
        other = self._wrap(other, "*")
        return Value(self.data * other.data, (self, other), "*",
                     lambda g: (g * other.data, g * self.data))

    def __pow__(self, p):
        if isinstance(p, (Value, Tensor)):
            raise TypeError("Value ** Value is not supported: write (p * a.log()).exp() for a^p "
                            "with a variable exponent")
        p = _as_number(p, "Value ** p")
        x = self.data
        if x == 0 and p < 1:
            raise ValueError(f"Value ** {p:g} at 0: the derivative p x^(p-1) is infinite there")
        if x < 0 and not p.is_integer():
            raise ValueError(f"Value ** {p:g} of the negative number {x:g} is not real")
        return Value(x ** p, (self,), f"**{p:g}", lambda g: (g * p * x ** (p - 1),))

    def __rpow__(self, base):
        base = _as_number(base, "p ** Value")
        if base <= 0:
            raise ValueError(f"{base:g} ** Value needs a positive base (it is exp(a ln p))")
        out = base ** self.data
        return Value(out, (self,), f"{base:g}**", lambda g: (g * out * math.log(base),))

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._wrap(other, "-"))

    def __rsub__(self, other):
        return self._wrap(other, "-") + (-self)

    def __truediv__(self, other):
        return self * self._wrap(other, "/") ** -1.0

    def __rtruediv__(self, other):
        return self._wrap(other, "/") * self ** -1.0

    # -- functions ----------------------------------------------------------------------
    def exp(self):
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return Value(out, (self,), "exp", lambda g: (g * out,))

    def log(self):
        x = self.data
        if x <= 0:
            raise ValueError(f"Value.log() of {x:g}: the logarithm needs a positive number")
        return Value(math.log(x), (self,), "log", lambda g: (g / x,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", lambda g: (g * (1.0 - t * t),))

    def relu(self):
        x = self.data
        return Value(max(x, 0.0), (self,), "relu", lambda g: (g * (1.0 if x > 0 else 0.0),))


# --------------------------------------------------------------------------------------
# The array engine
# --------------------------------------------------------------------------------------

def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the adjoint (vjp) of broadcasting an array of ``shape``.

    When NumPy broadcasts ``b`` of shape ``(n,)`` to ``(N, n)``, every entry of ``b`` is used
    ``N`` times, so its gradient is the sum of the ``N`` upstream gradients: ``grad.sum(axis=0)``.
    In general: sum over the leading axes that broadcasting added, then (keeping them) over
    the axes where ``shape`` has size 1 and ``grad`` does not. Raises ``ValueError`` if ``shape``
    does not broadcast to ``grad.shape``.
    """
    grad = np.asarray(grad)
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra < 0 or any(s not in (1, n) for s, n in zip(shape, grad.shape[extra:])):
        raise ValueError(f"unbroadcast: an array of shape {shape} does not broadcast to {grad.shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    kept = tuple(i for i, (s, n) in enumerate(zip(shape, grad.shape)) if s == 1 and n != 1)
    if kept:
        grad = grad.sum(axis=kept, keepdims=True)
    return grad.reshape(shape)


def _axes(axis, ndim, where):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise ValueError(f"{where}: axis {axis!r} is out of range for an array with {ndim} axes")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{where}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _expand(grad, shape, axes):
    """Broadcast the gradient of a reduction over ``axes`` back to the input's ``shape``."""
    return np.broadcast_to(np.expand_dims(grad, axes), shape)


class Tensor(Node):
    r"""An array node: ``Tensor(x)`` wraps the array ``x`` (float64 unless it is float32).

    Attributes as for :class:`Value`, with ``data`` and ``grad`` arrays of the same shape.
    Each operation's ``vjp`` maps the upstream gradient :math:`G = \partial L/\partial Y`
    (the shape of the result ``Y``) to the gradients of its inputs, without forming a
    Jacobian (batch-first rows, as in :mod:`nnref.layers`):

    ===========================  =====================================================
    ``Y = A @ B`` (2-D)          :math:`\partial L/\partial A = G B^\mathsf{T}`,
                                 :math:`\partial L/\partial B = A^\mathsf{T} G`
    ``Y = A + B`` (broadcast)    ``unbroadcast(G, A.shape)``, ``unbroadcast(G, B.shape)``
    ``Y = A * B`` (broadcast)    ``unbroadcast(G * B, A.shape)``, ``unbroadcast(G * A, B.shape)``
    ``Y = A.sum(axis)``          :math:`G` broadcast back over the summed axes
    ``Y = A.mean(axis)``         the same, divided by the number of entries averaged
    ``Y = A.exp()``, ``log``     :math:`G \odot e^A`, :math:`G / A`
    ``Y = A.tanh()``, ``relu``   :math:`G \odot (1 - Y^2)`, :math:`G \odot [A > 0]`
    ``Y = A.logsumexp(axis)``    :math:`G` broadcast back, times :math:`\operatorname{softmax}(A)` along ``axis``
    ``Y = A[index]``             zeros with :math:`G` added at ``index`` (``np.add.at``: repeated entries add up)
    ===========================  =====================================================

    A plain number or array on either side of an operator is wrapped as a constant Tensor.
    ``backward()`` without a seed needs a scalar (size-1) result, such as a mean loss.
    """

    __slots__ = ()

    def __init__(self, data, inputs=(), op="", vjp=None):
        if isinstance(data, (Tensor, Value)):
            raise TypeError(f"Tensor(x) expected an array, got a {type(data).__name__}")
        data = np.asarray(data)
        self.data = as_float_array(data, "Tensor", "data",
                                   dtype=data.dtype if data.dtype == np.float32 else np.float64)
        self.grad = np.zeros_like(self.data)
        self.inputs = tuple(inputs)
        self.op = op
        self.vjp = vjp

    def __repr__(self):
        return f"Tensor(shape={self.data.shape}, op={self.op!r})"

    @property
    def shape(self):
        """The shape of ``data``."""
        return self.data.shape

    def _zero(self):
        return np.zeros_like(self.data)

    def _seed(self, grad):
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward() without a seed needs a scalar result, but this Tensor has "
                                 f"shape {self.data.shape}: reduce it to a loss first (e.g. .mean()), or pass "
                                 f"backward(grad) with grad of shape {self.data.shape}")
            return np.ones_like(self.data)
        grad = as_float_array(grad, "Tensor.backward", "grad", dtype=self.data.dtype)
        if grad.shape != self.data.shape:
            raise ValueError(f"Tensor.backward expected grad of shape {self.data.shape} (the shape of "
                             f"the result), got {grad.shape}")
        return grad

    @staticmethod
    def _wrap(other, op):
        if isinstance(other, Tensor):
            return other
        if isinstance(other, Value):
            raise TypeError(f"cannot combine a Tensor and a Value with {op!r}: use Tensors throughout")
        return Tensor(other)

    def _broadcast_op(self, other, op):
        other = self._wrap(other, op)
        try:
            np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise ValueError(f"Tensor {op}: shapes {self.shape} and {other.shape} do not broadcast") from None
        return other

    # -- elementwise binary operations with broadcasting ----------------------------------
    def __add__(self, other):
        other = self._broadcast_op(other, "+")
        a_shape, b_shape = self.shape, other.shape
        return Tensor(self.data + other.data, (self, other), "+",
                      lambda G: (unbroadcast(G, a_shape), unbroadcast(G, b_shape)))

    def __mul__(self, other):
        other = self._broadcast_op(other, "*")
        a, b = self.data, other.data
        return Tensor(a * b, (self, other), "*",
                      lambda G: (unbroadcast(G * b, a.shape), unbroadcast(G * a, b.shape)))

    def __truediv__(self, other):
        other = self._broadcast_op(other, "/")
        a, b = self.data, other.data
        return Tensor(a / b, (self, other), "/",
                      lambda G: (unbroadcast(G / b, a.shape), unbroadcast(-G * a / (b * b), b.shape)))

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._wrap(other, "-"))

    def __rsub__(self, other):
        return self._wrap(other, "-") + (-self)

    def __rtruediv__(self, other):
        return self._wrap(other, "/") / self

    # -- matrix product ---------------------------------------------------------------
    def __matmul__(self, other):
        other = self._wrap(other, "@")
        A, B = self.data, other.data
        if A.ndim != 2 or B.ndim != 2:
            raise ValueError(f"Tensor @ expects two 2-D arrays, got shapes {A.shape} and {B.shape} "
                             "(make a bias a separate + and a single example a row of shape (1, n))")
        if A.shape[1] != B.shape[0]:
            raise ValueError(f"Tensor @: shapes {A.shape} and {B.shape} do not match "
                             f"({A.shape[1]} columns against {B.shape[0]} rows)")
        return Tensor(A @ B, (self, other), "@", lambda G: (G @ B.T, A.T @ G))

    def __rmatmul__(self, other):
        return self._wrap(other, "@") @ self

    # -- reductions ---------------------------------------------------------------------
    def sum(self, axis=None):
        """Sum over ``axis`` (``None``: all axes; an int or a tuple of ints), dropping it."""
        axes = _axes(axis, self.data.ndim, "Tensor.sum")
        shape = self.shape
        return Tensor(self.data.sum(axis=axes), (self,), "sum", lambda G: (_expand(G, shape, axes),))

    def mean(self, axis=None):
        """Mean over ``axis`` (as :meth:`sum`); the gradient is spread evenly: ``G / count``."""
        axes = _axes(axis, self.data.ndim, "Tensor.mean")
        shape = self.shape
        count = int(np.prod([shape[a] for a in axes]))
        if count == 0:
            raise ValueError("Tensor.mean of an empty array")
        return Tensor(self.data.mean(axis=axes), (self,), "mean",
                      lambda G: (_expand(G, shape, axes) / count,))

    def logsumexp(self, axis=-1):
        r"""``log(sum(exp(A), axis))``, computed stably as :math:`m + \log\sum e^{A - m}`, ``m = max``.

        Its gradient is the softmax along ``axis``: :math:`\partial/\partial A_j = e^{A_j}/\sum_k e^{A_k}`.
        """
        axes = _axes(axis, self.data.ndim, "Tensor.logsumexp")
        A = self.data
        m = A.max(axis=axes, keepdims=True)
        e = np.exp(A - m)
        total = e.sum(axis=axes, keepdims=True)
        out = (m + np.log(total)).squeeze(axis=axes)
        softmax = e / total
        return Tensor(out, (self,), "logsumexp", lambda G: (np.expand_dims(G, axes) * softmax,))

    # -- elementwise functions ------------------------------------------------------------
    def exp(self):
        out = np.exp(self.data)
        return Tensor(out, (self,), "exp", lambda G: (G * out,))

    def log(self):
        x = self.data
        if np.any(x <= 0):
            raise ValueError(f"Tensor.log(): {int(np.sum(x <= 0))} entries are not positive")
        return Tensor(np.log(x), (self,), "log", lambda G: (G / x,))

    def tanh(self):
        t = np.tanh(self.data)
        return Tensor(t, (self,), "tanh", lambda G: (G * (1 - t * t),))

    def relu(self):
        x = self.data
        return Tensor(np.maximum(x, 0), (self,), "relu", lambda G: (G * (x > 0),))

    # -- indexing -------------------------------------------------------------------------
    def __getitem__(self, index):
        shape, dtype = self.shape, self.data.dtype

        def vjp(G):
            full = np.zeros(shape, dtype=dtype)
            np.add.at(full, index, G)     # an entry picked twice gets both gradients
            return (full,)

        return Tensor(self.data[index], (self,), "[]", vjp)


def softmax_cross_entropy(Z, y):
    r"""The mean softmax cross-entropy of the logits ``Z`` (a Tensor ``(N, K)``) and labels ``y`` ``(N,)``.

    :math:`L = \frac1N \sum_n \bigl(\log\sum_k e^{Z_{nk}} - Z_{n,y_n}\bigr)`, built from the
    graph operations ``logsumexp``, indexing, ``-`` and ``mean``, so that ``L.backward()``
    gives :math:`\partial L/\partial Z = (\operatorname{softmax}(Z) - \operatorname{onehot}(y))/N`,
    the fused gradient of :class:`nnref.losses.SoftmaxCrossEntropy`.
    """
    if not isinstance(Z, Tensor):
        raise TypeError(f"softmax_cross_entropy expected the logits as a Tensor, got {type(Z).__name__}")
    if Z.data.ndim != 2:
        raise ValueError(f"softmax_cross_entropy expected logits of shape (N, K), got {Z.shape}")
    y = np.asarray(y)
    if y.shape != (Z.shape[0],) or y.dtype.kind not in "iu":
        raise ValueError(f"softmax_cross_entropy expected integer labels of shape ({Z.shape[0]},), "
                         f"got {y.dtype} {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= Z.shape[1]):
        raise ValueError(f"softmax_cross_entropy: labels must be in 0..{Z.shape[1] - 1}")
    return (Z.logsumexp(axis=1) - Z[np.arange(len(y)), y]).mean()
