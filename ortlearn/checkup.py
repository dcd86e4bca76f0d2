"""The setup report behind ``ortlearn.doctor()`` and the ``ortlearn doctor`` command.

It reads versions from package metadata (so checking for torch does not import
torch), asks ONNX Runtime which execution providers this build has, counts CPU
threads, and for anything missing says what to install.

Introduced in lessons/00_start_here.ipynb.
"""

from __future__ import annotations

import html
import importlib.metadata as metadata
import os
import platform
from dataclasses import dataclass

from ortlearn.lessons import lesson_path

__all__ = ["PackageCheck", "SetupReport", "describe_setup"]

#: What the course needs, in the order the report lists them, and why.
REQUIRED: tuple[tuple[str, str], ...] = (
    ("onnx", "build, check and inspect models (every lesson)"),
    ("onnxruntime", "run models (every lesson)"),
    ("numpy", "tensors in and out of ONNX Runtime"),
    ("torch", "export models from PyTorch (lessons 04, 05, 07)"),
    ("onnxscript", "torch.onnx.export's default exporter needs it (lesson 04)"),
    ("matplotlib", "figures"),
    ("ipywidgets", "quizzes and predict-then-run checkpoints"),
    ("jupyterlab", "the notebook environment"),
    ("pyyaml", "question banks"),
    ("scikit-learn", "the digits data set and metrics"),
    ("tqdm", "progress bars"),
    ("onnxruntime-extensions", "Python custom operators (lesson 08)"),
)
#: Useful but not needed for most lessons.
OPTIONAL: tuple[tuple[str, str], ...] = (
    ("onnxruntime-gpu", "the CUDA execution provider on an NVIDIA GPU (lesson 03)"),
)


@dataclass(frozen=True)
class PackageCheck:
    """One package's status.

    Attributes:
        name: The distribution name, as ``pip install`` spells it.
        purpose: What the course uses it for.
        version: The installed version, or None when it is missing.
        required: Whether the course needs it (False for optional extras).
    """

    name: str
    purpose: str
    version: str | None
    required: bool

    @property
    def ok(self) -> bool:
        """True when the package is installed or optional."""
        return self.version is not None or not self.required


@dataclass(frozen=True)
class SetupReport:
    """What :func:`describe_setup` found. Shows itself as text or as HTML in Jupyter.

    Attributes:
        python: The Python version, e.g. ``"3.11.7"``.
        system: Operating system and machine, e.g. ``"Linux x86_64"``.
        packages: One :class:`PackageCheck` per required then optional package.
        providers: ONNX Runtime's available execution providers (empty when
            onnxruntime is missing).
        cpu_threads: Logical CPUs this process may use.
        problems: One line per problem, each saying how to fix it.
    """

    python: str
    system: str
    packages: tuple[PackageCheck, ...]
    providers: tuple[str, ...]
    cpu_threads: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing the course needs is missing."""
        return not self.problems

    @property
    def has_gpu_provider(self) -> bool:
        """True when ONNX Runtime offers CUDA or TensorRT."""
        return any(p in self.providers for p in ("CUDAExecutionProvider", "TensorrtExecutionProvider"))

    def _rows(self) -> list[tuple[str, str]]:
        rows = [("Python", f"{self.python} ({self.system})")]
        for pkg in self.packages:
            if pkg.version is not None:
                status = pkg.version
            elif pkg.required:
                status = "MISSING"
            else:
                status = "not installed (optional)"
            rows.append((pkg.name, f"{status} — {pkg.purpose}"))
        providers = ", ".join(self.providers) if self.providers else "none (onnxruntime is missing)"
        rows.append(("Execution providers", providers))
        gpu = "yes" if self.has_gpu_provider else f"no: lessons run on the CPU (GPU notes: {lesson_path('03_providers')})"
        rows.append(("GPU provider", gpu))
        rows.append(("CPU threads", str(self.cpu_threads)))
        return rows

    def _verdict(self) -> str:
        if self.ok:
            return f"Ready: everything the course needs is installed. Next: {lesson_path('01_onnx_format')}."
        return f"{len(self.problems)} problem(s) to fix before the lessons will run:"

    def __str__(self) -> str:
        rows = self._rows()
        width = max(len(key) for key, _ in rows)
        lines = ["ortlearn doctor"] + [f"  {key:<{width}}  {value}" for key, value in rows]
        lines.append(self._verdict())
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(key)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for key, value in self._rows()
        )
        problems = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
        verdict = html.escape(self._verdict())
        return (
            "<div><strong>ortlearn doctor</strong>"
            f"<table>{body}</table><p>{verdict}</p>"
            + (f"<ul>{problems}</ul>" if problems else "")
            + "</div>"
        )


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _available_providers() -> tuple[str, ...]:
    try:
        import onnxruntime
    except ImportError:
        return ()
    return tuple(onnxruntime.get_available_providers())


def _cpu_threads() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_setup() -> SetupReport:
    """Check this Python environment for everything the course uses.

    Returns:
        A :class:`SetupReport`; ``report.ok`` is False when something the
        course needs is missing, and ``report.problems`` says how to fix it.

    Example:
        >>> import ortlearn as ol
        >>> report = ol.doctor()
        >>> report.ok
        True
    """
    packages = tuple(
        PackageCheck(name, purpose, _installed_version(name), required)
        for group, required in ((REQUIRED, True), (OPTIONAL, False))
        for name, purpose in group
    )
    problems = [
        f"{pkg.name} is missing ({pkg.purpose}): run `make lab` from the course folder, "
        f"or `pip install {pkg.name}` in this environment, then restart the kernel."
        for pkg in packages
        if not pkg.ok
    ]
    gpu_installed = any(p.name == "onnxruntime-gpu" and p.version for p in packages)
    cpu_installed = any(p.name == "onnxruntime" and p.version for p in packages)
    if gpu_installed and cpu_installed:
        problems.append(
            "Both onnxruntime and onnxruntime-gpu are installed; they overwrite each other's files. "
            "Keep one: `pip uninstall onnxruntime onnxruntime-gpu` then install the one you want "
            f"(see {lesson_path('03_providers')})."
        )
    return SetupReport(
        python=platform.python_version(),
        system=f"{platform.system()} {platform.machine()}",
        packages=packages,
        providers=_available_providers(),
        cpu_threads=_cpu_threads(),
        problems=tuple(problems),
    )
