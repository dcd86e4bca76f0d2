"""The bank schema, field by field: turns parsed YAML data into frozen questions, or lists what is wrong.

The structure of a bank is one JSON Schema file, ``ortlearn/quiz/bank.schema.json``
(:mod:`ortlearn.quiz.bank_jsonschema`), which editors also use (quizzes/README.md).
This module reads its field lists and limits from that file, words every problem
the house way (file → question → choice → field, did-you-mean, the YAML traps),
adds the rules that span fields (one correct answer, True then False, unique ids,
a real lesson stem, ``verify:`` compiles), then validates against the file itself.

:mod:`ortlearn.quiz.bank` reads the file and calls :func:`parse_bank`; every
problem is reported through :class:`Problems`.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ortlearn.lessons import LESSONS
from ortlearn.quiz.bank_jsonschema import SCHEMA, SCHEMA_PATH, check_against_schema, schema_pattern
from ortlearn.quiz.questions import CHOICE_TYPES, DIFFICULTIES, QUESTION_TYPES, Bank, Choice, Question

__all__ = [
    "CHOICE_FIELDS",
    "KEBAB",
    "MAX_CHOICES",
    "MAX_VERIFY_CHARS",
    "MIN_CHOICES",
    "QUESTION_FIELDS",
    "SCHEMA",
    "SCHEMA_PATH",
    "TOPIC_PATTERN",
    "TOP_LEVEL_FIELDS",
    "Problems",
    "parse_bank",
    "shorten",
]

_QUESTION, _CHOICE = SCHEMA["$defs"]["question"], SCHEMA["$defs"]["choice"]

TOP_LEVEL_FIELDS: tuple[str, ...] = tuple(SCHEMA["properties"])
QUESTION_FIELDS: tuple[str, ...] = tuple(_QUESTION["properties"])
CHOICE_FIELDS: tuple[str, ...] = tuple(_CHOICE["properties"])
MIN_CHOICES = _QUESTION["properties"]["choices"]["minItems"]
MAX_CHOICES = _QUESTION["properties"]["choices"]["maxItems"]
#: Longest ``verify:`` snippet, in characters.
MAX_VERIFY_CHARS: int = _QUESTION["properties"]["verify"]["maxLength"]
#: What a ``topic`` must look like: it becomes a file name in ``ortlearn quiz export``.
TOPIC_PATTERN = schema_pattern(SCHEMA["properties"]["topic"])

KEBAB = schema_pattern(SCHEMA["$defs"]["kebab"])
_NUMBERED_STEM = re.compile(r"\d\d_.+")
_OPTIONAL_STRINGS = ("code", "hint", "explanation", "verify", "source")
_LESSON_STEMS = tuple(lesson.stem for lesson in LESSONS)
_TRUE_FALSE = ("True", "False")
# C0 controls but tab and line feed, DEL and C1 controls: a terminal obeys them instead of printing them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_REPR = reprlib.Repr()
_REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict, _REPR.maxlevel = 80, 80, 6, 6, 3
#: Reports one problem: ``add(message, field=..., choice=...)``.
_Add = Callable[..., None]


class Problems:
    """Collects one file's problems, each prefixed with the file and where in it."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[str] = []

    def add(self, message: str, *, question: str = "", choice: int = 0, field: str = "") -> None:
        parts = [self.file]
        if question:
            parts.append(question)
        if choice:
            parts.append(f"choice #{choice}")
        if field:
            parts.append(f"field {field!r}")
        self.items.append(": ".join(parts) + ": " + message)


def shorten(value: Any) -> str:
    """``repr(value)`` cut to a readable length (a whole file can arrive where a string was expected)."""
    return _REPR.repr(value)


def _show(value: Any) -> str:
    """``'x' (str)``: the value (shortened) and its YAML-visible type, for "got …" phrases."""
    return f"{shorten(value)} ({type(value).__name__})"


# --------------------------------------------------------------------------- the bank


def parse_bank(data: Any, path: Path, problems: Problems) -> Bank | None:
    expected = "a mapping with 'topic', 'title' and 'questions'"
    if data is None:
        problems.add(f"the file is empty; expected {expected}.")
        return None
    if not isinstance(data, dict):
        problems.add(f"expected {expected} at the top level, got {_show(data)}.")
        return None
    _check_unknown(data, TOP_LEVEL_FIELDS, problems.add)
    topic = _required_string(data, "topic", problems.add)
    title = _required_string(data, "title", problems.add)
    if "description" in data:
        _optional_string(data, "description", problems.add)
    if topic is not None and not TOPIC_PATTERN.fullmatch(topic):
        problems.add(
            f"expected a plain file stem (lowercase letters, digits, '_' and '-', at most 64 characters, "
            f"e.g. '02_sessions'): the topic names exported files; got {shorten(topic)}.",
            field="topic",
        )
        topic = None
    elif topic is not None and _NUMBERED_STEM.fullmatch(path.stem) and topic != path.stem:
        problems.add(f"expected {path.stem!r} (the file's stem), got {topic!r}.", field="topic")
    raw_questions = data.get("questions")
    if "questions" not in data:
        problems.add("missing; expected a list of questions.", field="questions")
        return None
    if not isinstance(raw_questions, list):
        problems.add(f"expected a list of questions, got {_show(raw_questions)}.", field="questions")
        return None
    if not raw_questions:
        problems.add("is empty; a bank needs at least one question.", field="questions")
        return None
    questions: list[Question] = []
    first_use: dict[str, int] = {}
    for number, raw in enumerate(raw_questions, start=1):
        question = _parse_question(raw, number, topic or "", problems)
        qid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(qid, str) and KEBAB.fullmatch(qid):
            if qid in first_use:
                problems.add(
                    f"duplicate id: questions #{first_use[qid]} and #{number} both use it.",
                    question=f"question {qid!r}",
                    field="id",
                )
            first_use.setdefault(qid, number)
        if question is not None:
            questions.append(question)
    if not problems.items:
        for message, where in check_against_schema(data):
            problems.add(message, **where)
    if problems.items or topic is None or title is None:
        return None
    return Bank(topic=topic, title=title, questions=tuple(questions), path=path)


def _check_unknown(raw: dict[Any, Any], allowed: Sequence[str], add: _Add, **where: Any) -> None:
    for key in raw:
        if key in allowed:
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        add(f"unknown field{hint} Valid fields are {list(allowed)}.", field=str(key), **where)


def _required_string(raw: dict[Any, Any], field: str, add: _Add, **where: Any) -> str | None:
    if field not in raw or raw[field] is None:
        add("missing; expected a non-empty string.", field=field, **where)
        return None
    value = raw[field]
    if not isinstance(value, str):
        add(f"expected a string, got {_show(value)}{_quote_hint(value)}.", field=field, **where)
        return None
    if not value.strip():
        add(f"must not be empty, got {value!r}.", field=field, **where)
        return None
    return _no_control(value, field, add, **where)


def _optional_string(raw: dict[Any, Any], field: str, add: _Add, **where: Any) -> str:
    value = raw.get(field, "")
    if not isinstance(value, str):
        add(f"expected a string, got {_show(value)}{_quote_hint(value)}.", field=field, **where)
        return ""
    return _no_control(value, field, add, **where) or ""


def _quote_hint(value: Any) -> str:
    if isinstance(value, bool):
        return " (YAML reads yes/no, on/off and true/false as a boolean: put the text in quotes, e.g. \"Yes\")"
    return ""


def _no_control(value: str, field: str, add: _Add, **where: Any) -> str | None:
    """Return ``value``, or report its first control character and return None."""
    found = _CONTROL.search(value)
    if found is None:
        return value
    add(
        f"contains the control character {found.group()!r} at position {found.start()}; bank text may hold "
        f"tabs and line breaks but no other control characters (escape sequences rewrite a learner's terminal).",
        field=field,
        **where,
    )
    return None


def _kebab_tag(raw: dict[Any, Any], field: str, add: _Add, **where: Any) -> str | None:
    value = raw.get(field)
    if field not in raw:
        return None
    if not isinstance(value, str) or not KEBAB.fullmatch(value):
        add(
            f"expected a kebab-case tag (lowercase letters and digits joined by single hyphens, "
            f"e.g. 'output-is-array'), got {_show(value)}.",
            field=field,
            **where,
        )
        return None
    return value


def _number(raw: dict[Any, Any], field: str, add: _Add, *, minimum: float | None = None) -> float | None:
    value = raw[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = ""
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[\d.]+[eE][+-]?\d+\s*", value):
            hint = " (YAML reads an exponent without a dot as text: write 1.0e-3, not 1e-3)"
        add(f"expected a number, got {_show(value)}{hint}.", field=field)
        return None
    if not math.isfinite(value):
        add(f"expected a finite number, got {value!r}.", field=field)
        return None
    if minimum is not None and value < minimum:
        add(f"expected a number >= {minimum:g}, got {value!r}.", field=field)
        return None
    return float(value)


# --------------------------------------------------------------------------- one question


def _parse_question(raw: Any, number: int, topic: str, problems: Problems) -> Question | None:
    label = f"question #{number}"
    if not isinstance(raw, dict):
        expected = "a mapping with 'id', 'type', 'difficulty' and 'prompt'"
        problems.add(f"expected {expected}, got {_show(raw)}.", question=label)
        return None
    qid = raw.get("id")
    id_ok = False
    if qid is None or qid == "":
        problems.add(
            "missing; every question needs a kebab-case id such as 'sessions-run-returns-list'.",
            question=label,
            field="id",
        )
    elif not isinstance(qid, str) or not KEBAB.fullmatch(qid):
        problems.add(
            f"expected a kebab-case id (lowercase letters and digits joined by single hyphens, "
            f"e.g. 'sessions-run-returns-list'), got {_show(qid)}.",
            question=label,
            field="id",
        )
    else:
        label = f"question {qid!r}"
        id_ok = True
    before = len(problems.items)

    def add(message: str, *, field: str = "", choice: int = 0) -> None:
        problems.add(message, question=label, field=field, choice=choice)

    _check_unknown(raw, QUESTION_FIELDS, add)
    qtype = _one_of(raw, "type", QUESTION_TYPES, add)
    difficulty = _one_of(raw, "difficulty", DIFFICULTIES, add)
    prompt = _required_string(raw, "prompt", add)
    strings = {field: _optional_string(raw, field, add) for field in _OPTIONAL_STRINGS}
    lesson = _lesson(raw, topic, add)
    if strings["verify"]:
        _check_python(strings["verify"], add)

    choices: tuple[Choice, ...] = ()
    answer: float | None = None
    tolerance = 0.0
    if qtype in CHOICE_TYPES:
        for field in ("answer", "tolerance"):
            if field in raw:
                add(f"only numeric questions take {field!r}; mark the right choices with 'correct: true'.", field=field)
        choices = _parse_choices(raw, qtype, add)
    elif qtype == "numeric":
        if "choices" in raw:
            add(
                "numeric questions take no choices; give 'answer' (and optionally 'tolerance') instead.",
                field="choices",
            )
        if "answer" not in raw:
            add("missing; numeric questions need a number 'answer'.", field="answer")
        else:
            answer = _number(raw, "answer", add)
        if "tolerance" in raw:
            tolerance = _number(raw, "tolerance", add, minimum=0) or 0.0

    if len(problems.items) > before or not id_ok or qtype is None or difficulty is None or prompt is None:
        return None
    return Question(
        id=qid,
        type=qtype,
        difficulty=difficulty,
        prompt=prompt,
        choices=choices,
        answer=answer,
        tolerance=tolerance,
        lesson=lesson,
        topic=topic,
        **strings,
    )


def _one_of(raw: dict[Any, Any], field: str, valid: Sequence[str], add: _Add) -> str | None:
    if field not in raw:
        add(f"missing; expected one of {list(valid)}.", field=field)
        return None
    value = raw[field]
    if value not in valid or not isinstance(value, str):
        add(f"expected one of {list(valid)}, got {shorten(value)}.", field=field)
        return None
    return value


def _lesson(raw: dict[Any, Any], topic: str, add: _Add) -> str:
    if "lesson" not in raw:
        return topic if topic in _LESSON_STEMS else ""
    value = raw["lesson"]
    if value not in _LESSON_STEMS or not isinstance(value, str):
        add(f"expected a lesson stem, one of {list(_LESSON_STEMS)}, got {shorten(value)}.", field="lesson")
        return ""
    return value


def _check_python(source: str, add: _Add) -> None:
    """Compile (never run) a ``verify:`` snippet and report why it is not valid Python."""
    if len(source) > MAX_VERIFY_CHARS:
        add(f"is {len(source)} characters long; a snippet may have at most {MAX_VERIFY_CHARS}.", field="verify")
        return
    try:
        compile(source, "<verify>", "exec")
    except (RecursionError, MemoryError, OverflowError) as exc:  # e.g. 3,000 chained "1+" terms
        add(f"too deeply nested for Python to compile ({type(exc).__name__}); split the expression.", field="verify")
    except SyntaxError as exc:
        lines = source.splitlines()
        lineno = exc.lineno or 0
        code = f" `{lines[lineno - 1].strip()}`" if 0 < lineno <= len(lines) else ""
        add(f"not valid Python: line {lineno}{code}: {exc.msg}.", field="verify")
    except ValueError as exc:  # e.g. a NUL character
        add(f"not valid Python: {exc}.", field="verify")


def _parse_choices(raw: dict[Any, Any], qtype: str, add: _Add) -> tuple[Choice, ...]:
    needs = f"{qtype} questions need {MIN_CHOICES} to {MAX_CHOICES} choices"
    if "choices" not in raw:
        add(f"missing; {needs}.", field="choices")
        return ()
    items = raw["choices"]
    if not isinstance(items, list):
        add(f"expected a list of choices, got {_show(items)}; {needs}.", field="choices")
        return ()
    if not MIN_CHOICES <= len(items) <= MAX_CHOICES:
        add(f"expected {MIN_CHOICES} to {MAX_CHOICES} choices, got {len(items)}.", field="choices")
    parsed = [_parse_choice(item, number, add) for number, item in enumerate(items, start=1)]
    choices = [choice for choice in parsed if choice is not None]
    if len(choices) != len(parsed):
        return ()
    correct = [number for number, choice in enumerate(choices, start=1) if choice.correct]
    if qtype == "multi_choice" and not correct:
        add(
            "multi_choice needs at least 1 correct choice, got 0; mark every right option with 'correct: true'.",
            field="choices",
        )
    elif qtype != "multi_choice" and len(correct) != 1:
        numbers = ", ".join(f"#{n}" for n in correct) or "none"
        add(f"{qtype} needs exactly 1 correct choice, got {len(correct)} ({numbers}).", field="choices")
    texts = tuple(choice.text for choice in choices)
    if qtype == "true_false" and texts != _TRUE_FALSE:
        add(f"true_false choices must be exactly 'True' then 'False', got {list(texts)}.", field="choices")
    pinned = [number for number, choice in enumerate(choices, start=1) if choice.pin]
    if qtype == "true_false" and pinned:
        add("true_false choices always show 'True' then 'False', so 'pin' has no effect there; remove it "
            f"(pinned: {', '.join(f'#{n}' for n in pinned)}).", field="choices")
    elif pinned and len(pinned) == len(choices):
        add("every choice has 'pin: true', so nothing would ever be shuffled; pin only the choices that must "
            "keep their place (e.g. 'None of these').", field="choices")
    return tuple(choices)


def _parse_choice(item: Any, number: int, add: _Add) -> Choice | None:
    if not isinstance(item, dict):
        add(
            f"expected a mapping with 'text' (and optionally 'correct', 'feedback', 'mistake', 'pin'), "
            f"got {_show(item)}.",
            choice=number,
        )
        return None
    before: list[str] = []

    def add_here(message: str, *, field: str = "") -> None:
        before.append(message)
        add(message, choice=number, field=field)

    _check_unknown(item, CHOICE_FIELDS, add_here)
    text = _required_string(item, "text", add_here)
    correct = item.get("correct", False)
    if not isinstance(correct, bool):
        add_here(f"expected true or false, got {_show(correct)}.", field="correct")
    pin = item.get("pin", False)
    if not isinstance(pin, bool):
        add_here(f"expected true or false (true keeps the choice in place when choices are shuffled), "
                 f"got {_show(pin)}.", field="pin")
    feedback = _optional_string(item, "feedback", add_here)
    mistake = _kebab_tag(item, "mistake", add_here)
    if before or text is None:
        return None
    return Choice(text=text, correct=correct, feedback=feedback, mistake=mistake, pin=pin)
