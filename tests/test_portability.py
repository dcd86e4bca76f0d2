"""scripts/cpu_level.py and `make portable`: notebooks re-proven under older CPU instruction sets."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "cpu_level.py"


@pytest.fixture(scope="module")
def cpu_level():
    spec = importlib.util.spec_from_file_location("cpu_level", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_each_level_sets_every_kernel_knob(cpu_level):
    knobs = {"ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS", "NPY_DISABLE_CPU_FEATURES",
             "OPENBLAS_CORETYPE"}
    assert set(cpu_level.LEVELS) == {"avx2", "baseline"}
    for level, env in cpu_level.LEVELS.items():
        assert set(env) == knobs, level
    assert cpu_level.LEVELS["baseline"]["ATEN_CPU_CAPABILITY"] == "default"
    assert "X86_V3" in cpu_level.LEVELS["baseline"]["NPY_DISABLE_CPU_FEATURES"]


def test_only_levels_below_the_native_one_are_listed(cpu_level, monkeypatch):
    for native, expected in [("avx512", "avx2 baseline"), ("avx2", "baseline"), ("baseline", ""), ("other", "")]:
        monkeypatch.setattr(cpu_level, "native_level", lambda native=native: native)
        listed = [level for level in cpu_level.LEVELS if cpu_level._below(level, cpu_level.native_level())]
        assert " ".join(listed) == expected, native


def test_the_command_runs_with_the_level_applied():
    native = _run("--list").stdout.split()
    if "baseline" not in native:
        pytest.skip("this CPU has no older x86-64 level to emulate")
    probe = ("import os, torch; print(os.environ['NPY_DISABLE_CPU_FEATURES']); "
             "print(torch.backends.cpu.get_cpu_capability())")
    out = _run("baseline", "--", sys.executable, "-c", probe)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("cpu_level: running with baseline kernels: ATEN_CPU_CAPABILITY=default")
    assert lines[-1] == "DEFAULT"  # torch really switched to its baseline kernels


def test_a_level_at_or_above_native_is_skipped_with_a_reason(cpu_level, monkeypatch, capsys):
    monkeypatch.setattr(cpu_level, "native_level", lambda: "baseline")
    assert cpu_level.main(["avx2", "--", "false"]) == 0
    assert "skipping 'avx2'" in capsys.readouterr().out


def test_bad_usage_exits_2_with_the_usage_line():
    out = _run("sse2", "--", "true")
    assert out.returncode == 2 and "usage: python scripts/cpu_level.py {avx2,baseline}" in out.stderr


def _make_dry_run(*args: str) -> str:
    # Drop what a make running these tests (`make test PYTHON=… VENV=…` in .ci/run) exports, to see the defaults.
    outer = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON", "VENV", "TORCH", "TORCH_INDEX", "CPU_LEVELS")
    env = {key: value for key, value in os.environ.items() if key not in outer}
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True, env=env).stdout


def test_make_portable_runs_nbval_once_per_level():
    out = _make_dry_run("portable", "CPU_LEVELS=avx2 baseline")
    assert "for level in avx2 baseline" in out
    assert "scripts/cpu_level.py $level -- .venv/bin/python -m pytest lessons quizzes --nbval " in out
    assert "--nbval-sanitize-with nbval_sanitize.cfg" in out


def test_make_unit_leaves_out_slow_and_browser_tests():
    out = _make_dry_run("unit")
    assert '-m "not slow and not browser"' in out
