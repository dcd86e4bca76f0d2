"""Load question banks from YAML and check them against the schema.

A bank is one file per topic, ``quizzes/banks/NN_topic.yaml`` (the schema is in
DESIGN.md, "Question banks"). :func:`load_bank` reads one with
``yaml.safe_load``, checks every field and returns frozen
:class:`~ortlearn.quiz.questions.Bank` objects; :func:`load_banks` reads several
and also checks that question ids are unique across banks.

A bank is data from anyone: reading one never runs it (``verify:`` snippets run
only in :mod:`ortlearn.quiz.verify`, on request), and a hostile file gets a
clear message, fast. The YAML reader (the C loader, ``yaml.CSafeLoader``, where
PyYAML has it) rejects aliases and merge keys (no "billion laughs"), duplicate
keys (YAML would keep only the last, silently) and nesting deeper than
:data:`MAX_DEPTH`, each with its line number; a file over :data:`MAX_BANK_BYTES`
is not read; values quoted in messages are shortened; strings may not hold
control characters (they could rewrite a learner's terminal); a ``topic``
names files (``ortlearn quiz export``), so it must be a plain file stem.

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
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ortlearn.quiz.bank_schema import (
    CHOICE_FIELDS,
    MAX_CHOICES,
    MAX_VERIFY_CHARS,
    MIN_CHOICES,
    QUESTION_FIELDS,
    TOP_LEVEL_FIELDS,
    TOPIC_PATTERN,
    Problems,
    parse_bank,
)
from ortlearn.quiz.questions import Bank

__all__ = [
    "BANKS_ENV_VAR",
    "DEFAULT_BANKS_DIR",
    "TOP_LEVEL_FIELDS",
    "QUESTION_FIELDS",
    "CHOICE_FIELDS",
    "MIN_CHOICES",
    "MAX_CHOICES",
    "MAX_BANK_BYTES",
    "MAX_DEPTH",
    "MAX_VERIFY_CHARS",
    "TOPIC_PATTERN",
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

#: A bank file larger than this is not read (the course's biggest is ~60 KB; 10,000 questions are ~3.5 MB).
MAX_BANK_BYTES = 16 * 1024 * 1024
#: Deepest nesting of lists and mappings a bank may have (a bank needs 4).
MAX_DEPTH = 20



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
    problems = Problems(format_path(path))
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
        raise FileNotFoundError(f"No question bank file {str(path)!r}{_why_not_a_file(path)}.")
    return path


def _why_not_a_file(path: Path) -> str:
    """``" (it is a folder)"`` and the like: why ``path`` is not a readable regular file ("" when it is missing)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return " (it is a symbolic link to a missing file)" if path.is_symlink() else ""
    except OSError as exc:  # a symlink loop, a permission problem
        return f" ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return " (it is a folder; a bank is a .yaml file)"
    if not stat.S_ISREG(mode):
        return " (it is not a regular file: a pipe, socket or device cannot be a bank)"
    return ""


def _topic_path(topic: str) -> Path:
    folder = banks_dir()
    path = folder / f"{topic}.yaml"
    if path.is_file():
        return path
    if os.path.lexists(path):
        raise FileNotFoundError(f"No question bank file {str(path)!r}{_why_not_a_file(path)}.")
    available = sorted(p.stem for p in folder.glob("*.yaml"))
    close = difflib.get_close_matches(topic, available, n=1)
    suggestion = f" Did you mean {close[0]!r}?" if close else ""
    raise FileNotFoundError(
        f"No question bank for topic {topic!r} in {folder}.{suggestion} Available topics: {available}."
    )


def _parse_file(path: Path, problems: Problems) -> Bank | None:
    import yaml

    from ortlearn.quiz.yaml_loader import BankYAMLError, load_yaml

    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BANK_BYTES + 1)
    except OSError as exc:
        problems.add(f"could not be read: {exc.strerror or exc}.")
        return None
    if len(raw) > MAX_BANK_BYTES:
        problems.add(f"is larger than {MAX_BANK_BYTES // 2**20} MiB; a bank that big is refused. Split it into several banks.")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(f"is not UTF-8 text ({exc.reason} at byte {exc.start}).")
        return None
    try:
        data = load_yaml(text, max_depth=MAX_DEPTH)
    except BankYAMLError as exc:
        problems.add(str(exc))
        return None
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
    return parse_bank(data, path, problems)
