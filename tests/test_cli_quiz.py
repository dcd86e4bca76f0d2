"""``ortlearn quiz validate|take|list``: exit codes and output, through ``ortlearn.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ortlearn.cli import main, make_parser


def bank(topic: str, *, ids: tuple[str, ...] = ("a", "b"), verify: str = "") -> dict:
    questions = [
        {
            "id": f"{topic.split('_')[1]}-{qid}",
            "type": "single_choice",
            "difficulty": "easy" if i == 0 else "hard",
            "prompt": f"Question {qid}?",
            "choices": [{"text": "right", "correct": True}, {"text": "wrong", "mistake": "picked-wrong"}],
            "explanation": "Because.",
        }
        for i, qid in enumerate(ids)
    ]
    if verify:
        questions[0]["verify"] = verify
    return {"topic": topic, "title": topic.split("_", 1)[-1].title(), "questions": questions}


class BanksDir:
    """A banks folder and a way to add files to it."""

    def __init__(self, path: Path) -> None:
        self.dir = path

    def write(self, data: dict | str, name: str) -> Path:
        path = self.dir / name
        path.write_text(yaml.safe_dump(data, sort_keys=False) if isinstance(data, dict) else data)
        return path


@pytest.fixture
def banks(tmp_path, monkeypatch) -> BanksDir:
    """An ORTLEARN_BANKS_DIR holding two valid banks; results go to a temporary ORTLEARN_DATA_DIR."""
    folder = tmp_path / "banks"
    folder.mkdir()
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(folder))
    monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path / "data"))
    banks = BanksDir(folder)
    banks.write(bank("02_sessions"), "02_sessions.yaml")
    banks.write(bank("03_providers", ids=("a", "b", "c")), "03_providers.yaml")
    return banks


# --------------------------------------------------------------------------- validate


def test_validate_all_banks(banks, capsys):
    assert main(["quiz", "validate"]) == 0
    assert capsys.readouterr().out == "2 banks, 5 questions: all valid.\n"


def test_validate_given_files(banks, capsys):
    assert main(["quiz", "validate", str(banks.dir / "02_sessions.yaml")]) == 0
    assert capsys.readouterr().out == "1 bank, 2 questions: all valid.\n"
    assert main(["quiz", "validate", "03_providers"]) == 0
    assert capsys.readouterr().out == "1 bank, 3 questions: all valid.\n"


def test_validate_prints_every_problem_and_fails(banks, capsys):
    broken = bank("04_export")
    broken["questions"][0]["difficulty"] = "medum"
    broken["questions"][1]["explaination"] = "typo"
    path = banks.write(broken, "04_export.yaml")
    assert main(["quiz", "validate"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: question 'export-a': field 'difficulty': expected one of ['easy', 'medium', 'hard'], got 'medum'.",
        f"{path}: question 'export-b': field 'explaination': unknown field; did you mean 'explanation'? Valid fields are "
        "['id', 'type', 'difficulty', 'prompt', 'code', 'choices', 'answer', 'tolerance', 'hint', 'explanation', 'verify', 'source', 'lesson'].",
        "2 problems found.",
    ]


def test_validate_reports_yaml_errors_and_missing_files(banks, capsys):
    bad = banks.write("topic: 05_metrics_pitfalls\ntitle: [unclosed\n", "05_metrics_pitfalls.yaml")
    assert main(["quiz", "validate", str(bad), str(banks.dir / "missing.yaml")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{bad}: line 3: invalid YAML: ")
    assert lines[1] == f"No question bank file '{banks.dir / 'missing.yaml'}'."
    assert lines[2] == "2 problems found."


def test_validate_checks_ids_across_banks(banks, capsys):
    clash = bank("04_export")
    clash["questions"][0]["id"] = "sessions-a"
    path = banks.write(clash, "04_export.yaml")
    assert main(["quiz", "validate"]) == 1
    out = capsys.readouterr().out
    assert f"{path}: question 'sessions-a': field 'id': duplicate id across banks; {banks.dir / '02_sessions.yaml'} (question #1) already uses it." in out
    assert out.endswith("1 problem found.\n")


def test_validate_without_banks(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    assert main(["quiz", "validate"]) == 1
    assert capsys.readouterr().out == f"No question banks (*.yaml) in {tmp_path}.\n"


def test_validate_verify_runs_the_snippets(banks, capsys):
    banks.write(bank("04_export", verify="assert isinstance(session.run(None, feeds), list)\n"), "04_export.yaml")
    banks.write(bank("05_metrics_pitfalls", verify="outputs = session.run(None, feeds)\nassert len(outputs) == 2, 'one output only'\n"), "05_metrics_pitfalls.yaml")
    assert main(["quiz", "validate", "--verify"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "verify: executing the Python of 2 verify: snippets as you (only do this with banks you trust).",
        "verify: ran 2 snippets, 1 failed.",
        f"{banks.dir / '05_metrics_pitfalls.yaml'}: question 'metrics-a': field 'verify': verify: of question "
        "'metrics-a' (topic '05_metrics_pitfalls') failed at line 2 `assert len(outputs) == 2, 'one output only'`: "
        "AssertionError: one output only. The question states something the installed stack does not do: fix the question or its snippet.",
        "1 problem found.",
    ]


def test_validate_verify_all_passing(banks, capsys):
    banks.write(bank("04_export", verify="assert isinstance(session.run(None, feeds), list)\n"), "04_export.yaml")
    assert main(["quiz", "validate", "--verify", "04_export"]) == 0
    assert capsys.readouterr().out == (
        "verify: executing the Python of 1 verify: snippet as you (only do this with banks you trust).\n"
        "verify: ran 1 snippet, 0 failed.\n1 bank, 2 questions: all valid.\n")


# --------------------------------------------------------------------------- take


def test_take_saves_results(banks, tmp_path, monkeypatch, capsys):
    answers = iter(["a", "b"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["quiz", "take", "02_sessions", "--bank-order"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Sessions: 2 questions.")
    assert "Score: 1/2 correct" in out and "Misconceptions to revisit: `picked-wrong`\n" in out
    saved = json.loads((tmp_path / "data" / "results.json").read_text())
    assert saved["results"]["02_sessions"]["sessions-b"]["correct"] is False


def test_take_no_save(banks, tmp_path, monkeypatch, capsys):
    answers = iter(["a", "a"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["quiz", "take", "02_sessions", "--no-save", "--seed", "3"]) == 0
    assert "Score: " in capsys.readouterr().out
    assert not (tmp_path / "data").exists()


def test_take_stops_at_end_of_input(banks, monkeypatch, capsys):
    def eof(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert main(["quiz", "take", "03_providers", "--no-save"]) == 0
    assert capsys.readouterr().out.endswith("Score: 0/3 correct (answered 0/3 · correct 0)\n\n"
                                            "3 questions not answered.\n")


def test_take_unknown_topic(banks, capsys):
    assert main(["quiz", "take", "02_session"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("No question bank for topic '02_session' in ")
    assert "Did you mean '02_sessions'?" in captured.err


def test_take_invalid_bank(banks, capsys):
    banks.write("topic: 04_export\n", "04_export.yaml")
    assert main(["quiz", "take", "04_export"]) == 1
    assert "field 'title': missing; expected a non-empty string." in capsys.readouterr().err


def shown(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.startswith("  ") and line[3:4] == "."]


def test_take_shuffles_per_learner_and_a_seed_or_class_seed_fixes_the_order(banks, monkeypatch, capsys):
    monkeypatch.setattr("builtins.input", lambda prompt="": "q")
    banks.write({"topic": "05_metrics_pitfalls", "title": "Metrics", "questions": [{
        "id": "metrics-many", "type": "single_choice", "difficulty": "easy", "prompt": "Which?",
        "choices": [{"text": f"option {n}", "correct": n == 0} for n in range(5)] + [
            {"text": "none of these", "pin": True}]}]}, "05_metrics_pitfalls.yaml")
    runs = {}
    for name, extra in [("learner", []), ("again", []), ("bank", ["--bank-order"]), ("seed", ["--seed", "9"])]:
        assert main(["quiz", "take", "05_metrics_pitfalls", "--no-save", *extra]) == 0
        runs[name] = shown(capsys.readouterr().out)
    assert runs["learner"] == runs["again"] and runs["learner"][5] == "F. none of these"
    assert runs["bank"] == [f"{chr(65 + n)}. option {n}" for n in range(5)] + ["F. none of these"]
    monkeypatch.setenv("ORTLEARN_QUIZ_SEED", "9")
    assert main(["quiz", "take", "05_metrics_pitfalls", "--no-save"]) == 0
    assert shown(capsys.readouterr().out) == runs["seed"]
    monkeypatch.setenv("ORTLEARN_QUIZ_SEED", "nine")
    assert main(["quiz", "take", "05_metrics_pitfalls", "--no-save"]) == 1
    assert "ORTLEARN_QUIZ_SEED must be a whole number such as 2026" in capsys.readouterr().err


def test_take_seed_and_bank_order_exclude_each_other(banks, capsys):
    with pytest.raises(SystemExit) as info:
        main(["quiz", "take", "02_sessions", "--seed", "1", "--bank-order"])
    assert info.value.code == 2
    assert "argument --bank-order: not allowed with argument --seed" in capsys.readouterr().err


def test_take_seed_must_be_an_int(banks, capsys):
    with pytest.raises(SystemExit) as info:
        main(["quiz", "take", "02_sessions", "--seed", "x"])
    assert info.value.code == 2
    assert "argument --seed: invalid int value: 'x'" in capsys.readouterr().err


# --------------------------------------------------------------------------- list


def test_list(banks, capsys):
    assert main(["quiz", "list"]) == 0
    assert capsys.readouterr().out == (
        "02_sessions   Sessions   2 questions (easy 1, medium 0, hard 1)\n"
        "03_providers  Providers  3 questions (easy 1, medium 0, hard 2)\n"
    )


def test_list_with_a_broken_bank(banks, capsys):
    banks.write("- not a bank\n", "04_export.yaml")
    assert main(["quiz", "list"]) == 1
    err = capsys.readouterr().err
    assert "04_export.yaml: expected a mapping with 'topic', 'title' and 'questions' at the top level" in err
    assert err.endswith("Run `ortlearn quiz validate` for details.\n")


def test_list_without_banks(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORTLEARN_BANKS_DIR", str(tmp_path))
    assert main(["quiz", "list"]) == 0
    assert capsys.readouterr().out == f"No question banks (*.yaml) in {tmp_path}.\n"


# --------------------------------------------------------------------------- parser


def test_quiz_needs_a_sub_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["quiz"])
    assert info.value.code == 2
    assert "the following arguments are required: QUIZ_COMMAND" in capsys.readouterr().err


def test_doctor_is_still_there():
    args = make_parser().parse_args(["doctor"])
    assert args.command == "doctor" and args.run.__name__ == "_doctor"


def test_quiz_help_lists_the_sub_commands(capsys):
    with pytest.raises(SystemExit):
        main(["quiz", "--help"])
    out = capsys.readouterr().out
    assert "validate" in out and "take" in out and "list" in out
