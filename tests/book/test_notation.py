"""The book's notation, checked on the page sources (fast; no build): one name per source
document (no internal file names such as "seed 003"), and the notation page's symbol list
agrees with the symbols the pages use."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "book").glob("*.md"))
GREEK = re.compile(r"\\(alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|"
                   r"rho|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Pi|Sigma|Phi|Psi|Omega)(?![A-Za-z])")
CODE_CELL = re.compile(r"```\{code-cell\}.*?```", re.S)


def prose(page):
    """A page's text without its code cells (formulas and prose). (pi, a constant, is not checked.)"""
    return CODE_CELL.sub("", page.read_text())


def symbols_section():
    text = (ROOT / "book" / "notation.md").read_text()
    return text.split("## The symbols", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_names_a_source_by_an_internal_file_name(page):
    found = re.findall(r"(?i)\bseeds? ?\d{3}|seed-\d{3}|\bthe seed'?s?\b|\bseed\d{3}", page.read_text())
    assert not found, f"{page.name} names a source as {found[:3]}: use the short names of book/references.md"


def test_docstrings_name_no_source_by_an_internal_file_name():
    for path in sorted((ROOT / "nnref").glob("*.py")):
        found = re.findall(r"(?i)\bseeds? ?\d{3}", path.read_text())
        assert not found, f"nnref/{path.name} names a source as {found[:3]}"


def test_every_greek_letter_of_the_pages_is_in_the_notation_table():
    listed = set(GREEK.findall(symbols_section()))
    for page in PAGES:
        used = set(GREEK.findall(prose(page)))
        assert used <= listed, (f"{page.name} uses {sorted(used - listed)}, which book/notation.md "
                                "does not list (add a row, or use the listed symbol)")


def test_one_symbol_per_meaning_where_the_table_restricts_it():
    """The learning rate is eta everywhere; alpha is the leaky slope (and the Solutions 16
    sheet's own names in chapter 7); gamma appears only in that sheet's example and as the
    scale of a normalization layer (chapter 12)."""
    allowed = {"alpha": {"ch02-activations", "ch07-backprop-scalar", "notation"},
               "gamma": {"ch07-backprop-scalar", "ch12-normalization", "notation"}}
    for page in PAGES:
        text = prose(page)
        for letter, pages in allowed.items():
            if re.search(rf"\\{letter}(?![A-Za-z])", text):
                assert page.stem in pages, f"{page.name} uses \\{letter}, which book/notation.md reserves"
        for line in text.split("\n"):
            if re.search(r"learning rate|step size", line):
                assert not re.search(r"\\alpha(?![A-Za-z])", line), \
                    f"{page.name}: the learning rate is \\eta, not \\alpha: {line}"
