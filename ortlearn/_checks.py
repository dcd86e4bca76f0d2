"""Argument checks shared by every module, with one rule and one wording.

The rule: an argument of the wrong *type* raises ``TypeError``; an argument of the
right type but a wrong *value* raises ``ValueError``. Every message says what was
expected, shows what arrived and ends with the lesson that explains the fix:
``"threads must be an int >= 1; got str: '2'. See lessons/02_sessions.ipynb."``

Name prefixes keep their library meaning here too: ``check_*`` returns None or
raises; ``as_*`` checks and returns the value converted (``int``, ``float``).
Private to ortlearn: nothing here is part of the course's public API.
"""

from __future__ import annotations

import math
import numbers

from ortlearn.lessons import lesson_path

__all__ = ["see", "type_error", "value_error", "as_int", "as_real", "check_bool", "check_ax"]


def see(stem: str) -> str:
    """Return the pointer that ends every message: ``"See lessons/<stem>.ipynb."``."""
    return f"See {lesson_path(stem)}."


def type_error(what: str, expected: str, value: object, stem: str) -> TypeError:
    """Return the TypeError for ``what`` of the wrong type (the caller raises it)."""
    return TypeError(f"{what} must be {expected}; got {type(value).__name__}: {value!r:.80}. {see(stem)}")


def value_error(what: str, expected: str, value: object, stem: str) -> ValueError:
    """Return the ValueError for ``what`` of the right type but a wrong value (the caller raises it)."""
    return ValueError(f"{what} must be {expected}; got {value!r}. {see(stem)}")


def as_int(what: str, value: object, stem: str, low: int, high: int | None = None, *,
           expected: str | None = None) -> int:
    """Check that ``value`` is an int (not a bool) in ``[low, high]`` and return it as ``int``."""
    expected = expected or (f"an int >= {low}" if high is None else f"an int from {low} to {high}")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise type_error(what, expected, value, stem)
    if value < low or (high is not None and value > high):
        raise value_error(what, expected, value, stem)
    return int(value)


def as_real(what: str, value: object, stem: str, *, low: float = 0.0, strict: bool = False,
            expected: str | None = None) -> float:
    """Check that ``value`` is a finite real number (not a bool) ``>= low`` (``> low`` if strict); return a float."""
    expected = expected or f"a finite number {'>' if strict else '>='} {low:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise type_error(what, expected, value, stem)
    if not math.isfinite(value) or value < low or (strict and value == low):
        raise value_error(what, expected, value, stem)
    return float(value)


def check_bool(what: str, value: object, stem: str) -> None:
    """Raise TypeError unless ``value`` is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise type_error(what, "True or False", value, stem)


def check_ax(ax: object, stem: str) -> None:
    """Raise TypeError unless ``ax`` is None or a matplotlib ``Axes`` (imports matplotlib only when given one)."""
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise type_error("ax", "None or a matplotlib Axes", ax, stem)
