"""Choice order: a random learner id kept in the data folder, a teacher's class seed, the bank's order."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

import ortlearn.quiz.shuffle as shuffle
from ortlearn.quiz.shuffle import LEARNER_FILE, learner_id, resolve_seed


def test_the_learner_id_is_made_once_in_the_data_folder_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path / "data"))
    first = learner_id()
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert (tmp_path / "data" / LEARNER_FILE).read_text() == first + "\n"
    assert learner_id() == first == resolve_seed()
    assert [p.name for p in (tmp_path / "data").iterdir()] == [LEARNER_FILE]  # no temporary file left


def test_another_folder_is_another_learner(tmp_path):
    assert learner_id(tmp_path / "alice") != learner_id(tmp_path / "bob")


def test_the_id_is_random_not_derived_from_the_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(shuffle.secrets, "token_hex", lambda n: "ab" * n)
    assert learner_id(tmp_path) == "ab" * 16


def test_a_damaged_id_file_is_replaced_with_a_warning(tmp_path):
    (tmp_path / LEARNER_FILE).write_text("not an id")
    with pytest.warns(UserWarning, match=r"does not hold a learner id \(32 hexadecimal digits\); a new one replaces it"):
        new = learner_id(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{32}", new) and learner_id(tmp_path) == new


def test_an_id_written_by_another_process_first_wins(tmp_path, monkeypatch):
    real_link = os.link

    def racing_link(source, target):  # another process publishes its id between our read and our link
        (tmp_path / LEARNER_FILE).write_text("f" * 32 + "\n")
        return real_link(source, target)

    monkeypatch.setattr(shuffle.os, "link", racing_link)
    assert learner_id(tmp_path) == "f" * 32


def test_an_unwritable_data_folder_warns_once_and_uses_a_session_id(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(shuffle, "_fallback_id", None)
    with pytest.warns(UserWarning, match=r"Could not keep the quiz learner id in .*Set ORTLEARN_DATA_DIR to a writable"):
        first = learner_id(blocker / "data")
    again = learner_id(blocker / "data")
    assert first == again and re.fullmatch(r"[0-9a-f]{32}", first)


def test_a_class_seed_in_the_environment_wins_over_the_learner(class_seed, tmp_path, monkeypatch):
    monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path))
    class_seed(" 2026 ")
    assert resolve_seed() == 2026 and resolve_seed("learner") == 2026
    assert resolve_seed(7) == 7 and resolve_seed(None) is None  # an explicit argument wins
    assert not (tmp_path / LEARNER_FILE).exists()  # no learner id needed when a class seed is set


@pytest.mark.parametrize(("seed", "error", "pattern"), [
    ("2026", ValueError, r"seed must be an int, 'learner' or None; got '2026'\. A class seed is a whole number"),
    (1.5, TypeError, r"seed must be an int \(one order for a class\), 'learner' \(the default: shuffled per learner\) "
                     r"or None \(the bank's order\); got 1\.5 \(float\)\."),
    (True, TypeError, r"got True \(bool\)"),
])
def test_bad_seeds_say_what_is_expected(seed, error, pattern):
    with pytest.raises(error, match=pattern):
        resolve_seed(seed)


def test_shuffle_stays_light_to_import():
    code = "import sys, json, ortlearn.quiz.shuffle; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(json.loads(out)) & {"ipywidgets", "yaml", "numpy", "markdown_it"} == set()
