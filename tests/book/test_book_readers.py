"""The book on every screen (issue 20): every page of _toc.yml read in headless Chromium at
390×844 (a phone) and 1366×900 (a laptop), through Playwright driving the system Chromium.

For every page at both widths: no sideways scrolling, no display equation clipped without a
scroll cue, no clipped previous/next title or animation control, every figure with a
caption and alt text, nothing requested from the network or missing from the build, and no
critical or serious axe-core violation. Then: the navigation drawers open and close by mouse
and keyboard, print wraps code and fits equations, chapters and exercises link to each
other, chapters are numbered, every notebook page offers its .ipynb, no widget cell or
progress bar shows, and the search ranks titles first and shows snippets when served.

Screenshots of every page go to $BOOK_SCREENSHOTS (default _build/screenshots/, not
committed), one folder per width.

The book is built by the `book` fixture of test_book.py (`make book`, under the build's lock;
a second build in the same run is a cached rebuild).
"""

import functools
import http.server
import os
import re
import threading
from pathlib import Path

import browser as B
import nbformat
import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_book import HTML, ROOT, book, html_pages  # noqa: F401  (book: the fixture)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

PAGES = B.toc_files()
SHOTS = Path(os.environ.get("BOOK_SCREENSHOTS", ROOT / "_build" / "screenshots"))
EXERCISES = [e for e in PAGES if e.startswith("exercises/")]


def chapter_of(exercise):
    """exercises/ch06-gradient-descent/ch06-gradient-descent -> book/ch06-gradient-descent"""
    return f"book/{Path(exercise).name}"


needs_browser = pytest.mark.skipif(not B.CHROMIUM.exists() or not B.AXE.exists(),
                                   reason="needs /usr/bin/chromium (apt-get install chromium) and "
                                          "_vendor_tests/axe.min.js (make vendor)")


@pytest.fixture(scope="module")
def chromium(book):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = B.launch(p)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def tabs(chromium):
    """One tab per width, reused from page to page."""
    pages = {name: B.new_page(chromium, viewport) for name, viewport in B.WIDTHS.items()}
    yield pages
    for page in pages.values():
        page.context.close()


def soup_of(entry):
    return BeautifulSoup((HTML / f"{entry}.html").read_text(), "html.parser")


# Everything one page must satisfy at one width, measured in one visit.
LAYOUT = """() => {
    const W = window.innerWidth, out = {clippedTitles: [], offscreen: [], figures: [],
        mathErrors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 60))};
    document.querySelectorAll('.prev-next-area a').forEach(a => {
        const t = a.querySelector('.prev-next-title');
        if (t && (t.scrollWidth > t.clientWidth + 1 || a.scrollWidth > a.clientWidth + 1
                  || a.getBoundingClientRect().right > W + 1)) out.clippedTitles.push(t.textContent.trim());
    });
    document.querySelectorAll('.animation img, .animation input, .animation button').forEach(el => {
        const r = el.getBoundingClientRect();
        if (r.width && (r.right > W + 1 || r.left < -1)) out.offscreen.push(el.outerHTML.slice(0, 80));
    });
    document.querySelectorAll('main img').forEach(img => {
        if (img.closest('.bd-sidebar-primary, .bd-sidebar-secondary, header')) return;
        const fig = img.closest('figure');
        const cap = fig && fig.querySelector('figcaption');
        out.figures.push({src: (img.getAttribute('src') || '').slice(0, 60), alt: img.getAttribute('alt') || '',
                          caption: cap ? cap.textContent.trim() : ''});
    });
    return out;
}"""

HASHED = re.compile(r"^[0-9a-f]{16,}|\.(png|jpe?g|svg)$", re.I)


@needs_browser
@pytest.mark.parametrize("width", list(B.WIDTHS))
@pytest.mark.parametrize("entry", PAGES)
def test_page_reads_well(tabs, entry, width):
    page = tabs[width]
    page.failed.clear()
    page.blocked.clear()
    B.open_page(page, (HTML / f"{entry}.html").as_uri())
    (SHOTS / width).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / width / f"{B.slug(entry)}.png"))
    problems = []

    h = page.evaluate(B.HORIZONTAL)
    if h["scrollWidth"] > h["innerWidth"]:
        problems.append(f"the page scrolls sideways: {h['scrollWidth']} px wide in a {h['innerWidth']} px window")
    for eq in B.clipped_equations(page):
        problems.append(f"display equation {eq['index']} ({eq['width']} px in a {eq['box']} px box) is clipped "
                        f"without a scroll cue: {eq['text']!r}")
    layout = page.evaluate(LAYOUT)
    problems += [f"previous/next title clipped: {t!r}" for t in layout["clippedTitles"]]
    problems += [f"animation control off screen: {el}" for el in layout["offscreen"]]
    problems += [f"MathJax could not typeset: {e!r}" for e in layout["mathErrors"]]
    for fig in layout["figures"]:
        if not fig["alt"].strip() or HASHED.search(fig["alt"].strip()):
            problems.append(f"figure {fig['src']}… has no real alt text ({fig['alt']!r})")
        if not fig["caption"]:
            problems.append(f"figure {fig['src']}… has no caption")
    problems += [f"failed request: {url}" for url in page.failed]
    problems += [f"request to another host: {url}" for url in page.blocked]
    for v in B.run_axe(page):
        if v["impact"] in ("critical", "serious"):
            problems.append(f"axe {v['impact']}: {v['id']} ({v['help']}) on {v['count']} elements, "
                            f"e.g. {v['nodes'][:3]}")
    assert not problems, f"{entry} at {width} width:\n" + "\n".join(problems)


def header_height(page):
    box = page.locator("header.bd-header").bounding_box() if page.locator("header.bd-header").count() else None
    return box["height"] if box else 0


@needs_browser
def test_no_header_band_and_the_drawers_open_and_close_by_mouse_and_keyboard(tabs):
    url = (HTML / "book" / "ch01-model.html").as_uri()

    # Phone: the menu and page-contents buttons open drawers (modal dialogs); Escape closes.
    page = tabs["phone"]
    B.open_page(page, url)
    assert header_height(page) == 0, "the header band (a duplicate search box) is back"
    for toggle, dialog in ((".bd-header-article .primary-toggle", "#pst-primary-sidebar-modal"),
                           (".bd-header-article .secondary-toggle", "#pst-secondary-sidebar-modal")):
        button = page.locator(toggle)
        assert button.is_visible(), f"{toggle} is not visible on a phone"
        button.click()
        page.wait_for_function(f"document.querySelector('{dialog}').open")
        assert page.locator(f"{dialog} a").first.is_visible(), f"{dialog} opened empty"
        page.keyboard.press("Escape")
        page.wait_for_function(f"!document.querySelector('{dialog}').open")
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.querySelector('{dialog}').open")
        page.keyboard.press("Escape")
        page.wait_for_function(f"!document.querySelector('{dialog}').open")
    # The navigation drawer leads to another chapter.
    page.locator(".bd-header-article .primary-toggle").click()
    page.locator("#pst-primary-sidebar-modal a[href$='ch02-activations.html']").first.click()
    page.wait_for_url(re.compile(r"ch02-activations\.html"))

    # Laptop: the menu button hides and shows the sidebar, by mouse and by keyboard.
    page = tabs["laptop"]
    B.open_page(page, url)
    assert header_height(page) == 0
    button = page.locator(".bd-header-article .primary-toggle")
    shown = "(() => { const r = document.querySelector('#pst-primary-sidebar').getBoundingClientRect();" \
            " return r.width > 100 && r.right > 100; })()"
    assert button.is_visible() and page.evaluate(shown)
    button.click()
    page.wait_for_function(f"!{shown}")
    assert not page.evaluate("document.querySelector('#pst-primary-sidebar-modal').open"), \
        "a modal opened on a laptop instead of the sidebar collapsing"
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(shown)
    button.focus()  # sphinx-book-theme blurs the button after a click (to hide its tooltip)
    page.keyboard.press(" ")
    page.wait_for_function(f"!{shown}")
    button.click()
    page.wait_for_function(shown)


@needs_browser
def test_print_wraps_code_and_fits_equations(chromium):
    """In print (A4 width), code wraps and no equation is cut: the widest are scaled to fit."""
    page = B.new_page(chromium, {"width": 794, "height": 1123})
    try:
        problems = []
        for entry in PAGES:
            soup = soup_of(entry)
            if not soup.select("div.math") and not soup.select("div.highlight pre"):
                continue
            B.open_page(page, (HTML / f"{entry}.html").as_uri())
            page.emulate_media(media="print")
            try:  # nnbook.js scales the widest equations when the media changes to print
                page.wait_for_function(f"({PRINT_CHECK})().length === 0", timeout=5_000)
            except PlaywrightTimeout:
                pass
            found = page.evaluate(PRINT_CHECK)
            problems += [f"{entry}: {p}" for p in found]
            page.emulate_media(media="screen")
        assert not problems, "cut off in print:\n" + "\n".join(problems)
    finally:
        page.context.close()


PRINT_CHECK = """() => {
                const bad = [];
                document.querySelectorAll('main pre').forEach(p => {
                    if (p.scrollWidth > p.clientWidth + 1) bad.push('code: ' + p.textContent.slice(0, 50));
                });
                const column = document.querySelector('article.bd-article').getBoundingClientRect();
                document.querySelectorAll('mjx-container[display="true"]').forEach(m => {
                    const r = (m.querySelector('mjx-math') || m).getBoundingClientRect();
                    if (r.right > column.right + 1 || r.left < column.left - 1
                        || m.scrollWidth > m.clientWidth + 1)
                        bad.push('equation: ' + m.textContent.slice(0, 50));
                });
                return bad;
            }"""


def test_chapters_and_exercises_link_to_each_other_with_consistent_titles(book):
    assert EXERCISES, "no exercise page in _toc.yml"
    for exercise in EXERCISES:
        chapter = chapter_of(exercise)
        assert chapter in PAGES, f"{exercise} has no chapter page {chapter}"
        ch_soup, ex_soup = soup_of(chapter), soup_of(exercise)
        to_ex = Path(os.path.relpath(HTML / f"{exercise}.html", (HTML / chapter).parent)).as_posix()
        to_ch = Path(os.path.relpath(HTML / f"{chapter}.html", (HTML / exercise).parent)).as_posix()
        assert ch_soup.select_one(f'article a[href^="{to_ex}"]'), f"{chapter} does not link to {exercise}"
        assert ex_soup.select_one(f'article a[href^="{to_ch}"]'), f"{exercise} does not link back to {chapter}"
        number = int(re.match(r"ch(\d+)", Path(exercise).name).group(1))
        h1 = ch_soup.select_one("article h1")
        secnum = h1.select_one(".section-number")
        assert secnum is not None and secnum.get_text(strip=True) == f"{number}.", \
            f"{chapter}'s title is not numbered {number}."
        title = h1.get_text(" ", strip=True).replace("#", "").strip()
        title = re.sub(rf"^{number}\.\s*", "", title)
        ex_title = ex_soup.select_one("article h1").get_text(" ", strip=True).replace("#", "").strip()
        assert ex_title == f"Chapter {number} exercises — {title}", \
            f"{exercise}: title {ex_title!r}, expected 'Chapter {number} exercises — {title}'"


def test_figures_and_equations_of_chapters_are_numbered(book):
    for entry in PAGES:
        if not re.fullmatch(r"book/ch\d\d-[a-z0-9-]+", entry):
            continue
        soup = soup_of(entry)
        for figure in soup.select("article figure"):
            if "nnbook-animation" in figure.get("class", []):
                continue
            number = figure.select_one("figcaption .caption-number")
            assert number and re.match(r"Fig\. \d+\.\d+", number.get_text(strip=True)), \
                f"{entry}: a figure without a number: {figure.get_text(' ', strip=True)[:80]!r}"
        for math in soup.select("article div.math"):
            assert math.select_one(".eqno"), f"{entry}: an unnumbered display equation {math.get_text()[:60]!r}"


def test_every_notebook_page_offers_its_ipynb(book):
    for entry in PAGES:
        source = next(ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb") if (ROOT / f"{entry}{ext}").is_file())
        head = source.read_text()[:600]
        if source.suffix == ".md" and "kernelspec:" not in head:
            continue
        page = (HTML / f"{entry}.html").read_text()
        assert re.search(rf'href="[^"]*_sources/{re.escape(entry)}\.ipynb"', page), \
            f"{entry}: the download menu does not offer the notebook"
        notebook = nbformat.read(HTML / "_sources" / f"{entry}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert any(c.cell_type == "code" for c in notebook.cells) or source.suffix == ".md"


def test_no_widget_cell_or_progress_bar_shows(book):
    """A widget needs a kernel: its cell is removed from the page (the animation is the
    fallback), and no progress bar is shown."""
    for path in html_pages():
        soup = BeautifulSoup(path.read_text(), "html.parser")
        for cell in soup.select(".cell_input"):
            assert "figures.widget(" not in cell.get_text(), \
                f"{path.relative_to(HTML)} shows a widget cell without its widget"
        text = str(soup)
        for marker in ("FloatProgressModel", "it/s]", "batch/s]"):
            assert marker not in text, f"{path.relative_to(HTML)} shows a progress bar ({marker})"


@pytest.fixture(scope="module")
def served(book):
    """The built book over http (as `python -m http.server` serves it)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@needs_browser
def test_search_ranks_titles_first_and_shows_snippets_when_served(chromium, served):
    preface = soup_of("book/preface").get_text()
    assert "python -m http.server" in preface, "the preface does not say how to get search snippets"
    page = B.new_page(chromium, B.LAPTOP, allowed_prefixes=(served,))
    try:
        for query, expected in (("gradient check", "book/appendix-gradcheck.html"),
                                ("activation functions", "book/ch02-activations.html"),
                                ("notation translator", "book/appendix-notation.html")):
            page.goto(f"{served}/search.html?q={query.replace(' ', '+')}")
            page.wait_for_selector("#search-results ul.search li", timeout=60_000)
            page.wait_for_function("document.querySelector('#search-results p.search-summary')"
                                   " && !document.querySelector('#search-progress')?.textContent.trim()",
                                   timeout=60_000)
            links = page.eval_on_selector_all("#search-results ul.search li > a",
                                              "as => as.map(a => a.getAttribute('href'))")
            assert links and links[0].split("#")[0].endswith(expected), \
                f"search {query!r}: first results {links[:5]}, expected {expected} first"
            page.wait_for_selector("#search-results ul.search li p.context", timeout=30_000)
        # (moving on to the next query aborts the previous one's snippet requests)
        failed = [f for f in page.failed if "ERR_ABORTED" not in f]
        assert not failed and not page.blocked, failed + page.blocked
    finally:
        page.context.close()
