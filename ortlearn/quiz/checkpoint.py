"""Predict, then run: a lesson's checkpoint widget.

The learner commits to an option before the next cell shows what really happens.
A checkpoint holds no answer key: the notebook computes the real outcome and passes
it to :meth:`Checkpoint.reveal`.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import traitlets

from ortlearn.quiz._controls import button, guarded, inline_html, markdown_html, plain_label

__all__ = ["Checkpoint", "CheckpointOutcome"]


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
        prompt_area = widgets.HTML(markdown_html(prompt))
        self.radio = widgets.RadioButtons(options=[(plain_label(o), o) for o in options], value=None,
                                          description="Prediction", style={"description_width": "initial"},
                                          layout=widgets.Layout(width="auto"))
        self.commit_button = button("Commit", "Lock in your prediction", "lock", style="primary")
        self.status = widgets.HTML("")
        self.error = widgets.HTML("")
        self.children = [prompt_area, self.radio, self.commit_button, self.status, self.error]
        self.commit_button.on_click(guarded(self.error, lambda _b: self.commit()))

    def commit(self) -> None:
        """Lock the selected option as the prediction (what **Commit** does)."""
        if self.radio.value is None:
            self.status.value = "Pick an option first."
            return
        self.prediction = self.radio.value
        self.radio.disabled = self.commit_button.disabled = True
        self.status.value = inline_html(f"Prediction recorded: {self.prediction}. "
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
        self.status.value = inline_html(outcome.message)
        return outcome

    def __repr__(self) -> str:
        return f"Checkpoint({self.prompt!r})"
