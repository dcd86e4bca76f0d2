"""Building blocks the lesson checks share: the course tolerance, loading and running a learner's model.

Every helper raises :class:`~ortlearn.exercises.core.Mistake` with a message in the
learner's terms; none prints an expected value. Heavy libraries load inside the helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ortlearn.exercises.core import Mistake

if TYPE_CHECKING:
    import numpy as np
    import onnx
    import onnxruntime

__all__ = ["ATOL", "RTOL", "dims", "expect_type", "make_cpu_session", "max_abs_diff", "outputs_close", "real_inputs",
           "run_first_output"]

#: The course's float32 tolerance (lessons/01_onnx_format.ipynb, section 6).
RTOL, ATOL = 1e-4, 1e-5


def expect_type(value: Any, kind: type | tuple[type, ...], what: str, fix: str) -> None:
    """Raise :class:`Mistake` unless ``value`` is a ``kind``.

    Args:
        value: What the learner's code returned.
        kind: The expected type(s).
        what: The thing, in words, e.g. ``"make_sigmoid_model"``.
        fix: How to get the right type.
    """
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise Mistake(f"{what} should return a {names}; it returned a {type(value).__name__}. {fix}")


def outputs_close(actual: Any, expected: "np.ndarray", rtol: float = RTOL, atol: float = ATOL) -> bool:
    """The course's rule: same shape and ``|actual - expected| <= atol + rtol·|expected|`` everywhere."""
    import numpy as np

    actual = np.asarray(actual)
    return actual.shape == expected.shape and bool(np.allclose(actual, expected, rtol=rtol, atol=atol))


def max_abs_diff(actual: Any, expected: "np.ndarray") -> str:
    """The largest absolute difference, formatted (a difference says how far off, not what was expected)."""
    import numpy as np

    actual = np.asarray(actual, dtype=np.float64)
    if actual.shape != expected.shape:
        return f"shape {actual.shape} instead of {expected.shape}"
    diff = np.abs(actual - expected)
    return "not-a-number values" if not np.isfinite(diff).all() else f"a largest difference of {diff.max():.2g}"


def real_inputs(model: "onnx.ModelProto") -> list["onnx.ValueInfoProto"]:
    """The graph inputs that must be fed: those that are not also initializers (IR < 4 lists both)."""
    constants = {init.name for init in model.graph.initializer}
    return [value for value in model.graph.input if value.name not in constants]


def make_cpu_session(model: "onnx.ModelProto | bytes | str", what: str,
                     options: "onnxruntime.SessionOptions | None" = None) -> "onnxruntime.InferenceSession":
    """Open ``model`` on the CPU provider; ORT's refusal becomes a :class:`Mistake` that quotes it."""
    import onnx
    import onnxruntime as ort

    source = model.SerializeToString() if isinstance(model, onnx.ModelProto) else model
    try:
        return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # ORT raises its own exception types (Fail, InvalidGraph, …)
        text = " ".join(str(error).split())[:300]
        raise Mistake(f"ONNX Runtime cannot load {what}: {type(error).__name__}: {text}") from error


def dims(value: "onnx.ValueInfoProto") -> list[int | str]:
    """A value's dimensions: ints for fixed ones, names for symbolic ones, ``"?"`` for unknown ones."""
    return [d.dim_param or (d.dim_value if d.HasField("dim_value") else "?") for d in value.type.tensor_type.shape.dim]


def run_first_output(session: "onnxruntime.InferenceSession", feeds: dict[str, Any], what: str,
                     names: Sequence[str] | None = None) -> "np.ndarray":
    """``session.run`` on hidden feeds; a refusal becomes a :class:`Mistake` that quotes ORT."""
    try:
        return session.run(list(names) if names else None, feeds)[0]
    except Exception as error:  # ORT's InvalidArgument, Fail, …
        text = " ".join(str(error).split())[:300]
        raise Mistake(f"ONNX Runtime could not run {what}: {type(error).__name__}: {text}") from error
