"""HTML export: structure, labels, ids, offline-ness and escaping, read with html.parser (no browser)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ortlearn.quiz.bank import DEFAULT_BANKS_DIR, load_bank
from ortlearn.quiz.grading import EPSILON, MESSAGES, PLAIN_NUMBER, SPACE, VERDICT_WORD, choice_order
from ortlearn.quiz.html_page import format_html, format_inline_html
from ortlearn.quiz.questions import Bank, Choice, Question

BANK_PATHS = sorted(DEFAULT_BANKS_DIR.glob("*.yaml"))


class Page(HTMLParser):
    """Collects elements (tag, attrs), the text of <legend>/<title>, and <script> bodies."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.legends: list[str] = []
        self.title = ""
        self._stack: list[str] = []
        self._script: dict | None = None
        self._buffer: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("legend", "title", "script"):
            self._stack.append(tag)
            self._buffer = []
            self._script = dict(attrs) if tag == "script" else None

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
            text = "".join(self._buffer)
            if tag == "legend":
                self.legends.append(text)
            elif tag == "title":
                self.title = text
            elif tag == "script":
                self.scripts.append((self._script or {}, text))

    def handle_data(self, data):
        if self._stack:
            self._buffer.append(data)

    def by_id(self) -> dict[str, tuple[str, dict]]:
        return {attrs["id"]: (tag, attrs) for tag, attrs in self.elements if attrs.get("id")}


@pytest.fixture(scope="module", params=BANK_PATHS, ids=[p.stem for p in BANK_PATHS])
def exported(request) -> tuple[Bank, str, Page]:
    bank = load_bank(request.param)
    text = format_html(bank)
    return bank, text, Page(text)


def test_is_a_complete_html5_document(exported):
    bank, text, page = exported
    assert text.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "en"}) in page.elements
    assert page.title == f"ortlearn · {bank.title}"
    assert "Self-study only: the answer key is in this page" in text


def test_every_question_has_fieldset_legend_and_stable_ids(exported):
    bank, _, page = exported
    ids = page.by_id()
    fieldsets = [attrs["id"] for tag, attrs in page.elements if tag == "fieldset"]
    assert fieldsets == [f"q-{q.id}" for q in bank.questions]
    assert len(page.legends) == len(bank.questions)
    assert ids["progress"][1].get("aria-live") == "polite"
    for question in bank.questions:
        base = f"q-{question.id}"
        assert ids[f"{base}-check"] == ("button", {"type": "button", "id": f"{base}-check", "class": "check"})
        assert ids[f"{base}-hint"][0] == "button" and ids[f"{base}-hint"][1]["type"] == "button"
        feedback = ids[f"{base}-feedback"][1]
        assert (feedback["role"], feedback["aria-live"]) == ("status", "polite")
        if question.type == "numeric":
            assert ids[f"{base}-input"][1]["type"] == "text" and ids[f"{base}-input"][1]["inputmode"] == "decimal"
        else:
            kind = "checkbox" if question.type == "multi_choice" else "radio"
            for index in range(len(question.choices)):
                assert ids[f"{base}-choice-{index}"][1]["type"] == kind


def test_every_input_has_a_label(exported):
    _, _, page = exported
    labelled = {attrs["for"] for tag, attrs in page.elements if tag == "label"}
    inputs = [attrs for tag, attrs in page.elements if tag == "input"]
    assert inputs
    assert all(attrs["id"] in labelled for attrs in inputs)


def test_no_external_resources(exported):
    _, text, page = exported
    for _, attrs in page.elements:
        for name in ("src", "href", "action", "data"):
            value = attrs.get(name) or ""
            assert not value.lower().startswith(("http:", "https:", "//")), (name, value)
    assert "<link" not in text and " src=" not in text


def test_json_data_matches_the_bank(exported):
    bank, _, page = exported
    blocks = [body for attrs, body in page.scripts if attrs.get("id") == "quiz-data"]
    assert len(blocks) == 1 and ("type", "application/json") in [("type", a.get("type")) for a, b in page.scripts if a.get("id") == "quiz-data"]
    data = json.loads(blocks[0])
    assert (data["topic"], data["title"]) == (bank.topic, bank.title)
    for question, got in zip(bank.questions, data["questions"], strict=True):
        assert (got["id"], got["type"], got["prompt"], got["code"]) == (question.id, question.type, question.prompt, question.code)
        assert [(c["text"], c["correct"], c["feedback"]) for c in got["choices"]] == [
            (c.text, c.correct, c.feedback) for c in question.choices
        ]
        assert (got["answer"], got["tolerance"]) == (question.answer, question.tolerance)
        assert (got["hint"], got["explanation"]) == (question.hint, question.explanation)


def test_prompts_with_markup_are_escaped_not_injected():
    evil = "</script><script>alert(1)</script> <b>bold</b> & `x < y`"
    bank = Bank("99_evil", "Evil <i>title</i>", (
        Question("evil-single", "single_choice", "easy", evil, code="</code></pre><script>alert(2)</script>",
                 choices=(Choice(evil, True, evil), Choice("no")), hint=evil, explanation=evil, topic="99_evil"),
        Question("evil-numeric", "numeric", "easy", "n?", answer=1, topic="99_evil"),
    ))
    text = format_html(bank)
    page = Page(text)
    assert [attrs.get("id") for attrs, _ in page.scripts] == ["quiz-data", None]  # no injected <script>
    assert not any(tag in ("b", "i") for tag, _ in page.elements)
    assert page.title == "ortlearn · Evil <i>title</i>"
    assert "<code>x &lt; y</code>" in text
    data = json.loads(page.scripts[0][1])
    assert data["questions"][0]["prompt"] == evil
    assert page.legends[0] == "Question 1 of 2."
    assert ('<div id="q-evil-single-prompt" class="prompt" dir="auto"><p>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; '
            '&lt;b&gt;bold&lt;/b&gt; &amp; <code>x &lt; y</code></p></div>') in text


def test_markdown_bold_and_tables_render_as_html_in_the_page():
    prompt = "Which is **right**?\n\n| | cat | dog |\n|---|---|---|\n| cat | 5 | 1 |\n| dog | 2 | 4 |\n"
    bank = Bank("99_md", "Markdown", (
        Question("md-single", "single_choice", "easy", prompt,
                 choices=(Choice("**yes**", True), Choice("no")), explanation="Because **bold**.", topic="99_md"),
    ))
    text = format_html(bank)
    prompt_html = text.split('id="q-md-single-prompt"', 1)[1].split("</div>", 1)[0]
    assert "<strong>right</strong>" in prompt_html and "**" not in prompt_html
    assert "<table>" in prompt_html and "<td>5</td>" in prompt_html and "|" not in prompt_html
    assert "<strong>yes</strong>" in text
    assert Page(text).legends == ["Question 1 of 1."]  # the prompt is not inside the legend  # the prompt is not inside the legend


def test_inline_code_becomes_code_elements():
    assert format_inline_html("Call `run(None, feeds)` & <go>") == "Call <code>run(None, feeds)</code> &amp; &lt;go&gt;"


def test_the_page_embeds_pythons_grading_words_and_rules():
    data = json.loads(Page(format_html(load_bank(BANK_PATHS[0]))).scripts[0][1])
    assert data["messages"] == dict(MESSAGES)
    assert (data["epsilon"], data["space"], data["number_pattern"], data["verdict_word"]) == (
        EPSILON, SPACE, PLAIN_NUMBER.pattern, VERDICT_WORD.pattern)
    script = Page(format_html(load_bank(BANK_PATHS[0]))).scripts[1][1]
    for sentence in MESSAGES.values():  # the words live in Python only
        assert sentence.split("{")[0].strip(" .:") not in script


def choice_ids(page: Page, question: Question) -> list[str]:
    prefix = f"q-{question.id}-choice-"
    return [attrs["id"] for tag, attrs in page.elements if tag == "input" and attrs.get("id", "").startswith(prefix)]


def test_by_default_the_browser_shuffles_and_the_page_is_in_bank_order(samples):
    bank = Bank("03_providers", "Providers", (samples.pinned,))
    page = Page(format_html(bank))
    assert choice_ids(page, samples.pinned) == [f"q-{samples.pinned.id}-choice-{i}" for i in range(5)]
    assert json.loads(page.scripts[0][1])["shuffle"] is True
    assert [c["pin"] for c in json.loads(page.scripts[0][1])["questions"][0]["choices"]] == [False] * 4 + [True]


@pytest.mark.parametrize("how", ["argument", "class seed"])
def test_a_seed_bakes_one_order_into_the_page(samples, class_seed, how):
    bank = Bank("03_providers", "Providers", (samples.pinned,))
    if how == "class seed":
        class_seed(5)
        text = format_html(bank)
    else:
        text = format_html(bank, seed=5)
    page = Page(text)
    order = choice_order(samples.pinned, 5)
    assert order != list(range(5))
    assert choice_ids(page, samples.pinned) == [f"q-{samples.pinned.id}-choice-{i}" for i in order]
    assert json.loads(page.scripts[0][1])["shuffle"] is False
    assert '<span class="letter">A.</span> ' + samples.pinned.choices[order[0]].text in text


def test_seed_none_keeps_the_bank_order_and_does_not_shuffle(samples):
    bank = Bank("03_providers", "Providers", (samples.pinned,))
    page = Page(format_html(bank, seed=None))
    assert choice_ids(page, samples.pinned) == [f"q-{samples.pinned.id}-choice-{i}" for i in range(5)]
    assert json.loads(page.scripts[0][1])["shuffle"] is False
