"""Lint question banks for answer tells: patterns that give the answer away without the content.

The schema check (:mod:`ortlearn.quiz.bank`) says whether a bank is *valid*; these rules say
whether a test-wise learner could score without knowing anything. Each rule is a pure function
over loaded :class:`~ortlearn.quiz.questions.Bank` objects and returns :class:`Finding` objects;
:func:`lint_banks` runs them all. ``ortlearn quiz validate`` prints every finding and exits 1,
and ``tests/test_banks.py`` fails on any finding in a shipped bank.

Rules and thresholds (see ``quizzes/README.md``, "Answer tells"):

============================ ==================================================================
``answer-position``          In a bank with ≥ 4 single-choice questions, no position (A, B, …,
                             in file order) holds more than 50 % of the correct answers.
``multi-correct-first``      A multi-choice question does not list all its correct options
                             before all its wrong ones.
``true-false-balance``       A bank with ≥ 4 true/false questions has 40–60 % "True" answers;
                             with 2 or 3 it has at least one of each.
``longest-correct``          In a bank with ≥ 4 single-choice questions, the correct option is
                             the clearly longest one (≥ 1.2 × the next longest) in at most 35 %
                             of them. Chance, for 4 options, is 25 %.
``shortest-correct``         The same for the clearly shortest option (next shortest ≥ 1.2 ×
                             it): trimming correct options must not create the opposite tell.
``longest-habit``            The correct option is the strictly longest one, by any margin, in
                             at most 50 % of a bank's single-choice questions.
``hedge-correct``            In a bank with ≥ 4 single-choice questions, the correct option is
                             the only one with a hedging word ("usually", "about", "may", …)
                             in at most 35 % of them.
``near-duplicate``           Two questions (in any banks) whose prompt-and-choices token sets
                             have a Jaccard similarity ≥ 0.3 ask the same thing twice
                             (questions with < 8 content words are not compared).
============================ ==================================================================

A tool for bank authors (quizzes/README.md, "Answer tells"); no lesson introduces it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from ortlearn.quiz.questions import Bank, Question

__all__ = [
    "Finding",
    "MIN_SINGLE_CHOICE",
    "MAX_POSITION_SHARE",
    "MIN_TRUE_FALSE",
    "TRUE_SHARE_RANGE",
    "LENGTH_RATIO",
    "MAX_LENGTH_TELL_SHARE",
    "MAX_HEDGE_TELL_SHARE",
    "HEDGE_WORDS",
    "DUPLICATE_JACCARD",
    "MIN_DUPLICATE_TOKENS",
    "lint_answer_positions",
    "lint_multi_correct_first",
    "lint_true_false_balance",
    "lint_length_tells",
    "lint_longest_habit",
    "MAX_LONGEST_HABIT_SHARE",
    "lint_hedge_tells",
    "lint_near_duplicates",
    "question_tokens",
    "jaccard",
    "lint_bank",
    "lint_banks",
]

#: Bank-level share rules apply from this many single-choice questions on.
MIN_SINGLE_CHOICE = 4
#: Largest share of single-choice answers one position may hold.
MAX_POSITION_SHARE = 0.5
#: The 40–60 % rule applies from this many true/false questions on.
MIN_TRUE_FALSE = 4
#: Accepted share of "True" answers.
TRUE_SHARE_RANGE = (0.4, 0.6)
#: An option is "clearly" the longest when it is at least this many times the next longest.
LENGTH_RATIO = 1.2
#: Largest share of single-choice questions whose correct option is clearly the longest (or shortest).
MAX_LENGTH_TELL_SHARE = 0.35
#: Largest share of single-choice questions whose correct option is simply the longest (any margin).
MAX_LONGEST_HABIT_SHARE = 0.5
#: Largest share of single-choice questions whose correct option alone is hedged.
MAX_HEDGE_TELL_SHARE = 0.35
#: Words that soften a claim; test-wise learners pick the one hedged option.
HEDGE_WORDS = frozenset({
    "usually", "typically", "often", "generally", "mostly", "normally", "may", "might", "can",
    "could", "probably", "likely", "roughly", "approximately", "about", "around", "some",
    "sometimes", "depends", "depending", "tends", "within",
})  # fmt: skip
#: Two questions whose token sets overlap at least this much are near-duplicates.
DUPLICATE_JACCARD = 0.3
#: Questions with fewer distinct content tokens than this are too short to compare.
MIN_DUPLICATE_TOKENS = 8

_WORD = re.compile(r"[a-z0-9_.]*[a-z0-9_]")
_STOPWORDS = frozenset("""
a an and are as at be been but by do does for from has have how i if in into is it its of on or
that the their them then there these this those to was were what when where which while who why
will with you your true false select all apply statements following following: correct
""".split())


@dataclass(frozen=True)
class Finding:
    """One tell found in a bank.

    Attributes:
        bank: The bank's topic, e.g. ``"02_sessions"``.
        question: The question's id, or ``""`` for a rule about the whole bank.
        rule: The rule's name, e.g. ``"answer-position"``.
        message: What is wrong, with the numbers, and how to fix it.
    """

    bank: str
    question: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.bank}: question {self.question!r}" if self.question else self.bank
        return f"{where}: [{self.rule}] {self.message}"


def _letter(index: int) -> str:
    return "ABCDEF"[index] if 0 <= index < 6 else str(index + 1)


def _single(bank: Bank) -> list[Question]:
    return [q for q in bank.questions if q.type == "single_choice"]


def lint_answer_positions(bank: Bank) -> list[Finding]:
    """Flag a bank whose single-choice answers pile up in one position of the file.

    Args:
        bank: A loaded bank.

    Returns:
        One finding when a position holds more than :data:`MAX_POSITION_SHARE` of the correct
        answers (banks with fewer than :data:`MIN_SINGLE_CHOICE` single-choice questions are skipped).
    """
    single = _single(bank)
    if len(single) < MIN_SINGLE_CHOICE:
        return []
    positions = Counter(min(q.correct_indices) for q in single)
    position, count = max(positions.items(), key=lambda item: (item[1], -item[0]))
    if count / len(single) <= MAX_POSITION_SHARE:
        return []
    spread = ", ".join(f"{_letter(p)}: {n}" for p, n in sorted(positions.items()))
    return [Finding(bank.topic, "", "answer-position",
                    f"{count} of {len(single)} single-choice answers are option {_letter(position)} "
                    f"(at most {MAX_POSITION_SHARE:.0%} allowed; positions {spread}). Move some correct options.")]


def lint_multi_correct_first(bank: Bank) -> list[Finding]:
    """Flag multi-choice questions that list every correct option before every wrong one."""
    findings = []
    for q in bank.questions:
        correct = sorted(q.correct_indices)
        if q.type == "multi_choice" and len(correct) < len(q.choices) and correct == list(range(len(correct))):
            findings.append(Finding(bank.topic, q.id, "multi-correct-first",
                                    f"its {len(correct)} correct options come first, before every wrong one; "
                                    "interleave them."))
    return findings


def lint_true_false_balance(bank: Bank) -> list[Finding]:
    """Flag a bank whose true/false answers lean one way.

    With :data:`MIN_TRUE_FALSE` or more questions, the share of "True" answers must lie in
    :data:`TRUE_SHARE_RANGE`; with 2 or 3, both answers must occur.
    """
    answers = [q.choices[min(q.correct_indices)].text for q in bank.questions if q.type == "true_false"]
    if len(answers) < 2:
        return []
    true = answers.count("True")
    low, high = TRUE_SHARE_RANGE
    if len(answers) >= MIN_TRUE_FALSE:
        if low <= true / len(answers) <= high:
            return []
        wanted = f"{low:.0%}–{high:.0%}"
    else:
        if 0 < true < len(answers):
            return []
        wanted = "at least one of each"
    return [Finding(bank.topic, "", "true-false-balance",
                    f"{true} of {len(answers)} true/false answers are True (wanted {wanted}). "
                    "Rewrite some statements the other way round (and prove them in verify:).")]


def _length_tell(q: Question, shortest: bool) -> bool:
    lengths = [len(c.text.strip()) for c in q.choices]
    (answer,) = q.correct_indices
    others = [n for i, n in enumerate(lengths) if i != answer]
    if not others:
        return False
    if shortest:
        return min(others) >= LENGTH_RATIO * lengths[answer]
    return lengths[answer] >= LENGTH_RATIO * max(others)


def lint_length_tells(bank: Bank) -> list[Finding]:
    """Flag a bank where the clearly longest (or clearly shortest) option is too often the answer.

    "Clearly" means by a factor :data:`LENGTH_RATIO` over the runner-up; the share allowed is
    :data:`MAX_LENGTH_TELL_SHARE` of the bank's single-choice questions.
    """
    single = _single(bank)
    if len(single) < MIN_SINGLE_CHOICE:
        return []
    findings = []
    for rule, shortest in (("longest-correct", False), ("shortest-correct", True)):
        tells = [q.id for q in single if _length_tell(q, shortest)]
        if len(tells) / len(single) > MAX_LENGTH_TELL_SHARE:
            kind = "shortest" if shortest else "longest"
            findings.append(Finding(bank.topic, "", rule,
                                    f"the correct option is clearly the {kind} (by ≥ {LENGTH_RATIO}×) in "
                                    f"{len(tells)} of {len(single)} single-choice questions (at most "
                                    f"{MAX_LENGTH_TELL_SHARE:.0%} allowed): {', '.join(tells)}. Even out the lengths."))
    return findings


def lint_longest_habit(bank: Bank) -> list[Finding]:
    """Flag a bank where "always pick the longest option" scores too well, even without a clear margin.

    :func:`lint_length_tells` catches answers that stand out by :data:`LENGTH_RATIO`; this rule
    catches the habit itself: the correct option is the strictly longest one in more than
    :data:`MAX_LONGEST_HABIT_SHARE` of the bank's single-choice questions (chance, for 4 options, is 25 %).
    """
    single = _single(bank)
    if len(single) < MIN_SINGLE_CHOICE:
        return []
    longest = []
    for q in single:
        lengths = [len(c.text.strip()) for c in q.choices]
        (answer,) = q.correct_indices
        if all(lengths[answer] > n for i, n in enumerate(lengths) if i != answer):
            longest.append(q.id)
    if len(longest) / len(single) <= MAX_LONGEST_HABIT_SHARE:
        return []
    return [Finding(bank.topic, "", "longest-habit",
                    f"always picking the longest option answers {len(longest)} of {len(single)} single-choice "
                    f"questions correctly (at most {MAX_LONGEST_HABIT_SHARE:.0%} allowed): {', '.join(longest)}. "
                    "Shorten some correct options or lengthen distractors.")]


def _hedged(text: str) -> bool:
    return bool(HEDGE_WORDS & set(_WORD.findall(text.lower())))


def lint_hedge_tells(bank: Bank) -> list[Finding]:
    """Flag a bank where the correct option is too often the only hedged one."""
    single = _single(bank)
    if len(single) < MIN_SINGLE_CHOICE:
        return []
    tells = []
    for q in single:
        (answer,) = q.correct_indices
        hedged = [_hedged(c.text) for c in q.choices]
        if hedged[answer] and sum(hedged) == 1:
            tells.append(q.id)
    if len(tells) / len(single) <= MAX_HEDGE_TELL_SHARE:
        return []
    return [Finding(bank.topic, "", "hedge-correct",
                    f"the correct option is the only hedged one in {len(tells)} of {len(single)} single-choice "
                    f"questions (at most {MAX_HEDGE_TELL_SHARE:.0%} allowed): {', '.join(tells)}.")]


def question_tokens(question: Question) -> frozenset[str]:
    """Return the content words of a question's prompt, code and choices (lower case, no stopwords)."""
    text = " ".join([question.prompt, question.code, *(c.text for c in question.choices)]).lower()
    return frozenset(w for w in _WORD.findall(text) if w not in _STOPWORDS and len(w) > 1)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return |a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def lint_near_duplicates(banks: Sequence[Bank]) -> list[Finding]:
    """Flag pairs of questions, in the same bank or across banks, that ask the same thing.

    Two questions are near-duplicates when the Jaccard similarity of their
    :func:`question_tokens` is at least :data:`DUPLICATE_JACCARD`; questions with fewer than
    :data:`MIN_DUPLICATE_TOKENS` content words are not compared.
    """
    items = [(bank, q, question_tokens(q)) for bank in banks for q in bank.questions]
    items = [item for item in items if len(item[2]) >= MIN_DUPLICATE_TOKENS]
    findings = []
    for (bank_a, a, tokens_a), (bank_b, b, tokens_b) in combinations(items, 2):
        similarity = jaccard(tokens_a, tokens_b)
        if similarity >= DUPLICATE_JACCARD:
            findings.append(Finding(bank_b.topic, b.id, "near-duplicate",
                                    f"asks what {bank_a.topic}:{a.id} asks (token overlap {similarity:.2f} ≥ "
                                    f"{DUPLICATE_JACCARD}); keep one, or make them test different points."))
    return findings


def lint_bank(bank: Bank) -> list[Finding]:
    """Run every single-bank rule on ``bank`` (near-duplicates are found across banks by :func:`lint_banks`)."""
    return [
        *lint_answer_positions(bank),
        *lint_multi_correct_first(bank),
        *lint_true_false_balance(bank),
        *lint_length_tells(bank),
        *lint_longest_habit(bank),
        *lint_hedge_tells(bank),
    ]


def lint_banks(banks: Iterable[Bank]) -> list[Finding]:
    """Run every rule on ``banks``: each bank's own rules, then near-duplicates across all of them.

    Args:
        banks: Loaded banks (e.g. from :func:`ortlearn.quiz.load_banks`).

    Returns:
        Every finding, bank by bank, then the near-duplicate pairs; empty when nothing gives
        the answers away.

    Example:
        >>> from ortlearn.quiz.lint import lint_banks
        >>> from ortlearn.quiz import load_banks
        >>> for finding in lint_banks(load_banks()):
        ...     print(finding)
    """
    banks = list(banks)
    return [finding for bank in banks for finding in lint_bank(bank)] + lint_near_duplicates(banks)
