"""How much does a learner score by habit alone, without reading the questions?

For every bank (in file order, i.e. with shuffling off), this prints what three answering habits
score, next to what random guessing scores:

- **first**: single-choice questions answered with the first option as written in the file;
- **longest**: single-choice questions answered with the longest option (ties: the first of them);
- **False**: true/false questions always answered "False";
- **multi-first**: multi-choice questions answered with the first option alone (right only when
  that option is the whole answer);
- **habit**: all choice questions together, answered first option (single and multi choice) and
  "False" (true/false), against **chance**, the expected score of uniform random guessing
  (1/n for single choice, 1/2 for true/false, 1/(2ⁿ−1) for a random non-empty subset of n options).

Numeric questions are excluded: no habit answers them. Each cell reads ``hits/questions = %``.

Usage: .venv/bin/python benchmarks/quiz_guessing.py [BANK.yaml ...]   (default: every bank)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ortlearn.quiz.bank import banks_dir, load_banks
from ortlearn.quiz.questions import Bank, Question


def _longest_index(question: Question) -> int:
    lengths = [len(choice.text) for choice in question.choices]
    return lengths.index(max(lengths))


def _cell(hits: int, total: int) -> str:
    return f"{hits}/{total} = {100 * hits / total:3.0f} %" if total else "–"


def score_habits(bank: Bank) -> dict[str, str]:
    """Return the table row of one bank: each habit's hits, count and rate, and chance."""
    single = [q for q in bank.questions if q.type == "single_choice"]
    true_false = [q for q in bank.questions if q.type == "true_false"]
    multi = [q for q in bank.questions if q.type == "multi_choice"]
    first = sum(q.choices[0].correct for q in single)
    longest = sum(q.choices[_longest_index(q)].correct for q in single)
    false = sum(q.choices[1].correct for q in true_false)
    multi_first = sum(q.correct_indices == {0} for q in multi)
    choice_questions = len(single) + len(true_false) + len(multi)
    habit = first + false + multi_first
    chance = (sum(1 / len(q.choices) for q in single) + 0.5 * len(true_false)
              + sum(1 / (2 ** len(q.choices) - 1) for q in multi))
    return {
        "bank": bank.topic,
        "first": _cell(first, len(single)),
        "longest": _cell(longest, len(single)),
        "False": _cell(false, len(true_false)),
        "multi-first": _cell(multi_first, len(multi)),
        "habit": _cell(habit, choice_questions),
        "chance": f"{100 * chance / choice_questions:3.0f} %" if choice_questions else "–",
    }


def format_table(banks: Sequence[Bank]) -> str:
    """Return a Markdown table with one row per bank and a total row."""
    rows = [score_habits(bank) for bank in banks]
    everything = Bank(topic="all banks", title="", questions=tuple(q for b in banks for q in b.questions))
    rows.append(score_habits(everything))
    columns = list(rows[0])
    widths = [max(len(column), *(len(row[column]) for row in rows)) for column in columns]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(row[c].ljust(w) for c, w in zip(columns, widths)) + " |" for row in rows]
    return "\n".join(lines)


def main(paths: Sequence[str]) -> None:
    banks = load_banks(list(paths) or sorted(banks_dir().glob("*.yaml")))
    print(format_table(banks))
    print("Numeric questions are excluded. habit = first option (single/multi choice) + 'False' (true/false).")


if __name__ == "__main__":
    main(sys.argv[1:])
