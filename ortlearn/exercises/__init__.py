"""Checked coding exercises, one module per lesson (in the spirit of Kaggle Learn's learntools).

In a lesson::

    ex = ol.exercises.load("01_onnx_format")   # or: from ortlearn.exercises import lesson01 as ex

    def make_sigmoid_model(W, b):               # the stub the lesson gives you
        raise NotImplementedError

    ex.q1.check(make_sigmoid_model)             # Not attempted yet / Not yet: … / Correct: …
    ex.q1.hint()                                # hint 1, then 2, … (or ex.q1.hint(2))
    ex.q1.solution()                            # the reference solution (saved as viewed)

A check runs your object on inputs you never saw, says what is wrong without printing
the expected value, and saves its verdict with the quiz results (``ortlearn quiz
results``). ``quizzes/EXERCISES.md`` explains how a teacher adds an exercise.

Importing this package is light: each lesson module loads on first use, and each
check imports onnx, onnxruntime or torch only when it runs.

Introduced in lessons/00_start_here.ipynb.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from ortlearn.exercises.core import CheckResult, Exercise, Feedback

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["CheckResult", "Exercise", "Feedback", "LESSONS", "all_exercises", "load"]

#: Lesson stem -> module name.
LESSONS = {
    "01_onnx_format": "lesson01",
    "02_sessions": "lesson02",
    "03_providers": "lesson03",
    "04_export": "lesson04",
    "05_metrics_pitfalls": "lesson05",
    "06_vision_pipeline": "lesson06",
    "07_performance": "lesson07",
    "08_custom_operators": "lesson08",
    "09_real_model_ocr": "lesson09",
    "10_quantization": "lesson10",
    "11_deployment": "lesson11",
}


def load(lesson: str | int) -> ModuleType:
    """Return a lesson's exercise module (its exercises are ``q1``, ``q2``, …).

    Introduced in lessons/00_start_here.ipynb.

    Args:
        lesson: The lesson's stem (``"04_export"``), its number (``4`` or ``"04"``) or
            its module name (``"lesson04"``).

    Raises:
        ValueError: No lesson with exercises matches; the message lists them.

    Example:
        >>> import ortlearn as ol
        >>> ol.exercises.load("02_sessions").q1.id
        'ex-02-predict'
    """
    by_number = {stem[:2]: module for stem, module in LESSONS.items()}
    key = f"{lesson:02d}" if isinstance(lesson, int) and not isinstance(lesson, bool) else str(lesson)
    module = LESSONS.get(key) or by_number.get(key) or (key if key in LESSONS.values() else None)
    if module is None:
        raise ValueError(f"No exercises for lesson {lesson!r}. Lessons with exercises: {list(LESSONS)} "
                         f"(or their numbers 1 to 8); see lessons/00_start_here.ipynb.")
    return importlib.import_module(f"ortlearn.exercises.{module}")


def all_exercises() -> Iterator[Exercise]:
    """Yield every exercise of every lesson, in lesson and question order."""
    for stem in LESSONS:
        module = load(stem)
        names = sorted((n for n in vars(module) if n.startswith("q") and n[1:].isdigit()), key=lambda n: int(n[1:]))
        for name in names:
            yield getattr(module, name)
