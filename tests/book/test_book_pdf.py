"""The whole-book PDF (`make book-pdf`, Jupyter Book's LaTeX builder with XeLaTeX).

Not part of `make test`: it needs TeX Live and takes minutes (README.md, "The book"). Run it
with `BOOK_PDF=1 .venv/bin/python -m pytest tests/book/test_book_pdf.py`.
"""

import os
import re
import shutil
import subprocess
import time
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PDF = ROOT / "_build" / "latex" / "book.pdf"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("BOOK_PDF") != "1", reason="set BOOK_PDF=1 to build the PDF (minutes)"),
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


def test_make_book_pdf_builds_the_whole_book(tmp_path):
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
