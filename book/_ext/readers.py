"""Sphinx extension of the course book: what a reader needs on every screen.

* ``static/nnbook.css`` and ``static/nnbook.js`` (served from this folder, not from a root
  ``_static/``): wide display equations scroll inside their own box with a visible cue and
  can be scrolled by keyboard; signatures, inline code and the previous/next titles wrap on
  a phone; a print stylesheet wraps code and shrinks any equation still too wide for paper.
* ``static/nnbook-widgets.js`` makes the Jupyter widget manager load its icon fonts from the
  vendored files (they were requested next to the page and missing).
* Buttons whose accessible name differed from what they show (axe-core
  label-content-name-mismatch): the search button and the light/dark switch (copies of the
  theme's templates in ``templates/``, each saying what changed) and the "Show code cell
  source" toggles of hidden code (myst-nb's ``HideCodeCellNode``, rendered here without its
  aria-label "Toggle hidden content"). The sidebar's collapse buttons (``<summary>`` of
  pydata-sphinx-theme's navigation) get an accessible name ("Sections of …").
* Every page written as a MyST notebook also offers its notebook: ``_sources/<page>.ipynb``
  (converted with jupytext, unexecuted) in the download menu, next to the ``.md`` source.
* Every display equation is numbered when ``math_number_all`` is on: Sphinx applies that
  option to its ``math`` directive only, not to MyST's ``$$ … $$``; with ``math_numfig``
  the numbers follow the chapter, "(5.3)".
* ``make book-pdf``: ``latex/bbm.sty`` is copied into the LaTeX build (a stand-in for a
  package of TeX Live's 500 MB font collection that Jupyter Book's LaTeX class loads).
* The search ranks pages whose title contains the words searched for first
  (``search_scorer.js``).
"""

from html import escape
from pathlib import Path

import jupytext
import nbformat
from bs4 import BeautifulSoup
from docutils import nodes
from sphinx.transforms import SphinxTransform

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


def configure(app, config):
    config.html_static_path = [p for p in config.html_static_path if Path(p).resolve() != STATIC]
    config.html_static_path.append(str(STATIC))
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.insert(0, str(TEMPLATES))
    # `make book-pdf`: a stand-in for the one LaTeX package Jupyter Book's class needs that
    # Debian's small TeX Live packages lack (latex/bbm.sty says why).
    shim = str(HERE / "latex" / "bbm.sty")
    if shim not in config.latex_additional_files:
        config.latex_additional_files = list(config.latex_additional_files) + [shim]
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


class NumberAllEquations(SphinxTransform):
    """Give every unlabelled display equation (MyST ``$$ … $$``) a label, as Sphinx's
    ``math`` directive does under ``math_number_all``, so that it is numbered."""

    default_priority = 500

    def apply(self, **kwargs):
        if not self.config.math_number_all:
            return
        domain = self.env.get_domain("math")
        for node in list(self.document.findall(nodes.math_block)):
            if node.get("label") or node.get("nowrap"):  # labelled, or an amsmath environment
                continue
            label = f"{self.env.docname}:{self.env.new_serialno('sphinx.ext.math#equations')}"
            node["label"] = label
            node["docname"] = self.env.docname
            domain.note_equation(self.env.docname, label, location=node)
            node["number"] = domain.get_equation_number_for(label)
            node_id = nodes.make_id(f"equation-{label}")
            node["ids"].append(node_id)
            self.document.ids[node_id] = node


def visit_hidden_code(self, node):
    """myst-nb's visitor for a hidden code cell, without the aria-label that hid the
    visible "Show code cell source" from screen readers."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def setup(app):
    app.setup_extension("myst_nb")
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_code, depart_HideCellInput))
    app.connect("config-inited", configure)
    app.add_transform(NumberAllEquations)
    app.add_css_file("nnbook.css")
    app.add_js_file("nnbook.js", loading_method="defer")
    app.add_js_file("nnbook-widgets.js", priority=499)  # before require.js and the widget manager (500)
    app.connect("html-page-context", offer_notebook, priority=400)
    app.connect("html-page-context", name_sidebar_toggles, priority=900)
    app.connect("build-finished", write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
