"""Set up the course's virtual environment and start JupyterLab, with nothing but Python.

``make lab`` / ``make test`` call this module to build ``.venv``; on Windows
(no ``make``) and anywhere else, the same runs as::

    python -m ortlearn setup     # create .venv, install the course from requirements.lock
    python -m ortlearn lab       # the same if needed, then JupyterLab on lesson 00

from the course folder. It uses the standard library only (it runs under the
Python that creates ``.venv``, before anything is installed).

**Which PyTorch.** PyPI's ``torch`` for Linux is the CUDA build (about 4.7 GB
with its NVIDIA libraries); this course runs on the CPU, so on Linux x86_64
and aarch64 torch comes from PyTorch's CPU wheel index
(:data:`CPU_INDEX`, as pytorch.org's install selector gives for "CPU"), about
0.75 GB. If that index cannot be reached, setup says so in one line and uses
whatever index pip is configured with. ``--torch cuda`` (``make lab
TORCH=cuda``) takes PyPI's CUDA build on Linux; ``--torch-index URL``
(``TORCH_INDEX=URL``) takes torch from any other index, e.g. a CUDA one from
pytorch.org's selector. On macOS and Windows PyPI's torch is CPU-only and is
used as it is.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only in annotations, so that an old Python still gets to check_python's message
    #: Returns None when the URL answers, else a short reason why not.
    Probe = Callable[[str], str | None]

__all__ = [
    "CPU_INDEX", "SetupError", "TorchRoute", "choose_torch_route", "install_commands", "lab_command", "main",
    "probe_index", "venv_python",
]

#: PyTorch's CPU-only wheel index (pytorch.org's selector: Stable, Linux, Pip, Python, CPU).
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: The Python versions the course is tested with (pyproject.toml's requires-python), oldest and newest.
OLDEST_PYTHON: tuple[int, int] = (3, 11)
NEWEST_PYTHON: tuple[int, int] = (3, 13)
#: Linux machines for which PyTorch's CPU index has wheels.
CPU_INDEX_MACHINES = frozenset({"x86_64", "amd64", "aarch64", "arm64"})
#: Seconds to wait for an index to answer before falling back.
PROBE_TIMEOUT_S = 5.0
#: Marks a finished install; make's $(STAMP) has the same name.
STAMP_NAME = ".ortlearn-installed"
#: Approximate sizes measured on Linux x86_64 (README, "Install size and time").
SIZE_CPU = "about 1.8 GB for .venv"
SIZE_CUDA = "about 5.5 GB for .venv, 4.7 GB of it torch and its NVIDIA libraries"

ROOT = Path(__file__).resolve().parents[1]


class SetupError(Exception):
    """Setup cannot go on; the message says what was expected, what was found, and what to do."""


@dataclass(frozen=True)
class TorchRoute:
    """Where torch is installed from, and what to tell the learner about it.

    Attributes:
        index_url: The index to install torch from, or None for whatever pip
            is configured with (PyPI unless the machine says otherwise).
        message: One line for the learner: the route, its size, how to change it.
        fallback: True when the CPU index was wanted but could not be reached.
    """

    index_url: str | None
    message: str
    fallback: bool = False


def probe_index(url: str, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Ask a package index for torch's page; say why not when it does not answer.

    Args:
        url: A pip index URL (``https://…/simple``-style, or ``file://``).
        timeout: Seconds to wait.

    Returns:
        None when the index answered, else the reason (e.g. a DNS error).
    """
    target = url.rstrip("/") + "/torch/"
    if target.startswith("file://"):
        path = Path(urllib.request.url2pathname(target[len("file://"):]))
        return None if path.exists() else f"{path} does not exist"
    request = urllib.request.Request(target, method="HEAD", headers={"User-Agent": "ortlearn-setup"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} from {target}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


def choose_torch_route(
    system: str, machine: str, torch: str = "cpu", index: str = "", probe: Probe = probe_index
) -> TorchRoute:
    """Decide where torch comes from.

    Args:
        system: ``platform.system()``: ``"Linux"``, ``"Darwin"``, ``"Windows"``.
        machine: ``platform.machine()``, e.g. ``"x86_64"`` or ``"aarch64"``.
        torch: ``"cpu"`` (the default) or ``"cuda"`` (make's ``TORCH=``).
        index: An index URL that overrides both (make's ``TORCH_INDEX=``); empty for none.
        probe: Checks that an index answers (tests pass a fake).

    Returns:
        The route, with the line to print.

    Raises:
        SetupError: ``torch`` is neither cpu nor cuda, the CUDA build was asked for
            where PyPI has none, or ``index`` does not answer.
    """
    torch = torch.strip().lower()
    if torch not in ("cpu", "cuda"):
        raise SetupError(f"TORCH={torch!r} is not a choice: expected 'cpu' (the default) or 'cuda'; "
                         "for another build pass TORCH_INDEX=<index URL from pytorch.org's selector>.")
    if index.strip():
        url = index.strip()
        problem = probe(url)
        if problem is not None:
            raise SetupError(f"TORCH_INDEX={url} does not answer ({problem}). Expected a pip index such as "
                             f"{CPU_INDEX}; check the address and your network, or leave TORCH_INDEX empty "
                             "for the default route.")
        return TorchRoute(url, f"torch: from {url} (TORCH_INDEX).")
    linux = system == "Linux"
    if torch == "cuda":
        if linux:
            return TorchRoute(None, f"torch: the CUDA build from pip's index (TORCH=cuda; {SIZE_CUDA}).")
        if system == "Darwin":
            raise SetupError("TORCH=cuda: PyTorch has no CUDA build for macOS (it uses the Apple GPU through MPS, "
                             "which the CPU build already includes). Leave TORCH at cpu.")
        raise SetupError(f"TORCH=cuda: PyPI's torch for {system} is CPU-only. For CUDA, pass TORCH_INDEX=<the "
                         "index URL pytorch.org's install selector gives for your CUDA version>, e.g. "
                         "https://download.pytorch.org/whl/cu130.")
    if not linux:
        return TorchRoute(None, f"torch: PyPI's build, which is CPU-only on {system}.")
    if machine.lower() not in CPU_INDEX_MACHINES:
        return TorchRoute(None, f"torch: from pip's index ({CPU_INDEX} has no wheels for Linux {machine}).")
    problem = probe(CPU_INDEX)
    if problem is None:
        return TorchRoute(CPU_INDEX, f"torch: the CPU build from {CPU_INDEX} ({SIZE_CPU}; TORCH=cuda for the "
                                     "CUDA build).")
    return TorchRoute(
        None,
        f"torch: {CPU_INDEX} cannot be reached ({problem}); installing torch from pip's configured index "
        "instead, which on Linux is usually PyPI's CUDA build: .venv grows to about 5.5 GB instead of 1.8 GB "
        "(`ortlearn doctor` will say how to switch).",
        fallback=True,
    )


def venv_python(venv: Path, os_name: str = os.name) -> Path:
    """The Python inside a virtual environment (``Scripts\\python.exe`` on Windows)."""
    return venv / "Scripts" / "python.exe" if os_name == "nt" else venv / "bin" / "python"


def venv_script(venv: Path, name: str, os_name: str = os.name) -> Path:
    """A console script inside a virtual environment (``Scripts\\name.exe`` on Windows)."""
    return venv / "Scripts" / f"{name}.exe" if os_name == "nt" else venv / "bin" / name


def locked_torch(lock: Path) -> str:
    """The ``torch==…`` pin in the lock.

    Raises:
        SetupError: The lock has no torch pin.
    """
    for line in lock.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].split(";", 1)[0].strip()
        if requirement.replace(" ", "").lower().startswith("torch=="):
            return requirement.replace(" ", "")
    raise SetupError(f"{lock} has no `torch==VERSION` line; expected the exact torch version the course is "
                     "tested with. Restore the file from git (`git checkout requirements.lock`).")


def install_commands(python: Path, route: TorchRoute, lock: Path, torch_pin: str) -> list[list[str]]:
    """The pip commands that install the course into a virtual environment.

    torch goes first, on its own and without its dependencies, from the
    route's index; everything else then comes from pip's index at the lock's
    versions, and pip keeps the torch it finds (``2.13.0+cpu`` satisfies
    ``torch==2.13.0``).

    Args:
        python: The virtual environment's Python.
        route: Where torch comes from.
        lock: requirements.lock, used as constraints.
        torch_pin: ``torch==VERSION`` from the lock.

    Returns:
        One argument list per command, in order.
    """
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    commands = [pip + ["--upgrade", "pip"]]
    if route.index_url is not None:
        commands.append(pip + ["--no-deps", "--index-url", route.index_url, torch_pin])
    commands.append(pip + ["-c", str(lock), "-e", ".[test]"])
    return commands


def lab_command(venv: Path, port: int, extra: Sequence[str] = (), os_name: str = os.name,
                is_root: bool | None = None) -> list[str]:
    """The JupyterLab command line that ``make lab`` runs, for this OS.

    Args:
        venv: The course's virtual environment.
        port: The port to serve on (127.0.0.1 only).
        extra: More JupyterLab options (make's ``LAB_ARGS``).
        os_name: ``os.name`` (``"nt"`` on Windows).
        is_root: Whether this is the root user (JupyterLab refuses root without
            ``--allow-root``); None asks the OS.
    """
    if is_root is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    command = [str(venv_script(venv, "jupyter", os_name)), "lab", "--ip=127.0.0.1", f"--port={port}"]
    if is_root:
        command.append("--allow-root")
    return command + list(extra) + ["lessons/00_start_here.ipynb"]


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3]), executable: str = sys.executable) -> None:
    """Refuse a Python the course is not tested with.

    Raises:
        SetupError: Older than :data:`OLDEST_PYTHON` or newer than :data:`NEWEST_PYTHON`.
    """
    found = ".".join(str(v) for v in version)
    wanted = f"{OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]} to {NEWEST_PYTHON[0]}.{NEWEST_PYTHON[1]}"
    if tuple(version[:2]) < OLDEST_PYTHON or tuple(version[:2]) > NEWEST_PYTHON:
        raise SetupError(f"Python {found} ({executable}) cannot run the course: it needs Python {wanted} "
                         "(requirements.lock has wheels for exactly those). Install one and run "
                         f"`make lab PYTHON=python{NEWEST_PYTHON[0]}.{NEWEST_PYTHON[1]}` "
                         f"(without make: `py -{NEWEST_PYTHON[0]}.{NEWEST_PYTHON[1]} -m ortlearn lab`).")


def is_up_to_date(venv: Path, root: Path = ROOT, os_name: str = os.name) -> bool:
    """True when ``venv`` was set up after pyproject.toml and requirements.lock last changed (as make decides)."""
    stamp = venv / STAMP_NAME
    if not stamp.exists() or not venv_python(venv, os_name).exists():
        return False
    built = stamp.stat().st_mtime
    return all((root / name).stat().st_mtime <= built for name in ("pyproject.toml", "requirements.lock"))


def _size(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def _run(command: Sequence[str], cwd: Path) -> None:
    print("+ " + " ".join(command), flush=True)
    result = subprocess.run(list(command), cwd=cwd, check=False)
    if result.returncode != 0:
        raise SetupError(f"This command failed with exit status {result.returncode}: {' '.join(command)}\n"
                         "Its output above says why; fix that and run the same setup command again "
                         "(pip keeps what is already installed).")


def setup(venv: Path, torch: str = "cpu", torch_index: str = "", root: Path = ROOT,
          probe: Probe = probe_index, run: Callable[[Sequence[str], Path], None] = _run) -> None:
    """Create ``venv`` if needed and install the course into it from the lock.

    Args:
        venv: Where the virtual environment goes (relative paths are under ``root``).
        torch: ``"cpu"`` or ``"cuda"``.
        torch_index: An index URL for torch, overriding ``torch``.
        root: The course folder (holds pyproject.toml and requirements.lock).
        probe: Checks that an index answers.
        run: Runs one command in ``root`` (tests pass a recorder).

    Raises:
        SetupError: The Python is unsupported, venv is unavailable, or a step failed.
    """
    if not (root / "pyproject.toml").exists():
        raise SetupError(f"Expected the course folder (with pyproject.toml) at {root}; run setup from a clone "
                         "of the course repository.")
    check_python()
    venv = venv if venv.is_absolute() else root / venv
    lock = root / "requirements.lock"
    torch_pin = locked_torch(lock)
    route = choose_torch_route(platform.system(), platform.machine(), torch, torch_index, probe)
    print(route.message, flush=True)
    started = time.monotonic()
    python = venv_python(venv)
    if not python.exists():
        if venv.exists():
            print(f"{venv} exists but has no {python.name}: recreating it.", flush=True)
        run([sys.executable, "-m", "venv", "--clear", str(venv)], root)
        if not python.exists():
            raise SetupError(f"`{sys.executable} -m venv` did not create {python}. On Debian/Ubuntu install "
                             "the venv module (`sudo apt-get install python3-venv`), delete the folder and retry.")
    (venv / STAMP_NAME).unlink(missing_ok=True)
    for command in install_commands(python, route, lock, torch_pin):
        run(command, root)
    (venv / STAMP_NAME).write_text(route.message + "\n", encoding="utf-8")
    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    fallback = f" torch came from pip's configured index: {CPU_INDEX} was not reachable." if route.fallback else ""
    print(f"Installed in {minutes}m{seconds:02d}s; {venv.name} takes {_size(venv) / 1e9:.1f} GB.{fallback}",
          flush=True)


def lab(venv: Path, port: int, extra: Sequence[str] = (), torch: str = "cpu", torch_index: str = "",
        root: Path = ROOT) -> int:
    """Set up ``venv`` if it is missing or stale, then run JupyterLab on lesson 00 until it stops.

    Returns:
        JupyterLab's exit status.
    """
    venv = venv if venv.is_absolute() else root / venv
    if not is_up_to_date(venv, root):
        setup(venv, torch, torch_index, root)
    command = lab_command(venv, port, extra)
    print("+ " + " ".join(command), flush=True)
    try:
        return subprocess.run(command, cwd=root, check=False).returncode
    except KeyboardInterrupt:
        return 0


def add_arguments(parser: argparse.ArgumentParser, lab_options: bool) -> None:
    """The options of ``ortlearn setup`` (and, with ``lab_options``, ``ortlearn lab``)."""
    parser.add_argument("--venv", type=Path, default=Path(".venv"),
                        help="the virtual environment folder (default: .venv in the course folder)")
    parser.add_argument("--torch", choices=("cpu", "cuda"), default="cpu",
                        help="cpu (default: PyTorch's CPU index on Linux) or cuda (PyPI's CUDA build on Linux)")
    parser.add_argument("--torch-index", default="", metavar="URL",
                        help="install torch from this index instead (overrides --torch)")
    if lab_options:
        parser.add_argument("--port", type=int, default=8888,
                            help="serve JupyterLab on 127.0.0.1:PORT (default 8888)")
        parser.add_argument("lab_args", nargs=argparse.REMAINDER, metavar="-- JUPYTER_OPTIONS",
                            help="more JupyterLab options after --, e.g. -- --no-browser")


def run_setup(args: argparse.Namespace) -> int:
    """``ortlearn setup``: print a SetupError's message instead of a traceback."""
    try:
        setup(args.venv, args.torch, args.torch_index)
    except SetupError as exc:
        print(f"ortlearn setup: {exc}", file=sys.stderr)
        return 1
    return 0


def run_lab(args: argparse.Namespace) -> int:
    """``ortlearn lab``: set up if needed, then run JupyterLab."""
    extra = [a for a in args.lab_args if a != "--"]
    try:
        return lab(args.venv, args.port, extra, args.torch, args.torch_index)
    except SetupError as exc:
        print(f"ortlearn lab: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ortlearn.bootstrap setup|lab …`` (what ``python -m ortlearn setup|lab`` runs)."""
    parser = argparse.ArgumentParser(prog="python -m ortlearn.bootstrap", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_arguments(commands.add_parser("setup", help="create the virtual environment and install the course"), False)
    add_arguments(commands.add_parser("lab", help="set up if needed, then start JupyterLab on lesson 00"), True)
    args = parser.parse_args(argv)
    return run_setup(args) if args.command == "setup" else run_lab(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
