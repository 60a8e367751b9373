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
imports them (DESIGN.md section 4).
"""

import base64
import re

import numpy as np

from . import activations

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


def offline_jshtml(html):
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


def widget(draw, figsize=(5, 4), **sliders):
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


def neuron_boundary(ax, w1, w2, b, activation="sigmoid", lim=3.0):
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


def draw_network(ax, sizes, labels=("x", "a", "y")):
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
