"""Grading: pure functions, every question type, tolerance edges, partial multi-choice, shuffling."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys

import numpy as np
import pytest

from ortlearn.quiz.grading import (
    MESSAGES,
    Grade,
    choice_label,
    choice_order,
    format_answer,
    grade,
    missing_answer,
    parse_number,
)
from ortlearn.quiz.questions import Choice, Question

SINGLE = Question(
    id="sessions-run-returns-list",
    type="single_choice",
    difficulty="medium",
    prompt="What does `run` return?",
    choices=(
        Choice("`tuple`", feedback="Not a tuple.", mistake="output-is-tuple"),
        Choice("`list` of numpy arrays", correct=True, feedback="One entry per output."),
        Choice("`numpy.ndarray`", feedback="That is `outputs[0]`.\n", mistake="output-is-array"),
        Choice("`dict`"),
    ),
)
TRUE_FALSE = Question(
    id="sessions-lists-accepted",
    type="true_false",
    difficulty="easy",
    prompt="Lists are accepted.",
    choices=(Choice("True", correct=True), Choice("False", feedback="Try it: they are.", mistake="lists-rejected")),
)
MULTI = Question(
    id="sessions-feed-keys",
    type="multi_choice",
    difficulty="hard",
    prompt="Which keys work?",
    choices=(
        Choice("`'x'`", correct=True, feedback="The name."),
        Choice("`inputs[0]`", feedback="A NodeArg is not a name.", mistake="nodearg-as-key"),
        Choice("`inputs[0].name`", correct=True),
        Choice("`0`", feedback="Positions are not keys.", mistake="position-as-key"),
        Choice("`'X'`", mistake="nodearg-as-key"),
    ),
)
NUMERIC = Question(id="metrics-accuracy", type="numeric", difficulty="easy", prompt="Accuracy?", answer=0.895, tolerance=0.001)
EXACT = Question(id="shapes-rank", type="numeric", difficulty="easy", prompt="Rank?", answer=4.0)


# --------------------------------------------------------------------------- single choice, true/false


def test_single_choice_correct_with_feedback():
    assert grade(SINGLE, 1) == Grade(True, "Correct. One entry per output.", ())


def test_single_choice_correct_without_feedback():
    question = Question("q", "single_choice", "easy", "?", (Choice("a", correct=True), Choice("b")))
    assert grade(question, 0) == Grade(True, "Correct.", ())


def test_single_choice_incorrect_gives_feedback_and_mistake():
    assert grade(SINGLE, 2) == Grade(False, "Incorrect. That is `outputs[0]`.", ("output-is-array",))


def test_single_choice_incorrect_without_feedback_or_tag():
    assert grade(SINGLE, 3) == Grade(False, "Incorrect.", ())


def test_numpy_integers_are_indices():
    assert grade(SINGLE, np.int64(1)).correct


def test_true_false():
    assert grade(TRUE_FALSE, 0) == Grade(True, "Correct.", ())
    assert grade(TRUE_FALSE, 1) == Grade(False, "Incorrect. Try it: they are.", ("lists-rejected",))


@pytest.mark.parametrize("index", [4, -1, 100])
def test_index_out_of_range(index):
    expected = f"Question 'sessions-run-returns-list' (single_choice): choice index {index} is out of range; valid indices are 0..3."
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        grade(SINGLE, index)


@pytest.mark.parametrize("response, shown", [([0, 1], "[0, 1] (list)"), ("1", "'1' (str)"), (1.0, "1.0 (float)"), (True, "True (bool)"), (None, "None (NoneType)")])
def test_single_choice_wrong_response_type(response, shown):
    with pytest.raises(TypeError) as info:
        grade(SINGLE, response)
    assert str(info.value) == (
        f"Question 'sessions-run-returns-list' (single_choice) expects one choice index (an int), got {shown}; valid indices are 0..3."
    )


def test_true_false_rejects_a_bool():
    with pytest.raises(TypeError, match=r"'sessions-lists-accepted' \(true_false\) expects one choice index \(an int\), got True \(bool\); valid indices are 0\.\.1\."):
        grade(TRUE_FALSE, True)


# --------------------------------------------------------------------------- multi choice


@pytest.mark.parametrize("response", [[0, 2], [2, 0], (0, 2, 2, 0), {0, 2}, iter([2, 0]), np.array([0, 2])])
def test_multi_choice_correct_whatever_the_order(response):
    assert grade(MULTI, response) == Grade(True, "Correct. The name.", ())


def test_multi_choice_partly_right_with_a_wrong_one():
    assert grade(MULTI, [0, 1]) == Grade(
        False,
        "Incorrect: you found 1 of 2 correct options and picked 1 wrong one. The name. A NodeArg is not a name.",
        ("nodearg-as-key",),
    )


def test_multi_choice_missing_one():
    assert grade(MULTI, [2]) == Grade(False, "Incorrect: you found 1 of 2 correct options.", ())


def test_multi_choice_all_right_plus_wrong_ones_tags_in_choice_order_without_repeats():
    verdict = grade(MULTI, [4, 3, 2, 1, 0])
    assert verdict.message == (
        "Incorrect: you found 2 of 2 correct options and picked 3 wrong ones. "
        "The name. A NodeArg is not a name. Positions are not keys."
    )
    assert verdict.mistakes == ("nodearg-as-key", "position-as-key")


@pytest.mark.parametrize("response", [[], (), set(), np.array([], dtype=int), iter([])])
def test_multi_choice_nothing_picked_is_not_graded_wrong(response):
    assert missing_answer(MULTI, response if not hasattr(response, "__next__") else []) == "Choose at least one answer first."
    with pytest.raises(ValueError, match=r"^Question 'sessions-feed-keys' \(multi_choice\): the response .* holds no answer, "
                                         r"so there is nothing to grade; show missing_answer\(question, response\) to the "
                                         r"learner instead\.$"):
        grade(MULTI, response)


@pytest.mark.parametrize(("question", "response", "message"), [
    (SINGLE, None, "Choose an answer first."), (TRUE_FALSE, None, "Choose an answer first."),
    (MULTI, None, "Choose at least one answer first."), (NUMERIC, None, "Type a number first."),
    (NUMERIC, "", "Type a number first."), (NUMERIC, " \t\n", "Type a number first."),
])
def test_missing_answers_ask_for_one(question, response, message):
    assert missing_answer(question, response) == message


@pytest.mark.parametrize(("question", "response"), [(SINGLE, 0), (MULTI, [1]), (NUMERIC, "x"), (NUMERIC, 0.0),
                                                    (TRUE_FALSE, 1)])
def test_an_answer_is_not_missing(question, response):
    assert missing_answer(question, response) is None


def test_feedback_that_repeats_the_verdict_word_is_said_once():
    question = Question("q", "single_choice", "easy", "?", (
        Choice("a", correct=True, feedback="Correct: one thread per worker."),
        Choice("b", feedback="Incorrect. It is not."),
        Choice("c", feedback="Correctly placed, but wrong."),
    ))
    assert grade(question, 0).message == "Correct. One thread per worker."
    assert grade(question, 1).message == "Incorrect. It is not."
    assert grade(question, 2).message == "Incorrect. Correctly placed, but wrong."
    multi = Question("m", "multi_choice", "easy", "?", (
        Choice("a", correct=True, feedback="Correct. `MatMul` reads x."), Choice("b", feedback="Correct."),
        Choice("c", correct=True, feedback="correct. lower case stays."),
    ))
    assert grade(multi, [0, 2]).message == "Correct. `MatMul` reads x. correct. lower case stays."
    assert grade(multi, [0, 1]).message == ("Incorrect: you found 1 of 2 correct options and picked 1 wrong one. "
                                            "Correct. `MatMul` reads x. Correct.")


def test_messages_are_the_ones_the_page_embeds():
    assert MESSAGES["choose_one"] == "Choose an answer first." and MESSAGES["correct"] == "Correct."
    with pytest.raises(TypeError):
        MESSAGES["correct"] = "Right."  # read-only: one source for every front end


def test_multi_choice_with_one_correct_option_is_singular():
    question = Question("q", "multi_choice", "easy", "?", (Choice("a", correct=True), Choice("b")))
    assert grade(question, [1]).message == "Incorrect: you found 0 of 1 correct option and picked 1 wrong one."


@pytest.mark.parametrize("response, shown", [(0, "0 (int)"), ("02", "'02' (str)"), (None, "None (NoneType)")])
def test_multi_choice_needs_an_iterable(response, shown):
    with pytest.raises(TypeError) as info:
        grade(MULTI, response)
    assert str(info.value) == (
        f"Question 'sessions-feed-keys' (multi_choice) expects an iterable of choice indices (ints), got {shown}; valid indices are 0..4."
    )


def test_multi_choice_bad_items():
    with pytest.raises(ValueError, match=r"'sessions-feed-keys' \(multi_choice\): choice index 5 is out of range; valid indices are 0\.\.4\."):
        grade(MULTI, [0, 5])
    with pytest.raises(TypeError, match=r"expects an iterable of choice indices \(ints\), got 'a' \(str\); valid indices are 0\.\.4\."):
        grade(MULTI, ["a"])


# --------------------------------------------------------------------------- numeric


@pytest.mark.parametrize("value", [0.895, 0.894, 0.896, 0.8945, " 0.895 ", "0.896", "+0.8955", ".895", "8.95e-1", np.float32(0.895)])
def test_numeric_within_tolerance(value):
    assert grade(NUMERIC, value) == Grade(True, "Correct.", ())


@pytest.mark.parametrize("value", [0.8939, 0.8961, 0.9, "0.89", -0.895, float("nan"), float("inf")])
def test_numeric_outside_tolerance(value):
    assert grade(NUMERIC, value) == Grade(False, "Incorrect.", ())


def test_tolerance_edges_use_a_tiny_epsilon_only():
    # 0.896 - 0.895 is 0.0010000000000000009 in floats: accepted thanks to the 1e-12 slack ...
    assert 0.896 - 0.895 > 0.001
    assert grade(NUMERIC, 0.896).correct
    # ... which is far too small to accept anything visibly outside the tolerance.
    assert not grade(NUMERIC, 0.896 + 1e-9).correct
    assert not grade(NUMERIC, 0.894 - 1e-9).correct


def test_numeric_with_zero_tolerance_is_exact():
    assert grade(EXACT, 4).correct and grade(EXACT, "4").correct and grade(EXACT, 4.0).correct
    assert not grade(EXACT, 4.000001).correct


@pytest.mark.parametrize("text, shown", [("abc", "abc"), ("  89.5% ", "89.5%"), ("1,5", "1,5"), ("nan", "nan"),
                                         ("inf", "inf"), ("1_000", "1_000"), ("٣", "٣"), ("it's", "it's")])
def test_numeric_text_that_is_not_a_number_is_graded_incorrect(text, shown):
    assert grade(NUMERIC, text) == Grade(False, f'Incorrect: "{shown}" is not a number. Enter a number such as 0.85.', ())


def test_blank_numeric_text_is_not_graded():
    with pytest.raises(ValueError, match=r"the response '  ' holds no answer"):
        grade(NUMERIC, "  ")


@pytest.mark.parametrize("response, shown", [(None, "None (NoneType)"), (True, "True (bool)"), ([0.895], "[0.895] (list)")])
def test_numeric_wrong_response_type(response, shown):
    with pytest.raises(TypeError) as info:
        grade(NUMERIC, response)
    assert str(info.value) == f"Question 'metrics-accuracy' (numeric) expects a number (int, float or a str such as '0.85'), got {shown}."


def test_unknown_question_type_is_a_bug():
    question = Question("q", "essay", "easy", "?")
    with pytest.raises(ValueError, match=r"Question 'q' has unknown type 'essay'\."):
        grade(question, "words")


@pytest.mark.parametrize("text, value", [("0.85", 0.85), (" -3 ", -3.0), ("1e-3", 0.001), ("5.", 5.0), ("x", None), ("0x10", None), ("1 2", None), ("--1", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


# --------------------------------------------------------------------------- format_answer


def test_format_answer_single_choice():
    assert format_answer(SINGLE) == "B. `list` of numpy arrays"
    assert format_answer(TRUE_FALSE) == "A. True"


def test_format_answer_follows_the_displayed_order():
    assert format_answer(SINGLE, order=[3, 2, 1, 0]) == "C. `list` of numpy arrays"


def test_format_answer_multi_choice():
    assert format_answer(MULTI) == "A. `'x'`; C. `inputs[0].name`"
    assert format_answer(MULTI, order=[2, 4, 3, 1, 0]) == "A. `inputs[0].name`; E. `'x'`"


def test_format_answer_numeric():
    assert format_answer(NUMERIC) == "0.895 (±0.001)"
    assert format_answer(EXACT) == "4"
    assert format_answer(Question("q", "numeric", "easy", "?", answer=12.5, tolerance=1.0)) == "12.5 (±1)"


# --------------------------------------------------------------------------- shuffling


def test_choice_order_without_seed_keeps_the_bank_order():
    assert choice_order(SINGLE, None) == [0, 1, 2, 3]
    assert choice_order(NUMERIC, 3) == []


def test_choice_order_with_seed_is_deterministic_per_question():
    order = choice_order(MULTI, 7)
    expected = list(range(5))
    random.Random("7:sessions-feed-keys").shuffle(expected)
    assert order == expected == choice_order(MULTI, 7)
    assert sorted(order) == [0, 1, 2, 3, 4]
    assert len({tuple(choice_order(MULTI, seed)) for seed in range(20)}) > 1


def test_pinned_choices_keep_their_place_and_the_others_shuffle():
    pinned = Question("p", "single_choice", "easy", "?", (
        Choice("None of these", pin=True), Choice("a", correct=True), Choice("b"), Choice("c"), Choice("Both b and c", pin=True),
    ))
    orders = {tuple(choice_order(pinned, seed)) for seed in range(40)}
    assert all(order[0] == 0 and order[4] == 4 and sorted(order[1:4]) == [1, 2, 3] for order in orders)
    assert len(orders) == 6  # every arrangement of the three free choices appears


def test_a_learner_id_seed_shuffles_like_an_int_seed():
    assert choice_order(MULTI, "0123abcd") == choice_order(MULTI, "0123abcd")
    assert len({tuple(choice_order(MULTI, f"learner-{n}")) for n in range(20)}) > 1


def test_true_false_is_never_shuffled():
    assert {tuple(choice_order(TRUE_FALSE, seed)) for seed in range(20)} == {(0, 1)}


def test_grading_through_a_shuffled_order():
    order = choice_order(SINGLE, 3)
    position = order.index(1)  # where the right answer is displayed
    assert grade(SINGLE, order[position]).correct
    assert format_answer(SINGLE, order).startswith(f"{choice_label(position)}. ")


def test_choice_label():
    assert [choice_label(i) for i in range(6)] == ["A", "B", "C", "D", "E", "F"]


def test_grading_imports_no_widgets():
    code = "import sys, json, ortlearn.quiz.grading; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(json.loads(out)) & {"ipywidgets", "yaml", "numpy", "onnx"} == set()
