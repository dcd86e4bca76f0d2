"""The end-of-quiz review, computed once as data and rendered by every front end.

:func:`make_summary` turns what happened to each question (a
:class:`QuestionOutcome`) into a :class:`Summary`: the score, what to review
(lessons and question numbers), the misconception tags of wrong answers and,
for a quiz drawn from several banks (the final exam), the score per topic,
which says when a topic has too few questions to judge. :func:`format_summary`
writes it as Markdown, which the widgets render as HTML and the terminal as
plain text (both through :mod:`ortlearn.quiz.render`).

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from ortlearn.lessons import get_lesson, lesson_path
from ortlearn.quiz.grading import Grade
from ortlearn.quiz.questions import Bank, Question

__all__ = [
    "MIN_TOPIC_QUESTIONS",
    "QuestionOutcome",
    "ReviewItem",
    "Summary",
    "TopicScore",
    "format_summary",
    "make_summary",
]

#: A topic with fewer questions than this gets "too few to judge" in the per-topic table.
MIN_TOPIC_QUESTIONS = 3


@dataclass(frozen=True)
class QuestionOutcome:
    """What happened to one question.

    Attributes:
        question: The question.
        grades: Every checked answer, first to last (empty: not answered).
        skipped: The learner passed it by (``s`` in the terminal, or an exam
            submitted without an answer): it is listed under what to review.
    """

    question: Question
    grades: tuple[Grade, ...] = ()
    skipped: bool = False


@dataclass(frozen=True)
class ReviewItem:
    """One lesson to review and the questions that point to it.

    Attributes:
        lesson: The lesson stem (``"02_sessions"``), or the topic when it is no lesson.
        numbers: 1-based positions of those questions in the quiz.
    """

    lesson: str
    numbers: tuple[int, ...]


@dataclass(frozen=True)
class TopicScore:
    """The score on one topic of a quiz drawn from several banks.

    Attributes:
        topic: The bank's topic.
        correct: Questions scored right.
        answered: Questions answered.
        questions: Questions of this topic in the quiz.
        too_few: Fewer than :data:`MIN_TOPIC_QUESTIONS` questions: the score says little.
    """

    topic: str
    correct: int
    answered: int
    questions: int
    too_few: bool


@dataclass(frozen=True)
class Summary:
    """The review of a quiz.

    Attributes:
        title: The quiz's title.
        total: Questions in the quiz.
        answered: Questions answered at least once.
        correct: Questions scored right (practice: the latest check; exam: the first).
        review: Lessons to review (wrong or skipped questions), in quiz order.
        mistakes: Misconception tags of the wrong answers, in quiz order, without repeats.
        topics: The score per topic, for a quiz drawn from several banks (else empty).
    """

    title: str
    total: int
    answered: int
    correct: int
    review: tuple[ReviewItem, ...]
    mistakes: tuple[str, ...]
    topics: tuple[TopicScore, ...] = ()

    @property
    def progress(self) -> str:
        """``"answered 3/10 · correct 2"``."""
        return f"answered {self.answered}/{self.total} · correct {self.correct}"


def make_summary(bank: Bank, outcomes: Sequence[QuestionOutcome], *,
                 scored: Literal["last", "first"] = "last") -> Summary:
    """Review a quiz: score, lessons to review, misconceptions, and the score per topic of an exam.

    Args:
        bank: The quiz's bank (its title; its topic tells a lesson quiz from an exam).
        outcomes: One per question of the quiz, in quiz order (questions not
            reached may be left out: they count as not answered).
        scored: Which check counts: ``"last"`` (practice: after "Try again") or
            ``"first"`` (exam: the first answer is the one scored).

    Returns:
        The :class:`Summary`. A question is to review when any check of it was
        wrong or it was skipped; per-topic scores appear when the questions
        come from several topics, none of them the bank's own.

    Raises:
        ValueError: ``scored`` is neither ``"last"`` nor ``"first"``.
    """
    if scored not in ("last", "first"):
        raise ValueError(f"scored must be 'last' (practice) or 'first' (exam); got {scored!r}.")
    pick = -1 if scored == "last" else 0

    def is_right(outcome: QuestionOutcome) -> bool:
        return bool(outcome.grades) and outcome.grades[pick].correct

    by_lesson: dict[str, list[int]] = {}
    mistakes: dict[str, None] = {}
    for number, outcome in enumerate(outcomes, start=1):
        graded = outcome.grades if scored == "last" else outcome.grades[:1]
        if outcome.skipped or any(not grade.correct for grade in graded):
            question = outcome.question
            by_lesson.setdefault(question.lesson or question.topic, []).append(number)
        for grade in graded:
            mistakes.update(dict.fromkeys(grade.mistakes))
    topics: tuple[TopicScore, ...] = ()
    names = sorted({q.topic for q in bank.questions})
    if len(names) > 1 and bank.topic not in names:
        topics = tuple(_topic_score(topic, bank, outcomes, is_right) for topic in names)
    return Summary(
        title=bank.title,
        total=len(bank.questions),
        answered=sum(bool(o.grades) for o in outcomes),
        correct=sum(is_right(o) for o in outcomes),
        review=tuple(ReviewItem(lesson, tuple(numbers)) for lesson, numbers in by_lesson.items()),
        mistakes=tuple(mistakes),
        topics=topics,
    )


def _topic_score(topic: str, bank: Bank, outcomes: Sequence[QuestionOutcome],
                 is_right: Callable[[QuestionOutcome], bool]) -> TopicScore:
    mine = [o for o in outcomes if o.question.topic == topic]
    questions = sum(q.topic == topic for q in bank.questions)
    return TopicScore(topic, sum(is_right(o) for o in mine), sum(bool(o.grades) for o in mine), questions,
                      questions < MIN_TOPIC_QUESTIONS)


def format_summary(summary: Summary, *, lesson_link_base: str = "../lessons/", finished: bool = False) -> str:
    """Write a summary as Markdown (the widgets render it as HTML, the terminal as plain text).

    Args:
        summary: From :func:`make_summary`.
        lesson_link_base: Prefix of lesson links, relative to where the text is
            read (``"../lessons/"`` from a notebook in ``quizzes/`` or ``lessons/``,
            ``"lessons/"`` from the repository root in a terminal).
        finished: The quiz is over (terminal session ended, exam submitted):
            unanswered questions are reported as "not answered" rather than
            "not answered yet".

    Returns:
        A heading, the score, what to review with lesson links, the
        misconceptions, and the per-topic table when there is one.

    Example:
        >>> s = Summary("Sessions", 2, 2, 2, (), ())
        >>> print(format_summary(s))
        ### Summary: Sessions
        <BLANKLINE>
        **Score: 2/2 correct** (answered 2/2 · correct 2)
        <BLANKLINE>
        Nothing to review: every answer so far was right.
    """
    lines = [f"### Summary: {summary.title}", "", f"**Score: {summary.correct}/{summary.total} correct** "
             f"({summary.progress})"]
    missing = summary.total - summary.answered
    if missing:
        lines += ["", f"{_plural(missing)} not answered{'' if finished else ' yet'}."]
    if summary.review:
        lines += ["", "**What to review:**", ""]
        lines += [f"- {_lesson_link(item.lesson, lesson_link_base)}: question{'s' if len(item.numbers) > 1 else ''} "
                  f"{', '.join(map(str, item.numbers))}" for item in summary.review]
    elif summary.answered:
        lines += ["", f"Nothing to review: every answer{'' if finished else ' so far'} was right."]
    if summary.mistakes:
        lines += ["", "**Misconceptions to revisit:** " + ", ".join(f"`{tag}`" for tag in summary.mistakes)]
    if summary.topics:
        lines += ["", "| topic | correct | answered | questions | note |", "|---|--:|--:|--:|---|"]
        lines += [f"| {t.topic} | {t.correct} | {t.answered} | {t.questions} | "
                  f"{f'< {MIN_TOPIC_QUESTIONS} questions: too few to judge' if t.too_few else ''} |"
                  for t in summary.topics]
    return "\n".join(lines)


def _lesson_link(stem: str, base: str) -> str:
    try:
        lesson = get_lesson(stem)
    except KeyError:
        return f"{stem or 'this quiz'} (no lesson page)"
    return f"[{lesson.title}]({base}{PurePosixPath(lesson_path(stem)).name})"


def _plural(n: int) -> str:
    return f"{n} question{'' if n == 1 else 's'}"
