"""Paths to the real models and images that installed packages ship.

Nothing here downloads: the course only uses files that ``pip install`` already
put on disk.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ortlearn.lessons import lesson_path

__all__ = ["REAL_MODELS", "real_model_path"]

#: The "light" real architectures in the onnx package's backend test data.
#: Their weights are replaced by ``ConstantOfShape`` nodes (so the files are
#: small), but the graph is the real network: ResNet-50 has 415 nodes.
REAL_MODELS: tuple[str, ...] = (
    "bvlc_alexnet",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "resnet50",
    "shufflenet",
    "squeezenet",
    "vgg19",
    "zfnet512",
)


def real_model_path(name: str) -> Path:
    """Return the path of a real architecture shipped inside the ``onnx`` package.

    Args:
        name: One of :data:`REAL_MODELS`, e.g. ``"resnet50"`` or ``"squeezenet"``.

    Returns:
        The path of ``light_<name>.onnx`` in onnx's backend test data.

    Raises:
        KeyError: ``name`` is not one of :data:`REAL_MODELS`.
        FileNotFoundError: The installed onnx package does not ship the file.

    Example:
        >>> import ortlearn as ol
        >>> ol.data.real_model_path("resnet50").name
        'light_resnet50.onnx'
    """
    if name not in REAL_MODELS:
        raise KeyError(
            f"No shipped real model named {name!r}. Choose one of {list(REAL_MODELS)}."
        )
    spec = importlib.util.find_spec("onnx")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "The onnx package is not installed, so its real test models are missing. "
            "Run `make lab` (or `pip install onnx`); see lessons/00_start_here.ipynb."
        )
    path = Path(spec.origin).parent / "backend" / "test" / "data" / "light" / f"light_{name}.onnx"
    if not path.is_file():
        raise FileNotFoundError(
            f"The installed onnx package has no {path.name} (looked in {str(path.parent)!r}). "
            f"Reinstall onnx from a wheel that includes its backend test data; see "
            f"{lesson_path('00_start_here')}."
        )
    return path
