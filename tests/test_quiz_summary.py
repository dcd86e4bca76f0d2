"""The review computed once as data (make_summary) and written once as Markdown (format_summary)."""

from __future__ import annotations

import pytest

from ortlearn.quiz.grading import grade
from ortlearn.quiz.questions import Bank
from ortlearn.quiz.render import format_markdown_text
from ortlearn.quiz.summary import QuestionOutcome, ReviewItem, Summary, TopicScore, format_summary, make_summary


def test_make_summary_is_pure_data(samples):
    single, multi, numeric, true_false = samples.bank.questions
    outcomes = [
        QuestionOutcome(single, (grade(single, 1), grade(single, 0))),  # wrong, then right after Try again
        QuestionOutcome(multi, (grade(multi, [0, 2]),)),
        QuestionOutcome(numeric, skipped=True),
    ]
    summary = make_summary(samples.bank, outcomes)
    assert summary == Summary(
        title="Sessions", total=4, answered=2, correct=1,
        review=(ReviewItem("02_sessions", (1, 2)), ReviewItem("05_metrics_pitfalls", (3,))),
        mistakes=("output-is-array", "float64-feed"), topics=(),
    )
    assert summary.progress == "answered 2/4 · correct 1"
    first = make_summary(samples.bank, outcomes, scored="first")
    assert first.correct == 0 and first.mistakes == ("output-is-array", "float64-feed")


def test_scored_must_be_first_or_last(samples):
    with pytest.raises(ValueError, match=r"scored must be 'last' \(practice\) or 'first' \(exam\); got 'best'\."):
        make_summary(samples.bank, [], scored="best")


def test_a_quiz_drawn_from_several_banks_scores_each_topic_and_flags_thin_ones(samples):
    exam = Bank("final_exam", "Exam", (samples.single, samples.multi, samples.true_false, samples.pinned))
    outcomes = [QuestionOutcome(samples.single, (grade(samples.single, 0),)),
                QuestionOutcome(samples.true_false, (grade(samples.true_false, 0),))]
    summary = make_summary(exam, outcomes)
    assert summary.topics == (TopicScore("02_sessions", 1, 1, 2, True), TopicScore("03_providers", 0, 1, 2, True))
    text = format_summary(summary)
    assert "| topic | correct | answered | questions | note |" in text
    assert "| 02_sessions | 1 | 1 | 2 | < 3 questions: too few to judge |" in text


def test_one_markdown_text_renders_for_widgets_and_terminals(samples):
    single = samples.single
    summary = make_summary(samples.bank, [QuestionOutcome(single, (grade(single, 2),))])
    markdown = format_summary(summary, lesson_link_base="lessons/", finished=True)
    assert markdown == (
        "### Summary: Sessions\n\n**Score: 0/4 correct** (answered 1/4 · correct 0)\n\n3 questions not answered.\n\n"
        "**What to review:**\n\n- [Inference sessions](lessons/02_sessions.ipynb): question 1\n\n"
        "**Misconceptions to revisit:** `output-is-dict`"
    )
    assert format_markdown_text(markdown) == (
        "Summary: Sessions\n\nScore: 0/4 correct (answered 1/4 · correct 0)\n\n3 questions not answered.\n\n"
        "What to review:\n\n- Inference sessions (lessons/02_sessions.ipynb): question 1\n\n"
        "Misconceptions to revisit: `output-is-dict`"
    )
    assert "not answered yet." in format_summary(summary)  # a practice quiz still in progress
