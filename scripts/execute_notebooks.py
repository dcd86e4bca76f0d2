"""Re-execute notebooks in place so their stored outputs match what the pinned stack does.

Usage: python scripts/execute_notebooks.py lessons/01_onnx_format.ipynb [...]
(``make notebooks`` runs it over every lesson and quiz).

Each notebook runs in its own folder with a fresh kernel of this Python, the
same way nbval re-runs it, and is written back only when every cell succeeded
(cells tagged ``raises-exception`` are expected to fail). No per-cell timing
metadata is recorded, so re-executing an unchanged notebook changes nothing
but genuinely varying outputs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from ortlearn._files import write_atomic


def execute(path: Path) -> float:
    """Execute the notebook at ``path`` in place and return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        allow_errors=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    text = nbformat.writes(notebook)
    write_atomic(path, text if text.endswith("\n") else text + "\n")  # never half a notebook
    return elapsed


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: python scripts/execute_notebooks.py NOTEBOOK.ipynb [...]", file=sys.stderr)
        return 2
    for name in paths:
        seconds = execute(Path(name))
        print(f"{seconds:6.1f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
