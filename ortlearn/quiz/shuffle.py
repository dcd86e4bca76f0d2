"""Which order a learner sees the choices in: shuffled per learner, or one order for a class.

Every front end (``ol.quiz.show``, ``ortlearn quiz take``, the exported HTML
page) takes a ``seed`` and resolves it here:

================================ ===========================================================
``seed="learner"`` (the default) ``$ORTLEARN_QUIZ_SEED`` when a teacher set it (one order for
                                 the whole class), else this learner's id: a random id made
                                 once and kept in the data folder, so a reload (or a new
                                 kernel) shows the same order and another learner sees another
``seed=2026`` (an int)           that order, for everyone who uses the seed (a class seed)
``seed=None``                    the bank's order (for authors)
================================ ===========================================================

The order itself comes from :func:`ortlearn.quiz.grading.choice_order`:
true/false stays "True", "False", and choices marked ``pin: true`` keep their
place. Answers are graded and saved by original choice index, so the order
changes nothing but what is shown.

The learner id is a random token (:func:`secrets.token_hex`), nothing derived
from the machine or the person, kept next to ``results.json``
(:func:`ortlearn.quiz.store.default_results_path`; ``ORTLEARN_DATA_DIR``
moves both).

Introduced in quizzes/README.md ("For teachers").
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import warnings
from pathlib import Path
from typing import Literal

from ortlearn._files import write_atomic

__all__ = ["LEARNER", "LEARNER_FILE", "SEED_ENV_VAR", "SeedOption", "learner_id", "resolve_seed"]

#: Environment variable holding a class seed (an integer) that every front end uses.
SEED_ENV_VAR = "ORTLEARN_QUIZ_SEED"
#: File name of the learner id, in the folder of ``results.json``.
LEARNER_FILE = "learner_id"
#: The default ``seed``: the class seed when one is set, else per learner.
LEARNER: Literal["learner"] = "learner"
#: What a front end's ``seed`` argument takes.
SeedOption = int | Literal["learner"] | None

_ID = re.compile(r"[0-9a-f]{32}")
_fallback_id: str | None = None  # used when the data folder cannot hold the id (warned once)


def resolve_seed(seed: SeedOption = LEARNER) -> int | str | None:
    """Turn a front end's ``seed`` argument into what :func:`~ortlearn.quiz.grading.choice_order` takes.

    Args:
        seed: ``"learner"`` (class seed if set, else the learner id), an int
            (that seed), or None (the bank's order).

    Returns:
        An int (a class seed), a str (the learner id) or None.

    Raises:
        ValueError: ``$ORTLEARN_QUIZ_SEED`` is set but not an integer, or
            ``seed`` is a str other than ``"learner"``.
        TypeError: ``seed`` is neither an int, ``"learner"`` nor None.

    Example:
        >>> resolve_seed(2026), resolve_seed(None)
        (2026, None)
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, str)):
        raise TypeError(f"seed must be an int (one order for a class), 'learner' (the default: shuffled per "
                        f"learner) or None (the bank's order); got {seed!r} ({type(seed).__name__}).")
    if isinstance(seed, int):
        return seed
    if seed != LEARNER:
        raise ValueError(f"seed must be an int, 'learner' or None; got {seed!r}. "
                         "A class seed is a whole number such as 2026.")
    class_seed = os.environ.get(SEED_ENV_VAR, "").strip()
    if class_seed:
        try:
            return int(class_seed)
        except ValueError:
            raise ValueError(f"{SEED_ENV_VAR} must be a whole number such as 2026 (one order for the whole "
                             f"class); got {class_seed!r}. Unset it to shuffle per learner.") from None
    return learner_id()


def learner_id(folder: str | os.PathLike[str] | None = None) -> str:
    """Return this learner's random id, creating it on first use.

    Args:
        folder: Where the id file lives; None means the folder of
            :func:`~ortlearn.quiz.store.default_results_path`.

    Returns:
        32 hexadecimal digits, the same on every call for the same folder.
        When the folder cannot be written, a ``UserWarning`` says so and an
        id for this process only is used (orders then change per session).
    """
    global _fallback_id
    if folder is None:
        from ortlearn.quiz.store import default_results_path

        folder = default_results_path().parent
    path = Path(folder) / LEARNER_FILE
    try:
        return _read_or_create(path)
    except OSError as exc:
        if _fallback_id is None:
            _fallback_id = secrets.token_hex(16)
            warnings.warn(f"Could not keep the quiz learner id in {path} ({exc}); choices are shuffled with an id "
                          f"for this session only. Set ORTLEARN_DATA_DIR to a writable folder to keep one order.",
                          UserWarning, stacklevel=3)
        return _fallback_id


def _read_or_create(path: Path) -> str:
    """Read the id; create it when missing (atomically: two processes end up with the same id)."""
    with contextlib.suppress(FileNotFoundError):
        found = path.read_text(encoding="ascii", errors="replace").strip()
        if _ID.fullmatch(found):
            return found
        warnings.warn(f"{path} does not hold a learner id (32 hexadecimal digits); a new one replaces it, "
                      "so shuffled choices change order once.", UserWarning, stacklevel=4)
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    new = secrets.token_hex(16)
    if not write_atomic(path, new + "\n", exclusive=True):  # another process got there first: its id wins
        return _read_or_create(path)
    return new
