"""Reading results files as they are, and recovering moved-aside ones (``ortlearn quiz results``).

:class:`~ortlearn.quiz.store.ResultStore` keeps one learner's file right while a
quiz runs; this module serves the teacher and the repair command: it reads
other people's files without changing them, and merges ``results.json.corrupt-N``
files back in. ``ortlearn.quiz.store`` re-exports both functions.

Introduced in quizzes/README.md ("For teachers").
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ortlearn.quiz.results_file import (
    glob_escape,
    locked,
    parse_results,
    read_results,
    salvage_entries,
    set_aside,
    write_results,
)
from ortlearn.quiz.store import QuestionResult, _records, default_results_path

__all__ = ["read_results_file", "recover_results"]


def read_results_file(path: str | os.PathLike[str], *, problems: list[str] | None = None) -> list[QuestionResult]:
    """Read a results file as it is, sorted by topic and question id, without changing it.

    Unlike :class:`ResultStore`, which moves an unusable file aside so that a learner can
    keep saving, this never touches the file: it is for reading other people's results
    (``ortlearn quiz results`` over a class's files). A learner writes this file, so it
    is a record of practice, not evidence for grading.

    Args:
        path: A ``results.json`` written by :class:`ResultStore`.
        problems: When given, damaged entries are left out and described here; when
            None, the first damaged entry raises ``ValueError``.

    Raises:
        OSError: The file cannot be read.
        ValueError: It is not UTF-8 JSON in the results layout; the message says what is wrong.

    Example:
        >>> [r.question_id for r in read_results_file("results.json")]  # doctest: +SKIP
        ['sessions-run-returns-list']
    """
    entries, found = read_results(Path(path))
    if found and problems is None:
        raise ValueError(found[0])
    if problems is not None:
        problems.extend(found)
    data = _records(entries)
    return [data[topic][qid] for topic in sorted(data) for qid in sorted(data[topic])]


def recover_results(path: str | os.PathLike[str] | None = None) -> tuple[int, list[Path]]:
    """Merge what can be salvaged from ``results.json.corrupt-N`` files back into the results file.

    Each moved-aside file is read as well as it can be (a damaged JSON file is
    searched for well-formed entries), and its entries are added to the current
    ones: attempts and seconds add up (the store started again from zero after
    moving the file aside), and ``correct`` keeps the current file's latest
    verdict. Each recovered file is renamed to ``results.json.recovered-N`` so
    that running this twice counts nothing twice.

    Args:
        path: The results file; None uses :func:`default_results_path`.

    Returns:
        How many entries were recovered, and the files they came from.

    Raises:
        OSError: The results file cannot be locked, read or written.
        ValueError: The current results file itself is unusable (move it aside first).
    """
    real = Path(os.path.realpath(path if path is not None else default_results_path()))
    recovered, sources = 0, []
    with locked(real):
        try:
            current, _ = read_results(real)
        except FileNotFoundError:
            current = {}
        kept = re.compile(re.escape(real.name) + r"\.corrupt-\d+")
        asides = [p for p in real.parent.glob(f"{glob_escape(real.name)}.corrupt-*") if kept.fullmatch(p.name)]
        for aside in sorted(asides, key=lambda p: p.name):
            try:
                text = aside.read_bytes().decode("utf-8-sig", errors="replace")
            except OSError:
                continue
            try:
                found, _ = parse_results(json.loads(text))
            except (ValueError, RecursionError, MemoryError):  # not JSON, or not the layout: search it
                found = salvage_entries(text)
            for topic, items in found.items():
                for qid, old in items.items():
                    new = current.setdefault(topic, {}).get(qid)
                    current[topic][qid] = old if new is None else {
                        "answered": True, "correct": new["correct"],
                        "attempts": old["attempts"] + new["attempts"], "seconds": old["seconds"] + new["seconds"],
                    }
                    recovered += 1
            sources.append(aside)
        write_results(real, current)
        for aside in sources:
            set_aside(aside, "recovered")
    return recovered, sources


