"""One atomic file writer for every file the course writes (results, learner id, exports, weights, notebooks).

:func:`write_atomic` writes to a temporary file next to the target, optionally
``fsync``s it, then moves it into place with ``os.replace`` (or, with
``exclusive=True``, links it there only if nothing is there yet). A crash or an
interrupt leaves either the old file or the new one, never half a file, and
never the temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def _umask() -> int:
    """The process's umask (read without changing it where /proc tells it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None,
                 fsync: bool = False, exclusive: bool = False, encoding: str = "utf-8") -> bool:
    """Write ``data`` to ``path`` atomically.

    Args:
        path: The target file; its folder must exist.
        data: Text (written with ``encoding`` and ``\\n`` line ends) or bytes.
        mode: Permissions of a new file; None: what ``open`` would give (0666 less the umask).
            An existing file keeps its permissions.
        fsync: Flush the data to disk before the move (files that must survive a power cut).
        exclusive: Only create: when ``path`` already exists, leave it and return False.
            Where the file system has no hard links, the last writer wins.
        encoding: The encoding of text ``data``.

    Returns:
        True when ``data`` is now in ``path`` (always, unless ``exclusive`` found a file).

    Raises:
        OSError: The folder is missing or not writable (the temporary file is removed).
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            permissions = os.stat(path).st_mode & 0o777
        except OSError:
            permissions = (0o666 & ~_umask()) if mode is None else mode
        with contextlib.suppress(OSError):
            os.chmod(temp, permissions)  # mkstemp makes it 0600
        payload = data.encode(encoding) if isinstance(data, str) else data
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        if exclusive:
            try:
                os.link(temp, path)  # fails if another process got there first: then its file wins
                return True
            except FileExistsError:
                return False
            except OSError:  # no hard links here (some network or FAT file systems): last writer wins
                pass
        os.replace(temp, path)
        temp = ""
        return True
    finally:  # also on KeyboardInterrupt: never leave the temporary file behind
        if temp:
            with contextlib.suppress(OSError):
                os.unlink(temp)
