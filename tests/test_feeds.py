"""Tests for ortlearn.feeds.make_feeds.

The oracle is ONNX Runtime itself: feeds that run through an
``InferenceSession`` (and come back unchanged through Identity) have the
dtype and shape the model declares.
"""

from __future__ import annotations

import subprocess
import sys

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from ortlearn.data import REAL_MODELS, real_model_path
from ortlearn.feeds import DEFAULT_DIM, INT_HIGH, STRING_VALUES, make_feeds

ort.set_default_logger_severity(3)


def _model(inputs, nodes, outputs, *, opset: int = 17, ir_version: int = 8, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version)


def _identity_model(elem_type: int, shape, opset: int = 17) -> onnx.ModelProto:
    return _model(
        [helper.make_tensor_value_info("x", elem_type, shape)],
        [helper.make_node("Identity", ["x"], ["y"])],
        [helper.make_tensor_value_info("y", elem_type, None)],
        opset=opset,
    )


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _mixed_model() -> onnx.ModelProto:
    """Four inputs of four dtypes sharing the symbolic dims 'N' and 'seq'."""
    names = {"f": TensorProto.FLOAT, "i": TensorProto.INT64, "b": TensorProto.BOOL, "s": TensorProto.STRING}
    shapes = {"f": ["N", "seq", 4], "i": ["N", "seq"], "b": [None, 2], "s": ["N"]}
    return _model(
        [helper.make_tensor_value_info(n, t, shapes[n]) for n, t in names.items()],
        [helper.make_node("Identity", [n], [f"{n}_out"]) for n in names],
        [helper.make_tensor_value_info(f"{n}_out", t, None) for n, t in names.items()],
    )


RUNNABLE = [
    (TensorProto.FLOAT, np.float32),
    (TensorProto.DOUBLE, np.float64),
    (TensorProto.FLOAT16, np.float16),
    (TensorProto.INT8, np.int8),
    (TensorProto.INT16, np.int16),
    (TensorProto.INT32, np.int32),
    (TensorProto.INT64, np.int64),
    (TensorProto.UINT8, np.uint8),
    (TensorProto.UINT16, np.uint16),
    (TensorProto.UINT32, np.uint32),
    (TensorProto.UINT64, np.uint64),
    (TensorProto.BOOL, np.bool_),
    (TensorProto.STRING, np.object_),
]


@pytest.mark.parametrize(("elem_type", "np_dtype"), RUNNABLE, ids=lambda v: str(v))
def test_feeds_run_through_identity_with_declared_dtype_and_shape(elem_type, np_dtype):
    model = _identity_model(elem_type, ["N", 3, "seq"])
    feeds = make_feeds(model, batch=2, dims={"seq": 5})
    x = feeds["x"]
    assert x.dtype == np.dtype(np_dtype)
    assert x.shape == (2, 3, 5)
    (y,) = _session(model).run(None, feeds)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, x)


def test_float16_and_int_feeds_run_through_cast_and_add():
    model = _model(
        [helper.make_tensor_value_info("h", TensorProto.FLOAT16, ["N", 3]),
         helper.make_tensor_value_info("k", TensorProto.INT32, ["N", 3])],
        [helper.make_node("Cast", ["k"], ["k16"], to=TensorProto.FLOAT16),
         helper.make_node("Add", ["h", "k16"], ["y"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT16, ["N", 3])],
    )
    feeds = make_feeds(model, batch=4)
    (y,) = _session(model).run(None, feeds)
    np.testing.assert_array_equal(y, feeds["h"] + feeds["k"].astype(np.float16))


def test_value_ranges():
    feeds = make_feeds(_mixed_model(), batch=64, dims={"seq": 32})
    ints, floats = feeds["i"], feeds["f"]
    assert ints.min() >= 0 and ints.max() < INT_HIGH and len(np.unique(ints)) > 1
    assert abs(float(floats.mean())) < 0.1 and 0.9 < float(floats.std()) < 1.1  # standard normal
    assert set(feeds["s"]) <= set(STRING_VALUES) and all(type(v) is str for v in feeds["s"])
    assert feeds["b"].any() and not feeds["b"].all()


def test_bfloat16_feed_is_ml_dtypes_and_runs_as_ortvalue():
    model = _model(
        [helper.make_tensor_value_info("x", TensorProto.BFLOAT16, ["N", 3])],
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        opset=21, ir_version=10,
    )
    x = make_feeds(model, batch=2)["x"]
    assert x.dtype == np.dtype(ml_dtypes.bfloat16) and x.shape == (2, 3)
    value = ort.OrtValue.ortvalue_from_numpy_with_onnx_type(x.view(np.uint16), TensorProto.BFLOAT16)
    (y,) = _session(model).run(None, {"x": value})
    np.testing.assert_array_equal(y, x.astype(np.float32))


@pytest.mark.parametrize(
    ("elem_type", "check"),
    [
        (TensorProto.COMPLEX64, lambda a: a.dtype == np.complex64 and np.abs(a.imag).sum() > 0),
        (TensorProto.FLOAT8E4M3FN, lambda a: a.dtype == np.dtype(ml_dtypes.float8_e4m3fn)),
        (TensorProto.FLOAT8E8M0, lambda a: bool((a.astype(np.float32) > 0).all())),  # cannot hold negatives
        (TensorProto.INT4, lambda a: a.dtype == ml_dtypes.int4 and 0 <= int(a.min()) and int(a.max()) < 8),
    ],
    ids=["complex64", "float8e4m3fn", "float8e8m0", "int4"],
)
def test_exotic_dtypes_from_proto(elem_type, check):
    x = make_feeds(_identity_model(elem_type, [4, 8], opset=21))["x"]
    assert x.shape == (4, 8)
    assert check(x)


def test_symbolic_and_unknown_dims():
    model = _model(
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["B", "seq", None, 7]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [None, "hidden"])],
        [helper.make_node("Identity", [n], [n + "_out"]) for n in "ab"],
        [helper.make_tensor_value_info(n + "_out", TensorProto.FLOAT, None) for n in "ab"],
    )
    feeds = make_feeds(model, batch=3)
    assert feeds["a"].shape == (3, DEFAULT_DIM, DEFAULT_DIM, 7)
    assert feeds["b"].shape == (3, DEFAULT_DIM)
    feeds = make_feeds(model, batch=3, dims={"seq": 16, "hidden": 8})
    assert feeds["a"].shape == (3, 16, DEFAULT_DIM, 7)
    assert feeds["b"].shape == (3, 8)
    assert make_feeds(model, batch=3, dims={"B": 5})["a"].shape[0] == 5  # dims beats batch
    _session(model).run(None, feeds)


def test_shared_symbolic_dim_is_consistent_across_inputs():
    model = _model(
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "seq"]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "seq"]),
         helper.make_tensor_value_info("m", TensorProto.FLOAT, ["seq", "N"])],
        [helper.make_node("Add", ["x", "y"], ["s"]), helper.make_node("Transpose", ["m"], ["t"]),
         helper.make_node("Add", ["s", "t"], ["z"])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", "seq"])],
    )
    feeds = make_feeds(model, batch=3, dims={"seq": 5})
    assert [a.shape for a in feeds.values()] == [(3, 5), (3, 5), (5, 3)]
    # 'seq' leads in 'm', so without dims it gets batch too, in every input.
    assert [a.shape for a in make_feeds(model, batch=4).values()] == [(4, 4)] * 3
    (z,) = _session(model).run(None, feeds)
    np.testing.assert_allclose(z, feeds["x"] + feeds["y"] + feeds["m"].T, rtol=1e-6)


def test_scalar_input_and_input_order():
    model = _model(
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in (("z", []), ("a", [2]), ("m", [1, 2]))],
        [helper.make_node("Add", ["z", "a"], ["s"]), helper.make_node("Add", ["s", "m"], ["y"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    feeds = make_feeds(model)
    assert list(feeds) == ["z", "a", "m"]
    assert feeds["z"].shape == () and isinstance(feeds["z"], np.ndarray)
    _session(model).run(None, feeds)


def test_deterministic_for_a_seed_and_different_across_seeds():
    model = _mixed_model()
    first, again, other = (make_feeds(model, batch=8, seed=s, dims={"seq": 8}) for s in (7, 7, 8))
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
    for name in ("f", "i", "b", "s"):
        assert not np.array_equal(first[name], other[name]), name


def test_session_and_proto_give_identical_feeds(tmp_path):
    model = _mixed_model()
    path = tmp_path / "mixed.onnx"
    onnx.save(model, path)
    from_session = make_feeds(_session(model), batch=2, seed=3, dims={"seq": 6})
    for source in (model, path, str(path), model.SerializeToString()):
        from_proto = make_feeds(source, batch=2, seed=3, dims={"seq": 6})
        assert list(from_proto) == list(from_session)
        for name, array in from_session.items():
            assert from_proto[name].dtype == array.dtype and from_proto[name].shape == array.shape
            np.testing.assert_array_equal(from_proto[name], array)
    assert from_session["f"].shape == (2, 6, 4) and from_session["b"].shape == (2, 2)


def test_initializers_listed_as_inputs_are_skipped_ir3():
    weight = helper.make_tensor("W", TensorProto.FLOAT, [3], [1.0, 2.0, 3.0])
    model = _model(
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("W", TensorProto.FLOAT, [3])],
        [helper.make_node("Add", ["x", "W"], ["y"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        opset=7, ir_version=3, initializers=[weight],
    )
    feeds = make_feeds(model)
    assert list(feeds) == ["x"]
    (y,) = _session(model).run(None, feeds)
    np.testing.assert_allclose(y, feeds["x"] + np.array([1, 2, 3], np.float32))


def test_light_resnet50_has_one_real_input_among_its_initializers():
    model = onnx.load(real_model_path("resnet50"))
    assert len(model.graph.input) == 270
    feeds = make_feeds(model)
    assert list(feeds) == ["gpu_0/data_0"]
    assert feeds["gpu_0/data_0"].shape == (1, 3, 224, 224) and feeds["gpu_0/data_0"].dtype == np.float32


@pytest.mark.parametrize("name", REAL_MODELS)
def test_real_models_feeds_run_in_ort(name):
    path = real_model_path(name)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = make_feeds(path, seed=1)
    outputs = session.run(None, feeds)
    assert outputs and all(np.isfinite(o).all() for o in outputs)
    assert make_feeds(session, seed=1).keys() == feeds.keys()


_FLOAT_TYPE = helper.make_tensor_type_proto(TensorProto.FLOAT, [2])


@pytest.mark.parametrize(
    ("value_info", "type_text"),
    [
        (helper.make_tensor_sequence_value_info("seqs", TensorProto.FLOAT, None), "seq(tensor(float))"),
        (helper.make_value_info("seqs", helper.make_optional_type_proto(_FLOAT_TYPE)), "optional(tensor(float))"),
        (helper.make_value_info("seqs", helper.make_map_type_proto(TensorProto.STRING, _FLOAT_TYPE)),
         "map(string,tensor(float))"),
        (helper.make_sparse_tensor_value_info("seqs", TensorProto.FLOAT, [2, 2]), "sparse_tensor(float)"),
    ],
    ids=["seq", "optional", "map", "sparse"],
)
def test_non_tensor_input_raises_type_error(value_info, type_text):
    model = _model([value_info], [], [])
    pattern = (
        rf"Cannot make a feed for input 'seqs' of type {type_text.replace('(', '[(]').replace(')', '[)]')}: "
        r"make_feeds only synthesises tensors \(tensors of float, double, float16, bfloat16.*"
        r"Build this input yourself; see lessons/02_sessions.ipynb"
    )
    with pytest.raises(TypeError, match=pattern):
        make_feeds(model)


def test_sequence_input_of_a_session_raises_type_error():
    model = _model(
        [helper.make_tensor_sequence_value_info("seqs", TensorProto.FLOAT, None)],
        [helper.make_node("SequenceLength", ["seqs"], ["n"])],
        [helper.make_tensor_value_info("n", TensorProto.INT64, [])],
    )
    with pytest.raises(TypeError, match=r"input 'seqs' of type seq\(tensor\(float\)\): make_feeds only"):
        make_feeds(_session(model))


def test_unknown_rank_raises_value_error():
    model = _identity_model(TensorProto.FLOAT, None)
    with pytest.raises(ValueError, match=r"input 'x' of type tensor\(float\): the model does not declare its rank"):
        make_feeds(model)


def test_unknown_rank_from_a_session_gives_a_scalar_as_documented():
    # ONNX Runtime reports an unknown rank as [], exactly like a scalar.
    session = _session(_identity_model(TensorProto.FLOAT, None))
    assert session.get_inputs()[0].shape == []
    assert make_feeds(session)["x"].shape == ()


def test_undefined_element_type_raises_type_error():
    model = _model([helper.make_tensor_value_info("x", TensorProto.UNDEFINED, [2])], [], [])
    with pytest.raises(TypeError, match=r"input 'x' of type tensor\(undefined\): numpy has no dtype for it"):
        make_feeds(model)


@pytest.mark.parametrize(
    ("batch", "error", "pattern"),
    [
        (0, ValueError, r"batch must be an int >= 1; got 0\. See lessons/02_sessions"),
        (-2, ValueError, r"batch must be an int >= 1; got -2"),
        (1.5, TypeError, r"batch must be an int >= 1; got float: 1\.5"),
        ("2", TypeError, r"batch must be an int >= 1; got str: '2'"),
        (True, TypeError, r"batch must be an int >= 1; got bool: True"),
    ],
)
def test_bad_batch(batch, error, pattern):
    with pytest.raises(error, match=pattern):
        make_feeds(_mixed_model(), batch=batch)


def test_numpy_int_batch_is_accepted():
    assert make_feeds(_mixed_model(), batch=np.int64(3))["s"].shape == (3,)


@pytest.mark.parametrize(
    ("dims", "error", "pattern"),
    [
        ({"seq": 0}, ValueError, r"dims\['seq'\] must be an int >= 1; got 0"),
        ({"seq": 2.0}, TypeError, r"dims\['seq'\] must be an int >= 1; got float: 2\.0"),
        ({"seq": 2, "sequence": 4, 0: 1}, ValueError,
         r"dims names \['sequence', 0\], but the model has no such symbolic dimension\. "
         r"Its symbolic dimensions are \['N', 'seq'\]"),
        ([("seq", 4)], TypeError, r"dims must be a mapping .*; got list: \[\('seq', 4\)\]"),
    ],
)
def test_bad_dims(dims, error, pattern):
    with pytest.raises(error, match=pattern):
        make_feeds(_mixed_model(), dims=dims)


def test_dims_on_a_model_without_symbolic_dims():
    with pytest.raises(ValueError, match=r"symbolic dimensions are none: every dimension is fixed"):
        make_feeds(real_model_path("squeezenet"), dims={"N": 2})


def test_missing_path_and_non_model_pass_through_load_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No model file at .*nope\.onnx"):
        make_feeds(tmp_path / "nope.onnx")
    with pytest.raises(TypeError, match=r"Expected an onnx\.ModelProto, a path to a \.onnx file or its bytes; got int"):
        make_feeds(42)


def test_import_stays_light():
    code = (
        "import sys, ortlearn.feeds; "
        "print(sorted(m for m in ('onnx', 'onnxruntime', 'torch', 'sklearn', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
