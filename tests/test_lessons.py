from __future__ import annotations

import re
from pathlib import Path

import pytest

from ortlearn.lessons import LESSONS, get_lesson, lesson_path

ROOT = Path(__file__).resolve().parents[1]


def test_stems_are_ordered_and_numbered():
    stems = [lesson.stem for lesson in LESSONS]
    assert stems == sorted(stems)
    assert [int(s[:2]) for s in stems] == list(range(len(stems)))
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", s) for s in stems)


def test_lesson_path():
    assert lesson_path("02_sessions") == "lessons/02_sessions.ipynb"


def test_unknown_stem_lists_valid_ones():
    with pytest.raises(KeyError, match=r"No lesson named '02_session'\. The lessons are \['00_start_here'"):
        get_lesson("02_session")


@pytest.mark.parametrize("document", ["README.md", "lessons/00_start_here.ipynb"])
def test_lesson_maps_list_every_lesson_with_its_title(document):
    text = (ROOT / document).read_text()
    for lesson in LESSONS:
        assert f"{lesson.stem}.ipynb" in text, f"{document} does not link {lesson.stem}"
        assert lesson.title in text, f"{document} does not name {lesson.title!r}"


def test_every_written_lesson_is_in_the_map():
    stems = {lesson.stem for lesson in LESSONS}
    written = {p.stem for p in (ROOT / "lessons").glob("*.ipynb")}
    assert written <= stems
