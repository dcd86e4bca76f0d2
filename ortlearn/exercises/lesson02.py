"""Exercises of lessons/02_sessions.ipynb: feed any session right; configure a session's threads.

Use: ``ex = ol.exercises.load("02_sessions")``, then ``ex.q1.check(predict)``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ortlearn.exercises.checks import max_abs_diff, outputs_close
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2"]


# ------------------------------------------------------------------ q1: predict with any session


def _hidden_model() -> Any:
    """A model whose input is not called 'x', with two outputs (the first one is asked for)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1201)
    W = rng.standard_normal((6, 2)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "W"], ["scores"]), helper.make_node("Tanh", ["scores"], ["squashed"])],
        "two_outputs",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["n", 6])],
        [helper.make_tensor_value_info("squashed", TensorProto.FLOAT, ["n", 2]),
         helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["n", 2])],
        initializer=[numpy_helper.from_array(W, name="W")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10), W


def _check_predict(predict: Any) -> str:
    import numpy as np
    import onnxruntime as ort

    model, W = _hidden_model()
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1202).standard_normal((5, 6))  # float64, as np.random gives it
    answer = call_learner(predict, session, x.copy(), doing="calling predict(session, x) on a hidden model")
    if isinstance(answer, (list, tuple)):
        raise Mistake(f"predict returned a {type(answer).__name__} (what session.run returns, one entry per "
                      f"output); return the first output itself: outputs[0].")
    if not isinstance(answer, np.ndarray):
        raise Mistake(f"predict should return a numpy array; it returned a {type(answer).__name__}.")
    expected = np.tanh(x.astype(np.float32).astype(np.float64) @ W)
    if outputs_close(answer, expected):
        return "it reads the input name from the session, feeds float32 and returns the first output as an array."
    if outputs_close(answer, x.astype(np.float32).astype(np.float64) @ W):
        raise Mistake("predict returned the model's second output: session.run(None, …) lists the outputs in the "
                      "order of get_outputs(); take index 0.")
    raise Mistake(f"predict's result differs from the model's first output ({max_abs_diff(answer, expected)}).")


q1 = define(__name__, "q1", _check_predict)

# ------------------------------------------------------------------ q2: a session with N threads


def _check_threaded(make: Any) -> str:
    import numpy as np
    import onnx
    import onnxruntime as ort

    from ortlearn.zoo import make_relu_linear_model

    threads = 3  # not the lesson's 1
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        path = Path(folder) / "hidden.onnx"
        onnx.save(make_relu_linear_model(seed=5), path)
        session = call_learner(make, str(path), threads,
                               doing=f"calling make_threaded_session(path, {threads}) on a hidden model file")
        if not isinstance(session, ort.InferenceSession):
            raise Mistake(f"make_threaded_session should return an onnxruntime.InferenceSession; it returned a "
                          f"{type(session).__name__}.")
        options = session.get_session_options()
        if session.get_providers() != ["CPUExecutionProvider"]:
            raise Mistake(f"The session registered {session.get_providers()}; pass providers=['CPUExecutionProvider'].")
        if options.intra_op_num_threads != threads:
            if options.inter_op_num_threads == threads:
                raise Mistake("The session has inter_op_num_threads set: that counts threads running independent "
                              "nodes in parallel (ORT_PARALLEL only). Threads inside one operator are intra_op.")
            shown = "the default, 0 (ORT decides)" if options.intra_op_num_threads == 0 else \
                options.intra_op_num_threads
            raise Mistake(f"Asked for {threads} threads, the session's intra_op_num_threads is {shown}. Set it on "
                          f"the SessionOptions *before* passing them to InferenceSession, from the threads argument.")
        x = np.ones((2, 4), dtype=np.float32)
        session.run(None, {session.get_inputs()[0].name: x})
        del session
    return "the session runs on the CPU provider with the number of threads asked for."


q2 = define(__name__, "q2", _check_threaded)
