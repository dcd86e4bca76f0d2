"""Quizzes: question banks as data, pure grading, thin ipywidgets, terminal mode.

The one call a notebook makes is ``ol.quiz.show("02_sessions")`` (an exam:
``ol.quiz.show(ol.quiz.make_exam(seed=2026), mode="exam")``); lessons use
``ol.quiz.Checkpoint`` for their predict-then-run moments. Submodules by role:

- :mod:`~ortlearn.quiz.questions`: the frozen data (Bank, Question, Choice);
- :mod:`~ortlearn.quiz.bank`, :mod:`~ortlearn.quiz.bank_schema`: reading and validating YAML banks;
- :mod:`~ortlearn.quiz.lint`: answer tells (position, length, True/False habits, duplicates);
- :mod:`~ortlearn.quiz.grading`: pure grading functions and their words;
- :mod:`~ortlearn.quiz.shuffle`: the choice order (per learner, a class seed, or the bank's);
- :mod:`~ortlearn.quiz.summary`: the end-of-quiz review, as data;
- :mod:`~ortlearn.quiz.render`: bank Markdown as sanitized HTML or plain text;
- :mod:`~ortlearn.quiz.store`: saved progress (atomic JSON in the user's data folder);
- :mod:`~ortlearn.quiz.exam`: the final exam's stratified draw;
- :mod:`~ortlearn.quiz.verify`: running the ``verify:`` proofs;
- front ends: :mod:`~ortlearn.quiz.widgets` (ipywidgets), :mod:`~ortlearn.quiz.checkpoint`
  (predict, then run), :mod:`~ortlearn.quiz.terminal` (``ortlearn quiz take``),
  :mod:`~ortlearn.quiz.html_page` and :mod:`~ortlearn.quiz.gift` (``ortlearn quiz export``).

``import ortlearn.quiz`` stays light: ipywidgets and yaml load on first use.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Bank",
    "Checkpoint",
    "Question",
    "QuestionBankError",
    "ResultStore",
    "load_bank",
    "load_banks",
    "make_exam",
    "results",
    "show",
]

_LAZY = {
    "Bank": "ortlearn.quiz.questions",
    "Question": "ortlearn.quiz.questions",
    "QuestionBankError": "ortlearn.quiz.bank",
    "load_bank": "ortlearn.quiz.bank",
    "load_banks": "ortlearn.quiz.bank",
    "ResultStore": "ortlearn.quiz.store",
    "results": "ortlearn.quiz.store",
    "make_exam": "ortlearn.quiz.exam",
    "Checkpoint": "ortlearn.quiz.checkpoint",
    "show": "ortlearn.quiz.widgets",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ortlearn.quiz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
