"""The quiz and a checkpoint in a real JupyterLab, driven in Debian's Chromium with Playwright.

Starts JupyterLab from the venv on a free port (all Jupyter config, data, runtime and
quiz-result folders in a temporary directory; autosave off so the notebooks on disk are
never rewritten), then clicks through the widgets as a learner would.

Needs ``/usr/bin/chromium`` (Playwright's own browser download is not used). Without it the
tests are skipped, except under CI (``CI`` set), where a missing browser is a failure.
On failure a screenshot goes to ``tests/artifacts/browser/<test name>.png``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ortlearn.quiz import load_bank
from ortlearn.quiz.widgets import plain_label

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts" / "browser"
JUPYTER = Path(sys.executable).parent / "jupyter"

#: JupyterLab user settings: no autosave (the repo's notebooks stay untouched), no news
#: popup, every cell kept in the DOM (no windowing) so locators find them.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI: the install step in .ci/run did not work")
    pytest.skip(f"{CHROMIUM} is missing, so the real-browser tests are skipped. To run them, install "
                "Debian/Ubuntu's chromium (`sudo apt-get install chromium`), then `make test` again "
                "(or only these: `.venv/bin/python -m pytest -m browser`).")


#: Chromium flags for a headless test run that talks to nothing but 127.0.0.1.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def launch_chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (Playwright's own browser download does not work here).

    Skips the test when chromium is missing outside CI, and fails it under CI.
    """
    from playwright.sync_api import sync_playwright

    _need_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def run_lab(tmp: Path, cwd: Path, *, root_dir: Path | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start JupyterLab on 127.0.0.1 with its config, data and runtime folders in ``tmp``; yield its base URL.

    No token, no password, no XSRF check (the server answers only on the loopback address, for a test's
    browser). ``env`` adds variables; the server is stopped, and its log closed, on the way out.
    """
    config_dir = tmp / "config"
    for name, values in LAB_SETTINGS.items():
        path = config_dir / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    full_env = dict(os.environ, ORTLEARN_DATA_DIR=str(tmp / "ortlearn-data"), JUPYTER_CONFIG_DIR=str(config_dir),
                    JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), **(env or {}))
    full_env.pop("PYTEST_CURRENT_TEST", None)
    port = _free_port()
    root_arg = [f"--ServerApp.root_dir={root_dir}"] if root_dir else []
    log = (tmp / "lab.log").open("wb")
    proc = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1", *root_arg,
         "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True"],
        cwd=cwd, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}; log: {tmp / 'lab.log'}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/api", timeout=2) as response:
                    if response.status == 200:
                        break
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer {url}/api within 60 s; log: {tmp / 'lab.log'}")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory) -> Iterator[str]:
    """Base URL of a JupyterLab serving the repository root."""
    _need_chromium()
    with run_lab(tmp_path_factory.mktemp("jupyter"), REPO, env={"PYTHONHASHSEED": "0"}) as url:
        yield url


@pytest.fixture(scope="module")
def browser(lab_url):
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, request):
    """A fresh page; a screenshot is saved when the test body fails."""
    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


@contextlib.contextmanager
def screenshot_on_failure(page, name: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        raise


def _wait_for_kernel(page, url: str) -> None:
    """Wait until the notebook's kernel is started, idle, and connected to the page.

    Running cells before that races JupyterLab's session start-up (a "Select Kernel"
    dialog, or widgets shown as plain text).
    """
    from playwright.sync_api import expect

    base, _, path = url.partition("/lab/tree/")
    deadline = time.monotonic() + 60
    while True:
        with urllib.request.urlopen(f"{base}/api/sessions", timeout=5) as response:
            sessions = json.load(response)
        if any(s["path"] == path and s["kernel"] and s["kernel"]["execution_state"] == "idle" for s in sessions):
            break
        assert time.monotonic() < deadline, f"no idle kernel for {path} within 60 s: {sessions}"
        time.sleep(0.3)
    expect(page.locator("#jp-main-statusbar")).to_contain_text(re.compile(r"\| Idle"), timeout=60_000)
    page.wait_for_timeout(1000)  # let the widget manager attach to the new kernel


def open_and_run_all(page, url: str) -> None:
    """Open a notebook, clear its stored outputs (saved widget views), and run every cell."""
    from playwright.sync_api import expect

    page.goto(f"{url}?reset")  # a fresh workspace: no tab restored from an earlier test
    notebook = page.locator(".jp-Notebook")
    notebook.wait_for(timeout=60_000)
    _wait_for_kernel(page, url)
    menu = page.locator(".lm-MenuBar-itemLabel")
    menu.get_by_text("Edit", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Clear Outputs of All Cells", exact=True).click()
    expect(notebook.locator(".jp-OutputArea-output")).to_have_count(0)
    menu.get_by_text("Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()


def button(scope, label: str):
    """Widget buttons labelled ``label`` (by text: their icon glyph is part of the accessible name)."""
    return scope.locator("button.jupyter-button").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))


def test_quiz_check_hint_progress(page, lab_url, request):
    from playwright.sync_api import expect

    bank = load_bank("02_sessions")
    q1, q2 = bank.questions[:2]
    assert q1.type == q2.type == "single_choice" and q2.hint
    wrong = next(i for i, c in enumerate(q1.choices) if not c.correct)
    right = next(i for i, c in enumerate(q2.choices) if c.correct)

    with screenshot_on_failure(page, request.node.name):
        open_and_run_all(page, f"{lab_url}/lab/tree/quizzes/02_sessions.ipynb")
        checks = button(page, "Check")
        expect(checks).to_have_count(len(bank.questions), timeout=60_000)
        # A question widget is the VBox two levels above its Check button (VBox > HBox > Button).
        first, second = checks.nth(0).locator("xpath=../.."), checks.nth(1).locator("xpath=../..")

        # Choices are shuffled per learner: pick them by their label, never by position.
        def radio_for(scope, text: str):
            return scope.locator(".widget-radio-box label").filter(
                has_text=re.compile(rf"^\s*{re.escape(plain_label(text))}\s*$")).locator("input")

        # Question 1, a wrong choice.
        expect(radio_for(first, q1.choices[wrong].text)).to_have_count(1)
        radio_for(first, q1.choices[wrong].text).check()
        checks.nth(0).click()
        feedback = first.locator(".widget-html-content").filter(has_text=re.compile(r"^\s*(Correct|Incorrect)"))
        expect(feedback).to_have_count(1)
        text = " ".join(feedback.inner_text().split())
        assert text.startswith("Incorrect"), text
        assert " ".join(plain_label(q1.choices[wrong].feedback).split())[:30] in text

        # Question 2: the hint, then the right choice.
        button(second, "Hint").click()
        hint = " ".join(plain_label(q2.hint).split())[:30]
        expect(second.locator(".widget-html-content").filter(has_text="Hint:")).to_contain_text(hint)
        radio_for(second, q2.choices[right].text).check()
        checks.nth(1).click()
        feedback = second.locator(".widget-html-content").filter(has_text=re.compile(r"^\s*(Correct|Incorrect)"))
        expect(feedback).to_have_text(re.compile(r"^\s*Correct"))

        expect(page.locator(".jp-Notebook .widget-label").filter(has_text="answered ")).to_have_text(
            f"answered 2/{len(bank.questions)} · correct 1")


def test_lesson_checkpoint_commit(page, lab_url, request):
    from playwright.sync_api import expect

    with screenshot_on_failure(page, request.node.name):
        open_and_run_all(page, f"{lab_url}/lab/tree/lessons/02_sessions.ipynb")
        commit = button(page, "Commit")
        expect(commit).to_have_count(1, timeout=60_000)
        checkpoint = commit.locator("xpath=..")  # Checkpoint VBox > Commit button
        expect(checkpoint).to_contain_text("What is type(session.run(None, feeds))?")
        # Run All also ran the reveal cell; wait for it so it cannot overwrite the commit.
        expect(checkpoint).to_contain_text("No prediction was committed", timeout=60_000)
        checkpoint.scroll_into_view_if_needed()
        checkpoint.locator(".widget-radio-box input").nth(1).check()
        commit.click()
        expect(checkpoint).to_contain_text("Prediction recorded: list")
        expect(commit).to_be_disabled()


def test_html_export_keyboard_only(browser, tmp_path, request):
    """The exported self-study page (``ortlearn quiz export --format html``) works with the keyboard alone."""
    from playwright.sync_api import expect

    html_page = pytest.importorskip("ortlearn.quiz.html_page")
    bank = load_bank("02_sessions")
    q1, q2 = bank.questions[:2]
    assert q1.type == q2.type == "single_choice" and q1.hint
    wrong = next(i for i, c in enumerate(q1.choices) if not c.correct)
    right = next(i for i, c in enumerate(q2.choices) if c.correct)
    path = tmp_path / "02_sessions.html"
    path.write_text(html_page.format_html(bank), encoding="utf-8")

    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(10_000)

    def by_id(element_id: str):
        return page.locator(f'[id="{element_id}"]')

    def pick(question, index: int) -> None:
        """Tab into the question's radio group, select the first displayed choice, arrow down to choice ``index``.

        The page shuffles choices per browser, so where ``index`` is displayed comes from the page itself.
        """
        order = page.evaluate("id => window.ortlearnQuiz.order(id)", question.id)
        assert sorted(order) == list(range(len(question.choices)))
        page.keyboard.press("Tab")
        expect(by_id(f"q-{question.id}-choice-{order[0]}")).to_be_focused()
        page.keyboard.press("Space")
        for _ in range(order.index(index)):
            page.keyboard.press("ArrowDown")
        expect(by_id(f"q-{question.id}-choice-{index}")).to_be_checked()
        page.keyboard.press("Tab")
        expect(by_id(f"q-{question.id}-check")).to_be_focused()
        page.keyboard.press("Enter")

    try:
        with screenshot_on_failure(page, request.node.name):
            page.goto(path.as_uri())
            expect(by_id("progress")).to_have_text(f"answered 0/{len(bank.questions)} · correct 0")

            pick(q1, wrong)
            feedback = by_id(f"q-{q1.id}-feedback")
            expect(feedback).to_have_attribute("role", "status")
            expect(feedback).to_have_text(re.compile(r"^\s*Incorrect"))
            expect(by_id("progress")).to_have_text(f"answered 1/{len(bank.questions)} · correct 0")

            page.keyboard.press("Tab")  # Check -> Hint
            expect(by_id(f"q-{q1.id}-hint")).to_be_focused()
            expect(by_id(f"q-{q1.id}-hint-text")).to_be_hidden()
            page.keyboard.press("Enter")
            expect(by_id(f"q-{q1.id}-hint-text")).to_be_visible()
            expect(by_id(f"q-{q1.id}-hint-text")).to_contain_text(" ".join(plain_label(q1.hint).split())[:30])

            pick(q2, right)
            expect(by_id(f"q-{q2.id}-feedback")).to_have_text(re.compile(r"^\s*Correct"))
            expect(by_id("progress")).to_have_text(f"answered 2/{len(bank.questions)} · correct 1")
    finally:
        context.close()


def test_html_export_shuffles_per_browser_and_keeps_the_order_on_reload(browser, tmp_path):
    from ortlearn.quiz.html_page import format_html

    bank = load_bank("02_sessions")
    path = tmp_path / "02_sessions.html"
    path.write_text(format_html(bank), encoding="utf-8")
    choice_questions = [q for q in bank.questions if q.type in ("single_choice", "multi_choice")]
    orders = []
    for _ in range(2):  # two browsers (fresh profiles): two learners
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(path.as_uri())
            first = [page.evaluate("id => window.ortlearnQuiz.order(id)", q.id) for q in choice_questions]
            page.reload()
            assert [page.evaluate("id => window.ortlearnQuiz.order(id)", q.id) for q in choice_questions] == first
            letters = page.locator(f'[id="q-{choice_questions[0].id}"] .letter').all_inner_texts()
            assert letters == [f"{chr(65 + i)}." for i in range(len(choice_questions[0].choices))]
            orders.append(first)
        finally:
            context.close()
    assert any(order != sorted(order) for order in orders[0])  # shuffled at all
    assert orders[0] != orders[1]  # another browser, another order (chance of a tie: negligible over a bank)


def python_verdict(question, response) -> dict:
    """What ortlearn.quiz.grading says, in the shape of the page's ``ortlearnQuiz.grade``."""
    from ortlearn.quiz.grading import grade, missing_answer

    asked = missing_answer(question, response)
    if asked is not None:
        return {"answered": False, "correct": False, "message": asked}
    verdict = grade(question, response)
    return {"answered": True, "correct": verdict.correct, "message": verdict.message}


NUMERIC_TRIES = ("", "   ", "abc", "89.5%", "1,5", "nan", "inf", "1_000", "0x10", "--1", "1e400", "٣", "it's \"x\"")


def responses_for(question) -> list:
    """Every answer a learner can give: all subsets (multi), each option and none (single, true/false);
    for numeric: the answer, both tolerance edges, just outside them, far off, and text that is no number."""
    import itertools

    n = len(question.choices)
    if question.type == "multi_choice":
        return [list(c) for k in range(n + 1) for c in itertools.combinations(range(n), k)]
    if question.type in ("single_choice", "true_false"):
        return [None, *range(n)]
    a, t = question.answer, question.tolerance
    values = [a, a + t, a - t, a + t + max(t, 1e-9) * 1.5, a - t - max(t, 1e-9) * 1.5, a * 10 + 1, -a - 1]
    return [repr(v) for v in values] + [f" {a} ", f"{a:e}", None, *NUMERIC_TRIES]


def test_the_page_grades_every_answer_of_every_bank_like_python(browser, tmp_path):
    """One grader: the exported page's JavaScript and ortlearn.quiz.grading agree on every (question, answer)."""
    from ortlearn.quiz.bank import DEFAULT_BANKS_DIR, load_banks
    from ortlearn.quiz.html_page import format_html

    banks = load_banks(sorted(p.stem for p in DEFAULT_BANKS_DIR.glob("*.yaml")))
    context = browser.new_context()
    page = context.new_page()
    checked, started = 0, time.monotonic()
    try:
        for bank in banks:
            path = tmp_path / f"{bank.topic}.html"
            path.write_text(format_html(bank, seed=None), encoding="utf-8")
            page.goto(path.as_uri())
            cases = [(q.id, r) for q in bank.questions for r in responses_for(q)]
            got = page.evaluate("cases => cases.map(([id, r]) => window.ortlearnQuiz.grade(id, r))", cases)
            questions = {q.id: q for q in bank.questions}
            expected = [python_verdict(questions[qid], r) for qid, r in cases]
            mismatches = [(qid, r, g, e) for (qid, r), g, e in zip(cases, got, expected, strict=True) if g != e]
            assert not mismatches, mismatches[:5]
            checked += len(cases)
    finally:
        context.close()
    print(f"JS/Python grading parity: {checked} (question, answer) pairs in {time.monotonic() - started:.1f} s")
    assert checked > 1000
