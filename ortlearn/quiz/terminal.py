"""Take a question bank in a terminal, and show one as plain text.

``ortlearn quiz take 02_sessions`` runs :func:`take`; :func:`format_bank_text`
is the plain-text fallback where widgets cannot render. Both use the same
grading (:mod:`ortlearn.quiz.grading`), choice order (:mod:`ortlearn.quiz.shuffle`:
shuffled per learner by default) and review (:mod:`ortlearn.quiz.summary`) as the
widgets, and never print the answer key before the learner has answered. Bank
Markdown is rendered by :func:`~ortlearn.quiz.render.format_markdown_text` (the
same parser as the widgets' HTML, as plain text), and everything printed is
stripped of control characters, so a bank's escape sequences cannot hide text,
clear the screen or set the window title.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import builtins
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ortlearn.quiz.grading import Grade, choice_label, choice_order, format_answer, grade, parse_number
from ortlearn.quiz.questions import CHOICE_TYPES, Bank, Question
from ortlearn.quiz.render import format_markdown_text, strip_control_characters
from ortlearn.quiz.shuffle import LEARNER, SeedOption, resolve_seed
from ortlearn.quiz.store import ResultStore
from ortlearn.quiz.summary import QuestionOutcome, format_summary, make_summary

__all__ = ["format_question", "format_bank_text", "take"]

_HOW_TO = "h for a hint, s to skip, q to quit"
_INSTRUCTIONS = {
    "single_choice": "(type a letter)",
    "true_false": "(type a letter)",
    "multi_choice": "(type every right letter, e.g. a, c)",
    "numeric": "(enter a number)",
}
_QUIT, _SKIP = object(), object()


def format_question(question: Question, number: int, total: int, *, order: Sequence[int] | None = None) -> str:
    """Return a question as plain text, without its answer.

    Args:
        question: The question.
        number: Its 1-based position in the quiz.
        total: How many questions the quiz has.
        order: Displayed choice order (see :func:`~ortlearn.quiz.grading.choice_order`);
            None keeps the bank's order.

    Returns:
        A header such as ``"Question 3/10 · medium"``, the prompt, the code
        indented by four spaces, the choices labelled ``A.``, ``B.``, … and a
        line saying how to answer.
    """
    lines = [f"Question {number}/{total} · {question.difficulty}", "", format_markdown_text(question.prompt)]
    if question.code.strip():
        lines.append("")
        lines.extend(f"    {line}" if line.strip() else "" for line in question.code.rstrip().splitlines())
    lines.append("")
    if question.type in CHOICE_TYPES:
        positions = list(order) if order is not None else choice_order(question, None)
        for position, index in enumerate(positions):
            text = format_markdown_text(question.choices[index].text.strip(), inline=True)
            first, *rest = text.splitlines() or [""]
            lines.append(f"  {choice_label(position)}. {first}")
            lines.extend(f"     {line}" for line in rest)
        lines.append("")
    lines.append(_INSTRUCTIONS.get(question.type, ""))
    return strip_control_characters("\n".join(lines))


def format_bank_text(bank: Bank, *, seed: SeedOption = LEARNER) -> str:
    """Return every question of a bank as plain text (the fallback where widgets cannot render).

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        bank: The bank.
        seed: The choice order, as for :func:`take`.

    Returns:
        A title line, how to take the quiz interactively
        (``ortlearn quiz take TOPIC``), then each question; no answers.
    """
    count = len(bank.questions)
    parts = [
        f"{bank.title} ({count} question{'s' if count != 1 else ''})\n"
        f"To take this quiz interactively in a terminal, run: ortlearn quiz take {bank.topic}"
    ]
    resolved = resolve_seed(seed)
    parts.extend(format_question(q, n, count, order=choice_order(q, resolved))
                 for n, q in enumerate(bank.questions, start=1))
    return strip_control_characters("\n\n".join(parts) + "\n")


def take(
    bank: Bank,
    *,
    input: Callable[[str], str] | None = None,  # noqa: A002 - mirrors the builtin it replaces
    output: TextIO | None = None,
    store: ResultStore | None = None,
    seed: SeedOption = LEARNER,
    lesson_link_base: str = "lessons/",
) -> int:
    """Ask every question of a bank in a terminal and print a summary.

    Introduced in lessons/01_onnx_format.ipynb.

    The learner types a letter (``b``), letters for multi-choice (``a, c``)
    or a number; ``h``/``hint`` shows the hint, ``s``/``skip`` skips,
    ``q``/``quit`` (or end of input, or Ctrl-C) stops early. Invalid input is
    asked again. After each answer: the verdict and feedback, the right
    answer when wrong, and the explanation.

    Args:
        bank: The bank to take.
        input: Reads one line given a prompt; None means the builtin
            ``input`` at call time (tests pass a fake).
        output: Where to write; None means ``sys.stdout`` at call time.
        store: Records each checked answer when given.
        seed: ``"learner"`` (default): choices shuffled the same way every time
            for this learner, or one order for the class when
            ``$ORTLEARN_QUIZ_SEED`` is set; an int: that order for everyone;
            None: the bank's order (see :mod:`ortlearn.quiz.shuffle`).
        lesson_link_base: Prefix of the lesson paths in the summary (relative to
            where the learner runs the command: the repository root by default).

    Returns:
        How many questions were answered correctly.
    """
    out = output if output is not None else sys.stdout
    read = input if input is not None else builtins.input

    def write(text: str = "") -> None:
        print(strip_control_characters(text), file=out)  # no escape sequence reaches the terminal

    total = len(bank.questions)
    resolved = resolve_seed(seed)
    write(f"{bank.title}: {total} question{'s' if total != 1 else ''}. Type {_HOW_TO}.")
    outcomes: list[QuestionOutcome] = []
    for number, question in enumerate(bank.questions, start=1):
        order = choice_order(question, resolved)
        write()
        write(format_question(question, number, total, order=order))
        started = time.monotonic()
        response = _ask(question, order, read, write)
        if response is _QUIT:
            break
        if response is _SKIP:
            write("Skipped.")
            outcomes.append(QuestionOutcome(question, skipped=True))
            continue
        verdict = grade(question, response)
        outcomes.append(QuestionOutcome(question, (verdict,)))
        if store is not None:
            store.record(question, verdict, time.monotonic() - started)
        write(format_markdown_text(verdict.message, inline=True))
        if not verdict.correct:
            write(format_markdown_text(f"Answer: {format_answer(question, order=order)}", inline=True))
        if question.explanation.strip():
            write(format_markdown_text(question.explanation))
    write()
    summary = make_summary(bank, outcomes)
    write(format_markdown_text(format_summary(summary, lesson_link_base=lesson_link_base, finished=True)))
    return summary.correct


def _ask(question: Question, order: list[int], read: Callable[[str], str], write: Callable[[str], None]) -> Any:
    """Read lines until one is an answer, skip or quit; return the response (original indices)."""
    while True:
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return _QUIT
        text = line.strip().lower()
        if text in ("q", "quit"):
            return _QUIT
        if text in ("s", "skip"):
            return _SKIP
        if text in ("h", "hint"):
            hint = format_markdown_text(question.hint.strip(), inline=True)
            write(f"Hint: {hint}" if hint else "No hint for this question.")
            continue
        response, problem = _parse_response(question, order, text)
        if problem:
            write(f"{problem} (or {_HOW_TO}).")
            continue
        return response


def _parse_response(question: Question, order: list[int], text: str) -> tuple[Any, str]:
    """Turn a typed line into a grading response, or return why it is not one."""
    if question.type == "numeric":
        value = parse_number(text)
        return (value, "") if value is not None else (None, "Please enter a number such as 0.85")
    letters = [choice_label(position).lower() for position in range(len(order))]
    span = f"{letters[0].upper()} to {letters[-1].upper()}"
    if question.type == "multi_choice":
        tokens = [token for token in re.split(r"[,\s]+", text) if token]
        if tokens and all(token in letters for token in tokens):
            return sorted({order[letters.index(token)] for token in tokens}), ""
        return None, f"Please type one or more letters from {span} separated by commas, e.g. a, c"
    if text in letters:
        return order[letters.index(text)], ""
    if question.type == "true_false" and text in ("true", "false"):
        return next(i for i, choice in enumerate(question.choices) if choice.text.lower() == text), ""
    return None, f"Please type one letter from {span}"
