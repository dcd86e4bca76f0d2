"""The final exam: a seeded draw of questions across every lesson's bank, by difficulty.

The exam is an ordinary :class:`~ortlearn.quiz.questions.Bank` (topic
``"final_exam"``) whose questions keep their own ``topic`` and ``lesson``, so
the quiz summary can break the score down per topic and link the lessons to
review. The same seed gives the same exam, so a teacher can hand out a seed.

Introduced in quizzes/final_exam.ipynb.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from ortlearn.lessons import LESSONS
from ortlearn.quiz.questions import DIFFICULTIES, Bank

__all__ = ["DEFAULT_DRAW", "make_exam"]

#: Questions drawn per difficulty when nothing else is asked for.
DEFAULT_DRAW: Mapping[str, int] = {"easy": 4, "medium": 5, "hard": 3}


def make_exam(
    seed: int = 0,
    *,
    draw: Mapping[str, int] | None = None,
    topics: Sequence[str] | None = None,
) -> Bank:
    """Draw an exam from the lesson banks.

    Args:
        seed: Seed of the draw; the same seed gives the same questions in the same order.
        draw: How many questions of each difficulty, e.g. ``{"easy": 4, "medium": 5, "hard": 3}``
            (the default, :data:`DEFAULT_DRAW`).
        topics: The banks to draw from; default: every bank named after a lesson
            (``01_onnx_format`` … ``08_custom_operators``), not the practice set.

    Returns:
        A bank with topic ``"final_exam"``: easy questions first, then medium, then hard.

    Raises:
        ValueError: An unknown difficulty, a negative count, or more questions of a
            difficulty than the banks hold (the message says how many there are).
        FileNotFoundError, QuestionBankError: A bank cannot be loaded.

    Example:
        >>> exam = make_exam(seed=2026)
        >>> len(exam.questions)
        12
    """
    from ortlearn.quiz.bank import banks_dir, load_banks

    draw = dict(DEFAULT_DRAW if draw is None else draw)
    unknown = sorted(set(draw) - set(DIFFICULTIES))
    if unknown:
        raise ValueError(f"Unknown difficulty {unknown!r} in draw; use {list(DIFFICULTIES)}.")
    bad = {k: v for k, v in draw.items() if isinstance(v, bool) or not isinstance(v, int) or v < 0}
    if bad:
        raise ValueError(f"Each draw count must be an int >= 0; got {bad!r}.")
    if topics is None:
        lesson_stems = {lesson.stem for lesson in LESSONS}
        topics = sorted(p.stem for p in banks_dir().glob("*.yaml") if p.stem in lesson_stems)
    banks = load_banks(list(topics))
    rng = random.Random(seed)
    chosen = []
    for difficulty in DIFFICULTIES:
        pool = [q for bank in banks for q in bank.questions if q.difficulty == difficulty]
        wanted = draw.get(difficulty, 0)
        if wanted > len(pool):
            raise ValueError(
                f"The draw asks for {wanted} {difficulty} questions, but the banks {list(topics)!r} "
                f"hold only {len(pool)}. Ask for fewer, or add banks."
            )
        chosen += rng.sample(pool, wanted)
    return Bank(topic="final_exam", title=f"Final exam (seed {seed})", questions=tuple(chosen))
