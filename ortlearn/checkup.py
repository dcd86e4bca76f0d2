"""The setup report behind ``ortlearn.doctor()`` and the ``ortlearn doctor`` command.

It reads versions from package metadata, asks ONNX Runtime which execution
providers this build has, counts CPU threads, and for anything missing says
what to install. When torch is installed it imports it (here, not at
``import ortlearn`` time) to tell whether it is a CUDA build on a machine
without a GPU that torch can use, and if so adds a note: how much space the
build takes and the exact command that swaps it for the CPU build.

Introduced in lessons/00_start_here.ipynb.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import platform
import sys
import warnings
from dataclasses import dataclass

from ortlearn._table import Table
from ortlearn.lessons import lesson_path

__all__ = ["PackageCheck", "SetupReport", "TorchBuild", "cuda_torch_note", "describe_setup"]

#: PyTorch's CPU-only wheel index (the same as ortlearn.bootstrap.CPU_INDEX).
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: Distributions that come with the CUDA build of torch on Linux and that the CPU build does not need.
CUDA_ONLY_PREFIXES = ("nvidia-", "cuda-")
CUDA_ONLY_NAMES = ("triton",)

#: What the course needs, in the order the report lists them, and why.
REQUIRED: tuple[tuple[str, str], ...] = (
    ("onnx", "build, check and inspect models (every lesson)"),
    ("onnxruntime", "run models (every lesson)"),
    ("numpy", "tensors in and out of ONNX Runtime"),
    ("torch", "export models from PyTorch (lesson 04, and the lessons that export after it)"),
    ("onnxscript", "torch.onnx.export's default exporter needs it (lesson 04)"),
    ("matplotlib", "figures"),
    ("ipywidgets", "quizzes and predict-then-run checkpoints"),
    ("jupyterlab", "the notebook environment"),
    ("pyyaml", "question banks"),
    ("scikit-learn", "the digits data set and metrics"),
    ("tqdm", "progress bars"),
    ("onnxruntime-extensions", "Python custom operators (lesson 08)"),
    ("rapidocr", "PP-OCR's ONNX models, a real production pipeline (lesson 09)"),
)
#: Useful but not needed for most lessons.
OPTIONAL: tuple[tuple[str, str], ...] = (
    ("onnxruntime-gpu", "the CUDA execution provider on an NVIDIA GPU (lessons 03 and 11)"),
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
        notes: Advice that does not stop the lessons (e.g. a CUDA build of
            torch on a machine without a GPU); shown after the verdict.
    """

    python: str
    system: str
    packages: tuple[PackageCheck, ...]
    providers: tuple[str, ...]
    cpu_threads: int
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()

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

    def _table(self) -> Table:
        return Table(self._rows(), row_header=True, quote="'")

    def __str__(self) -> str:
        lines = ["ortlearn doctor", *self._table().format_lines(indent="  "), self._verdict()]
        lines += [f"  - {problem}" for problem in self.problems]
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ortlearn._html import render, safe

        return render("doctor.html", table=safe(self._table().format_html()), verdict=self._verdict(),
                      problems=self.problems, notes=self.notes)


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class TorchBuild:
    """What the installed torch was built for.

    Attributes:
        version: ``torch.__version__``, e.g. ``"2.13.0+cu130"`` or ``"2.13.0+cpu"``.
        cuda: ``torch.version.cuda`` (e.g. ``"13.0"``), None for a CPU build.
        gpu: Whether torch can use a CUDA GPU here (``torch.cuda.is_available()``).
    """

    version: str
    cuda: str | None
    gpu: bool


def _may_be_cuda_build(version: str | None, system: str) -> bool:
    """Whether the torch ``version`` from metadata may be a CUDA build, so that importing torch is worth it.

    PyTorch's CPU index labels its builds ``+cpu``; CUDA indexes label them
    ``+cu130`` and the like; PyPI's own torch has no label and is the CUDA
    build on Linux only (CPU-only on macOS and Windows).
    """
    if version is None:
        return False
    _, _, label = version.partition("+")
    return label.startswith("cu") if label else system == "Linux"


def _torch_build() -> TorchBuild | None:
    """Import torch (only here, and only when it may be a CUDA build) and read its build; None otherwise."""
    if not _may_be_cuda_build(_installed_version("torch"), platform.system()):
        return None
    try:
        import torch
    except Exception:  # a broken torch install is reported by the lessons that use it  # noqa: BLE001
        return None
    cuda = getattr(torch.version, "cuda", None)
    gpu = False
    if cuda:
        with warnings.catch_warnings():  # "CUDA initialization: Found no NVIDIA driver" is the expected case here
            warnings.simplefilter("ignore")
            try:
                gpu = bool(torch.cuda.is_available())
            except Exception:  # noqa: BLE001
                gpu = False
    return TorchBuild(version=str(torch.__version__), cuda=cuda, gpu=gpu)


def _cuda_only_distributions() -> dict[str, int]:
    """Installed torch and CUDA-only distributions (``nvidia-*``, ``cuda-*``, ``triton``), with their sizes in bytes.

    Sizes add up the files each distribution's RECORD lists (the size RECORD
    stores, else the file's size on disk).
    """
    sizes: dict[str, int] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name != "torch" and not name.startswith(CUDA_ONLY_PREFIXES) and name not in CUDA_ONLY_NAMES:
            continue
        total = 0
        for file in dist.files or ():
            if file.size is not None:
                total += file.size
                continue
            try:
                total += file.locate().stat().st_size
            except OSError:
                pass
        sizes[name] = sizes.get(name, 0) + total
    return sizes


def cuda_torch_note(build: TorchBuild | None, sizes: dict[str, int], python: str = sys.executable) -> str | None:
    """The note for a CUDA build of torch on a machine where torch finds no GPU, or None.

    Args:
        build: What :func:`_torch_build` found (None: torch is not installed).
        sizes: Bytes per distribution: ``torch`` and the CUDA-only ones.
        python: The Python of this environment, for the command to run.

    Returns:
        What is installed, how much space it takes, and the exact command that
        replaces it with the CPU build; None when there is nothing to say.
    """
    if build is None or not build.cuda or build.gpu:
        return None
    cuda_only = sorted(name for name in sizes if name != "torch")
    total_gb = sum(sizes.values()) / 1e9
    public = build.version.split("+", 1)[0]
    uninstall = " ".join(["torch", *cuda_only])
    return (
        f"torch {build.version} is a CUDA {build.cuda} build, but torch finds no NVIDIA GPU here, so the lessons "
        f"run on the CPU either way. torch and {len(cuda_only)} CUDA package(s) take {total_gb:.1f} GB; the CPU "
        f"build takes about 0.75 GB, and the course's stored outputs are from it. To switch, run "
        f"`{python} -m pip uninstall -y {uninstall}` then "
        f"`{python} -m pip install --index-url {CPU_INDEX} torch=={public}` and restart the kernel "
        "(or delete the course's .venv and run `make lab`, or `python -m ortlearn lab`, again)."
    )


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
    build = _torch_build()
    note = cuda_torch_note(build, _cuda_only_distributions()) if build is not None and build.cuda else None
    return SetupReport(
        python=platform.python_version(),
        system=f"{platform.system()} {platform.machine()}",
        packages=packages,
        providers=_available_providers(),
        cpu_threads=_cpu_threads(),
        problems=tuple(problems),
        notes=(note,) if note else (),
    )
