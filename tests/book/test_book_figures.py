"""nnref.figures: the book's figure helpers and the interactive-figure pattern (fast tests)."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnref import figures  # noqa: E402


def test_importing_nnref_and_figures_does_not_import_matplotlib_or_ipywidgets():
    code = ("import sys, nnref, nnref.layers, nnref.training, nnref.figures; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("w1, w2, b", [(1.0, 2.0, -1.0), (-0.5, 0.3, 0.8), (0.0, 1.5, 0.0)])
def test_neuron_boundary_draws_the_line_where_z_is_zero(w1, w2, b):
    fig, ax = plt.subplots()
    figures.neuron_boundary(ax, w1, w2, b)
    (line,) = [ln for ln in ax.lines if ln.get_label() == "$z = 0$"]
    points = np.column_stack(line.get_data())
    assert np.allclose(points @ [w1, w2] + b, 0.0)
    # The arrow starts on the line, at distance |b|/||w|| from the origin, and points along w.
    arrow = [c for c in ax.texts if hasattr(c, "xyann")][0]
    start, end = np.array(arrow.xyann), np.array(arrow.xy)
    assert np.isclose(np.linalg.norm(start), abs(b) / np.hypot(w1, w2))
    assert np.allclose(end - start, np.array([w1, w2]) / np.hypot(w1, w2))
    plt.close(fig)


def test_neuron_boundary_with_zero_weights_draws_no_line():
    fig, ax = plt.subplots()
    figures.neuron_boundary(ax, 0.0, 0.0, 0.5)
    assert not ax.lines
    plt.close(fig)


def test_draw_network_counts_the_parameters_and_rejects_bad_sizes():
    fig, ax = plt.subplots()
    figures.draw_network(ax, [3, 4, 1])
    assert ax.get_title() == "layer sizes [3, 4, 1]: 21 parameters"
    assert len(ax.lines) == 3 * 4 + 4 * 1          # one line per connection
    with pytest.raises(ValueError, match="at least two layers"):
        figures.draw_network(ax, [3])
    plt.close(fig)


def draw_line(ax, slope):
    ax.plot([0, 1], [0, slope])


def test_animation_is_self_contained_html_with_one_frame_per_setting():
    html = figures.animation(draw_line, [dict(slope=s) for s in (0.0, 0.5, 1.0)]).data
    assert "http://" not in html and "https://" not in html
    # one image per frame, and the opening frame once more in the <img> (shown without script)
    assert html.count("data:image/png;base64") == 3 + 1
    assert "fa fa-" not in html
    with pytest.raises(ValueError, match="at least one frame"):
        figures.animation(draw_line, [])


def test_animation_player_has_names_a_caption_and_opens_on_the_chosen_frame():
    import re

    html = figures.animation(draw_line, [dict(slope=s) for s in (0.0, 0.5, 1.0)], start=2,
                             caption="A line getting steeper.", alt="A straight line from the origin.").data
    frames = dict(re.findall(r'frames\[(\d)\] = "(data:image/png;base64,[^"]*)"', html))
    img = re.search(r'<img id="_anim_img\w+" alt="([^"]*)" src="([^"]*)"', html)
    assert img.group(1) == "A straight line from the origin."
    assert img.group(2) == frames["2"], "the <img> does not show the opening frame"
    assert re.search(r"anim\w+\.set_frame\(2\);", html), "the player does not open on frame 2"
    assert re.search(r'type="range" aria-label="Frame \(1 to 3\)"', html)
    assert html.startswith('<figure class="nnbook-animation">')
    assert '<figcaption class="mathjax_process"><p>A line getting steeper.</p></figcaption></figure>' in html
    # every button has a label; its symbol is hidden from screen readers
    buttons = re.findall(r"<button [^>]*>(.*?)</button>", html, re.S)
    assert len(buttons) == 9 and all(b.startswith('<span aria-hidden="true">') for b in buttons)
    assert html.count('<button title="') == len(re.findall(r'<button title="[^"]*" aria-label="[^"]+"', html))
    # the PDF book shows the opening frame instead of the player
    player = figures.animation(draw_line, [dict(slope=s) for s in (0.0, 0.5, 1.0)], start=1)
    assert player._repr_png_().startswith(b"\x89PNG")
    assert player._repr_html_() == player.data
    # the caption is the alt text when no alt is given
    assert 'alt="A line getting steeper."' in figures.animation(draw_line, [dict(slope=1.0)],
                                                                caption="A line getting steeper.").data
    with pytest.raises(ValueError, match="start=3 is not a frame"):
        figures.animation(draw_line, [dict(slope=1.0)] * 3, start=3)


def test_offline_jshtml_refuses_unknown_icons_and_remaining_urls():
    with pytest.raises(ValueError, match="unknown player icon"):
        figures.offline_jshtml('<i class="fa fa-rocket"></i>')
    with pytest.raises(ValueError, match="another host"):
        figures.offline_jshtml('<script src="https://cdn.example/x.js"></script>')


def test_moving_a_slider_redraws_with_the_new_value():
    calls = []
    box = figures.widget(lambda ax, slope, shift: calls.append((slope, shift)),
                         slope=(-2, 2, 0.5, 1.0), shift=(0, 1, 0.25, 0.0))
    slope, shift = box.children[0].children
    slope.value = -0.5
    shift.value = 0.75
    assert calls == [(1.0, 0.0), (-0.5, 0.0), (-0.5, 0.75)]
    assert plt.get_fignums() == [], "the widget leaves figures open"


def test_widget_has_one_slider_per_parameter_and_checks_its_specification():
    box = figures.widget(draw_line, slope=(-2, 2, 0.5, 1.0))
    (slider,) = box.children[0].children
    assert (slider.description, slider.min, slider.max, slider.step, slider.value) == ("slope", -2, 2, 0.5, 1.0)
    with pytest.raises(ValueError, match=r"\(min, max, step, value\)"):
        figures.widget(draw_line, slope=(0, 1))
    with pytest.raises(ValueError, match="outside"):
        figures.widget(draw_line, slope=(0, 1, 0.1, 3))
    with pytest.raises(ValueError, match="at least one parameter"):
        figures.widget(draw_line)
    with pytest.raises(TypeError, match="drawing function"):
        figures.widget("not a function", slope=(0, 1, 0.1, 0.5))


def test_reverse_sweep_shows_partial_then_accumulated_gradients():
    import math

    from nnref.autodiff import Value

    fig, ax = plt.subplots()
    x, y = Value(0.5), Value(-1.5)
    f = (x * y + x).tanh()
    order = figures.draw_graph(ax, f, steps=2)       # tanh and + done: x has only its share from s
    df_ds = 1 - math.tanh(-0.25) ** 2
    assert len(order) == 5 and math.isclose(x.grad, df_ds) and y.grad == 0.0
    ax.clear()
    figures.draw_graph(ax, f)                        # the whole sweep: both contributions added
    assert math.isclose(x.grad, df_ds * (1 + -1.5)) and math.isclose(y.grad, df_ds * 0.5)
    ax.clear()
    figures.reverse_sweep(ax, x=0.5, y=-1.5, step=3)
    assert "3 of 5 steps" in ax.get_title()
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_running_statistics_draws_the_momentum_recursion(momentum):
    fig, ax = plt.subplots()
    figures.running_statistics(ax, momentum, batch_size=16, steps=40)
    lines = {ln.get_label(): ln.get_ydata() for ln in ax.lines}
    batch_means, running = lines["batch means ($N = 16$)"], lines["running mean"]
    expected, r = [], 0.0
    for mu in batch_means:  # r <- m r + (1 - m) mu, starting from 0
        r = momentum * r + (1 - momentum) * mu
        expected.append(r)
    np.testing.assert_allclose(running, expected)
    if momentum == 0.0:
        np.testing.assert_allclose(running, batch_means)
    plt.close(fig)
