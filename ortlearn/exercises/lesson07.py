"""Exercises of lessons/07_performance.ipynb: quantize the right layers; judge int8 by the task; time it right.

Use: ``ex = ol.exercises.load("07_performance")``, then ``ex.q1.check(quantize_fc_layers)``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from ortlearn.exercises.checks import make_cpu_session
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2", "q3"]


# ------------------------------------------------------------------ q1: dynamic int8, fully connected layers only


def hidden_cnn() -> Any:
    """Conv -> Relu -> Flatten -> Gemm -> Relu -> Gemm, seeded weights, written with onnx.helper."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1701)

    def weight(name: str, *shape: int, scale: float) -> Any:
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    nodes = [helper.make_node("Conv", ["input", "cw", "cb"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]), helper.make_node("Flatten", ["r"], ["f"]),
             helper.make_node("Gemm", ["f", "w1", "b1"], ["h"], transB=1), helper.make_node("Relu", ["h"], ["hr"]),
             helper.make_node("Gemm", ["hr", "w2", "b2"], ["output"], transB=1)]
    initializers = [weight("cw", 8, 3, 3, 3, scale=0.3), weight("cb", 8, scale=0.1),
                    weight("w1", 128, 8 * 8 * 8, scale=0.05), weight("b1", 128, scale=0.1),
                    weight("w2", 10, 128, scale=0.1), weight("b2", 10, scale=0.1)]
    graph = helper.make_graph(nodes, "hidden_cnn", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                                  ["batch", 3, 8, 8])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])],
                              initializer=initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)


def _check_quantize(quantize: Any) -> str:
    import numpy as np
    import onnx

    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        model_path, out_path = Path(folder) / "float.onnx", Path(folder) / "int8.onnx"
        onnx.save(hidden_cnn(), model_path)
        call_learner(quantize, str(model_path), str(out_path),
                     doing="calling quantize_fc_layers(model_path, out_path) on a hidden CNN")
        if not out_path.is_file():
            raise Mistake("quantize_fc_layers wrote no file at out_path.")
        quantized = onnx.load(out_path)
        ops = {node.op_type for node in quantized.graph.node}
        if "ConvInteger" in ops:
            raise Mistake("The convolution was quantized too (ConvInteger): the task limits quantization to the "
                          "fully connected layers (op_types_to_quantize).")
        if "MatMulInteger" not in ops and "DynamicQuantizeLinear" not in ops:
            raise Mistake("The fully connected layers were not quantized: the file has no MatMulInteger.")
        int8_weights = {onnx.helper.tensor_dtype_to_np_dtype(t.data_type) for t in quantized.graph.initializer
                        if t.name.endswith("_quantized")}
        if np.dtype(np.uint8) in int8_weights:
            raise Mistake("The weights were quantized to uint8 (QuantType.QUInt8); the task asks for signed int8.")
        x = np.random.default_rng(1702).standard_normal((64, 3, 8, 8)).astype(np.float32)
        float_out = make_cpu_session(model_path.read_bytes(), "the float model").run(None, {"input": x})[0]
        int8_out = make_cpu_session(out_path.read_bytes(), "your quantized model").run(None, {"input": x})[0]
    agreement = float(np.mean(float_out.argmax(1) == int8_out.argmax(1)))
    if agreement < 0.9:
        raise Mistake(f"The quantized model changes {1 - agreement:.0%} of the predicted classes on hidden inputs.")
    return "only the fully connected layers are int8 (signed), and the predictions survive on hidden inputs."


q1 = define(__name__, "q1", _check_quantize)

# ------------------------------------------------------------------ q2: judge an int8 model by its task


def int8_cases() -> list[tuple[str, Any, Any, Any, bool]]:
    """Hidden (what, float logits, int8 logits, labels, verdict) cases."""
    import numpy as np

    rng = np.random.default_rng(1703)
    n, rows = 400, np.arange(400)
    labels = rng.integers(0, 10, n)
    logits = rng.standard_normal((n, 10)).astype(np.float32)
    logits[rows, labels] += 5  # right, with a clear margin …
    made_wrong = rng.choice(n, size=30, replace=False)  # … except 30 samples the float model gets wrong
    logits[made_wrong, (labels[made_wrong] + 1) % 10] = logits[made_wrong, labels[made_wrong]] + 1
    jitter = (logits + rng.uniform(-0.08, 0.08, logits.shape)).astype(np.float32)
    rescaled = (logits * 1.1 + 0.3).astype(np.float32)  # every logit moves (up to about 1), no prediction does
    close = logits.copy()  # few logits change, but 6 % of the predictions flip
    right = np.setdiff1d(rows, made_wrong)
    flip = rng.choice(right, size=24, replace=False)
    close[flip, (labels[flip] + 2) % 10] = close[flip, labels[flip]] + 0.01
    swapped = logits.copy()  # 10 wrong -> right and 10 right -> wrong: same accuracy, 5 % changed
    fixed, broken = made_wrong[:10], rng.choice(right, size=10, replace=False)
    swapped[fixed, labels[fixed]] += 2
    swapped[broken, (labels[broken] + 3) % 10] = swapped[broken, labels[broken]] + 1
    return [("an int8 model whose logits move by up to 0.08 but keep every prediction", logits, jitter, labels, True),
            ("an int8 model whose logits all move by up to about 1 but keep every prediction", logits, rescaled,
             labels, True),
            ("an int8 model that flips 6 % of the predictions", logits, close, labels, False),
            ("an int8 model that keeps the accuracy but changes 5 % of the predictions", logits, swapped, labels,
             False)]


def _check_int8(acceptable: Any) -> str:
    import numpy as np

    for what, float_logits, int8_logits, labels, verdict in int8_cases():
        answer = call_learner(acceptable, float_logits.copy(), int8_logits.copy(), labels.copy(),
                              doing=f"judging {what}")
        if not isinstance(answer, (bool, np.bool_)):
            raise Mistake(f"int8_acceptable should return True or False; it returned a {type(answer).__name__}.")
        if bool(answer) != verdict:
            why = ("An elementwise float tolerance (or a logit difference) judges int8 by the wrong yardstick: "
                   "judge the task, predictions and accuracy." if verdict else
                   "Count the changed predictions as well as the accuracy, and not the logit differences alone.")
            raise Mistake(f"int8_acceptable said {bool(answer)} for {what}. {why}")
    return "it judges int8 models by accuracy and changed predictions, not by float tolerances."


q2 = define(__name__, "q2", _check_int8)

# ------------------------------------------------------------------ q3: latency measured right

_COLD_S, _SLOW_S = 0.15, 0.03


class _Timed:
    """A fake workload: its first ``cold`` calls are slow (a cold start); two later calls are hiccups."""

    def __init__(self, cold: int, hiccups: tuple[int, ...]) -> None:
        self.calls, self.cold, self.hiccups = 0, cold, hiccups

    def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.cold:
            time.sleep(_COLD_S)
        elif self.calls - self.cold in self.hiccups:
            time.sleep(_SLOW_S)


def _check_measure(measure: Any) -> str:
    warmup, repeat = 3, 40
    workload = _Timed(cold=warmup, hiccups=(7, 23))
    stats = call_learner(measure, workload, warmup, repeat, doing=f"calling measure(fn, {warmup}, {repeat})")
    keys = ("p50_ms", "p90_ms", "max_ms")
    if not isinstance(stats, dict) or not all(isinstance(stats.get(k), (int, float)) for k in keys):
        raise Mistake(f"measure should return a dict of numbers with the keys {list(keys)}.")
    if workload.calls != warmup + repeat:
        raise Mistake(f"fn was called {workload.calls} times; measure(fn, {warmup}, {repeat}) should call it "
                      f"{warmup} times to warm up, then {repeat} times while timing.")
    if stats["max_ms"] < 1:
        raise Mistake(f"max_ms is {stats['max_ms']:.3g}, yet a hidden call took {_SLOW_S * 1000:.0f} ms: report "
                      f"milliseconds (seconds × 1000).")
    if stats["max_ms"] >= _COLD_S * 1000 * 0.9:
        raise Mistake("The slowest timed call is a cold-start call: the warm-up calls were timed too.")
    if stats["p50_ms"] > 1:
        raise Mistake("p50_ms is far above a typical call: two slow hiccups moved it. Is it a mean? The median "
                      "(50th percentile) is not moved by a few outliers.")
    if not stats["p50_ms"] <= stats["p90_ms"] <= stats["max_ms"]:
        raise Mistake("The statistics are out of order: p50 <= p90 <= max must hold.")
    return "warm-up excluded, milliseconds, and a median that two hiccups do not move."


q3 = define(__name__, "q3", _check_measure)
