"""The ``ortlearn`` command line.

``ortlearn doctor`` prints the setup report and exits 1 when something the
course needs is missing.

``python -m ortlearn setup`` and ``python -m ortlearn lab`` (run from the
course folder with any Python 3.11-3.13, before anything is installed) do
what ``make venv`` and ``make lab`` do, without ``make`` (Windows): create
``.venv``, install the course from requirements.lock with the CPU build of
PyTorch, and start JupyterLab on lesson 00 (see :mod:`ortlearn.bootstrap`).

``ortlearn quiz …`` works with the question banks in a terminal:

- ``ortlearn quiz validate [PATH ...] [--verify]`` checks banks (default: all of
  them) against the schema and for answer tells (:mod:`ortlearn.quiz.lint`),
  prints every problem and exits 1 if there is any. Checking never runs
  a bank's code; ``--verify`` does: it executes each question's ``verify:``
  snippet (Python, with your rights), so use it only on banks you trust.
- ``ortlearn quiz take TOPIC [--seed N | --bank-order] [--no-save]`` asks a bank's
  questions; choices are shuffled per learner unless a seed (or ``$ORTLEARN_QUIZ_SEED``)
  fixes one order for a class, or ``--bank-order`` keeps the file's order.
- ``ortlearn quiz list`` lists the banks with their question counts.
- ``ortlearn quiz export --format gift|html [--output DIR] [TOPIC_OR_PATH ...]``
  writes ``<topic>.gift.txt`` (Moodle GIFT) or ``<topic>.html`` (a
  self-contained self-study page; its answer key is in the page) for each bank
  (default: all of them) into ``DIR`` (default ``quizzes/export`` under the
  current folder), each file atomically.
- ``ortlearn quiz results [--csv] [--path FILE ...] [--recover]`` prints saved
  results as a table or CSV, questions and checked exercises alike (the ``kind``
  column: ``question``, ``exercise``, or ``solution`` for an exercise's viewed
  solution). ``--path`` may be repeated to merge files collected
  from learners; the ``learner`` column is the name of the file's folder, or the
  file's stem when the file is called something else than ``results.json``
  (``alice/results.json`` and ``alice.json`` both give ``alice``). Learners
  write these files themselves: text from them is printed without control
  characters, CSV cells that a spreadsheet would run as a formula get a leading
  ``'``, and the exit code is 1 when a file could not be read. ``--recover``
  merges the ``results.json.corrupt-N`` files that saving moved aside back in.

Output into a closed pipe (``ortlearn quiz list | head -1``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ortlearn._files import write_atomic
from ortlearn.quiz.render import format_markdown_text, strip_control_characters

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
    from ortlearn.quiz.bank import banks_dir, collect_banks

    sources = list(args.paths) or sorted(banks_dir().glob("*.yaml"))
    if not sources:
        print(f"No question banks (*.yaml) in {banks_dir()}.")
        return 1
    banks, found = collect_banks(sources)
    problems = list(found)
    from ortlearn.quiz.lint import lint_banks  # answer tells (position, length, True/False habit, duplicates)

    problems.extend(str(finding) for finding in lint_banks(banks))
    if args.verify:
        snippets = sum(1 for bank in banks for question in bank.questions if question.verify.strip())
        print(f"verify: executing the Python of {_plural(snippets, 'verify: snippet')} as you "
              f"(only do this with banks you trust).")
        problems.extend(_run_verify_snippets(banks))
    for problem in problems:
        print(strip_control_characters(problem))
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
    except (OSError, QuestionBankError) as exc:
        print(strip_control_characters(str(exc)), file=sys.stderr)
        return 1
    store = None if args.no_save else ResultStore()
    try:
        take(bank, store=store, seed=_seed(args))
    except ValueError as exc:  # a bad $ORTLEARN_QUIZ_SEED
        print(strip_control_characters(str(exc)), file=sys.stderr)
        return 1
    return 0


def _seed(args: argparse.Namespace) -> int | str | None:
    """``--seed N`` → N; ``--bank-order`` → None (the file's order); neither → ``"learner"``."""
    if args.bank_order:
        return None
    return "learner" if args.seed is None else args.seed


def _quiz_list(_: argparse.Namespace) -> int:
    from ortlearn.quiz.bank import QuestionBankError, banks_dir, load_banks
    from ortlearn.quiz.questions import DIFFICULTIES

    try:
        banks = load_banks()
    except (QuestionBankError, OSError) as exc:  # OSError: a dangling link or a folder named *.yaml
        print(strip_control_characters(str(exc)), file=sys.stderr)
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
        title = format_markdown_text(bank.title, inline=True).replace("\n", " ")
        print(f"{bank.topic:<{width}}  {title:<{title_width}}  {_plural(len(bank), 'question')} ({counts})")
    return 0


_EXPORT_SUFFIXES = {"gift": ".gift.txt", "html": ".html"}


def _quiz_export(args: argparse.Namespace) -> int:
    from ortlearn.quiz.bank import TOPIC_PATTERN, QuestionBankError, load_banks

    try:
        banks = load_banks(list(args.paths) or None)
    except (OSError, QuestionBankError) as exc:
        print(strip_control_characters(str(exc)), file=sys.stderr)
        return 1
    if not banks:
        print("No question banks to export.", file=sys.stderr)
        return 1
    if args.format == "gift":
        if args.seed is not None or args.bank_order:
            print("--seed and --bank-order apply to --format html only: Moodle shuffles GIFT answers itself "
                  "(and `pin` has no GIFT field).", file=sys.stderr)
            return 1
        from ortlearn.quiz.gift import format_gift as render
    else:
        from ortlearn.quiz.html_page import format_html

        def render(bank: Bank) -> str:
            return format_html(bank, seed=_seed(args))
    output = Path(args.output)
    try:
        output.mkdir(parents=True, exist_ok=True)
        for bank in banks:
            target = output / f"{bank.topic}{_EXPORT_SUFFIXES[args.format]}"
            if not TOPIC_PATTERN.fullmatch(bank.topic) or target.parent.resolve() != output.resolve():
                print(f"Refusing to export {bank.topic!r}: a topic must be a plain file stem, so that the export "
                      f"stays in {output}.", file=sys.stderr)
                return 1
            write_atomic(target, render(bank))
            print(f"wrote {target} ({_plural(len(bank), 'question')})")
    except OSError as exc:
        print(f"Could not write the export to {output}: {exc}", file=sys.stderr)
        return 1
    return 0


#: ``kind`` comes last, so that scripts reading the earlier columns by position keep working.
_RESULT_COLUMNS = ("learner", "topic", "question_id", "answered", "correct", "attempts", "seconds", "kind")


def _kind(item_id: str) -> str:
    """``question`` for a bank question, ``exercise`` for a checked exercise (``ex-…``), ``solution`` for a viewed
    exercise solution (``ex-…-solution``)."""
    if item_id.startswith("ex-"):
        return "solution" if item_id.endswith("-solution") else "exercise"
    return "question"


def _learner_name(path: Path) -> str:
    """``alice/results.json`` → ``alice``; ``bob.json`` → ``bob``."""
    from ortlearn.quiz.store import RESULTS_FILE

    if path.name == RESULTS_FILE and path.parent.name:
        return path.parent.resolve().name if path.parent.name in (".", "..") else path.parent.name
    return path.stem


#: A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading ``'`` before a formula character."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _quiz_results(args: argparse.Namespace) -> int:
    from ortlearn.quiz.store import default_results_path, read_results_file, recover_results

    paths = [Path(p) for p in args.paths] if args.paths else [default_results_path()]
    if args.recover:
        return _recover(paths, recover_results)
    rows: list[tuple[str, ...]] = []
    failed = 0
    for path in paths:
        shown = strip_control_characters(str(path))
        if not path.is_file():
            print(f"No results file at {shown}.", file=sys.stderr)
            failed += 1
            continue
        problems: list[str] = []
        try:
            records = read_results_file(path, problems=problems)
        except (OSError, ValueError) as exc:
            print(f"Could not read results from {shown}: {strip_control_characters(str(exc))}. Expected a results.json "
                  f"written by ortlearn's quizzes; the file was left as it is.", file=sys.stderr)
            failed += 1
            continue
        for problem in problems:
            print(f"{shown}: left out a damaged entry: {strip_control_characters(problem)}", file=sys.stderr)
        learner = strip_control_characters(_learner_name(path))
        for record in records:
            rows.append((
                learner, record.topic, record.question_id, str(record.answered).lower(),
                str(record.correct).lower(), str(record.attempts), f"{record.seconds:g}", _kind(record.question_id),
            ))
    status = 1 if failed and args.paths else 0
    if not rows:
        if not status:
            print("No quiz results yet: answer a quiz (ol.quiz.show or `ortlearn quiz take TOPIC`) or check an "
                  "exercise (ol.exercises) first.")
        return status
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(_RESULT_COLUMNS)
        writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
        return status
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(_RESULT_COLUMNS)]
    print("  ".join(column.ljust(width) for column, width in zip(_RESULT_COLUMNS, widths)).rstrip())
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return status


def _recover(paths: Sequence[Path], recover: Callable[[Path], tuple[int, list[Path]]]) -> int:
    status = 0
    for path in paths:
        try:
            count, sources = recover(path)
        except (OSError, ValueError) as exc:
            print(f"Could not recover results into {path}: {strip_control_characters(str(exc))}", file=sys.stderr)
            status = 1
            continue
        if not sources:
            print(f"Nothing to recover next to {path}: no {path.name}.corrupt-N files.")
            continue
        names = ", ".join(source.name for source in sources)
        print(f"Recovered {_plural(count, 'answer record')} from {names} into {path} "
              f"(each renamed to *.recovered-N).")
    return status


def _add_order_options(parser: argparse.ArgumentParser, where: str = "default: shuffled per learner") -> None:
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--seed", type=int, default=None, metavar="N",
                       help=f"one choice order for everyone using N, e.g. a class ({where}; "
                            "$ORTLEARN_QUIZ_SEED does the same)")
    order.add_argument("--bank-order", action="store_true", help="keep the choices in the bank file's order")


def _add_quiz_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    quiz = commands.add_parser("quiz", help="validate, take or list the question banks")
    quiz_commands = quiz.add_subparsers(dest="quiz_command", metavar="QUIZ_COMMAND", required=True)

    validate = quiz_commands.add_parser("validate", help="check question banks against the schema")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="bank files or topics (default: every bank)")
    validate.add_argument("--verify", action="store_true",
                          help="also EXECUTE every question's verify: snippet: this runs the bank's Python code as "
                               "you, with your files and network; use it only on banks you trust (see README, "
                               "'Reviewing a bank you were sent')")
    validate.set_defaults(run=_quiz_validate)

    take = quiz_commands.add_parser("take", help="answer a bank's questions in this terminal")
    take.add_argument("topic", metavar="TOPIC", help="a bank's topic, e.g. 02_sessions, or a .yaml path")
    _add_order_options(take)
    take.add_argument("--no-save", action="store_true", help="do not record the answers in the results file")
    take.set_defaults(run=_quiz_take)

    listing = quiz_commands.add_parser("list", help="list the banks and their question counts")
    listing.set_defaults(run=_quiz_list)

    export = quiz_commands.add_parser("export", help="write banks as Moodle GIFT or self-contained HTML pages")
    export.add_argument("--format", required=True, choices=sorted(_EXPORT_SUFFIXES), help="gift or html")
    export.add_argument("--output", default=str(Path("quizzes") / "export"), metavar="DIR",
                        help="folder to write into (default: quizzes/export, created if needed)")
    export.add_argument("paths", nargs="*", metavar="TOPIC_OR_PATH", help="topics or bank files (default: every bank)")
    _add_order_options(export, where="html only; default: each browser shuffles with its own kept seed")
    export.set_defaults(run=_quiz_export)

    results = quiz_commands.add_parser("results", help="print saved quiz results as a table or CSV")
    results.add_argument("--csv", action="store_true", help="print CSV (learner,topic,question_id,...)")
    results.add_argument("--path", dest="paths", action="append", metavar="FILE",
                         help="a results file; repeat to merge several learners' files (default: your own). "
                              "Learners write these files themselves: use them to see practice, not to grade")
    results.add_argument("--recover", action="store_true",
                         help="merge the results.json.corrupt-N files that saving moved aside back into the file")
    results.set_defaults(run=_quiz_results)


def _add_setup_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ortlearn import bootstrap

    setup = commands.add_parser("setup", help="create .venv and install the course (what `make venv` does)")
    bootstrap.add_arguments(setup, lab_options=False)
    setup.set_defaults(run=bootstrap.run_setup)
    lab = commands.add_parser("lab", help="set up .venv if needed, then start JupyterLab on lesson 00 (`make lab`)")
    bootstrap.add_arguments(lab, lab_options=True)
    lab.set_defaults(run=bootstrap.run_lab)


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser (one sub-command per task)."""
    parser = argparse.ArgumentParser(
        prog="ortlearn", description="Helpers for the ortlearn ONNX Runtime course."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    doctor = commands.add_parser("doctor", help="check that this machine is ready for the course")
    doctor.set_defaults(run=_doctor)
    _add_setup_commands(commands)
    _add_quiz_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Output into a closed pipe (``ortlearn quiz list | head -1``) ends quietly with 141 (128 + SIGPIPE).
    """
    args = make_parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # Python would try to flush stdout again at exit and print a second error: point it at devnull.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
