"""GIFT export: a small independent GIFT parser reads our output back, for every real bank."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ortlearn.quiz.bank import DEFAULT_BANKS_DIR, load_bank
from ortlearn.quiz.gift import escape_gift, format_gift, format_gift_banks, format_gift_prompt, format_weight
from ortlearn.quiz.questions import Bank, Choice, Question

BANK_PATHS = sorted(DEFAULT_BANKS_DIR.glob("*.yaml"))
_UNESCAPE = {"n": "\n", "\\": "\\", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":"}


# --------------------------------------------------------------------------- a minimal GIFT reader


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_UNESCAPE.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def split_unescaped(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters; returns (separator-before, piece) pairs."""
    parts, current, before, i = [], [], "", 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            current.append(text[i : i + 2])
            i += 2
            continue
        if char in separators:
            parts.append((before, "".join(current)))
            current, before = [], char
        else:
            current.append(char)
        i += 1
    parts.append((before, "".join(current)))
    return parts


def find_unescaped(text: str, target: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def parse_gift(text: str) -> list[dict]:
    questions, category = [], None
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.strip().startswith("//")]
        body = "\n".join(lines).strip()
        if not body:
            continue
        if body.startswith("$CATEGORY:"):
            category = body.split(":", 1)[1].strip()
            continue
        assert body.startswith("::"), body
        end_title = find_unescaped(body, "::", 2)
        title = unescape(body[2:end_title])
        rest = body[end_title + 2 :]
        fmt = re.match(r"\[(\w+)\]", rest)
        rest = rest[fmt.end() :] if fmt else rest
        open_brace = find_unescaped(rest, "{")
        close_brace = len(rest) - 1 - rest[::-1].index("}")
        question_text = unescape(rest[:open_brace].strip())
        answers_text = rest[open_brace + 1 : close_brace].strip()
        general = None
        cut = find_unescaped(answers_text, "####")
        if cut >= 0:
            general = unescape(answers_text[cut + 4 :].strip())
            answers_text = answers_text[:cut].strip()
        question = {"category": category, "title": title, "format": fmt.group(1) if fmt else None,
                    "text": question_text, "general_feedback": general}
        if answers_text.startswith("#"):
            value, tolerance = answers_text[1:].split(":")
            question.update(numeric=True, answer=float(value), tolerance=float(tolerance))
        else:
            answers = []
            for marker, piece in split_unescaped(answers_text, "=~")[1:]:
                piece = piece.strip()
                weight = 100.0 if marker == "=" else 0.0
                m = re.match(r"%(-?\d+(?:\.\d+)?)%", piece)
                if m:
                    weight, piece = float(m.group(1)), piece[m.end() :]
                text_feedback = split_unescaped(piece, "#")
                answer_text = unescape(text_feedback[0][1].strip())
                feedback = unescape(text_feedback[1][1].strip()) if len(text_feedback) > 1 else ""
                answers.append({"text": answer_text, "weight": weight, "feedback": feedback, "marker": marker})
            question.update(numeric=False, answers=answers)
        questions.append(question)
    return questions


# --------------------------------------------------------------------------- round trip of every real bank


@pytest.mark.parametrize("path", BANK_PATHS, ids=[p.stem for p in BANK_PATHS])
def test_every_bank_round_trips(path: Path):
    bank = load_bank(path)
    parsed = parse_gift(format_gift(bank))
    assert [q["title"] for q in parsed] == [q.id for q in bank.questions]
    for question, got in zip(bank.questions, parsed):
        assert got["category"] == f"ortlearn/{bank.topic}"
        assert got["format"] == "markdown"
        assert got["text"].startswith(question.prompt.strip())
        if question.code.strip():
            assert question.code.rstrip("\n") in got["text"]
            assert "```python\n" in got["text"]
        assert got["text"] == format_gift_prompt(question)
        assert got["general_feedback"] == (question.explanation.strip() or None)
        if question.type == "numeric":
            assert got["numeric"] and got["answer"] == question.answer and got["tolerance"] == question.tolerance
            continue
        assert [a["text"] for a in got["answers"]] == [c.text.strip() for c in question.choices]
        assert [a["weight"] > 0 for a in got["answers"]] == [c.correct for c in question.choices]
        assert [a["feedback"] for a in got["answers"]] == [c.feedback.strip() for c in question.choices]
        if question.type == "multi_choice":
            assert sum(a["weight"] for a in got["answers"] if a["weight"] > 0) == pytest.approx(100, abs=1e-3)
            assert all(a["weight"] == -100 for a in got["answers"] if a["weight"] <= 0)
        else:
            assert [a["marker"] for a in got["answers"]] == ["=" if c.correct else "~" for c in question.choices]


def test_no_blank_line_inside_a_question():
    bank = load_bank(BANK_PATHS[0])
    blocks = format_gift(bank).strip().split("\n\n")
    assert len(blocks) == len(bank.questions) + 1  # the category block, then one per question
    assert all(block.rstrip().endswith("}") for block in blocks[1:])


def test_several_banks_keep_one_category_each():
    banks = [load_bank(p) for p in BANK_PATHS[:2]]
    text = format_gift_banks(banks)
    assert [line for line in text.splitlines() if line.startswith("$CATEGORY")] == [
        f"$CATEGORY: ortlearn/{b.topic}" for b in banks
    ]
    assert len(parse_gift(text)) == sum(len(b) for b in banks)


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("{x}", "\\{x\\}"),
        ("a = b", "a \\= b"),
        ("~not", "\\~not"),
        ("#1", "\\#1"),
        ("key: value", "key\\: value"),
        ("C:\\path", "C\\:\\\\path"),
        ("\\n is not a newline", "\\\\n is not a newline"),
        ("two\n\nparagraphs", "two\\n\\nparagraphs"),
        ("crlf\r\nline", "crlf\\nline"),
    ],
)
def test_escape_gift(text: str, escaped: str):
    assert escape_gift(text) == escaped
    assert unescape(escaped) == text.replace("\r\n", "\n")


def tricky_bank() -> Bank:
    nasty = "Use {braces}, a = b, ~tilde, #hash, key: value, back\\slash \\n and\n\nblank lines"
    questions = (
        Question("tricky-single", "single_choice", "easy", nasty, code="d = {'a': 1}  # c\n\nx = d['a']\n",
                 choices=(Choice(nasty, True, nasty), Choice("plain", feedback="~=#{}:\\")),
                 explanation=nasty, topic="99_tricky"),
        Question("tricky-multi", "multi_choice", "hard", "Pick {all}", topic="99_tricky",
                 choices=(Choice("a", True), Choice("b", True), Choice("c", True), Choice("d"))),
        Question("tricky-tf", "true_false", "easy", "True?", topic="99_tricky",
                 choices=(Choice("True", feedback="Yes: right."), Choice("False", True, "No = wrong."))),
        Question("tricky-numeric", "numeric", "easy", "How much?", answer=-0.895, tolerance=0.001, topic="99_tricky"),
    )
    return Bank("99_tricky", "Tricky", questions)


def test_special_characters_round_trip():
    bank = tricky_bank()
    parsed = {q["title"]: q for q in parse_gift(format_gift(bank))}
    single = parsed["tricky-single"]
    assert single["text"] == format_gift_prompt(bank.questions[0])
    assert "d = {'a': 1}  # c\n\nx = d['a']" in single["text"]
    assert single["answers"][0] == {"text": bank.questions[0].prompt, "weight": 100.0,
                                    "feedback": bank.questions[0].prompt, "marker": "="}
    assert single["answers"][1]["feedback"] == "~=#{}:\\"
    assert single["general_feedback"] == bank.questions[0].prompt
    assert [a["weight"] for a in parsed["tricky-multi"]["answers"]] == [33.33333, 33.33333, 33.33333, -100]
    assert [a["marker"] for a in parsed["tricky-tf"]["answers"]] == ["~", "="]
    assert parsed["tricky-tf"]["answers"][1]["feedback"] == "No = wrong."
    assert (parsed["tricky-numeric"]["answer"], parsed["tricky-numeric"]["tolerance"]) == (-0.895, 0.001)
    assert "{\n#-0.895:0.001\n}" in format_gift(bank)


def test_code_with_fences_gets_a_longer_fence():
    q = Question("fence", "numeric", "easy", "Count", code="```\ninner\n```", answer=1)
    assert format_gift_prompt(q) == "Count\n\n````python\n```\ninner\n```\n````"


@pytest.mark.parametrize(("percent", "text"), [(100, "100"), (50, "50"), (100 / 3, "33.33333"), (100 / 6, "16.66667"),
                                               (100 / 7, "14.28571"), (-100, "-100"), (12.5, "12.5")])
def test_format_weight_uses_moodle_grade_values(percent: float, text: str):
    assert format_weight(percent) == text


def test_unknown_type_is_refused():
    bank = Bank("x", "X", (Question("odd", "essay", "easy", "?"),))
    with pytest.raises(ValueError, match=r"type 'essay'; GIFT export knows"):
        format_gift(bank)
