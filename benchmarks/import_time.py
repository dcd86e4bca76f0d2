"""Measure how long `import ortlearn` takes in a fresh interpreter (target: well under 0.5 s).

Usage: .venv/bin/python benchmarks/import_time.py [repeats]
"""

from __future__ import annotations

import statistics
import subprocess
import sys


def main(repeats: int = 10) -> None:
    code = "import time; t = time.perf_counter(); import ortlearn; print(time.perf_counter() - t)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
             for _ in range(repeats)]
    print(f"import ortlearn: median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {repeats} runs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
