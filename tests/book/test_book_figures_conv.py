"""nnref.figures.conv_window: the sliding-window figure of chapter 13 (fast tests)."""

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from nnref import conv, figures  # noqa: E402


def orange_cells(ax):
    orange = matplotlib.colors.to_rgb("tab:orange")
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_facecolor()[:3] == orange]


@pytest.mark.parametrize("size, K, stride, padding",
                         [(5, 3, 1, 0), (5, 3, 1, 1), (5, 3, 2, 1), (6, 2, 2, 0), (7, 3, 2, 2)])
def test_the_output_grid_has_the_size_of_the_formula(size, K, stride, padding):
    fig, ax = plt.subplots()
    n_out = conv.conv2d_output_size(size, K, stride, padding)
    figures.conv_window(ax, position=n_out * n_out - 1, stride=stride, padding=padding, size=size, K=K)
    assert f"= {n_out}" in ax.get_title() and f"output {n_out}x{n_out}" in [t.get_text() for t in ax.texts]
    window, out = sorted(orange_cells(ax), key=lambda p: p.get_width())[::-1]
    assert window.get_width() == K and out.get_width() == 1
    # The last window ends exactly at the padded input's last row and column.
    assert window.get_x() + K == size + 2 * padding and window.get_y() == -(size + 2 * padding)
    plt.close(fig)


def test_windows_that_do_not_fit_are_flagged_in_red():
    fig, ax = plt.subplots()
    figures.conv_window(ax, stride=3, padding=0, size=5, K=3)
    assert "do not fit" in ax.get_title()
    assert any(p.get_hatch() == "///" for p in ax.patches)
    with pytest.raises(ValueError):
        conv.conv2d_output_size(5, 3, 3, 0)
    plt.close(fig)


def test_slider_floats_are_rounded_and_bad_values_rejected():
    fig, ax = plt.subplots()
    figures.conv_window(ax, position=2.0, stride=2.0, padding=1.0)
    assert "= 3" in ax.get_title()
    with pytest.raises(ValueError, match="stride"):
        figures.conv_window(ax, stride=0)
    plt.close(fig)
