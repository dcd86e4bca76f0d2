"""The quiz in Jupyter: thin ipywidgets over pure grading.

Grading and the answer text come from :mod:`ortlearn.quiz.grading`, the choice order
from :mod:`ortlearn.quiz.shuffle` (shuffled per learner by default, graded and saved
by original index), the review from :mod:`ortlearn.quiz.summary`; this module shows
questions and reacts to clicks. The answer key stays in the kernel: before the click
that reveals them, no widget state holds which choice is correct, any feedback, the
hint, the explanation or the numeric answer.

- **practice** (default): after an incorrect check, **Try again** once or **Show
  answer**; a second incorrect check reveals the answer and locks the question. A
  correct check shows the explanation. The latest check is the score.
- **exam**: no hint, no feedback. **Lock answer** locks the first answer, the one
  scored; **Submit exam** then shows each result, answer and explanation, and the summary.

One question's widget is :class:`ortlearn.quiz.question_widget.QuestionWidget`
(re-exported here); this module composes a bank and makes the one notebook call.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import ipywidgets as widgets
import traitlets
from IPython.display import display

from ortlearn._html import render
from ortlearn.quiz._controls import button, guarded, inline_html, markdown_html, plain_label
from ortlearn.quiz.checkpoint import Checkpoint, CheckpointOutcome
from ortlearn.quiz.grading import Grade
from ortlearn.quiz.question_widget import MAX_TRIES, MODES, Mode, QuestionWidget, _check_mode
from ortlearn.quiz.questions import DIFFICULTIES, Bank
from ortlearn.quiz.shuffle import LEARNER, SeedOption, resolve_seed
from ortlearn.quiz.store import ResultStore
from ortlearn.quiz.summary import QuestionOutcome, Summary, format_summary, make_summary

__all__ = ["MAX_TRIES", "MODES", "Checkpoint", "CheckpointOutcome", "QuestionWidget", "QuizProgress", "QuizWidget",
           "can_render_widgets", "plain_label", "show"]


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
        seed: The choice order, as for :func:`show` (resolved once for the quiz).
        mode: ``"practice"`` or ``"exam"`` (**Submit exam** ends it; no score shown before).
        store: Where each check is recorded (None: nowhere).
        lesson_link_base: Prefix of the summary's lesson links, relative to the notebook
            (``"../lessons/"`` from ``quizzes/`` or ``lessons/``).
        clock: Seconds source for timing (tests pass a fake).

    Introduced in lessons/01_onnx_format.ipynb.
    """

    submitted = traitlets.Bool(False, help="Exam mode: Submit exam has ended the exam.")

    def __init__(self, bank: Bank, *, seed: SeedOption = LEARNER, mode: Mode = "practice",
                 store: ResultStore | None = None, lesson_link_base: str = "../lessons/",
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.mode = _check_mode(mode)
        self.bank, self.store, self.lesson_link_base = bank, store, lesson_link_base
        resolved = resolve_seed(seed)
        self.questions = [QuestionWidget(q, seed=resolved, number=n, mode=mode, clock=clock)
                          for n, q in enumerate(bank.questions, start=1)]
        self._grades: dict[str, list[Grade]] = {q.id: [] for q in bank.questions}
        self._confirming = False
        self._shown_in_cell: int | None = None
        counts = [f"{sum(q.difficulty == d for q in bank.questions)} {d}" for d in DIFFICULTIES
                  if any(q.difficulty == d for q in bank.questions)]
        how = (" · exam: no feedback until you submit; your first answer to each question is scored"
               if self.mode == "exam" else "")
        self.header = widgets.HTML(render("quiz_header.html", title=bank.title, count=_plural(len(bank)),
                                          counts=" · ".join(counts), how=how))
        self.progress_line = widgets.Label(self._progress_text())
        exam = self.mode == "exam"
        self.summary_button = button("Summary", "Show your score and what to review", "list", visible=not exam)
        self.submit_button = button("Submit exam", "End the exam and see your results", "flag-checkered",
                                    style="primary", visible=exam)
        self.status = widgets.HTML("")
        self.summary = widgets.HTML("")
        self.error = widgets.HTML("")
        self.children = [self.header, *self.questions,
                         widgets.HBox([self.progress_line, self.summary_button, self.submit_button]),
                         self.status, self.summary, self.error]
        for question in self.questions:
            question.observe(guarded(self.error, self._on_check), names="attempts")
        self.summary_button.on_click(guarded(self.error, lambda _b: self._render_summary()))
        self.submit_button.on_click(guarded(self.error, lambda _b: self.submit()))

    @property
    def progress(self) -> QuizProgress:
        """(answered, correct, total): questions checked at least once, scored right, all."""
        return QuizProgress(sum(q.answered for q in self.questions), sum(q.correct for q in self.questions),
                            len(self.questions))

    def _progress_text(self) -> str:
        progress = self.progress
        if self.mode == "exam" and not self.submitted:
            return f"answered {progress.answered}/{progress.total}"  # no score before the exam ends
        return str(progress)

    def _on_check(self, change: dict[str, Any]) -> None:
        question: QuestionWidget = change["owner"]
        result = question.last_grade
        if result is None:
            return
        self._grades[question.question.id].append(result)
        if self.store is not None:
            self.store.record(question.question, result, question.last_seconds)
        self.progress_line.value = self._progress_text()
        if self.mode == "exam":
            return
        progress = self.progress
        if progress.answered == progress.total or self.summary.value:
            self._render_summary()

    def submit(self) -> Summary | None:
        """End an exam (**Submit exam**): show every result and the summary; with questions
        unanswered, the first press only asks for a second one (and returns None).

        Raises:
            RuntimeError: The quiz is not in exam mode.
        """
        if self.mode != "exam":
            raise RuntimeError("submit() ends an exam; this quiz is in practice mode (show it with mode='exam').")
        if self.submitted:
            return self.make_summary()
        missing = self.progress.total - self.progress.answered
        if missing and not self._confirming:
            self._confirming = True
            self.status.value = inline_html(f"{_plural(missing)} not answered: they will count as wrong. "
                                            "Press **Submit exam** again to end the exam.")
            return None
        self.submitted = True
        for question in self.questions:
            question.finish()
        self.submit_button.disabled = True
        self.status.value = ""
        self.progress_line.value = self._progress_text()
        self._render_summary()
        return self.make_summary()

    def make_summary(self) -> Summary:
        """The review as data (:func:`ortlearn.quiz.summary.make_summary` over this quiz's checks)."""
        outcomes = [QuestionOutcome(w.question, tuple(self._grades[w.question.id]),
                                    skipped=self.submitted and not w.answered) for w in self.questions]
        return make_summary(self.bank, outcomes, scored="first" if self.mode == "exam" else "last")

    def summary_text(self) -> str:
        """The summary as Markdown: score, and what to review (lesson links, misconception tags)."""
        return format_summary(self.make_summary(), lesson_link_base=self.lesson_link_base, finished=self.submitted)

    def _render_summary(self) -> None:
        if self.mode == "exam" and not self.submitted:
            return  # no score before the exam ends
        self.summary.value = markdown_html(self.summary_text())

    def _ipython_display_(self) -> None:
        # show() displays the quiz and returns it; as a cell's last line IPython would display it again.
        count = _execution_count()
        if count is not None and count == self._shown_in_cell:
            return
        self._shown_in_cell = count
        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        return f"Quiz({self.bank.title!r}: {_plural(len(self.bank))})"


def _plural(n: int) -> str:
    return f"{n} question{'' if n == 1 else 's'}"


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


def show(bank_or_topic: Bank | str | os.PathLike[str], *, seed: SeedOption = LEARNER, mode: Mode = "practice",
         store: ResultStore | Literal["default"] | None = "default") -> QuizWidget | None:
    """Show a quiz: a widget in Jupyter, plain text where widgets cannot render.

    Args:
        bank_or_topic: A bank, a topic such as ``"01_onnx_format"``, or a bank's YAML path.
        seed: ``"learner"`` (default): shuffled, the same on every reload for this learner
            (one order for the class when ``$ORTLEARN_QUIZ_SEED`` is set); an int: that
            order for everyone using it; None: the bank's order.
        mode: ``"practice"`` (feedback, hints, retry) or ``"exam"`` (first answer locked
            and scored, no feedback until **Submit exam**).
        store: ``"default"``: ``ResultStore()``; a store: there; None: nowhere.

    Returns:
        The displayed quiz, or None when the bank was printed as text.

    Raises:
        QuestionBankError: The bank cannot be loaded.
        ValueError: ``mode`` is not ``"practice"`` or ``"exam"``, or the seed is invalid.
        TypeError: ``store`` is none of the above.

    Example:
        >>> ortlearn.quiz.show("01_onnx_format")  # doctest: +SKIP
        >>> ortlearn.quiz.show(ortlearn.quiz.make_exam(seed=2026), mode="exam")  # doctest: +SKIP

    Introduced in lessons/01_onnx_format.ipynb.
    """
    from ortlearn.quiz.bank import load_bank
    from ortlearn.quiz.terminal import format_bank_text

    mode = _check_mode(mode)
    if store != "default" and store is not None and not isinstance(store, ResultStore):
        raise TypeError(f"store must be 'default', a ResultStore or None; got {store!r}.")
    bank = bank_or_topic if isinstance(bank_or_topic, Bank) else load_bank(bank_or_topic)
    if not can_render_widgets():
        print(format_bank_text(bank, seed=seed))
        return None
    quiz = QuizWidget(bank, seed=seed, mode=mode, store=ResultStore() if store == "default" else store)
    display(quiz)
    return quiz
