"""Exercises of lessons/08_custom_operators.ipynb: an ONNX function, a registered library, a Python kernel.

Use: ``ex = ol.exercises.load("08_custom_operators")``, then ``ex.q1.check(make_hardswish_function)``.
"""

from __future__ import annotations

import itertools
from typing import Any

from ortlearn.exercises.checks import make_cpu_session, max_abs_diff, outputs_close, run_first_output
from ortlearn.exercises.core import Exercise, Mistake, call_learner

__all__ = ["q1", "q2", "q3"]

TOPIC = "08_custom_operators"
LESSON = "lessons/08_custom_operators.ipynb"
CONTRIB = "ai.onnx.contrib"

# ------------------------------------------------------------------ q1: HardSwish as an ONNX function

Q1_SOLUTION = '''\
def make_hardswish_function():
    nodes = [
        helper.make_node("Constant", [], ["six"], value_float=6.0),
        helper.make_node("Constant", [], ["half"], value_float=0.5),
        helper.make_node("Constant", [], ["zero"], value_float=0.0),
        helper.make_node("Constant", [], ["one"], value_float=1.0),
        helper.make_node("Div", ["X", "six"], ["d"]),
        helper.make_node("Add", ["d", "half"], ["a"]),
        helper.make_node("Clip", ["a", "zero", "one"], ["c"]),
        helper.make_node("Mul", ["X", "c"], ["Y"]),
    ]
    return helper.make_function("my.functions", "MyHardSwish", ["X"], ["Y"], nodes,
                                opset_imports=[helper.make_opsetid("", 21)])
'''


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


q1 = Exercise(
    id="ex-08-hardswish-function",
    topic=TOPIC,
    title="HardSwish as an ONNX function",
    task=("Write make_hardswish_function() -> onnx.FunctionProto: HardSwish(x) = x · max(0, min(1, x/6 + 1/2)) "
          "built from standard Div, Add, Clip and Mul nodes (not the HardSwish or HardSigmoid operators), one "
          "input and one output, in a domain of your own, usable in an opset-21 model."),
    checker=_check_hardswish,
    hints=(
        "Section 1 builds Swish the same way: helper.make_function(domain, name, inputs, outputs, nodes, "
        "opset_imports=...).",
        "Clip takes its bounds as inputs (min, max) since opset 11; Constant nodes can make them inside the body.",
        "Div(X, 6) -> Add(0.5) -> Clip(0, 1) -> Mul(X, ·); opset_imports=[helper.make_opsetid('', 21)].",
    ),
    solution_code=Q1_SOLUTION,
    section=f"{LESSON}, section 1",
)

# ------------------------------------------------------------------ q2: a session that can run contrib ops

Q2_SOLUTION = '''\
def make_contrib_session(model_bytes):
    options = ort.SessionOptions()
    options.register_custom_ops_library(get_library_path())
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
'''


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


q2 = Exercise(
    id="ex-08-contrib-session",
    topic=TOPIC,
    title="A session that can run contrib operators",
    task=("Write make_contrib_session(model_bytes) -> onnxruntime.InferenceSession: a CPU session for a model whose "
          "nodes use operators of the ai.onnx.contrib domain implemented in onnxruntime-extensions' library. The "
          "check's model uses one you have not met."),
    checker=_check_contrib_session,
    hints=(
        "Section 3: what error does a session give without the library, and when?",
        "The library is loaded through the SessionOptions you pass to InferenceSession, before it is created.",
        "options = ort.SessionOptions(); options.register_custom_ops_library(get_library_path()); "
        "ort.InferenceSession(model_bytes, options, providers=['CPUExecutionProvider']).",
    ),
    solution_code=Q2_SOLUTION,
    section=f"{LESSON}, sections 2 and 3",
)

# ------------------------------------------------------------------ q3: a Python kernel, registered and run

Q3_SOLUTION = '''\
def softsign_kernel(x):
    return (x / (1 + np.abs(x))).astype(np.float32)
'''

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


q3 = Exercise(
    id="ex-08-softsign-kernel",
    topic=TOPIC,
    title="A Python kernel, registered and run",
    task=("Write softsign_kernel(x) -> numpy.ndarray computing softsign(x) = x / (1 + |x|) for a float32 array, "
          "returning float32 of the same shape. The check registers it with @onnx_op as an ai.onnx.contrib "
          "operator and runs it inside ONNX Runtime."),
    checker=_check_softsign,
    hints=(
        "Section 2's Sinc kernel: a numpy function that returns exactly the declared dtype.",
        "np.abs, and mind the dtype: numpy may promote to float64.",
        "return (x / (1 + np.abs(x))).astype(np.float32)",
    ),
    solution_code=Q3_SOLUTION,
    section=f"{LESSON}, section 2",
)
