"""The results file on disk: one lock, lenient reading, atomic writes, recovery.

:class:`~ortlearn.quiz.store.ResultStore` keeps its logic; this module keeps the
file right. Choices, and why:

- **One JSON file, changed under an exclusive lock.** Every change is a
  read-modify-write of ``results.json`` while holding a lock on a sidecar file
  (``.results.json.lock``): ``fcntl.flock`` on Linux and macOS (on NFS, Linux
  turns it into a POSIX lock that the server arbitrates), ``msvcrt.locking`` on
  Windows, and an atomic ``mkdir`` lock folder where neither works. Writers
  from several kernels, terminals or processes take turns, so no answer is
  lost. A per-writer append-only log would avoid the lock, but then every
  reader (the teacher's ``ortlearn quiz results``, copied learner folders)
  would have to find and merge several files; one file stays the one thing a
  learner hands in. The kernel drops a ``flock`` when its process dies
  (``kill -9`` included), so a crash leaves no stale lock.
- **Atomic replace.** The new content goes to a temporary file in the same
  folder, is ``fsync``'d, and replaces the old file with ``os.replace``. A crash
  at any moment leaves either the old or the new file: at most the answer being
  written is lost. Temporary files of crashed writers are removed by the next
  writer (it holds the lock, so they cannot be anyone's work in progress).
- **A damaged entry costs that entry.** Reading checks each entry on its own;
  bad entries are left out with a warning, the others stay. A file that cannot
  be understood at all (not JSON, another version) is moved aside to
  ``results.json.corrupt-N`` (never deleted, never overwritten: the name is
  claimed with ``os.link``, which fails if it exists), and
  :func:`recover_results` (``ortlearn quiz results --recover``) merges what can
  be salvaged from those files back in.
- **A symlinked results file stays a symlink.** Writes go to the file the link
  points to.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ortlearn._files import write_atomic

__all__ = [
    "LOCK_TIMEOUT",
    "MAX_RESULTS_BYTES",
    "ResultsFileError",
    "locked",
    "parse_results",
    "read_results",
    "salvage_entries",
    "set_aside",
    "write_results",
]

VERSION = 1
#: Seconds a writer waits for another one before it gives up (its answers stay in memory).
LOCK_TIMEOUT = 10.0
#: A results file larger than this is not read (100,000 answers take about 10 MB).
MAX_RESULTS_BYTES = 64 * 1024 * 1024
#: A mkdir lock folder older than this was left by a crashed writer (the fallback where flock is missing).
_STALE_LOCK_SECONDS = 60.0
_MAX_ATTEMPTS, _MAX_SECONDS = 1_000_000, 1e8
_TOPIC = re.compile(r"([a-z0-9][a-z0-9_-]{0,63})?")
_QUESTION_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_THREADS = threading.Lock()  # flock excludes other processes; this excludes other threads of this one

#: ``{topic: {question id: {"answered", "correct", "attempts", "seconds"}}}``
Entries = dict[str, dict[str, dict[str, Any]]]


class ResultsFileError(ValueError):
    """The whole file is unusable (not UTF-8, not JSON, wrong layout or version); the message says why."""


# ----------------------------------------------------------------------------- locking


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of the results file ``path`` while the block runs.

    Raises:
        TimeoutError: Another writer held it for ``timeout`` seconds.
        OSError: The lock file cannot be created (a read-only folder).
    """
    lock_path = path.with_name(f".{path.name}.lock")
    with _THREADS:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            release = _acquire(fd, lock_path, time.monotonic() + timeout)
            try:
                yield
            finally:
                release()
        finally:
            os.close(fd)


def _acquire(fd: int, lock_path: Path, deadline: float) -> Any:
    """Take the lock on ``fd`` (or the mkdir fallback); return the function that releases it."""
    try:
        import fcntl
    except ImportError:
        fcntl = None  # type: ignore[assignment]
    if fcntl is not None:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return lambda: fcntl.flock(fd, fcntl.LOCK_UN)
            except BlockingIOError:
                _wait(deadline, lock_path)
            except OSError as exc:
                if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                    raise
                break  # this filesystem has no flock: use the portable fallback
    else:
        with contextlib.suppress(ImportError):
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    return lambda: (os.lseek(fd, 0, os.SEEK_SET), msvcrt.locking(fd, msvcrt.LK_UNLCK, 1))
                except OSError:
                    _wait(deadline, lock_path)
    return _acquire_mkdir(lock_path.with_name(lock_path.name + ".d"), deadline)


def _acquire_mkdir(folder: Path, deadline: float) -> Any:
    """Portable fallback: creating a folder is atomic everywhere; one left by a crash expires after a minute."""
    while True:
        try:
            folder.mkdir()
            return lambda: folder.rmdir()
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > _STALE_LOCK_SECONDS:
                    folder.rmdir()
                    continue
            _wait(deadline, folder)


def _wait(deadline: float, what: Path) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError(errno.ETIMEDOUT, f"another process has held the lock {what.name} for too long")
    time.sleep(0.005)


# ----------------------------------------------------------------------------- reading


def read_results(path: Path) -> tuple[Entries, list[str]]:
    """Read ``path``: its valid entries, and one line per entry that had to be left out.

    Raises:
        FileNotFoundError: There is no file (nothing saved yet).
        OSError: It cannot be read now (permissions, I/O error): not a reason to move it aside.
        ResultsFileError: The whole file is unusable.
    """
    with open(path, "rb") as handle:
        raw = handle.read(MAX_RESULTS_BYTES + 1)
    if len(raw) > MAX_RESULTS_BYTES:
        raise ResultsFileError(f"it is larger than {MAX_RESULTS_BYTES // 2**20} MiB")
    try:
        text = raw.decode("utf-8-sig")  # an editor may have added a byte-order mark
    except UnicodeError as exc:
        raise ResultsFileError(f"it is not UTF-8 text ({exc})") from exc
    try:
        document = json.loads(text)
    except (RecursionError, MemoryError) as exc:
        raise ResultsFileError("it is nested too deeply to be a results file") from exc
    except ValueError as exc:
        raise ResultsFileError(str(exc)) from exc
    return parse_results(document)


def parse_results(raw: Any) -> tuple[Entries, list[str]]:
    """Check a decoded file: ResultsFileError for the layout, problems (left out) for single entries."""
    if not isinstance(raw, dict) or "results" not in raw or "version" not in raw:
        raise ResultsFileError("expected a JSON object with 'version' and 'results'")
    if type(raw["version"]) is not int or raw["version"] != VERSION:
        raise ResultsFileError(f"it has version {raw['version']!r}; this ortlearn reads version {VERSION}")
    if not isinstance(raw["results"], dict):
        raise ResultsFileError("'results' is not a JSON object")
    data: Entries = {}
    problems: list[str] = []
    for topic, entries in raw["results"].items():
        if not _TOPIC.fullmatch(topic):
            problems.append(f"results[{topic[:80]!r}]: not a topic name")
        elif not isinstance(entries, dict):
            problems.append(f"results[{topic!r}] is not a JSON object")
        else:
            for qid, entry in entries.items():
                problem = check_entry(topic, qid, entry)
                if problem:
                    problems.append(problem)
                else:
                    data.setdefault(topic, {})[qid] = entry
    return data, problems


def check_entry(topic: str, qid: str, entry: Any) -> str:
    """Return what is wrong with one entry ("" when it is fine)."""
    where = f"results[{topic!r}][{qid[:80]!r}]"
    if not _QUESTION_ID.fullmatch(qid):
        return f"{where}: not a question id"
    if not isinstance(entry, dict):
        return f"{where} is not a JSON object"
    answered, correct = entry.get("answered"), entry.get("correct")
    attempts, seconds = entry.get("attempts"), entry.get("seconds")
    if not isinstance(answered, bool) or not isinstance(correct, bool):
        return f"{where}: 'answered' and 'correct' must be true or false"
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 0 <= attempts <= _MAX_ATTEMPTS:
        return f"{where}: 'attempts' must be an integer from 0 to {_MAX_ATTEMPTS:,}, got {attempts!r:.40}"
    if (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds)
            or not 0 <= seconds <= _MAX_SECONDS):
        return f"{where}: 'seconds' must be a number from 0 to {_MAX_SECONDS:g}, got {seconds!r:.40}"
    return ""


_KEY_OBJECT = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*(\{[^{}]*\}|\{)')


def salvage_entries(text: str) -> Entries:
    """Find every well-formed entry in a damaged file's text (truncated, or with broken parts).

    A key whose value is a flat object is an entry of the topic whose key most
    recently opened a nested object.
    """
    data: Entries = {}
    topic: str | None = None
    for match in _KEY_OBJECT.finditer(text):
        try:
            key = json.loads(f'"{match.group(1)}"')
        except ValueError:
            continue
        if match.group(2) == "{":
            topic = key if key != "results" else None
            continue
        try:
            entry = json.loads(match.group(2))
        except ValueError:
            continue
        if topic is not None and _TOPIC.fullmatch(topic) and not check_entry(topic, key, entry):
            data.setdefault(topic, {})[key] = entry
    return data


# ----------------------------------------------------------------------------- writing


def write_results(path: Path, data: Entries) -> None:
    """Write ``data`` atomically (a temporary file, fsync, ``os.replace``); hold :func:`locked` around it.

    The new file gets the permissions the old one had (0600 for a new one: results are personal).
    """
    payload = {
        "version": VERSION,
        "results": {topic: dict(sorted(entries.items())) for topic, entries in sorted(data.items()) if entries},
    }
    _remove_stale_temporaries(path)
    write_atomic(path, json.dumps(payload, indent=1) + "\n", mode=0o600, fsync=True)


def _remove_stale_temporaries(path: Path) -> None:
    """Remove crashed writers' temporary files: a writer makes one only while holding the lock, which we hold."""
    for leftover in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def glob_escape(name: str) -> str:
    """``name`` with glob wildcards made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def set_aside(path: Path, suffix: str = "corrupt", *, copy: bool = False) -> Path | None:
    """Move (or copy) ``path`` to the first free ``<name>.<suffix>-N``; never overwrite one.

    Returns:
        The new name, or None when ``path`` was already gone (another process handled it).

    Raises:
        OSError: It could not be moved or copied (a read-only folder).
    """
    number = 1
    while True:
        target = path.with_name(f"{path.name}.{suffix}-{number}")
        try:
            if copy:
                with open(path, "rb") as source, open(target, "xb") as out:
                    out.write(source.read())
            else:
                _move_without_overwriting(path, target)
            return target
        except FileExistsError:
            number += 1
        except FileNotFoundError:
            if os.path.lexists(target) or os.path.exists(path):
                raise
            return None


def _move_without_overwriting(path: Path, target: Path) -> None:
    """``os.link`` then unlink (fails if ``target`` exists); rename where hard links are not supported."""
    try:
        os.link(path, target, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        if os.path.lexists(target):  # under the lock, so no other ortlearn writer can slip in between
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from exc
        os.replace(path, target)
        return
    os.unlink(path)
