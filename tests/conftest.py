"""Shared fixtures: small models built in memory (no files, no downloads)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper


def make_relu_linear() -> onnx.ModelProto:
    """relu(x·W + b) with a symbolic batch, as built in lessons/01_onnx_format.ipynb."""
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((4, 3)).astype(np.float32)
    bias = np.array([0.5, -0.25, 0.1], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xW"], name="matmul"),
            helper.make_node("Add", ["xW", "b"], ["z"], name="add"),
            helper.make_node("Relu", ["z"], ["y"], name="relu"),
        ],
        "relu_linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    return model


@pytest.fixture
def relu_linear() -> onnx.ModelProto:
    return make_relu_linear()


@pytest.fixture
def relu_linear_path(tmp_path, relu_linear):
    path = tmp_path / "relu_linear.onnx"
    onnx.save(relu_linear, path)
    return path
