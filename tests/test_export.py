"""ortlearn.export: export tiny torch modules, run them in ONNX Runtime, pin the failures.

The oracle is PyTorch itself (numpy.testing on its outputs), not ortlearn.compare.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch")

from ortlearn.export import export_model  # noqa: E402

InvalidArgument = ort.capi.onnxruntime_pybind11_state.InvalidArgument


def _seeded(build, seed: int = 0):
    with torch.random.fork_rng():  # leave the global RNG as it was
        torch.manual_seed(seed)
        return build()


def _mlp() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).eval()


def _convnet() -> torch.nn.Module:
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.Dropout(0.5), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5),
    )
    with torch.no_grad():  # running statistics that matter, as after training
        net[1].running_mean.uniform_(-0.5, 0.5)
        net[1].running_var.uniform_(0.5, 2.0)
    return net.eval()


MODELS = {"mlp": (_mlp, (4,)), "convnet": (_convnet, (1, 6, 6))}


def _torch_out(module: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def _randn(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each model exported once with a batch-2 example: {name: (module, path, sample shape)}."""
    folder = tmp_path_factory.mktemp("export")
    result = {}
    for name, (build, sample) in MODELS.items():
        module = _seeded(build)
        path = export_model(module, torch.from_numpy(_randn(2, *sample)), folder / f"{name}.onnx")
        result[name] = (module, path, sample)
    return result


class DataDependentIf(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:  # Python control flow on a tensor's value: torch.export cannot trace it
            return x * 2
        return x - 1


class BatchSizeIf(torch.nn.Module):
    def forward(self, x):
        if x.shape[0] == 2:  # depends on the batch size: tracing fixes the batch to 2
            return x * 2
        return x


class Bessel(torch.nn.Module):
    def forward(self, x):
        return torch.special.bessel_j0(x)  # no ONNX translation on this stack


class TwoInputs(torch.nn.Module):
    def forward(self, x, mask):
        return x * mask, x.sum(dim=1)


# --- what a good export gives --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODELS))
def test_dynamic_batch_runs_batches_1_2_7_like_torch(exported, name):
    module, path, sample = exported[name]
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    assert [o.name for o in session.get_outputs()] == ["output"]
    assert session.get_inputs()[0].shape == ["batch", *sample]
    for batch in (1, 2, 7):
        x = _randn(batch, *sample, seed=batch)
        (got,) = session.run(None, {"input": x})
        assert got.shape[0] == batch
        np.testing.assert_allclose(got, _torch_out(module, x), rtol=1e-5, atol=1e-5)


def test_export_returns_a_checked_self_contained_file(exported):
    _, path, _ = exported["convnet"]
    assert isinstance(path, Path) and path.name == "convnet.onnx"
    assert sorted(p.name for p in path.parent.iterdir()) == ["convnet.onnx", "mlp.onnx"]  # no .data side files
    onnx.checker.check_model(str(path))
    ops = {n.op_type for n in onnx.load(path).graph.node}
    assert "Conv" in ops and "BatchNormalization" not in ops  # eval-mode batch norm folded into the Conv


_QUIET_SCRIPT = """
import torch
from ortlearn.export import export_model
net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()
export_model(net, torch.randn(2, 4), {path!r}{extra})
"""


def test_export_prints_nothing_in_a_fresh_process(tmp_path):
    # A fresh interpreter, as in a notebook: under pytest, torch's log handler writes to the
    # stream pytest installed when torch was imported, which capfd does not see.
    script = _QUIET_SCRIPT.format(path=str(tmp_path / "m.onnx"), extra="")
    done = subprocess.run([sys.executable, "-W", "default", "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (tmp_path / "m.onnx").is_file()


def test_export_warns_and_logs_nothing(tmp_path, capfd, caplog):
    caplog.set_level("WARNING")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export_model(_seeded(_mlp), torch.randn(2, 4), tmp_path / "m.onnx")
    assert [str(w.message) for w in caught] == []
    assert [r.getMessage() for r in caplog.records if r.levelname != "DEBUG"] == []
    assert capfd.readouterr() == ("", "")


def test_verbose_shows_the_exporters_progress_and_log_lines(tmp_path, capfd, caplog):
    caplog.set_level("WARNING", logger="torch.onnx")  # whatever an earlier test set that logger to
    export_model(_seeded(_mlp), torch.randn(2, 4), tmp_path / "m.onnx", verbose=True)
    assert "[torch.onnx] Translate the graph into ONNX... \u2705" in capfd.readouterr().out
    if importlib.util.find_spec("torchvision") is None:  # the notice the quiet mode drops
        assert "torchvision is not installed. Skipping torchvision::nms" in caplog.messages


def test_external_data_writes_model_onnx_data_next_to_it(tmp_path):
    module = _seeded(lambda: torch.nn.Linear(64, 64).eval())
    path = export_model(module, torch.randn(2, 64), tmp_path / "big.onnx", external_data=True)
    data = tmp_path / "big.onnx.data"  # path.name + ".data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.onnx", "big.onnx.data"]
    assert data.stat().st_size >= 64 * 64 * 4 > path.stat().st_size
    x = _randn(3, 64)
    (got,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got, _torch_out(module, x), rtol=1e-5, atol=1e-5)


def _node_metadata_keys(path: Path) -> set[str]:
    return {prop.key for node in onnx.load(path).graph.node for prop in node.metadata_props}


def test_files_hold_no_machine_paths_and_are_byte_identical(tmp_path):
    """The exporter's per-node stack traces hold absolute paths (torch's site-packages, the
    learner's folders): the same module exported from another install gave a file of another
    size. export_model drops them, so the file depends only on the module."""
    module = _seeded(_convnet)
    first = export_model(module, torch.randn(2, 1, 6, 6), tmp_path / "a.onnx").read_bytes()
    second = export_model(module, torch.randn(3, 1, 6, 6), tmp_path / "b.onnx").read_bytes()
    assert first == second
    torch_folder = str(Path(torch.__file__).parent.parent)
    assert torch_folder.encode() not in first and b"site-packages" not in first
    keys = _node_metadata_keys(tmp_path / "a.onnx")
    assert "pkg.torch.onnx.stack_trace" not in keys
    assert {"namespace", "pkg.torch.onnx.fx_node"} <= keys  # the rest of the provenance stays


def test_keep_stack_traces_keeps_them(tmp_path):
    path = export_model(_seeded(_mlp), torch.randn(2, 4), tmp_path / "m.onnx", keep_stack_traces=True)
    assert "pkg.torch.onnx.stack_trace" in _node_metadata_keys(path)
    assert str(Path(torch.__file__).parent.parent).encode() in path.read_bytes()


def test_names_and_opset_are_passed_through(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = export_model(TwoInputs().eval(), (torch.randn(2, 3), torch.ones(2, 3)), tmp_path / "two.onnx",
                            input_names=("x", "mask"), output_names=("masked", "total"), opset=18)
    assert [str(w.message) for w in caught] == []  # not even torch's "axis name: batch will not be used"
    model = onnx.load(path)
    assert [(o.domain, o.version) for o in model.opset_import if o.domain == ""] == [("", 18)]
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x", "mask"]
    assert [i.shape for i in session.get_inputs()] == [["batch", 3], ["batch", 3]]
    x, mask = _randn(5, 3), (_randn(5, 3, seed=1) > 0).astype(np.float32)
    masked, total = session.run(["masked", "total"], {"x": x, "mask": mask})
    np.testing.assert_allclose(masked, x * mask, rtol=1e-6)
    np.testing.assert_allclose(total, x.sum(axis=1), rtol=1e-5, atol=1e-6)


def test_module_stays_in_its_mode_and_allow_training_mode_exports(tmp_path):
    module = _seeded(_convnet).train()
    with pytest.warns(UserWarning, match="Exporting a model while it is in training mode"):
        path = export_model(module, torch.randn(2, 1, 6, 6), tmp_path / "train.onnx", allow_training_mode=True)
    assert module.training  # the helper does not switch modes behind the learner's back
    x = _randn(3, 1, 6, 6)
    (got,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})
    assert got.shape == (3, 5)


# --- the pitfalls, pinned ------------------------------------------------------------------------------


def test_fixed_batch_export_rejects_another_batch_in_onnxruntime(tmp_path):
    module = _seeded(_mlp)
    path = export_model(module, torch.randn(2, 4), tmp_path / "fixed.onnx", dynamic_batch=False)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == [2, 4]
    session.run(None, {"input": _randn(2, 4)})  # the example's batch still works
    with pytest.raises(InvalidArgument, match=r"(?s)INVALID_ARGUMENT : Got invalid dimensions for input: "
                                              r"input .*index: 0 Got: 3 Expected: 2"):
        session.run(None, {"input": _randn(3, 4)})


def test_batch_one_example_with_dynamic_batch_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"dynamic_batch=True needs an example batch of 2 or more; the example "
                                         r"inputs have batch 1 \(shapes \[\(1, 4\)\]\).*lessons/04_export\.ipynb"):
        export_model(_seeded(_mlp), torch.randn(1, 4), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_batch_one_example_is_fine_for_a_fixed_batch(tmp_path):
    path = export_model(_seeded(_mlp), torch.randn(1, 4), tmp_path / "one.onnx", dynamic_batch=False)
    assert ort.InferenceSession(path, providers=["CPUExecutionProvider"]).get_inputs()[0].shape == [1, 4]


def test_training_mode_is_refused_by_default(tmp_path):
    module = _seeded(_convnet)
    module[3].train()  # only the Dropout submodule
    with pytest.raises(ValueError, match=r"The module is in training mode \(for example its submodule '3'\)\. "
                                         r"Call module\.eval\(\) before exporting.*allow_training_mode=True"):
        export_model(module, torch.randn(2, 1, 6, 6), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_missing_folder_is_a_file_not_found_error(tmp_path):
    target = tmp_path / "no_such_folder" / "m.onnx"
    with pytest.raises(FileNotFoundError, match=r"Cannot write .*m\.onnx': its folder .*no_such_folder' does "
                                                r"not exist\. Create it first"):
        export_model(_seeded(_mlp), torch.randn(2, 4), target)


def test_data_dependent_control_flow_raises_the_exporters_error(tmp_path):
    with pytest.raises(torch.onnx.OnnxExporterError,
                       match=r"Failed to export the model with torch\.export\. .*This is step 1/3") as info:
        export_model(DataDependentIf().eval(), torch.randn(2, 4), tmp_path / "dd.onnx")
    assert type(info.value).__name__ == "TorchExportError"
    assert "Could not guard on data-dependent expression" in str(info.value)
    assert "if x.sum() > 0:" in str(info.value)  # the message shows the offending line of forward()
    if sys.version_info >= (3, 11):  # exception notes are new in 3.11
        assert any("Reading an export error" in note for note in info.value.__notes__)
    assert not (tmp_path / "dd.onnx").exists()


def test_operator_without_onnx_translation_raises_conversion_error(tmp_path):
    with pytest.raises(torch.onnx.OnnxExporterError,
                       match=r"Failed to convert the exported program to an ONNX model\. .*This is step 3/3") as info:
        export_model(Bessel().eval(), torch.randn(2, 4), tmp_path / "bessel.onnx")
    assert type(info.value).__name__ == "ConversionError"
    assert "No ONNX function found for <OpOverload(op='prims.bessel_j0'" in str(info.value)
    assert not (tmp_path / "bessel.onnx").exists()


def test_code_that_fixes_the_batch_size_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match=r"torch\.export fixed the batch dimension of input 'input' to 2: "
                                         r"forward\(\) depends on the batch size.*Nothing was written"):
        export_model(BatchSizeIf().eval(), torch.randn(2, 4), tmp_path / "b.onnx")
    assert not (tmp_path / "b.onnx").exists()


# --- argument checks ---------------------------------------------------------------------------------


def test_argument_errors_are_clear(tmp_path):
    target = tmp_path / "m.onnx"
    mlp = _seeded(_mlp)
    with pytest.raises(TypeError, match=r"module must be a torch\.nn\.Module; got function"):
        export_model(lambda x: x, torch.randn(2, 4), target)
    with pytest.raises(TypeError, match=r"example_inputs must be a torch\.Tensor or a tuple of tensors .*got ndarray"):
        export_model(mlp, np.zeros((2, 4), np.float32), target)
    with pytest.raises(TypeError, match=r"input_names must be a sequence of names, not one string: got 'x'"):
        export_model(mlp, torch.randn(2, 4), target, input_names="x")
    with pytest.raises(ValueError, match=r"input_names has 1 name\(s\) \['input'\] but there are 2"):
        export_model(TwoInputs().eval(), (torch.randn(2, 3), torch.ones(2, 3)), target)
    with pytest.raises(ValueError, match=r"the example inputs have different first dimensions: "
                                         r"shapes \[\(2, 3\), \(4, 3\)\]"):
        export_model(TwoInputs().eval(), (torch.randn(2, 3), torch.ones(4, 3)), target, input_names=("x", "m"))
    with pytest.raises(ValueError, match=r"output_names has 1 name\(s\) \['output'\] but the exported model has "
                                         r"2 output\(s\).*Nothing was written"):
        export_model(TwoInputs().eval(), (torch.randn(2, 3), torch.ones(2, 3)), target, input_names=("x", "m"))
    with pytest.raises(ValueError, match=r"example_inputs\[0\] is a scalar"):
        export_model(mlp, torch.tensor(1.0), target)
    assert not target.exists()


def test_importing_the_module_stays_light():
    code = "import sys, json, ortlearn.export; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert loaded & {"torch", "onnx", "onnxruntime"} == set()
