"""The course as a website (``make site``, :mod:`ortlearn.site`): built once per module, then checked.

Without a browser (fast tier): every lesson, bank and exercise present is on the site, every internal
link and asset resolves, no page loads anything from another host, widgets have their static form.

In Debian's Chromium (marked ``browser``; skipped without ``/usr/bin/chromium`` except under CI): the site is
served by ``http.server`` on 127.0.0.1 and crawled from the home page in light and dark mode (every page
loads without a console error, every link resolves, any request to another host is blocked and fails
the test), a quiz page is answered with the keyboard alone, and axe-core finds no serious or critical
accessibility violation on the home page, a lesson and a quiz, in light and dark mode.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from ortlearn.lessons import LESSONS
from ortlearn.quiz import load_bank
from ortlearn.site import build_site
from ortlearn.site.build import MARKER, readme_sections
from ortlearn.site.markdown import Linker, MarkdownPage, tex_to_text
from test_browser import launch_chromium

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts" / "site"
#: Pages axe-core checks: the home page, a lesson (the one with the most kinds of output) and a quiz.
AXE_PAGES = ("index.html", "lessons/07_performance.html", "quizzes/02_sessions.html")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("site") / "_site"
    report = build_site(REPO, output)
    assert not [w for w in report.warnings if "lesson" in w and "missing" in w], report.warnings
    return output


def _lessons() -> list:
    return [lesson for lesson in LESSONS if (REPO / lesson.path).is_file()]


# ------------------------------------------------------------------------------------------- no browser


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in {"href", "src"} and value is not None:
                self.refs.append((tag, name, value))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_lesson_bank_and_readme_page_is_on_the_site(site):
    for lesson in _lessons():
        assert (site / "lessons" / f"{lesson.stem}.html").is_file()
        assert (site / "lessons" / f"{lesson.stem}.ipynb").read_bytes() == (REPO / lesson.path).read_bytes()
        assert f'href="lessons/{lesson.stem}.html"' in (site / "index.html").read_text(encoding="utf-8")
    for bank in (REPO / "quizzes" / "banks").glob("*.yaml"):
        page = (site / "quizzes" / f"{bank.stem}.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and 'id="quiz-data"' in page
    for name in ("index.html", "quizzes/index.html", "start.html", "teaching.html", "assets/site.css", MARKER):
        assert (site / name).is_file(), name


def test_every_internal_link_and_asset_resolves_and_nothing_comes_from_another_host(site):
    pages = sorted(site.rglob("*.html"))
    ids = {page: _parse(page).ids for page in pages}
    for page in pages:
        for tag, attribute, value in _parse(page).refs:
            where = f"{page.relative_to(site)}: <{tag} {attribute}={value!r}>"
            if re.match(r"^[a-z]+:", value) or value.startswith("//"):
                assert tag == "a" and value.startswith(("https://", "http://", "mailto:")), where
                continue
            path, _, fragment = value.partition("#")
            target = (page.parent / path).resolve() if path else page
            assert target.is_file() and site.resolve() in target.parents, f"{where}: no such file"
            if fragment and target.suffix == ".html" and target.name not in {p.name for p in site.glob("quizzes/*")}:
                assert fragment in ids[target], f"{where}: no element with that id"


def test_pages_load_no_script_and_declare_a_content_security_policy(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in text, page
        if page.parent.name != "quizzes" or page.name == "index.html":
            assert "<script" not in text, page


def test_exercises_have_their_hints_and_solution_folded(site):
    for path in sorted((REPO / "ortlearn" / "exercises").glob("lesson*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        page = site / "lessons" / f"{data['topic']}.html"
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        for key, exercise in data["exercises"].items():
            number, title = key.lstrip("q"), html.escape(exercise["title"])
            hints = len(exercise["hints"])
            for level in range(1, hints + 1):
                assert f"Exercise {number} ({title}): hint {level} of {hints}</summary>" in text, (page, key)
            assert f"Exercise {number} ({title}): a solution</summary>" in text, (page, key)


def test_widgets_have_a_static_form(site):
    for lesson in _lessons():
        text = (site / "lessons" / f"{lesson.stem}.html").read_text(encoding="utf-8")
        source = (REPO / lesson.path).read_text(encoding="utf-8")
        assert text.count('class="output widget checkpoint"') == source.count("ol.quiz.Checkpoint("), lesson.stem
        if f'ol.quiz.show(\\"{lesson.stem}\\")' in source:
            assert f'href="../quizzes/{lesson.stem}.html"' in text, lesson.stem
        assert "Checkpoint(" not in re.sub(r'<pre class="source">.*?</pre>', "", text, flags=re.DOTALL), lesson.stem


def test_figures_are_files_with_alt_text(site):
    for page in site.glob("lessons/*.html"):
        for tag in re.findall(r"<img [^>]*>", page.read_text(encoding="utf-8")):
            assert re.search(r'alt="[^"]{10,}"', tag), (page, tag)
            assert "data:" not in tag, page


def test_markdown_links_tex_and_readme_sections():
    linker = Linker({"lessons/02_sessions.ipynb": "lessons/02_sessions.html", "quizzes/02_sessions.ipynb":
                     "quizzes/02_sessions.html"})
    page = MarkdownPage(linker, "lessons/01_onnx_format.html")
    out = page.render("## Next\n\n[a](02_sessions.ipynb#x) [b](../quizzes/02_sessions.ipynb) [c](../nowhere.md) "
                      "[d](https://onnxruntime.ai)\n\n## Next", source="lessons/01_onnx_format.ipynb")
    assert '<a href="02_sessions.html#x">a</a>' in out and '<a href="../quizzes/02_sessions.html">b</a>' in out
    assert '<span class="unlinked">c</span>' in out and '<a href="https://onnxruntime.ai">d</a>' in out
    assert [h.id for h in page.headings] == ["next", "next-2"]
    assert tex_to_text(r"|\text{a} - b| \le \text{atol} + \text{rtol}\cdot|b|") == "|a − b| ≤ atol + rtol·|b|"
    sections = readme_sections("# T\n\nintro\n\n## One\n\n```bash\n## not a heading\n```\n\n### Sub\n\n## Two\nx\n")
    assert list(sections) == ["(intro)", "One", "Two"] and "## not a heading" in sections["One"]


def test_build_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not built by `make site`"):
        build_site(REPO, tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


# ---------------------------------------------------------------------------------------------- browser


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a browser that stops loading a lazy image resets its connection: not a site error


@pytest.fixture(scope="module")
def server(site) -> Iterator[str]:
    """``http.server`` serving the built site on 127.0.0.1 (a free port), in a thread."""
    httpd = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser(server):
    with launch_chromium() as browser:
        yield browser


@contextlib.contextmanager
def _context(browser, server: str, scheme: str) -> Iterator[tuple[object, list[str]]]:
    """A browser context in ``scheme`` (light/dark) where every request to another host is blocked and listed."""
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 1000})
    foreign: list[str] = []

    def route(route):
        if route.request.url.startswith(server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    try:
        yield context, foreign
    finally:
        context.close()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_crawl_every_page_without_console_errors_or_broken_links(browser, server, site, scheme):
    with _context(browser, server, scheme) as (context, foreign):
        page = context.new_page()
        errors: list[str] = []
        failed: list[str] = []
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        queue, seen, ids, checked = [server + "index.html"], set(), {}, {}
        anchors: list[tuple[str, str, str]] = []
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            page.goto(url, wait_until="load")
            ids[url] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
            for src in page.eval_on_selector_all("img[src], link[href]", "els => els.map(e => e.src || e.href)"):
                if src not in checked:  # figures below the fold are lazy: fetch each once here
                    assert src.startswith(server), (url, src)
                    checked[src] = _status(src)
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                absolute = urljoin(url, href)
                if not absolute.startswith(server):
                    assert urlsplit(absolute).scheme in {"http", "https", "mailto"}, (url, href)
                    continue
                target, _, fragment = absolute.partition("#")
                if fragment:
                    anchors.append((url, target, fragment))
                if target.endswith(".html"):
                    queue.append(target)
                elif target not in checked:
                    checked[target] = _status(target)
        assert not errors, errors
        assert not failed, failed
        assert not foreign, f"requests to another host: {foreign}"
        assert all(status == 200 for status in checked.values()), checked
        missing = [a for a in anchors if a[1] in ids and a[2] not in ids[a[1]]]
        assert not missing, missing
        expected = {server + path.relative_to(site).as_posix() for path in site.rglob("*.html")}
        assert expected <= seen, f"pages no link reaches: {sorted(expected - seen)}"
        print(f"\ncrawled {len(seen)} pages and {len(checked)} other files (figures, notebooks, CSS) in {scheme} mode")


@pytest.mark.browser
def test_a_quiz_page_answered_by_keyboard_alone(browser, server):
    from playwright.sync_api import expect

    topic = next(path.stem for path in sorted((REPO / "quizzes" / "banks").glob("*.yaml"))
                 if load_bank(path).questions[0].type == "single_choice")
    bank = load_bank(REPO / "quizzes" / "banks" / f"{topic}.yaml")
    question = bank.questions[0]
    right = next(i for i, c in enumerate(question.choices) if c.correct)
    with _context(browser, server, "light") as (context, foreign):
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{server}quizzes/{topic}.html")
        order = page.evaluate("id => window.ortlearnQuiz.order(id)", question.id)
        first = page.locator(f'[id="q-{question.id}-choice-{order[0]}"]')
        for _ in range(12):  # past the links back to the course, into the first question
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id") == f"q-{question.id}-choice-{order[0]}":
                break
        expect(first).to_be_focused()
        page.keyboard.press("Space")
        for _ in range(order.index(right)):
            page.keyboard.press("ArrowDown")
        expect(page.locator(f'[id="q-{question.id}-choice-{right}"]')).to_be_checked()
        page.keyboard.press("Tab")
        expect(page.locator(f'[id="q-{question.id}-check"]')).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(f'[id="q-{question.id}-feedback"]')).to_have_text(re.compile(r"^\s*Correct"))
        expect(page.locator("#progress")).to_have_text(f"answered 1/{len(bank.questions)} · correct 1")
        assert not foreign


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(browser, server, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    report = {}
    with _context(browser, server, scheme) as (context, _foreign):
        page = context.new_page()
        for path in AXE_PAGES:
            if not path.startswith("lessons/") or (REPO / "lessons" / Path(path).with_suffix(".ipynb").name).exists():
                page.goto(server + path, wait_until="load")
                results = axe.run(page)
                violations = results.response["violations"]
                report[path] = {v["id"]: (v["impact"], len(v["nodes"])) for v in violations}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{scheme}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"\naxe-core ({scheme}): {report}")
    serious = {path: {rule: found for rule, found in rules.items() if found[0] in {"serious", "critical"}}
               for path, rules in report.items()}
    assert not any(serious.values()), serious


def test_a_new_lesson_its_bank_and_exercises_are_picked_up_without_edits(tmp_path):
    """What lessons 10 and 11 will do: a notebook, a bank and an exercise file appear; the site shows them."""
    from ortlearn.lessons import Lesson

    root = tmp_path / "repo"
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes" / "banks").mkdir(parents=True)
    (root / "ortlearn" / "exercises").mkdir(parents=True)
    (root / "README.md").write_text((REPO / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    bank = yaml.safe_load((REPO / "quizzes" / "banks" / "02_sessions.yaml").read_text(encoding="utf-8"))
    bank["topic"] = "42_new"
    (root / "quizzes" / "banks" / "42_new.yaml").write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    exercises = {"topic": "42_new", "exercises": {"q1": {"title": "Do it", "task": "Write f.", "hints": ["Look up."],
                                                         "solution": "def f():\n    return 1\n"}}}
    (root / "ortlearn" / "exercises" / "lesson42.yaml").write_text(yaml.safe_dump(exercises), encoding="utf-8")
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "Quiz('New')"}
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# 42 · New\n\nSee [lesson 00](00_start_here.ipynb)."},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": "ex = ol.exercises.load('42_new')\n"
         "ex.q1.check(f)", "outputs": [{"output_type": "stream", "name": "stdout", "text": "Not attempted yet"}]},
        {"cell_type": "code", "metadata": {}, "execution_count": 2, "source": 'ol.quiz.show("42_new")',
         "outputs": [{"output_type": "display_data", "metadata": {}, "data": widget}]},
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "lessons" / "42_new.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    lessons = (Lesson("42_new", "New", "Something new."), Lesson("43_missing", "Missing", "Not written yet."))
    report = build_site(root, tmp_path / "_site", lessons=lessons)
    page = (tmp_path / "_site" / "lessons" / "42_new.html").read_text(encoding="utf-8")
    assert "<h1" in page and "42 · New" in page and "Exercise 1 (Do it): hint 1 of 1</summary>" in page
    assert 'href="../quizzes/42_new.html"' in page and '<span class="unlinked">lesson 00</span>' in page
    assert (tmp_path / "_site" / "quizzes" / "42_new.html").is_file()
    assert any("43_missing" in warning for warning in report.warnings)
    assert not (tmp_path / "_site" / "lessons" / "43_missing.html").exists()
