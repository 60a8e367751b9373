"""Shared pytest fixtures (others may append their own below)."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded random generator, fresh for every test (so tests do not depend on order)."""
    return np.random.default_rng(20261123)
