"""No lost answers: concurrent writers, kill -9 mid-write, recovery, symlinks, leftovers.

Test names carry the finding of /work/shared/review/reliability.md they prove fixed
(``finding03`` is "concurrent writers lose answers", and so on).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from ortlearn.quiz.grading import Grade
from ortlearn.quiz.questions import Choice, Question
from ortlearn.quiz.store import ResultStore, read_results_file, recover_results

RIGHT = Grade(True, "Correct.")

#: One writer process: records answers w<worker>-q<j> for j in [start, count) and appends j
#: to its acknowledgement file after each record() returned (so the test knows what was saved).
WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from ortlearn.quiz.grading import Grade
    from ortlearn.quiz.questions import Choice, Question
    from ortlearn.quiz.store import ResultStore

    path, worker, start, count, acks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    store = ResultStore(path)
    with open(acks, "a") as out:
        for j in range(start, count):
            q = Question(f"w{worker}-q{j}", "single_choice", "easy", "?", (Choice("a", True), Choice("b")),
                         topic=f"topic{worker % 2}")
            store.record(q, Grade(True, "Correct."), 1.0)
            out.write(f"{j}\\n")
            out.flush()
""")


def question(qid: str, topic: str = "02_sessions") -> Question:
    return Question(qid, "single_choice", "easy", "?", (Choice("a", correct=True), Choice("b")), topic=topic)


def _spawn(path: Path, worker: int, start: int, count: int, acks: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONWARNINGS="error")  # any warning (a lost write) kills the writer loudly
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(worker), str(start), str(count), str(acks)],
                            env=env, stderr=subprocess.PIPE, text=True)


def _acked(acks: Path) -> list[int]:
    return [int(line) for line in acks.read_text().split()] if acks.exists() else []


def test_finding03_concurrent_writers_and_kill_9_lose_no_answer(tmp_path):
    """4 processes x 100 answers into one file, 6 of them killed with SIGKILL mid-run and restarted: 400 of 400."""
    path, workers, count, kills = tmp_path / "results.json", 4, 100, 6
    acks = {w: tmp_path / f"acks-{w}" for w in range(workers)}
    procs = {w: _spawn(path, w, 0, count, acks[w]) for w in range(workers)}
    rng = random.Random(0)
    done_kills = 0
    while done_kills < kills:
        # Kill a writer that is mid-run: wait until it has saved a few more answers (progress, not wall time,
        # so a fast or a slow machine kills just as often), and leave each writer room to be killed again.
        running = [w for w, p in procs.items() if p.poll() is None and len(_acked(acks[w])) < count - 20]
        if not running:
            break
        victim = rng.choice(running)
        target, deadline = len(_acked(acks[victim])) + rng.randint(1, 5), time.monotonic() + 60
        while len(_acked(acks[victim])) < target and procs[victim].poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        if procs[victim].poll() is not None:
            continue
        procs[victim].send_signal(signal.SIGKILL)
        procs[victim].wait()
        done_kills += 1
        # A kill between record() and the acknowledgement re-records that one answer: allowed (attempts 2).
        procs[victim] = _spawn(path, victim, max(_acked(acks[victim]), default=-1) + 1, count, acks[victim])
    for worker, proc in procs.items():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    records = {r.question_id: r for r in read_results_file(path)}
    expected = {f"w{w}-q{j}" for w in range(workers) for j in range(count)}
    assert done_kills == kills
    assert set(records) == expected, f"{len(set(records) & expected)} of {len(expected)} answers saved"
    assert all(r.attempts in (1, 2) for r in records.values())
    assert sum(r.attempts == 2 for r in records.values()) <= kills
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 1  # at most the last kill's temporary file; the next writer removes older ones


def test_finding03_two_stores_in_one_process_keep_each_others_answers(tmp_path):
    first, second = ResultStore(tmp_path / "results.json"), ResultStore(tmp_path / "results.json")
    for i in range(20):
        (first if i % 2 else second).record(question(f"q{i}"), RIGHT, 1)
        first.record(question("shared"), RIGHT, 1)
    assert len(ResultStore(tmp_path / "results.json").results()) == 21
    assert ResultStore(tmp_path / "results.json").results()["shared"].attempts == 20


def test_finding05c_setting_aside_never_overwrites_a_kept_file(tmp_path):
    path = tmp_path / "results.json"
    (tmp_path / "results.json.corrupt-1").write_text("kept")
    path.write_text("garbage")
    with pytest.warns(UserWarning, match=r"moved to .*results\.json\.corrupt-2 "):
        ResultStore(path).record(question("a"), RIGHT, 1)
    assert (tmp_path / "results.json.corrupt-1").read_text() == "kept"
    assert (tmp_path / "results.json.corrupt-2").read_text() == "garbage"


def test_finding05c_recover_merges_what_was_set_aside(tmp_path):
    path = tmp_path / "results.json"
    old = {"version": 1, "results": {"02_sessions": {
        "a": {"answered": True, "correct": False, "attempts": 2, "seconds": 10.0},
        "b": {"answered": True, "correct": True, "attempts": 1, "seconds": 5.0}}}}
    path.write_text(json.dumps(old)[:-30])  # truncated: not JSON any more, but "a" is still whole
    with pytest.warns(UserWarning, match="--recover"):
        ResultStore(path).record(question("a"), RIGHT, 3)
    count, sources = recover_results(path)
    assert (count, [p.name for p in sources]) == (1, ["results.json.corrupt-1"])
    merged = ResultStore(path).results()
    assert (merged["a"].attempts, merged["a"].seconds, merged["a"].correct) == (3, 13.0, True)
    assert recover_results(path) == (0, [])  # renamed to .recovered-1: nothing counts twice
    assert (tmp_path / "results.json.corrupt-1.recovered-1").exists()


def test_finding13_a_symlinked_results_file_stays_a_link(tmp_path):
    synced = tmp_path / "synced"
    synced.mkdir()
    link = tmp_path / "data" / "results.json"
    link.parent.mkdir()
    link.symlink_to(synced / "results.json")
    ResultStore(link).record(question("a"), RIGHT, 1)
    ResultStore(link).record(question("b"), RIGHT, 1)
    assert link.is_symlink()
    assert sorted(r.question_id for r in read_results_file(synced / "results.json")) == ["a", "b"]


def test_finding14_stale_temporary_files_are_removed_and_interrupts_leave_none(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    stale = tmp_path / ".results.json.abc123.tmp"
    stale.write_text("{partial")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    ResultStore(path).record(question("a"), RIGHT, 1)
    assert not stale.exists()

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ResultStore(path).record(question("b"), RIGHT, 1)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_finding06_a_deeply_nested_file_does_not_break_saving_or_reading(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"version": 1, "results": ' + "[" * 200_000)
    with pytest.raises(ValueError, match="it is nested too deeply to be a results file"):
        read_results_file(path)
    with pytest.warns(UserWarning, match=r"nested too deeply.*moved to"):
        assert ResultStore(path).record(question("a"), RIGHT, 1).attempts == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(ResultStore(path).results()) == ["a"]
