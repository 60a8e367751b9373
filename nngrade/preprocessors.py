"""The course's nbgrader preprocessors and the one place that says which ones run.

``nbgrader_config.py`` applies :func:`course_settings`; the class pipeline
(``nngrade.config.scratch_config``) starts from the same settings, so plain ``nbgrader
autograde`` and ``make grade`` grade alike. One class per concern:

- :class:`RestoreMissingCells` — deleted test cells are put back, even in notebooks whose
  metadata was stripped;
- :class:`~nngrade.trusted.TrustedExecute` — runs the notebook: student code in a sandbox,
  tests in the trusted process (replaces nbgrader's ``Execute``);
- :class:`ClearHiddenTestsAndTracebacks` — feedback shows neither hidden test code nor a
  traceback that could quote it;
- :func:`clean_html` and :func:`html_math_to_mathml` (filters of the feedback template
  ``templates/feedback/feedback.html.j2``, found before nbgrader's own ``feedback`` template)
  — feedback pages run no script from a submission and show
  formulas with no JavaScript and no network.
"""
import re
from html import unescape
from pathlib import Path

import bleach
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets.config import Config

from nngrade.trusted import TrustedExecute

TEMPLATES = Path(__file__).resolve().parent / "templates"


class DropDuplicateIds(DeduplicateIds):
    """DeduplicateIds that removes the nbgrader metadata of a repeated cell instead of emptying it.

    nbgrader 0.9.6 leaves a second cell with the same id (JupyterLab's "duplicate cell" on a
    test cell makes one) with ``"nbgrader": {}``, which its own later steps reject (a KeyError
    in OverwriteCells, "outdated schema" in CheckCellMetadata): the whole notebook failed to
    grade. Without the key, the copy is an ordinary cell of the student's, as
    :func:`nngrade.trusted.normalise_cells` treats it.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


class RestoreMissingCells(OverwriteCells):
    """OverwriteCells whose ``add_missing_cells`` works on any notebook.

    nbgrader 0.9.6 puts a deleted grade cell back after the cell that came before it in the
    source, and raises KeyError when that cell is missing from the submission too or has
    lost its nbgrader metadata (e.g. a locked text cell, or a notebook saved by an editor
    that strips metadata). Here a missing cell goes just before the nearest *later* source
    cell that is present, or at the end if none is: as late as possible, so that the
    student's code it tests has run (even if that code cell lost its metadata), but before
    the next part. A notebook stripped of all metadata gets all its test cells back at the end.
    """

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source_nb.source_cells]
        source = {cell.name: cell for cell in source_nb.source_cells}
        solutions = {cell.name for cell in source_nb.solution_cells}
        # Last first, so that consecutive missing cells end up in their source order.
        for grade_cell in sorted(source_nb.grade_cells, key=lambda cell: order.index(cell.name),
                                 reverse=True):
            present = {cell.metadata["nbgrader"]["grade_id"]: index
                       for index, cell in enumerate(nb.cells)
                       if "grade_id" in cell.metadata.get("nbgrader", {})}
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", grade_cell.name)
            later = order[order.index(grade_cell.name) + 1:]
            anchors = [present[name] for name in later if name in present]
            cell = self.missing_cell_transform(source[grade_cell.name], grade_cell.max_score,
                                               is_solution=grade_cell.name in solutions)
            nb.cells.insert(min(anchors) if anchors else len(nb.cells), cell)
        return nb, resources


class ClearHiddenTestsAndTracebacks(ClearHiddenTests):
    """ClearHiddenTests for feedback, which also shortens the tracebacks of hidden tests.

    Trusted test cells already report only the failed check's message; this keeps it so for
    notebooks graded any other way: in cells with hidden tests only the exception's last
    line is kept, e.g. ``AssertionError: sigmoid_derivative(z) is N = 8 times too large …``.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        hidden = cell.cell_type == "code" and self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if hidden:
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


# What feedback pages keep of HTML from markdown and outputs: text structure, tables, images,
# links; never scripts, event handlers, styles, forms or frames.
ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
                "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
                "tr", "ul"}
ALLOWED_ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href"], "img": ["src", "alt", "width", "height"],
                      "td": ["align", "colspan", "rowspan"], "th": ["align", "colspan", "rowspan"]}


def clean_html(html):
    """Sanitise HTML for a feedback page (replaces nbconvert's ``clean_html`` filter, which
    also drops table headers)."""
    html = html.decode() if isinstance(html, bytes) else str(html)
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        protocols={"http", "https", "mailto", "data"}, strip=True)


# In rendered, sanitised HTML: code and pre elements (left alone), $$display$$ or $inline$ TeX.
_MATH = re.compile(r"<(code|pre)\b.*?</\1>|(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.S)


def html_math_to_mathml(html):
    """Turn the TeX of rendered markdown into MathML, which browsers show with no script.

    A feedback page is a single HTML file handed to one student and often read offline: it
    cannot rely on MathJax from a CDN or from a folder next to it. TeX that does not convert
    stays as it is.
    """
    return _MATH.sub(_to_mathml, str(html))


def _to_mathml(match):
    tag, display, inline = match.groups()
    if tag:
        return match.group(0)
    try:
        mathml = latex_to_mathml(unescape(display or inline), display="block" if display else "inline")
    except Exception:  # keep the TeX rather than lose it
        return match.group(0)
    return match.group(0) if "href" in mathml else mathml


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter for feedback pages, without its BeautifulSoup pass.

    After rendering, nbconvert 7 parses the whole page with BeautifulSoup to give images
    without ``alt`` a placeholder text and JupyterLab cells a ``tabindex``, then writes it
    out again: that pass was half the cost of a feedback page. The same two edits are made
    here on the rendered text (the feedback template is the classic one, whose cells have
    no ``jp-`` classes, so only the images' ``alt`` applies); nothing else changes.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                 resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return accessible_html(html), resources


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt\s*=)(?=[\s/>])", re.I)
_FOCUSABLE = re.compile(r'(<div\b[^>]*\bclass="[^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*")'
                        r'(?![^>]*\btabindex=)')


def accessible_html(html):
    """Images without ``alt`` get nbconvert's placeholder text; JupyterLab cell inputs and
    outputs are focusable (``tabindex="0"``), as nbconvert's HTMLExporter does."""
    html = _IMG_WITHOUT_ALT.sub('<img alt="No description has been provided for this image"', html)
    return _FOCUSABLE.sub(r'\1 tabindex="0"', html)


def course_settings(cell_timeout=60):
    """The nbgrader settings the course grades with (a traitlets ``Config``)."""
    return Config({
        "Execute": {"timeout": cell_timeout},
        "TrustedExecute": {"timeout": cell_timeout},
        # Output on stderr (warnings, prints) must not cost points.
        "IgnorePattern": {"enabled": True, "pattern": r"[\s\S]"},
        "OverwriteCells": {"add_missing_cells": True},
        "Autograde": {
            "sanitize_preprocessors": [ClearOutput, DropDuplicateIds, OverwriteKernelspec,
                                       RestoreMissingCells, CheckCellMetadata],
            "autograde_preprocessors": [TrustedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                        LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                        CheckCellMetadata]},
        "GenerateFeedback": {"exporter_class": FeedbackHTMLExporter,
                             "preprocessors": [GetGrades, CSSHTMLHeaderPreprocessor,
                                               ClearHiddenTestsAndTracebacks]},
        # Feedback pages: no script from a submission runs; formulas need no MathJax.
        "HTMLExporter": {"sanitize_html": True, "template_name": "feedback",
                         "template_file": "feedback.html.j2",
                         "extra_template_basedirs": [str(TEMPLATES), _nbgrader_templates()],
                         "filters": {"clean_html": "nngrade.preprocessors.clean_html",
                                     "mathml": "nngrade.preprocessors.html_math_to_mathml"}},
    })


def _nbgrader_templates():
    import nbgrader

    return str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")
