"""Export a PyTorch module to one ONNX file with a dynamic batch, quietly and checked.

``export_model`` wraps ``torch.onnx.export`` with the torch.export-based exporter
(``dynamo=True``, the default since PyTorch 2.9). It refuses the classic mistakes
before exporting (a module left in training mode, an example batch of 1 for a
dynamic batch, a folder that does not exist), checks after tracing that the batch
really stayed dynamic, drops the per-node stack traces that hold this machine's
paths (so the file is the same wherever it is made), writes one self-contained
``.onnx`` file, and runs ``onnx.checker`` on it. The exporter's progress lines
and its "torchvision is not installed" notices are kept out of the output; its
errors are raised unchanged, with a note saying how to read them.

Introduced in lessons/04_export.ipynb.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from ortlearn.lessons import lesson_path

if TYPE_CHECKING:  # torch and onnx are imported lazily so that ``import ortlearn`` stays light
    import torch

__all__ = ["export_model"]

# Where torch's exporter logs "torchvision is not installed. Skipping torchvision::nms"
# (one WARNING per torchvision operator, on every export, when torchvision is absent).
_REGISTRATION_LOGGER = "torch.onnx._internal.exporter._registration"
_TORCHVISION_NOTICE = "torchvision is not installed"
# Key of the node metadata in which the exporter records the Python stack trace that made each
# node: absolute paths of this machine (where torch is installed, for one). See
# ``keep_stack_traces`` in export_model.
_STACK_TRACE_KEY = "pkg.torch.onnx.stack_trace"
# Warnings from torch's own code, about torch's code, that a learner can do nothing about:
# a deprecation inside torch's pytree utilities that the exporter triggers, and a notice that
# the shared batch Dim is named "batch" once instead of once per input (the names come out right).
_TORCH_INTERNAL_WARNINGS = (
    (FutureWarning, r"`isinstance\(treespec, LeafSpec\)` is deprecated"),
    (UserWarning, r"# The axis name: batch will not be used, since it shares the same shape constraints"),
)


class _DropTorchvisionNotice(logging.Filter):
    """Drops only the exporter's "torchvision is not installed. Skipping …" records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_TORCHVISION_NOTICE)


@contextlib.contextmanager
def _quiet_exporter(verbose: bool) -> Iterator[None]:
    """Silence known, harmless messages of the exporter; nothing else (its errors stay as they are)."""
    logger = logging.getLogger(_REGISTRATION_LOGGER)
    notice = _DropTorchvisionNotice()
    if not verbose:
        logger.addFilter(notice)
    try:
        with warnings.catch_warnings():
            for category, message in _TORCH_INTERNAL_WARNINGS:
                warnings.filterwarnings("ignore", message=message, category=category)
            yield
    finally:
        logger.removeFilter(notice)


def _check_inputs(example_inputs: object) -> tuple["torch.Tensor", ...]:
    import torch

    fix = lesson_path("04_export")
    if isinstance(example_inputs, torch.Tensor):
        return (example_inputs,)
    if isinstance(example_inputs, (tuple, list)):
        if not example_inputs:
            raise ValueError(f"example_inputs is empty: pass one example tensor per input of forward(), "
                             f"e.g. torch.randn(2, 4) or (x, mask); see {fix}.")
        for i, item in enumerate(example_inputs):
            if not isinstance(item, torch.Tensor):
                raise TypeError(f"example_inputs[{i}] must be a torch.Tensor; got {type(item).__name__}: "
                                f"{item!r:.80}. Pass a tensor or a tuple of tensors, one per input of forward(); "
                                f"see {fix}.")
        return tuple(example_inputs)
    raise TypeError(f"example_inputs must be a torch.Tensor or a tuple of tensors (one per input of forward()); "
                    f"got {type(example_inputs).__name__}: {example_inputs!r:.80}. See {fix}.")


def _check_names(what: str, names: object, count: Optional[int]) -> list[str]:
    fix = lesson_path("04_export")
    if isinstance(names, str):
        raise TypeError(f"{what} must be a sequence of names, not one string: got {names!r}. "
                        f"Wrap it: {what}=({names!r},); see {fix}.")
    if not isinstance(names, Sequence) or not all(isinstance(n, str) and n for n in names):
        raise TypeError(f"{what} must be a sequence of non-empty strings, e.g. ('input',); got {names!r}. See {fix}.")
    if len(set(names)) != len(names):
        raise ValueError(f"{what} must not repeat a name; got {list(names)!r}. See {fix}.")
    if count is not None and len(names) != count:
        raise ValueError(f"{what} has {len(names)} name(s) {list(names)!r} but there are {count}: give one name "
                         f"per {what.split('_')[0]}, in order; see {fix}.")
    return list(names)


def _check_batch(inputs: tuple["torch.Tensor", ...]) -> int:
    fix = lesson_path("04_export")
    shapes = [tuple(t.shape) for t in inputs]
    for i, t in enumerate(inputs):
        if t.dim() == 0:
            raise ValueError(f"dynamic_batch=True makes the first dimension of every input dynamic, but "
                             f"example_inputs[{i}] is a scalar (shape ()). Give it a batch dimension or pass "
                             f"dynamic_batch=False; see {fix}.")
    batches = {shape[0] for shape in shapes}
    if len(batches) > 1:
        raise ValueError(f"dynamic_batch=True gives all inputs one shared batch dimension, but the example inputs "
                         f"have different first dimensions: shapes {shapes}. Use the same batch size for every "
                         f"input, or pass dynamic_batch=False; see {fix}.")
    batch = batches.pop()
    if batch < 2:
        raise ValueError(
            f"dynamic_batch=True needs an example batch of 2 or more; the example inputs have batch {batch} "
            f"(shapes {shapes}). torch.export treats a dimension of size 0 or 1 specially (a size-1 dimension "
            f"may broadcast or be squeezed), so code that looks at the batch size can get the batch silently "
            f"fixed to {batch}, and the exported model then rejects every other batch size. Export with a batch "
            f"of 2 or more, e.g. torch.randn(2, ...) or torch.cat([x, x]); the model still runs batch 1 "
            f"afterwards. Or pass dynamic_batch=False for a fixed-shape model. See {fix}."
        )
    return batch


def _drop_stack_traces(model: object) -> int:
    """Remove the exporter's per-node stack traces from an ``onnx_ir`` model; return how many were removed."""
    from onnx_ir.traversal import RecursiveGraphIterator  # onnx_ir comes with onnxscript, which the exporter needs

    removed = 0
    for graph in (model.graph, *model.functions.values()):
        for node in RecursiveGraphIterator(graph):
            if node.metadata_props.pop(_STACK_TRACE_KEY, None) is not None:
                removed += 1
    return removed


def _training_submodule(module: "torch.nn.Module") -> Optional[str]:
    for name, sub in module.named_modules():
        if sub.training:
            return name
    return None


def _check_path(path: object) -> Path:
    fix = lesson_path("04_export")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or pathlib.Path ending in .onnx; got {type(path).__name__}: "
                        f"{path!r:.80}. See {fix}.")
    target = Path(path)
    folder = target.resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"Cannot write {str(target)!r}: its folder {str(folder)!r} does not exist. "
                                f"Create it first, e.g. pathlib.Path({str(folder)!r}).mkdir(parents=True); "
                                f"see {fix}.")
    if target.is_dir():
        raise IsADirectoryError(f"path={str(target)!r} is a folder; pass a file path such as "
                                f"{str(target / 'model.onnx')!r}. See {fix}.")
    return target


def export_model(
    module: "torch.nn.Module",
    example_inputs: Union["torch.Tensor", Sequence["torch.Tensor"]],
    path: Union[str, os.PathLike],
    *,
    input_names: Sequence[str] = ("input",),
    output_names: Sequence[str] = ("output",),
    dynamic_batch: bool = True,
    opset: Optional[int] = None,
    external_data: bool = False,
    allow_training_mode: bool = False,
    keep_stack_traces: bool = False,
    verbose: bool = False,
) -> Path:
    """Export a PyTorch module to an ONNX file and check the file.

    Calls ``torch.onnx.export(module, example_inputs, dynamo=True, ...)`` (the
    torch.export-based exporter), then saves the returned ``ONNXProgram`` with
    ``ONNXProgram.save`` (what ``torch.onnx.export`` does when given a path), so
    that the checks below happen before anything is written. With
    ``dynamic_batch=True`` the first dimension of every input is
    ``torch.export.Dim("batch")`` (one batch shared by all inputs), named
    ``"batch"`` in the ONNX graph.

    Introduced in lessons/04_export.ipynb.

    Args:
        module: The ``torch.nn.Module`` to export; call ``module.eval()`` first.
        example_inputs: A tensor, or a tuple of tensors (one per input of
            ``forward``), used to trace the module. With ``dynamic_batch=True``
            they need a batch of 2 or more.
        path: Where to write the ``.onnx`` file; its folder must exist.
        input_names: One name per example input, in order.
        output_names: One name per output of ``forward``, in order.
        dynamic_batch: Make the first dimension of every input (and of the
            outputs that follow it) dynamic. ``False`` exports the example shapes
            as fixed: ONNX Runtime then rejects any other batch size.
        opset: The ONNX opset to target; ``None``: the exporter's default.
        external_data: Store the weights in a side file named ``path`` plus
            ``.data`` (``model.onnx.data``) instead of inside the model file.
            Models over 2 GB always use it.
        allow_training_mode: Export even if ``module`` (or a submodule) is in
            training mode; torch then warns "Exporting a model while it is in
            training mode".
        keep_stack_traces: Keep the exporter's ``pkg.torch.onnx.stack_trace``
            node metadata: for every node, the Python stack trace that created
            it, with absolute paths of this machine. Dropped by default, so that
            the same module exported from another folder or machine (with the
            same package versions) gives a byte-identical file that does not
            reveal your folder layout; the other provenance metadata
            (module names, FX nodes) stays.
        verbose: Show the exporter's progress lines and all its log messages
            (by default the "torchvision is not installed. Skipping …" notices
            are dropped). Two warnings from torch's internals about torch's own
            code are always hidden; every other warning shows.

    Returns:
        ``path`` as a ``pathlib.Path``.

    Raises:
        TypeError: ``module``, ``example_inputs``, a name list, ``opset`` or ``path``
            of the wrong type.
        ValueError: The module is in training mode (without ``allow_training_mode``);
            with ``dynamic_batch=True`` an example batch under 2, inputs with
            different batch sizes, or a module whose code fixed the batch size
            while tracing; name lists of the wrong length; ``opset`` < 1. Nothing
            is written.
        FileNotFoundError: The folder of ``path`` does not exist.
        torch.onnx.OnnxExporterError: The exporter failed (raised unchanged, with
            a note on how to read it); nothing is written.
        onnx.checker.ValidationError: The written file fails ``onnx.checker``.

    Example:
        >>> import torch, ortlearn as ol
        >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()
        >>> ol.export.export_model(net, torch.randn(2, 4), "net.onnx")
        PosixPath('net.onnx')
    """
    import torch

    fix = lesson_path("04_export")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module; got {type(module).__name__}: {module!r:.80}. See {fix}.")
    training = _training_submodule(module)
    if training is not None and not allow_training_mode:
        where = "" if training == "" else f" (for example its submodule {training!r})"
        raise ValueError(
            f"The module is in training mode{where}. Call module.eval() before exporting: in training mode "
            f"dropout drops values at random and batch norm uses each batch's own statistics, so the module does "
            f"not compute what an inference model should, and its outputs cannot be compared with the exported "
            f"model's. To export it as it is anyway, pass allow_training_mode=True. See {fix}."
        )
    inputs = _check_inputs(example_inputs)
    in_names = _check_names("input_names", input_names, len(inputs))
    out_names = _check_names("output_names", output_names, None)
    if opset is not None and (isinstance(opset, bool) or not isinstance(opset, int)):
        raise TypeError(f"opset must be None (the exporter's default) or an int such as 18; "
                        f"got {type(opset).__name__}: {opset!r}. See {fix}.")
    if opset is not None and opset < 1:
        raise ValueError(f"opset must be a positive int such as 18; got {opset!r}. See {fix}.")
    target = _check_path(path)
    dynamic_shapes = None
    if dynamic_batch:
        _check_batch(inputs)
        batch = torch.export.Dim("batch")
        dynamic_shapes = tuple({0: batch} for _ in inputs)

    options = dict(dynamo=True, input_names=in_names, output_names=out_names,
                   dynamic_shapes=dynamic_shapes, verbose=verbose)
    if opset is not None:
        options["opset_version"] = opset
    try:
        with _quiet_exporter(verbose):
            program = torch.onnx.export(module, inputs, None, **options)
    except torch.onnx.OnnxExporterError as exc:
        if hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(
                f"ortlearn: the message above says which of the exporter's 3 steps failed (1/3: torch.export "
                f"could not trace forward(), e.g. Python control flow on tensor values; 2/3: decomposing "
                f"operators; 3/3: an operator has no ONNX translation), and its 'Exception summary' names the "
                f"cause and the line of forward(). See 'Reading an export error' in {fix}."
            )
        raise

    graph = program.model.graph
    if len(graph.outputs) != len(out_names):
        raise ValueError(f"output_names has {len(out_names)} name(s) {out_names!r} but the exported model has "
                         f"{len(graph.outputs)} output(s): give one name per output of forward(), in order. "
                         f"Nothing was written. See {fix}.")
    if dynamic_batch:
        for value in graph.inputs:
            first = value.shape[0] if value.shape is not None and len(value.shape) else None
            if isinstance(first, int):
                raise ValueError(
                    f"torch.export fixed the batch dimension of input {value.name!r} to {first}: forward() depends "
                    f"on the batch size (for example `if x.shape[0] == {first}:`), so the traced graph only accepts "
                    f"batch {first}. Make forward() work the same for every batch size, or pass dynamic_batch=False "
                    f"to export a fixed batch knowingly. Nothing was written. See {fix}."
                )
    if not keep_stack_traces:
        _drop_stack_traces(program.model)
    with _quiet_exporter(verbose):
        program.save(target, external_data=external_data)

    import onnx

    onnx.checker.check_model(str(target))
    return target
