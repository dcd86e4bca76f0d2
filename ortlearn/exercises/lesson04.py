"""Exercises of lessons/04_export.ipynb: a dynamic-batch export, a parity check, an exportable branch,
two named dynamic axes.

Use: ``ex = ol.exercises.load("04_export")``, then ``ex.q1.check(export_dynamic)``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ortlearn.exercises.checks import (
    ATOL,
    RTOL,
    dims,
    make_cpu_session,
    max_abs_diff,
    outputs_close,
    real_inputs,
    run_first_output,
)
from ortlearn.exercises.core import LearnerError, Mistake, call_learner, define

__all__ = ["q1", "q2", "q3", "q4"]


@contextlib.contextmanager
def _quiet_torch() -> Iterator[None]:
    """Keep the exporter's log lines, warnings and partial-graph dumps out of the learner's cell."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.fx", "torch.export", "torch._dynamo")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _hidden_mlp(seed: int) -> Any:
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))


# ------------------------------------------------------------------ q1: export with a named dynamic batch


def _check_export_dynamic(export: Any) -> str:
    import numpy as np
    import onnx
    import torch

    model = _hidden_mlp(1401).train()  # handed over in training mode, as a fresh model would be
    example = torch.from_numpy(np.random.default_rng(1401).standard_normal((3, 6)).astype(np.float32))
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        path = Path(folder) / "hidden.onnx"
        with _quiet_torch():
            call_learner(export, model, example, str(path),
                         doing="exporting a hidden nn.Sequential (argument name: input) with export_dynamic")
        if not path.is_file():
            raise Mistake("export_dynamic wrote no file at `path`: pass the path to torch.onnx.export.")
        if Path(f"{path}.data").exists():
            raise Mistake("The export left its weights in a separate path.data file: the task asks for one "
                          "self-contained file (external_data=False).")
        exported = onnx.load(path)
    opset = next((o.version for o in exported.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 18:
        raise Mistake(f"The file declares opset {opset}; the task asks for 18 or newer (the exporter's default).")
    inputs = real_inputs(exported)
    first = dims(inputs[0])[0] if inputs and dims(inputs[0]) else None
    if first != "batch":
        what = f"fixed at {first}" if isinstance(first, int) else f"named {first!r}"
        raise Mistake(f"The input's first dimension is {what}; the task asks for a dynamic dimension named "
                      f"'batch': dynamic_shapes={{'input': {{0: torch.export.Dim('batch')}}}}.")
    session = make_cpu_session(exported, "the exported file")
    model.eval()
    rng = np.random.default_rng(1402)
    for batch in (1, 5, 11):
        x = rng.standard_normal((batch, 6)).astype(np.float32)
        with torch.no_grad():
            expected = model(torch.from_numpy(x)).numpy().astype(np.float64)
        got = run_first_output(session, {session.get_inputs()[0].name: x}, f"the export on a batch of {batch}")
        if not outputs_close(got, expected):
            raise Mistake(f"At batch {batch} the ONNX outputs differ from PyTorch in eval mode "
                          f"({max_abs_diff(got, expected)}, beyond rtol={RTOL:g}, atol={ATOL:g}).")
    return f"opset {opset}, one file, a dynamic 'batch' dimension, and PyTorch parity at batch 1, 5 and 11."


q1 = define(__name__, "q1", _check_export_dynamic)

# ------------------------------------------------------------------ q2: a parity check that can be trusted


def _linear_onnx(weight: Any, bias: Any, path: Path) -> None:
    """An ONNX file computing x·Wᵀ + b, written by hand (a stand-in for an export)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "W", "b"], ["output"], transB=1)], "export",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", weight.shape[1]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", weight.shape[0]])],
        initializer=[numpy_helper.from_array(weight.astype(np.float32), "W"),
                     numpy_helper.from_array(bias.astype(np.float32), "b")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9), path)


def _check_exports_agree(agree: Any) -> str:
    import numpy as np
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1403)
        model = nn.Sequential(nn.Linear(8, 5), nn.Dropout(0.5))
    weight = model[0].weight.detach().numpy().astype(np.float64)
    bias = model[0].bias.detach().numpy().astype(np.float64)
    x = np.random.default_rng(1404).standard_normal((64, 8)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        good, bad = Path(folder) / "good.onnx", Path(folder) / "bad.onnx"
        _linear_onnx(weight * (1 + 2e-7), bias, good)  # a correct export: equal up to float32 rounding
        _linear_onnx(weight + 0.005, bias, bad)        # a broken one: outputs off by up to about 0.05
        for path, truth, what in ((good, True, "a correct export"), (bad, False, "an export whose outputs are "
                                                                                 "off by up to about 0.05")):
            model.train()  # as the caller left it
            answer = call_learner(agree, model, str(path), x.copy(), doing=f"calling exports_agree on {what}")
            if not isinstance(answer, (bool, np.bool_)):
                raise Mistake(f"exports_agree should return True or False; it returned a {type(answer).__name__}.")
            if bool(answer) == truth:
                continue
            if truth:
                raise Mistake("exports_agree said False for a correct export. Was the PyTorch reference computed "
                              "in training mode (dropout active)? Or compared bit for bit instead of with the "
                              "course's tolerance?")
            raise Mistake("exports_agree said True for an export whose outputs are off by up to about 0.05: the "
                          "tolerance is too loose for float32 (section 5's table).")
    return "it accepts a correct export and rejects a broken one, whatever mode the model was left in."


q2 = define(__name__, "q2", _check_exports_agree)

# ------------------------------------------------------------------ q3: a branch torch.export can capture


def _check_branchless(answer: Any) -> str:
    import numpy as np
    import torch

    module = call_learner(answer, doing="creating your module, Branchless()") if isinstance(answer, type) else answer
    if not isinstance(module, torch.nn.Module):
        raise Mistake(f"Pass your torch.nn.Module class (or an instance); got a {type(module).__name__}.")
    rng = np.random.default_rng(1405)
    example = torch.from_numpy(np.abs(rng.standard_normal((2, 5))).astype(np.float32))
    with torch.no_grad():
        call_learner(module.eval(), example, doing="running your module's forward on a hidden input in PyTorch")
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        path = Path(folder) / "branchless.onnx"
        try:
            with _quiet_torch():
                torch.onnx.export(module.eval(), (example,), path, dynamo=True, verbose=False, external_data=False)
        except torch.onnx.OnnxExporterError as error:
            first = " ".join(str(error).split())[:160]
            data_dependent = "data-dependent" in str(error).lower() or "guard" in str(error).lower()
            cause = (" It fails in torch.export (step 1): an `if` on a tensor's value cannot be captured."
                     if data_dependent else "")
            raise Mistake(f"torch.onnx.export could not export your module: {first}.{cause} Compute both branches "
                          f"and select one with torch.where.") from error
        except NotImplementedError as error:
            raise LearnerError("exporting your module", error) from error
        session = make_cpu_session(path.read_bytes(), "the exported module")
    name = session.get_inputs()[0].name
    mixed = rng.standard_normal((2, 5)).astype(np.float32)
    cases = [("an input with a positive sum", np.abs(mixed) + 0.1), ("an input with a negative sum", -np.abs(mixed)),
             ("an input with a positive sum and some negative values", mixed + np.float32(0.6) - mixed.mean())]
    for what, x in cases:
        x = x.astype(np.float32)
        expected = (x * 2 if x.sum() > 0 else x - 1).astype(np.float64)
        got = run_first_output(session, {name: x}, f"your exported module on {what}")
        if not outputs_close(got, expected):
            raise Mistake(f"The exported module is wrong on {what} ({max_abs_diff(got, expected)}). The condition "
                          f"is on the whole tensor's sum, one branch for all values.")
    return "it exports with torch.export, and the ONNX model takes the right branch for positive and negative sums."


q3 = define(__name__, "q3", _check_branchless)

# ------------------------------------------------------------------ q4: two named dynamic axes

_FEATURES = 6


def _hidden_sequence_model(seed: int) -> Any:
    """A model over (batch, sequence, features) whose batch and sequence may both vary."""
    import torch
    from torch import nn

    class SequenceClassifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(_FEATURES, 8)
            self.head = nn.Linear(8, 3)

        def forward(self, tokens):  # noqa: ANN001, ANN202 - the argument's name is part of the task
            return self.head(torch.relu(self.embed(tokens)).mean(dim=1))

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return SequenceClassifier()


def _check_export_two_axes(export: Any) -> str:
    import numpy as np
    import onnx
    import torch

    model = _hidden_sequence_model(1406)
    example = torch.from_numpy(np.random.default_rng(1406).standard_normal((3, 5, _FEATURES)).astype(np.float32))
    with tempfile.TemporaryDirectory(prefix="ortlearn-ex-") as folder:
        path = Path(folder) / "hidden.onnx"
        try:
            with _quiet_torch():
                call_learner(export, model, example, str(path),
                             doing="exporting a hidden sequence model (argument name: tokens) with export_two_axes")
        except LearnerError as error:
            if "inferred a static shape" not in str(error):
                raise
            raise Mistake("torch.export refused a dimension you marked dynamic (Dim.DYNAMIC, or a string): the "
                          "model's code fixes its size. Here only the batch and the sequence may vary; the "
                          "features feed a Linear layer. Mark those two only.") from error
        if not path.is_file():
            raise Mistake("export_two_axes wrote no file at `path`: pass the path to torch.onnx.export.")
        exported = onnx.load(path)  # external data next to it, if any, is loaded too
    inputs = real_inputs(exported)
    declared = dims(inputs[0]) if inputs else []
    if len(declared) != 3:
        raise Mistake(f"The file's input has shape {declared}; the task expects (batch, sequence, features).")
    for axis, wanted in ((0, "batch"), (1, "sequence")):
        found = declared[axis]
        if isinstance(found, int):
            raise Mistake(f"Dimension {axis} ({wanted}) is fixed at {found}: mark it in dynamic_shapes too "
                          "(section 3, 'More than one dynamic axis').")
        if found != wanted:
            raise Mistake(f"Dimension {axis} is dynamic but named {found!r}, a name torch.export made up "
                          f"(Dim.AUTO and Dim.DYNAMIC do that); the task asks for {wanted!r}. Section 3 shows a way "
                          "to choose the name.")
    if declared[2] != _FEATURES:
        raise Mistake(f"Dimension 2 (features) is declared {declared[2]!r}; the model's first Linear layer only "
                      f"accepts {_FEATURES} features, so leave that axis out of dynamic_shapes.")
    session = make_cpu_session(exported, "the exported file")
    model.eval()
    rng = np.random.default_rng(1407)
    for batch, sequence in ((1, 2), (4, 9), (2, 17)):
        x = rng.standard_normal((batch, sequence, _FEATURES)).astype(np.float32)
        with torch.no_grad():
            expected = model(torch.from_numpy(x)).numpy().astype(np.float64)
        got = run_first_output(session, {session.get_inputs()[0].name: x},
                               f"the export on batch {batch}, sequence {sequence}")
        if not outputs_close(got, expected):
            raise Mistake(f"At batch {batch}, sequence {sequence} the ONNX outputs differ from PyTorch "
                          f"({max_abs_diff(got, expected)}, beyond rtol={RTOL:g}, atol={ATOL:g}).")
    return ("an input declared ['batch', 'sequence', 6], and PyTorch parity at (batch, sequence) = "
            "(1, 2), (4, 9) and (2, 17).")


q4 = define(__name__, "q4", _check_export_two_axes)
