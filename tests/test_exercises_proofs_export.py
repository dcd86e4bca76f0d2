"""Lesson 04's exercise proofs: they export with torch (about a second each), so they are slow tests."""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")

from exercise_proofs import define  # noqa: E402
from ortlearn.exercises import load  # noqa: E402

ex = load("04_export")

#: (exercise, mistake tag, source of the wrong solution, regex its message must match)
WRONG = [
    ("q1", "dynamic-shapes-not-set", '''
def export_dynamic(model, example, path):
    model.eval()
    torch.onnx.export(model, (example,), path, dynamo=True, verbose=False, external_data=False)
''', r"first dimension is fixed at 3"),
    ("q1", "dimension-name-ignored", '''
def export_dynamic(model, example, path):
    model.eval()
    torch.onnx.export(model, (example,), path, dynamo=True, verbose=False, external_data=False,
                      dynamic_shapes={"input": {0: torch.export.Dim("n")}})
''', r"first dimension is named 'n'"),
    ("q1", "external-data-left", '''
def export_dynamic(model, example, path):
    model.eval()
    torch.onnx.export(model, (example,), path, dynamo=True, verbose=False,
                      dynamic_shapes={"input": {0: torch.export.Dim("batch")}})
''', r"separate path\.data file"),
    ("q2", "reference-in-train-mode", '''
def exports_agree(model, onnx_path, x):
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    return bool(np.allclose(session.run(None, {"input": x})[0], expected, rtol=1e-4, atol=1e-5))
''', r"said False for a correct export.*training mode"),
    ("q2", "bit-exact", '''
def exports_agree(model, onnx_path, x):
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    return bool(np.array_equal(session.run(None, {"input": x})[0], expected))
''', r"said False for a correct export.*bit for bit"),
    ("q2", "loose-tolerance", '''
def exports_agree(model, onnx_path, x):
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    return bool(np.allclose(session.run(None, {"input": x})[0], expected, atol=0.1))
''', r"said True .* too loose for float32"),
    ("q3", "data-dependent-if", '''
class Branchless(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x - 1
''', r"could not export your module.*torch\.where"),
    ("q3", "elementwise-condition", '''
class Branchless(torch.nn.Module):
    def forward(self, x):
        return torch.where(x > 0, x * 2, x - 1)
''', r"wrong on an input with a positive sum and some negative values"),
    ("q4", "torch-made-up-names", '''
def export_two_axes(model, example, path):
    model.eval()
    torch.onnx.export(model, (example,), path, dynamo=True, verbose=False, external_data=False,
                      dynamic_shapes={"tokens": {0: torch.export.Dim.AUTO, 1: torch.export.Dim.AUTO}})
''', r"Dimension 0 is dynamic but named 's\d+', a name torch\.export made up"),
    ("q4", "batch-only", '''
def export_two_axes(model, example, path):
    model.eval()
    torch.onnx.export(model, (example,), path, dynamo=True, verbose=False, external_data=False,
                      dynamic_shapes={"tokens": {0: "batch"}})
''', r"Dimension 1 \(sequence\) is fixed at 5"),
    ("q4", "every-axis-dynamic", '''
def export_two_axes(model, example, path):
    model.eval()
    torch.onnx.export(model, (example,), path, dynamo=True, verbose=False, external_data=False,
                      dynamic_shapes={"tokens": {0: "batch", 1: "sequence", 2: "features"}})
''', r"refused a dimension you marked dynamic.*features feed a Linear layer"),
]


@pytest.mark.parametrize("name", ["q1", "q2", "q3", "q4"])
def test_reference_solution_passes(name):
    result = getattr(ex, name).check(define(getattr(ex, name).solution_code, torch=torch))
    assert result.status == "correct", str(result)


@pytest.mark.parametrize(("name", "mistake", "source", "pattern"), WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG])
def test_wrong_solution_fails_with_its_message(name, mistake, source, pattern):
    result = getattr(ex, name).check(define(source, torch=torch))
    assert result.status == "incorrect", f"{mistake}: {result}"
    assert re.search(pattern, str(result), flags=re.DOTALL), f"{mistake}: {result}"


def test_named_dims_also_pass_the_two_axes_check():
    source = '''
def export_two_axes(model, example, path):
    model.eval()
    torch.onnx.export(model, (example,), path, dynamo=True, verbose=False,
                      dynamic_shapes={"tokens": {0: torch.export.Dim("batch"), 1: torch.export.Dim("sequence")}})
'''
    result = ex.q4.check(define(source, torch=torch))
    assert result.status == "correct", str(result)


def test_an_untouched_module_stub_is_not_attempted():
    stub = define('''
class Branchless(torch.nn.Module):
    def forward(self, x):
        raise NotImplementedError
''', torch=torch)
    assert ex.q3.check(stub).status == "not-attempted"
