"""A student's first minutes, in a real JupyterLab driven by headless Chromium (Playwright).

JupyterLab runs on a copy of the exercises in a temporary folder (the `lab` fixture of
test_lab_smoke.py). The browser opens the pilot exercise and runs all cells: the environment
check prints "Environment OK", and the first visible test fails with a short message (the
check's name and one sentence, no traceback into nnref.grading). Then the student answers
that part, runs the answer and its test again, and sees "passed".

Playwright drives the system Chromium (`/usr/bin/chromium`, Debian's package); it never
downloads a browser of its own (no `playwright install`).
"""

import os
import re
import time

import pytest
from test_lab_smoke import PILOT, lab  # noqa: F401  (lab is a fixture)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}")]

ANSWER = "def step_derivative(z): return np.zeros_like(z, dtype=float)"


def cell(page, grade_id_words):
    """The notebook cell whose editor text contains ``grade_id_words``."""
    return page.locator(".jp-Notebook .jp-Cell").filter(has_text=grade_id_words).first


def test_student_runs_an_exercise_sees_a_short_message_then_passes(lab):  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    base, token, root = lab
    started = time.monotonic()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(f"{base}/lab/tree/{PILOT}/{PILOT}.ipynb?token={token}")
            page.locator(".jp-Notebook .jp-Cell").first.wait_for()
            # JupyterLab may ask which kernel to start (the exercises name none of this machine's)
            select = page.locator(".jp-Dialog").get_by_role("button", name="Select")
            try:
                select.wait_for(timeout=20_000)
                select.click()
            except sync_api.TimeoutError:
                pass
            page.get_by_text(re.compile(r"\| Idle$")).first.wait_for()
            # Run > Run All Cells
            page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()

            # the environment check
            page.get_by_text(re.compile(r"^Environment OK")).first.wait_for()

            # the first visible test fails with a message of a few lines, not a traceback
            test_cell = cell(page, "# Visible tests for step_derivative")
            error = test_cell.locator(".jp-OutputArea-output").filter(has_text="not answered yet").first
            error.wait_for()
            error.scroll_into_view_if_needed()
            text = error.inner_text() or error.text_content()
            lines = [line for line in text.splitlines() if line.strip()]
            assert "not answered yet" in text and "step_derivative" in text, text
            assert len(lines) <= 4, f"the failing check printed {len(lines)} lines:\n{text}"
            assert "grading.py" not in text and "Traceback" not in text, text

            # the student answers the part, then runs it and its test (Shift+Enter twice)
            answer = cell(page, "def step_derivative(z)")
            answer.locator(".cm-content").click()
            page.keyboard.press("Control+A")
            page.keyboard.insert_text(ANSWER)
            page.keyboard.press("Shift+Enter")
            page.keyboard.press("Shift+Enter")
            page.get_by_text("step_derivative: visible tests passed").first.wait_for()
        except Exception:
            page.screenshot(path=str(root.parent / "lab.png"))
            print(f"\nscreenshot: {root.parent / 'lab.png'}")
            raise
        finally:
            browser.close()
    print(f"\nJupyterLab in Chromium: {time.monotonic() - started:.1f} s")
