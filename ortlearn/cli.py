"""The ``ortlearn`` command line.

``ortlearn doctor`` prints the setup report and exits 1 when something the
course needs is missing.

``ortlearn quiz …`` works with the question banks in a terminal:

- ``ortlearn quiz validate [PATH ...] [--verify]`` checks banks (default: all of
  them), prints every problem and exits 1 if there is any; ``--verify`` also
  runs each question's ``verify:`` snippet against the installed stack.
- ``ortlearn quiz take TOPIC [--seed N] [--no-save]`` asks a bank's questions.
- ``ortlearn quiz list`` lists the banks with their question counts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortlearn.quiz.questions import Bank

__all__ = ["main", "make_parser"]


def _doctor(_: argparse.Namespace) -> int:
    from ortlearn.checkup import describe_setup

    report = describe_setup()
    print(report)
    return 0 if report.ok else 1


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _quiz_validate(args: argparse.Namespace) -> int:
    from ortlearn.quiz.bank import QuestionBankError, banks_dir, check_banks, load_bank

    sources = list(args.paths) or sorted(banks_dir().glob("*.yaml"))
    if not sources:
        print(f"No question banks (*.yaml) in {banks_dir()}.")
        return 1
    banks: list[Bank] = []
    problems: list[str] = []
    for source in sources:
        try:
            banks.append(load_bank(source))
        except QuestionBankError as exc:
            problems.extend(exc.problems)
        except FileNotFoundError as exc:
            problems.append(str(exc))
    try:
        check_banks(banks)
    except QuestionBankError as exc:
        problems.extend(exc.problems)
    if args.verify:
        problems.extend(_run_verify_snippets(banks))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{_plural(len(problems), 'problem')} found.")
        return 1
    questions = sum(len(bank.questions) for bank in banks)
    print(f"{_plural(len(banks), 'bank')}, {_plural(questions, 'question')}: all valid.")
    return 0


def _run_verify_snippets(banks: Sequence[Bank]) -> list[str]:
    """Run every ``verify:`` snippet in its own temporary folder; return one line per failure."""
    from ortlearn.quiz.bank import format_path
    from ortlearn.quiz.verify import VerifyError, run_verify

    problems: list[str] = []
    ran = 0
    for bank in banks:
        for question in bank.questions:
            if not question.verify.strip():
                continue
            ran += 1
            with tempfile.TemporaryDirectory(prefix="ortlearn-verify-") as workdir:
                try:
                    run_verify(question, Path(workdir))
                except VerifyError as exc:
                    problems.append(f"{format_path(bank.path)}: question {question.id!r}: field 'verify': {exc}")
    print(f"verify: ran {_plural(ran, 'snippet')}, {len(problems)} failed.")
    return problems


def _quiz_take(args: argparse.Namespace) -> int:
    from ortlearn.quiz.bank import QuestionBankError, load_bank
    from ortlearn.quiz.store import ResultStore
    from ortlearn.quiz.terminal import take

    try:
        bank = load_bank(args.topic)
    except (FileNotFoundError, QuestionBankError) as exc:
        print(exc, file=sys.stderr)
        return 1
    store = None if args.no_save else ResultStore()
    take(bank, store=store, shuffle_seed=args.seed)
    return 0


def _quiz_list(_: argparse.Namespace) -> int:
    from ortlearn.quiz.bank import QuestionBankError, banks_dir, load_banks
    from ortlearn.quiz.questions import DIFFICULTIES

    try:
        banks = load_banks()
    except QuestionBankError as exc:
        print(exc, file=sys.stderr)
        print("Run `ortlearn quiz validate` for details.", file=sys.stderr)
        return 1
    if not banks:
        print(f"No question banks (*.yaml) in {banks_dir()}.")
        return 0
    width = max(len(bank.topic) for bank in banks)
    title_width = max(len(bank.title) for bank in banks)
    for bank in banks:
        counts = ", ".join(
            f"{level} {sum(1 for q in bank.questions if q.difficulty == level)}" for level in DIFFICULTIES
        )
        print(f"{bank.topic:<{width}}  {bank.title:<{title_width}}  {_plural(len(bank), 'question')} ({counts})")
    return 0


def _add_quiz_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    quiz = commands.add_parser("quiz", help="validate, take or list the question banks")
    quiz_commands = quiz.add_subparsers(dest="quiz_command", metavar="QUIZ_COMMAND", required=True)

    validate = quiz_commands.add_parser("validate", help="check question banks against the schema")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="bank files or topics (default: every bank)")
    validate.add_argument("--verify", action="store_true", help="also run every question's verify: snippet")
    validate.set_defaults(run=_quiz_validate)

    take = quiz_commands.add_parser("take", help="answer a bank's questions in this terminal")
    take.add_argument("topic", metavar="TOPIC", help="a bank's topic, e.g. 02_sessions, or a .yaml path")
    take.add_argument("--seed", type=int, default=None, help="shuffle the choices with this seed")
    take.add_argument("--no-save", action="store_true", help="do not record the answers in the results file")
    take.set_defaults(run=_quiz_take)

    listing = quiz_commands.add_parser("list", help="list the banks and their question counts")
    listing.set_defaults(run=_quiz_list)
    # `ortlearn quiz export` (to other quiz formats) will be added here.


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser (one sub-command per task)."""
    parser = argparse.ArgumentParser(
        prog="ortlearn", description="Helpers for the ortlearn ONNX Runtime course."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    doctor = commands.add_parser("doctor", help="check that this machine is ready for the course")
    doctor.set_defaults(run=_doctor)
    _add_quiz_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = make_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
