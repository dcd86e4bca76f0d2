"""Exercises of lessons/08_custom_operators.ipynb: an ONNX function, a registered library, a Python kernel.

Use: ``ex = ol.exercises.load("08_custom_operators")``, then ``ex.q1.check(make_hardswish_function)``.
"""

from __future__ import annotations

import itertools
from typing import Any

from ortlearn.exercises.checks import make_cpu_session, max_abs_diff, outputs_close, run_first_output
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2", "q3"]

CONTRIB = "ai.onnx.contrib"

# ------------------------------------------------------------------ q1: HardSwish as an ONNX function


def _check_hardswish(make: Any) -> str:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    function = call_learner(make, doing="calling make_hardswish_function()")
    if not isinstance(function, onnx.FunctionProto):
        raise Mistake(f"make_hardswish_function should return an onnx.FunctionProto (helper.make_function); it "
                      f"returned a {type(function).__name__}.")
    used = {node.op_type for node in function.node}
    if used & {"HardSwish", "HardSigmoid"}:
        raise Mistake(f"The body uses {sorted(used & {'HardSwish', 'HardSigmoid'})}: build it from Div, Add, Clip "
                      f"and Mul, as the task asks.")
    if not function.domain or function.domain in ("ai.onnx", CONTRIB):
        raise Mistake(f"The function's domain is {function.domain!r}: give it a domain of your own, such as "
                      f"'my.functions'.")
    if len(function.input) != 1 or len(function.output) != 1:
        raise Mistake("The function should have one input and one output.")
    graph = helper.make_graph([helper.make_node(function.name, ["x"], ["y"], domain=function.domain)], "uses_it",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])])
    model = helper.make_model(graph, functions=[function], ir_version=10, opset_imports=[
        helper.make_opsetid("", 21), helper.make_opsetid(function.domain, 1)])
    session = make_cpu_session(model, "a model that calls your function (does it import the opsets its body uses?)")
    x = np.concatenate([np.linspace(-8, 8, 33), np.random.default_rng(1801).uniform(-5, 5, 40)]).astype(np.float32)
    y = run_first_output(session, {"x": x}, "a model that calls your function")
    expected = x * np.clip(x / 6 + 0.5, 0, 1)
    if outputs_close(y, expected.astype(np.float64)):
        return "a model calling your function runs in ORT and matches x·max(0, min(1, x/6 + 1/2)) on hidden inputs."
    region = "below -3" if not np.allclose(y[x < -3], expected[x < -3], atol=1e-5) else \
        "above 3" if not np.allclose(y[x > 3], expected[x > 3], atol=1e-5) else "between -3 and 3"
    raise Mistake(f"The function's outputs are wrong for inputs {region} ({max_abs_diff(y, expected)}). Is the "
                  f"clip to [0, 1] complete?")


q1 = define(__name__, "q1", _check_hardswish)

# ------------------------------------------------------------------ q2: a session that can run contrib ops


def _contrib_model() -> bytes:
    """A model with a compiled operator of onnxruntime-extensions (StringUpper, no Python involved)."""
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("StringUpper", ["text"], ["upper"], domain=CONTRIB)], "strings",
                              [helper.make_tensor_value_info("text", TensorProto.STRING, ["n"])],
                              [helper.make_tensor_value_info("upper", TensorProto.STRING, ["n"])])
    return helper.make_model(graph, ir_version=10, opset_imports=[
        helper.make_opsetid("", 21), helper.make_opsetid(CONTRIB, 1)]).SerializeToString()


def _check_contrib_session(make: Any) -> str:
    import numpy as np
    import onnxruntime as ort

    session = call_learner(make, _contrib_model(),
                           doing="creating a session with make_contrib_session on a hidden model that uses an "
                                 "ai.onnx.contrib operator")
    if not isinstance(session, ort.InferenceSession):
        raise Mistake(f"make_contrib_session should return an onnxruntime.InferenceSession; it returned a "
                      f"{type(session).__name__}.")
    words = np.array(["onnx", "Runtime", "ÉTÉ"], dtype=object)
    (upper,) = session.run(None, {"text": words})
    if [str(w) for w in upper] != [w.upper() for w in words]:
        raise Mistake("The session ran, but its output is not what the operator computes.")
    return "the session loads the extensions library and runs a compiled ai.onnx.contrib operator."


q2 = define(__name__, "q2", _check_contrib_session)

# ------------------------------------------------------------------ q3: a Python kernel, registered and run

_OP_NUMBERS = itertools.count(1)


def _check_softsign(kernel: Any) -> str:
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper
    from onnxruntime_extensions import PyOp, get_library_path, onnx_op

    x = np.concatenate([np.linspace(-4, 4, 9), np.random.default_rng(1803).normal(0, 3, 20)]).astype(np.float32)
    # Call the kernel directly first: an exception inside ORT's run would abort the whole process (section 4).
    direct = call_learner(kernel, x.copy(), doing="calling softsign_kernel(x) directly, before registering it")
    if not isinstance(direct, np.ndarray):
        raise Mistake(f"softsign_kernel should return a numpy array; it returned a {type(direct).__name__}.")
    if direct.dtype != np.float32 or direct.shape != x.shape:
        raise Mistake(f"softsign_kernel returned {direct.dtype} of shape {direct.shape} for float32 input of shape "
                      f"{x.shape}: the operator declares float32 outputs of the input's shape; return exactly that "
                      f"(.astype(np.float32)).")
    op_type = f"OrtlearnExerciseSoftsign{next(_OP_NUMBERS)}"  # a new name per check: an op_type registers once
    onnx_op(op_type=op_type, inputs=[PyOp.dt_float], outputs=[PyOp.dt_float])(kernel)
    graph = helper.make_graph([helper.make_node(op_type, ["x"], ["y"], domain=CONTRIB)], "softsign",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])])
    model = helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", 21),
                                                                   helper.make_opsetid(CONTRIB, 1)])
    options = ort.SessionOptions()  # fresh options after the new @onnx_op (section 2)
    options.register_custom_ops_library(get_library_path())
    session = make_cpu_session(model, "a model using your kernel", options)
    y = run_first_output(session, {"x": x}, "a model using your kernel")
    expected = (x / (1 + np.abs(x))).astype(np.float64)
    if outputs_close(y, expected):
        return "registered as an ai.onnx.contrib operator, it runs inside ORT and computes x / (1 + |x|)."
    if np.allclose(y[x >= 0], expected[x >= 0], atol=1e-5):
        raise Mistake("Right for x >= 0, wrong for negative x: softsign divides by 1 + |x|.")
    raise Mistake(f"Run by ORT, your operator's outputs differ from x / (1 + |x|) ({max_abs_diff(y, expected)}).")


q3 = define(__name__, "q3", _check_softsign)
