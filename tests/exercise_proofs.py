"""Shared by the exercise proofs: define a solution from its source, as a learner's cell would."""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import ortlearn as ol


def namespace(**extra: Any) -> dict[str, Any]:
    """What a lesson's imports cell has defined when the learner writes the exercise's cell."""
    import cv2
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime_extensions import get_library_path
    from PIL import Image

    return {"np": np, "onnx": onnx, "ort": ort, "helper": helper, "TensorProto": TensorProto,
            "numpy_helper": numpy_helper, "ol": ol, "Image": Image, "time": time, "QuantType": QuantType,
            "quantize_dynamic": quantize_dynamic, "get_library_path": get_library_path, "cv2": cv2, **extra}


def define(source: str, **extra: Any) -> Any:
    """Run ``source`` (one ``def`` or ``class``) and return the object it defines."""
    names = re.findall(r"^(?:def|class) (\w+)", source, flags=re.MULTILINE)
    scope = namespace(**extra)
    exec(compile(source, "<learner cell>", "exec"), scope)  # noqa: S102 - the course's own sources
    return scope[names[-1]]
