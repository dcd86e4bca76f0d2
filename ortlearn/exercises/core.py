"""The machinery of checked exercises: :class:`Exercise`, its verdicts, hints and solution.

A lesson's exercise asks the learner to write one object (a function, a module, a
session factory) with a stated name and signature. The learner passes that object
to the check explicitly, ``ex.q1.check(make_sigmoid_model)``; the check then runs
it on inputs the learner never saw and answers with one of three verdicts:

- **Correct**: the behaviour matches on every hidden input;
- **Not yet**: what is wrong, in the learner's terms, and which lesson section
  explains it (the expected value itself is never printed);
- **Not attempted yet**: the object is still the stub (it raises
  ``NotImplementedError`` or returns ``...``).

An exception raised by the learner's own code is wrapped: the verdict is "Not yet",
and it names the exception, what it usually means and where to look.

Each Correct / Not yet verdict is saved with the quiz results
(:meth:`ortlearn.quiz.store.ResultStore.record_outcome`), under the exercise's id
(``ex-…``), so ``ortlearn quiz results`` lists exercises next to questions.
Viewing a solution is saved too, as ``ex-…-solution``.

Introduced in lessons/00_start_here.ipynb.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "CheckResult",
    "Exercise",
    "Feedback",
    "LearnerError",
    "Mistake",
    "NotAttempted",
    "call_learner",
    "define",
]

CORRECT: Literal["correct"] = "correct"
INCORRECT: Literal["incorrect"] = "incorrect"
NOT_ATTEMPTED: Literal["not-attempted"] = "not-attempted"
Status = Literal["correct", "incorrect", "not-attempted"]

#: The words each verdict starts with: words, not colours, carry the meaning.
_HEADLINES = {CORRECT: "Correct", INCORRECT: "Not yet", NOT_ATTEMPTED: "Not attempted yet"}
#: A marker shown before the words (shape, not colour), and a colour-blind-safe border (blue / orange / grey).
_MARKS = {CORRECT: "\u2714", INCORRECT: "\u2716", NOT_ATTEMPTED: "\u2026"}
_BORDERS = {CORRECT: "#0072B2", INCORRECT: "#E69F00", NOT_ATTEMPTED: "#767676"}
_ID = re.compile(r"ex-[0-9]{2}(-[a-z0-9]+)+")


class Mistake(Exception):
    """Raised by a check: the learner's answer is wrong; the message says what, not the expected value."""


class NotAttempted(Exception):
    """Raised by a check: the learner's object is still the stub."""


class LearnerError(Exception):
    """Raised by :func:`call_learner`: the learner's own code raised ``error`` while doing ``doing``."""

    def __init__(self, doing: str, error: BaseException) -> None:
        super().__init__(f"{doing}: {type(error).__name__}: {error}")
        self.doing = doing
        self.error = error


def call_learner(function: Callable[..., Any], *args: Any, doing: str, **kwargs: Any) -> Any:
    """Call the learner's ``function`` and translate what it does into the check's terms.

    Args:
        function: The learner's callable.
        *args: Positional arguments (hidden inputs).
        doing: What the call was, in words, e.g. ``"calling make_sigmoid_model(W, b)"``.
        **kwargs: Keyword arguments.

    Returns:
        What the function returned.

    Raises:
        NotAttempted: It raised ``NotImplementedError`` or returned ``...`` (the stub).
        LearnerError: It raised anything else.
        Mistake: ``function`` is not callable.
    """
    if not callable(function):
        raise Mistake(f"Expected a function (or class) to call; got {_short_repr(function)}. "
                      f"Pass the object itself, without calling it: check(my_function), not check(my_function()).")
    try:
        result = function(*args, **kwargs)
    except NotImplementedError as error:
        raise NotAttempted() from error
    except Exception as error:  # the learner's code: any exception is theirs to see
        raise LearnerError(doing, error) from error
    if result is Ellipsis:
        raise NotAttempted()
    return result


def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _where_raised(error: BaseException) -> str:
    """The learner's line that raised (the last frame outside ortlearn and site-packages), if any."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not {"ortlearn", "site-packages"} & set(re.split(r"[\\/]", f.filename))]
    if not frames:
        return ""
    frame = frames[-1]
    line = f": {frame.line.strip()}" if frame.line else ""
    return f" (raised in {frame.name}{line})"


@dataclass(frozen=True)
class Feedback:
    """A block of text shown in Jupyter (escaped HTML) or printed (plain text).

    Attributes:
        title: The first line, e.g. ``"Hint 1 of 3"``.
        body: The text (plain; shown as-is, escaped in HTML).
        code: Optional code shown in a ``<pre>`` block.
    """

    title: str
    body: str = ""
    code: str = ""

    def __str__(self) -> str:
        parts = [self.title]
        if self.body:
            parts.append(self.body)
        if self.code:
            parts.append(self.code.rstrip())
        return "\n".join(parts)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ortlearn._html import render

        return render("exercise_feedback.html", title=self.title, body=self.body, code=self.code.rstrip())


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check.

    Attributes:
        exercise_id: The exercise's id (``ex-NN-…``).
        status: ``"correct"``, ``"incorrect"`` or ``"not-attempted"``.
        message: The explanation (plain text; escaped when shown as HTML).
    """

    exercise_id: str
    status: Status
    message: str

    @property
    def correct(self) -> bool:
        """Whether the check passed."""
        return self.status == CORRECT

    @property
    def headline(self) -> str:
        """``"Correct"``, ``"Not yet"`` or ``"Not attempted yet"``."""
        return _HEADLINES[self.status]

    def __str__(self) -> str:
        return f"{self.headline}: {self.message}" if self.message else self.headline

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ortlearn._html import render

        return render("exercise_check.html", status=self.status, border=_BORDERS[self.status],
                      mark=_MARKS[self.status], headline=self.headline, message=self.message)


@dataclass
class Exercise:
    """One checked exercise of a lesson.

    Introduced in lessons/00_start_here.ipynb.

    Args:
        id: Unique kebab-case id starting with ``ex-NN-`` (NN: the lesson number).
        topic: The lesson's stem, e.g. ``"04_export"`` (the results are saved under it).
        title: A short title.
        task: What to write: name, signature and behaviour.
        checker: ``checker(answer)`` returns a success note (str) or raises :class:`Mistake`,
            :class:`NotAttempted` or :class:`LearnerError`.
        hints: Hints from gentle to explicit.
        solution: The reference solution's source code (what :meth:`solution` shows).
        section: Where the lesson explains it, e.g. ``"lessons/04_export.ipynb, section 3"``.
        store: Where verdicts are saved: ``"default"`` (``ResultStore()``), a ``ResultStore``, or None.

    Example:
        >>> ex = ortlearn.exercises.load("01_onnx_format")  # doctest: +SKIP
        >>> ex.q1.check(make_sigmoid_model)  # doctest: +SKIP
        Correct: …
    """

    id: str
    topic: str
    title: str
    task: str
    checker: Callable[[Any], str]
    hints: Sequence[str]
    solution_code: str
    section: str
    store: Any = "default"
    _hints_shown: int = field(default=0, repr=False)
    _started: float = field(default_factory=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id) or self.id.endswith("-solution"):
            raise ValueError(f"Exercise id {self.id!r} must be kebab-case 'ex-NN-name' (not ending in '-solution').")
        if not self.hints:
            raise ValueError(f"Exercise {self.id!r} needs at least one hint.")

    def __repr__(self) -> str:
        return f"Exercise({self.id!r}: {self.title})"

    def _repr_html_(self) -> str:
        return Feedback(f"Exercise: {self.title}", self.task)._repr_html_()

    def check(self, answer: Any) -> CheckResult:
        """Run the learner's ``answer`` on hidden inputs and return the verdict (and save it).

        Args:
            answer: The object the exercise asks for (pass it, do not call it).

        Returns:
            A :class:`CheckResult`; Jupyter shows it, ``print`` prints it.
        """
        if answer is Ellipsis or answer is None:
            return self._verdict(NOT_ATTEMPTED, f"replace the stub ({'...' if answer is Ellipsis else 'None'}) "
                                                f"with your answer, then check again.")
        try:
            note = self.checker(answer)
        except NotAttempted:
            return self._verdict(NOT_ATTEMPTED, "your answer is still the stub (it raises "
                                                "NotImplementedError or returns ...). Write it, run its cell, "
                                                "then check again.")
        except Mistake as mistake:
            return self._verdict(INCORRECT, f"{mistake} See {self.section}.")
        except LearnerError as failure:
            meaning = _meaning(failure.error)
            return self._verdict(INCORRECT, f"your code raised an error while {failure.doing}: "
                                            f"{type(failure.error).__name__}: {_first_lines(failure.error)}"
                                            f"{_where_raised(failure.error)}. {meaning} See {self.section}.")
        return self._verdict(CORRECT, note)

    def hint(self, level: int | None = None) -> Feedback:
        """Show a hint: the next one on each call, or hint ``level`` (1 = gentlest).

        Raises:
            ValueError: ``level`` is not between 1 and the number of hints.
        """
        count = len(self.hints)
        if level is None:
            self._hints_shown = min(self._hints_shown + 1, count)
            level = self._hints_shown
        elif isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= count:
            raise ValueError(f"This exercise has hints 1 to {count}; got level={level!r}.")
        more = f" (hint({level + 1}) says more)" if level < count else ""
        return Feedback(f"Hint {level} of {count}{more}", self.hints[level - 1])

    def solution(self) -> Feedback:
        """Show the reference solution (and save that it was viewed)."""
        self._record(f"{self.id}-solution", correct=False)
        return Feedback("Solution", f"One way to write it (see {self.section}):", self.solution_code)

    def _verdict(self, status: Status, message: str) -> CheckResult:
        if status != NOT_ATTEMPTED:
            self._record(self.id, correct=status == CORRECT)
        return CheckResult(self.id, status, message)

    def _record(self, item_id: str, *, correct: bool) -> None:
        now = time.monotonic()
        seconds, self._started = max(0.0, now - self._started), now
        if self.store is None:
            return
        from ortlearn.quiz.store import ResultStore

        store = ResultStore() if self.store == "default" else self.store
        store.record_outcome(self.topic, item_id, correct=correct, seconds=seconds)


def define(module: str, name: str, checker: Callable[[Any], str]) -> Exercise:
    """Return exercise ``name`` of a lesson module: its text from the data file, its check from the module.

    The words of a lesson's exercises (id, title, task, hints, section, reference
    solution) live in ``ortlearn/exercises/lessonNN.yaml`` next to ``lessonNN.py``,
    which holds only the checks: ``q1 = define(__name__, "q1", _check_predict)``.

    Args:
        module: The lesson module's ``__name__`` (``ortlearn.exercises.lesson02``).
        name: The exercise's name in it (``"q1"``).
        checker: ``checker(answer)``: see :class:`Exercise`.
    """
    texts = _texts(module.rsplit(".", 1)[-1])
    entry = texts["exercises"][name]
    return Exercise(id=entry["id"], topic=texts["topic"], title=entry["title"], task=entry["task"], checker=checker,
                    hints=tuple(entry["hints"]), solution_code=entry["solution"],
                    section=f"lessons/{texts['topic']}.ipynb, {entry['section']}")


@lru_cache(maxsize=None)
def _texts(stem: str) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(resources.files("ortlearn.exercises").joinpath(f"{stem}.yaml").read_text(encoding="utf-8"))


def _meaning(error: BaseException) -> str:
    """What an exception usually means and how to fix it, for the wrapped message."""
    text = str(error)
    for pattern, meaning in _MESSAGES:
        if pattern.search(text):
            return meaning
    return _MEANINGS.get(type(error).__name__, "Read the message from the end: it usually names what was "
                                                "expected and what arrived.")


def _first_lines(error: BaseException, limit: int = 300) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


#: Messages of ONNX Runtime and onnx that have one usual cause, with the fix (checked before ``_MEANINGS``).
_MESSAGES = (
    (re.compile(r"Required inputs \(\[.*\]\) are missing"),
     "The feed dict's keys must be the input names (strings) the session declares: read them with "
     "session.get_inputs()[0].name instead of typing them, and use the NodeArg's .name, not the NodeArg."),
    (re.compile(r"Unexpected input data type"),
     "The model declares tensor(float), which is float32: convert the feed with .astype(np.float32)."),
    (re.compile(r"is not a registered function/op|No Op registered for|Could not find an implementation"),
     "ONNX Runtime has no kernel for an operator of the model: register the library that implements its domain "
     "(SessionOptions.register_custom_ops_library) on the options you pass to InferenceSession."),
    (re.compile(r"Got invalid dimensions|Invalid rank"),
     "A feed has the wrong shape: compare it with session.get_inputs()[0].shape."),
)

#: What an exception from the learner's code usually means, for the wrapped message.
_MEANINGS = {
    "NameError": "A name is not defined: run the cells above yours (imports, data) first, or check the spelling.",
    "AttributeError": "An object lacks the attribute used: check its type and the spelling.",
    "TypeError": "A call got an argument of the wrong type or number: compare with the signature in the task.",
    "ValueError": "A value had the right type but an unusable content (often a shape or a name).",
    "KeyError": "A dict lookup failed: feeds and outputs are keyed by names, read them from the model/session.",
    "IndexError": "An index was out of range: check shapes and list lengths.",
    "ValidationError": "onnx.checker rejected the model: the message names the node and the rule.",
    "InvalidArgument": "ONNX Runtime rejected an input: the message names the input and the expected type or shape.",
    "Fail": "ONNX Runtime could not create or run the session: read the message from the end.",
    "InvalidGraph": "ONNX Runtime found the graph inconsistent: a name, a type or a shape does not match.",
    "RuntimeError": "Read the message from the end: it usually names what was expected and what arrived.",
}
