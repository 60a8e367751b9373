"""Figures for the book and the notebooks: static plots, interactive widgets and their fallback.

The interactive-figure pattern (CONTRIBUTING.md, "Book pages") rests on one drawing function
``draw(ax, **params)`` that draws the figure for one setting of its parameters on a
matplotlib ``Axes``. From it:

* :func:`widget` builds sliders for the parameters (ipywidgets) that redraw the figure as
  they move — for JupyterLab, where a kernel runs the drawing code;
* :func:`animation` draws it for a list of settings and exports the frames as a
  self-contained HTML/JavaScript player (``matplotlib.animation.Animation.to_jshtml``) —
  for the static HTML book, where no kernel runs.

The figures of chapter 1 (a neuron, a network diagram) are here too. matplotlib and
ipywidgets are imported inside the functions that need them, so ``import nnref`` never
imports them (ARCHITECTURE.md, "Which part may use which").
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import activations

if TYPE_CHECKING:  # for the type hints only: these are imported lazily, where they are used
    import ipywidgets
    import matplotlib.axes

# matplotlib's HTML player links Font Awesome 4 from a CDN for its button icons. The book
# must load nothing from another host, so the link is dropped and each icon becomes a
# Unicode character (matplotlib 3.11's icon names).
_CDN_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">')
_ICONS = {  # characters that common fonts have (no media-control symbols)
    "fa fa-minus": "\u2212", "fa fa-fast-backward": "|\u25c0\u25c0", "fa fa-step-backward": "|\u25c0",
    "fa fa-play fa-flip-horizontal": "\u25c0", "fa fa-pause": "||", "fa fa-play": "\u25b6",
    "fa fa-step-forward": "\u25b6|", "fa fa-fast-forward": "\u25b6\u25b6|", "fa fa-plus": "+",
}
_ICON = re.compile(r'<i class="(fa [^"]*)"></i>')


def offline_jshtml(html: str) -> str:
    """Return matplotlib's ``to_jshtml`` output with no reference to another host.

    Raises ``ValueError`` if the player still names an ``http(s)`` URL afterwards (a
    matplotlib upgrade that changed the template), rather than publish a page that needs
    the network.
    """
    html = _CDN_STYLESHEET.sub("", html)

    def icon(match):
        if match.group(1) not in _ICONS:
            raise ValueError(f"offline_jshtml: unknown player icon {match.group(1)!r}")
        return _ICONS[match.group(1)]

    html = _ICON.sub(icon, html)
    if re.search(r"(?:src|href)\s*=\s*[\"']?https?:", html):
        raise ValueError("offline_jshtml: the animation player still loads something from another host")
    return html


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _check_params(draw, params, where):
    if not callable(draw):
        raise TypeError(f"{where} expected a drawing function draw(ax, **params), got {draw!r}")
    if not params:
        raise ValueError(f"{where} needs at least one parameter to vary")


def widget(draw: Callable, figsize: tuple[float, float] = (5, 4), **sliders: tuple) -> ipywidgets.VBox:
    """Return an ipywidgets box: one slider per parameter and the figure ``draw`` makes.

    ``sliders`` maps each parameter of ``draw(ax, **params)`` to ``(min, max, step, value)``.
    Moving a slider clears the axes and calls ``draw`` again with the new values; this needs
    a running kernel (JupyterLab), so the static book shows :func:`animation` instead.
    """
    import ipywidgets

    _check_params(draw, sliders, "figures.widget")
    controls = {}
    for name, spec in sliders.items():
        if len(spec) != 4:
            raise ValueError(f"figures.widget: slider {name!r} must be (min, max, step, value), got {spec!r}")
        lo, hi, step, value = spec
        if not lo <= value <= hi:
            raise ValueError(f"figures.widget: slider {name!r} starts at {value}, outside [{lo}, {hi}]")
        controls[name] = ipywidgets.FloatSlider(value=value, min=lo, max=hi, step=step,
                                                description=name, continuous_update=True)

    def update(**params):
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=figsize)
        draw(ax, **params)
        plt.show()
        plt.close(fig)  # shown in the output area; do not keep one open figure per slider move

    output = ipywidgets.interactive_output(update, controls)
    return ipywidgets.VBox([ipywidgets.HBox(list(controls.values())), output])


# The player's layout and names, for a phone and for a screen reader: the slider and the
# buttons wrap to the width of the column, the picture and the slider get names.
_PLAYER_CSS = """
<style>
.animation { max-width: 100%; }
.animation img { max-width: 100%; height: auto; }
input[type=range].anim-slider { width: 100%; max-width: 374px; }
.anim-buttons { display: flex; flex-wrap: wrap; justify-content: center; gap: 2px; }
.anim-buttons button { min-width: 2.2rem; min-height: 2.2rem; }
.anim-state { display: flex; flex-wrap: wrap; justify-content: center; gap: 0 0.5rem; }
</style>
"""


def _player_markup(html, alt, start, n_frames):
    """Name the player's parts, show frame ``start`` before any script runs, open there."""
    from html import escape

    ident = re.search(r'id="_anim_img([0-9a-f]+)"', html)
    if ident is None:
        raise ValueError("figures.animation: matplotlib's player template changed (no _anim_img id)")
    ident = ident.group(1)
    frames = re.findall(r'frames\[(\d+)\] = "(data:image/[^"]*)"', html)
    first = dict(frames).get(str(start), "")
    html = html.replace(f'<img id="_anim_img{ident}">',
                        f'<img id="_anim_img{ident}" alt="{escape(alt)}" src="{first}">')
    html = html.replace(f'<input id="_anim_slider{ident}" type="range"',
                        f'<input id="_anim_slider{ident}" type="range" aria-label="Frame (1 to {n_frames})"')
    # A button's text is a symbol (|◀, ▶, +): hidden from screen readers, which read its label.
    html = re.sub(r'(aria-label="[^"]*" onclick="[^"]*">)\s*([^<]*?)\s*</button>',
                  r'\1<span aria-hidden="true">\2</span></button>', html)
    # Open on frame `start`: matplotlib's player always starts on frame 0.
    html = re.sub(rf"(anim{ident} = new Animation\([^;]*\);)",
                  rf"\1\n        anim{ident}.set_frame({start});", html)
    return html


def animation(draw, frames, figsize=(5, 4), interval=400, dpi=72, *, caption=None, alt=None, start=0):
    """Return the frames of ``draw`` as a self-contained HTML player (a :class:`Player`).

    ``frames`` is a list of parameter dicts; frame ``k`` is ``draw(ax, **frames[k])``. The
    player (play/step buttons and a frame slider) is plain JavaScript with the frames embedded
    as images, so it works in the static book with no kernel and no network.

    ``caption`` is shown under the player (a ``<figure>`` with a ``<figcaption>``); ``alt``
    describes the picture for a screen reader (default: the caption). ``start`` is the frame
    the player opens on (and the one printed): pick a telling one, not a diverged run.
    """
    from html import escape

    from matplotlib.animation import FuncAnimation

    frames = list(frames)
    if not frames:
        raise ValueError("figures.animation needs at least one frame")
    _check_params(draw, frames[0], "figures.animation")
    if not 0 <= start < len(frames):
        raise ValueError(f"figures.animation: start={start} is not a frame (0 to {len(frames) - 1})")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)

    def show(k):
        ax.clear()
        draw(ax, **frames[k])

    anim = FuncAnimation(fig, show, frames=len(frames), interval=interval)
    html = offline_jshtml(anim.to_jshtml(default_mode="loop"))
    plt.close(fig)  # the player holds the frames; do not also show the last one as a figure
    alt = alt or caption or f"Animation of {len(frames)} frames"
    html = _player_markup(html, alt, start, len(frames)) + _PLAYER_CSS
    # mathjax_process: the book's MathJax typesets only elements marked for it, so that
    # math written \\(...\\) in a caption is typeset.
    figcaption = f'<figcaption class="mathjax_process"><p>{escape(caption)}</p></figcaption>' if caption else ""
    first = re.search(rf'frames\[{start}\] = "data:image/png;base64,([^"]*)"', html)
    return Player(f'<figure class="nnbook-animation">{html}{figcaption}</figure>',
                  base64.b64decode(first.group(1)) if first else None)


class Player:
    """What :func:`animation` returns: the HTML player (``.data``), which JupyterLab and the
    HTML book show, and the opening frame as a PNG, which the PDF book shows instead."""

    def __init__(self, html, png=None):
        self.data = html
        self.png = png

    def _repr_html_(self):
        return self.data

    def _repr_png_(self):
        return self.png


def neuron_boundary(ax: matplotlib.axes.Axes, w1: float, w2: float, b: float,
                    activation: str | activations.ActivationFunction = "sigmoid", lim: float = 3.0) -> None:
    r"""Draw what one neuron :math:`a = f(w_1 x_1 + w_2 x_2 + b)` computes over the plane.

    The colours show :math:`a` on :math:`[-\ell, \ell]^2` (:math:`\ell` = ``lim``); the black
    line is the decision boundary :math:`w_1 x_1 + w_2 x_2 + b = 0` (where a sigmoid neuron
    outputs 0.5) and the arrow is the weight vector :math:`\mathbf{w} = (w_1, w_2)`, normal to
    that line and pointing to where :math:`z > 0`. The line lies at distance
    :math:`|b| / \lVert\mathbf{w}\rVert` from the origin; its point closest to the origin is
    :math:`-b\,\mathbf{w} / \lVert\mathbf{w}\rVert^2`, where the arrow starts.
    """
    f = activations.get(activation)
    grid = np.linspace(-lim, lim, 101)
    x1, x2 = np.meshgrid(grid, grid)
    a = f.forward(w1 * x1 + w2 * x2 + b)
    mesh = ax.imshow(a, origin="lower", extent=(-lim, lim, -lim, lim), cmap="coolwarm",
                     vmin=0, vmax=1, interpolation="bilinear")
    if not ax.figure.axes[1:]:  # one colour bar per figure, also when the axes are redrawn
        ax.figure.colorbar(mesh, ax=ax, label="neuron output $a$")
    norm2 = w1 * w1 + w2 * w2
    if norm2 > 0:
        # Points of the line: the foot of the perpendicular from the origin, -b w/||w||², ± t·(-w2, w1).
        foot = -b * np.array([w1, w2]) / norm2
        direction = np.array([-w2, w1]) / np.sqrt(norm2)
        ends = foot + np.outer([-3 * lim, 3 * lim], direction)
        ax.plot(ends[:, 0], ends[:, 1], color="black", lw=2, label="$z = 0$")
        ax.annotate("", xy=foot + np.array([w1, w2]) / np.sqrt(norm2), xytext=foot,
                    arrowprops=dict(arrowstyle="->", lw=2))
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xlabel="$x_1$", ylabel="$x_2$", aspect="equal",
           title=f"$w = ({w1:.1f}, {w2:.1f})$, $b = {b:.1f}$")


def draw_network(ax: matplotlib.axes.Axes, sizes: Sequence[int], labels: Sequence[str] = ("x", "a", "y")) -> None:
    r"""Draw a fully connected feed-forward network with ``sizes[l]`` units in layer ``l``.

    Layer 0 is the input; every unit of a layer is connected to every unit of the next one.
    The title gives the number of weights and biases,
    :math:`\sum_{\ell=1}^{L} (n_{\ell-1} + 1)\, n_\ell`.
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"draw_network needs at least two layers of at least one unit, got {sizes}")
    top = max(sizes)
    # Unit i of layer l sits at (l, centred height), so that every layer is centred vertically.
    pos = [[(l, (n - 1) / 2 - i) for i in range(n)] for l, n in enumerate(sizes)]
    for left, right in zip(pos, pos[1:]):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=0.8, zorder=1)
    last = len(sizes) - 1
    for l, layer in enumerate(pos):
        colour = "#9ecae1" if l == 0 else "#fdae6b" if l == last else "#a1d99b"
        for i, (x, y) in enumerate(layer):
            ax.scatter([x], [y], s=900, color=colour, edgecolor="black", zorder=2)
            name = labels[0] if l == 0 else labels[2] if l == last else labels[1]
            ax.text(x, y, f"${name}_{{{i + 1}}}$", ha="center", va="center", zorder=3)
    n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    ax.set_title(f"layer sizes {sizes}: {n_params} parameters")
    ax.set_xlim(-0.5, last + 0.5)
    ax.set_ylim(-top / 2 - 0.2, top / 2 + 0.2)
    ax.axis("off")


# --------------------------------------------------------------------------------------
# Chapter 11: computational graphs and the reverse sweep
# --------------------------------------------------------------------------------------

def _graph_layout(order):
    """Positions for the nodes of a graph in topological ``order``: column = depth, rows centred."""
    depth = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(c)] for c in node.inputs), default=-1)
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d, nodes in columns.items():
        for i, node in enumerate(nodes):
            pos[id(node)] = (d, (len(nodes) - 1) / 2 - i)
    return pos


def draw_graph(ax, root, names=None, steps=None):
    r"""Draw the computational graph of the scalar node ``root`` (an :class:`nnref.autodiff.Value`).

    Each node shows its operation, its value and its gradient ``grad``; arrows run from a
    node's inputs to it (the forward direction). ``steps`` runs only the first ``steps``
    steps of the reverse sweep (``None``: all of it, as ``root.backward()``), so that a
    figure can show the sweep in progress: a node whose gradient is final is outlined in red,
    a node that has received some but not all of its contributions shows its partial sum,
    and the edges the sweep has crossed are red. ``names`` maps nodes to labels for leaves.
    """
    from .autodiff import topological_order

    names = {id(k): v for k, v in (names or {}).items()}
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    sweep = order[::-1]
    steps = len(sweep) if steps is None else max(0, min(int(steps), len(sweep)))
    crossed = set()
    for node in sweep[:steps]:
        if node.vjp is not None:
            for child, contribution in zip(node.inputs, node.vjp(node.grad)):
                child.grad += contribution
                crossed.add((id(child), id(node)))
    final = {id(n) for n in sweep[:steps]}
    if steps < len(sweep):
        final.add(id(sweep[steps]))      # the next node to be visited: all contributions are in
    pos = _graph_layout(order)
    for node in order:
        x1, y1 = pos[id(node)]
        for child in node.inputs:
            x0, y0 = pos[id(child)]
            red = (id(child), id(node)) in crossed
            ax.annotate("", xy=(x1 - 0.22, y1), xytext=(x0 + 0.22, y0),
                        arrowprops=dict(arrowstyle="->", lw=2.0 if red else 1.0,
                                        color="tab:red" if red else "0.5"), zorder=1)
    for node in order:
        x, y = pos[id(node)]
        label = names.get(id(node)) or node.op or "leaf"
        done = id(node) in final
        ax.text(x, y, f"{label}\n{node.data:.3g}\ngrad {node.grad:.3g}", ha="center", va="center",
                fontsize=9, zorder=2,
                bbox=dict(boxstyle="round", facecolor="#fee0d2" if done else "#deebf7",
                          edgecolor="tab:red" if done else "0.4", lw=2.0 if done else 1.0))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.axis("off")
    return order


def reverse_sweep(ax, x=0.5, y=-1.5, step=5):
    r"""Draw the reverse sweep through :math:`f(x, y) = \tanh(xy + x)` after ``step`` steps.

    The graph has five nodes: the leaves :math:`x, y`, then :math:`m = xy`,
    :math:`s = m + x` and :math:`f = \tanh s`. The node :math:`x` is used twice, so its
    gradient arrives in two parts, :math:`\partial f/\partial s` from :math:`s` and
    :math:`(\partial f/\partial m)\,y` from :math:`m`, which add up. ``step`` runs from 0
    (only :math:`\partial f/\partial f = 1` known) to 5 (the sweep finished).
    """
    from .autodiff import Value

    vx, vy = Value(x), Value(y)
    m = vx * vy
    s = m + vx
    f = s.tanh()
    names = {vx: "x", vy: "y", m: "m = x y", s: "s = m + x", f: "f = tanh s"}
    draw_graph(ax, f, names=names, steps=int(round(step)))
    ax.set_title(f"$f = \\tanh(xy + x)$ at $x = {x:.2g}$, $y = {y:.2g}$: "
                 f"{int(round(step))} of 5 steps of the reverse sweep", fontsize=10)
def running_statistics(ax, momentum, batch_size=32, steps=150, seed=0):
    r"""Draw how batch norm's running mean tracks one feature during training (chapter 12).

    The feature's true mean drifts while the layers before it learn: it rises from 0 to 2
    over the first half of the ``steps`` training steps, then stays. Each step sees a batch of
    ``batch_size`` values drawn around it (standard deviation 1), whose mean (grey dots)
    scatters by :math:`1/\sqrt{N}`. The running mean (blue) follows
    :math:`r \leftarrow m\,r + (1 - m)\,\mu_{\mathcal{B}}` from :math:`r = 0`: a momentum
    :math:`m` near 1 averages over about :math:`1/(1 - m)` batches, so it is smooth but lags
    behind the drift; a small :math:`m` follows the latest batches and their noise. The
    title gives the error of the final estimate, which evaluation mode would use.
    """
    rng = np.random.default_rng(seed)
    batch_size = max(2, int(round(batch_size)))
    t = np.arange(1, steps + 1)
    true_mean = 2.0 * np.clip(t / (steps / 2), 0.0, 1.0)
    batch_means = true_mean + rng.standard_normal((steps, batch_size)).mean(axis=1)
    running = np.empty(steps)
    r = 0.0
    for k, mu in enumerate(batch_means):
        r = momentum * r + (1 - momentum) * mu
        running[k] = r
    ax.plot(t, batch_means, ".", color="0.65", ms=4, label=f"batch means ($N = {batch_size}$)")
    ax.plot(t, true_mean, "--", color="black", lw=1.5, label="true mean of the feature")
    ax.plot(t, running, color="tab:blue", lw=2.5, label="running mean")
    ax.set(xlim=(0, steps + 1), ylim=(-1.0, 3.5), xlabel="training step (batch)", ylabel="feature mean",
           title=f"momentum $m = {momentum:.2f}$: final error {running[-1] - true_mean[-1]:+.3f}")
    ax.legend(loc="lower right", fontsize="small")


def conv_window(ax, position=0, stride=1, padding=0, size=5, K=3):
    r"""Draw a ``K x K`` window sliding over a ``size x size`` image with ``stride`` and ``padding``.

    Left: the padded input (padding cells grey, holding 0), with the window of output number
    ``position`` (row-major over the output grid, wrapping around) outlined. Right: the
    output grid, with the entry that window computes. The title gives the output-size formula
    :math:`H_\text{out} = (H + 2P - K)/S + 1`; when the stride does not divide
    :math:`H + 2P - K` the last rows and columns that no window reaches are hatched in red and
    the title says that the windows do not fit (nnref raises ``ValueError`` there). Slider
    values may be floats: they are rounded to integers.
    """
    from matplotlib.patches import Rectangle

    position, stride, padding, size, K = (int(round(v)) for v in (position, stride, padding, size, K))
    if min(stride, size, K) < 1 or padding < 0:
        raise ValueError(f"conv_window needs stride, size, K >= 1 and padding >= 0, got "
                         f"stride={stride}, size={size}, K={K}, padding={padding}")
    Hp = size + 2 * padding
    span = Hp - K
    n_out = span // stride + 1 if span >= 0 else 0
    fits = span >= 0 and span % stride == 0

    def cell(x, y, **style):  # grid row y is drawn from the top
        ax.add_patch(Rectangle((x, -y - 1), 1, 1, **style))

    for y in range(Hp):
        for x in range(Hp):
            inside = padding <= x < padding + size and padding <= y < padding + size
            cell(x, y, facecolor="white" if inside else "0.85", edgecolor="0.6", lw=0.8)
            if not inside:
                ax.text(x + 0.5, -y - 0.5, "0", ha="center", va="center", fontsize=7, color="0.45")
    reached = (n_out - 1) * stride + K if n_out else 0    # rows/columns some window covers
    for k in range(reached, Hp):                          # what the windows never reach
        ax.add_patch(Rectangle((k, -Hp), 1, Hp, facecolor="none", edgecolor="red", hatch="///", lw=0))
        ax.add_patch(Rectangle((0, -k - 1), Hp, 1, facecolor="none", edgecolor="red", hatch="///", lw=0))
    ax.add_patch(Rectangle((padding, -padding - size), size, size, fill=False, edgecolor="black", lw=1.5))
    offset = Hp + 1.5
    if n_out:
        i, j = divmod(position % (n_out * n_out), n_out)
        ax.add_patch(Rectangle((stride * j, -stride * i - K), K, K, facecolor="tab:orange", alpha=0.35,
                               edgecolor="tab:orange", lw=2.5))
        for y in range(n_out):
            for x in range(n_out):
                here = (y, x) == (i, j)
                cell(offset + x, y, facecolor="tab:orange" if here else "white", alpha=0.8 if here else 1,
                     edgecolor="0.4", lw=0.8)
        ax.text(offset + n_out / 2, 0.4, f"output {n_out}x{n_out}", ha="center", va="bottom", fontsize=9)
        ax.annotate("", xy=(offset + j + 0.5, -i - 0.5), xytext=(stride * j + K / 2, -stride * i - K / 2),
                    arrowprops=dict(arrowstyle="->", color="tab:orange", lw=1.5))
    ax.text(Hp / 2, 0.4, f"input {size}x{size}, padding {padding}", ha="center", va="bottom", fontsize=9)
    value = f"{span}/{stride} + 1"
    if span < 0:
        verdict = "window larger than the padded input"
    elif fits:
        verdict = f"= {n_out}"
    else:
        verdict = f"= {span / stride + 1:.3g}: the windows do not fit"
    ax.set_title(f"$H_{{out}} = ({size} + 2\\cdot{padding} - {K})/{stride} + 1$ = {value} {verdict}",
                 fontsize=9, color="black" if fits else "red")
    ax.set_xlim(-0.5, offset + max(n_out, 1) + 0.5)
    ax.set_ylim(-Hp - 0.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
