"""Take a question bank in a terminal, and show one as plain text.

``ortlearn quiz take 02_sessions`` runs :func:`take`; :func:`format_bank_text`
is the plain-text fallback where widgets cannot render. Both use the same
grading as the widgets (:mod:`ortlearn.quiz.grading`) and never print the
answer key before the learner has answered. Bank text is printed through
:func:`~ortlearn.quiz.render.format_markdown_text`, so a bank's escape sequences
cannot hide text, clear the screen or set the window title.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import builtins
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ortlearn.lessons import lesson_path
from ortlearn.quiz.grading import Grade, choice_label, choice_order, format_answer, grade, parse_number
from ortlearn.quiz.questions import CHOICE_TYPES, Bank, Question
from ortlearn.quiz.render import format_markdown_text
from ortlearn.quiz.store import ResultStore

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
    lines = [f"Question {number}/{total} · {question.difficulty}", "", question.prompt.strip()]
    if question.code.strip():
        lines.append("")
        lines.extend(f"    {line}" if line.strip() else "" for line in question.code.rstrip().splitlines())
    lines.append("")
    if question.type in CHOICE_TYPES:
        positions = list(order) if order is not None else choice_order(question, None)
        for position, index in enumerate(positions):
            first, *rest = question.choices[index].text.strip().splitlines() or [""]
            lines.append(f"  {choice_label(position)}. {first}")
            lines.extend(f"     {line}" for line in rest)
        lines.append("")
    lines.append(_INSTRUCTIONS.get(question.type, ""))
    return "\n".join(lines)


def format_bank_text(bank: Bank) -> str:
    """Return every question of a bank as plain text (the fallback where widgets cannot render).

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        bank: The bank.

    Returns:
        A title line, how to take the quiz interactively
        (``ortlearn quiz take TOPIC``), then each question; no answers.
    """
    count = len(bank.questions)
    parts = [
        f"{bank.title} ({count} question{'s' if count != 1 else ''})\n"
        f"To take this quiz interactively in a terminal, run: ortlearn quiz take {bank.topic}"
    ]
    parts.extend(format_question(q, n, count) for n, q in enumerate(bank.questions, start=1))
    return format_markdown_text("\n\n".join(parts) + "\n")


def take(
    bank: Bank,
    *,
    input: Callable[[str], str] | None = None,  # noqa: A002 - mirrors the builtin it replaces
    output: TextIO | None = None,
    store: ResultStore | None = None,
    shuffle_seed: int | None = None,
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
        shuffle_seed: Shuffles each question's choices deterministically
            (see :func:`~ortlearn.quiz.grading.choice_order`); None keeps them.

    Returns:
        How many questions were answered correctly.
    """
    out = output if output is not None else sys.stdout
    read = input if input is not None else builtins.input

    def write(text: str = "") -> None:
        print(format_markdown_text(text), file=out)  # bank text: no escape sequences reach the terminal

    total = len(bank.questions)
    write(f"{bank.title}: {total} question{'s' if total != 1 else ''}. Type {_HOW_TO}.")
    outcomes: list[tuple[Question, Grade | None]] = []  # None: skipped
    for number, question in enumerate(bank.questions, start=1):
        order = choice_order(question, shuffle_seed)
        write()
        write(format_question(question, number, total, order=order))
        started = time.monotonic()
        response = _ask(question, order, read, write)
        if response is _QUIT:
            break
        if response is _SKIP:
            write("Skipped.")
            outcomes.append((question, None))
            continue
        verdict = grade(question, response)
        outcomes.append((question, verdict))
        if store is not None:
            store.record(question, verdict, time.monotonic() - started)
        write(verdict.message)
        if not verdict.correct:
            write(f"Answer: {format_answer(question, order=order)}")
        if question.explanation.strip():
            write(question.explanation.strip())
    write()
    write(_summary(total, outcomes))
    return sum(1 for _, verdict in outcomes if verdict is not None and verdict.correct)


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
            write(f"Hint: {question.hint.strip()}" if question.hint.strip() else "No hint for this question.")
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


def _summary(total: int, outcomes: list[tuple[Question, Grade | None]]) -> str:
    """Score, how far the learner got, and what to review (lessons and misconception tags)."""
    correct = sum(1 for _, verdict in outcomes if verdict is not None and verdict.correct)
    skipped = sum(1 for _, verdict in outcomes if verdict is None)
    not_reached = total - len(outcomes)
    lines = [f"Score: {correct}/{total}"]
    if skipped or not_reached:
        lines.append(f"Answered {len(outcomes) - skipped} of {total} ({skipped} skipped, {not_reached} not reached).")
    missed = [question for question, verdict in outcomes if verdict is None or not verdict.correct]
    if not missed:
        if not not_reached:
            lines.append("Nothing to review: every answer was right.")
        return "\n".join(lines)
    lines.append("To review:")
    by_lesson: dict[str, list[str]] = {}
    for question in missed:
        by_lesson.setdefault(question.lesson, []).append(question.id)
    for lesson, ids in by_lesson.items():
        lines.append(f"  - {_lesson_where(lesson)}: {', '.join(ids)}")
    mistakes = dict.fromkeys(tag for _, verdict in outcomes if verdict is not None for tag in verdict.mistakes)
    if mistakes:
        lines.append(f"  - misconceptions: {', '.join(mistakes)}")
    return "\n".join(lines)


def _lesson_where(lesson: str) -> str:
    """``lessons/02_sessions.ipynb`` for a lesson stem; "other questions" without one."""
    if not lesson:
        return "other questions"
    try:
        return lesson_path(lesson)
    except KeyError:
        return lesson
