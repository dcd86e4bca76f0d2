"""The quiz widgets, driven without a browser: set ``.value``, call ``.click()``, read state.

Questions come from the shared ``samples`` fixture (tests/conftest.py); no YAML file is read.
Choices are shuffled by default, so tests pick by original index (``radio.value``) or by
label, and read letters through the widget's displayed ``order``.
"""

from __future__ import annotations

import html
import json
import logging
import re

import ipywidgets as widgets
import pytest

import ortlearn.quiz.question_widget as question_widget
import ortlearn.quiz.widgets as quiz_widgets
from ortlearn.quiz.grading import choice_label, choice_order, format_answer
from ortlearn.quiz.questions import Bank, Choice, Question
from ortlearn.quiz.render import format_markdown_html
from ortlearn.quiz.shuffle import learner_id
from ortlearn.quiz.store import ResultStore
from ortlearn.quiz.widgets import Checkpoint, QuestionWidget, QuizProgress, QuizWidget, plain_label

KINDS = ("single", "multi", "numeric", "true_false")


def widget_state_text(widget: widgets.Widget) -> str:
    """Every synced trait of ``widget`` and of every widget it references, as one JSON text."""
    seen: set[str] = set()
    texts: list[str] = []

    def walk(w: widgets.Widget) -> None:
        if w.model_id in seen:
            return
        seen.add(w.model_id)
        texts.append(json.dumps(w.get_state(), default=str, ensure_ascii=False))
        for key in w.keys:
            value = getattr(w, key)
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, widgets.Widget):
                    walk(item)

    walk(widget)
    return "\n".join(texts)


def outputs_text(area: widgets.HTML) -> str:
    """The text a learner reads in a rendered-Markdown area (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", area.value))


def answer_single(widget: QuestionWidget, original_index: int) -> None:
    widget.radio.value = original_index
    widget.check_button.click()


def tick(widget: QuestionWidget, *originals: int) -> None:
    """Tick the checkboxes of these original choice indices (wherever they are displayed)."""
    for box, original in zip(widget.checkboxes, widget.order):
        box.value = original in originals


def labels(widget: QuestionWidget) -> list[str]:
    if widget.radio is not None:
        return list(widget.radio.get_state()["_options_labels"])
    return [box.description for box in widget.checkboxes]


# --- single choice, hint, retry, show answer --------------------------------------------------

def test_correct_single_choice_shows_feedback_and_explanation(samples):
    q = QuestionWidget(samples.single)
    answer_single(q, 0)
    assert q.feedback.value.startswith("Correct")
    assert "One entry per requested output." in q.feedback.value
    assert samples.single.explanation in outputs_text(q.explanation)
    assert (q.answered, q.correct, q.attempts) == (True, True, 1)
    assert q.radio.disabled and q.check_button.disabled
    assert q.retry_button.layout.display == "none"


def test_incorrect_single_choice_offers_retry_but_not_the_answer(samples):
    q = QuestionWidget(samples.single)
    answer_single(q, 1)
    assert q.feedback.value.startswith("Incorrect")
    assert "That is what indexing outputs[0] gives you." in q.feedback.value
    assert (q.answered, q.correct) == (True, False)
    assert q.retry_button.layout.display is None and q.show_answer_button.layout.display is None
    assert q.explanation.value == ""


def test_hint_appears_only_after_click_and_button_hidden_without_hint(samples):
    q = QuestionWidget(samples.single)
    assert q.hint.value == ""
    q.hint_button.click()
    assert "Look at how the outputs are indexed" in q.hint.value
    assert QuestionWidget(samples.multi).hint_button.layout.display == "none"


def test_retry_clears_feedback_and_unlocks_input(samples):
    q = QuestionWidget(samples.single)
    answer_single(q, 2)
    q.retry_button.click()
    assert q.feedback.value == ""
    assert q.radio.value is None and not q.radio.disabled and not q.check_button.disabled
    assert q.retry_button.layout.display == "none"
    answer_single(q, 0)
    assert q.feedback.value.startswith("Correct")
    assert (q.attempts, q.correct) == (2, True)


def test_second_incorrect_check_reveals_answer_and_explanation(samples):
    q = QuestionWidget(samples.single)
    answer_single(q, 1)
    q.retry_button.click()
    answer_single(q, 2)
    shown = outputs_text(q.explanation)
    assert f"The answer: {format_answer(samples.single, q.order)}" in shown and samples.single.explanation in shown
    assert q.retry_button.layout.display == "none" and q.check_button.disabled


def test_show_answer_button_reveals_and_locks(samples):
    q = QuestionWidget(samples.single)
    answer_single(q, 1)
    q.show_answer_button.click()
    assert format_answer(samples.single, q.order) in outputs_text(q.explanation)
    assert q.radio.disabled and q.show_answer_button.layout.display == "none"


def test_check_with_nothing_picked_asks_and_counts_no_attempt(samples):
    q = QuestionWidget(samples.single)
    q.check_button.click()
    assert q.feedback.value == "Choose an answer first."
    assert q.attempts == 0 and not q.answered


def test_prompt_is_markdown_and_code_is_highlighted_inline(samples):
    q = QuestionWidget(samples.single, number=3)
    assert q.prompt.value == ("<p><strong>Question 3.</strong> What type does <code>session.run(None, feeds)</code> "
                              "return?</p>")
    assert "<pre" in q.code.value and "style=" in q.code.value and "class=\"k\"" not in q.code.value
    assert q.radio.description == "Answer"
    assert q.check_button.tooltip and q.hint_button.tooltip and q.retry_button.tooltip


# --- other types ---------------------------------------------------------------------------

@pytest.mark.parametrize(("picked", "correct"), [((0,), False), ((0, 2), False), ((0, 1), True)])
def test_multi_choice_partial_and_full(samples, picked, correct):
    q = QuestionWidget(samples.multi)
    tick(q, *picked)
    q.check_button.click()
    assert q.feedback.value.startswith("Correct" if correct else "Incorrect")
    assert q.correct is correct


def test_multi_choice_with_nothing_ticked_asks_instead_of_grading(samples):
    q = QuestionWidget(samples.multi)
    q.check_button.click()
    assert q.feedback.value == "Choose at least one answer first." and q.attempts == 0


@pytest.mark.parametrize(("typed", "correct"), [("0.8695", True), ("0.869", True), ("0.88", False),
                                                ("about 0.87", False)])
def test_numeric_within_and_outside_tolerance_and_text(samples, typed, correct):
    q = QuestionWidget(samples.numeric)
    q.text.value = typed
    q.check_button.click()
    assert q.feedback.value.startswith("Correct" if correct else "Incorrect")
    assert q.attempts == 1


def test_numeric_blank_asks_for_a_number(samples):
    q = QuestionWidget(samples.numeric)
    q.text.value = "   "
    q.check_button.click()
    assert q.feedback.value == "Type a number first." and q.attempts == 0


def test_true_false_keeps_true_then_false_whatever_the_seed(samples):
    for seed in ("learner", 1, 2, 3, None):
        assert QuestionWidget(samples.true_false, seed=seed).radio.options == (("True", 0), ("False", 1))
    q = QuestionWidget(samples.true_false)
    answer_single(q, 0)
    assert q.feedback.value.startswith("Incorrect") and "It only warns" in q.feedback.value
    q.retry_button.click()
    answer_single(q, 1)
    assert q.feedback.value.startswith("Correct")


# --- shuffling: per learner by default, a class seed, the bank's order for authors ------------------

def test_choices_are_shuffled_by_default_with_this_learners_id(samples):
    order = choice_order(samples.pinned, learner_id())
    assert order != list(range(5)) or choice_order(samples.pinned, "other") != list(range(5))
    assert QuestionWidget(samples.pinned).order == order


def test_the_same_learner_sees_the_same_order_on_every_reload(samples):
    first = [QuestionWidget(q).order for q in (samples.single, samples.multi, samples.pinned)]
    again = [w.order for w in QuizWidget(Bank("x", "X", (samples.single, samples.multi, samples.pinned))).questions]
    assert first == again


def test_another_learner_sees_another_order(samples, tmp_path, monkeypatch):
    mine = QuestionWidget(samples.pinned).order
    orders = set()
    for n in range(6):  # six other learners (fresh data folders): P(all six as mine) = (1/24)^6
        monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path / f"learner-{n}"))
        orders.add(tuple(QuestionWidget(samples.pinned).order))
    assert orders - {tuple(mine)}


def test_a_class_seed_gives_everyone_the_same_order(samples, class_seed, tmp_path, monkeypatch):
    class_seed(2026)
    expected = choice_order(samples.pinned, 2026)
    for n in range(3):
        monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path / f"learner-{n}"))
        assert QuizWidget(Bank("x", "X", (samples.pinned,))).questions[0].order == expected
    assert QuestionWidget(samples.pinned, seed=7).order == choice_order(samples.pinned, 7)  # an argument wins


def test_a_bad_class_seed_says_what_to_do(samples, class_seed):
    class_seed("monday")
    with pytest.raises(ValueError, match=r"ORTLEARN_QUIZ_SEED must be a whole number such as 2026 .*got 'monday'\. "
                                         r"Unset it to shuffle per learner\."):
        QuizWidget(Bank("x", "X", (samples.single,)))


def test_seed_none_keeps_the_bank_order(samples):
    assert labels(QuestionWidget(samples.single, seed=None)) == [plain_label(c.text) for c in samples.single.choices]


def test_pinned_choice_keeps_its_place(samples):
    for seed in range(30):
        assert QuestionWidget(samples.pinned, seed=seed).order[4] == 4
    assert len({tuple(QuestionWidget(samples.pinned, seed=seed).order) for seed in range(30)}) > 1


def test_shuffled_choices_map_back_to_original_indices(samples):
    single = samples.single
    seed = next(s for s in range(50) if choice_order(single, s) != [0, 1, 2])
    order = choice_order(single, seed)
    q = QuestionWidget(single, seed=seed)
    assert labels(q) == [plain_label(single.choices[i].text) for i in order]
    q.radio.label = "a single numpy array"  # pick by what the learner sees
    q.check_button.click()
    assert q.feedback.value.startswith("Incorrect") and single.choices[1].feedback in q.feedback.value
    q.show_answer_button.click()  # the answer's letter is the displayed position
    assert f"{choice_label(order.index(0))}. list of numpy arrays" in outputs_text(q.explanation)
    q = QuestionWidget(single, seed=seed)
    q.radio.label = "list of numpy arrays"
    q.check_button.click()
    assert q.feedback.value.startswith("Correct")

    multi = QuestionWidget(samples.multi, seed=seed)
    for box in multi.checkboxes:
        box.value = box.description in {"float32 array", "nested Python list"}
    multi.check_button.click()
    assert multi.correct


def test_shuffling_changes_nothing_that_is_saved(samples, tmp_path):
    saved = []
    for seed in (None, 1, 2):
        store = ResultStore(tmp_path / f"results-{seed}.json")
        quiz = QuizWidget(samples.bank, seed=seed, store=store)
        answer_single(quiz.questions[0], 1)
        tick(quiz.questions[1], 0, 1)
        quiz.questions[1].check_button.click()
        saved.append({qid: (r.correct, r.attempts) for qid, r in store.results().items()})
    assert saved[0] == saved[1] == saved[2] == {samples.single.id: (False, 1), samples.multi.id: (True, 1)}


# --- the answer key stays in the kernel ------------------------------------------------------

def secrets_of(question: Question) -> list[str]:
    """What must not show before a check: feedback, hint, explanation, the numeric answer, mistake tags."""
    found = [c.feedback for c in question.choices] + [c.mistake for c in question.choices if c.mistake]
    found += [text for text in (question.hint, question.explanation) if text]
    if question.type == "numeric":
        found += [format_answer(question), "0.869"]
    return found


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["practice", "exam"])
def test_no_answer_key_in_widget_state_before_check(samples, kind, mode):
    question = getattr(samples, kind)
    q = QuestionWidget(question, mode=mode)
    before = widget_state_text(q)
    for secret in secrets_of(question) + ["Correct", "Incorrect", "The answer"]:
        assert secret not in before, secret
    assert '"correct"' not in before.lower()
    assert sorted(labels(q)) == sorted(plain_label(c.text) for c in question.choices)


def test_answer_key_appears_only_after_the_clicks_that_reveal_it(samples):
    single = samples.single
    q = QuestionWidget(single)
    q.hint_button.click()
    after_hint = widget_state_text(q)
    assert single.hint in after_hint and single.explanation not in after_hint
    answer_single(q, 1)
    after_check = widget_state_text(q)
    assert "Incorrect" in after_check and single.choices[1].feedback in after_check
    assert "The answer" not in after_check and single.explanation not in after_check
    q.show_answer_button.click()
    after_reveal = widget_state_text(q)
    assert (f"The answer:</strong> {format_answer(single, q.order)}" in after_reveal
            and single.explanation in after_reveal)


def test_whole_quiz_state_leaks_nothing_before_checks(samples):
    state = widget_state_text(QuizWidget(samples.bank))
    for kind in KINDS:
        for secret in secrets_of(getattr(samples, kind)):
            assert secret not in state, secret


# --- exam mode -------------------------------------------------------------------------------

def exam_of(samples, **kwargs) -> QuizWidget:
    return QuizWidget(samples.bank, mode="exam", **kwargs)


def test_exam_shows_no_hint_no_feedback_and_locks_the_first_answer(samples):
    quiz = exam_of(samples)
    single = quiz.questions[0]
    assert single.hint_button.layout.display == "none" and single.check_button.description == "Lock answer"
    answer_single(single, 1)  # wrong
    assert single.feedback.value == "Answer locked. You will see whether it was right when you submit the exam."
    assert single.radio.disabled and single.check_button.disabled
    assert single.retry_button.layout.display == "none" and single.show_answer_button.layout.display == "none"
    state = widget_state_text(quiz)
    for secret in secrets_of(samples.single) + ["Correct", "Incorrect", "The answer", "correct 0"]:
        assert secret not in state, secret
    assert quiz.progress_line.value == "answered 1/4" and quiz.summary.value == ""


def test_exam_scores_the_first_answer_even_if_the_learner_tries_again(samples, tmp_path):
    store = ResultStore(tmp_path / "results.json")
    quiz = exam_of(samples, store=store)
    single = quiz.questions[0]
    answer_single(single, 1)  # wrong, locked
    single.radio.value = 0  # a later change (e.g. from the front end) is not graded
    assert single.check() is None
    single.retry()  # even re-enabling the input by hand changes nothing
    answer_single(single, 0)
    assert single.attempts == 1 and single.last_grade.correct is False
    assert store.results()[samples.single.id].attempts == 1 and not store.results()[samples.single.id].correct
    quiz.submit()
    quiz.submit()
    assert quiz.make_summary().correct == 0
    assert "**Score: 0/4 correct**" in quiz.summary_text()


def test_exam_summary_uses_the_first_check_even_with_later_grades():
    from ortlearn.quiz.grading import Grade
    from ortlearn.quiz.summary import QuestionOutcome, make_summary

    question = Question("q", "single_choice", "easy", "?", (Choice("a", True), Choice("b")), topic="t")
    outcome = QuestionOutcome(question, (Grade(False, "Incorrect."), Grade(True, "Correct.")))
    bank = Bank("t", "T", (question,))
    assert make_summary(bank, [outcome], scored="first").correct == 0
    assert make_summary(bank, [outcome], scored="last").correct == 1


def test_submit_exam_asks_again_when_questions_are_unanswered_then_shows_everything(samples):
    quiz = exam_of(samples)
    single, multi, numeric, true_false = quiz.questions
    answer_single(single, 0)
    tick(multi, 0, 2)
    multi.check_button.click()
    quiz.submit_button.click()
    assert "2 questions not answered: they will count as wrong." in outputs_text(quiz.status)
    assert quiz.summary.value == "" and not quiz.submitted
    quiz.submit_button.click()
    assert quiz.submitted and quiz.submit_button.disabled
    assert single.feedback.value.startswith("Correct") and samples.single.explanation in outputs_text(single.explanation)
    assert multi.feedback.value.startswith("Incorrect") and "The answer:" in outputs_text(multi.explanation)
    assert numeric.feedback.value == "Not answered." and "The answer: 0.869 (±0.001)" in outputs_text(numeric.explanation)
    assert numeric.text.disabled and true_false.radio.disabled
    text = quiz.summary_text()
    assert "**Score: 1/4 correct** (answered 2/4 · correct 1)" in text and "2 questions not answered." in text
    assert "questions 2" not in text and "[Inference sessions](../lessons/02_sessions.ipynb): question 2" in text
    assert "question 3" in text and "question 4" in text  # unanswered exam questions are to review
    assert quiz.progress_line.value == "answered 2/4 · correct 1"
    assert quiz.summary.value == format_markdown_html(text)


def test_exam_with_every_question_answered_submits_at_once(samples):
    quiz = exam_of(samples)
    single, multi, numeric, true_false = quiz.questions
    answer_single(single, 0)
    tick(multi, 0, 1)
    multi.check_button.click()
    numeric.text.value = "0.9"
    numeric.check_button.click()
    answer_single(true_false, 1)
    assert quiz.summary.value == ""  # all answered, still nothing shown
    assert quiz.submit() is not None and quiz.make_summary().correct == 3


def test_practice_quiz_has_no_submit_and_submit_says_so(samples):
    quiz = QuizWidget(samples.bank)
    assert quiz.submit_button.layout.display == "none" and quiz.summary_button.layout.display is None
    with pytest.raises(RuntimeError, match=r"submit\(\) ends an exam; this quiz is in practice mode"):
        quiz.submit()


def test_unknown_mode_is_refused(samples):
    with pytest.raises(ValueError, match=r"mode must be one of \['practice', 'exam'\]; got 'Exam'\."):
        quiz_widgets.show(samples.bank, mode="Exam")


# --- errors, timing, results ----------------------------------------------------------------

def test_callback_error_is_shown_in_the_widget_and_logged(samples, monkeypatch, caplog):
    def broken_grade(question, response):
        raise RuntimeError("grading exploded")

    monkeypatch.setattr(question_widget, "grade", broken_grade)
    q = QuestionWidget(samples.single)
    with caplog.at_level(logging.ERROR, logger="ortlearn.quiz.widgets"):
        answer_single(q, 0)  # must not raise out of the click
    assert "RuntimeError: grading exploded" in q.error.value
    assert "Something went wrong" in q.error.value
    assert any("grading exploded" in (r.exc_text or "") for r in caplog.records)
    assert q.attempts == 0


def test_seconds_run_from_first_interaction_then_from_the_previous_check(samples, fake_clock, tmp_path):
    store = ResultStore(tmp_path / "results.json")
    quiz = QuizWidget(Bank(topic="02_sessions", title="Sessions", questions=(samples.single,)), store=store,
                      clock=fake_clock)
    q = quiz.questions[0]
    fake_clock.now += 30  # reading other questions, not yet touching this one
    q.radio.value = 1
    fake_clock.now += 4.5
    q.check_button.click()
    assert q.last_seconds == pytest.approx(4.5)
    fake_clock.now += 2  # reading the feedback
    q.retry_button.click()
    q.radio.value = 0
    fake_clock.now += 1
    q.check_button.click()
    assert q.last_seconds == pytest.approx(3)
    assert store.results()[samples.single.id].seconds == pytest.approx(7.5)


def test_result_store_records_every_check(samples, tmp_path):
    store = ResultStore(tmp_path / "results.json")
    quiz = QuizWidget(samples.bank, store=store)
    single = quiz.questions[0]
    answer_single(single, 1)
    single.retry_button.click()
    answer_single(single, 0)
    results = store.results()
    assert set(results) == {samples.single.id}
    assert results[samples.single.id].attempts == 2 and results[samples.single.id].correct


# --- the quiz ------------------------------------------------------------------------------

def test_header_counts_questions_by_difficulty(samples):
    header = QuizWidget(samples.bank).header.value
    assert "Sessions" in header and "4 questions: 2 easy · 1 medium · 1 hard" in header
    assert "exam: no feedback until you submit" in exam_of(samples).header.value


def test_progress_line_updates_on_every_check(samples):
    quiz = QuizWidget(samples.bank)
    single, multi, numeric, true_false = quiz.questions
    assert quiz.progress_line.value == "answered 0/4 · correct 0"
    answer_single(single, 0)
    tick(multi, 2)
    multi.check_button.click()
    numeric.text.value = "0.869"
    numeric.check_button.click()
    assert quiz.progress_line.value == "answered 3/4 · correct 2"
    assert quiz.progress == QuizProgress(3, 2, 4) == (3, 2, 4)
    assert quiz.summary.value == ""  # not every question answered yet


def test_summary_links_missed_lessons_and_lists_mistakes(samples):
    quiz = QuizWidget(samples.bank)
    single, multi, numeric, true_false = quiz.questions
    answer_single(single, 1)  # wrong: output-is-array
    tick(multi, 0, 1)
    multi.check_button.click()
    numeric.text.value = "0.869"
    numeric.check_button.click()
    answer_single(true_false, 0)  # wrong: cuda-request-raises
    text = quiz.summary_text()
    assert "**Score: 2/4 correct** (answered 4/4 · correct 2)" in text
    assert "[Inference sessions](../lessons/02_sessions.ipynb): question 1" in text
    assert "[Execution providers](../lessons/03_providers.ipynb): question 4" in text
    assert "05_metrics_pitfalls" not in text
    assert "`output-is-array`, `cuda-request-raises`" in text
    assert quiz.summary.value == format_markdown_html(text)  # appeared by itself once all were answered


def test_summary_button_works_any_time_and_link_base_is_configurable(samples):
    quiz = QuizWidget(samples.bank, lesson_link_base="lessons/")
    quiz.summary_button.click()
    assert "4 questions not answered yet." in outputs_text(quiz.summary)
    answer_single(quiz.questions[0], 2)
    assert ('<a href="lessons/02_sessions.ipynb" target="_blank" rel="noopener noreferrer">Inference sessions</a>'
            in quiz.summary.value)
    assert "<code>output-is-dict</code>" in quiz.summary.value


def test_question_without_known_lesson_is_listed_without_link():
    orphan = Question(id="practice-one", type="true_false", difficulty="easy", prompt="Is this practice?",
                      choices=(Choice("True", correct=True), Choice("False")), topic="practice")
    quiz = QuizWidget(Bank(topic="practice", title="Practice", questions=(orphan,)))
    answer_single(quiz.questions[0], 1)
    assert "- practice (no lesson page): question 1" in quiz.summary_text()


# --- checkpoint ----------------------------------------------------------------------------

PROMPT = "Will ORT accept a batch of 5 rows?"


def test_checkpoint_commit_then_reveal_held():
    cp = Checkpoint(PROMPT, ["yes", "no"], key="batch-of-5")
    cp.radio.value = "yes"
    cp.commit_button.click()
    assert cp.radio.disabled and cp.commit_button.disabled
    assert cp.status.value == "Prediction recorded: yes. Run the next cell to see what really happens."
    outcome = cp.reveal("yes")
    assert outcome.held is True and repr(outcome) == "Your prediction held. The run says: yes."
    assert cp.status.value == "Your prediction held. The run says: yes."


def test_checkpoint_reveal_not_held_by_index():
    cp = Checkpoint(PROMPT, ["yes", "no"], key="batch-of-5")
    cp.radio.value = "no"
    cp.commit_button.click()
    outcome = cp.reveal(0)
    assert outcome.held is False
    assert outcome.message == 'Your prediction did not hold: you predicted "no". The run says: yes.'


def test_checkpoint_reveal_without_commit_is_polite():
    cp = Checkpoint(PROMPT, ["yes", "no"], key="batch-of-5")
    cp.radio.value = "no"  # picked but never committed
    outcome = cp.reveal("yes")
    assert outcome.held is None and outcome.message == "No prediction was committed. The run says: yes."


def test_checkpoint_commit_needs_a_pick_and_holds_no_key():
    cp = Checkpoint(PROMPT, ["yes", "no"], key="batch-of-5")
    cp.commit_button.click()
    assert cp.status.value == "Pick an option first." and cp.prediction is None
    assert "correct" not in widget_state_text(cp).lower()


def test_checkpoint_rejects_bad_input():
    cp = Checkpoint(PROMPT, ["yes", "no"], key="batch-of-5")
    with pytest.raises(ValueError, match=r"reveal\(\) got 'maybe'; expected one of \['yes', 'no'\]"):
        cp.reveal("maybe")
    with pytest.raises(ValueError, match="expected one of"):
        cp.reveal(True)
    with pytest.raises(ValueError, match="two or more distinct option texts"):
        Checkpoint(PROMPT, ["yes", "yes"], key="k")
    with pytest.raises(ValueError, match="non-empty key"):
        Checkpoint(PROMPT, ["yes", "no"], key="")


# --- reprs and show() ------------------------------------------------------------------------

def test_reprs_are_short_and_stable(samples):
    assert repr(Checkpoint(PROMPT, ["yes", "no"], key="b")) == "Checkpoint('Will ORT accept a batch of 5 rows?')"
    assert repr(QuestionWidget(samples.single)) == "Question('sessions-run-returns-list')"
    quiz = QuizWidget(samples.bank)
    assert repr(quiz) == "Quiz('Sessions': 4 questions)"
    assert quiz._repr_mimebundle_()["text/plain"] == "Quiz('Sessions': 4 questions)"


def test_checkpoint_still_comes_from_ol_quiz():
    import ortlearn as ol
    from ortlearn.quiz import checkpoint

    assert ol.quiz.Checkpoint is checkpoint.Checkpoint is quiz_widgets.Checkpoint


def test_show_prints_text_where_widgets_cannot_render(samples, monkeypatch, capsys):
    from ortlearn.quiz.terminal import format_bank_text

    monkeypatch.setattr(quiz_widgets, "can_render_widgets", lambda: False)
    assert quiz_widgets.show(samples.bank) is None
    assert capsys.readouterr().out == format_bank_text(samples.bank) + "\n"


def test_show_in_a_kernel_displays_once_per_cell(samples, monkeypatch, tmp_path):
    shown: list[dict] = []
    cell = {"count": 7}

    def fake_display(obj, **kwargs):  # like IPython: objects with _ipython_display_ display themselves
        if hasattr(obj, "_ipython_display_"):
            obj._ipython_display_()
        else:
            shown.append(obj)

    monkeypatch.setattr(quiz_widgets, "can_render_widgets", lambda: True)
    monkeypatch.setattr(quiz_widgets, "_execution_count", lambda: cell["count"])
    monkeypatch.setattr(quiz_widgets, "display", fake_display)
    store = ResultStore(tmp_path / "results.json")
    quiz = quiz_widgets.show(samples.bank, seed=3, mode="exam", store=store)
    assert isinstance(quiz, QuizWidget) and quiz.store is store and quiz.mode == "exam"
    assert quiz.questions[0].order == choice_order(samples.single, 3)
    assert len(shown) == 1 and shown[0]["text/plain"] == "Quiz('Sessions': 4 questions)"
    assert shown[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == quiz.model_id
    fake_display(quiz)  # show()'s result as the same cell's value: no second view
    assert len(shown) == 1
    cell["count"] = 8
    fake_display(quiz)  # `quiz` alone in a later cell shows it again
    assert len(shown) == 2


def test_show_rejects_unknown_store(samples):
    with pytest.raises(TypeError, match="store must be 'default', a ResultStore or None; got 'mine'"):
        quiz_widgets.show(samples.bank, store="mine")


def test_can_render_widgets_is_false_outside_a_kernel():
    assert quiz_widgets.can_render_widgets() is False


def test_choice_labels_drop_markdown_markers_that_radio_buttons_cannot_render():
    assert plain_label("`list` of **numpy** arrays") == "list of numpy arrays"
    assert plain_label("`ort.InferenceSession('m.onnx')`") == "ort.InferenceSession('m.onnx')"
