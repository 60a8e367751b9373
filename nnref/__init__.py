"""nnref: a small, readable NumPy reference implementation of neural networks.

The course's conventions (ARCHITECTURE.md, "Conventions"): batch-first data ``X`` of shape
``(N, n_in)``; a dense layer computes ``Z = X @ W + b`` with ``W`` of shape
``(n_in, n_out)``; gradients have the shape of what they differentiate with respect to
(denominator layout); losses are means over the batch; float64 by default; randomness
only through an explicit ``numpy.random.Generator``.

Docstrings name the documents the course follows by the short names of the book's References
page (Zaupa, Ruiz, the Solutions 16 sheet, Chadha, the MLP lecture) and use the book's
notation (the learning rate is ``eta``, ``lr`` in code; ``alpha`` is the leaky ReLU's slope).

Modules: :mod:`~nnref.activations`, :mod:`~nnref.losses`, :mod:`~nnref.initializers`,
:mod:`~nnref.layers`, :mod:`~nnref.conv`, :mod:`~nnref.recurrent`, :mod:`~nnref.optimizers`,
:mod:`~nnref.gradcheck` (NumPy only), :mod:`~nnref.training` (adds tqdm), :mod:`~nnref.data`
(scikit-learn, imported lazily).
"""

from . import activations, gradcheck, initializers, layers, losses, optimizers

__all__ = ["activations", "gradcheck", "initializers", "layers", "losses", "optimizers"]

__version__ = "1.0.0"
