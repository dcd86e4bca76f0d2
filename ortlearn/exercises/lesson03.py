"""Exercises of lessons/03_providers.ipynb: an optimization level, where nodes ran, the tolerance rule.

Use: ``ex = ol.exercises.load("03_providers")``, then ``ex.q1.check(make_basic_session)``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ortlearn.exercises.checks import outputs_close
from ortlearn.exercises.core import LearnerError, Mistake, call_learner, define

__all__ = ["q1", "q2", "q3"]


# ------------------------------------------------------------------ q1: the basic level, saved


def _check_basic(make: Any) -> str:
    import numpy as np
    import onnx
    import onnxruntime as ort

    from ortlearn.zoo import make_conv_bn_relu_model

    model_bytes = make_conv_bn_relu_model(seed=7).SerializeToString()
    level = ort.GraphOptimizationLevel
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        save_to = Path(folder) / "rewritten.onnx"
        session = call_learner(make, model_bytes, save_to,
                               doing="calling make_basic_session(model_bytes, save_to) on a hidden model")
        if not isinstance(session, ort.InferenceSession):
            raise Mistake(f"make_basic_session should return an onnxruntime.InferenceSession; it returned a "
                          f"{type(session).__name__}.")
        got = session.get_session_options().graph_optimization_level
        if got != level.ORT_ENABLE_BASIC:
            default = " (the default, when the level is not set)" if got == level.ORT_ENABLE_ALL else ""
            raise Mistake(f"The session's optimization level is {got.name}{default}; the task asks for the basic "
                          f"level.")
        if not save_to.is_file():
            raise Mistake("No rewritten graph was written to save_to: set SessionOptions.optimized_model_filepath "
                          "to it (as a str) before creating the session.")
        ops = [node.op_type for node in onnx.load(save_to).graph.node]
        if "BatchNormalization" in ops:
            raise Mistake("The file written to save_to still holds a BatchNormalization node: is it the graph the "
                          "session ran, at the basic level?")
        x = np.random.default_rng(1301).standard_normal((3, 3, 32, 32)).astype(np.float32)
        plain_options = ort.SessionOptions()
        plain_options.graph_optimization_level = level.ORT_DISABLE_ALL
        plain = ort.InferenceSession(model_bytes, plain_options, providers=["CPUExecutionProvider"])
        name = plain.get_inputs()[0].name
        if not outputs_close(session.run(None, {name: x})[0], plain.run(None, {name: x})[0]):
            raise Mistake("The session's outputs differ from the unoptimized graph's beyond the course tolerance.")
    return (f"basic level, rewritten graph saved (operators: {', '.join(sorted(set(ops)))}), outputs within "
            f"tolerance of the unoptimized graph.")


q1 = define(__name__, "q1", _check_basic)

# ------------------------------------------------------------------ q2: did every node run where expected?


def _recording_session(providers: list[str]) -> Any:
    import onnxruntime as ort

    from ortlearn.zoo import make_conv_bn_relu_model

    options = ort.SessionOptions()
    options.add_session_config_entry("session.record_ep_graph_assignment_info", "1")
    return ort.InferenceSession(make_conv_bn_relu_model(seed=8).SerializeToString(), options, providers=providers)


def _check_runs_on(check_runs_on: Any) -> str:
    import onnxruntime as ort

    cpu = _recording_session(["CPUExecutionProvider"])
    call_learner(check_runs_on, cpu, "CPUExecutionProvider",
                 doing="calling check_runs_on(session, 'CPUExecutionProvider') on a session whose nodes all run "
                       "on the CPU (it should return None)")
    cases = [(cpu, "CUDAExecutionProvider", "asking for CUDA on a CPU session")]
    if "AzureExecutionProvider" in ort.get_available_providers():
        azure_first = _recording_session(["AzureExecutionProvider", "CPUExecutionProvider"])
        cases.insert(0, (azure_first, "AzureExecutionProvider",
                         "asking for Azure on a session that registers Azure first, yet runs every node on the CPU"))
    for session, provider, what in cases:
        try:
            returned = check_runs_on(session, provider)
        except RuntimeError:
            continue
        except Exception as error:  # the learner's code raised something else
            raise LearnerError(what, error) from error
        said = f" (it returned {returned!r}; return values are easy to ignore)" if returned is not None else ""
        raise Mistake(f"check_runs_on did not raise RuntimeError when {what}{said}. get_providers() lists the "
                      f"registered providers, not where the nodes ran: read get_provider_graph_assignment_info().")
    return "it passes a session that runs where expected and raises on sessions whose nodes run elsewhere."


q2 = define(__name__, "q2", _check_runs_on)

# ------------------------------------------------------------------ q3: the course's tolerance rule


def _check_tolerance(same: Any) -> str:
    import numpy as np

    rng = np.random.default_rng(1303)
    base = rng.standard_normal(64).astype(np.float32)
    large = (1000 + 10 * base).astype(np.float32)
    near_zero = (base * 1e-3).astype(np.float32)
    cases = [  # (what, actual, expected, the rule's verdict)
        ("outputs that differ in their last bits, as after a graph optimization",
         base * np.float32(1 + 3e-7), base, True),
        ("values near zero that differ by 2e-6", near_zero + np.float32(2e-6), near_zero, True),
        ("values around 1000 that differ by 0.01", large + np.float32(0.01), large, True),
        ("outputs that differ by 1e-3 around 1", base + np.float32(1e-3), base, False),
        ("one value out of 64 off by 0.5", np.where(np.arange(64) == 9, base + 0.5, base).astype(np.float32),
         base, False),
    ]
    for what, actual, expected, verdict in cases:
        answer = call_learner(same, actual.copy(), expected.copy(), doing=f"comparing {what}")
        if not isinstance(answer, (bool, np.bool_)):
            raise Mistake(f"same_within_tolerance should return True or False; it returned a "
                          f"{type(answer).__name__}.")
        if bool(answer) == verdict:
            continue
        if verdict:
            raise Mistake(f"For {what} you answered False, but they agree under the course's rule "
                          f"|actual - expected| <= atol + rtol·|expected|. Bit-for-bit equality, NumPy's default "
                          f"tolerances or an absolute tolerance alone are too strict somewhere.")
        raise Mistake(f"For {what} you answered True: too loose for float32.")
    return "it agrees with the course's rule on rounding noise, near-zero values, large values and real differences."


q3 = define(__name__, "q3", _check_tolerance)
