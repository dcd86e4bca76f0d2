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


def test_lesson_01_builds_the_model_the_zoo_makes(tmp_path, monkeypatch):
    """Lesson 02 says make_relu_linear_model() is lesson 01's model: run lesson 01's cells that build it and compare."""
    import json
    from pathlib import Path

    notebook = Path(__file__).resolve().parents[1] / "lessons" / "01_onnx_format.ipynb"
    cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    monkeypatch.chdir(tmp_path)  # the imports cell makes an artifacts/ folder
    namespace: dict = {}
    for cell in cells[:2]:  # the imports cell, then the cell that builds `model`
        source = "".join(cell["source"]).replace("ort.set_default_logger_severity(3)", "pass")
        exec(compile(source, str(notebook), "exec"), namespace)
    lesson = namespace["model"]
    zoo = make_relu_linear_model()
    assert lesson.producer_name == "ortlearn-lesson-01"  # the one intended difference
    lesson.producer_name = zoo.producer_name
    assert lesson.SerializeToString() == zoo.SerializeToString()
