"""Saved quiz progress: which questions a learner answered, got right, and how long it took.

Results live in one JSON file (:func:`default_results_path`)::

    {"version": 1,
     "results": {"02_sessions": {"sessions-run-returns-list":
                     {"answered": true, "correct": false, "attempts": 2, "seconds": 41.5}}}}

Saving never loses an answer and never gets in the way of a quiz
(:mod:`ortlearn.quiz.results_file` says how the file is kept right, and why):

- every :meth:`ResultStore.record` takes the file's lock, re-reads it, changes
  one entry and writes it back atomically, so notebooks, terminals and other
  processes writing to the same file lose nothing, and a crash loses at most
  the answer being written;
- an entry that is damaged is left out with a ``UserWarning`` (the others
  stay; the file as it was is copied to ``results.json.corrupt-N``);
- a file that is unusable as a whole (not JSON, another version) is moved
  aside to ``results.json.corrupt-N`` (never deleted) with a ``UserWarning``;
  ``ortlearn quiz results --recover`` (:func:`recover_results`) merges what can
  be salvaged from those files back in;
- a file that cannot be read right now (permissions, an I/O error) is left as
  it is, and answers wait in memory until it can be read;
- a file that cannot be written (read-only folder, full disk) gives a
  ``UserWarning`` and the results stay in memory for the session.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ortlearn.quiz.grading import Grade
from ortlearn.quiz.questions import Question
from ortlearn.quiz.results_file import (
    Entries,
    ResultsFileError,
    locked,
    read_results,
    set_aside,
    write_results,
)

__all__ = [
    "DATA_ENV_VAR",
    "RESULTS_FILE",
    "QuestionResult",
    "ResultStore",
    "default_results_path",
    "read_results_file",
    "recover_results",
    "results",
]

#: Environment variable naming the folder that holds ``results.json``.
DATA_ENV_VAR = "ORTLEARN_DATA_DIR"
RESULTS_FILE = "results.json"
_Results = dict[str, dict[str, "QuestionResult"]]
_T = TypeVar("_T")
_TOPIC = re.compile(r"([a-z0-9][a-z0-9_-]{0,63})?")  # the names the results file keeps (results_file.py)
_ITEM_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class QuestionResult:
    """A learner's record on one question.

    Attributes:
        question_id: The question's id.
        topic: The bank's topic.
        answered: Whether the learner has checked an answer at least once.
        correct: Whether the latest checked answer was right.
        attempts: How many answers were checked.
        seconds: Total time spent on the question until the last check.
    """

    question_id: str
    topic: str
    answered: bool
    correct: bool
    attempts: int
    seconds: float


def default_results_path() -> Path:
    """Return where results are saved by default.

    Returns:
        ``$ORTLEARN_DATA_DIR/results.json`` when that variable is set, else
        ``results.json`` in the user's data folder, as :mod:`platformdirs` names it
        (``platformdirs.user_data_path("ortlearn", appauthor=False, roaming=True)``):
        ``$XDG_DATA_HOME/ortlearn`` or ``~/.local/share/ortlearn`` (Linux),
        ``~/Library/Application Support/ortlearn`` (macOS), ``%APPDATA%\\ortlearn``
        (Windows): the folders the course used before it asked platformdirs.
    """
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        return Path(override).expanduser() / RESULTS_FILE
    import platformdirs  # loaded on first use: `import ortlearn` stays light

    return platformdirs.user_data_path("ortlearn", appauthor=False, roaming=True) / RESULTS_FILE


class ResultStore:
    """Reads and writes one results file; never raises into a quiz because of the file.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        path: The JSON file; None uses :func:`default_results_path`. When it is a
            symbolic link, the file it points to is updated and the link stays.

    Attributes:
        path: The JSON file.

    Example:
        >>> store = ResultStore("/tmp/ortlearn-doc/results.json")  # doctest: +SKIP
        >>> store.record(question, grade(question, 0), seconds=12.5)  # doctest: +SKIP
        QuestionResult(question_id='…', topic='…', answered=True, correct=True, attempts=1, seconds=12.5)
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path: Path = Path(path) if path is not None else default_results_path()
        self._unsaved: _Results = {}  # recorded but not yet written (a write failed)
        self._memory_only = False  # the file could be neither used nor moved aside: leave it alone
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r})"

    def record(self, question: Question, grade: Grade, seconds: float) -> QuestionResult:
        """Add one checked answer to the question's record and save.

        Args:
            question: The question answered (its ``topic`` and ``id`` are the key).
            grade: The verdict on the answer.
            seconds: Time spent since the previous check (or since shown).

        Returns:
            The updated record: one more attempt, ``correct`` from this grade,
            seconds added up.

        Raises:
            ValueError: ``seconds`` is negative or not finite (a caller's bug).
        """
        return self.record_outcome(question.topic, question.id, correct=bool(grade.correct), seconds=seconds)

    def record_outcome(self, topic: str, item_id: str, *, correct: bool, seconds: float) -> QuestionResult:
        """Add one checked outcome that is not a bank question (an exercise's check) and save.

        :meth:`record` uses it for questions; :mod:`ortlearn.exercises` records each check of
        an exercise (id ``ex-…``) and each viewed solution (``ex-…-solution``) with it.

        Args:
            topic: The lesson's stem, e.g. ``"04_export"``.
            item_id: A kebab-case id, unique within the topic.
            correct: Whether this outcome was right.
            seconds: Time spent since the previous outcome.

        Returns:
            The updated record: one more attempt, ``correct`` from this outcome, seconds added up.

        Raises:
            ValueError: ``seconds`` is negative or not finite, or ``topic``/``item_id`` are not
                names the results file accepts (a caller's bug).
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}.")
        if not _TOPIC.fullmatch(topic) or not _ITEM_ID.fullmatch(item_id):
            raise ValueError(f"topic must be like '04_export' and item_id kebab-case like 'ex-04-dynamic-batch'; "
                             f"got {topic!r}, {item_id!r}.")

        def change(data: _Results) -> QuestionResult:
            previous = data.get(topic, {}).get(item_id)
            result = QuestionResult(
                question_id=item_id,
                topic=topic,
                answered=True,
                correct=bool(correct),
                attempts=(previous.attempts if previous else 0) + 1,
                seconds=(previous.seconds if previous else 0.0) + float(seconds),
            )
            data.setdefault(topic, {})[item_id] = result
            self._unsaved.setdefault(topic, {})[item_id] = result
            return result

        return self._update(change)

    def results(self, topic: str | None = None) -> dict[str, QuestionResult]:
        """Return the saved records by question id, for one topic or all of them."""
        data, _ = self._load()
        topics = [topic] if topic is not None else sorted(data)
        return {qid: result for name in topics for qid, result in data.get(name, {}).items()}

    def reset(self, topic: str | None = None) -> None:
        """Forget the records of one topic, or all of them (None)."""

        def change(data: _Results) -> None:
            if topic is None:
                data.clear()
                self._unsaved.clear()
            else:
                data.pop(topic, None)
                self._unsaved.pop(topic, None)

        self._update(change)

    # ----------------------------------------------------------------- file I/O

    def _real_path(self) -> Path:
        """The file to write: the target of a symbolic link, so the link stays a link."""
        return Path(os.path.realpath(self.path))

    def _update(self, change: Callable[[_Results], _T]) -> _T:
        """Lock, read, ``change`` the data, write; when any step fails, keep the change in memory."""
        real = self._real_path()
        with contextlib.ExitStack() as stack:
            try:
                if not self._memory_only:
                    real.parent.mkdir(parents=True, exist_ok=True)
                    stack.enter_context(locked(real))
            except OSError as exc:
                self._warn_unsaved(exc)
                data, _ = self._load(writable=False)
                return change(data)
            data, writable = self._load(real, holding_lock=True)
            outcome = change(data)
            if writable and self._save(real, data):
                self._unsaved.clear()
            return outcome

    def _load(self, real: Path | None = None, *, holding_lock: bool = False,
              writable: bool = True) -> tuple[_Results, bool]:
        """The file's records with the unsaved ones on top, and whether the file may be rewritten."""
        data, can_write = self._read(real or self._real_path(), holding_lock)
        for topic, entries in self._unsaved.items():
            data.setdefault(topic, {}).update(entries)
        return data, can_write and writable

    def _read(self, real: Path, holding_lock: bool) -> tuple[_Results, bool]:
        if self._memory_only:
            return {}, False
        try:
            entries, problems = read_results(real)
        except (FileNotFoundError, NotADirectoryError):  # nothing saved yet (or no folder to save in)
            return {}, True
        except (ResultsFileError, IsADirectoryError) as exc:
            if not holding_lock:  # move it aside only under the lock, after reading it again
                return self._repair(real)
            reason = str(exc) if isinstance(exc, ResultsFileError) else "it is a folder, not a file"
            return self._set_aside(real, reason), not self._memory_only
        except OSError as exc:  # unreadable now (permissions, I/O): it may be fine later; never overwrite it
            self._warn_once(
                f"Saved quiz results in {self.path} could not be read ({exc}); the file is left as it is and "
                f"this session's answers wait in memory until it can be read."
            )
            return {}, False
        if problems:
            kept = ""
            if holding_lock:
                with contextlib.suppress(OSError):
                    kept = f"; the file as it was is kept in {set_aside(real, copy=True)}"
            shown = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
            self._warn_once(
                f"Saved quiz results in {self.path}: {len(problems)} damaged "
                f"{'entry was' if len(problems) == 1 else 'entries were'} left out ({shown}){kept}. "
                f"The other results are kept."
            )
        return _records(entries), True

    def _repair(self, real: Path) -> tuple[_Results, bool]:
        """Take the lock and read again: another process may have repaired the file meanwhile."""
        try:
            with locked(real):
                data, _ = self._read(real, holding_lock=True)
        except OSError as exc:
            self._warn_once(f"Saved quiz results in {self.path} are unusable and could not be locked to move "
                            f"them aside ({exc}); the file is left as it is.")
            return {}, False
        return data, False

    def _set_aside(self, real: Path, reason: str) -> _Results:
        """Move an unusable file to ``<name>.corrupt-N`` and warn; return no results."""
        try:
            target = set_aside(real)
        except OSError as exc:
            self._memory_only = True
            warnings.warn(
                f"Saved quiz results in {self.path} are unusable ({reason}) and could not be moved aside "
                f"({exc}); the file is left untouched and this session keeps results in memory only.",
                UserWarning,
                stacklevel=5,
            )
            return {}
        if target is not None:
            warnings.warn(
                f"Saved quiz results in {self.path} are unusable ({reason}); the file was moved to {target} "
                f"and saving starts again from no results. `ortlearn quiz results --recover` merges what "
                f"can be salvaged from it.",
                UserWarning,
                stacklevel=5,
            )
        return {}

    def _save(self, real: Path, data: _Results) -> bool:
        """Write ``data`` atomically (the lock is held); warn and return False when that fails."""
        try:
            write_results(real, _entries(data))
            return True
        except OSError as exc:
            self._warn_unsaved(exc)
            return False

    def _warn_unsaved(self, exc: OSError) -> None:
        warnings.warn(
            f"Could not save quiz results to {self.path} ({exc}); they are kept in memory for this session.",
            UserWarning,
            stacklevel=5,
        )

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            warnings.warn(message, UserWarning, stacklevel=5)


def _records(entries: Entries) -> _Results:
    return {
        topic: {
            qid: QuestionResult(qid, topic, e["answered"], e["correct"], e["attempts"], float(e["seconds"]))
            for qid, e in items.items()
        }
        for topic, items in entries.items()
    }


def _entries(data: _Results) -> Entries:
    return {
        topic: {
            qid: {"answered": r.answered, "correct": r.correct, "attempts": r.attempts, "seconds": r.seconds}
            for qid, r in items.items()
        }
        for topic, items in data.items()
    }


def results(topic: str | None = None, path: str | os.PathLike[str] | None = None) -> dict[str, QuestionResult]:
    """Return saved records by question id (see :meth:`ResultStore.results`).

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        topic: One bank's topic, or None for all.
        path: The results file; None uses :func:`default_results_path`.

    Example:
        >>> {qid: r.correct for qid, r in results("02_sessions").items()}  # doctest: +SKIP
        {'sessions-run-returns-list': True}
    """
    return ResultStore(path).results(topic)


def __getattr__(name: str) -> object:
    """``read_results_file`` and ``recover_results`` live in :mod:`ortlearn.quiz.results_admin` (loaded on use)."""
    if name in ("read_results_file", "recover_results"):
        from ortlearn.quiz import results_admin

        return getattr(results_admin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
