"""Exercises of lessons/10_quantization.ipynb: a calibration reader, static QDQ per-channel, an accuracy budget.

Use: ``ex = ol.exercises.load("10_quantization")``, then ``ex.q1.check(DigitsCalibrationReader)``.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

from ortlearn.exercises.checks import make_cpu_session
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2", "q3"]

_INPUT = "pixels"  # the hidden models' input name: not the lesson's "input"


def hidden_cnn(seed: int = 1010, channels: int = 8) -> Any:
    """Conv -> Relu -> Flatten -> Gemm on float[batch, 1, 8, 8] named ``pixels``, seeded weights, per-channel spread.

    The Conv's output channels get weights of very different sizes (×0.02 to ×2), so one scale for the whole
    tensor (per-tensor) and one per channel give clearly different files.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    spread = np.geomspace(0.02, 2.0, channels).astype(np.float32).reshape(-1, 1, 1, 1)
    conv_w = (rng.standard_normal((channels, 1, 3, 3)) * spread).astype(np.float32)
    conv_b = (rng.standard_normal(channels) * 0.1).astype(np.float32)
    fc_w = (rng.standard_normal((10, channels * 64)) * 0.1).astype(np.float32)
    fc_b = (rng.standard_normal(10) * 0.1).astype(np.float32)
    nodes = [helper.make_node("Conv", [_INPUT, "conv_w", "conv_b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]), helper.make_node("Flatten", ["r"], ["f"]),
             helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"], transB=1)]
    initializers = [numpy_helper.from_array(conv_w, "conv_w"), numpy_helper.from_array(conv_b, "conv_b"),
                    numpy_helper.from_array(fc_w, "fc_w"), numpy_helper.from_array(fc_b, "fc_b")]
    graph = helper.make_graph(nodes, "hidden_digits", [helper.make_tensor_value_info(_INPUT, TensorProto.FLOAT,
                                                                                     ["batch", 1, 8, 8])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
                              initializer=initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)


def hidden_raw_digits(n: int, seed: int) -> Any:
    """``n`` raw scikit-learn-style digits: uint8 (n, 8, 8), pixel values 0 to 16 (not yet scaled)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.integers(0, 17, size=(n, 8, 8)).astype(np.uint8)


def _make_reader(raw: Any, batch_size: int) -> Any:
    """The check's own correct reader (float32 (b, 1, 8, 8) in [0, 1]), for q2's hidden calibration."""
    import numpy as np
    from onnxruntime.quantization import CalibrationDataReader

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            x = (raw / 16.0).astype(np.float32)[:, np.newaxis]
            self.batches = iter([x[i:i + batch_size] for i in range(0, len(x), batch_size)])

        def get_next(self) -> Any:
            batch = next(self.batches, None)
            return None if batch is None else {_INPUT: batch}

    return Reader()


def _quiet() -> contextlib.AbstractContextManager[Any]:
    return contextlib.redirect_stdout(io.StringIO())  # the calibrators print progress lines


def _agreement(float_path: Path, int8_path: Path, what: str) -> float:
    import numpy as np

    x = (hidden_raw_digits(200, seed=1019) / 16.0).astype(np.float32)[:, np.newaxis]
    float_out = make_cpu_session(float_path.read_bytes(), "the float model").run(None, {_INPUT: x})[0]
    int8_out = make_cpu_session(int8_path.read_bytes(), what).run(None, {_INPUT: x})[0]
    return float(np.mean(float_out.argmax(1) == int8_out.argmax(1)))


# ------------------------------------------------------------------ q1: a CalibrationDataReader for raw digits


def _check_reader(reader_class: Any) -> str:
    import numpy as np
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, quantize_static

    n, batch_size = 10, 4
    raw = hidden_raw_digits(n, seed=1011)
    expected = (raw / 16.0).astype(np.float32)[:, np.newaxis]
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        model_path = Path(folder) / "float.onnx"
        onnx.save(hidden_cnn(), model_path)
        reader = call_learner(reader_class, str(model_path), raw.copy(), batch_size,
                              doing=f"creating DigitsCalibrationReader(model_path, raw_images, {batch_size})")
        if not isinstance(reader, CalibrationDataReader):
            raise Mistake("The reader should be a subclass of onnxruntime.quantization.CalibrationDataReader, "
                          "which quantize_static expects.")
        seen = []
        for call in range(n + 3):
            feeds = call_learner(reader.get_next, doing=f"calling get_next() (call {call + 1})")
            if feeds is None:
                break
            if not isinstance(feeds, dict):
                raise Mistake(f"get_next() should return a dict {{input name: batch}} or None; it returned a "
                              f"{type(feeds).__name__}.")
            if list(feeds) != [_INPUT]:
                raise Mistake(f"get_next() returned the keys {sorted(map(str, feeds))}, but the hidden model's input "
                              "has another name: read it from the model file (an InferenceSession's "
                              "get_inputs()[0].name), never assume it.")
            batch = feeds[_INPUT]
            if not isinstance(batch, np.ndarray):
                raise Mistake(f"The batch should be a numpy array; it is a {type(batch).__name__}.")
            if batch.dtype != np.float32:
                raise Mistake(f"The batch is {batch.dtype}; the model's input is float32 (.astype(np.float32)).")
            if batch.ndim != 4 or batch.shape[1:] != (1, 8, 8):
                raise Mistake(f"A batch has shape {batch.shape}; the model takes (batch, 1, 8, 8): add the "
                              "channel axis.")
            if batch.max() > 1.0 + 1e-6:
                raise Mistake(f"Pixel values reach {batch.max():g}: the raw images were not scaled to [0, 1] as the "
                              "model's training and serving data are. Calibration must see the serving "
                              "preprocessing.")
            seen.append(batch)
        else:
            raise Mistake(f"get_next() never returned None ({n + 3} calls for {n} images): the quantizer keeps "
                          "asking until it does. Return None when the images run out.")
        if not seen:
            raise Mistake("get_next() returned None at once: no image was fed.")
        if len(seen[0]) != batch_size:
            raise Mistake(f"The first batch holds {len(seen[0])} images; batch_size was {batch_size}.")
        got = np.concatenate(seen)
        if got.shape != expected.shape or not np.allclose(got, expected, atol=1e-6):
            raise Mistake(f"The reader fed {len(got)} images in all, or not the hidden images in their order and "
                          f"scale; it should feed each of the {n} images once, scaled like the training data.")
        out_path = Path(folder) / "int8.onnx"
        fresh = call_learner(reader_class, str(model_path), hidden_raw_digits(40, seed=1012), 8,
                             doing="creating a second reader for quantize_static")
        try:
            with _quiet():
                quantize_static(model_path, out_path, fresh, per_channel=True)
        except Exception as error:  # the quantizer's own error, caused by the learner's reader
            raise Mistake(f"quantize_static failed with your reader: {type(error).__name__}: {error}") from error
        if _agreement(model_path, out_path, "the model quantized with your reader") < 0.9:
            raise Mistake("The model calibrated with your reader changes many predictions on hidden images.")
    return ("it feeds every image once, float32, scaled and with its channel axis, under the model's input name, "
            "ends with None, and quantize_static calibrates with it.")


q1 = define(__name__, "q1", _check_reader)

# ------------------------------------------------------------------ q2: static QDQ with per-channel weights


def _check_static(quantize: Any) -> str:
    import onnx
    from onnx import numpy_helper

    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        model_path, out_path = Path(folder) / "float.onnx", Path(folder) / "int8.onnx"
        onnx.save(hidden_cnn(seed=1013), model_path)
        with _quiet():
            call_learner(quantize, str(model_path), str(out_path), _make_reader(hidden_raw_digits(64, seed=1014), 16),
                         doing="calling quantize_qdq_per_channel(model_path, out_path, reader) on a hidden CNN")
        if not out_path.is_file():
            raise Mistake("quantize_qdq_per_channel wrote no file at out_path.")
        model = onnx.load(out_path)
        ops = {node.op_type for node in model.graph.node}
        if ops & {"DynamicQuantizeLinear", "ConvInteger", "MatMulInteger"}:
            raise Mistake("The file quantizes activations at run time (DynamicQuantizeLinear): that is dynamic "
                          "quantization. The task asks for static quantization, calibrated with the reader.")
        if ops & {"QLinearConv", "QGemm", "QLinearMatMul"}:
            raise Mistake(f"The file holds integer operators ({sorted(ops & {'QLinearConv', 'QGemm'})}): that is "
                          "the QOperator format. The task asks for QDQ: standard operators between "
                          "QuantizeLinear/DequantizeLinear pairs.")
        if not {"QuantizeLinear", "DequantizeLinear"} <= ops:
            raise Mistake("The file has no QuantizeLinear/DequantizeLinear pairs: the model was not quantized.")
        init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        conv = next(node for node in model.graph.node if node.op_type == "Conv")
        weight_dq = next((node for node in model.graph.node
                          if node.op_type == "DequantizeLinear" and node.output[0] == conv.input[1]), None)
        if weight_dq is None or weight_dq.input[0] not in init:
            raise Mistake("The convolution's weights are not stored quantized (no DequantizeLinear of an int8 "
                          "initializer feeds the Conv).")
        if init[weight_dq.input[0]].dtype.name != "int8":
            raise Mistake(f"The convolution's weights are {init[weight_dq.input[0]].dtype.name}; the task asks for "
                          "signed int8 weights.")
        if init[weight_dq.input[1]].size == 1:
            raise Mistake("The convolution's weights share one scale (per-tensor): the task asks for one scale per "
                          "output channel.")
        if _agreement(model_path, out_path, "your quantized model") < 0.9:
            raise Mistake("The quantized model changes many predictions on hidden images: was it calibrated with "
                          "the reader you were given?")
    return "static QDQ, int8 weights with one scale per output channel, and the predictions survive."


q2 = define(__name__, "q2", _check_static)

# ------------------------------------------------------------------ q3: pick the model that meets a budget


def _candidates() -> list[tuple[str, list[dict[str, Any]], float, float, Any]]:
    """Hidden (what, candidates, float accuracy, max drop, expected name) cases."""

    def c(name: str, accuracy: float, p50_ms: float) -> dict[str, Any]:
        return {"name": name, "accuracy": accuracy, "p50_ms": p50_ms}

    return [
        ("the fastest candidate loses 4 points", [c("float16", 0.951, 2.9), c("int8-minmax", 0.912, 0.8),
                                                 c("int8-entropy", 0.947, 1.1)], 0.953, 0.01, "int8-entropy"),
        ("two candidates meet the budget", [c("int8-percentile", 0.949, 1.2), c("float16", 0.952, 3.1),
                                            c("int8-minmax", 0.936, 0.7)], 0.953, 0.01, "int8-percentile"),
        ("one candidate is more accurate than float32", [c("int8-a", 0.971, 0.9), c("int8-b", 0.935, 0.6)],
         0.953, 0.01, "int8-a"),
        ("no candidate meets the budget", [c("int8-minmax", 0.90, 0.8), c("int8-entropy", 0.92, 1.0)], 0.953, 0.01,
         None),
    ]


def _why(answer: Any, candidates: list[dict[str, Any]], float_accuracy: float, max_drop: float) -> str:
    """What the wrong answer shows, in the lesson's terms."""
    chosen = next((c for c in candidates if c["name"] == answer), None)
    if answer is None:
        return ("A candidate is within budget. Note that one more accurate than float32 loses nothing (its drop is "
                "negative): did you use the absolute difference?")
    if chosen is None:
        return "Return the chosen candidate's name (its 'name' value), or None."
    if float_accuracy - chosen["accuracy"] > max_drop:
        return ("That candidate loses more accuracy than the budget allows: keep only the candidates within budget, "
                "and return None when there are none (ship float32).")
    return "Among the candidates within budget, the fastest (lowest p50) wins, not the most accurate."


def _check_choose(choose: Any) -> str:
    import copy

    for what, candidates, float_accuracy, max_drop, expected in _candidates():
        answer = call_learner(choose, copy.deepcopy(candidates), float_accuracy, max_drop,
                              doing=f"choosing when {what}")
        if answer != expected:
            raise Mistake(f"choose_model returned {answer!r} when {what}. "
                          f"{_why(answer, candidates, float_accuracy, max_drop)}")
    return "it keeps the candidates within the accuracy budget, takes the fastest, and returns None when none fits."


q3 = define(__name__, "q3", _check_choose)
