"""The one atomic file writer (ortlearn/_files.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ortlearn._files import write_atomic


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_writes_text_and_bytes_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    assert write_atomic(target, "héllo\n") is True
    assert target.read_bytes() == "héllo\n".encode()
    assert write_atomic(target, b"\x00\x01", fsync=True) is True
    assert target.read_bytes() == b"\x00\x01"
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_new_file_gets_mode_and_existing_file_keeps_its_own(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    write_atomic(target, "{}", mode=0o600)
    assert target.stat().st_mode & 0o777 == 0o600
    target.chmod(0o640)
    write_atomic(target, "[]", mode=0o600)
    assert target.stat().st_mode & 0o777 == 0o640
    other = tmp_path / "page.html"
    mask = os.umask(0o022)
    try:
        write_atomic(other, "x")
    finally:
        os.umask(mask)
    assert other.stat().st_mode & 0o777 == 0o644


def test_exclusive_never_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "learner-id"
    assert write_atomic(target, "first", exclusive=True) is True
    assert write_atomic(target, "second", exclusive=True) is False
    assert target.read_text() == "first"
    assert _leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")

    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_a_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomic(tmp_path / "missing" / "a.txt", "x")
