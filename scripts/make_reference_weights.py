"""Retrain the digits CNN and rewrite the reference weights shipped in ortlearn/weights/.

Usage: .venv/bin/python scripts/make_reference_weights.py

Run it only when the network, the data split or the training recipe changes:
every stored notebook output from lesson 05 on depends on these weights, so
re-execute the notebooks afterwards (`make notebooks`). Why the course ships
weights instead of training them everywhere: see ``ortlearn.zoo.load_digits_cnn``.
"""

from __future__ import annotations

import sys

import torch

from ortlearn import zoo


def main() -> int:
    result = zoo.save_reference_weights()
    print(f"wrote {zoo.REFERENCE_WEIGHTS_PATH} ({zoo.REFERENCE_WEIGHTS_PATH.stat().st_size:,} bytes) with "
          f"torch {torch.__version__} on {torch.backends.cpu.get_cpu_capability()} kernels")
    print(repr(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
