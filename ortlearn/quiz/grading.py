"""Grade answers: pure functions shared by the widgets and the terminal quiz.

Nothing here touches widgets, files or the clock, so every rule is tested
directly. Responses use the *original* choice indices of the bank; a view that
shuffles choices maps positions back with :func:`choice_order`. So shuffling never
changes a grade or what is saved.

Every front end asks :func:`missing_answer` first (nothing chosen is not a wrong
answer: the learner is asked to answer), then :func:`grade`. Their words live in
:data:`MESSAGES`, which the exported HTML page also reads (its in-browser grader
mirrors this module and a real-browser test proves they agree on every bank).

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
from collections.abc import Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ortlearn.quiz.questions import CHOICE_TYPES, Question

__all__ = [
    "EPSILON",
    "MESSAGES",
    "PLAIN_NUMBER",
    "SPACE",
    "VERDICT_WORD",
    "Grade",
    "choice_label",
    "choice_order",
    "format_answer",
    "grade",
    "missing_answer",
    "parse_number",
]

#: Slack for float rounding when comparing a numeric answer with its tolerance.
EPSILON = 1e-12
#: What a typed number may look like: ASCII digits only (``\d`` would take other scripts'
#: digits, which the browser's grader does not).
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
#: What "surrounding whitespace" means, here and in the page's script (``str.strip()`` and
#: JavaScript's ``trim()`` disagree on a few exotic characters).
SPACE = " \t\n\r\x0b\x0c"
#: Every sentence a grade or a front end's "answer first" prompt is made of; ``{name}`` is filled in.
#: The exported HTML page embeds this mapping, so there is one source for the words.
MESSAGES: Mapping[str, str] = MappingProxyType({
    "correct": "Correct.",
    "incorrect": "Incorrect.",
    "found_one": "Incorrect: you found {found} of {right} correct option",
    "found_many": "Incorrect: you found {found} of {right} correct options",
    "wrong_one": " and picked {wrong} wrong one",
    "wrong_many": " and picked {wrong} wrong ones",
    "not_a_number": "Incorrect: \"{text}\" is not a number. Enter a number such as 0.85.",
    "choose_one": "Choose an answer first.",
    "choose_some": "Choose at least one answer first.",
    "type_number": "Type a number first.",
})  # fmt: skip
# Feedback that repeats the verdict ("Correct. `MatMul` reads x") loses the repeated word.
VERDICT_WORD = re.compile(r"(Correct|Incorrect)[.:,;!]?(?:[ \t\n]+|$)")


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


def choice_order(question: Question, seed: int | str | None) -> list[int]:
    """Return the order to display a question's choices in.

    Args:
        question: The question.
        seed: None keeps the bank's order; an int (a class seed) or a str (a
            learner id, see :func:`ortlearn.quiz.shuffle.resolve_seed`) shuffles
            deterministically per question with ``random.Random(f"{seed}:{question.id}")``.
            ``true_false`` choices always stay "True", "False", and a choice
            marked ``pin: true`` keeps its position (e.g. "None of these" last).

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
    if seed is None or question.type == "true_false":
        return order
    free = [index for index, choice in enumerate(question.choices) if not choice.pin]
    shuffled = list(free)
    random.Random(f"{seed}:{question.id}").shuffle(shuffled)
    for position, index in zip(free, shuffled):
        order[position] = index
    return order


def parse_number(text: str) -> float | None:
    """Read a plain number typed by a learner, or return None.

    Surrounding whitespace (:data:`SPACE`) is ignored; anything else than an
    optional sign, ASCII digits, one dot and an optional exponent (``%``,
    units, ``1,5``, ``nan``) gives None.

    Example:
        >>> parse_number(" 0.895 "), parse_number("89%")
        (0.895, None)
    """
    text = text.strip(SPACE)
    return float(text) if PLAIN_NUMBER.fullmatch(text) else None


def missing_answer(question: Question, response: Any) -> str | None:
    """Return what to ask when a response holds no answer yet, or None when there is one to grade.

    Nothing chosen is not a wrong answer: front ends show this message, record
    nothing and let the learner answer.

    Args:
        question: The question.
        response: As for :func:`grade`; None, an empty collection of indices
            (``multi_choice``) or blank text (``numeric``) hold no answer.

    Returns:
        ``"Choose an answer first."`` (single choice, true/false), ``"Choose at
        least one answer first."`` (multi-choice), ``"Type a number first."``
        (numeric), or None.

    Example:
        >>> from ortlearn.quiz.questions import Choice, Question
        >>> q = Question("q", "multi_choice", "easy", "?", (Choice("a", True), Choice("b")))
        >>> missing_answer(q, []), missing_answer(q, [1])
        ('Choose at least one answer first.', None)
    """
    if question.type == "numeric":
        empty = response is None or (isinstance(response, str) and not response.strip(SPACE))
        return MESSAGES["type_number"] if empty else None
    if question.type == "multi_choice":
        if response is None:
            return MESSAGES["choose_some"]
        if isinstance(response, Sized) and not isinstance(response, (str, bytes)) and len(response) == 0:
            return MESSAGES["choose_some"]
        return None
    return MESSAGES["choose_one"] if response is None else None


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
        ValueError: A choice index is out of range (the message lists the
            valid indices), or the response holds no answer (an empty
            multi-choice, blank text): ask :func:`missing_answer` first.

    Example:
        >>> from ortlearn.quiz.questions import Choice, Question
        >>> choices = (Choice("list", True), Choice("array", feedback="Index first."))
        >>> q = Question("q", "single_choice", "easy", "?", choices)
        >>> grade(q, 1).message
        'Incorrect. Index first.'
    """
    if question.type not in CHOICE_TYPES and question.type != "numeric":
        raise ValueError(f"Question {question.id!r} has unknown type {question.type!r}.")
    if response is not None and missing_answer(question, response) is not None:
        raise _nothing_to_grade(question, response)
    if question.type == "numeric":
        return _grade_numeric(question, response)
    if question.type == "multi_choice":
        picked = _indices(question, response)
        if not picked:  # an empty iterator
            raise _nothing_to_grade(question, response)
        return _grade_multi(question, picked)
    index = _index(question, response, "one choice index (an int)")
    choice = question.choices[index]
    verdict = MESSAGES["correct"] if choice.correct else MESSAGES["incorrect"]
    mistakes = (choice.mistake,) if choice.mistake and not choice.correct else ()
    return Grade(choice.correct, _join(verdict, [choice.feedback]), mistakes)


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


def _nothing_to_grade(question: Question, response: Any) -> ValueError:
    return ValueError(
        f"Question {question.id!r} ({question.type}): the response {response!r} holds no answer, so there is "
        "nothing to grade; show missing_answer(question, response) to the learner instead."
    )


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
        return Grade(True, _join(MESSAGES["correct"], feedback), ())
    found, wrong = len(picked & right), len(picked - right)
    verdict = MESSAGES["found_one" if len(right) == 1 else "found_many"].format(found=found, right=len(right))
    if wrong:
        verdict += MESSAGES["wrong_one" if wrong == 1 else "wrong_many"].format(wrong=wrong)
    return Grade(False, _join(verdict + ".", feedback), mistakes)


def _grade_numeric(question: Question, response: Any) -> Grade:
    if isinstance(response, str):
        value = parse_number(response)
        if value is None:
            return Grade(False, MESSAGES["not_a_number"].format(text=response.strip(SPACE)))
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
    return Grade(correct, MESSAGES["correct"] if correct else MESSAGES["incorrect"])


def _join(verdict: str, feedback: Iterable[str]) -> str:
    """The verdict, then each feedback text; a feedback that opens with the verdict's own word
    ("Correct." after "Correct.") loses that word, so the message never says it twice."""
    word = verdict.split(":")[0].rstrip(".")
    parts = [verdict]
    for text in feedback:
        text = (text or "").strip(SPACE)
        repeated = VERDICT_WORD.match(text)
        if repeated and repeated.group(1) == word:
            text = text[repeated.end():]
            text = text[:1].upper() + text[1:]
        if text:
            parts.append(text)
    return " ".join(parts)


def _unique(tags: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def _format_number(value: float) -> str:
    """``3.0`` → ``"3"``, ``0.895`` → ``"0.895"`` (shortest text that reads back the same)."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
