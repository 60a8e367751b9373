"""Sphinx extension of the course book: serve the vendored JavaScript from every build.

MathJax, require.js and the Jupyter widget manager are installed from npm into ``_vendor/``
at the repository root (``make vendor``) and copied into each build's ``_static/``, so that
the HTML needs no network. Sphinx resolves ``html_static_path`` against the source folder,
which is the repository root for the whole book but ``book/`` for a single-page build
(``jupyter-book build book/ch03-xor.md``); this extension names the folder by its absolute
path so both work, and stops the build with an instruction when it is missing.

It also drops sphinx-thebe's scripts from every page. Jupyter Book always loads that
extension; its inline configuration names thebe's CDN (unpkg.com), from which it would load
a live kernel connection on request. The course has no launch buttons, so the scripts are
dead weight and the page would name another host.
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


def _is_thebe(asset):
    name = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in name or "thebe" in body


def drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app):
    app.connect("config-inited", add_vendor_path)
    app.connect("html-page-context", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
