r"""The whole-book PDF (`make book-pdf`, Jupyter Book's LaTeX builder with XeLaTeX).

Part of `make test` when TeX Live is installed (`.ci/run` installs it): after `make book`,
whose execution cache it shares, the PDF takes about half a minute (244 pages). It catches what
the HTML forgives, such as math that MathJax renders and LaTeX rejects (`\lambda_\max`).
It runs under the book's build lock (the `book` fixture of test_book.py), after `make book`.
"""

import re
import shutil
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from test_book import book  # noqa: F401  (the fixture: `make book` under the build's lock)

ROOT = Path(__file__).resolve().parents[2]
PDF = ROOT / "_build" / "latex" / "book.pdf"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("book"),
    pytest.mark.skipif(not (shutil.which("latexmk") and shutil.which("xelatex")),
                       reason="needs TeX Live (see the Makefile's book-pdf target)"),
]


def pdf_pages(path):
    """Number of pages of a PDF: its /Type /Page objects, in plain or compressed object streams."""
    data = path.read_bytes()
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", chunk)) for chunk in chunks)


def test_make_book_pdf_builds_the_whole_book(book):
    start = time.monotonic()
    proc = subprocess.run(["make", "-C", str(ROOT), "book-pdf"], capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - start
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    assert PDF.is_file() and PDF.read_bytes().startswith(b"%PDF")
    pages = pdf_pages(PDF)
    print(f"book.pdf: {pages} pages, {PDF.stat().st_size / 1e6:.1f} MB, built in {seconds:.0f} s")
    assert pages > 100, f"the PDF has only {pages} pages: is a part of the book missing?"
    # The PDF holds every chapter, by title.
    tex = (PDF.parent / "book.tex").read_text(errors="replace")
    for title in ("The neural network model", "Backpropagation II: matrix form", "Gradient checking in depth"):
        assert title in tex, f"{title!r} is not in the PDF's LaTeX source"
