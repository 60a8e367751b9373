"""The published book: strict build, table of contents, no leaks, self-contained, and a real browser.

The book is built with `make book` (warnings are errors) into the repository's `_build/`,
with Jupyter Book's execution cache, so a run without changes to the pages takes seconds.
All tests here share that build. pytest-xdist does not always keep one module's tests on one
worker (even with `xdist_group`), and `make book` rewrites `_build/html`, so a worker holds an
exclusive lock on the build while it runs this module's tests.
"""

import fcntl
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from browser import toc_files
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]



def html_pages():
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts)


def run_make_book():
    start = time.monotonic()
    proc = subprocess.run(["make", "-C", str(ROOT), "book"], capture_output=True, text=True,
                          timeout=1800)
    return proc, time.monotonic() - start


@pytest.fixture(scope="module")
def book():
    """Build the book with `make book`, holding the build's lock until this worker is done
    with the module's tests; return the build's output and duration."""
    lock = ROOT / "_build" / ".test-book.lock"
    lock.parent.mkdir(exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        proc, seconds = run_make_book()
        log = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"`make book` failed (warnings are errors):\n{log[-6000:]}"
        yield {"log": log, "seconds": seconds}


def test_book_builds_strictly_and_says_where_it_is(book):
    assert f"file://{ROOT}/_build/html/index.html" in book["log"]
    assert (HTML / "index.html").is_file()
    print(f"book build: {book['seconds']:.1f} s")


def test_rebuild_without_changes_executes_nothing(book):
    proc, seconds = run_make_book()
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert "Executing notebook" not in log, "a no-change rebuild re-executed a page: is the cache off?"
    print(f"cached rebuild: {seconds:.1f} s")


def test_every_toc_entry_has_its_source_and_its_page(book):
    for entry in toc_files():
        sources = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(s.is_file() for s in sources), f"_toc.yml names {entry}, but no {entry}.md/.ipynb exists"
        assert (HTML / f"{entry}.html").is_file(), f"{entry} is in _toc.yml but was not built"


def test_only_toc_files_are_built(book):
    built = {str(p.relative_to(HTML).with_suffix("")) for p in html_pages()}
    # Pages Sphinx generates itself: redirect, indices (Python modules, sphinx-proof), search.
    built -= {"index", "genindex", "search", "py-modindex", "prf-prf"}
    assert built == set(toc_files())


def test_exercise_pages_are_unexecuted_and_downloadable(book):
    exercises = [f for f in toc_files() if f.startswith("exercises/")]
    for entry in exercises:
        page = (HTML / f"{entry}.html").read_text()
        name = Path(entry).name
        assert re.search(rf'href="[^"]*_sources/{re.escape(entry)}\.ipynb"', page), \
            f"{entry}: no download link to the notebook"
        soup = BeautifulSoup(page, "html.parser")
        assert not soup.select(".cell_output"), f"{entry}: the student notebook was executed"
        assert name in page
        for service in ("mybinder.org", "colab.research.google.com", "thebe-launch"):
            assert service not in page, f"{entry}: a launch button points to {service}"


def solution_texts():
    """Solution regions and hidden-test regions of every notebook in solutions/."""
    region = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for kind, text in region.findall(cell.source):
                yield path.relative_to(ROOT), kind, text


def normalise(text):
    return re.sub(r"\s+", " ", text).strip()


def test_no_solution_or_hidden_test_appears_in_the_book(book):
    """solutions/ is never built or copied, and no solution region is shown in any page."""
    assert not list(HTML.rglob("*solutions*")), "a file from solutions/ was copied into the book"
    pages = {}
    for path in list(html_pages()) + sorted((HTML / "_sources").rglob("*")):
        if path.is_file():
            raw = path.read_text(errors="replace")
            text = BeautifulSoup(raw, "html.parser").get_text(" ") if path.suffix == ".html" else raw
            pages[path.relative_to(HTML)] = normalise(text)
            # A student notebook keeps no nbgrader region (book pages may name the markers
            # when they explain them, e.g. the instructor guide).
            if "exercises" in path.parts:
                for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                    assert marker not in raw, f"{path.relative_to(HTML)} contains {marker!r}"
    checked = 0
    for source, kind, text in solution_texts():
        snippet = normalise(text)
        if len(snippet) < 40:  # too short to be distinctive (e.g. `return z`)
            continue
        checked += 1
        for page, content in pages.items():
            assert snippet not in content, f"{page} shows a {kind} region of {source}: {snippet[:80]!r}"
    if (ROOT / "solutions").is_dir() and list((ROOT / "solutions").glob("*/*.ipynb")):
        assert checked > 0, "found solution notebooks but no solution text to look for"


FOREIGN = re.compile(r"^\s*(https?:)?//", re.I)


def test_no_page_loads_anything_from_another_host(book):
    """Scripts, stylesheets, fonts, images and frames all come from the build itself."""
    problems = []
    for page in html_pages():
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tag in soup.find_all(["script", "link", "img", "iframe", "source", "video", "audio",
                                  "embed", "object"]):
            url = tag.get("src") or tag.get("data") or (tag.get("href") if tag.name == "link" else None)
            if url and FOREIGN.match(url):
                problems.append(f"{page.relative_to(HTML)}: <{tag.name}> {url}")
        for tag in soup.find_all(["script", "style"]):
            if not tag.get("src") and re.search(r"https?://", tag.get_text()):
                found = re.findall(r"https?://[^\s\"'<>)]+", tag.get_text())
                problems.append(f"{page.relative_to(HTML)}: inline <{tag.name}> names {found[:3]}")
    for css in (HTML / "_static").rglob("*.css"):
        for url in re.findall(r"(?:url\(|@import)\s*['\"]?((?:https?:)?//[^'\")\s]+)", css.read_text(errors="replace")):
            problems.append(f"{css.relative_to(HTML)}: {url}")
    assert not problems, "the book would need the network:\n" + "\n".join(problems)


def test_offline_javascript_is_served_from_the_build(book):
    static = HTML / "_static"
    for name in ("mathjax/tex-mml-chtml.js", "mathjax/output/chtml/fonts/woff-v2", "require.js",
                 "html-manager/embed-amd.js"):
        assert (static / name).exists(), f"_static/{name} is missing: is _vendor/ installed (make vendor)?"
    ch01 = (HTML / "book" / "ch01-model.html").read_text()
    assert '_static/mathjax/tex-mml-chtml.js' in ch01


def chromium_dom(page, screenshot=None):
    """Open a built page in headless Chromium with every network request failing; return its DOM."""
    profile = Path(os.environ.get("TMPDIR", "/tmp")) / f"book-chromium-{os.getpid()}"
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--user-data-dir={profile}",
            # No network: every http(s) request goes to a proxy that does not exist.
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=15000", "--window-size=1280,2400"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    try:
        proc = subprocess.run(args + [page.as_uri()], capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                    "(apt-get install chromium; .ci/run installs it)")


def visible_text(soup):
    main = soup.find("main") or soup
    for tag in main.find_all(["script", "style", "mjx-assistive-mml"]):
        tag.decompose()
    return main.get_text(" ")


@needs_chromium
@pytest.mark.parametrize("entry", ["book/ch01-model", "book/notation", "book/preface", "book/appendix-api"])
def test_math_is_typeset_offline(book, entry):
    soup = BeautifulSoup(chromium_dom(HTML / f"{entry}.html"), "html.parser")
    math = soup.find_all("mjx-container")
    assert len(math) >= 5, f"{entry}: MathJax typeset {len(math)} formulas (is it loaded offline?)"
    text = visible_text(soup)
    for raw in ("$$", "\\(", "\\[", "\\frac", "\\mathbf"):
        assert raw not in text, f"{entry}: raw TeX {raw!r} left in the page"


@needs_chromium
def test_chapter_1_figures_and_interactive_fallback_show_offline(book, tmp_path):
    page = HTML / "book" / "ch01-model.html"
    soup = BeautifulSoup(chromium_dom(page), "html.parser")
    figures = [img for img in soup.select(".cell_output img") if "_images/" in img.get("src", "")]
    assert len(figures) >= 2, "chapter 1 should show its plots"
    for img in figures:
        assert (page.parent / img["src"]).resolve().is_file(), f"missing image {img['src']}"
    # The animation player ran its script: its <img> holds a frame, its buttons exist.
    frames = [img for img in soup.find_all("img") if img.get("id", "").startswith("_anim_img")]
    assert frames and frames[0].get("src", "").startswith("data:image/png"), "animation did not start"
    assert soup.select(".anim-buttons button"), "animation player has no buttons"
    # A screenshot, for a human to look at (saved next to the build).
    shot = ROOT / "_build" / "screenshot-ch01.png"
    chromium_dom(page, screenshot=shot)
    assert shot.stat().st_size > 50_000


def pages_with_widgets():
    if not HTML.is_dir():
        return []
    return [p for p in html_pages() if "application/vnd.jupyter.widget-view+json" in p.read_text()]


@needs_chromium
def test_widget_outputs_render_offline(book):
    """Pages that show ipywidgets output render it with the vendored widget manager."""
    pages = pages_with_widgets()
    if not pages:
        pytest.skip("no page shows widget output")
    for page in pages:
        raw = BeautifulSoup(page.read_text(), "html.parser")
        views = raw.find_all("script", type="application/vnd.jupyter.widget-view+json")
        soup = BeautifulSoup(chromium_dom(page), "html.parser")
        rendered = soup.select(".jupyter-widgets")
        assert len(rendered) >= len(views), \
            f"{page.relative_to(HTML)}: {len(views)} widget views but {len(rendered)} rendered widgets"
