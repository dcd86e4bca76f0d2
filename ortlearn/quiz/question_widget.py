"""One question as a widget: choices or a number box, Check, Hint, feedback and the reveal.

:class:`QuestionWidget` is what :class:`ortlearn.quiz.widgets.QuizWidget` shows
for each question of a bank (``ol.quiz.widgets`` re-exports it with
:data:`MAX_TRIES` and :data:`MODES`). Grading comes from
:mod:`ortlearn.quiz.grading`; the answer key stays in the kernel until the
click that reveals it.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

import ipywidgets as widgets
import traitlets

from ortlearn.quiz._controls import (RIGHT, WRONG, button, guarded, highlight, inline_html, markdown_html,
                                     plain_label, set_visible)
from ortlearn.quiz.grading import Grade, choice_order, format_answer, grade, missing_answer
from ortlearn.quiz.questions import CHOICE_TYPES, Question
from ortlearn.quiz.shuffle import LEARNER, SeedOption, resolve_seed

__all__ = ["MAX_TRIES", "MODES", "Mode", "QuestionWidget"]

#: Checks a learner gets before the answer and explanation are shown (practice mode).
MAX_TRIES = 2
#: How a quiz behaves: ``"practice"`` (feedback, hints, retry) or ``"exam"`` (first answer scored, results at the end).
MODES: tuple[str, ...] = ("practice", "exam")
Mode = Literal["practice", "exam"]
_LOCKED = "Answer locked. You will see whether it was right when you submit the exam."


def _check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}; got {mode!r}. Use mode='exam' for an exam "
                         "(no feedback until submitted, first answer scored).")
    return mode  # type: ignore[return-value]


# --- one question ------------------------------------------------------------------------

class QuestionWidget(widgets.VBox):
    """One question: prompt, code, choices, Check / Hint / Try again / Show answer, feedback.

    The traitlets below live in the kernel only (not synced to the browser). Observers
    of ``attempts`` see ``last_grade`` and ``last_seconds`` already set. ``last_seconds``
    runs from the first interaction (or construction) to the first check, then from
    check to check.

    Args:
        question: The question to show.
        seed: ``"learner"`` (default), an int or None, as for :func:`show`; or a
            learner id already resolved by :func:`~ortlearn.quiz.shuffle.resolve_seed`.
        number: Shown as "Question N." before the prompt.
        mode: ``"practice"`` or ``"exam"`` (see the module docstring).
        clock: Seconds source for timing (``time.monotonic``; tests pass a fake).

    Introduced in lessons/01_onnx_format.ipynb.
    """

    answered = traitlets.Bool(False, help="Checked at least once.")
    correct = traitlets.Bool(False, help="The scored check was right (practice: the latest; exam: the first).")
    attempts = traitlets.Int(0, help="Checks so far.")
    revealed = traitlets.Bool(False, help="The explanation is showing.")

    def __init__(self, question: Question, *, seed: SeedOption | str = LEARNER, number: int | None = None,
                 mode: Mode = "practice", clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(layout=widgets.Layout(margin="0 0 1.5em 0"))
        self.question, self.mode = question, _check_mode(mode)
        self.last_grade: Grade | None = None
        self.last_seconds = 0.0
        self._clock = clock
        self._shown_at = clock()
        self._started_at: float | None = None  # first interaction, then the previous check
        resolved = resolve_seed(seed) if seed == LEARNER else seed
        self._order = list(choice_order(question, resolved)) if question.type in CHOICE_TYPES else []

        exam = self.mode == "exam"
        prefix = f"**Question {number}.** " if number is not None else ""
        self.prompt = widgets.HTML(markdown_html(prefix + question.prompt))
        self.code = widgets.HTML(highlight(question.code)) if question.code else None
        self.radio: widgets.RadioButtons | None = None
        self.checkboxes: list[widgets.Checkbox] = []
        self.text: widgets.Text | None = None
        answer_box = self._make_input()

        self.check_button = (button("Lock answer", "Lock this answer: your first answer is the one scored", "lock",
                                    style="primary") if exam else
                             button("Check", "Check your answer", "check", style="primary"))
        self.hint_button = button("Hint", "Show a hint", "lightbulb-o", visible=bool(question.hint) and not exam)
        self.retry_button = button("Try again", "Clear the feedback and answer again", "refresh", visible=False)
        self.show_answer_button = button("Show answer", "Show the right answer and the explanation", "eye",
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
            self.radio = widgets.RadioButtons(options=[(plain_label(choices[i].text), i) for i in self._order],
                                              value=None, description="Answer", style={"description_width": "initial"},
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
        self.check_button.on_click(guarded(self.error, lambda _b: self.check()))
        self.hint_button.on_click(guarded(self.error, lambda _b: self.show_hint()))
        self.retry_button.on_click(guarded(self.error, lambda _b: self.retry()))
        self.show_answer_button.on_click(guarded(self.error, lambda _b: self.show_answer()))

    def _touch(self) -> None:
        if self._started_at is None:
            self._started_at = self._clock()

    @property
    def order(self) -> list[int]:
        """The displayed choice order: ``order[position]`` is the original index."""
        return list(self._order)

    def response(self) -> int | list[int] | str | None:
        """The learner's answer in original choice indices (None when nothing is picked)."""
        if self.radio is not None:
            return self.radio.value
        if self.text is not None:
            return self.text.value.strip() or None
        picked = [original for box, original in zip(self.checkboxes, self._order) if box.value]
        return picked or None

    def check(self) -> Grade | None:
        """Grade the current answer (**Check**; **Lock answer** in an exam, which shows nothing until :meth:`finish`).

        Returns:
            The grade; None when nothing was picked (the learner is asked to) or an exam
            question is already locked (it is never graded again).
        """
        if self.mode == "exam" and self.answered:
            return None
        response = self.response()
        asked = missing_answer(self.question, response)
        if asked is not None:
            self.feedback.value = asked
            self.feedback.style.text_color = None
            return None
        result = grade(self.question, response)
        now = self._clock()
        seconds, self._started_at = now - (self._shown_at if self._started_at is None else self._started_at), now
        self._lock(True)
        if self.mode == "exam":
            self.feedback.value = _LOCKED
            self.feedback.style.text_color = None
        else:
            self._show_grade(result)
            if result.correct:
                self._reveal(with_answer=False)
            elif self.attempts + 1 >= MAX_TRIES:
                self._reveal(with_answer=True)
            else:
                set_visible(self.retry_button, True)
                set_visible(self.show_answer_button, True)
        self.last_grade, self.last_seconds = result, seconds
        self.answered, self.correct = True, result.correct
        self.attempts += 1  # last: observers see the whole new state
        return result

    def finish(self) -> None:
        """End an exam question: lock it and show whether the locked answer was right, the answer, the explanation."""
        self._lock(True)
        if self.last_grade is None:
            self.feedback.value = "Not answered."
            self.feedback.style.text_color = WRONG
            self._reveal(with_answer=True)
            return
        self._show_grade(self.last_grade)
        self._reveal(with_answer=not self.last_grade.correct)

    def show_hint(self) -> None:
        """Show the hint (what the **Hint** button does)."""
        self._touch()
        self.hint.value = inline_html(f"**Hint:** {self.question.hint}")

    def retry(self) -> None:
        """Clear the feedback and the answer and unlock the input (what **Try again** does)."""
        if self.radio is not None:
            self.radio.value = None
        if self.text is not None:
            self.text.value = ""
        for box in self.checkboxes:
            box.value = False
        self.feedback.value = ""
        set_visible(self.retry_button, False)
        set_visible(self.show_answer_button, False)
        self._lock(False)

    def show_answer(self) -> None:
        """Show the right answer and the explanation and lock the question (**Show answer**)."""
        self._lock(True)
        self._reveal(with_answer=True)

    def _show_grade(self, result: Grade) -> None:
        self.feedback.value = inline_html(result.message)
        self.feedback.style.text_color = RIGHT if result.correct else WRONG

    def _lock(self, locked: bool) -> None:
        for control in self._inputs():
            control.disabled = locked
        self.check_button.disabled = locked

    def _reveal(self, *, with_answer: bool) -> None:
        order = self._order or None  # letters in the answer follow the displayed order
        parts = [f"**The answer:** {format_answer(self.question, order)}"] if with_answer else []
        if self.question.explanation:
            parts.append(self.question.explanation)
        self.explanation.value = markdown_html("\n\n".join(parts))
        set_visible(self.retry_button, False)
        set_visible(self.show_answer_button, False)
        self.revealed = True

    def __repr__(self) -> str:
        return f"Question({self.question.id!r})"
