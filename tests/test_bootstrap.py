"""ortlearn.bootstrap: the torch route, the commands setup would run, and the lab command per OS (no network, no install)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from ortlearn import bootstrap
from ortlearn.bootstrap import CPU_INDEX, SetupError, TorchRoute, choose_torch_route
from ortlearn.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _reachable(url: str) -> str | None:
    return None


def _unreachable(url: str) -> str | None:
    return "gaierror: [Errno -2] Name or service not known"


def _must_not_probe(url: str) -> str | None:
    raise AssertionError(f"probed {url} although this route needs no index")


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_linux_gets_the_cpu_index_when_it_answers(machine):
    probed: list[str] = []
    route = choose_torch_route("Linux", machine, probe=lambda url: probed.append(url))
    assert route.index_url == CPU_INDEX and not route.fallback
    assert probed == [CPU_INDEX]
    assert CPU_INDEX in route.message and "TORCH=cuda" in route.message


def test_linux_falls_back_to_pips_index_and_says_so_with_the_size():
    route = choose_torch_route("Linux", "x86_64", probe=_unreachable)
    assert route.index_url is None and route.fallback
    assert "\n" not in route.message
    assert "cannot be reached (gaierror" in route.message
    assert "CUDA build" in route.message and "5.5 GB" in route.message and "1.8 GB" in route.message


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_macos_and_windows_use_pypi_which_is_cpu_only_there(system):
    route = choose_torch_route(system, "arm64" if system == "Darwin" else "AMD64", probe=_must_not_probe)
    assert route == TorchRoute(None, f"torch: PyPI's build, which is CPU-only on {system}.")


def test_linux_on_an_arch_without_cpu_wheels_uses_pips_index():
    route = choose_torch_route("Linux", "ppc64le", probe=_must_not_probe)
    assert route.index_url is None and not route.fallback
    assert "ppc64le" in route.message


def test_torch_cuda_on_linux_takes_pypis_build_without_probing():
    route = choose_torch_route("Linux", "x86_64", torch="cuda", probe=_must_not_probe)
    assert route.index_url is None and not route.fallback
    assert "TORCH=cuda" in route.message


@pytest.mark.parametrize(("system", "expected"), [("Darwin", "no CUDA build for macOS"),
                                                  ("Windows", "TORCH_INDEX=")])
def test_torch_cuda_where_pypi_has_none_says_what_to_do(system, expected):
    with pytest.raises(SetupError, match=expected):
        choose_torch_route(system, "x86_64", torch="cuda", probe=_must_not_probe)


def test_torch_index_overrides_torch_and_platform():
    url = "https://download.pytorch.org/whl/cu130"
    probed: list[str] = []
    route = choose_torch_route("Windows", "AMD64", torch="cpu", index=f" {url} ", probe=lambda u: probed.append(u))
    assert route.index_url == url and probed == [url]
    assert "TORCH_INDEX" in route.message


def test_unreachable_torch_index_is_an_error_not_a_silent_fallback():
    with pytest.raises(SetupError, match=r"TORCH_INDEX=https://example.invalid/simple does not answer \(gaierror"):
        choose_torch_route("Linux", "x86_64", index="https://example.invalid/simple", probe=_unreachable)


def test_unknown_torch_choice_is_rejected_with_the_choices():
    with pytest.raises(SetupError, match="TORCH='rocm' is not a choice: expected 'cpu'"):
        choose_torch_route("Linux", "x86_64", torch="rocm", probe=_must_not_probe)


def test_probe_reads_a_file_index(tmp_path):
    (tmp_path / "torch").mkdir()
    assert bootstrap.probe_index(tmp_path.as_uri()) is None
    assert "does not exist" in (bootstrap.probe_index((tmp_path / "missing").as_uri()) or "")


def test_probe_reports_an_unresolvable_host_quickly():
    reason = bootstrap.probe_index("https://ortlearn-no-such-host.invalid/whl/cpu", timeout=2)
    assert reason is not None


@pytest.mark.parametrize(("os_name", "python", "jupyter"), [
    ("posix", Path(".venv/bin/python"), Path(".venv/bin/jupyter")),
    ("nt", Path(".venv/Scripts/python.exe"), Path(".venv/Scripts/jupyter.exe")),
])
def test_venv_paths_per_os(os_name, python, jupyter):
    assert bootstrap.venv_python(Path(".venv"), os_name) == python
    assert bootstrap.venv_script(Path(".venv"), "jupyter", os_name) == jupyter


def test_lab_command_matches_make_lab():
    command = bootstrap.lab_command(Path(".venv"), 9321, ["--no-browser"], os_name="posix", is_root=True)
    assert command == [str(Path(".venv/bin/jupyter")), "lab", "--ip=127.0.0.1", "--port=9321", "--allow-root",
                       "--no-browser", "lessons/00_start_here.ipynb"]
    windows = bootstrap.lab_command(Path(".venv"), 8888, os_name="nt", is_root=False)
    assert windows[0].endswith("jupyter.exe") and "--allow-root" not in windows


def test_install_commands_put_torch_first_from_the_index_without_deps():
    python, lock = Path("/c/.venv/bin/python"), Path("/c/requirements.lock")
    commands = bootstrap.install_commands(python, TorchRoute(CPU_INDEX, ""), lock, "torch==2.13.0")
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    assert commands == [
        pip + ["--upgrade", "pip"],
        pip + ["--no-deps", "--index-url", CPU_INDEX, "torch==2.13.0"],
        pip + ["-c", str(lock), "-e", ".[test]"],
    ]
    fallback = bootstrap.install_commands(python, TorchRoute(None, "", fallback=True), lock, "torch==2.13.0")
    assert len(fallback) == 2 and not any("--index-url" in c for c in fallback)
    assert fallback[-1][-4:] == ["-c", str(lock), "-e", ".[test]"]


def test_locked_torch_reads_the_real_lock():
    assert bootstrap.locked_torch(ROOT / "requirements.lock") == "torch==2.13.0"


def test_locked_torch_without_a_pin_says_how_to_fix(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("numpy==2.4.6\n")
    with pytest.raises(SetupError, match="has no `torch==VERSION` line.*git checkout requirements.lock"):
        bootstrap.locked_torch(lock)


@pytest.mark.parametrize("version", [(3, 10, 13), (3, 14, 0)])
def test_unsupported_python_is_refused_with_the_supported_range(version):
    with pytest.raises(SetupError, match=r"needs Python 3\.11 to 3\.13.*PYTHON=python3\.13"):
        bootstrap.check_python(version, "/usr/bin/python3")


def test_supported_range_matches_requires_python():
    requires = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    oldest, newest = bootstrap.OLDEST_PYTHON, bootstrap.NEWEST_PYTHON
    assert f"{oldest[0]}.{oldest[1]}.0" in requires and f"{newest[0]}.{newest[1]}.99" in requires
    assert f"{oldest[0]}.{oldest[1] - 1}.99" not in requires and f"{newest[0]}.{newest[1] + 1}.0" not in requires


def _fake_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    for name in ("pyproject.toml", "requirements.lock"):
        (root / name).write_text((ROOT / name).read_text())
    return root


def test_setup_runs_venv_then_pip_and_writes_the_stamp(tmp_path, monkeypatch, capsys):
    root = _fake_course(tmp_path)
    monkeypatch.setattr(bootstrap.platform, "system", lambda: "Linux")
    monkeypatch.setattr(bootstrap.platform, "machine", lambda: "x86_64")
    ran: list[list[str]] = []

    def run(command: Sequence[str], cwd: Path) -> None:
        ran.append(list(command))
        assert cwd == root
        if command[1:3] == ["-m", "venv"]:  # what `python -m venv` would leave behind
            python = bootstrap.venv_python(Path(command[-1]))
            python.parent.mkdir(parents=True)
            python.touch()

    bootstrap.setup(Path(".venv-test"), root=root, probe=_reachable, run=run)
    venv = root / ".venv-test"
    assert ran[0] == [sys.executable, "-m", "venv", "--clear", str(venv)]
    assert [CPU_INDEX, "torch==2.13.0"] == ran[2][-2:]
    assert ran[3][-4:] == ["-c", str(root / "requirements.lock"), "-e", ".[test]"]
    assert CPU_INDEX in (venv / bootstrap.STAMP_NAME).read_text()
    assert bootstrap.is_up_to_date(venv, root)
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"torch: the CPU build from {CPU_INDEX}")
    assert "Installed in " in out

    os.utime(root / "requirements.lock", (9e9, 9e9))  # the lock changed after the install
    assert not bootstrap.is_up_to_date(venv, root)


def test_failed_step_removes_nothing_and_says_how_to_resume(tmp_path, monkeypatch):
    root = _fake_course(tmp_path)
    venv = root / ".venv"
    python = bootstrap.venv_python(venv)
    python.parent.mkdir(parents=True)
    python.touch()

    def fail(command: Sequence[str], cwd: Path) -> None:
        bootstrap._run([sys.executable, "-c", "raise SystemExit(3)"], cwd)

    with pytest.raises(SetupError, match="(?s)failed with exit status 3.*run the same setup command again"):
        bootstrap.setup(venv, root=root, probe=_unreachable, run=fail)
    assert python.exists() and not (venv / bootstrap.STAMP_NAME).exists()


def test_setup_outside_a_course_folder_says_where_it_looked(tmp_path):
    with pytest.raises(SetupError, match=f"Expected the course folder .with pyproject.toml. at {tmp_path}"):
        bootstrap.setup(Path(".venv"), root=tmp_path, probe=_must_not_probe, run=lambda c, d: None)


def test_cli_setup_turns_a_setup_error_into_a_message_and_exit_1(monkeypatch, capsys):
    def refuse(*args: object, **kwargs: object) -> None:
        raise SetupError("TORCH='x' is not a choice")

    monkeypatch.setattr(bootstrap, "setup", refuse)
    assert main(["setup", "--torch", "cuda", "--venv", ".venv-x"]) == 1
    assert capsys.readouterr().err == "ortlearn setup: TORCH='x' is not a choice\n"


def test_cli_lab_passes_port_and_jupyter_options(monkeypatch):
    seen: dict[str, object] = {}

    def fake_lab(venv: Path, port: int, extra: Sequence[str], torch: str, torch_index: str) -> int:
        seen.update(venv=venv, port=port, extra=list(extra), torch=torch, torch_index=torch_index)
        return 0

    monkeypatch.setattr(bootstrap, "lab", fake_lab)
    assert main(["lab", "--port", "9999", "--", "--no-browser"]) == 0
    assert seen == {"venv": Path(".venv"), "port": 9999, "extra": ["--no-browser"], "torch": "cpu", "torch_index": ""}


def test_bootstrap_runs_under_a_bare_python_from_the_course_folder():
    """`python -m ortlearn setup --help` must work before anything is installed: no third-party import."""
    code = (f"import sys, runpy; sys.path.insert(0, {str(ROOT)!r}); sys.argv = ['ortlearn', 'setup', '--help']\n"
            "try:\n    runpy.run_module('ortlearn', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'numpy', 'onnx', 'onnxruntime', 'torch', "
            "'yaml', 'packaging', 'pip'})\nprint('THIRD-PARTY', bad)")
    result = subprocess.run([sys.executable, "-I", "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "--torch-index URL" in result.stdout
    assert "THIRD-PARTY []" in result.stdout
