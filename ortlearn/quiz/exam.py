"""The final exam: a seeded draw that covers every lesson, with a fixed mix of difficulties.

The exam is an ordinary :class:`~ortlearn.quiz.questions.Bank` (topic
``"final_exam"``) whose questions keep their own ``topic`` and ``lesson``, so
the quiz summary can break the score down per topic and link the lessons to
review. The same seed gives the same exam, so a teacher can hand out a seed.

How the draw works (stratified twice):

1. **By lesson.** Each bank gets an equal share of the questions; when the
   total does not divide evenly, the seed picks which banks get one more. So
   every lesson is examined whatever the seed (with the default 22 questions
   and 11 lessons: exactly 2 each).
2. **By difficulty.** The exam holds exactly ``draw[difficulty]`` questions of
   each difficulty. Inside each bank's share, each question's difficulty is drawn
   in proportion to how many of that difficulty are still wanted (so any bank's
   hard questions can appear); a draw that paints itself into a corner is retried
   with the same seeded generator, so the result stays reproducible.

Questions come easy first, then medium, then hard (a seeded order inside each).

Show it in exam mode, ``ol.quiz.show(make_exam(seed=2026), mode="exam")``: no hint
and no feedback per question, each question's first answer is locked and scored,
and **Submit exam** shows the results, the explanations and the per-topic summary
(which says when a topic has too few questions to judge). The choices inside each
question are shuffled per learner like every quiz (:mod:`ortlearn.quiz.shuffle`).

Introduced in quizzes/final_exam.ipynb.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from ortlearn.lessons import LESSONS
from ortlearn.quiz.questions import DIFFICULTIES, Bank, Question

__all__ = ["DEFAULT_DRAW", "draw_exam", "make_exam"]

#: Questions drawn per difficulty when nothing else is asked for: 22 in all,
#: 2 from each of the 11 lesson banks.
DEFAULT_DRAW: Mapping[str, int] = {"easy": 7, "medium": 10, "hard": 5}


def make_exam(
    seed: int = 0,
    *,
    draw: Mapping[str, int] | None = None,
    topics: Sequence[str] | None = None,
) -> Bank:
    """Draw an exam that covers every bank equally, with an exact mix of difficulties.

    Args:
        seed: Seed of the draw; the same seed gives the same questions in the same order.
        draw: How many questions of each difficulty, e.g. ``{"easy": 5, "medium": 7, "hard": 4}``
            (the default, :data:`DEFAULT_DRAW`). The total is shared equally between the banks.
        topics: The banks to draw from; default: every bank named after a lesson
            (``01_onnx_format`` … ``11_deployment``), not the practice set.

    Returns:
        A bank with topic ``"final_exam"``: easy questions first, then medium, then hard.

    Raises:
        ValueError: An unknown difficulty, a negative count, more questions of a
            difficulty than the banks hold, or a share a bank cannot fill (the
            message says how many there are).
        FileNotFoundError, QuestionBankError: A bank cannot be loaded.

    Example:
        >>> exam = make_exam(seed=2026)
        >>> len(exam.questions), len({q.topic for q in exam.questions})
        (22, 11)
        >>> ortlearn.quiz.show(exam, mode="exam")  # doctest: +SKIP
    """
    from ortlearn.quiz.bank import banks_dir, load_banks

    _check_draw(DEFAULT_DRAW if draw is None else draw)  # before loading anything
    if topics is None:
        lesson_stems = {lesson.stem for lesson in LESSONS}
        topics = sorted(p.stem for p in banks_dir().glob("*.yaml") if p.stem in lesson_stems)
    return draw_exam(load_banks(list(topics)), seed=seed, draw=draw)


def draw_exam(banks: Sequence[Bank], *, seed: int = 0, draw: Mapping[str, int] | None = None) -> Bank:
    """Draw an exam from banks already loaded (what :func:`make_exam` does after loading).

    Args:
        banks: The banks to draw from, each getting an equal share.
        seed: Seed of the draw.
        draw: Questions per difficulty (default :data:`DEFAULT_DRAW`).

    Returns:
        The exam, as :func:`make_exam` returns it.

    Raises:
        ValueError: As :func:`make_exam`.
    """
    draw = _check_draw(DEFAULT_DRAW if draw is None else draw)
    topics = [bank.topic for bank in banks]
    for difficulty in DIFFICULTIES:
        held = sum(q.difficulty == difficulty for bank in banks for q in bank.questions)
        if draw.get(difficulty, 0) > held:
            raise ValueError(
                f"The draw asks for {draw[difficulty]} {difficulty} questions, but the banks {list(topics)!r} "
                f"hold only {held}. Ask for fewer, or add banks."
            )
    rng = random.Random(seed)
    shares = _equal_shares(sum(draw.values()), topics, rng)
    for _ in range(_ATTEMPTS):
        chosen = _draw_by_difficulty(banks, shares, draw, rng)
        if chosen is not None:
            break
    else:
        raise ValueError(
            f"No draw of {draw} gives every bank of {list(topics)!r} its equal share "
            f"({sorted(set(shares.values()))} questions each): some bank lacks questions of a difficulty. "
            "Ask for a different mix, or add questions to the banks.")
    ordered = []
    for difficulty in DIFFICULTIES:
        rng.shuffle(chosen[difficulty])
        ordered += chosen[difficulty]
    return Bank(topic="final_exam", title=f"Final exam (seed {seed})", questions=tuple(ordered))


def _check_draw(draw: Mapping[str, int]) -> dict[str, int]:
    draw = dict(draw)
    unknown = sorted(set(draw) - set(DIFFICULTIES))
    if unknown:
        raise ValueError(f"Unknown difficulty {unknown!r} in draw; use {list(DIFFICULTIES)}.")
    bad = {k: v for k, v in draw.items() if isinstance(v, bool) or not isinstance(v, int) or v < 0}
    if bad:
        raise ValueError(f"Each draw count must be an int >= 0; got {bad!r}.")
    return draw


_ATTEMPTS = 200  # seeded retries of the difficulty draw before giving up (one almost always works)


def _draw_by_difficulty(
    banks: Sequence[Bank], shares: Mapping[str, int], draw: Mapping[str, int], rng: random.Random,
) -> dict[str, list[Question]] | None:
    """Fill each bank's share, drawing each question's difficulty in proportion to what is still wanted.

    Returns the questions by difficulty, or None when this attempt painted itself into a
    corner (a bank left without the difficulties still wanted); the caller tries again.
    """
    wanted = {d: draw.get(d, 0) for d in DIFFICULTIES}
    chosen: dict[str, list[Question]] = {d: [] for d in DIFFICULTIES}
    for bank in banks:
        pools = {d: [q for q in bank.questions if q.difficulty == d] for d in DIFFICULTIES}
        for _ in range(shares[bank.topic]):
            available = [d for d in DIFFICULTIES if pools[d] and wanted[d] > 0]
            if not available:
                return None
            difficulty = rng.choices(available, weights=[wanted[d] for d in available])[0]
            question = pools[difficulty].pop(rng.randrange(len(pools[difficulty])))
            chosen[difficulty].append(question)
            wanted[difficulty] -= 1
    return chosen


def _equal_shares(total: int, topics: list[str], rng: random.Random) -> dict[str, int]:
    """Split ``total`` questions between ``topics`` as evenly as possible; the seed places the remainder."""
    if not topics:
        return {}
    base, extra = divmod(total, len(topics))
    lucky = set(rng.sample(topics, extra))
    return {topic: base + (topic in lucky) for topic in topics}
