"""Write requirements.lock from ``pip freeze``, and check it has wheels for every supported Python and platform.

``python scripts/lockfile.py merge FREEZE`` prints the new lock: the frozen
pins (local labels such as ``+cpu`` dropped, CUDA-only packages left out),
then the marked block of pins with environment markers, kept from the current
lock as they are (a frozen pin of the same name is dropped).

``python scripts/lockfile.py check`` (``make lock`` runs it after writing the
lock; it needs PyPI, nothing else) checks the lock. For each
Python version and platform it asks pip, in a dry run that downloads no wheel,
whether every pin that applies there (environment markers are honoured for
the target, not for this machine) has a binary wheel on PyPI. pip stops at the
first pin it cannot satisfy, so a failing pin is set aside and the check runs
again until every missing wheel is listed.

pip is run with ``--isolated`` and ``--index-url https://pypi.org/simple`` so
that this machine's pip configuration (local wheel folders, constraints) does
not hide a wheel a learner would miss. torch is checked on PyPI too: PyTorch's
CPU index carries the same versions for the same Pythons.

Exit status: 0 when every pin has its wheels, 1 otherwise (one line per gap).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"

#: The Python versions the course supports (pyproject.toml's requires-python), as pip's
#: --python-version takes them. 3.11.0 and 3.11.5 both appear because some packages need 3.11.5.
PYTHONS: tuple[str, ...] = ("3.11.0", "3.11.5", "3.12", "3.13")

_MANYLINUX = tuple(f"manylinux_2_{minor}" for minor in range(17, 29)) + ("manylinux2014",)
#: Wheel platform tags per learner platform; pip does not expand --platform itself.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "linux-x86_64": tuple(f"{tag}_x86_64" for tag in _MANYLINUX),
    "linux-aarch64": tuple(f"{tag}_aarch64" for tag in _MANYLINUX),
    "windows-amd64": ("win_amd64",),
    "macos-arm64": tuple(f"macosx_{major}_0_{arch}" for major in range(11, 16) for arch in ("arm64", "universal2"))
    + tuple(f"macosx_10_{minor}_universal2" for minor in range(9, 16)),
}
#: What each platform name means for environment markers in the lock.
MARKER_ENV: dict[str, dict[str, str]] = {
    "linux-x86_64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"},
    "linux-aarch64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64"},
    "windows-amd64": {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"},
    "macos-arm64": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
}

#: The line that opens the block of hand-kept pins with environment markers.
MARKED_BLOCK = "# --- Pins with environment markers"
#: Packages only the CUDA build of torch needs; never pinned (the course installs the CPU build).
CUDA_ONLY_PREFIXES = ("nvidia-", "cuda-", "triton")
HEADER = (
    "# Exact versions that `make` installs: Python 3.11-3.13 on Linux, macOS and Windows; torch is the CPU build.\n"
    "# Regenerate with `make lock` (pyproject.toml keeps the ranges for users elsewhere); it re-pins every line\n"
    "# above the marked block and keeps the block, whose pins scripts/lockfile.py check proved necessary.\n"
)

_NOT_FOUND = re.compile(r"Could not find a version that satisfies the requirement ([A-Za-z0-9_.\-]+)")

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def pins_for(lock_text: str, python: str, platform: str) -> list[str]:
    """The lock's requirement lines that apply to one Python version and platform.

    Args:
        lock_text: The text of requirements.lock.
        python: A version as pip's ``--python-version`` takes it, e.g. ``"3.11.0"``.
        platform: A key of :data:`PLATFORMS`.

    Returns:
        The pins (markers removed) whose marker is true there, in file order.
    """
    from packaging.markers import Marker

    parts = [int(p) for p in python.split(".")] + [0, 0]
    env = {
        **MARKER_ENV[platform],
        "python_version": f"{parts[0]}.{parts[1]}",
        "python_full_version": f"{parts[0]}.{parts[1]}.{parts[2]}",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "os_name": "nt" if platform.startswith("windows") else "posix",
    }
    pins = []
    for line in lock_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate(env):
            continue
        pins.append(requirement.strip())
    return pins


def pip_command(requirements: Path, python: str, platform: str) -> list[str]:
    """The pip dry run that checks one requirements file for one Python and platform."""
    command = [
        sys.executable, "-m", "pip", "install", "--isolated", "--dry-run", "--quiet", "--ignore-installed",
        "--no-deps", "--only-binary=:all:", "--index-url", "https://pypi.org/simple",
        "--python-version", python, "--target", str(requirements.parent / "target"),
    ]
    for tag in PLATFORMS[platform]:
        command += ["--platform", tag]
    return command + ["-r", str(requirements)]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def missing_wheels(pins: Sequence[str], python: str, platform: str, run: Runner = _run) -> list[str]:
    """The pins that have no wheel for ``python`` on ``platform``.

    Args:
        pins: Requirement lines such as ``"numpy==2.4.6"``.
        python: A version as pip's ``--python-version`` takes it.
        platform: A key of :data:`PLATFORMS`.
        run: Runs a command and returns the completed process (tests pass a fake).

    Returns:
        The pins pip could not satisfy; empty when all are there.

    Raises:
        RuntimeError: pip failed for a reason other than a missing wheel
            (no network, a malformed pin); the message carries pip's output.
    """
    remaining = list(pins)
    missing: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ortlearn-lockcheck-") as tmp:
        requirements = Path(tmp) / "pins.txt"
        while remaining:
            requirements.write_text("\n".join(remaining) + "\n", encoding="utf-8")
            result = run(pip_command(requirements, python, platform))
            if result.returncode == 0:
                break
            match = _NOT_FOUND.search(result.stderr)
            if not match:
                raise RuntimeError(
                    f"pip failed while checking Python {python} on {platform}, and not because a wheel is "
                    f"missing (expected 'Could not find a version ...'); pip said:\n{result.stderr.strip()}"
                )
            name = _canonical(match[1])
            failing = [pin for pin in remaining if _canonical(re.split(r"[=<>!~ ]", pin, maxsplit=1)[0]) == name]
            if not failing:
                raise RuntimeError(f"pip could not find {match[1]}, which is not pinned in the lock:\n{result.stderr}")
            missing += failing
            remaining = [pin for pin in remaining if pin not in failing]
    return missing


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def merge(freeze_text: str, lock_text: str) -> str:
    """The new lock: ``pip freeze`` output, then the current lock's marked block.

    Args:
        freeze_text: What ``pip freeze --exclude-editable`` printed.
        lock_text: The current requirements.lock.

    Returns:
        The text of the new lock.
    """
    start = lock_text.find(MARKED_BLOCK)
    block = lock_text[start:] if start >= 0 else ""
    kept = {_canonical(line.split(";")[0].split("==")[0].strip())
            for line in block.splitlines() if line.strip() and not line.startswith("#")}
    pins = []
    for line in freeze_text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-e")):
            continue
        name, _, version = line.partition("==")
        if _canonical(name) in kept or _canonical(name).startswith(CUDA_ONLY_PREFIXES):
            continue
        pins.append(f"{name}=={version.split('+', 1)[0]}")
    return HEADER + "\n".join(pins) + "\n" + (("\n" + block.rstrip("\n") + "\n") if block else "")


def check(lock: Path, pythons: Sequence[str], platforms: Sequence[str], run: Runner = _run) -> int:
    """Print one line per (Python, platform); return the number of pins without a wheel."""
    lock_text = lock.read_text(encoding="utf-8")
    gaps = 0
    for platform in platforms:
        for python in pythons:
            pins = pins_for(lock_text, python, platform)
            missing = missing_wheels(pins, python, platform, run)
            status = "ok" if not missing else "NO WHEEL for " + ", ".join(missing)
            print(f"Python {python:<6} {platform:<14} {len(pins)} pins: {status}", flush=True)
            gaps += len(missing)
    if gaps:
        print(f"{gaps} pin(s) lack a wheel. Pin a version that has one with an environment marker "
              "(e.g. `soupsieve==2.10 ; python_full_version < \"3.11.5\"`) in the marked block of the lock, "
              "or narrow requires-python in pyproject.toml.")
    return gaps


def main(argv: Sequence[str] | None = None) -> int:
    """``merge FREEZE`` prints the new lock; ``check`` checks the lock's wheels (exit 1 on a gap)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    merging = commands.add_parser("merge", help="print the new lock from pip freeze output ('-' reads stdin)")
    merging.add_argument("freeze", help="a file with pip freeze output, or - for stdin")
    merging.add_argument("--lock", type=Path, default=LOCK, help="the current lock (default: requirements.lock)")
    checking = commands.add_parser("check", help="check that every pin has wheels everywhere")
    checking.add_argument("--lock", type=Path, default=LOCK, help="the lock file (default: requirements.lock)")
    checking.add_argument("--python", dest="pythons", action="append", metavar="X.Y[.Z]",
                          help=f"a Python version to check (repeatable; default: {' '.join(PYTHONS)})")
    checking.add_argument("--platform", dest="platforms", action="append", choices=sorted(PLATFORMS),
                          help="a platform to check (repeatable; default: all)")
    args = parser.parse_args(argv)
    if args.command == "merge":
        freeze = sys.stdin.read() if args.freeze == "-" else Path(args.freeze).read_text(encoding="utf-8")
        sys.stdout.write(merge(freeze, args.lock.read_text(encoding="utf-8")))
        return 0
    return 1 if check(args.lock, args.pythons or list(PYTHONS), args.platforms or list(PLATFORMS)) else 0


if __name__ == "__main__":
    sys.exit(main())
