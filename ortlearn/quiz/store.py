"""Saved quiz progress: which questions a learner answered, got right, and how long it took.

Results live in one JSON file (:func:`default_results_path`)::

    {"version": 1,
     "results": {"02_sessions": {"sessions-run-returns-list":
                     {"answered": true, "correct": false, "attempts": 2, "seconds": 41.5}}}}

Saving never gets in the way of a quiz:

- every :meth:`ResultStore.record` re-reads the file, changes one entry and
  writes it back atomically (a temporary file in the same folder, then
  ``os.replace``), so two notebooks writing to the same file keep each
  other's topics;
- a file that cannot be read or has the wrong layout or version is moved aside
  to ``results.json.corrupt-N`` (never deleted) with a ``UserWarning``;
- a file that cannot be written (read-only folder, full disk) gives a
  ``UserWarning`` and the results stay in memory for the session.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ortlearn.quiz.grading import Grade
from ortlearn.quiz.questions import Question

__all__ = ["DATA_ENV_VAR", "RESULTS_FILE", "QuestionResult", "ResultStore", "default_results_path", "read_results_file", "results"]

#: Environment variable naming the folder that holds ``results.json``.
DATA_ENV_VAR = "ORTLEARN_DATA_DIR"
RESULTS_FILE = "results.json"
_VERSION = 1
_Results = dict[str, dict[str, "QuestionResult"]]


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
        ``results.json`` in the user's data folder: ``$XDG_DATA_HOME/ortlearn``
        or ``~/.local/share/ortlearn`` (Linux), ``~/Library/Application
        Support/ortlearn`` (macOS), ``%APPDATA%/ortlearn`` (Windows).
    """
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        return Path(override).expanduser() / RESULTS_FILE
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        base = Path(appdata) if appdata else Path.home() / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "ortlearn" / RESULTS_FILE


class ResultStore:
    """Reads and writes one results file; never raises into a quiz because of the file.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        path: The JSON file; None uses :func:`default_results_path`.

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
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}.")
        data = self._load()
        previous = data.get(question.topic, {}).get(question.id)
        result = QuestionResult(
            question_id=question.id,
            topic=question.topic,
            answered=True,
            correct=bool(grade.correct),
            attempts=(previous.attempts if previous else 0) + 1,
            seconds=(previous.seconds if previous else 0.0) + float(seconds),
        )
        data.setdefault(question.topic, {})[question.id] = result
        self._unsaved.setdefault(question.topic, {})[question.id] = result
        if self._save(data):
            self._unsaved.clear()
        return result

    def results(self, topic: str | None = None) -> dict[str, QuestionResult]:
        """Return the saved records by question id, for one topic or all of them."""
        data = self._load()
        topics = [topic] if topic is not None else sorted(data)
        return {qid: result for name in topics for qid, result in data.get(name, {}).items()}

    def reset(self, topic: str | None = None) -> None:
        """Forget the records of one topic, or all of them (None)."""
        data = self._load()
        if topic is None:
            data.clear()
            self._unsaved.clear()
        else:
            data.pop(topic, None)
            self._unsaved.pop(topic, None)
        if self._save(data):
            self._unsaved.clear()

    # ----------------------------------------------------------------- file I/O

    def _load(self) -> _Results:
        data = self._read()
        for topic, entries in self._unsaved.items():
            data.setdefault(topic, {}).update(entries)
        return data

    def _read(self) -> _Results:
        if self._memory_only:
            return {}
        try:
            return _read_file(self.path)
        except (FileNotFoundError, NotADirectoryError):  # nothing saved yet (or no folder to save in)
            return {}
        except OSError as exc:
            return self._set_aside(f"it could not be read: {exc}")
        except ValueError as exc:
            return self._set_aside(str(exc))

    def _set_aside(self, reason: str) -> _Results:
        """Move an unusable file to ``<name>.corrupt-N`` and warn; return no results."""
        number = 1
        while (target := self.path.with_name(f"{self.path.name}.corrupt-{number}")).exists():
            number += 1
        try:
            os.replace(self.path, target)
        except OSError as exc:
            self._memory_only = True
            warnings.warn(
                f"Saved quiz results in {self.path} are unusable ({reason}) and could not be moved aside "
                f"({exc}); the file is left untouched and this session keeps results in memory only.",
                UserWarning,
                stacklevel=4,
            )
            return {}
        warnings.warn(
            f"Saved quiz results in {self.path} are unusable ({reason}); the file was moved to {target} "
            f"and saving starts again from no results.",
            UserWarning,
            stacklevel=4,
        )
        return {}

    def _save(self, data: _Results) -> bool:
        """Write ``data`` atomically; warn and return False when that fails."""
        if self._memory_only:
            return False
        payload = {
            "version": _VERSION,
            "results": {
                topic: {
                    qid: {"answered": r.answered, "correct": r.correct, "attempts": r.attempts, "seconds": r.seconds}
                    for qid, r in sorted(entries.items())
                }
                for topic, entries in sorted(data.items())
                if entries
            },
        }
        temp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=1)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
            return True
        except OSError as exc:
            if temp is not None:
                try:
                    os.unlink(temp)
                except OSError:
                    pass  # nothing more to clean up; the warning below says what failed
            warnings.warn(
                f"Could not save quiz results to {self.path} ({exc}); they are kept in memory for this session.",
                UserWarning,
                stacklevel=3,
            )
            return False


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


def read_results_file(path: str | os.PathLike[str]) -> list[QuestionResult]:
    """Read a results file as it is, sorted by topic and question id, without changing it.

    Unlike :class:`ResultStore`, which moves an unusable file aside so that a learner can
    keep saving, this never touches the file: it is for reading other people's results
    (``ortlearn quiz results`` over a class's files).

    Args:
        path: A ``results.json`` written by :class:`ResultStore`.

    Raises:
        OSError: The file cannot be read.
        ValueError: It is not UTF-8 JSON in the results layout; the message says what is wrong.

    Example:
        >>> [r.question_id for r in read_results_file("results.json")]  # doctest: +SKIP
        ['sessions-run-returns-list']
    """
    data = _read_file(Path(path))
    return [data[topic][qid] for topic in sorted(data) for qid in sorted(data[topic])]


def _read_file(path: Path) -> _Results:
    """Read and check a results file: OSError if it cannot be read, ValueError saying what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeError as exc:
        raise ValueError(f"it is not UTF-8 text ({exc})") from exc
    return _parse(json.loads(text))  # json.JSONDecodeError is a ValueError too


def _parse(raw: Any) -> _Results:
    """Check the file's layout and build the records; ValueError says what is wrong."""
    if not isinstance(raw, dict) or "results" not in raw or "version" not in raw:
        raise ValueError("expected a JSON object with 'version' and 'results'")
    if raw["version"] != _VERSION:
        raise ValueError(f"it has version {raw['version']!r}; this ortlearn reads version {_VERSION}")
    if not isinstance(raw["results"], dict):
        raise ValueError("'results' is not a JSON object")
    data: _Results = {}
    for topic, entries in raw["results"].items():
        if not isinstance(entries, dict):
            raise ValueError(f"results[{topic!r}] is not a JSON object")
        for qid, entry in entries.items():
            data.setdefault(topic, {})[qid] = _parse_entry(topic, qid, entry)
    return data


def _parse_entry(topic: str, qid: str, entry: Any) -> QuestionResult:
    where = f"results[{topic!r}][{qid!r}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} is not a JSON object")
    answered, correct = entry.get("answered"), entry.get("correct")
    attempts, seconds = entry.get("attempts"), entry.get("seconds")
    if not isinstance(answered, bool) or not isinstance(correct, bool):
        raise ValueError(f"{where}: 'answered' and 'correct' must be true or false")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
        raise ValueError(f"{where}: 'attempts' must be an integer >= 0, got {attempts!r}")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"{where}: 'seconds' must be a number >= 0, got {seconds!r}")
    return QuestionResult(qid, topic, answered, correct, attempts, float(seconds))
