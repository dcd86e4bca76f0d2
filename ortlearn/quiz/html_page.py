"""Export a question bank as one self-contained, offline HTML page for self-study.

:func:`format_html` returns a complete HTML5 document with inline CSS and
inline JavaScript only (no network, works from ``file://``);
``ortlearn quiz export --format html`` writes ``<topic>.html``. The page's
templates (``page.html``, ``question.html``: Jinja2 through :mod:`ortlearn._html`, every value escaped), stylesheet and
script are package files in ``ortlearn/quiz/page/``.

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

**One grader.** The page grades in the browser with a script that mirrors
:mod:`ortlearn.quiz.grading`; the words come from Python
(:data:`ortlearn.quiz.grading.MESSAGES`, in the JSON block), and
``window.ortlearnQuiz.grade(questionId, response)`` exposes the script's
grader so ``tests/test_browser.py`` can prove it agrees with Python on every
question of every bank and every answer.

**Shuffled choices.** With ``seed="learner"`` (the default) the page shuffles
each question's choices in the browser, with a seed kept in the browser's
``localStorage``, so a reload shows the same order (unless ``$ORTLEARN_QUIZ_SEED``
is set: then that class seed's order is baked in, as with an int ``seed``).
``seed=None`` keeps the bank's order. True/false and pinned choices stay in place.

Stable element ids, for tests and styling:

========================== ==================================================
``q-<id>``                 the question's ``<fieldset>``
``q-<id>-choice-<i>``      the radio or checkbox of choice ``i`` (bank order,
                           wherever it is displayed)
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
import json
import os
from functools import lru_cache
from importlib import resources

from collections.abc import Sequence
from typing import Any

from ortlearn._html import safe, template
from ortlearn.quiz.grading import EPSILON, MESSAGES, PLAIN_NUMBER, SPACE, VERDICT_WORD, choice_label, choice_order
from ortlearn.quiz.questions import Bank, Question
from ortlearn.quiz.render import format_markdown_html
from ortlearn.quiz.shuffle import LEARNER, SEED_ENV_VAR, SeedOption, resolve_seed

__all__ = ["format_html", "format_inline_html", "make_quiz_data"]


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


def make_quiz_data(bank: Bank, *, shuffle: bool = False) -> dict[str, Any]:
    """Return what the page's script needs (the answer key and the grading words included), as JSON-ready data.

    Args:
        bank: The bank.
        shuffle: Whether the script shuffles the choices in the browser.
    """
    questions = []
    for question in bank.questions:
        questions.append(
            {
                "id": question.id,
                "type": question.type,
                "prompt": question.prompt,
                "code": question.code,
                "choices": [
                    {"text": c.text, "correct": c.correct, "feedback": c.feedback, "pin": c.pin}
                    for c in question.choices
                ],
                "answer": question.answer,
                "tolerance": question.tolerance,
                "hint": question.hint,
                "explanation": question.explanation,
                "explanation_html": format_markdown_html(question.explanation),
            }
        )
    return {"topic": bank.topic, "title": bank.title, "questions": questions, "shuffle": shuffle,
            "messages": dict(MESSAGES), "epsilon": EPSILON, "space": SPACE, "number_pattern": PLAIN_NUMBER.pattern,
            "verdict_word": VERDICT_WORD.pattern}


def format_html(bank: Bank, *, seed: SeedOption = LEARNER) -> str:
    """Return one bank as a self-contained HTML5 page (inline CSS and JS, no external resources).

    Introduced in quizzes/README.md ("For teachers").

    Args:
        bank: The bank to export.
        seed: ``"learner"`` (default): shuffled per browser (or the class seed's order
            when ``$ORTLEARN_QUIZ_SEED`` is set); an int: that order, baked into the
            page; None: the bank's order.

    Returns:
        The document, starting with ``<!DOCTYPE html>``. Its answer key is in
        the page: it is meant for self-study.

    Example:
        >>> page = format_html(load_bank("02_sessions"))  # doctest: +SKIP
        >>> page.startswith("<!DOCTYPE html>")  # doctest: +SKIP
        True
    """
    total = len(bank.questions)
    in_browser = seed == LEARNER and not os.environ.get(SEED_ENV_VAR, "").strip()
    fixed = None if in_browser else resolve_seed(seed)
    body = "\n".join(_format_question(q, number, total, choice_order(q, fixed))
                     for number, q in enumerate(bank.questions, start=1))
    data = json.dumps(make_quiz_data(bank, shuffle=in_browser), ensure_ascii=False, indent=None)
    # Inside <script> only "</script" or "<!--" could end the block early; escape <, > and &.
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = _asset("quiz.js")
    digest = base64.b64encode(hashlib.sha256(f"\n{script}".encode()).digest()).decode()
    return template("ortlearn.quiz", "page", "page.html").render(
        title=bank.title.strip(),
        topic=bank.topic,
        total=total,
        questions=safe(body),
        data=safe(data),
        css=safe(_asset("quiz.css")),
        js=safe(script),
        script_hash=f"sha256-{digest}",
    ) + "\n"  # a file ends with a line break; Jinja2 drops the template's last one


def _format_question(question: Question, number: int, total: int, order: Sequence[int]) -> str:
    kind = "checkbox" if question.type == "multi_choice" else "radio"
    hint = format_markdown_html(question.hint) if question.hint.strip() else ""
    choices = [{"index": index, "letter": choice_label(position),
                "text_html": safe(format_inline_html(question.choices[index].text))}
               for position, index in enumerate(order)]
    return template("ortlearn.quiz", "page", "question.html").render(
        qid=f"q-{question.id}", type=question.type, number=number, total=total, kind=kind,
        prompt_html=safe(format_markdown_html(question.prompt)), code=question.code.rstrip(),
        choices=choices, hint_html=safe(hint),
    )
