"""Question banks: loading, every schema rejection (wording pinned), cross-bank checks."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ortlearn.lessons import LESSONS
from ortlearn.quiz import bank as bank_module
from ortlearn.quiz.bank import (
    DEFAULT_BANKS_DIR,
    QuestionBankError,
    banks_dir,
    check_banks,
    format_path,
    load_bank,
    load_banks,
)
from ortlearn.quiz.questions import Bank, Choice, Question

Q1 = "question 'sessions-run-returns-list'"
QUESTION_FIELDS = "['id', 'type', 'difficulty', 'prompt', 'code', 'choices', 'answer', 'tolerance', 'hint', 'explanation', 'verify', 'source', 'lesson']"
LESSON_STEMS = str([lesson.stem for lesson in LESSONS])


def make_bank() -> dict:
    """A valid bank with one question of each type (mutated by the rejection tests)."""
    return {
        "topic": "02_sessions",
        "title": "Sessions",
        "description": "Sessions, feeds and outputs.",
        "questions": [
            {
                "id": "sessions-run-returns-list",
                "type": "single_choice",
                "difficulty": "medium",
                "prompt": "What type does `session.run(None, feeds)` return?",
                "code": "outputs = session.run(None, {input_name: x})\n",
                "choices": [
                    {"text": "`list` of numpy arrays", "correct": True},
                    {"text": "`numpy.ndarray`", "feedback": "That is `outputs[0]`.", "mistake": "output-is-array"},
                ],
                "hint": "Look at how the outputs are indexed.",
                "explanation": "`run` returns one entry per output, as a list.\n",
                "verify": "assert isinstance(session.run(None, feeds), list)\n",
                "source": "000_0f4d82359954388e.txt",
            },
            {
                "id": "sessions-feed-keys",
                "type": "multi_choice",
                "difficulty": "hard",
                "prompt": "Which feed keys work?",
                "choices": [
                    {"text": "`'x'`", "correct": True},
                    {"text": "`session.get_inputs()[0]`", "mistake": "nodearg-as-key"},
                    {"text": "`session.get_inputs()[0].name`", "correct": True},
                ],
            },
            {
                "id": "sessions-lists-accepted",
                "type": "true_false",
                "difficulty": "easy",
                "prompt": "A nested Python list of the right shape is accepted as a feed.",
                "choices": [{"text": "True", "correct": True}, {"text": "False"}],
                "lesson": "01_onnx_format",
            },
            {
                "id": "sessions-accuracy",
                "type": "numeric",
                "difficulty": "easy",
                "prompt": "Accuracy of 85-15-10-90?",
                "answer": 0.875,
                "tolerance": 0.001,
            },
        ],
    }


@pytest.fixture
def write(tmp_path):
    """write(data, name) -> Path: dump a dict as YAML (or write a str as is) into tmp_path."""

    def _write(data, name: str = "02_sessions.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return _write


def problems_of(path: Path) -> tuple[str, ...]:
    with pytest.raises(QuestionBankError) as info:
        load_bank(path)
    return info.value.problems


def expect(path: Path, problem: str) -> None:
    """Loading ``path`` raises, and ``<path>: <problem>`` is one of the problems, word for word."""
    full = f"{path}: {problem}"
    with pytest.raises(QuestionBankError, match=re.escape(full)) as info:
        load_bank(path)
    assert full in info.value.problems, info.value.problems


def q(data: dict, index: int = 0) -> dict:
    return data["questions"][index]


# --------------------------------------------------------------------------- valid banks


def test_valid_bank_loads_as_frozen_objects(write):
    path = write(make_bank())
    bank = load_bank(path)
    assert isinstance(bank, Bank) and bank.topic == "02_sessions" and bank.title == "Sessions"
    assert bank.path == path
    assert isinstance(bank.questions, tuple) and len(bank) == 4
    first = bank.questions[0]
    assert isinstance(first.choices, tuple) and all(isinstance(c, Choice) for c in first.choices)
    assert first.choices[1] == Choice("`numpy.ndarray`", False, "That is `outputs[0]`.", "output-is-array")
    assert first.correct_indices == frozenset({0})
    assert first.code.startswith("outputs = session.run") and first.source == "000_0f4d82359954388e.txt"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.prompt = "changed"  # type: ignore[misc]


def test_topic_and_lesson_are_filled_in(write):
    bank = load_bank(write(make_bank()))
    assert {question.topic for question in bank.questions} == {"02_sessions"}
    lessons = [question.lesson for question in bank.questions]
    assert lessons == ["02_sessions", "02_sessions", "01_onnx_format", "02_sessions"]


def test_lesson_stays_empty_when_the_topic_is_no_lesson(write):
    data = make_bank()
    data["topic"] = "practice"
    bank = load_bank(write(data, "practice.yaml"))
    assert [question.lesson for question in bank.questions] == ["", "", "01_onnx_format", ""]


def test_numeric_values_are_floats_and_tolerance_defaults_to_zero(write):
    data = make_bank()
    q(data, 3)["answer"] = 3
    del q(data, 3)["tolerance"]
    question = load_bank(write(data)).questions[3]
    assert question.answer == 3.0 and isinstance(question.answer, float)
    assert question.tolerance == 0.0 and question.choices == ()


def test_optional_fields_default_to_empty(write):
    question = load_bank(write(make_bank())).questions[1]
    assert (question.code, question.hint, question.explanation, question.verify, question.source) == ("", "", "", "", "")
    assert question.answer is None


def test_load_by_topic_reads_from_the_banks_dir(write, tmp_path, monkeypatch):
    path = write(make_bank())
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    assert banks_dir() == tmp_path
    assert bank_module.BANKS_DIR == tmp_path
    assert load_bank("02_sessions").path == path


def test_banks_dir_defaults_to_the_repository_folder(monkeypatch):
    monkeypatch.delenv("ORTLEARN_BANKS_DIR", raising=False)
    assert banks_dir() == DEFAULT_BANKS_DIR == Path(__file__).resolve().parents[1] / "quizzes" / "banks"
    assert bank_module.BANKS_DIR == DEFAULT_BANKS_DIR


def test_module_has_no_other_dynamic_attributes():
    with pytest.raises(AttributeError, match="has no attribute 'BANK_DIR'"):
        bank_module.BANK_DIR  # noqa: B018


def test_unknown_topic_lists_available_topics(write, tmp_path, monkeypatch):
    write(make_bank())
    write({**make_bank(), "topic": "03_providers"}, "03_providers.yaml")
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    expected = (
        f"No question bank for topic '02_session' in {tmp_path}. Did you mean '02_sessions'? "
        "Available topics: ['02_sessions', '03_providers']."
    )
    with pytest.raises(FileNotFoundError, match=re.escape(expected)):
        load_bank("02_session")


def test_missing_file_and_wrong_argument_type(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No question bank file '.*nope\.yaml'\."):
        load_bank(tmp_path / "nope.yaml")
    with pytest.raises(FileNotFoundError, match=r"No question bank file 'nope\.yaml'\."):
        load_bank("nope.yaml")
    with pytest.raises(TypeError, match=r"expects a path to a \.yaml file or a topic such as '02_sessions', got 2 \(int\)"):
        load_bank(2)  # type: ignore[arg-type]


def test_format_path_is_relative_to_the_repository():
    assert format_path(DEFAULT_BANKS_DIR / "02_sessions.yaml") == "quizzes/banks/02_sessions.yaml"
    assert format_path("quizzes/banks/x.yaml") == "quizzes/banks/x.yaml"
    assert format_path(Path("/elsewhere/x.yaml")) == "/elsewhere/x.yaml"
    assert format_path(None) == "<memory>"


def test_error_is_a_value_error_listing_problems_one_per_line_and_pickles():
    error = QuestionBankError(["a.yaml: one.", "a.yaml: two."])
    assert isinstance(error, ValueError)
    assert str(error) == "a.yaml: one.\na.yaml: two."
    clone = pickle.loads(pickle.dumps(error))
    assert clone.problems == error.problems and str(clone) == str(error)


def test_importing_bank_stays_light():
    code = "import sys, json, ortlearn.quiz.bank; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(json.loads(out)) & {"yaml", "ipywidgets", "onnx", "onnxruntime", "torch", "numpy"} == set()


# --------------------------------------------------------------------------- file-level rejections


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_file(write, text):
    path = write(text)
    expect_file = f"{path}: the file is empty; expected a mapping with 'topic', 'title' and 'questions'."
    with pytest.raises(QuestionBankError, match=re.escape(expect_file)):
        load_bank(path)


def test_yaml_syntax_error_reports_the_line(write):
    path = write("topic: 02_sessions\ntitle: Sessions\nquestions:\n  - id: a\n   type: single_choice\n")
    (problem,) = problems_of(path)
    # libyaml (the C loader, used where PyYAML has it) and the pure-Python parser word it differently.
    detail = ("did not find expected '-' indicator" if yaml.__with_libyaml__
              else "expected <block end>, but found '<block mapping start>'")
    assert problem == f"{path}: line 5: invalid YAML: {detail} (while parsing a block collection that starts on line 4)."


def test_yaml_tab_reports_the_line(write):
    path = write("topic: 02_sessions\ntitle: Sessions\n\tquestions: []\n")
    detail = "found a tab character that violates indentation" if yaml.__with_libyaml__ else "found character '\\t'"
    with pytest.raises(QuestionBankError, match=re.escape(f"{path}: line 3: invalid YAML: {detail}")):
        load_bank(path)


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "02_sessions.yaml"
    path.write_bytes(b"topic: caf\xe9\n")
    with pytest.raises(QuestionBankError, match=re.escape(f"{path}: is not UTF-8 text")):
        load_bank(path)


@pytest.mark.parametrize("text, shown", [("- a\n- b\n", "['a', 'b'] (list)"), ("just text\n", "'just text' (str)")])
def test_top_level_not_a_mapping(write, text, shown):
    expect(write(text), f"expected a mapping with 'topic', 'title' and 'questions' at the top level, got {shown}.")


@pytest.mark.parametrize("field", ["topic", "title"])
def test_missing_topic_or_title(write, field):
    data = make_bank()
    del data[field]
    expect(write(data), f"field '{field}': missing; expected a non-empty string.")


@pytest.mark.parametrize("field, value, problem", [
    ("topic", "", "must not be empty, got ''."),
    ("title", "  ", "must not be empty, got '  '."),
    ("title", 3, "expected a string, got 3 (int)."),
    ("topic", None, "missing; expected a non-empty string."),
    ("description", ["x"], "expected a string, got ['x'] (list)."),
])  # fmt: skip
def test_bad_top_level_strings(write, field, value, problem):
    data = make_bank()
    data[field] = value
    expect(write(data), f"field '{field}': {problem}")


def test_topic_must_match_a_numbered_file_stem(write):
    data = make_bank()
    data["topic"] = "03_providers"
    expect(write(data), "field 'topic': expected '02_sessions' (the file's stem), got '03_providers'.")


def test_topic_of_an_unnumbered_file_is_free(write):
    data = make_bank()
    data["topic"] = "final"
    assert load_bank(write(data, "final_exam.yaml")).topic == "final"


def test_unknown_top_level_key_suggests_the_closest(write):
    data = make_bank()
    data["titel"] = data.pop("title")
    problems = problems_of(write(data))
    assert any(
        p.endswith("field 'titel': unknown field; did you mean 'title'? Valid fields are ['topic', 'title', 'description', 'questions'].")
        for p in problems
    )
    assert any(p.endswith("field 'title': missing; expected a non-empty string.") for p in problems)


def test_questions_missing(write):
    data = make_bank()
    del data["questions"]
    expect(write(data), "field 'questions': missing; expected a list of questions.")


@pytest.mark.parametrize("value, problem", [
    ({"a": 1}, "expected a list of questions, got {'a': 1} (dict)."),
    (None, "expected a list of questions, got None (NoneType)."),
    ([], "is empty; a bank needs at least one question."),
])  # fmt: skip
def test_questions_not_a_list(write, value, problem):
    data = make_bank()
    data["questions"] = value
    expect(write(data), f"field 'questions': {problem}")


def test_question_not_a_mapping(write):
    data = make_bank()
    data["questions"].insert(1, "oops")
    expect(write(data), "question #2: expected a mapping with 'id', 'type', 'difficulty' and 'prompt', got 'oops' (str).")


def test_all_problems_of_a_file_are_collected(write):
    data = make_bank()
    q(data, 0)["difficulty"] = "medum"
    q(data, 1)["explaination"] = "typo"
    q(data, 3)["tolerance"] = -1
    data["title"] = ""
    path = write(data)
    problems = problems_of(path)
    assert problems == (
        f"{path}: field 'title': must not be empty, got ''.",
        f"{path}: {Q1}: field 'difficulty': expected one of ['easy', 'medium', 'hard'], got 'medum'.",
        f"{path}: question 'sessions-feed-keys': field 'explaination': unknown field; did you mean 'explanation'? "
        f"Valid fields are {QUESTION_FIELDS}.",
        f"{path}: question 'sessions-accuracy': field 'tolerance': expected a number >= 0, got -1.",
    )
    with pytest.raises(QuestionBankError) as info:
        load_bank(path)
    assert str(info.value).splitlines() == list(problems)


# --------------------------------------------------------------------------- question-level rejections


def test_problem_wording_matches_the_design_example(write):
    data = make_bank()
    q(data)["difficulty"] = "medum"
    expect(write(data), f"{Q1}: field 'difficulty': expected one of ['easy', 'medium', 'hard'], got 'medum'.")


def test_missing_id_is_named_by_position(write):
    data = make_bank()
    del q(data, 2)["id"]
    expect(write(data), "question #3: field 'id': missing; every question needs a kebab-case id such as 'sessions-run-returns-list'.")


@pytest.mark.parametrize("bad", ["Sessions_Run", "a--b", "-a", "a-", "a b", "abc\n", 42])
def test_id_must_be_kebab_case(write, bad):
    data = make_bank()
    q(data, 1)["id"] = bad
    shown = f"{bad!r} ({type(bad).__name__})"
    expect(
        write(data),
        "question #2: field 'id': expected a kebab-case id (lowercase letters and digits joined by single hyphens, "
        f"e.g. 'sessions-run-returns-list'), got {shown}.",
    )


def test_duplicate_id_in_a_file(write):
    data = make_bank()
    q(data, 2)["id"] = "sessions-run-returns-list"
    expect(write(data), f"{Q1}: field 'id': duplicate id: questions #1 and #3 both use it.")


def test_unknown_type(write):
    data = make_bank()
    q(data)["type"] = "single"
    expect(write(data), f"{Q1}: field 'type': expected one of ['single_choice', 'multi_choice', 'true_false', 'numeric'], got 'single'.")


@pytest.mark.parametrize("field", ["type", "difficulty"])
def test_missing_type_or_difficulty(write, field):
    data = make_bank()
    del q(data)[field]
    problems = problems_of(write(data))
    assert any(re.search(rf"{Q1}: field '{field}': missing; expected one of \[", p) for p in problems)


def test_unknown_difficulty(write):
    data = make_bank()
    q(data)["difficulty"] = ["easy"]
    expect(write(data), f"{Q1}: field 'difficulty': expected one of ['easy', 'medium', 'hard'], got ['easy'].")


@pytest.mark.parametrize("typo, suggestion", [("explaination", "explanation"), ("hnit", "hint"), ("choises", "choices")])
def test_unknown_question_field_suggests_the_closest(write, typo, suggestion):
    data = make_bank()
    q(data)[typo] = "x"
    expect(write(data), f"{Q1}: field '{typo}': unknown field; did you mean '{suggestion}'? Valid fields are {QUESTION_FIELDS}.")


def test_unknown_field_without_a_close_match(write):
    data = make_bank()
    q(data)["zzz"] = "x"
    expect(write(data), f"{Q1}: field 'zzz': unknown field. Valid fields are {QUESTION_FIELDS}.")


@pytest.mark.parametrize("value, problem", [
    ("", "must not be empty, got ''."),
    ("   \n", "must not be empty, got '   \\n'."),
    (42, "expected a string, got 42 (int)."),
])  # fmt: skip
def test_bad_prompt(write, value, problem):
    data = make_bank()
    q(data)["prompt"] = value
    expect(write(data), f"{Q1}: field 'prompt': {problem}")


def test_missing_prompt(write):
    data = make_bank()
    del q(data)["prompt"]
    expect(write(data), f"{Q1}: field 'prompt': missing; expected a non-empty string.")


@pytest.mark.parametrize("field", ["code", "hint", "explanation", "verify", "source"])
@pytest.mark.parametrize("value, shown", [(["a"], "['a'] (list)"), (1.5, "1.5 (float)"), (None, "None (NoneType)"),
    (True, 'True (bool) (YAML reads yes/no, on/off and true/false as a boolean: put the text in quotes, e.g. "Yes")')])
def test_string_fields_must_be_strings(write, field, value, shown):
    data = make_bank()
    q(data)[field] = value
    expect(write(data), f"{Q1}: field '{field}': expected a string, got {shown}.")


# ------------------------------------------------------------------- choices


@pytest.mark.parametrize("count", [1, 7])
def test_choice_count_out_of_range(write, count):
    data = make_bank()
    q(data, 1)["choices"] = [{"text": f"option {i}", "correct": i == 0} for i in range(count)]
    expect(write(data), f"question 'sessions-feed-keys': field 'choices': expected 2 to 6 choices, got {count}.")


def test_six_choices_are_fine(write):
    data = make_bank()
    q(data, 1)["choices"] = [{"text": f"option {i}", "correct": i == 0} for i in range(6)]
    assert len(load_bank(write(data)).questions[1].choices) == 6


def test_choices_missing(write):
    data = make_bank()
    del q(data)["choices"]
    expect(write(data), f"{Q1}: field 'choices': missing; single_choice questions need 2 to 6 choices.")


def test_choices_not_a_list(write):
    data = make_bank()
    q(data)["choices"] = "a, b"
    expect(write(data), f"{Q1}: field 'choices': expected a list of choices, got 'a, b' (str); single_choice questions need 2 to 6 choices.")


def test_choice_not_a_mapping(write):
    data = make_bank()
    q(data)["choices"][1] = "`numpy.ndarray`"
    expect(
        write(data),
        f"{Q1}: choice #2: expected a mapping with 'text' (and optionally 'correct', 'feedback', 'mistake', 'pin'), got '`numpy.ndarray`' (str).",
    )


@pytest.mark.parametrize("value, problem", [
    (None, "missing; expected a non-empty string."),
    ("", "must not be empty, got ''."),
    (7, "expected a string, got 7 (int)."),
])  # fmt: skip
def test_choice_text(write, value, problem):
    data = make_bank()
    q(data)["choices"][1]["text"] = value
    expect(write(data), f"{Q1}: choice #2: field 'text': {problem}")


def test_choice_text_missing(write):
    data = make_bank()
    del q(data)["choices"][0]["text"]
    expect(write(data), f"{Q1}: choice #1: field 'text': missing; expected a non-empty string.")


def test_every_bad_choice_is_reported(write):
    data = make_bank()
    q(data, 1)["choices"][0]["text"] = ""
    q(data, 1)["choices"][2]["feedbak"] = "x"
    problems = problems_of(write(data))
    assert [p.split(": ", 2)[2] for p in problems] == [
        "choice #1: field 'text': must not be empty, got ''.",
        "choice #3: field 'feedbak': unknown field; did you mean 'feedback'? Valid fields are ['text', 'correct', 'feedback', 'mistake', 'pin'].",
    ]


def test_unknown_choice_field(write):
    data = make_bank()
    q(data)["choices"][0]["corect"] = True
    expect(
        write(data),
        f"{Q1}: choice #1: field 'corect': unknown field; did you mean 'correct'? Valid fields are ['text', 'correct', 'feedback', 'mistake', 'pin'].",
    )


def test_pin_is_read_and_defaults_to_false(write):
    data = make_bank()
    q(data, 1)["choices"][1]["pin"] = True
    bank = load_bank(write(data))
    assert [c.pin for c in bank.questions[1].choices] == [False, True, False]
    assert not any(c.pin for c in bank.questions[0].choices)


@pytest.mark.parametrize("value, shown", [("yes", "'yes' (str)"), (1, "1 (int)")])
def test_pin_must_be_a_bool(write, value, shown):
    data = make_bank()
    q(data)["choices"][1]["pin"] = value
    expect(write(data), f"{Q1}: choice #2: field 'pin': expected true or false (true keeps the choice in place "
                        f"when choices are shuffled), got {shown}.")


def test_pin_on_true_false_has_no_effect_and_is_reported(write):
    data = make_bank()
    q(data, 2)["choices"][1]["pin"] = True
    expect(write(data), "question 'sessions-lists-accepted': field 'choices': true_false choices always show 'True' "
                        "then 'False', so 'pin' has no effect there; remove it (pinned: #2).")


def test_pinning_every_choice_is_reported(write):
    data = make_bank()
    for choice in q(data)["choices"]:
        choice["pin"] = True
    expect(write(data), f"{Q1}: field 'choices': every choice has 'pin: true', so nothing would ever be shuffled; "
                        "pin only the choices that must keep their place (e.g. 'None of these').")


@pytest.mark.parametrize("value, shown", [("yes", "'yes' (str)"), (1, "1 (int)"), (None, "None (NoneType)")])
def test_correct_must_be_a_bool(write, value, shown):
    data = make_bank()
    q(data)["choices"][0]["correct"] = value
    expect(write(data), f"{Q1}: choice #1: field 'correct': expected true or false, got {shown}.")


def test_feedback_must_be_a_string(write):
    data = make_bank()
    q(data)["choices"][1]["feedback"] = ["a"]
    expect(write(data), f"{Q1}: choice #2: field 'feedback': expected a string, got ['a'] (list).")


@pytest.mark.parametrize("value, shown", [("Output Is Array", "'Output Is Array' (str)"), ("output_is_array", "'output_is_array' (str)"), (3, "3 (int)")])
def test_mistake_must_be_kebab_case(write, value, shown):
    data = make_bank()
    q(data)["choices"][1]["mistake"] = value
    expect(
        write(data),
        f"{Q1}: choice #2: field 'mistake': expected a kebab-case tag (lowercase letters and digits joined by single hyphens, "
        f"e.g. 'output-is-array'), got {shown}.",
    )


@pytest.mark.parametrize("flags, shown", [((True, True), "2 (#1, #2)"), ((False, False), "0 (none)")])
def test_single_choice_needs_exactly_one_correct(write, flags, shown):
    data = make_bank()
    for choice, flag in zip(q(data)["choices"], flags):
        choice["correct"] = flag
    expect(write(data), f"{Q1}: field 'choices': single_choice needs exactly 1 correct choice, got {shown}.")


def test_true_false_needs_exactly_one_correct(write):
    data = make_bank()
    q(data, 2)["choices"][1]["correct"] = True
    expect(write(data), "question 'sessions-lists-accepted': field 'choices': true_false needs exactly 1 correct choice, got 2 (#1, #2).")


def test_multi_choice_needs_at_least_one_correct(write):
    data = make_bank()
    for choice in q(data, 1)["choices"]:
        choice.pop("correct", None)
    expect(
        write(data),
        "question 'sessions-feed-keys': field 'choices': multi_choice needs at least 1 correct choice, got 0; "
        "mark every right option with 'correct: true'.",
    )


def test_multi_choice_may_have_all_correct(write):
    data = make_bank()
    for choice in q(data, 1)["choices"]:
        choice["correct"] = True
        choice.pop("mistake", None)
    assert load_bank(write(data)).questions[1].correct_indices == frozenset({0, 1, 2})


@pytest.mark.parametrize("texts", [["False", "True"], ["Yes", "No"], ["true", "false"]])
def test_true_false_texts_are_exactly_true_then_false(write, texts):
    data = make_bank()
    for choice, text in zip(q(data, 2)["choices"], texts):
        choice["text"] = text
    expect(write(data), f"question 'sessions-lists-accepted': field 'choices': true_false choices must be exactly 'True' then 'False', got {texts}.")


def test_true_false_with_three_choices(write):
    data = make_bank()
    q(data, 2)["choices"].append({"text": "Maybe"})
    expect(
        write(data),
        "question 'sessions-lists-accepted': field 'choices': true_false choices must be exactly 'True' then 'False', "
        "got ['True', 'False', 'Maybe'].",
    )


# ------------------------------------------------------------------- numeric


NUMERIC = "question 'sessions-accuracy'"


def test_numeric_without_answer(write):
    data = make_bank()
    del q(data, 3)["answer"]
    expect(write(data), f"{NUMERIC}: field 'answer': missing; numeric questions need a number 'answer'.")


@pytest.mark.parametrize("value, problem", [
    ("high", "expected a number, got 'high' (str)."),
    (True, "expected a number, got True (bool)."),
    (None, "expected a number, got None (NoneType)."),
    ([1], "expected a number, got [1] (list)."),
    ("1e-3", "expected a number, got '1e-3' (str) (YAML reads an exponent without a dot as text: write 1.0e-3, not 1e-3)."),
    (float("nan"), "expected a finite number, got nan."),
])  # fmt: skip
def test_numeric_answer_must_be_a_number(write, value, problem):
    data = make_bank()
    q(data, 3)["answer"] = value
    expect(write(data), f"{NUMERIC}: field 'answer': {problem}")


def test_yaml_true_is_no_number(write):
    text = yaml.safe_dump(make_bank(), sort_keys=False).replace("answer: 0.875", "answer: yes")
    expect(write(text), f"{NUMERIC}: field 'answer': expected a number, got True (bool).")


@pytest.mark.parametrize("value, problem", [
    (-0.1, "expected a number >= 0, got -0.1."),
    ("0.01", "expected a number, got '0.01' (str)."),
    (False, "expected a number, got False (bool)."),
    (float("inf"), "expected a finite number, got inf."),
])  # fmt: skip
def test_numeric_tolerance(write, value, problem):
    data = make_bank()
    q(data, 3)["tolerance"] = value
    expect(write(data), f"{NUMERIC}: field 'tolerance': {problem}")


def test_choices_on_a_numeric_question(write):
    data = make_bank()
    q(data, 3)["choices"] = [{"text": "0.875", "correct": True}, {"text": "0.9"}]
    expect(write(data), f"{NUMERIC}: field 'choices': numeric questions take no choices; give 'answer' (and optionally 'tolerance') instead.")


@pytest.mark.parametrize("field, value", [("answer", 1.0), ("tolerance", 0.1)])
def test_answer_or_tolerance_on_a_choice_question(write, field, value):
    data = make_bank()
    q(data)[field] = value
    expect(write(data), f"{Q1}: field '{field}': only numeric questions take '{field}'; mark the right choices with 'correct: true'.")


# ------------------------------------------------------------------- verify, lesson


def test_verify_must_be_valid_python_with_the_line(write):
    data = make_bank()
    q(data)["verify"] = "x = 1\nif x\n    pass\n"
    expect(write(data), f"{Q1}: field 'verify': not valid Python: line 2 `if x`: expected ':'.")


def test_verify_unclosed_bracket(write):
    data = make_bank()
    q(data)["verify"] = "outputs = session.run(None, feeds)\nassert isinstance(outputs, list\n"
    problems = problems_of(write(data))
    assert len(problems) == 1 and re.search(rf"{Q1}: field 'verify': not valid Python: line 2 `assert isinstance\(outputs, list`: .*never closed", problems[0])


def test_lesson_must_be_a_known_stem(write):
    data = make_bank()
    q(data)["lesson"] = "02_session"
    expect(write(data), f"{Q1}: field 'lesson': expected a lesson stem, one of {LESSON_STEMS}, got '02_session'.")


# --------------------------------------------------------------------------- several banks


def other_bank(topic: str = "03_providers") -> dict:
    data = copy.deepcopy(make_bank())
    data["topic"] = topic
    for question in data["questions"]:
        question["id"] = question["id"].replace("sessions", "providers")
    return data


def test_load_banks_reads_every_yaml_sorted(write, tmp_path, monkeypatch):
    write(other_bank(), "03_providers.yaml")
    write(make_bank())
    (tmp_path / "notes.txt").write_text("not a bank")
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    banks = load_banks()
    assert isinstance(banks, tuple) and [bank.topic for bank in banks] == ["02_sessions", "03_providers"]


def test_load_banks_of_an_empty_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    assert load_banks() == ()


def test_load_banks_takes_topics_and_paths(write, tmp_path, monkeypatch):
    path = write(other_bank(), "03_providers.yaml")
    write(make_bank())
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    assert [bank.topic for bank in load_banks([path, "02_sessions"])] == ["03_providers", "02_sessions"]


def test_ids_must_be_unique_across_banks(write):
    data = other_bank()
    q(data, 1)["id"] = "sessions-feed-keys"
    first, second = write(make_bank()), write(data, "03_providers.yaml")
    expected = (
        f"{second}: question 'sessions-feed-keys': field 'id': duplicate id across banks; {first} (question #2) already uses it. "
        "Ids must be unique across all banks."
    )
    with pytest.raises(QuestionBankError, match=re.escape(expected)) as info:
        load_banks([first, second])
    assert info.value.problems == (expected,)


def test_topics_must_be_unique_across_banks(write):
    first = write({**other_bank("practice")}, "practice.yaml")
    second = write({**make_bank(), "topic": "practice"}, "practice_again.yaml")
    with pytest.raises(QuestionBankError, match=re.escape(f"{second}: field 'topic': duplicate topic 'practice'; {first} already uses it.")):
        load_banks([first, second])


def test_load_banks_reports_the_problems_of_every_file(write):
    broken = make_bank()
    q(broken)["type"] = "quiz"
    other = other_bank()
    other["title"] = ""
    first, second = write(broken), write(other, "03_providers.yaml")
    with pytest.raises(QuestionBankError) as info:
        load_banks([first, second])
    assert [p.split(": ")[0] for p in info.value.problems] == [str(first), str(second)]


def test_check_banks_accepts_distinct_banks():
    def bank(topic: str, *ids: str) -> Bank:
        return Bank(topic, topic.title(), tuple(Question(i, "numeric", "easy", "?", answer=1.0) for i in ids))

    assert check_banks([bank("a", "x", "y"), bank("b", "z")]) is None
    with pytest.raises(QuestionBankError, match=r"<memory>: question 'x': field 'id': duplicate id across banks; <memory> \(question #1\)"):
        check_banks([bank("a", "x"), bank("b", "x")])


def test_collect_banks_reports_missing_files_as_problems_or_lets_them_through(tmp_path):
    from ortlearn.quiz.bank import collect_banks

    missing = tmp_path / "99_nothing.yaml"
    banks, problems = collect_banks([missing])
    assert banks == () and len(problems) == 1 and "99_nothing" in problems[0]
    with pytest.raises(FileNotFoundError):
        collect_banks([missing], missing_is_problem=False)


def test_a_verify_snippet_leaves_logger_levels_and_warning_filters_as_it_found_them(tmp_path):
    import logging
    import warnings

    from ortlearn.quiz.questions import Choice, Question
    from ortlearn.quiz.verify import run_verify

    snippet = ('import logging, warnings\n'
               'logging.getLogger("ortlearn-test.quiet").setLevel(logging.ERROR)\n'
               'logging.disable(logging.WARNING)\n'
               'warnings.filterwarnings("ignore")\n')
    question = Question(id="q", type="true_false", difficulty="easy", prompt="p", topic="t", lesson="t",
                        choices=(Choice("True", correct=True), Choice("False")), verify=snippet)
    logger = logging.getLogger("ortlearn-test.quiet")
    logger.setLevel(logging.INFO)
    filters = list(warnings.filters)
    run_verify(question, tmp_path)
    assert logger.level == logging.INFO
    assert logging.root.manager.disable == logging.NOTSET
    assert warnings.filters == filters
