"""Every question bank in quizzes/banks is valid, and every stated behaviour is proven by its verify: snippet."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ortlearn.lessons import LESSONS
from ortlearn.quiz.bank import load_bank, load_banks
from ortlearn.quiz.lint import lint_banks
from ortlearn.quiz.verify import run_verify

ROOT = Path(__file__).resolve().parents[1]
BANK_FILES = sorted((ROOT / "quizzes" / "banks").glob("*.yaml"))
LESSON_STEMS = {lesson.stem for lesson in LESSONS}


def _all_questions():
    return [q for bank in load_banks(BANK_FILES) for q in bank.questions]


def test_there_are_banks():
    assert {p.stem for p in BANK_FILES} >= {"00_practice", "01_onnx_format"}


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.stem for p in BANK_FILES])
def test_bank_loads_and_validates(path):
    bank = load_bank(path)
    assert bank.topic == path.stem
    assert len(bank) >= 10


def test_ids_are_unique_across_banks():
    ids = Counter(q.id for q in _all_questions())
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("path", [p for p in BANK_FILES if p.stem in LESSON_STEMS], ids=lambda p: p.stem)
def test_lesson_banks_cover_three_difficulties(path):
    counts = Counter(q.difficulty for q in load_bank(path).questions)
    assert set(counts) == {"easy", "medium", "hard"}


def test_practice_bank_mirrors_every_seed_question():
    bank = load_bank(ROOT / "quizzes" / "banks" / "00_practice.yaml")
    sources = Counter(q.source for q in bank.questions)
    # five practice questions (000/002), the pipeline quiz (003), self-checks (000, 001, 004), four myth busters (002)
    assert sources["000_0f4d82359954388e.txt"] >= 6
    assert sources["001_d097bc7f74b27e64.txt"] >= 1
    assert sources["002_5e9ba483e6311f37.txt"] >= 4
    assert sources["003_0425764f6d421771.txt"] >= 1
    assert sources["004_7a1fab4b35017646.txt"] >= 1
    assert sum(q.type == "true_false" for q in bank.questions if q.source.startswith("002_")) >= 4
    assert all(q.lesson for q in bank.questions), "practice questions link the lesson that teaches them"


def test_the_lost_options_of_the_output_type_question_are_restored():
    bank = load_bank(ROOT / "quizzes" / "banks" / "00_practice.yaml")
    question = next(q for q in bank.questions if "print(type(outputs))" in q.code)
    texts = " ".join(c.text for c in question.choices)
    for option in ("list", "ndarray", "dict", "tuple"):
        assert option in texts
    assert ["list" in c.text for c in question.choices if c.correct] == [True]


def test_the_optimization_myth_is_corrected():
    bank = load_bank(ROOT / "quizzes" / "banks" / "00_practice.yaml")
    myth = next(q for q in bank.questions if q.type == "true_false" and "exact" in q.prompt.lower())
    assert [c.text for c in myth.choices if c.correct] == ["False"]
    assert myth.verify.strip(), "the correction is proven, not asserted"


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.stem for p in BANK_FILES])
def test_bank_gives_no_answer_away(path):
    # answer position, multi-choice order, True/False balance, length and hedging tells (ortlearn.quiz.lint)
    assert [str(finding) for finding in lint_banks([load_bank(path)])] == []


def test_no_question_is_asked_twice_across_banks():
    findings = [f for f in lint_banks(load_banks(BANK_FILES)) if f.rule == "near-duplicate"]
    assert [str(finding) for finding in findings] == []


VERIFIED = [q for q in _all_questions() if q.verify.strip()]


@pytest.mark.parametrize("question", VERIFIED, ids=[f"{q.topic}:{q.id}" for q in VERIFIED])
def test_verify_snippet_asserts_something(question):
    """DESIGN: a snippet must assert the answer; "it ran without an exception" alone proves little."""
    import ast

    def asserts(node: ast.AST) -> bool:
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Raise) and node.exc is not None:  # raise AssertionError("expected an error")
            return "AssertionError" in ast.unparse(node.exc)
        name = ast.unparse(node.func).split(".")[-1] if isinstance(node, ast.Call) else ""
        return name.startswith("assert_") or name == "raises"  # np.testing.assert_*, pytest.raises

    assert any(asserts(node) for node in ast.walk(ast.parse(question.verify))), (
        f"{question.topic}:{question.id}: its verify: snippet asserts nothing (assert, np.testing.assert_*)")


@pytest.mark.parametrize("question", VERIFIED, ids=[f"{q.topic}:{q.id}" for q in VERIFIED])
def test_verify_snippet_holds_on_the_installed_stack(question, tmp_path):
    run_verify(question, tmp_path)


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.stem for p in BANK_FILES])
def test_every_bank_has_a_quiz_notebook_that_shows_it(path):
    notebook = ROOT / "quizzes" / f"{path.stem}.ipynb"
    assert notebook.exists(), f"{notebook.relative_to(ROOT)} is missing"
    sources = ["".join(c["source"]) for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    assert any(f'ol.quiz.show("{path.stem}")' in s for s in sources)


@pytest.mark.parametrize("path", [p for p in BANK_FILES if p.stem in LESSON_STEMS], ids=lambda p: p.stem)
def test_lesson_ends_with_its_quiz(path):
    notebook = ROOT / "lessons" / f"{path.stem}.ipynb"
    code = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    assert f'ol.quiz.show("{path.stem}")' in "".join(code[-1]["source"])


def test_the_example_bank_in_the_quizzes_readme_is_valid_and_proven(tmp_path):
    import re

    text = (ROOT / "quizzes" / "README.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "02_sessions.yaml"
    path.write_text(example)
    bank = load_bank(path)
    assert {q.type for q in bank.questions} == {"single_choice", "numeric"}
    for number, question in enumerate(bank.questions):
        workdir = tmp_path / str(number)
        workdir.mkdir()
        run_verify(question, workdir)


def test_the_quizzes_readme_lists_every_quiz_notebook():
    text = (ROOT / "quizzes" / "README.md").read_text()
    for path in BANK_FILES:
        assert f"[{path.stem}.ipynb]({path.stem}.ipynb)" in text, f"quizzes/README.md does not list {path.stem}"
