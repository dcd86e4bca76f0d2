from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx.reference import ReferenceEvaluator

from ortlearn.zoo import make_conv_bn_relu_model, make_relu_linear_model


@pytest.mark.parametrize("make", [make_relu_linear_model, make_conv_bn_relu_model])
def test_models_are_deterministic_per_seed(make):
    assert make(0).SerializeToString() == make(0).SerializeToString()
    assert make(0).SerializeToString() != make(1).SerializeToString()


def test_relu_linear_matches_numpy():
    model = make_relu_linear_model()
    weights = {t.name: np.frombuffer(t.raw_data, dtype=np.float32).reshape(t.dims) for t in model.graph.initializer}
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    (y,) = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    np.testing.assert_allclose(y, np.maximum(x @ weights["W"] + weights["b"], 0), rtol=1e-6, atol=1e-6)


def test_conv_bn_relu_matches_the_reference_evaluator():
    model = make_conv_bn_relu_model()
    assert [n.op_type for n in model.graph.node] == [
        "Conv", "BatchNormalization", "Relu", "Conv", "Relu", "GlobalAveragePool", "Flatten"]
    x = np.random.default_rng(2).standard_normal((2, 3, 32, 32)).astype(np.float32)
    (expected,) = ReferenceEvaluator(model).run(None, {"x": x})
    (actual,) = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    assert actual.shape == (2, 16)
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
