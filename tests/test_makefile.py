"""`make lab PORT=…` really serves JupyterLab on 127.0.0.1:PORT (the README's first command)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_serves_jupyterlab_on_the_requested_port():
    if not (Path(sys.prefix) / ".ortlearn-installed").exists():
        pytest.skip("run through `make test`, which installs the course's venv first")
    # Under `make test VENV=.venv-py313`, make passes VENV to this nested make through MAKEFLAGS.
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(ROOT / ".pytest_cache" / "jupyter-config")}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}", "LAB_ARGS=--no-browser"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as response:
                    version = json.load(response)["version"]
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    pytest.fail(f"JupyterLab did not serve on port {port}:\n{output[-2000:]}")
                time.sleep(0.5)
        assert version
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_make_lab_dry_run_opens_lesson_00_on_localhost():
    out = subprocess.run(["make", "-n", "lab", "PORT=9321"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "--ip=127.0.0.1 --port=9321" in out
    assert "lessons/00_start_here.ipynb" in out


def _dry_run(*args: str) -> str:
    # A make that runs these tests (`make test PYTHON=…` in .ci/run) exports its command-line variables: drop them,
    # so the dry run shows the Makefile's own defaults.
    outer = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON", "VENV", "TORCH", "TORCH_INDEX", "CPU_LEVELS")
    env = {key: value for key, value in os.environ.items() if key not in outer}
    return subprocess.run(["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True, check=True,
                          env=env).stdout


def test_setup_goes_through_the_bootstrap_with_the_torch_choice():
    out = _dry_run("venv", "PYTHON=python3.13", "VENV=.venv-py313", "TORCH=cuda",
                   "TORCH_INDEX=https://download.pytorch.org/whl/cu130")
    assert ('python3.13 -m ortlearn.bootstrap setup --venv ".venv-py313" --torch "cuda" '
            '--torch-index "https://download.pytorch.org/whl/cu130"') in out


def test_setup_defaults_to_the_cpu_build_in_dot_venv():
    assert 'python3 -m ortlearn.bootstrap setup --venv ".venv" --torch "cpu" --torch-index ""' in _dry_run("venv")


def test_a_second_venv_is_used_by_every_target():
    for target, expected in (("test", ".venv-py313/bin/python -m pytest tests"), ("lab", ".venv-py313/bin/jupyter lab"),
                             ("doctor", ".venv-py313/bin/ortlearn doctor")):
        out = _dry_run(target, "VENV=.venv-py313")
        assert expected in out, f"make {target} VENV=.venv-py313 ran:\n{out}"
        assert " .venv/" not in out
