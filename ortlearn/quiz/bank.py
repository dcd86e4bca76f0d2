"""Load question banks from YAML and check them against the schema.

A bank is one file per topic, ``quizzes/banks/NN_topic.yaml`` (the schema is in
DESIGN.md, "Question banks"). :func:`load_bank` reads one with
``yaml.safe_load``, checks every field and returns frozen
:class:`~ortlearn.quiz.questions.Bank` objects; :func:`load_banks` reads several
and also checks that question ids are unique across banks.

Nothing half-valid comes out: a bank with any problem raises
:class:`QuestionBankError`, which lists *every* problem of the file, each naming
the file, the question and the field, so an author fixes them in one pass.

Where the banks live (:func:`banks_dir`, also readable as ``BANKS_DIR``):
the folder named by the environment variable ``ORTLEARN_BANKS_DIR`` when it is
set, else ``quizzes/banks`` of the repository this package sits in (the course
installs ``ortlearn`` editable from its repository, so that is
``ortlearn/../quizzes/banks``).

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ortlearn.lessons import LESSONS
from ortlearn.quiz.questions import CHOICE_TYPES, DIFFICULTIES, QUESTION_TYPES, Bank, Choice, Question

__all__ = [
    "BANKS_ENV_VAR",
    "DEFAULT_BANKS_DIR",
    "TOP_LEVEL_FIELDS",
    "QUESTION_FIELDS",
    "CHOICE_FIELDS",
    "MIN_CHOICES",
    "MAX_CHOICES",
    "QuestionBankError",
    "banks_dir",
    "load_bank",
    "load_banks",
    "check_banks",
    "collect_banks",
    "format_path",
]

#: Environment variable that overrides where banks are looked up.
BANKS_ENV_VAR = "ORTLEARN_BANKS_DIR"
_REPO_ROOT = Path(__file__).resolve().parents[2]
#: ``quizzes/banks`` next to the package (the course installs it editable).
DEFAULT_BANKS_DIR = _REPO_ROOT / "quizzes" / "banks"

TOP_LEVEL_FIELDS: tuple[str, ...] = ("topic", "title", "description", "questions")
QUESTION_FIELDS: tuple[str, ...] = (
    "id", "type", "difficulty", "prompt", "code", "choices", "answer", "tolerance",
    "hint", "explanation", "verify", "source", "lesson",
)  # fmt: skip
CHOICE_FIELDS: tuple[str, ...] = ("text", "correct", "feedback", "mistake")
MIN_CHOICES, MAX_CHOICES = 2, 6

_KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_NUMBERED_STEM = re.compile(r"\d\d_.+")
_OPTIONAL_STRINGS = ("code", "hint", "explanation", "verify", "source")
_LESSON_STEMS = tuple(lesson.stem for lesson in LESSONS)
_TRUE_FALSE = ("True", "False")
#: Reports one problem: ``add(message, field=..., choice=...)``.
_Add = Callable[..., None]


class QuestionBankError(ValueError):
    """One or more banks break the schema.

    Attributes:
        problems: Every problem found, one sentence each, naming the file, the
            question (``question 'id'`` or ``question #N``) and the field.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems,))


def banks_dir() -> Path:
    """Return the folder the banks are read from.

    Returns:
        ``$ORTLEARN_BANKS_DIR`` when set, else :data:`DEFAULT_BANKS_DIR`
        (``quizzes/banks`` of the course repository).

    Example:
        >>> banks_dir().name
        'banks'
    """
    override = os.environ.get(BANKS_ENV_VAR)
    return Path(override).expanduser() if override else DEFAULT_BANKS_DIR


def __getattr__(name: str) -> Any:
    # BANKS_DIR is resolved on every access so that setting ORTLEARN_BANKS_DIR
    # after import (tests, a teacher's notebook) takes effect.
    if name == "BANKS_DIR":
        return banks_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def format_path(path: str | os.PathLike[str] | None) -> str:
    """Return how problems name a bank file: relative to the repository when inside it.

    Args:
        path: The file (relative paths are kept as given).

    Returns:
        e.g. ``"quizzes/banks/02_sessions.yaml"``; ``"<memory>"`` for None.
    """
    if path is None:
        return "<memory>"
    path = Path(path)
    if not path.is_absolute():
        return path.as_posix()
    for base in (_REPO_ROOT, Path.cwd()):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def load_bank(path_or_topic: str | os.PathLike[str]) -> Bank:
    """Read and check one question bank.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        path_or_topic: A path to a ``.yaml`` file, or a topic stem such as
            ``"02_sessions"`` (read from :func:`banks_dir`).

    Returns:
        The frozen bank; every question carries the bank's ``topic`` and, when
        it has no ``lesson:`` of its own and the topic is a lesson stem, that
        lesson.

    Raises:
        FileNotFoundError: No such file or topic; the message lists the
            available topics.
        QuestionBankError: The file breaks the schema; lists every problem.
        TypeError: ``path_or_topic`` is neither a string nor a path.

    Example:
        >>> bank = load_bank("02_sessions")  # doctest: +SKIP
        >>> bank.questions[0].topic  # doctest: +SKIP
        '02_sessions'
    """
    path = _resolve(path_or_topic)
    problems = _Problems(format_path(path))
    bank = _parse_file(path, problems)
    if problems.items or bank is None:
        raise QuestionBankError(problems.items)
    return bank


def load_banks(paths_or_topics: Iterable[str | os.PathLike[str]] | None = None) -> tuple[Bank, ...]:
    """Read and check several banks, and check them against each other.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        paths_or_topics: Files or topic stems; None reads every ``*.yaml`` in
            :func:`banks_dir`, sorted by name.

    Returns:
        The banks, in the order given (or file-name order).

    Raises:
        FileNotFoundError: A file or topic does not exist.
        QuestionBankError: Any bank breaks the schema, or an id or topic is
            used by two banks; lists the problems of all files at once.
    """
    if paths_or_topics is None:
        paths_or_topics = sorted(banks_dir().glob("*.yaml"))
    banks, problems = collect_banks(paths_or_topics, missing_is_problem=False)
    if problems:
        raise QuestionBankError(problems)
    return banks


def collect_banks(
    paths_or_topics: Iterable[str | os.PathLike], *, missing_is_problem: bool = True
) -> tuple[tuple[Bank, ...], tuple[str, ...]]:
    """Load every bank that loads, and collect the problems of the others instead of raising.

    What ``ortlearn quiz validate`` reports: schema problems of each file, ids or
    topics used by two banks, and (with ``missing_is_problem``) files that do not exist.

    Args:
        paths_or_topics: Files or topic stems.
        missing_is_problem: Report a missing file as a problem; False lets the
            ``FileNotFoundError`` through.

    Returns:
        The banks that loaded, and one line per problem.
    """
    banks: list[Bank] = []
    problems: list[str] = []
    for item in paths_or_topics:
        try:
            banks.append(load_bank(item))
        except QuestionBankError as exc:
            problems.extend(exc.problems)
        except FileNotFoundError as exc:
            if not missing_is_problem:
                raise
            problems.append(str(exc))
    try:
        check_banks(banks)
    except QuestionBankError as exc:
        problems.extend(exc.problems)
    return tuple(banks), tuple(problems)


def check_banks(banks: Sequence[Bank]) -> None:
    """Check what no single file can: question ids and topics are unique across banks.

    Args:
        banks: Banks that each loaded without problems.

    Raises:
        QuestionBankError: An id or a topic appears in two banks; each problem
            names both files.
    """
    problems: list[str] = []
    topics: dict[str, Bank] = {}
    ids: dict[str, tuple[Bank, int]] = {}
    for bank in banks:
        file = format_path(bank.path)
        if bank.topic in topics:
            first = format_path(topics[bank.topic].path)
            problems.append(f"{file}: field 'topic': duplicate topic {bank.topic!r}; {first} already uses it.")
        topics.setdefault(bank.topic, bank)
        for number, question in enumerate(bank.questions, start=1):
            if question.id in ids:
                other, other_number = ids[question.id]
                problems.append(
                    f"{file}: question {question.id!r}: field 'id': duplicate id across banks; "
                    f"{format_path(other.path)} (question #{other_number}) already uses it. "
                    f"Ids must be unique across all banks."
                )
            else:
                ids[question.id] = (bank, number)
    if problems:
        raise QuestionBankError(problems)


# --------------------------------------------------------------------------- files


def _resolve(path_or_topic: str | os.PathLike[str]) -> Path:
    """Turn a path or a topic stem into an existing file's path."""
    if isinstance(path_or_topic, os.PathLike):
        path = Path(path_or_topic)
    elif isinstance(path_or_topic, str):
        looks_like_path = path_or_topic.endswith((".yaml", ".yml")) or "/" in path_or_topic or os.sep in path_or_topic
        if not looks_like_path:
            return _topic_path(path_or_topic)
        path = Path(path_or_topic)
    else:
        raise TypeError(
            f"load_bank() expects a path to a .yaml file or a topic such as '02_sessions', "
            f"got {path_or_topic!r} ({type(path_or_topic).__name__})."
        )
    if not path.is_file():
        raise FileNotFoundError(f"No question bank file {str(path)!r}.")
    return path


def _topic_path(topic: str) -> Path:
    folder = banks_dir()
    path = folder / f"{topic}.yaml"
    if path.is_file():
        return path
    available = sorted(p.stem for p in folder.glob("*.yaml"))
    close = difflib.get_close_matches(topic, available, n=1)
    suggestion = f" Did you mean {close[0]!r}?" if close else ""
    raise FileNotFoundError(
        f"No question bank for topic {topic!r} in {folder}.{suggestion} Available topics: {available}."
    )


class _Problems:
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


def _show(value: Any) -> str:
    """``'x' (str)``: the value and its YAML-visible type, for "got …" phrases."""
    return f"{value!r} ({type(value).__name__})"


def _parse_file(path: Path, problems: _Problems) -> Bank | None:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.add(f"is not UTF-8 text ({exc.reason} at byte {exc.start}).")
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark, start = exc.problem_mark or exc.context_mark, exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        detail = exc.problem or "syntax error"
        if exc.context:
            began = f" that starts on line {start.line + 1}" if start is not None and start.line != mark.line else ""
            detail += f" ({exc.context}{began})"
        problems.add(f"{where}invalid YAML: {detail}.")
        return None
    except yaml.YAMLError as exc:
        problems.add(f"invalid YAML: {exc}.")
        return None
    return _parse_bank(data, path, problems)


# --------------------------------------------------------------------------- the bank


def _parse_bank(data: Any, path: Path, problems: _Problems) -> Bank | None:
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
    if topic is not None and _NUMBERED_STEM.fullmatch(path.stem) and topic != path.stem:
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
        if isinstance(qid, str) and _KEBAB.fullmatch(qid):
            if qid in first_use:
                problems.add(
                    f"duplicate id: questions #{first_use[qid]} and #{number} both use it.",
                    question=f"question {qid!r}",
                    field="id",
                )
            first_use.setdefault(qid, number)
        if question is not None:
            questions.append(question)
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
        add(f"expected a string, got {_show(value)}.", field=field, **where)
        return None
    if not value.strip():
        add(f"must not be empty, got {value!r}.", field=field, **where)
        return None
    return value


def _optional_string(raw: dict[Any, Any], field: str, add: _Add, **where: Any) -> str:
    value = raw.get(field, "")
    if not isinstance(value, str):
        add(f"expected a string, got {_show(value)}.", field=field, **where)
        return ""
    return value


def _kebab_tag(raw: dict[Any, Any], field: str, add: _Add, **where: Any) -> str | None:
    value = raw.get(field)
    if field not in raw:
        return None
    if not isinstance(value, str) or not _KEBAB.fullmatch(value):
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


def _parse_question(raw: Any, number: int, topic: str, problems: _Problems) -> Question | None:
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
    elif not isinstance(qid, str) or not _KEBAB.fullmatch(qid):
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
        add(f"expected one of {list(valid)}, got {value!r}.", field=field)
        return None
    return value


def _lesson(raw: dict[Any, Any], topic: str, add: _Add) -> str:
    if "lesson" not in raw:
        return topic if topic in _LESSON_STEMS else ""
    value = raw["lesson"]
    if value not in _LESSON_STEMS or not isinstance(value, str):
        add(f"expected a lesson stem, one of {list(_LESSON_STEMS)}, got {value!r}.", field="lesson")
        return ""
    return value


def _check_python(source: str, add: _Add) -> None:
    try:
        compile(source, "<verify>", "exec")
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
    return tuple(choices)


def _parse_choice(item: Any, number: int, add: _Add) -> Choice | None:
    if not isinstance(item, dict):
        add(
            f"expected a mapping with 'text' (and optionally 'correct', 'feedback', 'mistake'), got {_show(item)}.",
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
    feedback = _optional_string(item, "feedback", add_here)
    mistake = _kebab_tag(item, "mistake", add_here)
    if before or text is None:
        return None
    return Choice(text=text, correct=correct, feedback=feedback, mistake=mistake)
