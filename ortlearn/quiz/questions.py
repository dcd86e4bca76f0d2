"""The data a quiz is made of: frozen, validated question banks.

A bank is one YAML file per topic (``quizzes/banks/NN_topic.yaml``);
:func:`ortlearn.quiz.load_bank` turns it into these objects or raises
``QuestionBankError``. Nothing here imports widgets.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["QUESTION_TYPES", "CHOICE_TYPES", "DIFFICULTIES", "Choice", "Question", "Bank"]

QUESTION_TYPES: tuple[str, ...] = ("single_choice", "multi_choice", "true_false", "numeric")
#: Types answered by picking choices (2–6 of them).
CHOICE_TYPES: tuple[str, ...] = ("single_choice", "multi_choice", "true_false")
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Choice:
    """One option of a choice question.

    Attributes:
        text: What the learner sees (Markdown).
        correct: Whether picking it is right (never sent to the browser before a check).
        feedback: Shown after the learner checks an answer that includes this choice.
        mistake: Optional misconception tag (kebab-case), listed in the quiz summary.
        pin: Keep this choice at its place when the choices are shuffled (e.g.
            "None of these" last); see :func:`ortlearn.quiz.grading.choice_order`.
    """

    text: str
    correct: bool = False
    feedback: str = ""
    mistake: str | None = None
    pin: bool = False


@dataclass(frozen=True)
class Question:
    """One question of a bank.

    Attributes:
        id: Kebab-case id, unique across all banks.
        type: One of :data:`QUESTION_TYPES`.
        difficulty: One of :data:`DIFFICULTIES`.
        prompt: The question (Markdown).
        choices: The options (choice types only; empty for ``numeric``).
        answer: The right value (``numeric`` only).
        tolerance: Accepted absolute difference from ``answer`` (``numeric`` only).
        code: Optional code shown highlighted under the prompt.
        hint: Shown when the learner asks for a hint.
        explanation: Shown after the learner has answered.
        verify: Optional Python that asserts the answer against the installed stack.
        source: Optional name of the seed document the question mirrors.
        lesson: Stem of the lesson that teaches it (``"02_sessions"``); the loader
            fills in the bank's topic when that is a lesson stem and the field
            is absent. Quiz summaries link it under "what to review".
        topic: The bank's topic, e.g. ``"02_sessions"`` (filled in by the loader).
    """

    id: str
    type: str
    difficulty: str
    prompt: str
    choices: tuple[Choice, ...] = ()
    answer: float | None = None
    tolerance: float = 0.0
    code: str = ""
    hint: str = ""
    explanation: str = ""
    verify: str = ""
    source: str = ""
    lesson: str = ""
    topic: str = ""

    @property
    def correct_indices(self) -> frozenset[int]:
        """Indices of the correct choices (empty for ``numeric``)."""
        return frozenset(i for i, choice in enumerate(self.choices) if choice.correct)


@dataclass(frozen=True)
class Bank:
    """A topic's questions, in file order.

    Attributes:
        topic: Same stem as the lesson (``"02_sessions"``) or a practice set name.
        title: Human title, e.g. ``"Sessions"``.
        questions: The questions.
        path: The YAML file it was read from (None when built in memory).
    """

    topic: str
    title: str
    questions: tuple[Question, ...]
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.questions)

    def question(self, question_id: str) -> Question:
        """Return the question with this id.

        Raises:
            KeyError: No such id; the message lists the bank's ids.
        """
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"No question {question_id!r} in bank {self.topic!r}. Its ids are {[q.id for q in self.questions]}.")
