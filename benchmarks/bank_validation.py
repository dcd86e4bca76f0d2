"""Measure how long validating a 10,000-question bank takes (the reliability probe's finding 17).

Generates a bank of N questions (default 10,000: about 3.5 MB of YAML) in a temporary
folder, then times ``ortlearn quiz validate`` on it in a fresh interpreter, and the YAML
parse alone with the loader banks use (``yaml.CSafeLoader`` where PyYAML has libyaml) and
with the pure-Python ``yaml.SafeLoader`` for comparison.

Usage: .venv/bin/python benchmarks/bank_validation.py [questions]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

QUESTION = """  - id: q-{n}
    type: single_choice
    difficulty: {difficulty}
    prompt: |
      Question {n}: what does `session.run(None, feeds)` return when the model has **one** output?
    code: |
      outputs = session.run(None, {{"x": x}})
      print(type(outputs), len(outputs))
    choices:
      - text: "`list` of numpy arrays"
        correct: true
        feedback: One entry per requested output, in order.
      - text: "`numpy.ndarray`"
        feedback: That is what you get after indexing `outputs[0]`.
        mistake: output-is-array
      - text: "`dict` from output name to array"
        mistake: output-is-dict
    hint: Look at how the outputs are indexed in the next line.
    explanation: |
      `run` returns one entry per requested output, in order, as a list.
"""


def make_bank(path: Path, questions: int) -> None:
    levels = ("easy", "medium", "hard")
    body = "".join(QUESTION.format(n=n, difficulty=levels[n % 3]) for n in range(questions))
    path.write_text(f"topic: big\ntitle: A big generated bank\nquestions:\n{body}", encoding="utf-8")


def main(questions: int = 10_000) -> None:
    with tempfile.TemporaryDirectory(prefix="ortlearn-bench-") as folder:
        path = Path(folder) / "big.yaml"
        make_bank(path, questions)
        size = path.stat().st_size / 2**20
        text = path.read_text(encoding="utf-8")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "ortlearn", "quiz", "validate", str(path)],
                              capture_output=True, text=True)
        validate = time.perf_counter() - start
        print(f"bank: {questions:,} questions, {size:.1f} MiB")
        print(f"ortlearn quiz validate (fresh interpreter, all checks): {validate:.2f} s -> {done.stdout.strip()}")
        for name in ("CSafeLoader", "SafeLoader"):
            loader = getattr(yaml, name, None)
            if loader is None:
                print(f"yaml.{name}: not available in this PyYAML")
                continue
            start = time.perf_counter()
            yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, named explicitly
            print(f"YAML parse alone with yaml.{name}: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
