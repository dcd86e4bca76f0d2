"""``ortlearn quiz export`` and ``ortlearn quiz results``, through ``ortlearn.cli.main``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ortlearn.cli import main
from ortlearn.quiz.bank import DEFAULT_BANKS_DIR

TOPICS = sorted(p.stem for p in DEFAULT_BANKS_DIR.glob("*.yaml"))


@pytest.fixture(autouse=True)
def real_banks(monkeypatch, tmp_path):
    monkeypatch.delenv("ORTLEARN_BANKS_DIR", raising=False)
    monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path / "data"))


@pytest.mark.parametrize(("fmt", "suffix"), [("gift", ".gift.txt"), ("html", ".html")])
def test_export_every_bank(fmt, suffix, tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["quiz", "export", "--format", fmt, "--output", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"{topic}{suffix}" for topic in TOPICS)  # no temporary files left behind
    for topic in TOPICS:
        text = (out / f"{topic}{suffix}").read_text(encoding="utf-8")
        assert text.strip()
        if fmt == "html":
            assert text.startswith("<!DOCTYPE html>")
        else:
            assert f"$CATEGORY: ortlearn/{topic}" in text
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(TOPICS) and all(line.startswith("wrote ") for line in lines)


def test_export_default_output_is_relative_to_cwd(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["quiz", "export", "--format", "html", "02_sessions"]) == 0
    assert (tmp_path / "quizzes" / "export" / "02_sessions.html").is_file()
    assert capsys.readouterr().out.count("wrote ") == 1


def test_export_bad_format_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["quiz", "export", "--format", "pdf"])
    assert exc.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


def test_export_html_seed_bakes_one_order_and_gift_refuses_it(tmp_path, capsys):
    import re

    from ortlearn.quiz.bank import load_bank
    from ortlearn.quiz.grading import choice_order

    bank = load_bank("02_sessions")
    question = next(q for q in bank.questions if q.type == "single_choice" and len(q.choices) > 2)
    pages = {}
    for name, extra in [("seed", ["--seed", "4"]), ("bank", ["--bank-order"]), ("browser", [])]:
        assert main(["quiz", "export", "--format", "html", "--output", str(tmp_path / name), *extra, "02_sessions"]) == 0
        pages[name] = (tmp_path / name / "02_sessions.html").read_text(encoding="utf-8")
    ids = {name: [int(i) for i in re.findall(rf'id="q-{question.id}-choice-(\d+)" name=', text)]
           for name, text in pages.items()}
    assert ids["seed"] == choice_order(question, 4) != ids["bank"]
    assert ids["bank"] == ids["browser"] == list(range(len(question.choices)))
    assert '"shuffle": true' in pages["browser"] and '"shuffle": false' in pages["seed"]
    capsys.readouterr()
    assert main(["quiz", "export", "--format", "gift", "--output", str(tmp_path / "g"), "--seed", "4"]) == 1
    assert "--seed and --bank-order apply to --format html only" in capsys.readouterr().err


def test_export_unknown_bank_exits_1(tmp_path, capsys):
    assert main(["quiz", "export", "--format", "gift", "--output", str(tmp_path), "99_nope"]) == 1
    assert "99_nope" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def results_file(path, results):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "results": results}))
    return path


def test_results_csv_merges_learners(tmp_path, capsys):
    alice = results_file(tmp_path / "alice" / "results.json", {
        "02_sessions": {"sessions-a": {"answered": True, "correct": True, "attempts": 1, "seconds": 12.5}},
    })
    bob = results_file(tmp_path / "bob.json", {
        "01_onnx_format": {"format-b": {"answered": True, "correct": False, "attempts": 2, "seconds": 40}},
        "02_sessions": {"sessions-a": {"answered": True, "correct": False, "attempts": 3, "seconds": 7}},
    })
    assert main(["quiz", "results", "--csv", "--path", str(alice), "--path", str(bob)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [tuple(row.values()) for row in rows] == [
        ("alice", "02_sessions", "sessions-a", "true", "true", "1", "12.5", "question"),
        ("bob", "01_onnx_format", "format-b", "true", "false", "2", "40", "question"),
        ("bob", "02_sessions", "sessions-a", "true", "false", "3", "7", "question"),
    ]
    assert list(rows[0]) == ["learner", "topic", "question_id", "answered", "correct", "attempts", "seconds", "kind"]


def test_results_table_reads_the_default_file(tmp_path, capsys):
    results_file(tmp_path / "data" / "results.json", {
        "02_sessions": {"sessions-a": {"answered": True, "correct": True, "attempts": 1, "seconds": 3}},
    })
    assert main(["quiz", "results"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["learner", "topic", "question_id", "answered", "correct", "attempts", "seconds", "kind"]
    assert lines[1].split() == ["data", "02_sessions", "sessions-a", "true", "true", "1", "3", "question"]


def test_results_missing_file_is_friendly(tmp_path, capsys):
    assert main(["quiz", "results", "--path", str(tmp_path / "nobody.json")]) == 1  # a script can tell (finding 16)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No results file at" in captured.err


def test_results_damaged_file_is_reported_and_left_alone(tmp_path, capsys):
    bad = tmp_path / "carol.json"
    bad.write_text("{not json")
    assert main(["quiz", "results", "--csv", "--path", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Could not read results from" in err and "Expecting property name" in err  # says what is wrong
    assert bad.read_text() == "{not json"
