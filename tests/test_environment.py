"""The three places that list packages must agree: pyproject.toml, environment.yml, requirements.lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

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


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert match, f"requirements.lock line is not an exact pin: {line!r}"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_lock_pins_every_direct_dependency_inside_its_range() -> None:
    pins = _lock()
    for name, specifier in _pyproject_requirements().items():
        assert name in pins, f"{name} is in pyproject.toml but not pinned in requirements.lock"
        from packaging.specifiers import SpecifierSet

        assert SpecifierSet(specifier).contains(pins[name]), f"{name}=={pins[name]} is outside {specifier}"


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
