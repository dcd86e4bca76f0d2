"""ortlearn.quiz.lint: each answer-tell rule fires on a small synthetic bank and stays quiet on a fair one."""

from __future__ import annotations

import pytest

from ortlearn.cli import main
from ortlearn.quiz import lint
from ortlearn.quiz.questions import Bank, Choice, Question

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def single(qid: str, answer: int, texts: tuple[str, ...] = ("red", "blue", "grey", "pink")) -> Question:
    choices = tuple(Choice(text=t, correct=(i == answer)) for i, t in enumerate(texts))
    return Question(id=qid, type="single_choice", difficulty="easy", prompt=f"Prompt {qid}?", choices=choices)


def true_false(qid: str, answer: bool) -> Question:
    return Question(id=qid, type="true_false", difficulty="easy", prompt=f"Statement {qid}.",
                    choices=(Choice("True", correct=answer), Choice("False", correct=not answer)))


def multi(qid: str, correct: tuple[int, ...], n: int = 5) -> Question:
    choices = tuple(Choice(text=f"option {WORDS[i]}", correct=i in correct) for i in range(n))
    return Question(id=qid, type="multi_choice", difficulty="hard", prompt=f"Pick {qid}.", choices=choices)


def bank(*questions: Question, topic: str = "09_synthetic") -> Bank:
    return Bank(topic=topic, title="Synthetic", questions=tuple(questions))


def rules(findings: list[lint.Finding]) -> list[str]:
    return [f.rule for f in findings]


# --------------------------------------------------------------------------- answer-position


def test_position_skew_fires_above_half():
    findings = lint.lint_answer_positions(bank(single("a", 0), single("b", 0), single("c", 0), single("d", 1)))
    assert rules(findings) == ["answer-position"]
    assert "3 of 4 single-choice answers are option A" in findings[0].message
    assert "A: 3, B: 1" in findings[0].message


def test_position_spread_is_quiet_and_half_is_allowed():
    assert lint.lint_answer_positions(bank(single("a", 0), single("b", 1), single("c", 2), single("d", 3))) == []
    assert lint.lint_answer_positions(bank(single("a", 0), single("b", 0), single("c", 2), single("d", 3))) == []


def test_position_rule_needs_four_single_choice_questions():
    assert lint.lint_answer_positions(bank(single("a", 0), single("b", 0), single("c", 0))) == []


# --------------------------------------------------------------------------- multi-correct-first


def test_multi_correct_first_fires_on_a_leading_block():
    findings = lint.lint_multi_correct_first(bank(multi("m", (0, 1, 2))))
    assert rules(findings) == ["multi-correct-first"] and findings[0].question == "m"


@pytest.mark.parametrize("correct", [(0, 2, 3), (1, 2), (3, 4), (0, 1, 2, 3, 4)])
def test_multi_interleaved_or_all_correct_is_quiet(correct):
    assert lint.lint_multi_correct_first(bank(multi("m", correct))) == []


# --------------------------------------------------------------------------- true-false-balance


def test_true_false_all_false_fires():
    findings = lint.lint_true_false_balance(bank(*(true_false(str(i), False) for i in range(4))))
    assert rules(findings) == ["true-false-balance"]
    assert "0 of 4 true/false answers are True (wanted 40%–60%)" in findings[0].message


@pytest.mark.parametrize("trues, total, fires", [(2, 4, False), (2, 5, False), (3, 5, False), (1, 4, True),
                                                 (3, 4, True), (1, 3, False), (2, 3, False), (0, 3, True),
                                                 (2, 2, True), (1, 2, False), (0, 1, False)])
def test_true_false_thresholds(trues, total, fires):
    questions = [true_false(str(i), i < trues) for i in range(total)]
    assert bool(lint.lint_true_false_balance(bank(*questions))) is fires


# --------------------------------------------------------------------------- longest / shortest correct


LONG = ("a much longer correct option here", "short one", "short two", "short six")
SHORT = ("tiny", "a considerably longer option", "another long distractor", "a third long distractor")


def test_longest_correct_fires_when_the_answer_stands_out_too_often():
    questions = [single("a", 0, LONG), single("b", 0, LONG), single("c", 1), single("d", 2)]
    findings = lint.lint_length_tells(bank(*questions))
    assert rules(findings) == ["longest-correct"]
    assert "2 of 4 single-choice questions" in findings[0].message and "a, b" in findings[0].message


def test_longest_correct_needs_the_ratio():
    almost = ("option of twenty-two!", "option of twenty ch", "short", "short")  # 21 vs 19 chars: < 1.2×
    questions = [single(q, 0, almost) for q in "abcd"]
    assert lint.lint_length_tells(bank(*questions)) == []


def test_one_long_answer_in_four_is_allowed():
    questions = [single("a", 0, LONG), single("b", 1), single("c", 2), single("d", 3)]
    assert lint.lint_length_tells(bank(*questions)) == []


def test_shortest_correct_fires_too():
    questions = [single("a", 0, SHORT), single("b", 0, SHORT), single("c", 1), single("d", 2)]
    assert rules(lint.lint_length_tells(bank(*questions))) == ["shortest-correct"]


# --------------------------------------------------------------------------- hedge-correct


def test_hedge_correct_fires_when_only_the_answer_is_hedged():
    hedged = ("it usually helps", "it always helps", "it never helps", "it breaks")
    questions = [single(q, 0, hedged) for q in "abc"] + [single("d", 1)]
    findings = lint.lint_hedge_tells(bank(*questions))
    assert rules(findings) == ["hedge-correct"] and "3 of 4" in findings[0].message


def test_hedge_in_a_distractor_too_is_quiet():
    both = ("it usually helps", "it may hurt", "it never helps", "it breaks")
    assert lint.lint_hedge_tells(bank(*(single(q, 0, both) for q in "abcd"))) == []


# --------------------------------------------------------------------------- near-duplicate


def long_question(qid: str, words: list[str]) -> Question:
    return Question(id=qid, type="single_choice", difficulty="easy", prompt=" ".join(words) + "?",
                    choices=(Choice("first answer", correct=True), Choice("second answer")))


def test_near_duplicates_across_banks_fire():
    a = bank(long_question("x-one", WORDS[:12]), topic="01_a")
    b = bank(long_question("y-one", WORDS[2:14]), topic="02_b")  # 10 of 14 content words shared
    findings = lint.lint_near_duplicates([a, b])
    assert rules(findings) == ["near-duplicate"]
    assert findings[0].bank == "02_b" and findings[0].question == "y-one" and "01_a:x-one" in findings[0].message


def test_different_questions_and_short_prompts_are_quiet():
    a = bank(long_question("x-one", WORDS[:8]), long_question("x-two", ["Question"]), topic="01_a")
    b = bank(long_question("y-one", WORDS[8:16]), long_question("y-two", ["Question"]), topic="02_b")
    assert lint.lint_near_duplicates([a, b]) == []


def test_question_tokens_drop_stopwords_and_keep_api_names():
    q = Question(id="q", type="true_false", difficulty="easy",
                 prompt="True or false: `session.get_providers()` lists the providers.",
                 choices=(Choice("True", correct=True), Choice("False")))
    assert lint.question_tokens(q) == frozenset({"session.get_providers", "lists", "providers"})


# --------------------------------------------------------------------------- lint_banks and the CLI


def test_a_fair_bank_has_no_findings():
    fair = bank(single("a", 0), single("b", 1), single("c", 2), single("d", 3), multi("m", (1, 3)),
                true_false("t1", True), true_false("t2", False))
    assert lint.lint_banks([fair]) == []


def test_findings_name_bank_question_and_rule():
    finding = lint.Finding("02_sessions", "sessions-x", "multi-correct-first", "its 2 correct options come first.")
    assert str(finding) == "02_sessions: question 'sessions-x': [multi-correct-first] its 2 correct options come first."
    assert str(lint.Finding("02_sessions", "", "answer-position", "skewed.")) == "02_sessions: [answer-position] skewed."


def test_validate_prints_lint_findings_and_fails(tmp_path, monkeypatch, capsys):
    import yaml

    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    questions = [{"id": f"sessions-{i}", "type": "true_false", "difficulty": "easy", "prompt": f"Statement {i}.",
                  "choices": [{"text": "True"}, {"text": "False", "correct": True}]} for i in range(4)]
    (tmp_path / "02_sessions.yaml").write_text(yaml.safe_dump({"topic": "02_sessions", "title": "S", "questions": questions}))
    assert main(["quiz", "validate"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "02_sessions: [true-false-balance] 0 of 4 true/false answers are True (wanted 40%–60%). "
        "Rewrite some statements the other way round (and prove them in verify:).",
        "1 problem found.",
    ]


def test_longest_habit_fires_without_a_clear_margin():
    almost = ("option of twenty-two!", "option of twenty ch", "short", "short")  # longest, but < 1.2×
    questions = [single("a", 0, almost), single("b", 0, almost), single("c", 0, almost), single("d", 1)]
    findings = lint.lint_longest_habit(bank(*questions))
    assert rules(findings) == ["longest-habit"]
    assert "answers 3 of 4 single-choice questions correctly" in findings[0].message


def test_longest_habit_allows_half():
    almost = ("option of twenty-two!", "option of twenty ch", "short", "short")
    questions = [single("a", 0, almost), single("b", 0, almost), single("c", 1), single("d", 2)]
    assert lint.lint_longest_habit(bank(*questions)) == []
