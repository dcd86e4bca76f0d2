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


#: The tests `make unit` leaves out (marked ``slow`` here, in one place): each takes seconds
#: because it exports with torch, trains, starts JupyterLab or loads real networks. `make test`
#: runs them all. Entries are module files or ``file::test_name`` (any parametrization).
SLOW_TESTS = (
    "test_export.py",                                    # torch.onnx.export in every test
    "test_digits.py",                                    # trains the digits CNN
    "test_exercises_proofs_export.py",                   # lesson 04's exercise proofs export with torch
    "test_banks.py::test_verify_snippet_holds_on_the_installed_stack",  # the banks' proofs export and run models
    "test_makefile.py::test_make_lab_serves_jupyterlab_on_the_requested_port",  # starts JupyterLab
    "test_feeds.py::test_real_models_feeds_run_in_ort",  # real networks (VGG-19, DenseNet…)
    "test_portability.py::test_the_command_runs_with_the_level_applied",  # imports torch in a child process
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        file = item.path.name
        test = f"{file}::{item.originalname}"
        if file in SLOW_TESTS or test in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
