"""Reading ONNX models from whatever a learner has at hand, with errors that teach.

Every helper that accepts "a model" (``describe_model``, ``show_graph``,
``make_feeds`` …) funnels it through :func:`load_model`, so a missing file, a
PyTorch checkpoint or a random file fails the same, helpful way everywhere.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Union

from ortlearn.lessons import lesson_path

if TYPE_CHECKING:  # onnx is imported lazily so that ``import ortlearn`` stays light
    import onnx

__all__ = ["ExternalDataError", "NotAnOnnxModelError", "ModelLike", "load_model"]

ModelLike = Union["onnx.ModelProto", str, os.PathLike, bytes]

_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
_TORCH_SUFFIXES = (".pth", ".pt", ".ckpt", ".bin")


class NotAnOnnxModelError(ValueError):
    """The file or bytes given as a model are not a serialized ONNX ``ModelProto``."""


class ExternalDataError(ValueError):
    """A model's external data (tensors in a side file) could not be read safely; the message says why."""


def _looks_like_torch(head: bytes, path: Path | None) -> bool:
    if head.startswith(_PICKLE_MAGIC):
        return True
    if head.startswith(b"PK\x03\x04") and path is not None:
        try:
            with zipfile.ZipFile(path) as archive:
                return any(name.endswith("data.pkl") for name in archive.namelist())
        except (OSError, zipfile.BadZipFile):
            return False
    return path is not None and path.suffix.lower() in _TORCH_SUFFIXES


def _not_onnx(what: str, data: bytes, path: Path | None, reason: str) -> NotAnOnnxModelError:
    fix = lesson_path("01_onnx_format")
    head = data[:64]
    if _looks_like_torch(head, path):
        return NotAnOnnxModelError(
            f"Could not read {what} as an ONNX model: it looks like a PyTorch checkpoint (a pickled state_dict or module), "
            f"not an ONNX model. ONNX Runtime and onnx only read ONNX ModelProto files. "
            f"Export the PyTorch model first with torch.onnx.export(model, example_inputs, "
            f"'model.onnx') and load the .onnx file; see {fix} and {lesson_path('04_export')}."
        )
    return NotAnOnnxModelError(
        f"Could not read {what} as an ONNX model ({reason}). Expected a .onnx file "
        f"(an onnx.ModelProto in protobuf binary form); got {len(data)} bytes starting "
        f"with {head[:8]!r}. Check that you picked the right file; see {fix}."
    )


def _parse(data: bytes, what: str, path: Path | None) -> "onnx.ModelProto":
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        if "MaxDepth" in str(exc) or "recursion" in str(exc).lower():
            raise NotAnOnnxModelError(
                f"Could not read {what}: its messages are nested deeper than protobuf's limit of 100 levels "
                f"(many subgraphs inside subgraphs, e.g. If or Loop nodes), so this protobuf cannot read it even if "
                f"it is a valid model ({exc}). Flatten the nested control flow when exporting; see "
                f"{lesson_path('01_onnx_format')}."
            ) from exc
        raise _not_onnx(what, data, path, f"protobuf parsing failed: {exc}") from exc
    # Protobuf is lenient: many random byte strings "parse" into an empty message.
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise _not_onnx(what, data, path, "it parsed, but holds no ir_version or graph")
    return model


def load_model(model: ModelLike, *, load_external_data: bool = True) -> "onnx.ModelProto":
    """Return ``model`` as an ``onnx.ModelProto``.

    Args:
        model: An ``onnx.ModelProto`` (returned unchanged), a path to a ``.onnx``
            file (``str`` or ``os.PathLike``), or the serialized bytes of one.
        load_external_data: Also read tensors stored in a side file such as
            ``model.onnx.data`` (only for paths).

    Returns:
        The parsed model.

    Raises:
        TypeError: ``model`` is none of the accepted types.
        FileNotFoundError: The path does not exist (the message shows the
            absolute path that was tried).
        IsADirectoryError: The path is a folder.
        NotAnOnnxModelError: The file or bytes are not an ONNX model (or not a
            regular file: a pipe or a device); a PyTorch checkpoint gets its own
            message saying how to export it.
        ExternalDataError: The model's external data points outside its folder,
            is a symbolic link or cannot be read.

    Example:
        >>> import ortlearn as ol
        >>> model = ol.loading.load_model(ol.data.real_model_path("squeezenet"))
        >>> model.graph.node[0].op_type
        'Conv'
    """
    import onnx

    if isinstance(model, onnx.ModelProto):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        return _parse(bytes(model), "the bytes passed as a model", None)
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(
            f"Expected an onnx.ModelProto, a path to a .onnx file or its bytes; "
            f"got {type(model).__name__}: {model!r:.80}. See {lesson_path('01_onnx_format')}."
        )
    path = Path(model)
    if not path.exists():
        raise FileNotFoundError(
            f"No model file at {str(path)!r} (looked for {str(path.resolve())!r}). "
            f"Relative paths start from the current folder, {os.getcwd()!r}: check the "
            f"spelling, or build/export the model first; see {lesson_path('01_onnx_format')}."
        )
    if path.is_dir():
        raise IsADirectoryError(
            f"{str(path)!r} is a folder, not a .onnx file. Pass the path of the model "
            f"file inside it; see {lesson_path('01_onnx_format')}."
        )
    if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block forever, a device would never end
        raise NotAnOnnxModelError(
            f"{str(path)!r} is not a regular file (a pipe, socket or device), so it cannot be a .onnx model. "
            f"Pass the path of a model file; see {lesson_path('01_onnx_format')}."
        )
    data = path.read_bytes()
    parsed = _parse(data, f"the file {str(path)!r}", path)
    if load_external_data and any(
        t.data_location == onnx.TensorProto.EXTERNAL for t in parsed.graph.initializer
    ):
        # Re-load through onnx.load so that external tensors are resolved
        # relative to the model's own folder (onnx refuses paths that leave it).
        try:
            parsed = onnx.load(str(path), load_external_data=True)
        except (onnx.checker.ValidationError, OSError, ValueError) as exc:
            raise ExternalDataError(
                f"Could not read the external data of {str(path)!r}: {exc}. A model's external data must be a "
                f"regular file given by a relative path inside the model's own folder (next to the .onnx file), "
                f"never an absolute path, a '..' path or a symbolic link: onnx refuses the others so that a model "
                f"cannot read other files. Keep the .onnx file and its .data file together; see "
                f"{lesson_path('04_export')}."
            ) from exc
    return parsed
