"""Sphinx extension of the course book: what a reader needs on every screen.

* ``static/nnbook.css`` and ``static/nnbook.js`` (served from this folder, not from a root
  ``_static/``): wide display equations scroll inside their own box with a visible cue and
  can be scrolled by keyboard; signatures, inline code and the previous/next titles wrap on
  a phone; a print stylesheet wraps code and shrinks any equation still too wide for paper.
* The sidebar's collapse buttons (``<summary>`` of pydata-sphinx-theme's navigation) get an
  accessible name ("Sections of …").
* Every page written as a MyST notebook also offers its notebook: ``_sources/<page>.ipynb``
  (converted with jupytext, unexecuted) in the download menu, next to the ``.md`` source.
* The search ranks pages whose title contains the words searched for first
  (``search_scorer.js``).
"""

from pathlib import Path

import jupytext
import nbformat
from bs4 import BeautifulSoup

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"


def configure(app, config):
    config.html_static_path = [p for p in config.html_static_path if Path(p).resolve() != STATIC]
    config.html_static_path.append(str(STATIC))
    if not config.html_search_scorer:
        config.html_search_scorer = str(HERE / "search_scorer.js")


def _is_notebook(app, docname):
    """A page written as a MyST notebook (jupytext header with a kernelspec)."""
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".md":
        return None
    head = path.read_text(encoding="utf-8")[:600]
    return path if head.startswith("---") and "jupytext:" in head and "kernelspec:" in head else None


def offer_notebook(app, pagename, templatename, context, doctree):
    """Before sphinx-book-theme builds its download menu: name the page's .ipynb."""
    if doctree is not None and _is_notebook(app, pagename):
        context["ipynb_source"] = f"{pagename}.ipynb"


def write_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for docname in sorted(app.env.found_docs):
        path = _is_notebook(app, docname)
        if path is None:
            continue
        notebook = jupytext.read(path)
        target = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)


def name_sidebar_toggles(app, pagename, templatename, context, doctree):
    """After pydata-sphinx-theme: give each collapse toggle of the navigation a name."""
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "_nnbook", False):
        return

    def generate_named(*args, **kwargs):
        html = generate(*args, **kwargs)
        soup = BeautifulSoup(str(html), "html.parser")
        for summary in soup.select("details > summary"):
            if summary.get("aria-label") or summary.get_text(strip=True):
                continue
            item = summary.find_parent("li")
            link = item.find("a", recursive=False) if item else None
            title = link.get_text(" ", strip=True) if link else "this chapter"
            summary["aria-label"] = f"Sections of {title}"
        return str(soup)

    generate_named._nnbook = True
    context["generate_toctree_html"] = generate_named


def setup(app):
    app.connect("config-inited", configure)
    app.add_css_file("nnbook.css")
    app.add_js_file("nnbook.js", loading_method="defer")
    app.connect("html-page-context", offer_notebook, priority=400)
    app.connect("html-page-context", name_sidebar_toggles, priority=900)
    app.connect("build-finished", write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
