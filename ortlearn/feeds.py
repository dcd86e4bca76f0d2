"""Random input feeds for any ONNX model or ONNX Runtime session.

``make_feeds`` reads a model's inputs (name, element type, shape), fills every
symbolic dimension with a concrete size and draws seeded random data, so that
``session.run(None, make_feeds(session))`` works before a learner has real
data at hand.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

import numpy as np

from ortlearn._checks import as_int
from ortlearn.lessons import lesson_path
from ortlearn.loading import Dim, ModelLike, load_signature

if TYPE_CHECKING:  # onnx and onnxruntime are imported lazily
    import onnx
    import onnxruntime

__all__ = ["DEFAULT_DIM", "INT_HIGH", "MAX_FEED_ELEMENTS", "STRING_VALUES", "make_feeds"]

#: Size given to a symbolic or unknown dimension that is not an input's first
#: dimension (the first one gets ``batch``) and that ``dims`` does not name.
DEFAULT_DIM: int = 1
#: Integer inputs get values drawn from ``[0, INT_HIGH)`` (fewer where the type
#: is narrower, e.g. ``[0, 8)`` for int4): valid for most index-like inputs, but
#: token ids, class ids or gather indices may need real values.
INT_HIGH: int = 10
#: make_feeds refuses an input with more elements than this (2**27, 512 MiB of float32):
#: a declared shape such as [40000, 40000] would exhaust a laptop's or a hub's memory.
MAX_FEED_ELEMENTS: int = 2**27
#: String inputs get values drawn from these.
STRING_VALUES: tuple[str, ...] = ("a", "b", "c", "d")

_SUPPORTED = ("tensors of float, double, float16, bfloat16 (and other ml_dtypes types), int8/16/32/64, "
              "uint8/16/32/64, bool, string, complex64, complex128")


@dataclass(frozen=True)
class _Input:
    """One model input, read from a session or a proto."""

    name: str
    type_text: str  # as ONNX Runtime writes it: "tensor(float)", "seq(tensor(float))"
    kind: str  # "tensor", "seq", "map", "optional", "sparse_tensor"
    dtype: np.dtype | None  # None when not a tensor or numpy has no dtype for it
    shape: tuple[Dim, ...] | None  # None when the rank is unknown


def _make_input(name: str, type_text: str, shape: tuple[Dim, ...] | None) -> _Input:
    from onnx import TensorProto, helper

    kind, _, rest = type_text.partition("(")
    dtype = None
    if kind == "tensor":
        try:
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(TensorProto.DataType.Value(rest[:-1].upper())))
        except (KeyError, ValueError, TypeError):  # unknown element type: reported by _check_input
            pass
    return _Input(name, type_text, kind, dtype, shape)


def _check_input(spec: _Input) -> tuple[np.dtype, tuple[Dim, ...]]:
    """Return the input's dtype and declared shape, or raise if no feed can be made."""
    fix = lesson_path("02_sessions")
    if spec.kind != "tensor":
        raise TypeError(
            f"Cannot make a feed for input {spec.name!r} of type {spec.type_text}: make_feeds only "
            f"synthesises tensors ({_SUPPORTED}). Build this input yourself; see {fix}."
        )
    if spec.dtype is None:
        raise TypeError(
            f"Cannot make a feed for input {spec.name!r} of type {spec.type_text}: numpy has no dtype "
            f"for it here (bfloat16 and float8 need the ml_dtypes package). make_feeds supports "
            f"{_SUPPORTED}. Build this input yourself; see {fix}."
        )
    if spec.shape is None:
        raise ValueError(
            f"Cannot make a feed for input {spec.name!r} of type {spec.type_text}: the model does not "
            f"declare its rank (number of dimensions), so no shape can be chosen. Build this input "
            f"yourself, or give the input a shape in the graph; see {fix}."
        )
    return spec.dtype, spec.shape


def _dim_sizes(inputs: list[_Input], batch: int, dims: Mapping[str, int]) -> dict[str, int]:
    """Give every symbolic dimension name one size, shared by all inputs."""
    names = {d for spec in inputs for d in spec.shape or () if isinstance(d, str)}
    unknown = [name for name in dims if name not in names]
    if unknown:
        exist = sorted(names) if names else "none: every dimension is fixed"
        raise ValueError(
            f"dims names {unknown!r}, but the model has no such symbolic dimension. Its symbolic "
            f"dimensions are {exist}; see {lesson_path('02_sessions')}."
        )
    leading = {spec.shape[0] for spec in inputs if spec.shape and isinstance(spec.shape[0], str)}
    return {name: dims.get(name, batch if name in leading else DEFAULT_DIM) for name in names}


def _concrete_shape(declared: tuple[Dim, ...], sizes: Mapping[str, int], batch: int) -> tuple[int, ...]:
    """Replace names by their size and unknown dims by ``batch`` (first) or DEFAULT_DIM."""
    return tuple(
        d if isinstance(d, int) else sizes[d] if isinstance(d, str) else (batch if i == 0 else DEFAULT_DIM)
        for i, d in enumerate(declared)
    )


def _make_array(dtype: np.dtype, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if dtype == np.dtype(object):
        values = np.array(STRING_VALUES, dtype=object)[rng.integers(len(STRING_VALUES), size=shape)]
    elif dtype == np.dtype(bool):
        values = rng.integers(0, 2, size=shape).astype(bool)
    elif dtype.kind == "c":
        values = rng.standard_normal(size=shape) + 1j * rng.standard_normal(size=shape)
    elif dtype.kind in "iu":
        values = rng.integers(0, min(INT_HIGH, int(np.iinfo(dtype).max) + 1), size=shape)
    elif dtype.kind == "f":
        values = rng.standard_normal(size=shape)
    else:  # ml_dtypes (kind "V"): bfloat16, float8*, int4, uint4, ...
        import ml_dtypes

        try:
            top = int(ml_dtypes.iinfo(dtype).max)
        except ValueError:  # not an integer type: a float type
            values = rng.standard_normal(size=shape)
            if float(ml_dtypes.finfo(dtype).min) > 0:  # unsigned floats such as float8e8m0
                values = np.abs(values)
        else:
            values = rng.integers(0, min(INT_HIGH, top + 1), size=shape)
    return np.asarray(values).astype(dtype)


def make_feeds(
    model_or_session: Union["onnxruntime.InferenceSession", ModelLike],
    batch: int = 1,
    seed: int = 0,
    *,
    dims: Mapping[str, int] | None = None,
) -> dict[str, np.ndarray]:
    """Return seeded random inputs for every input of a model or session.

    Each array has its input's declared dtype and shape. Dimensions that are
    not fixed are filled in this order: a name in ``dims`` gets that size; an
    input's first dimension gets ``batch`` (and a name used as a first
    dimension anywhere gets ``batch`` everywhere); anything else gets
    :data:`DEFAULT_DIM`. A name shared by several inputs gets the same size in
    all of them. Values: floats are standard normal, integers lie in
    ``[0, INT_HIGH)`` (index-like inputs such as token ids may need real
    values), bools are random, strings come from :data:`STRING_VALUES`.

    bfloat16 and float8 inputs come back as ``ml_dtypes`` arrays, the dtype
    onnx uses. ``session.run`` does not accept those numpy arrays; wrap each
    one, e.g. ``ort.OrtValue.ortvalue_from_numpy_with_onnx_type(
    feed.view(numpy.uint16), onnx.TensorProto.BFLOAT16)``.

    Graph inputs that share a name with an initializer (old IR < 4 models list
    every weight as an input) are skipped. ONNX Runtime reports an input of
    unknown rank as a scalar, so for a session such an input gets a scalar;
    pass the model itself to get a ValueError instead.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        model_or_session: An ``onnxruntime.InferenceSession``, or anything
            :func:`ortlearn.loading.load_model` accepts (``onnx.ModelProto``,
            path to a ``.onnx`` file, or its bytes).
        batch: Size of every symbolic or unknown first dimension; an int >= 1.
        seed: Seed for ``numpy.random.default_rng``; the same seed gives the
            same feeds, different seeds give different ones.
        dims: Sizes for named symbolic dimensions, e.g. ``{"seq": 16}``; they
            take precedence over ``batch``.

    Returns:
        ``{input name: array}`` in the model's input order.

    Raises:
        TypeError: An input is not a tensor (sequence, map, optional, sparse)
            or has an element type numpy cannot hold; ``batch`` or a ``dims``
            value is not an int; ``model_or_session`` is not a session and not
            something :func:`~ortlearn.loading.load_model` reads.
        ValueError: ``batch`` or a ``dims`` value is below 1; ``dims`` names
            a dimension the model does not have; an input of the model has
            unknown rank, a negative dimension, or more than
            :data:`MAX_FEED_ELEMENTS` elements.
        FileNotFoundError: A path that does not exist (from ``load_model``).

    Example:
        >>> import ortlearn as ol
        >>> feeds = ol.feeds.make_feeds(ol.data.real_model_path("squeezenet"))
        >>> {name: (a.shape, a.dtype.name) for name, a in feeds.items()}
        {'data_0': ((1, 3, 224, 224), 'float32')}
    """
    batch = as_int("batch", batch, "02_sessions", 1)
    dims = {} if dims is None else dims
    if not isinstance(dims, Mapping):
        raise TypeError(
            f"dims must be a mapping from dimension name to size, e.g. {{'seq': 16}}; "
            f"got {type(dims).__name__}: {dims!r}."
        )
    dims = {name: as_int(f"dims[{name!r}]", size, "02_sessions", 1) for name, size in dims.items()}
    inputs = [_make_input(spec.name, spec.type_text, spec.shape) for spec in load_signature(model_or_session).inputs]
    checked = [(spec.name, *_check_input(spec)) for spec in inputs]
    sizes = _dim_sizes(inputs, batch, dims)
    shapes = {name: _check_shape(name, _concrete_shape(shape, sizes, batch)) for name, _, shape in checked}
    rng = np.random.default_rng(seed)
    return {name: _make_array(dtype, shapes[name], rng) for name, dtype, _ in checked}


def _check_shape(name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Refuse a negative or absurdly large declared shape before any memory is allocated."""
    fix = lesson_path("02_sessions")
    if any(size < 0 for size in shape):
        raise ValueError(
            f"Cannot make a feed for input {name!r}: the model declares the shape {list(shape)}, and a "
            f"dimension cannot be negative. The model's input declaration is wrong; fix the model, or build "
            f"this input yourself; see {fix}."
        )
    elements = math.prod(shape)
    if elements > MAX_FEED_ELEMENTS:
        raise ValueError(
            f"Cannot make a feed for input {name!r}: its shape {list(shape)} holds {elements:,} elements, more "
            f"than make_feeds allows ({MAX_FEED_ELEMENTS:,}); random data that big would exhaust memory. Pass a "
            f"smaller batch or smaller dims=..., or build this input yourself; see {fix}."
        )
    return shape
