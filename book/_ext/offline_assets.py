"""Sphinx extension of the course book: serve the vendored JavaScript from every build.

MathJax, require.js and the Jupyter widget manager are installed from npm into ``_vendor/``
at the repository root (``make vendor``) and copied into each build's ``_static/``, so that
the HTML needs no network. Sphinx resolves ``html_static_path`` against the source folder,
which is the repository root for the whole book but ``book/`` for a single-page build
(``jupyter-book build book/ch03-xor.md``); this extension names the folder by its absolute
path so both work, and stops the build with an instruction when it is missing.
"""

from pathlib import Path

from sphinx.errors import ConfigError

VENDOR = Path(__file__).resolve().parents[2] / "_vendor"
REQUIRED = ("mathjax/tex-mml-chtml.js", "require.js", "html-manager/embed-amd.js")


def add_vendor_path(app, config):
    missing = [name for name in REQUIRED if not (VENDOR / name).is_file()]
    if missing:
        raise ConfigError(f"the book's offline JavaScript is missing from {VENDOR} "
                          f"({', '.join(missing)}): run `make vendor` (or `make book`) first")
    config.html_static_path = [p for p in config.html_static_path if Path(p).name != "_vendor"]
    config.html_static_path.append(str(VENDOR))


def setup(app):
    app.connect("config-inited", add_vendor_path)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
