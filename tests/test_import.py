"""`import ortlearn` must stay light: heavy libraries load only when a helper needs them.

(How fast it is, is measured by benchmarks/import_time.py, not asserted here.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["torch", "sklearn", "matplotlib", "matplotlib.pyplot", "onnx", "onnxruntime", "yaml", "ipywidgets"]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_import_ortlearn_loads_no_heavy_library():
    assert _modules_after("import ortlearn") & set(HEAVY) == set()


@pytest.mark.parametrize("module", ["ortlearn.lessons", "ortlearn.loading", "ortlearn.data", "ortlearn.graph", "ortlearn.feeds", "ortlearn.checkup", "ortlearn.cli", "ortlearn.session", "ortlearn.zoo", "ortlearn.quiz", "ortlearn.quiz.bank", "ortlearn.metrics", "ortlearn.bench", "ortlearn.compare", "ortlearn.export"])
def test_submodules_import_no_torch_sklearn_or_pyplot(module):
    loaded = _modules_after(f"import {module}")
    assert loaded & {"torch", "sklearn", "matplotlib.pyplot"} == set()


def test_submodules_load_on_first_attribute_access():
    loaded = _modules_after("import ortlearn; ortlearn.graph")
    assert "ortlearn.graph" in loaded


def test_unknown_attribute_raises_attribute_error():
    import ortlearn

    with pytest.raises(AttributeError, match="module 'ortlearn' has no attribute 'grpah'"):
        ortlearn.grpah  # noqa: B018
