"""``python -m ortlearn.site [--root DIR] [--output DIR]``: build the course's website (``make site``)."""

from __future__ import annotations

import argparse
import sys

from ortlearn.site.build import build_site


def main(argv: list[str] | None = None) -> int:
    """Build the site; print what was written, the time it took and how to preview it."""
    parser = argparse.ArgumentParser(prog="python -m ortlearn.site", description=__doc__)
    parser.add_argument("--root", default=".", help="the course repository (default: the current folder)")
    parser.add_argument("--output", default="_site", help="where to write the site (default: _site)")
    args = parser.parse_args(argv)
    try:
        report = build_site(args.root, args.output)
    except (OSError, ValueError) as exc:
        print(f"Could not build the site: {exc}", file=sys.stderr)
        return 1
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(report)
    print(f"Preview: python3 -m http.server --bind 127.0.0.1 --directory {args.output} 8000  "
          "(then open http://127.0.0.1:8000/), or `make site-serve`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
