"""Tests for ortlearn.session: make_session and describe_io.

Oracles: a plain ``onnxruntime.InferenceSession`` and numpy's ``relu(x @ W + b)``
computed from the model's own initializers.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from ortlearn.loading import NotAnOnnxModelError
from ortlearn.session import (
    OPTIMIZATION_LEVELS,
    IOInfo,
    ProviderFallbackWarning,
    SessionIO,
    describe_io,
    make_session,
)

X = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)


def _numpy_oracle(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    return np.maximum(x @ weights["W"] + weights["b"], 0)


def _ort_oracle(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    plain = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return plain.run(None, {"x": x})[0]


def _ops(path) -> list[str]:
    return [f"{n.domain}.{n.op_type}" if n.domain else n.op_type for n in onnx.load(str(path)).graph.node]


# --- model sources -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["proto", "str", "path", "bytes"])
def test_every_model_source_runs_like_plain_ort_and_numpy(kind, relu_linear, relu_linear_path):
    model = {"proto": relu_linear, "str": str(relu_linear_path), "path": relu_linear_path,
             "bytes": relu_linear.SerializeToString()}[kind]
    session = make_session(model)
    (y,) = session.run(None, {"x": X})
    np.testing.assert_allclose(y, _ort_oracle(relu_linear, X), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(y, _numpy_oracle(relu_linear, X), rtol=1e-5, atol=1e-6)
    assert y.shape == (5, 3) and (y >= 0).all() and (y == 0).any()  # relu really clipped something
    assert session.get_providers() == ["CPUExecutionProvider"]


def test_path_with_external_data_resolves_next_to_the_model(tmp_path, relu_linear, monkeypatch):
    expected = _numpy_oracle(relu_linear, X)
    path = tmp_path / "ext.onnx"
    onnx.save(relu_linear, str(path), save_as_external_data=True, location="ext.onnx.data", size_threshold=0)
    assert (tmp_path / "ext.onnx.data").exists()
    monkeypatch.chdir(tmp_path.parent)  # ORT must look beside the model, not in the current folder
    assert not relu_linear.graph.initializer[0].raw_data  # the weights now live only in ext.onnx.data
    (y,) = make_session(path).run(None, {"x": X})
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_missing_path_raises_load_models_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No model file at '.*nope\.onnx'"):
        make_session(tmp_path / "nope.onnx")


def test_pytorch_checkpoint_raises_not_an_onnx_model(tmp_path):
    path = tmp_path / "weights.pth"
    path.write_bytes(pickle.dumps({"weight": [1, 2]}, protocol=4))
    with pytest.raises(NotAnOnnxModelError, match="looks like a PyTorch checkpoint"):
        make_session(path)


def test_bytes_that_are_not_a_model_are_refused():
    with pytest.raises(NotAnOnnxModelError, match="the bytes passed as a model"):
        make_session(b"hello, not a model")


# --- providers -----------------------------------------------------------------------------------

@pytest.mark.skipif("CUDAExecutionProvider" in ort.get_available_providers(), reason="needs a CPU-only build")
def test_cuda_on_cpu_build_gives_one_clear_fallback_warning(relu_linear):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session = make_session(relu_linear, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert [w.category for w in caught] == [ProviderFallbackWarning]  # ORT's raw UserWarning does not leak
    message = str(caught[0].message)
    assert message.startswith(
        "Requested ['CUDAExecutionProvider'] but it is not active: this session runs on ['CPUExecutionProvider']."
    )
    assert "ONNX Runtime said: \"Specified provider 'CUDAExecutionProvider' is not in available provider" in message
    assert "install onnxruntime-gpu instead of onnxruntime (never both" in message
    assert "CUDA and cuDNN libraries" in message and message.endswith("See lessons/03_providers.ipynb.")
    assert caught[0].filename == __file__  # stacklevel points at the caller
    assert session.get_providers() == ["CPUExecutionProvider"]


@pytest.mark.skipif("CUDAExecutionProvider" in ort.get_available_providers(), reason="needs a CPU-only build")
def test_cuda_alone_still_runs_on_cpu_with_the_warning(relu_linear):
    with pytest.warns(ProviderFallbackWarning, match=r"install onnxruntime-gpu instead of onnxruntime"):
        session = make_session(relu_linear, providers=["CUDAExecutionProvider"])
    assert session.get_providers() == ["CPUExecutionProvider"]
    np.testing.assert_allclose(session.run(None, {"x": X})[0], _numpy_oracle(relu_linear, X), rtol=1e-5, atol=1e-6)


def test_provider_that_fails_to_start_is_reported_and_stdout_stays_clean(relu_linear, monkeypatch, capsys):
    """ORT prints 'EP Error … Falling back' and retries on CPU; we turn that into the warning."""
    original = ort.InferenceSession._create_inference_session

    def failing(self, providers, provider_options, disabled_optimizers=None):
        if "AzureExecutionProvider" in (providers or []):
            self._fallback_providers = ["CPUExecutionProvider"]
            raise RuntimeError("simulated start failure")
        return original(self, providers, provider_options, disabled_optimizers)

    monkeypatch.setattr(ort.InferenceSession, "_create_inference_session", failing)
    with pytest.warns(ProviderFallbackWarning) as record:
        session = make_session(relu_linear, providers=["AzureExecutionProvider", "CPUExecutionProvider"])
    message = str(record[0].message)
    assert "Requested ['AzureExecutionProvider'] but it is not active" in message
    assert 'ONNX Runtime said: "EP Error simulated start failure when using' in message
    assert "AzureExecutionProvider is in this build but could not start" in message
    assert session.get_providers() == ["CPUExecutionProvider"]
    assert capsys.readouterr().out == ""


def test_other_ort_warnings_pass_through_unchanged(relu_linear):
    with pytest.warns(UserWarning, match="Duplicate provider 'CPUExecutionProvider' encountered, ignoring.") as record:
        make_session(relu_linear, providers=["CPUExecutionProvider", "CPUExecutionProvider"])
    assert [type(w.message) for w in record] == [UserWarning]


def test_providers_with_options_are_passed_to_ort(relu_linear, monkeypatch):
    seen = []
    original = ort.InferenceSession.__init__

    def spy(self, *args, **kwargs):
        seen.append(kwargs["providers"])
        original(self, *args, **kwargs)

    monkeypatch.setattr(ort.InferenceSession, "__init__", spy)
    options = {"arena_extend_strategy": "kSameAsRequested"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback, no other warning
        session = make_session(relu_linear, providers=[("CPUExecutionProvider", options)])
    assert seen == [[("CPUExecutionProvider", options)]]
    assert session.get_providers() == ["CPUExecutionProvider"]
    # The CPU provider accepts the option but does not report it back in this ORT version.
    assert "CPUExecutionProvider" in session.get_provider_options()


def test_list_pair_is_accepted_as_name_and_options(relu_linear):
    session = make_session(relu_linear, providers=[["CPUExecutionProvider", {}]])
    assert session.get_providers() == ["CPUExecutionProvider"]


def test_misspelled_provider_is_refused_with_a_suggestion(relu_linear, capsys):
    match = (r"Unknown execution provider 'CUDAExecutionProvder'; did you mean 'CUDAExecutionProvider'\? "
             r"This onnxruntime build offers \[.*'CPUExecutionProvider'\]")
    with pytest.raises(ValueError, match=match):
        make_session(relu_linear, providers=["CUDAExecutionProvder"])
    assert capsys.readouterr().out == ""  # ORT's own "EP Error … Falling back" never runs


def test_short_provider_name_gets_the_full_name_suggested(relu_linear):
    with pytest.raises(ValueError, match="Unknown execution provider 'cuda'; did you mean 'CUDAExecutionProvider'"):
        make_session(relu_linear, providers=["cuda"])


@pytest.mark.parametrize("name", ["gpu", ""])
def test_unrelated_provider_name_lists_the_available_ones(relu_linear, name):
    with pytest.raises(ValueError, match=rf"Unknown execution provider {name!r}\. This onnxruntime build offers \["):
        make_session(relu_linear, providers=[name])


def test_bare_string_provider_says_wrap_it_in_a_list(relu_linear):
    with pytest.raises(TypeError, match=r'not one string: got \'CUDAExecutionProvider\'\. Wrap it in a list: '
                                        r'providers=\["CUDAExecutionProvider"\]'):
        make_session(relu_linear, providers="CUDAExecutionProvider")


def test_empty_providers_are_refused(relu_linear):
    with pytest.raises(ValueError, match=r"providers is empty: name at least one, "
                                         r"e\.g\. providers=\['CPUExecutionProvider'\]"):
        make_session(relu_linear, providers=[])


@pytest.mark.parametrize("providers, match", [
    ({"CPUExecutionProvider"}, r"providers must be a list .* got set: \{'CPUExecutionProvider'\}"),
    ([3], r"Each provider must be a name .* got 3\."),
    ([("CPUExecutionProvider", "arena")], r"got \('CPUExecutionProvider', 'arena'\)"),
])
def test_malformed_providers_raise_type_error(relu_linear, providers, match):
    with pytest.raises(TypeError, match=match):
        make_session(relu_linear, providers=providers)


# --- optimization ---------------------------------------------------------------------------------

def test_optimization_levels_map_to_ort_enum_members():
    assert OPTIMIZATION_LEVELS == {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
                                   "extended": "ORT_ENABLE_EXTENDED", "layout": "ORT_ENABLE_LAYOUT",
                                   "all": "ORT_ENABLE_ALL"}
    assert all(hasattr(ort.GraphOptimizationLevel, member) for member in OPTIMIZATION_LEVELS.values())


@pytest.mark.parametrize("name", list(OPTIMIZATION_LEVELS))
def test_each_optimization_level_is_set_and_keeps_results(name, relu_linear):
    session = make_session(relu_linear, optimization=name)
    expected = getattr(ort.GraphOptimizationLevel, OPTIMIZATION_LEVELS[name])
    assert session.get_session_options().graph_optimization_level == expected
    np.testing.assert_allclose(session.run(None, {"x": X})[0], _numpy_oracle(relu_linear, X), rtol=1e-5, atol=1e-6)


def test_graph_optimization_level_member_is_accepted(relu_linear):
    level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    assert make_session(relu_linear, optimization=level).get_session_options().graph_optimization_level == level


def test_unknown_optimization_level_lists_the_names(relu_linear):
    with pytest.raises(ValueError, match=r"Unknown optimization level 'max'; expected one of \['disable', 'basic', "
                                         r"'extended', 'layout', 'all'\]"):
        make_session(relu_linear, optimization="max")


def test_optimization_of_wrong_type_is_a_type_error(relu_linear):
    with pytest.raises(TypeError, match=r"optimization must be one of \['disable', .*got int: 99"):
        make_session(relu_linear, optimization=99)


# Measured on this stack (onnxruntime 1.32, CPU): MatMul+Add becomes Gemm at "basic";
# Gemm+Relu becomes com.microsoft.FusedGemm from "extended" on.
@pytest.mark.parametrize("name, ops", [
    ("disable", ["MatMul", "Add", "Relu"]),
    ("basic", ["Gemm", "Relu"]),
    ("extended", ["com.microsoft.FusedGemm"]),
    ("all", ["com.microsoft.FusedGemm"]),
])
def test_optimized_model_path_shows_the_fusions(name, ops, relu_linear, tmp_path):
    path = tmp_path / f"opt_{name}.onnx"
    make_session(relu_linear, optimization=name, optimized_model_path=path)
    assert _ops(path) == ops
    original = len(relu_linear.graph.node)
    assert (len(ops) < original) == (name != "disable")


def test_optimized_model_path_into_missing_folder_is_explained(relu_linear, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"optimized_model_path='.*x\.onnx' points into the folder "
                                                r"'.*missing', which does not exist\. Create it first"):
        make_session(relu_linear, optimized_model_path=tmp_path / "missing" / "x.onnx")


# --- threads, profiling, logging -----------------------------------------------------------------

@pytest.mark.parametrize("threads", [1, 3, np.int64(2)])
def test_threads_set_intra_op_num_threads(threads, relu_linear):
    session = make_session(relu_linear, threads=threads)
    assert session.get_session_options().intra_op_num_threads == int(threads)


def test_default_threads_leave_ort_default(relu_linear):
    assert make_session(relu_linear).get_session_options().intra_op_num_threads == 0


@pytest.mark.parametrize("threads, error, match", [
    (0, ValueError, r"threads must be an int >= 1; got 0\."),
    (-2, ValueError, r"threads must be an int >= 1; got -2\."),
    (True, TypeError, r"threads must be an int >= 1; got bool: True\."),
    (2.0, TypeError, r"threads must be an int >= 1; got float: 2\.0\."),
    ("4", TypeError, r"threads must be an int >= 1; got str: '4'\."),
])
def test_bad_threads_are_refused(threads, error, match, relu_linear):
    with pytest.raises(error, match=match):
        make_session(relu_linear, threads=threads)


def test_log_severity_defaults_to_error_and_is_checked(relu_linear):
    assert make_session(relu_linear).get_session_options().log_severity_level == 3
    assert make_session(relu_linear, log_severity=1).get_session_options().log_severity_level == 1
    with pytest.raises(ValueError, match=r"log_severity must be an int from 0 to 4; got 7\."):
        make_session(relu_linear, log_severity=7)


def test_profile_prefix_writes_a_json_trace(relu_linear, tmp_path):
    prefix = tmp_path / "trace"
    session = make_session(relu_linear, profile_prefix=prefix)
    session.run(None, {"x": X})
    written = session.end_profiling()
    assert written.startswith(str(prefix) + "_") and written.endswith(".json")
    with open(written, encoding="utf-8") as handle:
        events = json.load(handle)
    assert any(event.get("cat") == "Node" for event in events)


def test_profile_prefix_into_missing_folder_is_explained(relu_linear, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"profile_prefix='.*' points into the folder"):
        make_session(relu_linear, profile_prefix=tmp_path / "missing" / "trace")


# --- describe_io --------------------------------------------------------------------------------

def test_describe_io_fields(relu_linear):
    info = describe_io(make_session(relu_linear))
    assert info == SessionIO(
        inputs=(IOInfo("x", "tensor(float)", ("batch", 4)),),
        outputs=(IOInfo("y", "tensor(float)", ("batch", 3)),),
        providers=("CPUExecutionProvider",),
    )


def test_describe_io_text_is_an_aligned_table(relu_linear):
    text = str(describe_io(make_session(relu_linear)))
    assert text == (
        "Session inputs and outputs (providers: CPUExecutionProvider)\n"
        "input   x  tensor(float)  ['batch', 4]\n"
        "output  y  tensor(float)  ['batch', 3]"
    )
    assert repr(describe_io(make_session(relu_linear))) == text  # stable: no addresses


def test_describe_io_html_escapes_and_aligns_columns():
    info = SessionIO(
        inputs=(IOInfo("<img>", "tensor(int64)", (None, "n&m")), IOInfo("mask", "tensor(bool)", ())),
        outputs=(IOInfo("out", "seq(tensor(float))", ()),),
        providers=("CPUExecutionProvider",),
    )
    page = info._repr_html_()
    assert "<td style=\"text-align:left\">&lt;img&gt;</td>" in page and "<img>" not in page
    assert "[None, &#x27;n&amp;m&#x27;]" in page
    assert page.count("<tr>") == 4 and "<th style=\"text-align:left\">shape</th>" in page
    assert str(info).splitlines()[1:] == [
        "input   <img>  tensor(int64)       [None, 'n&m']",
        "input   mask   tensor(bool)        []",
        "output  out    seq(tensor(float))  []",
    ]


def test_describe_io_refuses_a_model(relu_linear):
    with pytest.raises(TypeError, match=r"Expected an onnxruntime\.InferenceSession.*got ModelProto.*describe_model"):
        describe_io(relu_linear)


# --- import cost --------------------------------------------------------------------------------

def test_import_loads_no_heavy_library():
    code = "import sys, json, ortlearn.session; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(json.loads(out)) & {"onnxruntime", "onnx", "torch", "matplotlib", "sklearn"} == set()
