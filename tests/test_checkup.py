from __future__ import annotations

import importlib.metadata as metadata
import subprocess
import sys

import onnxruntime

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
    assert text.splitlines()[-1].startswith("Ready:")
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
