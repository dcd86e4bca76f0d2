"""Saved progress: layout, accumulation, atomic writes, corrupt files moved aside, write failures."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

from ortlearn.quiz import store as results_module
from ortlearn.quiz.grading import Grade
from ortlearn.quiz.questions import Choice, Question
from ortlearn.quiz.store import QuestionResult, ResultStore, default_results_path, results

RIGHT, WRONG = Grade(True, "Correct."), Grade(False, "Incorrect.", ("output-is-array",))


def question(qid: str = "sessions-run-returns-list", topic: str = "02_sessions") -> Question:
    return Question(qid, "single_choice", "easy", "?", (Choice("a", correct=True), Choice("b")), topic=topic)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Keep every test away from the real home folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("ORTLEARN_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def store(data_dir):
    return ResultStore()


def files_in(folder: Path) -> list[str]:
    """The folder's files, without the writers' lock file (it stays, empty, by design)."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".results.json.lock")


# --------------------------------------------------------------------------- where


def test_default_path_from_the_environment(data_dir):
    assert default_results_path() == data_dir / "results.json"
    assert ResultStore().path == data_dir / "results.json"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux folders")
def test_default_path_on_linux_is_the_folder_the_course_always_used(monkeypatch, tmp_path):
    monkeypatch.delenv("ORTLEARN_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_results_path() == tmp_path / "xdg" / "ortlearn" / "results.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_results_path() == tmp_path / ".local" / "share" / "ortlearn" / "results.json"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_results_path() == tmp_path / ".local" / "share" / "ortlearn" / "results.json"


def test_platformdirs_names_the_old_macos_folder(monkeypatch, tmp_path):
    """platformdirs' macOS rule (importable anywhere) gives the folder the course used before it."""
    from platformdirs.macos import MacOS

    monkeypatch.setenv("HOME", str(tmp_path))
    found = MacOS("ortlearn", appauthor=False, roaming=True).user_data_path
    assert found == tmp_path / "Library" / "Application Support" / "ortlearn"


@pytest.mark.skipif(sys.platform != "win32", reason="the Windows folders")
def test_default_path_on_windows_is_the_roaming_folder(monkeypatch):
    monkeypatch.delenv("ORTLEARN_DATA_DIR")
    assert default_results_path() == Path(os.environ["APPDATA"]) / "ortlearn" / "results.json"


def test_platformdirs_loads_only_when_the_default_is_needed(data_dir):
    import subprocess

    code = ("import sys; import ortlearn.quiz.store as s; s.default_results_path(); "
            "print('platformdirs' in sys.modules)")
    env = {**os.environ, "ORTLEARN_DATA_DIR": str(data_dir)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "False"


# --------------------------------------------------------------------------- recording


def test_first_record(store):
    result = store.record(question(), WRONG, 12.5)
    assert result == QuestionResult("sessions-run-returns-list", "02_sessions", True, False, 1, 12.5)
    assert store.results() == {"sessions-run-returns-list": result}


def test_attempts_and_seconds_accumulate_and_correct_is_the_latest(store):
    store.record(question(), WRONG, 10.0)
    store.record(question(), RIGHT, 5.5)
    result = store.record(question(), WRONG, 0.25)
    assert (result.attempts, result.seconds, result.correct, result.answered) == (3, 15.75, False, True)
    assert ResultStore(store.path).results("02_sessions")["sessions-run-returns-list"] == result


def test_file_layout(store):
    store.record(question(), RIGHT, 3)
    store.record(question("providers-cpu", "03_providers"), WRONG, 1.5)
    assert json.loads(store.path.read_text()) == {
        "version": 1,
        "results": {
            "02_sessions": {"sessions-run-returns-list": {"answered": True, "correct": True, "attempts": 1, "seconds": 3.0}},
            "03_providers": {"providers-cpu": {"answered": True, "correct": False, "attempts": 1, "seconds": 1.5}},
        },
    }


def test_results_by_topic_and_module_function(store):
    store.record(question("a"), RIGHT, 1)
    store.record(question("b"), WRONG, 1)
    store.record(question("c", "03_providers"), RIGHT, 1)
    assert sorted(store.results("02_sessions")) == ["a", "b"]
    assert sorted(store.results()) == ["a", "b", "c"]
    assert store.results("04_export") == {}
    assert results("03_providers")["c"].correct
    assert sorted(results(path=store.path)) == ["a", "b", "c"]
    assert results(path=store.path.parent / "other.json") == {}


def test_reset_one_topic_or_all(store):
    store.record(question("a"), RIGHT, 1)
    store.record(question("c", "03_providers"), RIGHT, 1)
    store.reset("02_sessions")
    assert sorted(store.results()) == ["c"]
    assert sorted(json.loads(store.path.read_text())["results"]) == ["03_providers"]
    store.reset()
    assert store.results() == {}
    assert json.loads(store.path.read_text()) == {"version": 1, "results": {}}


def test_missing_file_is_no_results_and_no_warning(store):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert store.results() == {}
    assert not store.path.exists()


@pytest.mark.parametrize("seconds", [-1.0, float("nan"), float("inf")])
def test_bad_seconds_is_a_caller_bug(store, seconds):
    with pytest.raises(ValueError, match=r"seconds must be a finite number >= 0, got"):
        store.record(question(), RIGHT, seconds)


def test_explicit_path_and_repr(tmp_path):
    store = ResultStore(tmp_path / "nested" / "deeper" / "mine.json")
    store.record(question(), RIGHT, 1)
    assert (tmp_path / "nested" / "deeper" / "mine.json").is_file()
    assert repr(store) == f"ResultStore({str(tmp_path / 'nested' / 'deeper' / 'mine.json')!r})"


def test_two_stores_on_one_file_keep_each_others_topics(store):
    other = ResultStore(store.path)
    store.record(question("a"), RIGHT, 1)
    other.record(question("c", "03_providers"), WRONG, 2)
    store.record(question("b"), RIGHT, 1)
    assert sorted(ResultStore(store.path).results()) == ["a", "b", "c"]


# --------------------------------------------------------------------------- atomic writes


def test_writes_leave_no_temporary_files(store, data_dir):
    for i in range(3):
        store.record(question(f"q{i}"), RIGHT, 1)
    assert files_in(data_dir) == ["results.json"]


def test_write_goes_through_a_temporary_file_and_os_replace(store, data_dir, monkeypatch):
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(results_module.os, "replace", spy)
    store.record(question(), RIGHT, 1)
    ((src, dst),) = calls
    assert dst == store.path and src.parent == data_dir and src.name.startswith(".results.json.") and src.suffix == ".tmp"


def test_a_failed_write_keeps_the_old_file_intact(store, data_dir, monkeypatch):
    store.record(question("a"), RIGHT, 1)
    before = store.path.read_text()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results_module.os, "fsync", broken_fsync)
    with pytest.warns(UserWarning, match=re.escape(f"Could not save quiz results to {store.path} ([Errno 28] No space left on device); they are kept in memory for this session.")):
        store.record(question("b"), RIGHT, 1)
    assert store.path.read_text() == before
    assert files_in(data_dir) == ["results.json"]
    assert sorted(store.results()) == ["a", "b"]  # b is kept in memory
    monkeypatch.undo()
    store.record(question("c"), RIGHT, 1)  # the next successful write saves b too
    assert sorted(ResultStore(store.path).results()) == ["a", "b", "c"]


# --------------------------------------------------------------------------- corrupt files


@pytest.mark.parametrize("content, reason", [
    ("{not json", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ("[1, 2]", "expected a JSON object with 'version' and 'results'"),
    ('{"version": 2, "results": {}}', "it has version 2; this ortlearn reads version 1"),
    ('{"version": true, "results": {}}', "it has version True; this ortlearn reads version 1"),
    ('{"version": 1, "results": []}', "'results' is not a JSON object"),
    ("[" * 100_000, "it is nested too deeply to be a results file"),  # Python 3.13's json takes 5,000 levels
])  # fmt: skip
def test_corrupt_file_is_moved_aside_with_a_warning(store, data_dir, content, reason):
    data_dir.mkdir()
    store.path.write_text(content)
    aside = data_dir / "results.json.corrupt-1"
    expected = f"Saved quiz results in {store.path} are unusable ({reason}); the file was moved to {aside} and saving starts again from no results."
    with pytest.warns(UserWarning, match=re.escape(expected)):
        assert store.results() == {}
    assert aside.read_text() == content
    assert not store.path.exists()
    store.record(question(), RIGHT, 1)
    assert sorted(ResultStore(store.path).results()) == ["sessions-run-returns-list"]


GOOD = {"answered": True, "correct": True, "attempts": 1, "seconds": 1.0}


@pytest.mark.parametrize("entry, reason", [
    ({"answered": True, "correct": 1, "attempts": 1, "seconds": 1}, "results['t']['bad']: 'answered' and 'correct' must be true or false"),
    ({"answered": True, "correct": True, "attempts": "2", "seconds": 1}, "results['t']['bad']: 'attempts' must be an integer from 0 to 1,000,000, got '2'"),
    ({"answered": True, "correct": True, "attempts": 2, "seconds": -1}, "results['t']['bad']: 'seconds' must be a number from 0 to 1e+08, got -1"),
    ({"answered": True, "correct": True, "attempts": 2, "seconds": 1e300}, "results['t']['bad']: 'seconds' must be a number from 0 to 1e+08, got 1e+300"),
    ([], "results['t']['bad'] is not a JSON object"),
])  # fmt: skip
def test_finding05b_a_damaged_entry_costs_that_entry_not_the_history(store, data_dir, entry, reason):
    data_dir.mkdir()
    content = json.dumps({"version": 1, "results": {"t": {"good": GOOD, "bad": entry}}})
    store.path.write_text(content)
    with pytest.warns(UserWarning, match=re.escape(f"Saved quiz results in {store.path}: 1 damaged entry was left out ({reason}). The other results are kept.")):
        assert sorted(store.results()) == ["good"]
    with pytest.warns(UserWarning, match=re.escape(f"the file as it was is kept in {data_dir / 'results.json.corrupt-1'}")):
        store.record(question("new"), RIGHT, 1)
    assert sorted(ResultStore(store.path).results()) == ["good", "new"]
    assert (data_dir / "results.json.corrupt-1").read_text() == content


def test_finding05b_a_byte_order_mark_is_read_not_set_aside(store, data_dir):
    data_dir.mkdir()
    store.path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"version": 1, "results": {"t": {"q": GOOD}}}).encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(store.results()) == ["q"]


def test_corrupt_files_get_the_first_free_number(store, data_dir):
    data_dir.mkdir()
    (data_dir / "results.json.corrupt-1").write_text("older")
    (data_dir / "results.json.corrupt-3").write_text("oldest")
    store.path.write_text("garbage")
    with pytest.warns(UserWarning, match=r"moved to .*results\.json\.corrupt-2 "):
        result = store.record(question(), RIGHT, 1)
    assert result.attempts == 1
    assert (data_dir / "results.json.corrupt-2").read_text() == "garbage"
    assert (data_dir / "results.json.corrupt-1").read_text() == "older"


def test_finding05a_an_unreadable_file_is_left_alone_and_answers_wait_in_memory(store, data_dir, monkeypatch):
    data_dir.mkdir()
    store.path.write_text(json.dumps({"version": 1, "results": {"t": {"old": GOOD}}}))
    real_open = open

    def denied(file, *args, **kwargs):
        if Path(file) == store.path:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied)
    with pytest.warns(UserWarning, match=r"could not be read \(\[Errno 13\] Permission denied\); the file is left as it is and this session's answers wait in memory until it can be read\."):
        assert store.record(question("new"), RIGHT, 1).attempts == 1
    assert files_in(data_dir) == ["results.json"]
    monkeypatch.undo()
    store.record(question("later"), RIGHT, 1)  # readable again: nothing was lost
    assert sorted(ResultStore(store.path).results()) == ["later", "new", "old"]


def test_not_utf8_file_is_moved_aside(store, data_dir):
    data_dir.mkdir()
    store.path.write_bytes(b"\xff\xfe garbage")
    with pytest.warns(UserWarning, match=r"are unusable \(it is not UTF-8 text \('utf-8' codec can't decode"):
        assert store.results() == {}


def test_corrupt_file_that_cannot_be_moved_is_left_alone(store, data_dir, monkeypatch):
    data_dir.mkdir()
    store.path.write_text("garbage")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(results_module.os, "replace", refuse)
    monkeypatch.setattr(results_module.os, "link", refuse)
    with pytest.warns(UserWarning, match=r"could not be moved aside \(\[Errno 13\] Permission denied\); the file is left untouched and this session keeps results in memory only\."):
        result = store.record(question(), RIGHT, 2)
    assert result.attempts == 1
    assert store.path.read_text() == "garbage"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # memory-only mode: no more warnings, no more writes
        assert store.record(question(), WRONG, 1).attempts == 2
        assert store.results()["sessions-run-returns-list"].seconds == 3.0
    assert store.path.read_text() == "garbage"


# --------------------------------------------------------------------------- write failures


def test_unwritable_folder_warns_and_keeps_results_in_memory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    store = ResultStore(blocker / "results.json")  # its folder cannot be created
    with pytest.warns(UserWarning, match=r"Could not save quiz results to .*a-file/results\.json \(.*\); they are kept in memory for this session\."):
        first = store.record(question(), WRONG, 1)
    with pytest.warns(UserWarning):
        second = store.record(question(), RIGHT, 2)
    assert (first.attempts, second.attempts, second.seconds, second.correct) == (1, 2, 3.0, True)
    assert store.results() == {"sessions-run-returns-list": second}
    with pytest.warns(UserWarning):
        store.reset("02_sessions")
    assert store.results() == {}


def test_permission_denied_on_write_warns(store, data_dir, monkeypatch):
    store.record(question("a"), RIGHT, 1)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.warns(UserWarning, match=re.escape(f"Could not save quiz results to {store.path} ([Errno 13] Permission denied)")):
        result = store.record(question("b"), WRONG, 1)
    assert result.attempts == 1 and sorted(store.results()) == ["a", "b"]
    assert sorted(ResultStore(store.path).results()) == ["a"]


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_folder(data_dir):
    data_dir.mkdir()
    store = ResultStore()
    store.record(question("a"), RIGHT, 1)
    data_dir.chmod(0o500)
    try:
        with pytest.warns(UserWarning, match="Could not save quiz results"):
            store.record(question("b"), RIGHT, 1)
        assert sorted(store.results()) == ["a", "b"]
    finally:
        data_dir.chmod(0o700)
    assert sorted(ResultStore(store.path).results()) == ["a"]


# --------------------------------------------------------------------------- reading others' files


def test_read_results_file_lists_records_sorted_and_changes_nothing(store):
    store.record(question("b-question", "02_sessions"), RIGHT, 2)
    store.record(question("a-question", "03_providers"), WRONG, 1)
    store.record(question("a-question", "02_sessions"), RIGHT, 1)
    before = store.path.read_bytes()
    records = results_module.read_results_file(store.path)
    assert [(r.topic, r.question_id, r.correct) for r in records] == [
        ("02_sessions", "a-question", True), ("02_sessions", "b-question", True), ("03_providers", "a-question", False)]
    assert store.path.read_bytes() == before


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "Expecting property name"),
    (b'{"version": 2, "results": {}}', "it has version 2; this ortlearn reads version 1"),
    (b"\xff\xfe garbage", "it is not UTF-8 text"),
])  # fmt: skip
def test_read_results_file_says_what_is_wrong_and_leaves_the_file(tmp_path, content, reason):
    bad = tmp_path / "results.json"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(reason)):
        results_module.read_results_file(bad)
    assert bad.read_bytes() == content and files_in(tmp_path) == ["results.json"]
