from __future__ import annotations

from collections import Counter

import pytest

from ortlearn.quiz.exam import DEFAULT_DRAW, make_exam
from ortlearn.quiz.widgets import QuizWidget


def test_the_same_seed_draws_the_same_exam_and_another_seed_another():
    first, again, other = make_exam(seed=7), make_exam(seed=7), make_exam(seed=8)
    assert [q.id for q in first.questions] == [q.id for q in again.questions]
    assert [q.id for q in first.questions] != [q.id for q in other.questions]


def test_the_draw_counts_by_difficulty_in_order_without_repeats():
    exam = make_exam(seed=1)
    assert Counter(q.difficulty for q in exam.questions) == Counter(DEFAULT_DRAW)
    order = [q.difficulty for q in exam.questions]
    assert order == sorted(order, key=["easy", "medium", "hard"].index)
    assert len({q.id for q in exam.questions}) == len(exam.questions)
    assert exam.topic == "final_exam" and "00_practice" not in {q.topic for q in exam.questions}


def test_questions_keep_their_topic_and_lesson_for_the_review_links():
    exam = make_exam(seed=3, draw={"easy": 10, "medium": 10, "hard": 10})
    assert len({q.topic for q in exam.questions}) > 3
    assert all(q.lesson == q.topic for q in exam.questions)


def test_topics_restrict_the_draw():
    exam = make_exam(seed=0, draw={"easy": 2}, topics=["02_sessions"])
    assert {q.topic for q in exam.questions} == {"02_sessions"}


@pytest.mark.parametrize("draw, pattern", [
    ({"easy": 1000}, r"asks for 1000 easy questions, but the banks .* hold only \d+"),
    ({"trivial": 1}, r"Unknown difficulty \['trivial'\]"),
    ({"easy": -1}, r"must be an int >= 0; got \{'easy': -1\}"),
])
def test_bad_draws_say_what_is_wrong(draw, pattern):
    with pytest.raises(ValueError, match=pattern):
        make_exam(draw=draw)


def test_the_exam_summary_breaks_the_score_down_per_topic():
    exam = make_exam(seed=5, draw={"easy": 6})
    quiz = QuizWidget(exam)
    first = next(w for w in quiz.questions if w.radio is not None)  # a single-choice or true/false question
    first.radio.value = min(first.question.correct_indices)
    first.check_button.click()
    summary = quiz.summary_text()
    assert "| topic | correct | answered | questions |" in summary
    assert f"| {first.question.topic} | 1 | 1 |" in summary
