"""A checked exercise in a real JupyterLab: type a solution into lesson 02, run its check, see it pass.

Uses the JupyterLab server, browser and helpers of ``test_browser.py`` (Debian's Chromium with Playwright;
skipped without ``/usr/bin/chromium`` except under CI). Autosave is off, so the lesson on disk is untouched.
"""

from __future__ import annotations

import re

import pytest

from ortlearn.exercises import load
from test_browser import _wait_for_kernel, browser, lab_url, page, screenshot_on_failure  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _run_cell(page, text: str):
    """Click into the code cell that contains ``text`` and run it with Shift+Enter; return the cell."""
    cell = page.locator(".jp-CodeCell").filter(has_text=text).first
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    return cell


def test_typing_a_solution_into_lesson_02_makes_its_check_pass(page, lab_url, request):
    from playwright.sync_api import expect

    solution = load("02_sessions").q1.solution_code
    url = f"{lab_url}/lab/tree/lessons/02_sessions.ipynb"
    with screenshot_on_failure(page, request.node.name):
        page.goto(f"{url}?reset")
        page.locator(".jp-Notebook").wait_for(timeout=60_000)
        _wait_for_kernel(page, url)

        _run_cell(page, "import onnxruntime as ort")
        loader = _run_cell(page, 'ex = ol.exercises.load("02_sessions")')
        expect(loader.locator(".jp-InputPrompt")).to_contain_text(re.compile(r"\[\d+\]"), timeout=60_000)

        cell = page.locator(".jp-CodeCell").filter(has_text="def predict(session, x):").first
        output = cell.locator(".jp-OutputArea-output")
        expect(output).to_contain_text("Not attempted yet")  # the stored, unattempted state
        editor = cell.locator(".jp-InputArea-editor")
        editor.scroll_into_view_if_needed()
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(f"{solution}\n\nex.q1.check(predict)")  # no key events: no auto-indent
        page.keyboard.press("Shift+Enter")

        expect(output).to_contain_text("Correct", timeout=60_000)
        text = " ".join(output.inner_text().split())
        assert text.startswith("✔ Correct: it reads the input name from the session"), text
        expect(output.locator("strong")).to_have_text("Correct")
