"""The quiz in Jupyter: thin ipywidgets over pure grading.

Grading, the answer text and the choice order come from :mod:`ortlearn.quiz.grading`;
this module only shows a question and reacts to clicks. The answer key stays in the
kernel: before the learner clicks **Check** (or **Hint**, **Show answer**), no widget
state holds which choice is correct, any feedback, the hint, the explanation or the
numeric answer. Those texts are written into the widgets only by the click that
reveals them.

Retry policy: after an incorrect check the learner may **Try again** once, or click
**Show answer**; after the second incorrect check the right answer and the explanation
are shown and the question is locked. A correct check shows the explanation at once.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import html
import logging
import os
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import PurePosixPath
from typing import Any, Literal, NamedTuple

import ipywidgets as widgets
import traitlets
from IPython.display import display

from ortlearn.lessons import get_lesson, lesson_path
from ortlearn.quiz.grading import Grade, choice_order, format_answer, grade
from ortlearn.quiz.questions import CHOICE_TYPES, DIFFICULTIES, Bank, Question
from ortlearn.quiz.render import format_markdown_html
from ortlearn.quiz.store import ResultStore

__all__ = [
    "MAX_TRIES",
    "QuestionWidget",
    "QuizProgress",
    "QuizWidget",
    "Checkpoint",
    "CheckpointOutcome",
    "can_render_widgets",
    "plain_label",
    "show",
]

log = logging.getLogger(__name__)

#: Checks a learner gets before the answer and explanation are shown.
MAX_TRIES = 2

_RIGHT, _WRONG = "#1a7f37", "#b3261e"
_NOTHING_PICKED = {"multi_choice": "Pick at least one option first.", "numeric": "Type a number first."}


# --- small rendering helpers -------------------------------------------------------------

def plain_label(text: str) -> str:
    """A choice's Markdown as plain text for a radio or checkbox label (those cannot render Markdown).

    Drops the backticks of inline code and ``**`` bold markers: "`list` of arrays" -> "list of arrays".
    """
    return re.sub(r"`([^`]*)`", r"\1", text).replace("**", "").strip()


def _markdown_html(text: str) -> str:
    """Bank Markdown as sanitized HTML for a ``widgets.HTML`` (see :mod:`ortlearn.quiz.render`).

    Bank text never goes into an ``Output`` as ``text/markdown``: JupyterLab marks the
    widget output area as trusted, so HTML in it would run.
    """
    return format_markdown_html(text) if text else ""


def _inline_html(text: str) -> str:
    """Inline Markdown (`code`, **bold**) as sanitized HTML; line breaks stay line breaks."""
    return "<br>".join(format_markdown_html(line, inline=True) for line in text.split("\n"))


def _highlight(code: str) -> str:
    """Python ``code`` as HTML with inline styles (no stylesheet needed)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(code, PythonLexer(), HtmlFormatter(noclasses=True))


def _button(description: str, tooltip: str, icon: str, *, style: str = "", visible: bool = True) -> widgets.Button:
    button = widgets.Button(description=description, tooltip=tooltip, icon=icon, button_style=style,
                            layout=widgets.Layout(width="auto"))
    _set_visible(button, visible)
    return button


def _set_visible(widget: widgets.DOMWidget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _guarded(error_area: widgets.HTML, callback: Callable[..., None]) -> Callable[..., None]:
    """Wrap a widget callback so an exception is shown in ``error_area`` and logged, never lost.

    JupyterLab hides exceptions raised in widget callbacks; this puts the traceback
    in the widget itself.
    """
    @wraps(callback)
    def handler(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:  # shown to the learner and logged, not swallowed
            log.exception("Quiz callback %s failed", callback.__name__)
            error_area.value = (
                f'<pre style="color:{_WRONG};white-space:pre-wrap">Something went wrong in the quiz '
                f"(please report this):\n{html.escape(traceback.format_exc())}</pre>"
            )

    return handler


# --- one question ------------------------------------------------------------------------

class QuestionWidget(widgets.VBox):
    """One question: prompt, code, choices, Check / Hint / Try again / Show answer, feedback.

    The traitlets below live in the kernel only (not synced to the browser). Observers
    of ``attempts`` see ``last_grade`` and ``last_seconds`` already set.

    Args:
        question: The question to show.
        seed: Shuffle the choices with :func:`~ortlearn.quiz.grading.choice_order`
            (None keeps the bank's order).
        number: Shown as "Question N." before the prompt.
        clock: Seconds source for timing (``time.monotonic``; tests pass a fake).

    Timing (``last_seconds``, what :class:`~ortlearn.quiz.store.ResultStore` adds up):
    the first check counts from the first interaction with the question (a selection
    or the Hint button; construction when there was none), each later check from the
    previous one.

    Introduced in lessons/01_onnx_format.ipynb.
    """

    answered = traitlets.Bool(False, help="Checked at least once.")
    correct = traitlets.Bool(False, help="The latest check was right.")
    attempts = traitlets.Int(0, help="Checks so far.")
    revealed = traitlets.Bool(False, help="The explanation is showing.")

    def __init__(self, question: Question, *, seed: int | None = None, number: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(layout=widgets.Layout(margin="0 0 1.5em 0"))
        self.question = question
        self.last_grade: Grade | None = None
        self.last_seconds = 0.0
        self._clock = clock
        self._shown_at = clock()
        self._started_at: float | None = None  # first interaction, then the previous check
        self._order = list(choice_order(question, seed)) if question.type in CHOICE_TYPES else []

        prefix = f"**Question {number}.** " if number is not None else ""
        self.prompt = widgets.HTML(_markdown_html(prefix + question.prompt))
        self.code = widgets.HTML(_highlight(question.code)) if question.code else None
        self.radio: widgets.RadioButtons | None = None
        self.checkboxes: list[widgets.Checkbox] = []
        self.text: widgets.Text | None = None
        answer_box = self._make_input()

        self.check_button = _button("Check", "Check your answer", "check", style="primary")
        self.hint_button = _button("Hint", "Show a hint", "lightbulb-o", visible=bool(question.hint))
        self.retry_button = _button("Try again", "Clear the feedback and answer again", "refresh", visible=False)
        self.show_answer_button = _button("Show answer", "Show the right answer and the explanation", "eye",
                                          visible=False)
        self.feedback = widgets.HTML("")
        self.hint = widgets.HTML("")
        self.explanation = widgets.HTML("")
        self.error = widgets.HTML("")
        buttons = widgets.HBox([self.check_button, self.hint_button, self.retry_button, self.show_answer_button])
        self.children = [w for w in (self.prompt, self.code, answer_box, buttons, self.feedback, self.hint,
                                     self.explanation, self.error) if w is not None]
        self._wire()

    def _make_input(self) -> widgets.Widget:
        choices = self.question.choices
        if self.question.type == "multi_choice":
            self.checkboxes = [widgets.Checkbox(value=False, description=plain_label(choices[i].text), indent=False,
                                                layout=widgets.Layout(width="auto")) for i in self._order]
            return widgets.VBox([widgets.Label("Answer (pick all that apply):"), *self.checkboxes])
        if self.question.type in CHOICE_TYPES:
            self.radio = widgets.RadioButtons(options=[(plain_label(choices[i].text), i) for i in self._order], value=None,
                                              description="Answer", style={"description_width": "initial"},
                                              layout=widgets.Layout(width="auto"))
            return self.radio
        self.text = widgets.Text(value="", description="Answer", placeholder="a number",
                                 style={"description_width": "initial"})
        return self.text

    def _inputs(self) -> list[widgets.ValueWidget]:
        return [w for w in (self.radio, self.text) if w is not None] + list(self.checkboxes)

    def _wire(self) -> None:
        for control in self._inputs():
            control.observe(lambda _change: self._touch(), names="value")
        self.check_button.on_click(_guarded(self.error, lambda _b: self.check()))
        self.hint_button.on_click(_guarded(self.error, lambda _b: self.show_hint()))
        self.retry_button.on_click(_guarded(self.error, lambda _b: self.retry()))
        self.show_answer_button.on_click(_guarded(self.error, lambda _b: self.show_answer()))

    def _touch(self) -> None:
        if self._started_at is None:
            self._started_at = self._clock()

    def response(self) -> int | list[int] | str | None:
        """The learner's answer in original choice indices (None when nothing is picked)."""
        if self.radio is not None:
            return self.radio.value
        if self.text is not None:
            return self.text.value.strip() or None
        picked = [original for box, original in zip(self.checkboxes, self._order) if box.value]
        return picked or None

    def check(self) -> Grade | None:
        """Grade the current answer and show the feedback (what the **Check** button does).

        Returns:
            The grade, or None when nothing was picked (the learner is asked to pick).
        """
        response = self.response()
        if response is None:
            self.feedback.value = _NOTHING_PICKED.get(self.question.type, "Pick an answer first.")
            self.feedback.style.text_color = None
            return None
        result = grade(self.question, response)
        now = self._clock()
        seconds, self._started_at = now - (self._shown_at if self._started_at is None else self._started_at), now
        self.feedback.value = _inline_html(result.message)
        self.feedback.style.text_color = _RIGHT if result.correct else _WRONG
        self._lock(True)
        if result.correct:
            self._reveal(with_answer=False)
        elif self.attempts + 1 >= MAX_TRIES:
            self._reveal(with_answer=True)
        else:
            _set_visible(self.retry_button, True)
            _set_visible(self.show_answer_button, True)
        self.last_grade, self.last_seconds = result, seconds
        self.answered, self.correct = True, result.correct
        self.attempts += 1  # last: observers see the whole new state
        return result

    def show_hint(self) -> None:
        """Show the hint (what the **Hint** button does)."""
        self._touch()
        self.hint.value = _inline_html(f"**Hint:** {self.question.hint}")

    def retry(self) -> None:
        """Clear the feedback and the answer and unlock the input (what **Try again** does)."""
        if self.radio is not None:
            self.radio.value = None
        if self.text is not None:
            self.text.value = ""
        for box in self.checkboxes:
            box.value = False
        self.feedback.value = ""
        _set_visible(self.retry_button, False)
        _set_visible(self.show_answer_button, False)
        self._lock(False)

    def show_answer(self) -> None:
        """Show the right answer and the explanation and lock the question (**Show answer**)."""
        self._lock(True)
        self._reveal(with_answer=True)

    def _lock(self, locked: bool) -> None:
        for control in self._inputs():
            control.disabled = locked
        self.check_button.disabled = locked

    def _reveal(self, *, with_answer: bool) -> None:
        order = self._order or None  # letters in the answer follow the displayed order
        parts = [f"**The answer:** {format_answer(self.question, order)}"] if with_answer else []
        if self.question.explanation:
            parts.append(self.question.explanation)
        self.explanation.value = _markdown_html("\n\n".join(parts))
        _set_visible(self.retry_button, False)
        _set_visible(self.show_answer_button, False)
        self.revealed = True

    def __repr__(self) -> str:
        return f"Question({self.question.id!r})"


# --- a bank ------------------------------------------------------------------------------

class QuizProgress(NamedTuple):
    """How far a learner is: ``str()`` gives "answered 3/10 · correct 2"."""

    answered: int
    correct: int
    total: int

    def __str__(self) -> str:
        return f"answered {self.answered}/{self.total} · correct {self.correct}"


class QuizWidget(widgets.VBox):
    """A bank as a quiz: header, every question, a progress line and a summary.

    Args:
        bank: The questions.
        seed: Shuffle choices per learner (None: the bank's order).
        store: Where each check is recorded (None: nowhere).
        lesson_link_base: Prefix of lesson links in the summary, relative to the
            notebook showing the quiz (``"../lessons/"`` from ``quizzes/`` or ``lessons/``).
        clock: Seconds source for timing (tests pass a fake).

    Introduced in lessons/01_onnx_format.ipynb.
    """

    def __init__(self, bank: Bank, *, seed: int | None = None, store: ResultStore | None = None,
                 lesson_link_base: str = "../lessons/", clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.bank, self.store, self.lesson_link_base = bank, store, lesson_link_base
        self.questions = [QuestionWidget(q, seed=seed, number=n, clock=clock)
                          for n, q in enumerate(bank.questions, start=1)]
        self._missed: dict[str, None] = {}  # ids with a wrong check, in order
        self._mistakes: dict[str, None] = {}  # misconception tags from wrong checks, in order
        self._shown_in_cell: int | None = None
        counts = [f"{sum(q.difficulty == d for q in bank.questions)} {d}" for d in DIFFICULTIES
                  if any(q.difficulty == d for q in bank.questions)]
        self.header = widgets.HTML(f"<h3>{html.escape(bank.title)}</h3><p>{_plural(len(bank))}: "
                                   f"{' · '.join(counts)}</p>")
        self.progress_line = widgets.Label(str(self.progress))
        self.summary_button = _button("Summary", "Show your score and what to review", "list")
        self.summary = widgets.HTML("")
        self.error = widgets.HTML("")
        self.children = [self.header, *self.questions,
                         widgets.HBox([self.progress_line, self.summary_button]), self.summary, self.error]
        for question in self.questions:
            question.observe(_guarded(self.error, self._on_check), names="attempts")
        self.summary_button.on_click(_guarded(self.error, lambda _b: self._render_summary()))

    @property
    def progress(self) -> QuizProgress:
        """(answered, correct, total): questions checked at least once, whose latest check was right, all."""
        return QuizProgress(sum(q.answered for q in self.questions), sum(q.correct for q in self.questions),
                            len(self.questions))

    def _on_check(self, change: dict[str, Any]) -> None:
        question: QuestionWidget = change["owner"]
        result = question.last_grade
        if result is None:
            return
        if self.store is not None:
            self.store.record(question.question, result, question.last_seconds)
        if not result.correct:
            self._missed[question.question.id] = None
            self._mistakes.update(dict.fromkeys(result.mistakes))
        progress = self.progress
        self.progress_line.value = str(progress)
        if progress.answered == progress.total or self.summary.value:
            self._render_summary()

    def _render_summary(self) -> None:
        self.summary.value = _markdown_html(self.summary_text())

    def summary_text(self) -> str:
        """The summary as Markdown: score, and what to review (lesson links, misconception tags)."""
        answered, correct, total = self.progress
        lines = [f"### Summary: {self.bank.title}", "", f"**Score: {correct}/{total} correct** ({self.progress})"]
        if answered < total:
            lines.append(f"\n{_plural(total - answered)} not answered yet.")
        by_lesson: dict[str, list[str]] = {}
        for number, widget in enumerate(self.questions, start=1):
            if widget.question.id in self._missed:
                by_lesson.setdefault(widget.question.lesson or widget.question.topic, []).append(str(number))
        if by_lesson:
            lines += ["", "**What to review:**", ""]
            lines += [f"- {self._lesson_link(stem)}: question{'s' if len(nums) > 1 else ''} {', '.join(nums)}"
                      for stem, nums in by_lesson.items()]
        elif answered:
            lines += ["", "Nothing to review: every check so far was right."]
        if self._mistakes:
            lines += ["", "**Misconceptions to revisit:** " + ", ".join(f"`{tag}`" for tag in self._mistakes)]
        topics = sorted({w.question.topic for w in self.questions})
        if len(topics) > 1 and self.bank.topic not in topics:  # an exam drawn from other banks: score per topic
            lines += ["", "| topic | correct | answered | questions |", "|---|---|---|---|"]
            for topic in topics:
                mine = [w for w in self.questions if w.question.topic == topic]
                lines.append(f"| {topic} | {sum(w.correct for w in mine)} | {sum(w.answered for w in mine)} "
                             f"| {len(mine)} |")
        return "\n".join(lines)

    def _lesson_link(self, stem: str) -> str:
        try:
            lesson = get_lesson(stem)
        except KeyError:
            return f"{stem or 'this quiz'} (no lesson page)"
        return f"[{lesson.title}]({self.lesson_link_base}{PurePosixPath(lesson_path(stem)).name})"

    def _ipython_display_(self) -> None:
        # show() displays the quiz and returns it; when that call is a cell's last line
        # IPython would display it again as the result: one view per cell is enough.
        count = _execution_count()
        if count is not None and count == self._shown_in_cell:
            return
        self._shown_in_cell = count
        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        return f"Quiz({self.bank.title!r}: {_plural(len(self.bank))})"


def _plural(n: int) -> str:
    return f"{n} question{'' if n == 1 else 's'}"


# --- predict, then run -------------------------------------------------------------------

@dataclass(frozen=True)
class CheckpointOutcome:
    """What :meth:`Checkpoint.reveal` found; its repr is its message (stable for nbval).

    Attributes:
        prediction: The committed option, or None when nothing was committed.
        actual: The option the real run produced.
    """

    prediction: str | None
    actual: str

    @property
    def held(self) -> bool | None:
        """Whether the prediction matched the run (None: no prediction)."""
        return None if self.prediction is None else self.prediction == self.actual

    @property
    def message(self) -> str:
        """The sentence shown to the learner."""
        if self.prediction is None:
            return f"No prediction was committed. The run says: {self.actual}."
        if self.held:
            return f"Your prediction held. The run says: {self.actual}."
        return f"Your prediction did not hold: you predicted \"{self.prediction}\". The run says: {self.actual}."

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return self.message


class Checkpoint(widgets.VBox):
    """Predict, then run: the learner commits to an option before the next cell shows the truth.

    It holds no answer key: the notebook computes the real outcome and passes it to
    :meth:`reveal`.

    Args:
        prompt: The question (Markdown).
        options: Two or more distinct option texts.
        key: A stable id for this checkpoint, unique within its lesson.

    Raises:
        ValueError: Fewer than two options, duplicate options, or an empty key.

    Example:
        >>> cp = Checkpoint("Will ORT accept a batch of 5 rows?", ["yes", "no"], key="batch-5")  # doctest: +SKIP

    Introduced in lessons/01_onnx_format.ipynb.
    """

    prediction = traitlets.Unicode(None, allow_none=True, help="The committed option.")

    def __init__(self, prompt: str, options: Sequence[str], *, key: str) -> None:
        options = tuple(options)
        if len(options) < 2 or len(set(options)) != len(options) or not all(isinstance(o, str) for o in options):
            raise ValueError(f"A checkpoint needs two or more distinct option texts; got {options!r}.")
        if not key:
            raise ValueError(f"A checkpoint needs a non-empty key (a stable id); got {key!r}.")
        super().__init__()
        self.prompt, self.options, self.key = prompt, options, key
        prompt_area = widgets.HTML(_markdown_html(prompt))
        self.radio = widgets.RadioButtons(options=[(plain_label(o), o) for o in options], value=None, description="Prediction",
                                          style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
        self.commit_button = _button("Commit", "Lock in your prediction", "lock", style="primary")
        self.status = widgets.HTML("")
        self.error = widgets.HTML("")
        self.children = [prompt_area, self.radio, self.commit_button, self.status, self.error]
        self.commit_button.on_click(_guarded(self.error, lambda _b: self.commit()))

    def commit(self) -> None:
        """Lock the selected option as the prediction (what **Commit** does)."""
        if self.radio.value is None:
            self.status.value = "Pick an option first."
            return
        self.prediction = self.radio.value
        self.radio.disabled = self.commit_button.disabled = True
        self.status.value = _inline_html(f"Prediction recorded: {self.prediction}. "
                                         "Run the next cell to see what really happens.")

    def reveal(self, actual: str | int) -> CheckpointOutcome:
        """Compare the committed prediction with what the real run produced.

        Args:
            actual: The option text, or its index, that the notebook computed from the run.

        Returns:
            The outcome (shown in the widget too); its repr is the message.

        Raises:
            ValueError: ``actual`` is not one of the options.
        """
        if isinstance(actual, int) and not isinstance(actual, bool) and 0 <= actual < len(self.options):
            actual = self.options[actual]
        if actual not in self.options:
            raise ValueError(f"reveal() got {actual!r}; expected one of {list(self.options)!r} or an index "
                             f"0..{len(self.options) - 1}.")
        outcome = CheckpointOutcome(self.prediction, actual)
        self.status.value = _inline_html(outcome.message)
        return outcome

    def __repr__(self) -> str:
        return f"Checkpoint({self.prompt!r})"


# --- the one call a notebook makes -------------------------------------------------------

def can_render_widgets() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a ``kernel``), where widgets render."""
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _execution_count() -> int | None:
    from IPython import get_ipython

    shell = get_ipython()
    return None if shell is None else getattr(shell, "execution_count", None)


def show(bank_or_topic: Bank | str | os.PathLike[str], *, seed: int | None = None,
         store: ResultStore | Literal["default"] | None = "default") -> QuizWidget | None:
    """Show a quiz: a widget in Jupyter, plain text where widgets cannot render.

    Args:
        bank_or_topic: A bank, a topic such as ``"01_onnx_format"``, or a bank's YAML path.
        seed: Shuffle the choices with this seed (None: the bank's order).
        store: ``"default"`` records checks in ``ResultStore()``; a store records there;
            None records nothing.

    Returns:
        The displayed quiz, or None when the bank was printed as text.

    Raises:
        QuestionBankError: The bank cannot be loaded.
        TypeError: ``store`` is none of the above.

    Example:
        >>> ortlearn.quiz.show("01_onnx_format")  # doctest: +SKIP

    Introduced in lessons/01_onnx_format.ipynb.
    """
    from ortlearn.quiz.bank import load_bank
    from ortlearn.quiz.terminal import format_bank_text

    if store != "default" and store is not None and not isinstance(store, ResultStore):
        raise TypeError(f"store must be 'default', a ResultStore or None; got {store!r}.")
    bank = bank_or_topic if isinstance(bank_or_topic, Bank) else load_bank(bank_or_topic)
    if not can_render_widgets():
        print(format_bank_text(bank))
        return None
    quiz = QuizWidget(bank, seed=seed, store=ResultStore() if store == "default" else store)
    display(quiz)
    return quiz
