"""Run a command as if on an older CPU: every float-kernel knob set to one instruction-set level.

Usage:
    python scripts/cpu_level.py LEVEL -- COMMAND [ARGS...]
    python scripts/cpu_level.py --list

``make portable`` uses it to re-run every notebook under nbval at each level below
this machine's, so the stored outputs are proven to hold on older CPUs too, not
only on the one they were recorded on.

What each level sets (the knobs that choose float kernels in this stack), avx2 / baseline:

- torch's ATen kernels: ``ATEN_CPU_CAPABILITY`` = ``avx2`` / ``default``
- oneDNN (torch's convolutions): ``ONEDNN_MAX_CPU_ISA`` = ``AVX2`` / ``SSE41``
- MKL (torch's BLAS): ``MKL_ENABLE_INSTRUCTIONS`` = ``AVX2`` / ``SSE4_2``
- numpy's own SIMD dispatch: ``NPY_DISABLE_CPU_FEATURES`` = the AVX-512 targets / those and ``X86_V3`` (AVX2, FMA)
- OpenBLAS (numpy's BLAS): ``OPENBLAS_CORETYPE`` = ``Haswell`` / ``Nehalem``

``avx2`` stands for most laptops and desktops of the last ten years (Intel Haswell
and later without AVX-512, AMD Zen 1–3); ``baseline`` for x86-64-v2 machines (SSE4.2,
no AVX) and, roughly, for code paths without wide vectors. Native runs cover this
machine (AVX-512 here: Intel Xeon servers, AMD Zen 4).

What this cannot emulate: ONNX Runtime's own kernels (MLAS) choose their code path
from the CPU at run time and have no switch, so ORT always runs natively; ARM64
(Apple silicon, Graviton, Raspberry Pi) runs different kernels altogether. The
course's outputs are written so that such differences cannot show (verdicts against
a tolerance, or a precision the noise cannot reach), and the reference weights of
the digits CNN are shipped rather than trained per machine (``ol.zoo.load_digits_cnn``).
"""

from __future__ import annotations

import os
import platform
import sys

LEVELS: dict[str, dict[str, str]] = {
    "avx2": {
        "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_CORETYPE": "Haswell",
    },
    "baseline": {
        "ATEN_CPU_CAPABILITY": "default",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_CORETYPE": "Nehalem",
    },
}

_ORDER = ["baseline", "avx2", "avx512"]


def native_level() -> str:
    """The highest level this CPU runs natively: ``avx512``, ``avx2``, ``baseline``, or ``other`` (not x86-64)."""
    if platform.machine().lower() not in {"x86_64", "amd64"}:
        return "other"
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "")
    except OSError:
        return "avx2"  # not Linux: assume a recent x86-64 and let torch's own detection decide
    words = set(flags.split())
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= words:
        return "avx512"
    if {"avx2", "fma"} <= words:
        return "avx2"
    return "baseline"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--list"]:
        native = native_level()
        print(" ".join(level for level in LEVELS if _below(level, native)))
        return 0
    if len(argv) < 3 or argv[1] != "--" or argv[0] not in LEVELS:
        print(f"usage: python scripts/cpu_level.py {{{','.join(LEVELS)}}} -- COMMAND [ARGS...]  |  --list",
              file=sys.stderr)
        return 2
    level, command = argv[0], argv[2:]
    native = native_level()
    if not _below(level, native):
        print(f"cpu_level: skipping '{level}': this CPU's native level is '{native}', so '{level}' is not an "
              f"older instruction set here (only levels below the native one can be emulated).")
        return 0
    env = dict(os.environ, **LEVELS[level])
    print(f"cpu_level: running with {level} kernels: " + " ".join(f"{k}={v}" for k, v in LEVELS[level].items()),
          flush=True)
    os.execvpe(command[0], command, env)
    return 1  # not reached


def _below(level: str, native: str) -> bool:
    return native in _ORDER and _ORDER.index(level) < _ORDER.index(native)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
