"""The three places that list packages must agree: pyproject.toml, environment.yml, requirements.lock.

The lock is one file for Python 3.11-3.13 on Linux, macOS and Windows: a few pins carry environment
markers (scripts/lockfile.py proves which), and .ci/run tests the oldest and the newest Python.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pyproject_requirements() -> dict[str, str]:
    project = _pyproject()["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["test"]
    return {canonicalize_name(Requirement(line).name): str(Requirement(line).specifier) for line in lines}


def _environment_requirements() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip: section"
    packages, editable = {}, []
    for line in pip_sections[0]:
        if line.startswith("-e"):
            editable.append(line)
            continue
        req = Requirement(line)
        packages[canonicalize_name(req.name)] = str(req.specifier)
    return packages, editable


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject() -> None:
    env_packages, _ = _environment_requirements()
    assert env_packages == _pyproject_requirements()


def test_environment_yml_installs_the_course_itself() -> None:
    _, editable = _environment_requirements()
    assert editable == ["-e ."]


def test_environment_yml_python_satisfies_requires_python() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    version = python.split("=", 1)[1]
    from packaging.specifiers import SpecifierSet

    assert version in SpecifierSet(_pyproject()["project"]["requires-python"])


def _load_lockfile_script():
    spec = importlib.util.spec_from_file_location("lockfile", ROOT / "scripts" / "lockfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lockfile = _load_lockfile_script()
LOCK_TEXT = (ROOT / "requirements.lock").read_text()


def _pins(lines: list[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert match, f"requirements.lock line is not an exact pin: {line!r}"
        name = canonicalize_name(match[1])
        assert name not in pins, f"{name} is pinned twice for the same Python and platform"
        pins[name] = match[2]
    return pins


def _lock() -> dict[str, str]:
    """The pins that apply to this interpreter and platform."""
    from packaging.markers import Marker

    lines = []
    for line in LOCK_TEXT.splitlines():
        line = line.split("#", 1)[0].strip()
        requirement, _, marker = line.partition(";")
        if requirement and (not marker.strip() or Marker(marker.strip()).evaluate()):
            lines.append(requirement.strip())
    return _pins(lines)


def test_every_lock_line_is_an_exact_pin_and_markers_only_in_the_marked_block() -> None:
    above, _, block = LOCK_TEXT.partition(lockfile.MARKED_BLOCK)
    assert block, f"requirements.lock lost its marked block ({lockfile.MARKED_BLOCK!r})"
    for line in above.splitlines():
        assert ";" not in line.split("#", 1)[0], f"a pin with a marker belongs in the marked block: {line!r}"
    for line in LOCK_TEXT.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^\s;+]*(\s*;\s*.+)?", line), f"not an exact pin: {line!r}"


@pytest.mark.parametrize("platform", sorted(lockfile.PLATFORMS))
@pytest.mark.parametrize("python", lockfile.PYTHONS)
def test_lock_pins_every_direct_dependency_inside_its_range(python: str, platform: str) -> None:
    from packaging.specifiers import SpecifierSet

    pins = _pins(lockfile.pins_for(LOCK_TEXT, python, platform))
    for name, specifier in _pyproject_requirements().items():
        assert name in pins, f"{name} is in pyproject.toml but not pinned for Python {python} on {platform}"
        assert SpecifierSet(specifier).contains(pins[name]), f"{name}=={pins[name]} is outside {specifier}"


def test_lock_pins_no_cuda_only_package() -> None:
    cuda = [name for name in _pins(lockfile.pins_for(LOCK_TEXT, "3.13", "linux-x86_64"))
            if name.startswith(lockfile.CUDA_ONLY_PREFIXES)]
    assert cuda == [], f"the course installs the CPU build of torch; remove {cuda} from requirements.lock"


def test_lockfile_checks_exactly_the_pythons_requires_python_allows() -> None:
    from packaging.specifiers import SpecifierSet

    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    minors = sorted({tuple(map(int, v.split(".")[:2])) for v in lockfile.PYTHONS})
    assert all(f"{major}.{minor}.0" in requires for major, minor in minors)
    oldest, newest = minors[0], minors[-1]
    assert f"{oldest[0]}.{oldest[1] - 1}.99" not in requires and f"{newest[0]}.{newest[1] + 1}.0" not in requires
    classifiers = [c.rsplit(" :: ", 1)[1] for c in _pyproject()["project"]["classifiers"]
                   if c.startswith("Programming Language :: Python :: 3.")]
    assert classifiers == [f"{major}.{minor}" for major, minor in minors]


def test_ci_runs_make_test_on_the_oldest_and_newest_python_in_separate_venvs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    minors = sorted({tuple(map(int, v.split(".")[:2])) for v in lockfile.PYTHONS})
    assert f"find_python {minors[0][0]}.{minors[0][1]}" in ci and f"find_python {minors[-1][0]}.{minors[-1][1]}" in ci
    runs = re.findall(r"^time make test (.*)$", ci, flags=re.M)
    assert runs == ['PYTHON="$OLDEST"', f'PYTHON="$NEWEST" VENV=.venv-py{minors[-1][0]}{minors[-1][1]}'], runs


def test_marked_pins_differ_where_the_checker_found_gaps() -> None:
    pins = {(python, platform): _pins(lockfile.pins_for(LOCK_TEXT, python, platform))
            for python in lockfile.PYTHONS for platform in lockfile.PLATFORMS}
    assert pins[("3.11.0", "linux-x86_64")]["soupsieve"] != pins[("3.11.5", "linux-x86_64")]["soupsieve"]
    assert pins[("3.13", "windows-amd64")]["onnxruntime-extensions"] != pins[("3.13", "linux-x86_64")][
        "onnxruntime-extensions"]


def test_merge_repins_from_freeze_keeps_the_marked_block_and_drops_cuda_and_local_labels() -> None:
    freeze = "numpy==2.5.0\ntorch==2.13.0+cpu\nnvidia-cublas==13.1\ntriton==3.7.1\ncuda-bindings==13.5\n" \
             "soupsieve==4.2.0\n-e git+https://example/ortlearn#egg=ortlearn\n"
    merged = lockfile.merge(freeze, LOCK_TEXT)
    above, _, block = merged.partition(lockfile.MARKED_BLOCK)
    assert [line for line in above.splitlines() if line and not line.startswith("#")] == ["numpy==2.5.0",
                                                                                           "torch==2.13.0"]
    assert block == LOCK_TEXT.partition(lockfile.MARKED_BLOCK)[2]


def test_missing_wheels_lists_every_gap_one_pip_run_at_a_time() -> None:
    answers = iter([
        (1, "ERROR: Could not find a version that satisfies the requirement soupsieve==4.1.2 (from versions: 2.10)"),
        (1, "ERROR: Could not find a version that satisfies the requirement onnxruntime_extensions==0.15.2"),
        (0, ""),
    ])
    seen: list[str] = []

    def run(command: list[str]) -> subprocess.CompletedProcess[str]:
        seen.append(Path(command[-1]).read_text())
        code, err = next(answers)
        return subprocess.CompletedProcess(command, code, "", err)

    pins = ["numpy==2.4.6", "soupsieve==4.1.2", "onnxruntime_extensions==0.15.2"]
    assert lockfile.missing_wheels(pins, "3.11.0", "windows-amd64", run) == pins[1:]
    assert seen[-1] == "numpy==2.4.6\n"


def test_missing_wheels_reports_other_pip_failures_with_pips_words() -> None:
    def offline(command: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "ERROR: Network is unreachable")

    with pytest.raises(RuntimeError, match="(?s)not because a wheel is missing.*Network is unreachable"):
        lockfile.missing_wheels(["numpy==2.4.6"], "3.13", "linux-x86_64", offline)


def test_pip_check_command_isolates_pip_and_names_every_platform_tag() -> None:
    command = lockfile.pip_command(Path("/tmp/x/pins.txt"), "3.13", "linux-aarch64")
    assert command[:3] == [sys.executable, "-m", "pip"]
    for flag in ("--isolated", "--dry-run", "--no-deps", "--only-binary=:all:"):
        assert flag in command
    tags = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert "manylinux_2_17_aarch64" in tags and "manylinux_2_28_aarch64" in tags


def test_lock_pins_torch_to_the_cpu_build_the_course_is_tested_with() -> None:
    assert _lock()["torch"] == "2.13.0"


def test_installed_versions_match_the_lock() -> None:
    """`make` installs from the lock; a drifted .venv would make notebook outputs drift too."""
    import importlib.metadata as metadata

    for name in ("onnx", "onnxruntime", "onnxscript", "numpy", "torch", "matplotlib", "ipywidgets"):
        installed = metadata.version(name).split("+")[0]
        assert installed == _lock()[name], f"{name}: installed {installed}, lock says {_lock()[name]}; run `make clean test`"


def test_binder_environment_matches_the_root_one_without_the_editable_install():
    root = yaml.safe_load((ROOT / "environment.yml").read_text())
    binder = yaml.safe_load((ROOT / "binder" / "environment.yml").read_text())
    root_pip = next(d["pip"] for d in root["dependencies"] if isinstance(d, dict))
    binder_pip = next(d["pip"] for d in binder["dependencies"] if isinstance(d, dict))
    assert binder_pip == [line for line in root_pip if not line.startswith("-e")]
    assert [d for d in binder["dependencies"] if isinstance(d, str)] == [
        d for d in root["dependencies"] if isinstance(d, str)]


def test_binder_post_build_installs_the_course():
    post_build = ROOT / "binder" / "postBuild"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
    assert "pip install --no-deps -e ." in post_build.read_text()
