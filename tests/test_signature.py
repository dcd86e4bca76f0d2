"""The one model reader (ortlearn.loading.load_signature) that graph, feeds and session share."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import ortlearn as ol
from ortlearn.loading import NotAnOnnxModelError, load_signature


def _model_with_sparse_weight_listed_as_input() -> onnx.ModelProto:
    values = numpy_helper.from_array(np.array([1.0, 2.0], dtype=np.float32), "w")
    indices = numpy_helper.from_array(np.array([0, 2], dtype=np.int64), "w_indices")
    sparse = helper.make_sparse_tensor(values, indices, [3])
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3]),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        sparse_initializer=[sparse])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_graph_and_feeds_agree_that_a_sparse_initializer_is_not_an_input():
    model = _model_with_sparse_weight_listed_as_input()
    assert [spec.name for spec in load_signature(model).inputs] == ["x"]
    assert [t.name for t in ol.graph.describe_model(model).inputs] == ["x"]
    assert list(ol.feeds.make_feeds(model)) == ["x"]


def test_session_and_model_signatures_give_the_same_names_and_types():
    model = ol.zoo.make_relu_linear_model()
    from_model = load_signature(model)
    from_session = load_signature(ol.session.make_session(model))
    assert [(s.name, s.type_text, s.dtype) for s in from_model.inputs] == \
        [(s.name, s.type_text, s.dtype) for s in from_session.inputs] == [("x", "tensor(float)", "float32")]
    assert from_model.outputs[0].shape == from_session.outputs[0].shape == ("batch", 3)


def test_make_session_keeps_onnx_runtimes_error_as_the_cause(tmp_path):
    path = tmp_path / "model.pth"
    path.write_bytes(b"\x80\x04not a model")
    with pytest.raises(NotAnOnnxModelError, match="PyTorch checkpoint") as info:
        ol.session.make_session(path)
    assert info.value.__cause__ is not None  # ONNX Runtime's own error, shown above ours
    assert "INVALID_PROTOBUF" in str(info.value.__cause__) or "Protobuf" in str(info.value.__cause__)
