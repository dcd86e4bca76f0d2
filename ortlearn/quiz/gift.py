"""Export question banks to Moodle's GIFT text format.

GIFT is the plain-text import format of Moodle (and of several other LMSs).
:func:`format_gift` writes one bank; ``ortlearn quiz export --format gift``
writes ``<topic>.gift.txt`` files. How our schema maps onto GIFT:

- one ``$CATEGORY: ortlearn/<topic>`` line per bank;
- each question is titled ``::<id>::`` and its text is ``[markdown]``: the
  prompt, then the ``code:`` as a fenced Markdown block;
- ``single_choice`` and ``true_false``: ``=right#feedback`` / ``~wrong#feedback``
  (``true_false`` uses this choice form so each answer keeps its feedback);
- ``multi_choice``: ``~%W%right`` with ``W = 100/n`` for the ``n`` correct
  options (Moodle's grade list: 50, 33.33333, 25, …) and ``~%-100%wrong``, so
  ticking every box earns nothing, as in :func:`ortlearn.quiz.grading.grade`;
- ``numeric``: ``{#answer:tolerance}``;
- the explanation is the general feedback ``####…``; hints, difficulty,
  ``verify:`` and misconception tags have no GIFT field and stay behind
  (difficulty and lesson are written in a ``//`` comment line).

All text is escaped: ``\\ ~ = # { } :`` get a backslash, and line breaks are
written as GIFT's ``\\n`` escape, so no question ever holds a blank line (blank
lines separate GIFT questions). Bank text is data, not markup: an answer that
starts with ``%`` would be read as a Moodle grade weight (``~%50%…`` earns half
marks), so that ``%`` is written as ``&#37;``; and a ``<`` outside Markdown code
is written as ``&lt;``, so raw HTML in a bank reaches Moodle as text.

Introduced in quizzes/README.md ("For teachers").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ortlearn.quiz.questions import Bank, Question

__all__ = [
    "GIFT_SPECIAL", "escape_gift", "format_gift", "format_gift_banks", "format_gift_prompt", "format_weight",
    "neutralize_markup",
]

#: Characters GIFT gives a meaning to; a backslash makes them literal.
GIFT_SPECIAL = "~=#{}:"


def escape_gift(text: str) -> str:
    """Escape text for any GIFT field: backslash, ``~ = # { } :`` and line breaks.

    Example:
        >>> escape_gift("a{b}=c\\nd")
        'a\\\\{b\\\\}\\\\=c\\\\nd'
    """
    out: list[str] = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        if char == "\\":
            out.append("\\\\")
        elif char in GIFT_SPECIAL:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


_CODE = re.compile(r"(`{3,}.*?`{3,}|`[^`]*`)", re.DOTALL)


def neutralize_markup(text: str, *, answer: bool = False) -> str:
    """Bank Markdown as GIFT text content: ``<`` outside code becomes ``&lt;``; an answer's leading ``%`` becomes ``&#37;``.

    Example:
        >>> neutralize_markup("%50% <b>x</b> `a<b`", answer=True)
        '&#37;50% &lt;b>x&lt;/b> `a<b`'
    """
    parts = _CODE.split(text)
    text = "".join(part if i % 2 else part.replace("<", "&lt;") for i, part in enumerate(parts))
    return "&#37;" + text[1:] if answer and text.startswith("%") else text


def format_gift_prompt(question: Question) -> str:
    """Return the question text (Markdown, unescaped): the prompt, then its code as a fenced block."""
    prompt = neutralize_markup(question.prompt.strip())
    code = question.code.rstrip("\n")
    if not code.strip():
        return prompt
    fence = "```"
    while fence in code:
        fence += "`"
    return f"{prompt}\n\n{fence}python\n{code}\n{fence}"


def format_weight(percent: float) -> str:
    """Return a GIFT weight such as ``50``, ``33.33333`` or ``-100`` (at most 5 decimals, Moodle's grade list)."""
    text = f"{percent:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_gift(bank: Bank) -> str:
    """Return one bank as GIFT text: a ``$CATEGORY`` line, then every question.

    Introduced in quizzes/README.md ("For teachers").

    Args:
        bank: The bank to export.

    Returns:
        GIFT text ending with a newline; questions are separated by a blank line.

    Raises:
        ValueError: A question has a type GIFT export does not know (a bug).

    Example:
        >>> print(format_gift(load_bank("02_sessions")))  # doctest: +SKIP
        $CATEGORY: ortlearn/02_sessions
        ...
    """
    title = " ".join(bank.title.split())  # one comment line, whatever line breaks the title holds
    blocks = [f"// ortlearn · {title}\n$CATEGORY: ortlearn/{escape_gift(bank.topic)}"]
    blocks.extend(_format_question(question) for question in bank.questions)
    return "\n\n".join(blocks) + "\n"


def format_gift_banks(banks: Iterable[Bank]) -> str:
    """Return several banks as one GIFT file (one ``$CATEGORY`` per bank)."""
    return "\n".join(format_gift(bank) for bank in banks)


def _format_question(question: Question) -> str:
    lines = [
        f"// {question.type}, {question.difficulty}" + (f", lesson {question.lesson}" if question.lesson else ""),
        f"::{escape_gift(question.id)}::[markdown]{escape_gift(format_gift_prompt(question))} {{",
    ]
    if question.type == "numeric":
        answer = question.answer if question.answer is not None else 0.0
        lines.append(f"#{_number(answer)}:{_number(question.tolerance)}")
    elif question.type in ("single_choice", "true_false"):
        for choice in question.choices:
            lines.append(("=" if choice.correct else "~") + _answer(choice.text) + _feedback(choice.feedback))
    elif question.type == "multi_choice":
        right = format_weight(100.0 / len(question.correct_indices))
        for choice in question.choices:
            weight = right if choice.correct else "-100"
            lines.append(f"~%{weight}%" + _answer(choice.text) + _feedback(choice.feedback))
    else:
        raise ValueError(
            f"Question {question.id!r} has type {question.type!r}; GIFT export knows "
            "single_choice, multi_choice, true_false and numeric."
        )
    if question.explanation.strip():
        lines.append("####" + escape_gift(neutralize_markup(question.explanation.strip())))
    lines.append("}")
    return "\n".join(lines)


def _answer(text: str) -> str:
    return escape_gift(neutralize_markup(text.strip(), answer=True))


def _feedback(text: str) -> str:
    return f"#{escape_gift(neutralize_markup(text.strip()))}" if text.strip() else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
