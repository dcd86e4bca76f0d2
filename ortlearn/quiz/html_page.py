"""Export a question bank as one self-contained, offline HTML page for self-study.

:func:`format_html` returns a complete HTML5 document with inline CSS and
inline JavaScript only (no network, works from ``file://``);
``ortlearn quiz export --format html`` writes ``<topic>.html``.

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

import html
import json
import re

from ortlearn.quiz.grading import choice_label
from ortlearn.quiz.questions import Bank, Question

__all__ = ["format_html", "format_inline_html", "format_quiz_data"]

_INLINE_CODE = re.compile(r"`([^`\n]+)`")


def format_inline_html(text: str) -> str:
    """Escape Markdown-ish text for HTML and turn ```code``` spans into ``<code>``.

    Example:
        >>> format_inline_html("Use `a<b` & <i>")
        'Use <code>a&lt;b</code> &amp; &lt;i&gt;'
    """
    return _INLINE_CODE.sub(r"<code>\1</code>", html.escape(text.strip(), quote=True))


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
                "explanation_html": format_inline_html(question.explanation),
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
    return _PAGE.format(
        title=title,
        topic=html.escape(bank.topic),
        total=total,
        questions=body,
        data=data,
        css=_CSS,
        js=_JS,
    )


def _format_question(question: Question, number: int, total: int) -> str:
    qid = f"q-{question.id}"
    parts = [
        f'<fieldset id="{qid}" class="question" data-type="{question.type}">',
        f'<legend><span class="qnum">Question {number} of {total}.</span> {format_inline_html(question.prompt)}</legend>',
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
                f' <label for="{cid}"><span class="letter">{choice_label(index)}.</span> '
                f"{format_inline_html(choice.text)}</label></div>"
            )
        parts.append("</div>")
    hint = format_inline_html(question.hint) if question.hint.strip() else "No hint for this question."
    parts.extend(
        [
            '<div class="actions">',
            f'<button type="button" id="{qid}-check" class="check">Check</button>',
            f'<button type="button" id="{qid}-hint" class="hint-button" aria-expanded="false" '
            f'aria-controls="{qid}-hint-text">Hint</button>',
            "</div>",
            f'<p id="{qid}-hint-text" class="hint" hidden>{hint}</p>',
            f'<div id="{qid}-feedback" class="feedback" role="status" aria-live="polite"></div>',
            "</fieldset>",
        ]
    )
    return "\n".join(parts)


_PAGE = """<!DOCTYPE html>
<!-- Exported by `ortlearn quiz export --format html` from the {topic} question bank.
     Self-study only: the answer key is in this page (see the quiz-data block) because it checks answers
     offline in the browser. The Jupyter quiz (ol.quiz.show) keeps the answers in the kernel. -->
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ortlearn · {title}</title>
<style>
{css}
</style>
</head>
<body>
<main>
<h1>ortlearn · {title}</h1>
<p class="note">Self-study page: answers are checked in your browser and nothing is saved or sent anywhere.</p>
<p id="progress" class="progress" aria-live="polite">answered 0/{total} · correct 0</p>
{questions}
</main>
<script type="application/json" id="quiz-data">{data}</script>
<script>
{js}
</script>
</body>
</html>
"""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5; margin: 0; color: #1b1b1b; background: #fff; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
.note { color: #444; font-size: 0.95rem; }
.progress { font-weight: 600; }
fieldset.question { border: 1px solid #bbb; border-radius: 6px; margin: 1.5rem 0; padding: 0.75rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 0.4rem; }
.qnum { color: #555; font-weight: 400; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f2f2f2; padding: 0 0.2em; border-radius: 3px; }
pre.code { background: #f6f8fa; border: 1px solid #ddd; border-radius: 4px; padding: 0.6rem; overflow-x: auto; }
pre.code code { background: none; padding: 0; }
.choice { margin: 0.35rem 0; }
.choice input, .numeric input { margin-right: 0.4rem; }
.numeric input { font: inherit; padding: 0.2rem 0.4rem; }
.actions { margin-top: 0.75rem; }
button { font: inherit; padding: 0.3rem 0.9rem; margin-right: 0.5rem; border: 1px solid #1a5fb4; border-radius: 4px; background: #fff; color: #1a5fb4; cursor: pointer; }
button.check { background: #1a5fb4; color: #fff; }
:focus-visible, input:focus, button:focus { outline: 3px solid #e66100; outline-offset: 2px; }
.hint { background: #fff8e1; border-left: 4px solid #e5a50a; padding: 0.4rem 0.6rem; }
.feedback:empty { display: none; }
.feedback { margin-top: 0.75rem; padding: 0.4rem 0.6rem; border-left: 4px solid #777; }
.feedback.correct { border-color: #26a269; background: #eefaf2; }
.feedback.incorrect { border-color: #c01c28; background: #fdeeee; }
.explanation { margin: 0.4rem 0 0; }
@media (prefers-color-scheme: dark) {
  body { background: #1e1e1e; color: #eee; } code, pre.code { background: #2b2b2b; border-color: #444; }
  .note, .qnum { color: #bbb; } button { background: #1e1e1e; color: #8cb4ff; border-color: #8cb4ff; }
  button.check { background: #1a5fb4; color: #fff; } .hint { background: #3a3220; }
  .feedback.correct { background: #17321f; } .feedback.incorrect { background: #3b1a1c; }
}
"""

# Mirrors ortlearn.quiz.grading.grade: same verdicts, same messages.
_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("quiz-data").textContent);
  var EPSILON = 1e-12;
  var PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
  var state = {};

  function join(verdict, feedback) {
    var parts = [verdict];
    feedback.forEach(function (text) { if (text && text.trim()) { parts.push(text.trim()); } });
    return parts.join(" ");
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function grade(q, response) {
    if (q.type === "numeric") {
      var text = String(response).trim();
      if (!PLAIN_NUMBER.test(text)) {
        return { correct: false, message: "Incorrect: '" + text + "' is not a number. Enter a number such as 0.85." };
      }
      var ok = Math.abs(parseFloat(text) - q.answer) <= q.tolerance + EPSILON;
      return { correct: ok, message: ok ? "Correct." : "Incorrect." };
    }
    if (q.type === "multi_choice") {
      var picked = response.slice().sort(function (a, b) { return a - b; });
      var right = [];
      q.choices.forEach(function (c, i) { if (c.correct) { right.push(i); } });
      var found = picked.filter(function (i) { return q.choices[i].correct; }).length;
      var wrong = picked.length - found;
      var feedback = picked.map(function (i) { return q.choices[i].feedback; });
      if (wrong === 0 && found === right.length) { return { correct: true, message: join("Correct.", feedback) }; }
      var verdict = "Incorrect: you found " + found + " of " + plural(right.length, "correct option", "correct options");
      if (wrong) { verdict += " and picked " + plural(wrong, "wrong one", "wrong ones"); }
      return { correct: false, message: join(verdict + ".", feedback) };
    }
    var choice = q.choices[response];
    return { correct: choice.correct, message: join(choice.correct ? "Correct." : "Incorrect.", [choice.feedback]) };
  }

  function updateProgress() {
    var answered = 0, correct = 0;
    data.questions.forEach(function (q) {
      if (state[q.id]) { answered += 1; if (state[q.id].correct) { correct += 1; } }
    });
    document.getElementById("progress").textContent =
      "answered " + answered + "/" + data.questions.length + " \u00b7 correct " + correct;
  }

  function check(q) {
    var base = "q-" + q.id;
    var feedback = document.getElementById(base + "-feedback");
    var response;
    if (q.type === "numeric") {
      response = document.getElementById(base + "-input").value;
      if (!response.trim()) { feedback.className = "feedback"; feedback.textContent = "Type a number first."; return; }
    } else if (q.type === "multi_choice") {
      response = [];
      q.choices.forEach(function (c, i) { if (document.getElementById(base + "-choice-" + i).checked) { response.push(i); } });
    } else {
      response = null;
      q.choices.forEach(function (c, i) { if (document.getElementById(base + "-choice-" + i).checked) { response = i; } });
      if (response === null) { feedback.className = "feedback"; feedback.textContent = "Choose an answer first."; return; }
    }
    var result = grade(q, response);
    state[q.id] = { correct: result.correct };
    feedback.className = "feedback " + (result.correct ? "correct" : "incorrect");
    feedback.textContent = result.message;
    if (q.explanation && q.explanation.trim()) {
      var explanation = document.createElement("p");
      explanation.className = "explanation";
      explanation.id = base + "-explanation";
      explanation.innerHTML = "<strong>Explanation:</strong> " + q.explanation_html;  // escaped by ortlearn
      feedback.appendChild(explanation);
    }
    updateProgress();
  }

  data.questions.forEach(function (q) {
    var base = "q-" + q.id;
    document.getElementById(base + "-check").addEventListener("click", function () { check(q); });
    var hintButton = document.getElementById(base + "-hint");
    hintButton.addEventListener("click", function () {
      var hint = document.getElementById(base + "-hint-text");
      hint.hidden = !hint.hidden;
      hintButton.setAttribute("aria-expanded", hint.hidden ? "false" : "true");
    });
    var input = document.getElementById(base + "-input");
    if (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); check(q); }
      });
    }
  });
  updateProgress();
})();
"""
