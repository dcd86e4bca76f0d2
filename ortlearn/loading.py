"""Reading ONNX models from whatever a learner has at hand, with errors that teach.

Every helper that accepts "a model" (``describe_model``, ``show_graph``,
``make_feeds`` …) funnels it through :func:`load_model`, so a missing file, a
PyTorch checkpoint or a random file fails the same, helpful way everywhere.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import os
import stat
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

from ortlearn.lessons import lesson_path

if TYPE_CHECKING:  # onnx is imported lazily so that ``import ortlearn`` stays light
    import onnx
    import onnxruntime

__all__ = ["ExternalDataError", "NotAnOnnxModelError", "ModelLike", "load_model",
           "Dim", "TensorInfo", "ValueSpec", "Signature", "load_signature"]

ModelLike = Union["onnx.ModelProto", str, os.PathLike, bytes, bytearray, memoryview]
#: One dimension: an ``int`` (fixed), a ``str`` (symbolic, e.g. ``"batch"``) or ``None`` (unknown).
Dim = Union[int, str, None]

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


# --- A model's inputs and outputs: the one reader graph, feeds and session share ------------------


@dataclass(frozen=True)
class TensorInfo:
    """One graph input or output. Introduced in lessons/01_onnx_format.ipynb.

    Attributes:
        name: The value's name in the graph.
        dtype: ``"float32"``, ``"int64"``, ``"bool"``, ``"string"`` … for tensors;
            a type such as ``"sequence<tensor(float32)>"`` for other values.
        shape: One entry per dimension: an ``int`` (fixed), a ``str`` (symbolic,
            e.g. ``"batch"``) or ``None`` (unknown); ``None`` if the rank is unknown
            or the value is not a tensor.
    """

    name: str
    dtype: str
    shape: tuple[Dim, ...] | None

    def __str__(self) -> str:
        if self.shape is None:  # sequence<…>, map<…> and optional<…> values have no shape
            known = "<" in self.dtype or self.dtype == "unknown type"
            return f"{self.name}: {self.dtype}" + ("" if known else " (unknown rank)")
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"{self.name}: {self.dtype}[{dims}]"


@dataclass(frozen=True)
class ValueSpec:
    """One input or output of a model or session, in both type vocabularies the course shows.

    Attributes:
        name: The value's name (the feed key for an input).
        type_text: ONNX Runtime's words, e.g. ``"tensor(float)"``, ``"seq(tensor(float))"``.
        dtype: numpy's words for a tensor, e.g. ``"float32"``; a type such as
            ``"sequence<tensor(float32)>"`` for other values (what :class:`TensorInfo` shows).
        shape: One :data:`Dim` per dimension; ``None`` if a model does not declare the rank.
            ONNX Runtime reports an unknown rank as ``()``, the same as a scalar.
    """

    name: str
    type_text: str
    dtype: str
    shape: tuple[Dim, ...] | None

    def tensor_info(self) -> TensorInfo:
        """Return the :class:`TensorInfo` that :func:`ortlearn.graph.describe_model` lists."""
        return TensorInfo(self.name, self.dtype, self.shape)


@dataclass(frozen=True)
class Signature:
    """A model's or a session's inputs and outputs, in order (see :func:`load_signature`)."""

    inputs: tuple[ValueSpec, ...]
    outputs: tuple[ValueSpec, ...]


def _numpy_name(elem_type: int) -> str:
    from onnx import helper

    if elem_type in (0, 8):  # UNDEFINED, STRING (numpy would say "object")
        return "undefined" if elem_type == 0 else "string"
    try:
        return helper.tensor_dtype_to_np_dtype(elem_type).name
    except (KeyError, TypeError, ValueError):
        return f"elem_type {elem_type}"


def _numpy_type(tp: "onnx.TypeProto", nested: bool = False) -> str:
    kind = tp.WhichOneof("value")
    if kind == "tensor_type":
        name = _numpy_name(tp.tensor_type.elem_type)
        return f"tensor({name})" if nested else name
    if kind == "sparse_tensor_type":
        return f"sparse_tensor({_numpy_name(tp.sparse_tensor_type.elem_type)})"
    if kind in ("sequence_type", "optional_type"):
        return f"{kind[:-5]}<{_numpy_type(getattr(tp, kind).elem_type, True)}>"
    if kind == "map_type":
        return f"map<{_numpy_name(tp.map_type.key_type)}, {_numpy_type(tp.map_type.value_type, True)}>"
    return "unknown type"


def _ort_type(tp: "onnx.TypeProto") -> str:
    from onnx import TensorProto

    def elem(value: int) -> str:
        try:
            return TensorProto.DataType.Name(value).lower()
        except ValueError:
            return str(value)

    kind = tp.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        return f"{kind[:-5]}({elem(getattr(tp, kind).elem_type)})"
    if kind in ("sequence_type", "optional_type"):
        return f"{kind[:-5].replace('sequence', 'seq')}({_ort_type(getattr(tp, kind).elem_type)})"
    if kind == "map_type":
        return f"map({elem(tp.map_type.key_type)},{_ort_type(tp.map_type.value_type)})"
    return f"{kind or 'undefined'}()"


def _proto_spec(value: "onnx.ValueInfoProto") -> ValueSpec:
    kind = value.type.WhichOneof("value")
    tensor = getattr(value.type, kind) if kind in ("tensor_type", "sparse_tensor_type") else None
    shape: tuple[Dim, ...] | None = None
    if tensor is not None and tensor.HasField("shape"):
        shape = tuple(
            d.dim_value if d.HasField("dim_value") else d.dim_param if d.HasField("dim_param") else None
            for d in tensor.shape.dim
        )
    return ValueSpec(value.name, _ort_type(value.type), _numpy_type(value.type), shape)


def _session_spec(arg: object) -> ValueSpec:
    from onnx import TensorProto

    kind, _, rest = arg.type.partition("(")
    dtype = arg.type
    if kind == "tensor":
        try:
            dtype = _numpy_name(TensorProto.DataType.Value(rest[:-1].upper()))
        except ValueError:
            pass
    return ValueSpec(arg.name, arg.type, dtype, tuple(arg.shape))


def load_signature(model_or_session: Union["onnxruntime.InferenceSession", ModelLike]) -> Signature:
    """Read a model's or a session's inputs and outputs: names, types and shapes.

    The one reader behind :func:`ortlearn.graph.describe_model`,
    :func:`ortlearn.feeds.make_feeds` and :func:`ortlearn.session.describe_io`. For a
    model, graph inputs that are stored weights (initializers or sparse initializers,
    which models with IR < 4 also list as inputs) are left out: they are not feeds.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        model_or_session: An ``onnxruntime.InferenceSession``, or anything :func:`load_model` accepts.

    Returns:
        A :class:`Signature`.

    Raises:
        TypeError, FileNotFoundError, IsADirectoryError, NotAnOnnxModelError: From :func:`load_model`.
    """
    onnxruntime = sys.modules.get("onnxruntime")  # a session means onnxruntime is imported
    if onnxruntime is not None and isinstance(model_or_session, onnxruntime.InferenceSession):
        return Signature(tuple(_session_spec(a) for a in model_or_session.get_inputs()),
                         tuple(_session_spec(a) for a in model_or_session.get_outputs()))
    graph = load_model(model_or_session).graph
    stored = {t.name for t in graph.initializer} | {t.values.name for t in graph.sparse_initializer}
    return Signature(tuple(_proto_spec(v) for v in graph.input if v.name not in stored),
                     tuple(_proto_spec(v) for v in graph.output))
