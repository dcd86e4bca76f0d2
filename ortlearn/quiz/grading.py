"""Grade answers: pure functions shared by the widgets and the terminal quiz.

Nothing here touches widgets, files or the clock, so every rule is tested
directly. Responses use the *original* choice indices of the bank; a view that
shuffles choices maps positions back with :func:`choice_order`.

Responses by question type:

================= =========================================================
``single_choice`` one ``int`` index (0-based)
``true_false``    one ``int`` index: 0 is "True", 1 is "False"
``multi_choice``  an iterable of ``int`` indices (order and repeats ignored)
``numeric``       an ``int``/``float``, or a ``str`` holding a plain number
                  (``"0.85"``, ``" -3 "``, ``"1e-3"``; no ``%``, units,
                  ``nan`` or ``inf``)
================= =========================================================

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import numbers
import operator
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ortlearn.quiz.questions import CHOICE_TYPES, Question

__all__ = ["Grade", "grade", "format_answer", "choice_order", "choice_label", "parse_number"]

#: Slack for float rounding when comparing a numeric answer with its tolerance.
EPSILON = 1e-12
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Grade:
    """The verdict on one response.

    Attributes:
        correct: Whether the response is right.
        message: Starts with "Correct" or "Incorrect", then the feedback of the
            option(s) the learner picked.
        mistakes: Misconception tags of the wrong options picked, in choice
            order, without repeats.
    """

    correct: bool
    message: str
    mistakes: tuple[str, ...] = ()


def choice_label(position: int) -> str:
    """Return the letter shown for a displayed position: 0 → ``"A"``, 1 → ``"B"``, …"""
    return chr(ord("A") + position)


def choice_order(question: Question, seed: int | None) -> list[int]:
    """Return the order to display a question's choices in.

    Args:
        question: The question.
        seed: None keeps the bank's order; an int shuffles deterministically
            per question with ``random.Random(f"{seed}:{question.id}")``.
            ``true_false`` choices always stay "True", "False".

    Returns:
        ``order[position]`` is the original index of the choice shown at
        ``position`` (empty for ``numeric``).

    Example:
        >>> from ortlearn.quiz.questions import Choice, Question
        >>> q = Question("q", "single_choice", "easy", "?", (Choice("a", True), Choice("b")))
        >>> choice_order(q, None)
        [0, 1]
    """
    order = list(range(len(question.choices)))
    if seed is not None and question.type != "true_false":
        random.Random(f"{seed}:{question.id}").shuffle(order)
    return order


def parse_number(text: str) -> float | None:
    """Read a plain number typed by a learner, or return None.

    Surrounding whitespace is ignored; anything else than an optional sign,
    digits, one dot and an optional exponent (``%``, units, ``1,5``, ``nan``)
    gives None.

    Example:
        >>> parse_number(" 0.895 "), parse_number("89%")
        (0.895, None)
    """
    text = text.strip()
    return float(text) if _PLAIN_NUMBER.fullmatch(text) else None


def grade(question: Question, response: Any) -> Grade:
    """Grade a learner's response to a question.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        question: The question.
        response: See the module docstring for what each type takes.

    Returns:
        The :class:`Grade`. A numeric string that is not a number is graded
        incorrect with a message saying so (a learner's typo, not a bug).

    Raises:
        TypeError: The response has the wrong type for the question (e.g. a
            list for ``single_choice``); the message names the question id,
            what was expected and what arrived.
        ValueError: A choice index is out of range; the message lists the
            valid indices.

    Example:
        >>> from ortlearn.quiz.questions import Choice, Question
        >>> choices = (Choice("list", True), Choice("array", feedback="Index first."))
        >>> q = Question("q", "single_choice", "easy", "?", choices)
        >>> grade(q, 1).message
        'Incorrect. Index first.'
    """
    if question.type == "numeric":
        return _grade_numeric(question, response)
    if question.type == "multi_choice":
        return _grade_multi(question, _indices(question, response))
    if question.type in CHOICE_TYPES:
        index = _index(question, response, "one choice index (an int)")
        choice = question.choices[index]
        verdict = "Correct." if choice.correct else "Incorrect."
        mistakes = (choice.mistake,) if choice.mistake and not choice.correct else ()
        return Grade(choice.correct, _join(verdict, [choice.feedback]), mistakes)
    raise ValueError(f"Question {question.id!r} has unknown type {question.type!r}.")


def format_answer(question: Question, order: Sequence[int] | None = None) -> str:
    """Return the right answer as text, for after a check and the terminal.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        question: The question.
        order: The displayed choice order (see :func:`choice_order`) so the
            letters match what the learner saw; None means the bank's order.

    Returns:
        ``"B. `list` of numpy arrays"``; several correct options are joined
        with ``"; "``; numeric answers read ``"0.895 (±0.001)"`` (no ``±``
        part when the tolerance is 0).
    """
    if question.type == "numeric":
        value = _format_number(question.answer if question.answer is not None else float("nan"))
        return f"{value} (±{_format_number(question.tolerance)})" if question.tolerance else value
    positions = list(order) if order is not None else list(range(len(question.choices)))
    return "; ".join(
        f"{choice_label(position)}. {question.choices[index].text.strip()}"
        for position, index in enumerate(positions)
        if question.choices[index].correct
    )


# --------------------------------------------------------------------------- helpers


def _valid_indices(question: Question) -> str:
    return f"valid indices are 0..{len(question.choices) - 1}"


def _index(question: Question, value: Any, expected: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Question {question.id!r} ({question.type}) expects {expected}, got {value!r} "
            f"({type(value).__name__}); {_valid_indices(question)}."
        )
    index = operator.index(value)
    if not 0 <= index < len(question.choices):
        raise ValueError(
            f"Question {question.id!r} ({question.type}): choice index {index!r} is out of range; "
            f"{_valid_indices(question)}."
        )
    return index


def _indices(question: Question, response: Any) -> frozenset[int]:
    expected = "an iterable of choice indices (ints)"
    if isinstance(response, (str, bytes)) or not isinstance(response, Iterable):
        raise TypeError(
            f"Question {question.id!r} (multi_choice) expects {expected}, got {response!r} "
            f"({type(response).__name__}); {_valid_indices(question)}."
        )
    return frozenset(_index(question, item, expected) for item in response)


def _grade_multi(question: Question, picked: frozenset[int]) -> Grade:
    right = question.correct_indices
    feedback = [question.choices[i].feedback for i in sorted(picked)]
    mistakes = _unique(question.choices[i].mistake for i in sorted(picked - right))
    if picked == right:
        return Grade(True, _join("Correct.", feedback), ())
    found, wrong = len(picked & right), len(picked - right)
    verdict = f"Incorrect: you found {found} of {len(right)} correct option{'s' if len(right) != 1 else ''}"
    if wrong:
        verdict += f" and picked {wrong} wrong one{'s' if wrong != 1 else ''}"
    return Grade(False, _join(verdict + ".", feedback), mistakes)


def _grade_numeric(question: Question, response: Any) -> Grade:
    if isinstance(response, str):
        value = parse_number(response)
        if value is None:
            return Grade(False, f"Incorrect: {response.strip()!r} is not a number. Enter a number such as 0.85.")
    elif isinstance(response, numbers.Real) and not isinstance(response, bool):
        value = float(response)
    else:
        raise TypeError(
            f"Question {question.id!r} (numeric) expects a number (int, float or a str such as '0.85'), "
            f"got {response!r} ({type(response).__name__})."
        )
    if question.answer is None:
        raise ValueError(f"Question {question.id!r} (numeric) has no answer to grade against.")
    correct = abs(value - question.answer) <= question.tolerance + EPSILON
    return Grade(correct, "Correct." if correct else "Incorrect.")


def _join(verdict: str, feedback: Iterable[str]) -> str:
    parts = [verdict] + [text.strip() for text in feedback if text and text.strip()]
    return " ".join(parts)


def _unique(tags: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def _format_number(value: float) -> str:
    """``3.0`` → ``"3"``, ``0.895`` → ``"0.895"`` (shortest text that reads back the same)."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
