"""The quiz widgets, driven without a browser: set ``.value``, call ``.click()``, read state.

Banks are built in memory from the frozen dataclasses; no YAML file is read.
"""

from __future__ import annotations

import html
import json
import logging
import re

import ipywidgets as widgets
import pytest

import ortlearn.quiz.widgets as quiz_widgets
from ortlearn.quiz.grading import choice_label, choice_order, format_answer
from ortlearn.quiz.questions import Bank, Choice, Question
from ortlearn.quiz.render import format_markdown_html
from ortlearn.quiz.store import ResultStore
from ortlearn.quiz.widgets import Checkpoint, QuestionWidget, QuizProgress, QuizWidget, plain_label

SINGLE = Question(
    id="sessions-run-returns-list", type="single_choice", difficulty="medium",
    prompt="What type does `session.run(None, feeds)` return?",
    code="outputs = session.run(None, {input_name: x})\n",
    choices=(
        Choice("list of numpy arrays", correct=True, feedback="One entry per requested output."),
        Choice("a single numpy array", feedback="That is what indexing outputs[0] gives you.", mistake="output-is-array"),
        Choice("dict keyed by output name", feedback="A dict is what you pass in.", mistake="output-is-dict"),
    ),
    hint="Look at how the outputs are indexed in the next line.",
    explanation="run returns one entry per requested output, in order.",
    lesson="02_sessions", topic="02_sessions",
)
MULTI = Question(
    id="sessions-accepted-feeds", type="multi_choice", difficulty="hard",
    prompt="Which feeds does ORT accept for a **float** input of shape [2, 4]?",
    choices=(
        Choice("float32 array", correct=True, feedback="The declared element type."),
        Choice("nested Python list", correct=True, feedback="Lists of the right shape are converted."),
        Choice("float64 array", feedback="ORT refuses it: Unexpected input data type.", mistake="float64-feed"),
    ),
    explanation="ORT converts nested lists but never casts arrays.",
    lesson="02_sessions", topic="02_sessions",
)
NUMERIC = Question(
    id="metrics-f1-from-pr", type="numeric", difficulty="easy",
    prompt="Precision is 0.8 and recall is 0.95. What is F1 (3 decimals)?",
    answer=0.869, tolerance=0.001,
    hint="Harmonic mean of two numbers.",
    explanation="F1 = 2PR / (P + R).",
    lesson="05_metrics_pitfalls", topic="05_metrics_pitfalls",
)
TRUE_FALSE = Question(
    id="providers-cuda-raises", type="true_false", difficulty="easy",
    prompt="Asking for CUDA on the CPU-only wheel raises an error.",
    choices=(
        Choice("True", feedback="It only warns and falls back.", mistake="cuda-request-raises"),
        Choice("False", correct=True, feedback="A UserWarning, then the CPU runs it."),
    ),
    explanation="Check session.get_providers() after creating a session.",
    lesson="03_providers", topic="03_providers",
)
BANK = Bank(topic="02_sessions", title="Sessions", questions=(SINGLE, MULTI, NUMERIC, TRUE_FALSE))


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


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


# --- single choice, hint, retry, show answer --------------------------------------------------

def test_correct_single_choice_shows_feedback_and_explanation():
    q = QuestionWidget(SINGLE)
    answer_single(q, 0)
    assert q.feedback.value.startswith("Correct")
    assert "One entry per requested output." in q.feedback.value
    assert SINGLE.explanation in outputs_text(q.explanation)
    assert (q.answered, q.correct, q.attempts) == (True, True, 1)
    assert q.radio.disabled and q.check_button.disabled
    assert q.retry_button.layout.display == "none"


def test_incorrect_single_choice_offers_retry_but_not_the_answer():
    q = QuestionWidget(SINGLE)
    answer_single(q, 1)
    assert q.feedback.value.startswith("Incorrect")
    assert "That is what indexing outputs[0] gives you." in q.feedback.value
    assert (q.answered, q.correct) == (True, False)
    assert q.retry_button.layout.display is None and q.show_answer_button.layout.display is None
    assert q.explanation.value == ""


def test_hint_appears_only_after_click_and_button_hidden_without_hint():
    q = QuestionWidget(SINGLE)
    assert q.hint.value == ""
    q.hint_button.click()
    assert "Look at how the outputs are indexed" in q.hint.value
    assert QuestionWidget(MULTI).hint_button.layout.display == "none"


def test_retry_clears_feedback_and_unlocks_input():
    q = QuestionWidget(SINGLE)
    answer_single(q, 2)
    q.retry_button.click()
    assert q.feedback.value == ""
    assert q.radio.value is None and not q.radio.disabled and not q.check_button.disabled
    assert q.retry_button.layout.display == "none"
    answer_single(q, 0)
    assert q.feedback.value.startswith("Correct")
    assert (q.attempts, q.correct) == (2, True)


def test_second_incorrect_check_reveals_answer_and_explanation():
    q = QuestionWidget(SINGLE)
    answer_single(q, 1)
    q.retry_button.click()
    answer_single(q, 2)
    shown = outputs_text(q.explanation)
    assert f"The answer: {format_answer(SINGLE)}" in shown and SINGLE.explanation in shown
    assert q.retry_button.layout.display == "none" and q.check_button.disabled


def test_show_answer_button_reveals_and_locks():
    q = QuestionWidget(SINGLE)
    answer_single(q, 1)
    q.show_answer_button.click()
    assert format_answer(SINGLE) in outputs_text(q.explanation)
    assert q.radio.disabled and q.show_answer_button.layout.display == "none"


def test_check_with_nothing_picked_asks_and_counts_no_attempt():
    q = QuestionWidget(SINGLE)
    q.check_button.click()
    assert q.feedback.value == "Pick an answer first."
    assert q.attempts == 0 and not q.answered


def test_prompt_is_markdown_and_code_is_highlighted_inline():
    q = QuestionWidget(SINGLE, number=3)
    assert q.prompt.value == "<p><strong>Question 3.</strong> What type does <code>session.run(None, feeds)</code> return?</p>"
    assert "<pre" in q.code.value and "style=" in q.code.value and "class=\"k\"" not in q.code.value
    assert q.radio.description == "Answer"
    assert q.check_button.tooltip and q.hint_button.tooltip and q.retry_button.tooltip


# --- other types ---------------------------------------------------------------------------

@pytest.mark.parametrize(("picked", "correct"), [((0,), False), ((0, 2), False), ((0, 1), True)])
def test_multi_choice_partial_and_full(picked, correct):
    q = QuestionWidget(MULTI)
    for i in picked:
        q.checkboxes[i].value = True
    q.check_button.click()
    assert q.feedback.value.startswith("Correct" if correct else "Incorrect")
    assert q.correct is correct


def test_multi_choice_needs_one_pick():
    q = QuestionWidget(MULTI)
    q.check_button.click()
    assert q.feedback.value == "Pick at least one option first." and q.attempts == 0


@pytest.mark.parametrize(("typed", "correct"), [("0.8695", True), ("0.869", True), ("0.88", False), ("about 0.87", False)])
def test_numeric_within_and_outside_tolerance_and_text(typed, correct):
    q = QuestionWidget(NUMERIC)
    q.text.value = typed
    q.check_button.click()
    assert q.feedback.value.startswith("Correct" if correct else "Incorrect")
    assert q.attempts == 1


def test_true_false():
    q = QuestionWidget(TRUE_FALSE)
    assert q.radio.options == (("True", 0), ("False", 1))
    answer_single(q, 0)
    assert q.feedback.value.startswith("Incorrect") and "It only warns" in q.feedback.value
    q.retry_button.click()
    answer_single(q, 1)
    assert q.feedback.value.startswith("Correct")


def test_shuffled_choices_map_back_to_original_indices():
    seed = next(s for s in range(50) if choice_order(SINGLE, s) != [0, 1, 2])
    order = choice_order(SINGLE, seed)
    q = QuestionWidget(SINGLE, seed=seed)
    assert list(q.radio.get_state()["_options_labels"]) == [plain_label(SINGLE.choices[i].text) for i in order]
    q.radio.label = "a single numpy array"  # pick by what the learner sees
    q.check_button.click()
    assert q.feedback.value.startswith("Incorrect") and SINGLE.choices[1].feedback in q.feedback.value
    q.show_answer_button.click()  # the answer's letter is the displayed position
    assert f"{choice_label(order.index(0))}. list of numpy arrays" in outputs_text(q.explanation)
    q = QuestionWidget(SINGLE, seed=seed)
    q.radio.label = "list of numpy arrays"
    q.check_button.click()
    assert q.feedback.value.startswith("Correct")

    multi = QuestionWidget(MULTI, seed=seed)
    for box in multi.checkboxes:
        box.value = box.description in {"float32 array", "nested Python list"}
    multi.check_button.click()
    assert multi.correct


def test_seed_none_keeps_bank_order():
    assert [label for label, _ in QuestionWidget(SINGLE).radio.options] == [plain_label(c.text) for c in SINGLE.choices]


# --- the answer key stays in the kernel ------------------------------------------------------

# For choice questions the answer text is a choice text (visible by necessity); what must
# not show is which one is right: feedback, the hint, the explanation, "The answer: ...".
SECRETS = {
    SINGLE: [c.feedback for c in SINGLE.choices] + [SINGLE.hint, SINGLE.explanation],
    MULTI: [c.feedback for c in MULTI.choices] + [MULTI.explanation, "float64-feed"],
    NUMERIC: [NUMERIC.hint, NUMERIC.explanation, format_answer(NUMERIC), "0.869"],
    TRUE_FALSE: [c.feedback for c in TRUE_FALSE.choices] + [TRUE_FALSE.explanation],
}


@pytest.mark.parametrize("question", list(SECRETS), ids=lambda q: q.type)
def test_no_answer_key_in_widget_state_before_check(question):
    q = QuestionWidget(question)
    before = widget_state_text(q)
    for secret in SECRETS[question] + ["Correct", "Incorrect", "The answer"]:
        assert secret not in before, secret
    assert '"correct"' not in before.lower()
    if q.radio is not None:
        assert q.radio.get_state()["_options_labels"] == tuple(plain_label(c.text) for c in question.choices)


def test_answer_key_appears_only_after_the_clicks_that_reveal_it():
    q = QuestionWidget(SINGLE)
    q.hint_button.click()
    after_hint = widget_state_text(q)
    assert SINGLE.hint in after_hint and SINGLE.explanation not in after_hint
    answer_single(q, 1)
    after_check = widget_state_text(q)
    assert "Incorrect" in after_check and SINGLE.choices[1].feedback in after_check
    assert "The answer" not in after_check and SINGLE.explanation not in after_check
    q.show_answer_button.click()
    after_reveal = widget_state_text(q)
    assert f"The answer:</strong> {format_answer(SINGLE)}" in after_reveal and SINGLE.explanation in after_reveal


def test_whole_quiz_state_leaks_nothing_before_checks():
    state = widget_state_text(QuizWidget(BANK))
    for secrets in SECRETS.values():
        for secret in secrets:
            assert secret not in state, secret


# --- errors, timing, results ----------------------------------------------------------------

def test_callback_error_is_shown_in_the_widget_and_logged(monkeypatch, caplog):
    def broken_grade(question, response):
        raise RuntimeError("grading exploded")

    monkeypatch.setattr(quiz_widgets, "grade", broken_grade)
    q = QuestionWidget(SINGLE)
    with caplog.at_level(logging.ERROR, logger="ortlearn.quiz.widgets"):
        answer_single(q, 0)  # must not raise out of the click
    assert "RuntimeError: grading exploded" in q.error.value
    assert "Something went wrong" in q.error.value
    assert any("grading exploded" in (r.exc_text or "") for r in caplog.records)
    assert q.attempts == 0


def test_seconds_run_from_first_interaction_then_from_the_previous_check(tmp_path):
    clock = FakeClock()
    store = ResultStore(tmp_path / "results.json")
    quiz = QuizWidget(Bank(topic="02_sessions", title="Sessions", questions=(SINGLE,)), store=store, clock=clock)
    q = quiz.questions[0]
    clock.now += 30  # reading other questions, not yet touching this one
    q.radio.value = 1
    clock.now += 4.5
    q.check_button.click()
    assert q.last_seconds == pytest.approx(4.5)
    clock.now += 2  # reading the feedback
    q.retry_button.click()
    q.radio.value = 0
    clock.now += 1
    q.check_button.click()
    assert q.last_seconds == pytest.approx(3)
    assert store.results()[SINGLE.id].seconds == pytest.approx(7.5)


def test_result_store_records_every_check(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    quiz = QuizWidget(BANK, store=store)
    single = quiz.questions[0]
    answer_single(single, 1)
    single.retry_button.click()
    answer_single(single, 0)
    results = store.results()
    assert set(results) == {SINGLE.id}
    assert results[SINGLE.id].attempts == 2 and results[SINGLE.id].correct


# --- the quiz ------------------------------------------------------------------------------

def test_header_counts_questions_by_difficulty():
    header = QuizWidget(BANK).header.value
    assert "Sessions" in header and "4 questions: 2 easy · 1 medium · 1 hard" in header


def test_progress_line_updates_on_every_check():
    quiz = QuizWidget(BANK)
    single, multi, numeric, true_false = quiz.questions
    assert quiz.progress_line.value == "answered 0/4 · correct 0"
    answer_single(single, 0)
    multi.checkboxes[2].value = True
    multi.check_button.click()
    numeric.text.value = "0.869"
    numeric.check_button.click()
    assert quiz.progress_line.value == "answered 3/4 · correct 2"
    assert quiz.progress == QuizProgress(3, 2, 4) == (3, 2, 4)
    assert quiz.summary.value == ""  # not every question answered yet


def test_summary_links_missed_lessons_and_lists_mistakes():
    quiz = QuizWidget(BANK)
    single, multi, numeric, true_false = quiz.questions
    answer_single(single, 1)  # wrong: output-is-array
    multi.checkboxes[0].value = multi.checkboxes[1].value = True
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


def test_summary_button_works_any_time_and_link_base_is_configurable():
    quiz = QuizWidget(BANK, lesson_link_base="lessons/")
    quiz.summary_button.click()
    assert "4 questions not answered yet." in outputs_text(quiz.summary)
    answer_single(quiz.questions[0], 2)
    assert '<a href="lessons/02_sessions.ipynb" target="_blank" rel="noopener noreferrer">Inference sessions</a>' in quiz.summary.value
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

def test_reprs_are_short_and_stable():
    assert repr(Checkpoint(PROMPT, ["yes", "no"], key="b")) == "Checkpoint('Will ORT accept a batch of 5 rows?')"
    assert repr(QuestionWidget(SINGLE)) == "Question('sessions-run-returns-list')"
    quiz = QuizWidget(BANK)
    assert repr(quiz) == "Quiz('Sessions': 4 questions)"
    assert quiz._repr_mimebundle_()["text/plain"] == "Quiz('Sessions': 4 questions)"


def test_show_prints_text_where_widgets_cannot_render(monkeypatch, capsys):
    from ortlearn.quiz.terminal import format_bank_text

    monkeypatch.setattr(quiz_widgets, "can_render_widgets", lambda: False)
    assert quiz_widgets.show(BANK) is None
    assert capsys.readouterr().out == format_bank_text(BANK) + "\n"


def test_show_in_a_kernel_displays_once_per_cell(monkeypatch, tmp_path):
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
    quiz = quiz_widgets.show(BANK, seed=3, store=store)
    assert isinstance(quiz, QuizWidget) and quiz.store is store
    assert len(shown) == 1 and shown[0]["text/plain"] == "Quiz('Sessions': 4 questions)"
    assert shown[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == quiz.model_id
    fake_display(quiz)  # show()'s result as the same cell's value: no second view
    assert len(shown) == 1
    cell["count"] = 8
    fake_display(quiz)  # `quiz` alone in a later cell shows it again
    assert len(shown) == 2


def test_show_rejects_unknown_store():
    with pytest.raises(TypeError, match="store must be 'default', a ResultStore or None; got 'mine'"):
        quiz_widgets.show(BANK, store="mine")


def test_can_render_widgets_is_false_outside_a_kernel():
    assert quiz_widgets.can_render_widgets() is False


def test_choice_labels_drop_markdown_markers_that_radio_buttons_cannot_render():
    assert plain_label("`list` of **numpy** arrays") == "list of numpy arrays"
    assert plain_label("`ort.InferenceSession('m.onnx')`") == "ort.InferenceSession('m.onnx')"
