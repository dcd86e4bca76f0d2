"""Exercises of lessons/11_deployment.ipynb: an output bound in place; metadata stamped; external data from bytes.

Use: ``ex = ol.exercises.load("11_deployment")``, then ``ex.q1.check(run_into)``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ortlearn.exercises.checks import make_cpu_session, outputs_close
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2", "q3"]


def hidden_affine(seed: int, n_in: int, n_out: int) -> Any:
    """``scores = features · W + b`` with seeded weights (names unlike the lesson's ``x`` and ``y``)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    weights = [numpy_helper.from_array(rng.standard_normal((n_in, n_out)).astype(np.float32), "W"),
               numpy_helper.from_array(rng.standard_normal(n_out).astype(np.float32), "b")]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "W"], ["fw"]), helper.make_node("Add", ["fw", "b"], ["scores"])],
        "hidden_affine", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", n_out])], initializer=weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)


def _affine_reference(model: Any, x: Any) -> Any:
    from onnx import numpy_helper

    W, b = (numpy_helper.to_array(t) for t in model.graph.initializer)
    return x @ W + b


# ------------------------------------------------------------------ q1: IOBinding into a pre-allocated output


def _watched_session(model_bytes: bytes) -> Any:
    """An InferenceSession that remembers whether run() was called and which bindings were run."""
    import onnxruntime as ort

    class WatchedSession(ort.InferenceSession):
        def __init__(self) -> None:
            super().__init__(model_bytes, providers=["CPUExecutionProvider"])
            self.plain_runs, self.bindings = 0, []

        def run(self, *args: Any, **kwargs: Any) -> Any:
            self.plain_runs += 1
            return super().run(*args, **kwargs)

        def run_with_iobinding(self, iobinding: Any, run_options: Any = None) -> Any:
            self.bindings.append(iobinding)
            return super().run_with_iobinding(iobinding, run_options)

    return WatchedSession()


def _check_run_into(run_into: Any) -> str:
    import numpy as np

    model = hidden_affine(1101, 24, 7)
    session = _watched_session(model.SerializeToString())
    x = np.random.default_rng(1102).standard_normal((5, 24)).astype(np.float32)
    out = np.full((5, 7), np.nan, dtype=np.float32)
    returned = call_learner(run_into, session, x, out, doing="calling run_into(session, x, out) on a hidden model")
    if session.plain_runs:
        raise Mistake("run_into called session.run(), which allocates a new output array on every call: bind "
                      "the input and out with session.io_binding() and run with session.run_with_iobinding().")
    if not session.bindings:
        raise Mistake("run_into never called session.run_with_iobinding(binding), so nothing ran.")
    bound = [value.data_ptr() for binding in session.bindings for value in binding.get_outputs()]
    if out.ctypes.data not in bound:
        raise Mistake("The output was bound to memory that ORT allocated, not to out: wrap out in an OrtValue "
                      "(OrtValue.ortvalue_from_numpy) and bind it with bind_ortvalue_output, so ORT writes in place.")
    if not isinstance(returned, np.ndarray) or not np.shares_memory(returned, out):
        raise Mistake("run_into should return out itself (the array ORT wrote into), not a copy.")
    if not outputs_close(out, _affine_reference(model, x)):
        raise Mistake("out does not hold the model's output for x: is x bound to the model's input name "
                      "(session.get_inputs()[0].name)?")
    return "ORT wrote the result straight into out, with no run() and no copy."


q1 = define(__name__, "q1", _check_run_into)

# ------------------------------------------------------------------ q2: stamp version and metadata


def _check_stamp(stamp: Any) -> str:
    import json

    import onnx
    from onnx import helper

    model = hidden_affine(1103, 6, 3)
    helper.set_model_props(model, {"labels": "old,labels", "owner": "team-a"})
    props = {"labels": json.dumps(["cat", "dog", "bird"]), "preprocessing": json.dumps({"mean": 0.5, "std": 0.2})}
    version = 7
    returned = call_learner(stamp, model, version, dict(props), doing="calling stamp(model, 7, props)")
    if not isinstance(returned, onnx.ModelProto):
        raise Mistake(f"stamp should return the ModelProto; it returned {type(returned).__name__}.")
    try:
        onnx.checker.check_model(returned)
    except onnx.checker.ValidationError as error:
        raise Mistake(f"onnx.checker rejects the stamped model: {str(error).splitlines()[0]} A key that is "
                      "already there must take the new value, not be added a second time.") from error
    meta = make_cpu_session(returned.SerializeToString(), "your stamped model").get_modelmeta()
    if meta.version != version:
        raise Mistake(f"get_modelmeta().version is {meta.version}, not the version you were given: set "
                      "model.model_version (an unset version reads as the largest int64).")
    found = meta.custom_metadata_map
    if found.get("owner") != "team-a":
        raise Mistake("The key 'owner', already in the model, is gone: helper.set_model_props replaces every "
                      "key, so pass it the old keys as well as the new ones.")
    wrong = sorted(key for key, value in props.items() if found.get(key) != value)
    if wrong:
        raise Mistake(f"custom_metadata_map does not hold the given values for {wrong}.")
    return "version and metadata stamped, old keys kept, new values win, and the checker accepts it."


q2 = define(__name__, "q2", _check_stamp)

# ------------------------------------------------------------------ q3: a model with external data, from bytes


def _check_from_bytes(session_from_bytes: Any) -> str:
    import numpy as np
    import onnx

    model = hidden_affine(1105, 64, 16)
    x = np.random.default_rng(1106).standard_normal((3, 64)).astype(np.float32)
    expected = _affine_reference(model, x)  # before saving: onnx.save moves the weights out of `model`
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        data_folder = Path(folder) / "weights"
        data_folder.mkdir()
        onnx.save(model, data_folder / "hidden.onnx", save_as_external_data=True, location="hidden.onnx.data",
                  size_threshold=0)
        model_bytes = (data_folder / "hidden.onnx").read_bytes()
        (data_folder / "hidden.onnx").unlink()  # only the data file stays in the folder
        here = Path.cwd()
        try:
            session = call_learner(session_from_bytes, model_bytes, str(data_folder),
                                   doing="calling session_from_bytes(model_bytes, data_folder)")
            moved = Path.cwd() != here
        finally:
            os.chdir(here)
        if moved:
            raise Mistake("session_from_bytes changed the working directory of the whole process (os.chdir): a "
                          "service's other threads would see it. Tell the session where the data is instead.")
        if not hasattr(session, "run") or not hasattr(session, "get_inputs"):
            raise Mistake(f"session_from_bytes should return an InferenceSession; it returned "
                          f"{type(session).__name__}.")
        actual = session.run(None, {"features": x})[0]
    if not outputs_close(actual, expected):
        raise Mistake("The session's outputs are not the hidden model's: were the weights read from the data "
                      "folder?")
    return "the session found the external data through its options, without moving the process."


q3 = define(__name__, "q3", _check_from_bytes)
