"""The ``ortlearn`` command line.

``ortlearn doctor`` prints the setup report and exits 1 when something the
course needs is missing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _doctor(_: argparse.Namespace) -> int:
    from ortlearn.checkup import describe_setup

    report = describe_setup()
    print(report)
    return 0 if report.ok else 1


def make_parser() -> argparse.ArgumentParser:
    """Build the argument parser (one sub-command per task)."""
    parser = argparse.ArgumentParser(
        prog="ortlearn", description="Helpers for the ortlearn ONNX Runtime course."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    doctor = commands.add_parser("doctor", help="check that this machine is ready for the course")
    doctor.set_defaults(run=_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = make_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
