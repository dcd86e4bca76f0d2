"""Finding 1 in a real JupyterLab: showing a hostile bank runs nothing, and Markdown still renders.

The review's ``hostile_banks/impact.yaml`` holds a ``<script>`` that reads the page's
Jupyter token and writes a file through the contents API; ``evil.yaml`` puts script,
event-handler, ``javascript:`` and iframe payloads in every field. Each is shown with
``ol.quiz.show`` in a throw-away JupyterLab (127.0.0.1, a temporary root folder, no
token, XSRF checks off, so a script that ran *would* succeed), and the test proves: no
dialog opened, no request wrote to the contents API, no file appeared, and the payloads
are on the page as text. A plain bank in the same notebook shows that ``**x**`` still
becomes ``<strong>``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from test_browser import (  # the same JupyterLab setup and helpers as the quiz's browser test
    _need_chromium,
    button,
    launch_chromium,
    open_and_run_all,
    run_lab,
    screenshot_on_failure,
)

pytestmark = pytest.mark.browser

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile_banks"  # the review's banks (see README there)

PLAIN = """topic: plain
title: Plain
questions:
  - id: plain-q
    type: true_false
    difficulty: easy
    prompt: "Markdown still renders: **bold-marker** and `code-marker`."
    choices: [{text: "True", correct: true}, {text: "False"}]
"""


@pytest.fixture(scope="module")
def hostile_lab(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab whose root is a fresh temporary folder holding the banks and one notebook that shows them."""
    _need_chromium()
    tmp = tmp_path_factory.mktemp("hostile-lab")
    root = tmp / "root"
    root.mkdir()
    shutil.copy(HOSTILE / "impact.yaml", root / "impact.yaml")
    # evil.yaml's topic is itself a payload that loading now refuses (finding 2); give it a plain
    # one so that every other field's payload reaches the widgets.
    evil = (HOSTILE / "evil.yaml").read_text(encoding="utf-8").splitlines()
    (root / "evil.yaml").write_text("\n".join(["topic: evil", *evil[1:]]) + "\n", encoding="utf-8")
    (root / "plain.yaml").write_text(PLAIN, encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"import ortlearn as ol\nquiz = ol.quiz.show({name!r}, store=None)")
                      for name in ("impact.yaml", "evil.yaml", "plain.yaml")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, root / "hostile.ipynb")
    (tmp / "home").mkdir()

    with run_lab(tmp, root, root_dir=root, env={"HOME": str(tmp / "home"), "IPYTHONDIR": str(tmp / "ipython")}) as url:
        yield url, root


def test_finding01_hostile_banks_run_nothing_in_jupyterlab(hostile_lab, request):
    from playwright.sync_api import expect

    url, root = hostile_lab
    before = sorted(p.name for p in root.iterdir())
    dialogs: list[str] = []
    writes: list[str] = []
    with launch_chromium() as browser:
        context = browser.new_context(viewport={"width": 1300, "height": 1400})
        # Nothing leaves 127.0.0.1; any write to the contents API is recorded.
        context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda r: writes.append(f"{r.method} {r.url}")
                if "/api/contents" in r.url and r.method in ("PUT", "POST", "PATCH", "DELETE") else None)
        with screenshot_on_failure(page, request.node.name):
            open_and_run_all(page, f"{url}/lab/tree/hostile.ipynb")
            expect(button(page, "Check")).to_have_count(5, timeout=60_000)  # 1 + 3 + 1 questions shown
            notebook = page.locator(".jp-Notebook")
            expect(notebook).to_contain_text("What does ONNX stand for?")
            expect(notebook).to_contain_text("<script>")  # the payload is on the page as text
            expect(notebook).to_contain_text("alert('prompt')")
            strong = notebook.locator(".widget-html-content strong").filter(has_text="bold-marker")
            expect(strong).to_have_count(1)  # normal Markdown still renders
            expect(notebook.locator(".widget-html-content code").filter(has_text="code-marker")).to_have_count(1)
            for question in range(4):  # reveal the explanations and choice feedback of the hostile ones
                check = button(page, "Check").nth(question)
                box = check.locator("xpath=../..")
                inputs = box.locator("input[type=radio], input[type=checkbox]")
                if inputs.count():
                    inputs.first.check()
                else:
                    box.locator("input[type=text]").fill("1")
                check.click()
                expect(box).to_contain_text(re.compile(r"Correct|Incorrect"))
            page.wait_for_timeout(2000)  # give any script that did get in time to act
            active = notebook.locator(".jp-OutputArea script, .jp-OutputArea iframe, .jp-OutputArea img, "
                                      ".jp-OutputArea svg, .jp-OutputArea [onerror], .jp-OutputArea details")
            assert active.count() == 0
            assert notebook.locator(".jp-OutputArea a[href^='javascript:' i]").count() == 0
    assert dialogs == []
    # JupyterLab itself creates the opened notebook's first checkpoint; nothing else may write.
    own = re.compile(r"^POST http://127\.0\.0\.1:\d+/api/contents/hostile\.ipynb/checkpoints(\?\d*)?$")
    assert [w for w in writes if not own.match(w)] == []
    after = sorted(p.name for p in root.iterdir() if p.name != ".ipynb_checkpoints")
    assert after == before  # no PWNED-by-quiz-bank.txt
