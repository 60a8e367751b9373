"""Reading the built book in headless Chromium (Playwright driving the system Chromium).

Used by tests/book/test_book_readers.py, and runnable on its own to survey any build:

    .venv/bin/python tests/book/browser.py _build/html /tmp/book-survey

opens every page of _toc.yml at 390×844 and 1366×900, saves a screenshot of each, runs
axe-core (vendored by `make vendor` into _vendor_tests/, never into the book) and prints the
violations by impact, pages that scroll sideways and display equations that are clipped.

The browser never reaches the network: every request that is not a file of the build (or
the local test server) is aborted and recorded.
"""

import json
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "_vendor_tests" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
WIDTHS = {"phone": PHONE, "laptop": LAPTOP}


def toc_files(root=ROOT):
    """The files named by the (uncommented) entries of _toc.yml, root first."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def new_page(browser, viewport, allowed_prefixes=("file://",)):
    """A page whose requests outside ``allowed_prefixes`` are aborted; ``page.blocked`` lists
    them and ``page.failed`` lists requests that failed (a missing file, a font that 404s)."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                  is_mobile=viewport["width"] < 600, has_touch=viewport["width"] < 600)
    page = context.new_page()
    page.blocked, page.failed = [], []

    def outside(url):
        return not url.startswith(("file:", "data:", "blob:") + tuple(allowed_prefixes))

    def block(r):
        page.blocked.append(r.request.url)
        r.abort()

    # Only requests that leave the build are routed (routing file:// URLs breaks them).
    page.route(outside, block)
    def failed(req):
        # A file of the build that exists is not missing (Chromium cancels some preloads
        # of file:// stylesheets, reported as net::ERR_FAILED).
        if req.url.startswith("file:"):
            path = Path(unquote(urlparse(req.url).path))
            if path.is_file():
                return
        page.failed.append(f"{req.url} ({req.failure})")

    page.on("requestfailed", failed)
    page.on("response", lambda resp: resp.status >= 400 and page.failed.append(f"{resp.url} ({resp.status})"))
    return page


def open_page(page, url):
    """Load a page and wait until MathJax has typeset it and the animation players started."""
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise ? true :"
        " MathJax.startup.promise.then(() => true)", timeout=60_000)
    page.wait_for_timeout(300)


def run_axe(page):
    """axe-core's violations on the page: a list of {id, impact, help, nodes}."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length}));
    }""")
    return result


HORIZONTAL = """() => {
    const doc = document.scrollingElement;
    return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth};
}"""

# Every display equation: does it fit its box, and if not, does its box scroll with a cue?
EQUATIONS = """() => {
    const out = [];
    document.querySelectorAll('mjx-container[display="true"]').forEach((eq, i) => {
        const box = eq.closest('.nnbook-scroll') || eq;
        const overflowing = eq.scrollWidth > eq.clientWidth + 1;
        const style = getComputedStyle(box);
        const scrolls = ['auto', 'scroll'].includes(style.overflowX);
        const cue = box.classList.contains('nnbook-scroll') && box.classList.contains('is-overflowing');
        const rect = box.getBoundingClientRect();
        const inView = rect.right <= window.innerWidth + 1 && rect.left >= -1;
        const tex = (eq.querySelector('mjx-assistive-mml math') || eq).getAttribute('alttext') || '';
        out.push({index: i, overflowing, scrolls, cue, inView, width: eq.scrollWidth,
                  box: eq.clientWidth, focusable: box.tabIndex >= 0,
                  text: eq.textContent.slice(0, 60)});
    });
    return out;
}"""


def clipped_equations(page):
    """Display equations wider than their box without a scrollable box that shows a cue."""
    bad = []
    for eq in page.evaluate(EQUATIONS):
        if not eq["inView"] or (eq["overflowing"] and not (eq["scrolls"] and eq["cue"] and eq["focusable"])):
            bad.append(eq)
    return bad


def slug(entry):
    return entry.replace("/", "__")


def survey(html, out, pages=None):
    """Screenshots, axe counts by impact, sideways scrolling and clipped equations of a build."""
    from playwright.sync_api import sync_playwright

    html, out = Path(html).resolve(), Path(out)
    pages = pages or toc_files()
    totals = {name: Counter() for name in WIDTHS}
    rules = {name: Counter() for name in WIDTHS}
    report = []
    with sync_playwright() as p:
        browser = launch(p)
        for name, viewport in WIDTHS.items():
            (out / name).mkdir(parents=True, exist_ok=True)
            page = new_page(browser, viewport)
            for entry in pages:
                open_page(page, (html / f"{entry}.html").as_uri())
                page.screenshot(path=str(out / name / f"{slug(entry)}.png"))
                violations = run_axe(page)
                for v in violations:
                    totals[name][v["impact"]] += 1
                    rules[name][f'{v["impact"]}: {v["id"]}'] += 1
                h = page.evaluate(HORIZONTAL)
                eqs = page.evaluate(EQUATIONS)
                clipped = clipped_equations(page)
                report.append({"width": name, "page": entry, "axe": violations,
                               "sideways": h["scrollWidth"] > h["innerWidth"], "scrollWidth": h["scrollWidth"],
                               "equations": len(eqs), "overflowing": sum(e["overflowing"] for e in eqs),
                               "clipped": len(clipped), "failed": list(page.failed), "blocked": list(page.blocked)})
                page.failed.clear()
                page.blocked.clear()
            page.context.close()
        browser.close()
    (out / "survey.json").write_text(json.dumps(report, indent=1))
    for name in WIDTHS:
        rows = [r for r in report if r["width"] == name]
        print(f"== {name} {WIDTHS[name]['width']}x{WIDTHS[name]['height']}: axe rule violations by impact "
              f"{dict(totals[name])}; pages scrolling sideways {sum(r['sideways'] for r in rows)}; "
              f"display equations {sum(r['equations'] for r in rows)}, wider than their box "
              f"{sum(r['overflowing'] for r in rows)}, clipped without a cue {sum(r['clipped'] for r in rows)} "
              f"on {sum(1 for r in rows if r['clipped'])} pages; failed requests "
              f"{sum(len(r['failed']) for r in rows)} on {sum(1 for r in rows if r['failed'])} pages")
        for rule, n in sorted(rules[name].items()):
            print(f"   {rule}: {n} pages")
    return report


if __name__ == "__main__":
    survey(sys.argv[1], sys.argv[2], sys.argv[3:] or None)
