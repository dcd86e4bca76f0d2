"""Shared fixtures: small models built in memory (no files, no downloads)."""

from __future__ import annotations

import onnx
import pytest

from ortlearn.zoo import make_relu_linear_model


@pytest.fixture
def relu_linear() -> onnx.ModelProto:
    """relu(x·W + b) with a symbolic batch, as built in lessons/01_onnx_format.ipynb."""
    return make_relu_linear_model()


@pytest.fixture
def relu_linear_path(tmp_path, relu_linear):
    path = tmp_path / "relu_linear.onnx"
    onnx.save(relu_linear, path)
    return path


@pytest.fixture(autouse=True)
def _private_results_folder(tmp_path_factory, monkeypatch):
    """Quiz results written by any test go to a temporary folder, never the tester's home."""
    monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path_factory.mktemp("ortlearn-data")))
