from __future__ import annotations

from collections import Counter

import pytest

from ortlearn.lessons import LESSONS
from ortlearn.quiz.bank import load_banks
from ortlearn.quiz.exam import DEFAULT_DRAW, draw_exam, make_exam
from ortlearn.quiz.questions import Bank, Choice, Question
from ortlearn.quiz.widgets import QuizWidget

LESSON_TOPICS = [lesson.stem for lesson in LESSONS if lesson.stem != "00_start_here"]


@pytest.fixture(scope="module")
def lesson_banks() -> list[Bank]:
    return load_banks(LESSON_TOPICS)


def test_every_seed_of_200_examines_every_lesson_equally_with_the_exact_difficulty_mix(lesson_banks):
    seen = Counter()
    for seed in range(200):
        exam = draw_exam(lesson_banks, seed=seed)
        per_lesson = Counter(q.topic for q in exam.questions)
        assert per_lesson == {topic: 2 for topic in LESSON_TOPICS}, (seed, per_lesson)
        assert Counter(q.difficulty for q in exam.questions) == Counter(DEFAULT_DRAW), seed
        seen.update((q.topic, q.difficulty) for q in exam.questions)
    # No lesson is limited to some difficulties: over 200 exams each bank's easy, medium and hard questions appear.
    assert all(seen[(topic, d)] > 0 for topic in LESSON_TOPICS for d in ("easy", "medium", "hard"))


def test_uneven_totals_differ_by_at_most_one_question_per_lesson(lesson_banks):
    for seed in range(20):
        exam = draw_exam(lesson_banks, seed=seed, draw={"easy": 4, "medium": 5, "hard": 3})
        counts = Counter(q.topic for q in exam.questions)
        assert set(counts) == set(LESSON_TOPICS) and max(counts.values()) - min(counts.values()) == 1


def _question(qid: str, topic: str, difficulty: str) -> Question:
    return Question(id=qid, type="true_false", difficulty=difficulty, prompt=f"Statement {qid}.",
                    choices=(Choice("True", correct=True), Choice("False")), topic=topic, lesson=topic)


def test_a_mix_the_banks_cannot_give_in_equal_shares_says_so():
    only_easy = Bank(topic="a", title="A", questions=tuple(_question(f"a{i}", "a", "easy") for i in range(4)))
    only_hard = Bank(topic="b", title="B", questions=tuple(_question(f"b{i}", "b", "hard") for i in range(4)))
    with pytest.raises(ValueError, match=r"No draw of \{'easy': 3, 'hard': 1\} gives every bank .* equal share"):
        draw_exam([only_easy, only_hard], draw={"easy": 3, "hard": 1})
    exam = draw_exam([only_easy, only_hard], draw={"easy": 2, "hard": 2})
    assert Counter(q.topic for q in exam.questions) == {"a": 2, "b": 2}


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
    assert "| topic | correct | answered | questions | note |" in summary
    assert f"| {first.question.topic} | 1 | 1 |" in summary


def test_the_per_topic_table_says_when_a_topic_has_too_few_questions_to_judge():
    exam = make_exam(seed=2026)  # 2 questions per lesson
    total = 2 * len(LESSON_TOPICS)
    assert sum(DEFAULT_DRAW.values()) == total
    quiz = QuizWidget(exam, mode="exam", seed=None)
    for widget in quiz.questions:  # answer everything right
        question = widget.question
        if question.type == "numeric":
            widget.text.value = repr(question.answer)
        elif question.type == "multi_choice":
            for box, original in zip(widget.checkboxes, widget.order):
                box.value = original in question.correct_indices
        else:
            widget.radio.value = min(question.correct_indices)
        widget.check_button.click()
    assert quiz.summary.value == ""  # nothing before the exam is submitted
    summary = quiz.submit()
    assert (summary.correct, summary.total) == (total, total)
    assert [(t.questions, t.too_few) for t in summary.topics] == [(2, True)] * len(LESSON_TOPICS)
    text = quiz.summary_text()
    assert text.count("| 2 | 2 | 2 | < 3 questions: too few to judge |") == len(LESSON_TOPICS)
    # 3 per lesson (33 for 11 lessons)
    bigger = QuizWidget(make_exam(seed=1, draw={"easy": 11, "medium": 15, "hard": 7}), mode="exam").make_summary()
    assert all(t.questions == 3 and not t.too_few for t in bigger.topics)
