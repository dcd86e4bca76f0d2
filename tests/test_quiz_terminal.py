"""The terminal quiz: question text, and whole sessions driven by a fake ``input``."""

from __future__ import annotations

import io

import pytest

from ortlearn.quiz.grading import choice_order
from ortlearn.quiz.questions import Bank, Choice, Question
from ortlearn.quiz.store import ResultStore
from ortlearn.quiz.terminal import format_bank_text, format_question, take

SINGLE = Question(
    id="sessions-run-returns-list",
    type="single_choice",
    difficulty="medium",
    prompt="What does `run` return?",
    code="outputs = session.run(None, feeds)\n\nprint(type(outputs))\n",
    choices=(
        Choice("`list` of numpy arrays", correct=True, feedback="One entry per output."),
        Choice("`numpy.ndarray`", feedback="That is `outputs[0]`.", mistake="output-is-array"),
        Choice("`dict`\nkeyed by name", feedback="No names.", mistake="output-is-dict"),
    ),
    hint="Look at the indexing.",
    explanation="`run` returns a list.",
    topic="02_sessions",
    lesson="02_sessions",
)
TRUE_FALSE = Question(
    id="sessions-lists-accepted",
    type="true_false",
    difficulty="easy",
    prompt="Nested lists are accepted as feeds.",
    choices=(Choice("True", correct=True), Choice("False", feedback="Try it.", mistake="lists-rejected")),
    topic="02_sessions",
    lesson="01_onnx_format",
)
MULTI = Question(
    id="sessions-feed-keys",
    type="multi_choice",
    difficulty="hard",
    prompt="Which feed keys work?",
    choices=(
        Choice("`'x'`", correct=True),
        Choice("`inputs[0]`", mistake="nodearg-as-key"),
        Choice("`inputs[0].name`", correct=True),
    ),
    explanation="Keys are input names.",
    topic="02_sessions",
    lesson="02_sessions",
)
NUMERIC = Question(
    id="sessions-accuracy",
    type="numeric",
    difficulty="easy",
    prompt="Accuracy of 85-15-10-90?",
    answer=0.875,
    tolerance=0.001,
    hint="(TP + TN) / all",
    topic="02_sessions",
)
BANK = Bank("02_sessions", "Sessions", (SINGLE, TRUE_FALSE, MULTI, NUMERIC))
RIGHT_ANSWERS = ["a", "a", "a, c", "0.875"]


class FakeInput:
    """Returns the given lines one by one, then raises EOFError; records the prompts."""

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []

    def __call__(self, prompt: str = "") -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def run(*lines: str, bank: Bank = BANK, **kwargs) -> tuple[int, str, FakeInput]:
    """Take ``bank`` typing ``lines``; in the bank's order (letters as written here) unless a seed is given."""
    out = io.StringIO()
    fake = FakeInput(*lines)
    kwargs.setdefault("seed", None)
    score = take(bank, input=fake, output=out, **kwargs)
    return score, out.getvalue(), fake


# --------------------------------------------------------------------------- format_question


def test_format_single_choice_question():
    assert format_question(SINGLE, 3, 10) == (
        "Question 3/10 · medium\n"
        "\n"
        "What does `run` return?\n"
        "\n"
        "    outputs = session.run(None, feeds)\n"
        "\n"
        "    print(type(outputs))\n"
        "\n"
        "  A. `list` of numpy arrays\n"
        "  B. `numpy.ndarray`\n"
        "  C. `dict`\n"
        "     keyed by name\n"
        "\n"
        "(type a letter)"
    )


def test_format_true_false_and_multi_choice():
    assert format_question(TRUE_FALSE, 1, 2).endswith("  A. True\n  B. False\n\n(type a letter)")
    assert format_question(MULTI, 2, 2).endswith("  C. `inputs[0].name`\n\n(type every right letter, e.g. a, c)")


def test_format_numeric_question():
    assert format_question(NUMERIC, 4, 4) == "Question 4/4 · easy\n\nAccuracy of 85-15-10-90?\n\n(enter a number)"


def test_format_question_follows_the_given_order():
    text = format_question(SINGLE, 1, 1, order=[2, 0, 1])
    assert "  A. `dict`\n     keyed by name\n  B. `list` of numpy arrays\n  C. `numpy.ndarray`" in text


@pytest.mark.parametrize("question", [SINGLE, TRUE_FALSE, MULTI, NUMERIC])
def test_formatted_questions_never_show_the_answer_key(question):
    text = format_question(question, 1, 1)
    for secret in ("correct", "One entry per output", "That is", "output-is-array", "Try it", "0.875", "Keys are input names", "Look at"):
        assert secret not in text


def test_format_bank_text():
    text = format_bank_text(BANK)
    assert text.startswith(
        "Sessions (4 questions)\nTo take this quiz interactively in a terminal, run: ortlearn quiz take 02_sessions\n\nQuestion 1/4 · medium\n"
    )
    assert [line for line in text.splitlines() if line.startswith("Question ")] == [
        "Question 1/4 · medium", "Question 2/4 · easy", "Question 3/4 · hard", "Question 4/4 · easy",
    ]  # fmt: skip
    assert "0.875" not in text and "One entry per output" not in text and "`run` returns a list." not in text


# --------------------------------------------------------------------------- sessions


def test_all_correct():
    score, out, fake = run(*RIGHT_ANSWERS)
    assert score == 4
    assert out.startswith("Sessions: 4 questions. Type h for a hint, s to skip, q to quit.\n")
    assert "Correct. One entry per output.\n`run` returns a list.\n" in out
    assert "Answer:" not in out
    assert out.endswith("Summary: Sessions\n\nScore: 4/4 correct (answered 4/4 · correct 4)\n\n"
                        "Nothing to review: every answer was right.\n")
    assert fake.prompts == ["> "] * 4


def test_incorrect_answer_shows_feedback_answer_explanation_and_review():
    score, out, _ = run("B", "a", "a, c", "0.875")
    assert score == 3
    assert "Incorrect. That is `outputs[0]`.\nAnswer: A. `list` of numpy arrays\n`run` returns a list.\n" in out
    assert out.endswith(
        "Score: 3/4 correct (answered 4/4 · correct 3)\n\n"
        "What to review:\n\n"
        "- Inference sessions (lessons/02_sessions.ipynb): question 1\n\n"
        "Misconceptions to revisit: `output-is-array`\n"
    )


def test_hint_then_answer():
    score, out, fake = run("h", "HINT", "a", "a", "a,c", "h", "0.875")
    assert score == 4
    assert out.count("Hint: Look at the indexing.\n") == 2
    assert "Hint: (TP + TN) / all\n" in out
    assert len(fake.prompts) == 7


def test_no_hint():
    _, out, _ = run("a", "hint", "a", "a, c", "0.875")
    assert "No hint for this question.\n" in out


def test_skip():
    score, out, _ = run("s", "skip", "a c", "0.875")
    assert score == 2
    assert out.count("Skipped.\n") == 2
    assert out.endswith(
        "Score: 2/4 correct (answered 2/4 · correct 2)\n\n"
        "2 questions not answered.\n\n"
        "What to review:\n\n"
        "- Inference sessions (lessons/02_sessions.ipynb): question 1\n"
        "- The ONNX format (lessons/01_onnx_format.ipynb): question 2\n"
    )


def test_invalid_input_asks_again():
    score, out, fake = run("", "z", "ab", "1", "A", "a", "a, c", "0.875")
    assert score == 4
    assert out.count("Please type one letter from A to C (or h for a hint, s to skip, q to quit).\n") == 4
    assert len(fake.prompts) == 8


def test_true_false_accepts_the_words():
    score, out, _ = run("a", "False", "a, c", "0.875")
    assert score == 3
    assert "Incorrect. Try it.\nAnswer: A. True\n" in out
    assert "Misconceptions to revisit: `lists-rejected`\n" in out


def test_multi_choice_answers():
    bank = Bank("02_sessions", "Sessions", (MULTI,))
    assert run("C, a", bank=bank)[0] == 1
    assert run("a c a", bank=bank)[0] == 1
    score, out, _ = run("a, b", bank=bank)
    assert score == 0
    assert "Incorrect: you found 1 of 2 correct options and picked 1 wrong one.\nAnswer: A. `'x'`; C. `inputs[0].name`\nKeys are input names.\n" in out
    assert "Misconceptions to revisit: `nodearg-as-key`\n" in out


def test_multi_choice_invalid_letters_ask_again():
    bank = Bank("02_sessions", "Sessions", (MULTI,))
    score, out, _ = run("a, d", "a;c", ",", "a, c", bank=bank)
    assert score == 1
    assert out.count("Please type one or more letters from A to C separated by commas, e.g. a, c (or h for a hint, s to skip, q to quit).\n") == 3


def test_numeric_answers():
    bank = Bank("02_sessions", "Sessions", (NUMERIC,))
    assert run(" 0.8755 ", bank=bank)[0] == 1
    score, out, _ = run("87.5%", "abc", "0.9", bank=bank)
    assert score == 0
    assert out.count("Please enter a number such as 0.85 (or h for a hint, s to skip, q to quit).\n") == 2
    assert "Incorrect.\nAnswer: 0.875 (±0.001)\n" in out
    assert out.endswith("Score: 0/1 correct (answered 1/1 · correct 0)\n\nWhat to review:\n\n"
                        "- Inference sessions (lessons/02_sessions.ipynb): question 1\n")


@pytest.mark.parametrize("word", ["q", "quit", "Q", " QUIT "])
def test_quit_stops_early(word):
    score, out, fake = run("a", word, "a")
    assert score == 1
    assert "Question 3/4" not in out
    assert out.endswith("Score: 1/4 correct (answered 1/4 · correct 1)\n\n3 questions not answered.\n\n"
                        "Nothing to review: every answer was right.\n")
    assert fake.lines == ["a"]


def test_end_of_input_stops_like_quit():
    score, out, _ = run("a", "b")
    assert score == 1
    assert out.endswith(
        "Score: 1/4 correct (answered 2/4 · correct 1)\n\n"
        "2 questions not answered.\n\n"
        "What to review:\n\n"
        "- The ONNX format (lessons/01_onnx_format.ipynb): question 2\n\n"
        "Misconceptions to revisit: `lists-rejected`\n"
    )


def test_ctrl_c_stops_like_quit():
    def interrupted(prompt: str) -> str:
        raise KeyboardInterrupt

    out = io.StringIO()
    assert take(BANK, input=interrupted, output=out) == 0
    assert out.getvalue().endswith("Score: 0/4 correct (answered 0/4 · correct 0)\n\n4 questions not answered.\n")


def test_answers_are_recorded_in_the_store(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    run("b", "s", "a, c", "0.875", store=store)
    results = store.results("02_sessions")
    assert sorted(results) == ["sessions-accuracy", "sessions-feed-keys", "sessions-run-returns-list"]
    assert results["sessions-run-returns-list"].correct is False
    assert results["sessions-feed-keys"].correct is True
    assert all(r.attempts == 1 and r.seconds >= 0 for r in results.values())


def test_shuffled_choices_are_graded_by_what_was_shown():
    seed = 5
    order = choice_order(SINGLE, seed)
    right_letter = "abc"[order.index(0)]
    wrong_letter = "abc"[order.index(1)]
    bank = Bank("02_sessions", "Sessions", (SINGLE,))
    score, out, _ = run(right_letter, bank=bank, seed=seed)
    assert score == 1
    assert format_question(SINGLE, 1, 1, order=order) in out
    score, out, _ = run(wrong_letter, bank=bank, seed=seed)
    assert score == 0
    assert f"Answer: {right_letter.upper()}. `list` of numpy arrays\n" in out


def test_output_defaults_to_stdout(capsys):
    assert take(Bank("02_sessions", "Sessions", (NUMERIC,)), input=FakeInput("0.875")) == 1
    assert capsys.readouterr().out.endswith("Score: 1/1 correct (answered 1/1 · correct 1)\n\n"
                                            "Nothing to review: every answer was right.\n")


def test_input_defaults_to_the_builtin_at_call_time(monkeypatch, capsys):
    monkeypatch.setattr("builtins.input", FakeInput("s"))
    assert take(Bank("02_sessions", "Sessions", (NUMERIC,))) == 0
    assert "Skipped.\n" in capsys.readouterr().out


# --------------------------------------------------------------------------- shuffled by default, rendered Markdown


def shown_choices(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line[:4] in ("  A.", "  B.", "  C.", "  D.", "  E.")]


def test_take_shuffles_per_learner_by_default_and_the_same_way_each_time(samples, tmp_path, monkeypatch):
    bank = Bank("03_providers", "Providers", (samples.pinned,))
    first = take(bank, input=FakeInput("q"), output=(out1 := io.StringIO()))
    take(bank, input=FakeInput("q"), output=(out2 := io.StringIO()))
    assert first == 0 and shown_choices(out1.getvalue()) == shown_choices(out2.getvalue())
    from ortlearn.quiz.shuffle import learner_id

    order = choice_order(samples.pinned, learner_id())
    assert shown_choices(out1.getvalue())[0].endswith(samples.pinned.choices[order[0]].text)
    assert shown_choices(out1.getvalue())[4] == "E. None of these"  # pinned


def test_take_uses_the_class_seed(samples, class_seed):
    class_seed(11)
    bank = Bank("03_providers", "Providers", (samples.pinned,))
    out = io.StringIO()
    take(bank, input=FakeInput("q"), output=out)
    expected = [samples.pinned.choices[i].text for i in choice_order(samples.pinned, 11)]
    assert [line[3:] for line in shown_choices(out.getvalue())] == expected


def test_bank_text_follows_the_seed(samples):
    bank = Bank("03_providers", "Providers", (samples.pinned,))
    assert "  A. CPUExecutionProvider\n  B. CUDAExecutionProvider" in format_bank_text(bank, seed=None)
    order = choice_order(samples.pinned, 4)
    assert f"  A. {samples.pinned.choices[order[0]].text}\n" in format_bank_text(bank, seed=4)


MARKDOWN = Question(
    id="metrics-catdog-precision", type="single_choice", difficulty="medium",
    prompt=("For the **cat** class:\n\n| | pred cat | pred dog |\n|---|--:|--:|\n| cat | 90 | 10 |\n| dog | 15 | 85 |\n\n"
            "- precision\n- recall\n\nSee [the docs](https://scikit-learn.org)."),
    choices=(Choice("**0.857**", correct=True, feedback="Correct: 90 / (90 + 15)."), Choice("`0.9`")),
    explanation="Precision is **TP / (TP + FP)**.", topic="05_metrics_pitfalls", lesson="05_metrics_pitfalls",
)


def test_terminal_renders_bold_tables_lists_and_links_as_plain_text():
    text = format_question(MARKDOWN, 1, 1)
    assert "**" not in text and "|---" not in text
    assert ("For the cat class:\n\n"
            "    | pred cat | pred dog\n"
            "----+----------+---------\n"
            "cat |       90 |       10\n"
            "dog |       15 |       85\n\n"
            "- precision\n- recall\n\n"
            "See the docs (https://scikit-learn.org).") in text
    assert "  A. 0.857\n  B. `0.9`\n" in text


def test_correct_feedback_that_repeats_the_verdict_is_said_once():
    score, out, _ = run("a", bank=Bank("05_metrics_pitfalls", "Metrics", (MARKDOWN,)))
    assert score == 1
    assert "Correct. 90 / (90 + 15).\nPrecision is TP / (TP + FP).\n" in out
    assert "Correct. Correct" not in out and "Correct: 90" not in out


def test_control_characters_in_answers_never_reach_the_terminal():
    evil = Question(id="q", type="numeric", difficulty="easy", prompt="n?", answer=1.0)
    score, out, _ = run("\x1b[2J", "1", bank=Bank("t", "T", (evil,)))
    assert score == 1 and "\x1b" not in out
