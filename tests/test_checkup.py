from __future__ import annotations

import importlib.metadata as metadata
import subprocess
import sys

import onnxruntime
import pytest

import ortlearn
from ortlearn import checkup
from ortlearn.cli import main


def test_doctor_reports_installed_versions_and_providers():
    report = ortlearn.doctor()
    assert report.ok and not report.problems
    versions = {p.name: p.version for p in report.packages}
    assert versions["onnxruntime"] == onnxruntime.__version__
    assert versions["torch"] == metadata.version("torch")
    assert report.providers == tuple(onnxruntime.get_available_providers())
    assert report.cpu_threads >= 1
    text = str(report)
    assert "onnxruntime" in text and "CPUExecutionProvider" in text
    verdict = [line for line in text.splitlines() if not line.startswith("Note: ")][-1]  # notes follow the verdict
    assert verdict.startswith("Ready:")
    assert "<table>" in report._repr_html_()
    assert repr(report) == str(report)


def test_missing_package_is_a_problem_with_a_fix(monkeypatch):
    real = checkup._installed_version
    monkeypatch.setattr(checkup, "_installed_version", lambda name: None if name == "onnxscript" else real(name))
    report = checkup.describe_setup()
    assert not report.ok
    assert report.problems == (
        "onnxscript is missing (torch.onnx.export's default exporter needs it (lesson 04)): run `make lab` "
        "from the course folder, or `pip install onnxscript` in this environment, then restart the kernel.",
    )
    assert "MISSING" in str(report)
    assert "1 problem(s) to fix" in str(report)


def test_missing_optional_package_is_not_a_problem(monkeypatch):
    real = checkup._installed_version
    monkeypatch.setattr(checkup, "_installed_version", lambda name: None if name == "onnxruntime-gpu" else real(name))
    report = checkup.describe_setup()
    assert report.ok
    assert "not installed (optional)" in str(report)


def test_cpu_and_gpu_wheels_side_by_side_are_flagged(monkeypatch):
    monkeypatch.setattr(checkup, "_installed_version", lambda name: "1.0")
    report = checkup.describe_setup()
    assert any("Both onnxruntime and onnxruntime-gpu are installed" in p for p in report.problems)


def test_no_onnxruntime_means_no_providers(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    assert checkup._available_providers() == ()


def test_html_escapes_values(monkeypatch):
    monkeypatch.setattr(checkup, "_available_providers", lambda: ("<Evil>",))
    assert "&lt;Evil&gt;" in checkup.describe_setup()._repr_html_()


def test_cli_doctor_prints_the_report_and_exits_0(capsys):
    assert main(["doctor"]) == 0
    assert "ortlearn doctor" in capsys.readouterr().out


def test_cli_doctor_exits_1_when_something_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(checkup, "_installed_version", lambda name: None)
    assert main(["doctor"]) == 1
    assert "problem(s) to fix" in capsys.readouterr().out


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "ortlearn", "doctor"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Execution providers" in result.stdout


# --- A CUDA build of torch on a machine without a GPU (all with fakes: no GPU, no CUDA build needed) ---

CUDA_SIZES = {"torch": 1_094_000_000, "nvidia-cublas": 597_000_000, "triton": 721_000_000, "cuda-bindings": 33_000_000}


def test_cuda_build_without_gpu_gets_a_note_with_size_and_the_exact_commands():
    build = checkup.TorchBuild(version="2.13.0+cu130", cuda="13.0", gpu=False)
    note = checkup.cuda_torch_note(build, CUDA_SIZES, python="/course/.venv/bin/python")
    assert note is not None
    assert note.startswith("torch 2.13.0+cu130 is a CUDA 13.0 build, but torch finds no NVIDIA GPU here")
    assert "torch and 3 CUDA package(s) take 2.4 GB" in note
    assert ("`/course/.venv/bin/python -m pip uninstall -y torch cuda-bindings nvidia-cublas triton` then "
            "`/course/.venv/bin/python -m pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0`"
            ) in note


@pytest.mark.parametrize("build", [
    None,
    checkup.TorchBuild(version="2.13.0+cpu", cuda=None, gpu=False),
    checkup.TorchBuild(version="2.13.0", cuda="13.0", gpu=True),
])
def test_no_note_for_a_cpu_build_a_used_gpu_or_no_torch(build):
    assert checkup.cuda_torch_note(build, CUDA_SIZES) is None


@pytest.mark.parametrize(("version", "system", "expected"), [
    ("2.13.0+cpu", "Linux", False),      # PyTorch's CPU index
    ("2.13.0", "Linux", True),           # PyPI on Linux: the CUDA build
    ("2.13.0", "Darwin", False),         # PyPI on macOS: CPU only
    ("2.13.0", "Windows", False),        # PyPI on Windows: CPU only
    ("2.13.0+cu130", "Windows", True),   # a CUDA index
    (None, "Linux", False),              # torch missing
])
def test_torch_is_imported_only_when_it_may_be_a_cuda_build(version, system, expected):
    assert checkup._may_be_cuda_build(version, system) is expected


def test_report_shows_the_note_after_the_verdict_and_stays_ok(monkeypatch):
    monkeypatch.setattr(checkup, "_torch_build", lambda: checkup.TorchBuild("2.13.0+cu130", "13.0", False))
    monkeypatch.setattr(checkup, "_cuda_only_distributions", lambda: dict(CUDA_SIZES))
    report = checkup.describe_setup()
    assert report.ok, "a CUDA build works, on the CPU: it is a note, not a problem"
    lines = str(report).splitlines()
    assert lines[-2].startswith("Ready:") and lines[-1].startswith("Note: torch 2.13.0+cu130 is a CUDA 13.0 build")
    assert "<p>Note: torch 2.13.0+cu130" in report._repr_html_()


def test_report_without_notes_is_unchanged(monkeypatch):
    """Lesson 00 stores the doctor's output: a CPU build adds nothing to it."""
    monkeypatch.setattr(checkup, "_torch_build", lambda: None)
    report = checkup.describe_setup()
    assert report.notes == ()
    assert "Note:" not in str(report) and "Note:" not in report._repr_html_()


def test_cuda_only_distributions_sum_record_sizes(monkeypatch, tmp_path):
    class File:
        def __init__(self, size, path=None):
            self.size, self._path = size, path

        def locate(self):
            return self._path

    class Dist:
        def __init__(self, name, files):
            self.metadata, self.files = {"Name": name}, files

    on_disk = tmp_path / "lib.so"
    on_disk.write_bytes(b"x" * 7)
    dists = [Dist("torch", [File(100), File(None, on_disk)]), Dist("nvidia-cublas", [File(50)]),
             Dist("Triton", [File(5)]), Dist("numpy", [File(1000)]), Dist("cuda-bindings", None)]
    monkeypatch.setattr(checkup.metadata, "distributions", lambda: dists)
    assert checkup._cuda_only_distributions() == {"torch": 107, "nvidia-cublas": 50, "triton": 5, "cuda-bindings": 0}


def test_torch_build_reads_the_installed_torch(monkeypatch):
    import torch

    monkeypatch.setattr(checkup, "_installed_version", lambda name: "2.13.0")  # as PyPI's Linux build spells it
    monkeypatch.setattr(checkup.platform, "system", lambda: "Linux")
    build = checkup._torch_build()
    assert build == checkup.TorchBuild(torch.__version__, torch.version.cuda, build.gpu)
    assert build.gpu is (bool(torch.version.cuda) and torch.cuda.is_available())


def test_torch_build_is_none_without_importing_torch_for_a_cpu_label(monkeypatch):
    monkeypatch.setattr(checkup, "_installed_version", lambda name: "2.13.0+cpu")
    monkeypatch.setitem(sys.modules, "torch", None)  # importing torch would raise
    assert checkup._torch_build() is None
