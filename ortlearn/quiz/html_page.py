"""Export a question bank as one self-contained, offline HTML page for self-study.

:func:`format_html` returns a complete HTML5 document with inline CSS and
inline JavaScript only (no network, works from ``file://``);
``ortlearn quiz export --format html`` writes ``<topic>.html``. The page's
template, stylesheet and script are package files in ``ortlearn/quiz/page/``.

**Bank text is data.** Every prompt, choice, hint and explanation is rendered
by :func:`ortlearn.quiz.render.format_markdown_html` (Markdown with raw HTML
off, then sanitized), and the page carries a Content-Security-Policy that
allows its own script (by hash) and inline styles and nothing else: no other
script, no request, no frame.

**The answer key is in the page.** An offline page can only check answers in
the browser, so the bank's answers travel in a JSON block
(``<script type="application/json" id="quiz-data">``). Use these pages for
self-study, never for graded tests; the Jupyter quiz (``ol.quiz.show``) keeps
the answers in the kernel.

The page mirrors :mod:`ortlearn.quiz.grading` (same verdicts and messages)
and the widgets' layout. Stable element ids, for tests and styling:

========================== ==================================================
``q-<id>``                 the question's ``<fieldset>``
``q-<id>-choice-<i>``      choice ``i`` (bank order) radio or checkbox
``q-<id>-input``           the text box of a numeric question
``q-<id>-check``           the Check button
``q-<id>-hint``            the Hint button (reveals ``q-<id>-hint-text``)
``q-<id>-feedback``        verdict ("Correct…"/"Incorrect…") and explanation
``q-<id>-explanation``     the explanation, inside the feedback, once answered
``progress``               "answered 3/10 · correct 2"
========================== ==================================================

Introduced in quizzes/README.md ("For teachers").
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from functools import lru_cache
from importlib import resources

from ortlearn.quiz.grading import choice_label
from ortlearn.quiz.questions import Bank, Question
from ortlearn.quiz.render import format_markdown_html

__all__ = ["format_html", "format_inline_html", "format_quiz_data"]


def format_inline_html(text: str) -> str:
    """Render one line of bank Markdown as sanitized inline HTML (``code``, bold, links).

    Example:
        >>> format_inline_html("Use `a<b` & <i>")
        'Use <code>a&lt;b</code> &amp; &lt;i&gt;'
    """
    return format_markdown_html(text.strip(), inline=True)


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    """A file of ``ortlearn/quiz/page/`` (the page template, its CSS or its script)."""
    return resources.files("ortlearn.quiz").joinpath("page", name).read_text(encoding="utf-8")


def format_quiz_data(bank: Bank) -> dict:
    """Return what the page's script needs (the answer key included), as JSON-ready data."""
    questions = []
    for question in bank.questions:
        questions.append(
            {
                "id": question.id,
                "type": question.type,
                "prompt": question.prompt,
                "code": question.code,
                "choices": [
                    {"text": c.text, "correct": c.correct, "feedback": c.feedback} for c in question.choices
                ],
                "answer": question.answer,
                "tolerance": question.tolerance,
                "hint": question.hint,
                "explanation": question.explanation,
                "explanation_html": format_markdown_html(question.explanation),
            }
        )
    return {"topic": bank.topic, "title": bank.title, "questions": questions}


def format_html(bank: Bank) -> str:
    """Return one bank as a self-contained HTML5 page (inline CSS and JS, no external resources).

    Introduced in quizzes/README.md ("For teachers").

    Args:
        bank: The bank to export.

    Returns:
        The document, starting with ``<!DOCTYPE html>``. Its answer key is in
        the page: it is meant for self-study.

    Example:
        >>> page = format_html(load_bank("02_sessions"))  # doctest: +SKIP
        >>> page.startswith("<!DOCTYPE html>")  # doctest: +SKIP
        True
    """
    title = html.escape(bank.title.strip())
    total = len(bank.questions)
    body = "\n".join(_format_question(q, number, total) for number, q in enumerate(bank.questions, start=1))
    data = json.dumps(format_quiz_data(bank), ensure_ascii=False, indent=None)
    # Inside <script> only "</script" or "<!--" could end the block early; escape <, > and &.
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = _asset("quiz.js")
    digest = base64.b64encode(hashlib.sha256(f"\n{script}".encode()).digest()).decode()
    return _asset("page.html").format(
        title=title,
        topic=html.escape(bank.topic),
        total=total,
        questions=body,
        data=data,
        css=_asset("quiz.css"),
        js=script,
        script_hash=f"sha256-{digest}",
    )


def _format_question(question: Question, number: int, total: int) -> str:
    qid = f"q-{question.id}"
    parts = [
        f'<fieldset id="{qid}" class="question" data-type="{question.type}" aria-describedby="{qid}-prompt">',
        f'<legend><span class="qnum">Question {number} of {total}.</span></legend>',
        f'<div id="{qid}-prompt" class="prompt" dir="auto">{format_markdown_html(question.prompt)}</div>',
    ]
    if question.code.strip():
        parts.append(f'<pre class="code"><code>{html.escape(question.code.rstrip())}</code></pre>')
    if question.type == "numeric":
        parts.append(
            '<div class="numeric">'
            f'<label for="{qid}-input">Your answer (a number)</label> '
            f'<input type="text" inputmode="decimal" autocomplete="off" id="{qid}-input" name="{qid}">'
            "</div>"
        )
    else:
        kind = "checkbox" if question.type == "multi_choice" else "radio"
        if kind == "checkbox":
            parts.append('<p class="instructions">Select all that apply.</p>')
        parts.append('<div class="choices">')
        for index, choice in enumerate(question.choices):
            cid = f"{qid}-choice-{index}"
            parts.append(
                f'<div class="choice"><input type="{kind}" id="{cid}" name="{qid}" value="{index}">'
                f' <label for="{cid}" dir="auto"><span class="letter">{choice_label(index)}.</span> '
                f"{format_inline_html(choice.text)}</label></div>"
            )
        parts.append("</div>")
    hint = format_markdown_html(question.hint) if question.hint.strip() else "<p>No hint for this question.</p>"
    parts.extend(
        [
            '<div class="actions">',
            f'<button type="button" id="{qid}-check" class="check">Check</button>',
            f'<button type="button" id="{qid}-hint" class="hint-button" aria-expanded="false" '
            f'aria-controls="{qid}-hint-text">Hint</button>',
            "</div>",
            f'<div id="{qid}-hint-text" class="hint" dir="auto" hidden>{hint}</div>',
            f'<div id="{qid}-feedback" class="feedback" role="status" aria-live="polite"></div>',
            "</fieldset>",
        ]
    )
    return "\n".join(parts)
