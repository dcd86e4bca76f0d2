"""Exercises of lessons/01_onnx_format.ipynb: build a model by hand; tell real inputs from initializers.

Use: ``ex = ol.exercises.load("01_onnx_format")``, then ``ex.q1.check(make_sigmoid_model)``.
"""

from __future__ import annotations

from typing import Any

from ortlearn.exercises.checks import (
    ATOL,
    RTOL,
    dims,
    expect_type,
    make_cpu_session,
    max_abs_diff,
    outputs_close,
    real_inputs,
    run_first_output,
)
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2"]


# ------------------------------------------------------------------ q1: sigmoid(x·W + b) by hand


def _check_sigmoid(make: Any) -> str:
    import numpy as np
    import onnx

    rng = np.random.default_rng(1101)
    n_in, n_out = 5, 2  # not the lesson's 4×3
    W = rng.standard_normal((n_in, n_out)).astype(np.float32)
    b = rng.standard_normal(n_out).astype(np.float32)
    model = call_learner(make, W.copy(), b.copy(), doing="calling make_sigmoid_model(W, b) with a hidden W and b")
    expect_type(model, onnx.ModelProto, "make_sigmoid_model",
                "Build it with helper.make_graph and return helper.make_model(graph, ...).")
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # ValidationError, or shape inference's InferenceError
        raise Mistake(f"onnx.checker.check_model(model, full_check=True) rejects the model: "
                      f"{' '.join(str(error).split())[:240]}") from error
    inputs = real_inputs(model)
    if len(inputs) != 1 or len(model.graph.output) != 1:
        raise Mistake(f"The model should have one input (x) and one output (y); it has {len(inputs)} input(s) to "
                      f"feed and {len(model.graph.output)} output(s).")
    shape = dims(inputs[0])
    if len(shape) != 2:
        raise Mistake(f"The input should have 2 dimensions (batch, features); it declares {shape}.")
    if not isinstance(shape[0], str) or shape[0] == "?":
        raise Mistake(f"The input's first dimension is {shape[0]!r}, a fixed size: then ORT refuses every other "
                      f"batch size. Give it a symbolic name such as \"batch\".")
    if shape[1] != n_in:
        raise Mistake(f"The input's second dimension is {shape[1]!r}, but the W passed in has {n_in} rows. Take "
                      f"the sizes from W.shape instead of writing the lesson's 4 and 3.")
    session = make_cpu_session(model, "your model")
    name = session.get_inputs()[0].name
    for batch in (1, 7):
        x = rng.standard_normal((batch, n_in)).astype(np.float32)
        z = x.astype(np.float64) @ W + b
        y = run_first_output(session, {name: x}, f"your model on a batch of {batch}")
        if outputs_close(y, 1 / (1 + np.exp(-z))):
            continue
        if outputs_close(y, np.maximum(z, 0)):
            raise Mistake("The outputs are relu(x·W + b): the last node should be Sigmoid, not Relu.")
        raise Mistake(f"On a hidden batch of {batch} rows the outputs differ from sigmoid(x·W + b) "
                      f"({max_abs_diff(y, 1 / (1 + np.exp(-z)))}, beyond rtol={RTOL:g}, atol={ATOL:g}).")
    return ("the model passes the checker, accepts any batch size and computes sigmoid(x·W + b) "
            "on hidden weights and inputs.")


q1 = define(__name__, "q1", _check_sigmoid)

# ------------------------------------------------------------------ q2: what must be fed?


def _ir3_model() -> Any:
    """Two real inputs with initializers listed as inputs between them (the IR < 4 habit)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1102)
    info = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 3]) for n in ("W", "left", "bias", "right")]
    nodes = [helper.make_node("Add", ["left", "W"], ["t"]), helper.make_node("Mul", ["t", "right"], ["u"]),
             helper.make_node("Add", ["u", "bias"], ["out"])]
    graph = helper.make_graph(
        nodes, "ir3", info, [helper.make_tensor_value_info("out", TensorProto.FLOAT, [2, 3])],
        initializer=[numpy_helper.from_array(rng.standard_normal((2, 3)).astype(np.float32), name=n)
                     for n in ("W", "bias")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)], ir_version=3)


def _check_inputs_to_feed(find: Any) -> str:
    import onnx

    from ortlearn.data import real_model_path
    from ortlearn.zoo import make_relu_linear_model

    cases = [("the relu(x·W + b) model", make_relu_linear_model(seed=3)),
             ("a hidden model with initializers listed as inputs", _ir3_model()),
             ("SqueezeNet", onnx.load(real_model_path("squeezenet")))]
    for what, model in cases:
        expected = [value.name for value in real_inputs(model)]
        answer = call_learner(find, model, doing=f"calling inputs_to_feed on {what}")
        expect_type(answer, (list, tuple), "inputs_to_feed", "Return a list of input names (strings).")
        if not all(isinstance(name, str) for name in answer):
            raise Mistake("inputs_to_feed should return names (strings), not ValueInfoProto objects: use value.name.")
        if list(answer) == expected:
            continue
        declared = [value.name for value in model.graph.input]
        if list(answer) == declared:
            raise Mistake(f"For {what} you returned every graph input ({len(declared)}), but some of them are "
                          f"initializers (listed as inputs only by IR < 4 files): those need no feed.")
        if set(answer) == set(expected):
            raise Mistake(f"For {what} the names are right but not in the graph's order.")
        raise Mistake(f"For {what} you returned {len(answer)} name(s); that is not the set of inputs without an "
                      f"initializer of the same name.")
    return "it finds the inputs to feed on three models, including an old one that lists its weights as inputs."


q2 = define(__name__, "q2", _check_inputs_to_feed)
