"""Lesson 10's exercise proofs: the reference solutions pass, each catalogued wrong solution fails with its message.

Kept apart from test_exercises_proofs.py (one file per lesson added in parallel). The q1 and q2 checks run
``quantize_static`` on a hidden model (a fraction of a second each).
"""

from __future__ import annotations

import re

import pytest

from exercise_proofs import define
from ortlearn.exercises import load

ex = load("10_quantization")


def _define(source):
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)

    return define(source, CalibrationDataReader=CalibrationDataReader, CalibrationMethod=CalibrationMethod,
                  QuantFormat=QuantFormat, QuantType=QuantType, quantize_static=quantize_static)


_READER_HEAD = '''
class DigitsCalibrationReader(CalibrationDataReader):
    def __init__(self, model_path, raw_images, batch_size):
        self.input_name = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"]).get_inputs()[0].name
'''

#: (exercise, mistake tag, source of the wrong solution, regex its message must match)
WRONG = [
    ("q1", "hardcoded-input-name", '''
class DigitsCalibrationReader(CalibrationDataReader):
    def __init__(self, model_path, raw_images, batch_size):
        x = (raw_images / 16.0).astype(np.float32)[:, np.newaxis]
        self.batches = iter([x[i:i + batch_size] for i in range(0, len(x), batch_size)])

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {"input": batch}
''', r"keys \['input'\].*read it from the model file"),
    ("q1", "no-scaling", _READER_HEAD + '''
        x = raw_images.astype(np.float32)[:, np.newaxis]
        self.batches = iter([x[i:i + batch_size] for i in range(0, len(x), batch_size)])

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {self.input_name: batch}
''', r"not scaled to \[0, 1\].*serving preprocessing"),
    ("q1", "float64-batches", _READER_HEAD + '''
        x = (raw_images / 16.0)[:, np.newaxis]
        self.batches = iter([x[i:i + batch_size] for i in range(0, len(x), batch_size)])

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {self.input_name: batch}
''', r"batch is float64.*astype\(np\.float32\)"),
    ("q1", "no-channel-axis", _READER_HEAD + '''
        x = (raw_images / 16.0).astype(np.float32)
        self.batches = iter([x[i:i + batch_size] for i in range(0, len(x), batch_size)])

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {self.input_name: batch}
''', r"shape \(4, 8, 8\).*channel axis"),
    ("q1", "never-ends", _READER_HEAD + '''
        self.x = (raw_images / 16.0).astype(np.float32)[:, np.newaxis]
        self.batch_size, self.start = batch_size, 0

    def get_next(self):
        batch = self.x[self.start:self.start + self.batch_size]
        self.start = (self.start + self.batch_size) % len(self.x)
        return {self.input_name: batch}
''', r"never returned None"),
    ("q2", "dynamic-instead-of-static", '''
def quantize_qdq_per_channel(model_path, out_path, reader):
    quantize_dynamic(model_path, out_path, weight_type=QuantType.QInt8)
''', r"dynamic quantization"),
    ("q2", "qoperator-format", '''
def quantize_qdq_per_channel(model_path, out_path, reader):
    quantize_static(model_path, out_path, reader, quant_format=QuantFormat.QOperator, per_channel=True,
                    weight_type=QuantType.QInt8)
''', r"QOperator format"),
    ("q2", "per-tensor-weights", '''
def quantize_qdq_per_channel(model_path, out_path, reader):
    quantize_static(model_path, out_path, reader, quant_format=QuantFormat.QDQ, weight_type=QuantType.QInt8)
''', r"share one scale \(per-tensor\)"),
    ("q2", "uint8-weights", '''
def quantize_qdq_per_channel(model_path, out_path, reader):
    quantize_static(model_path, out_path, reader, quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QUInt8)
''', r"weights are uint8"),
    ("q3", "fastest-ignoring-budget", '''
def choose_model(candidates, float_accuracy, max_drop):
    return min(candidates, key=lambda c: c["p50_ms"])["name"]
''', r"loses more accuracy than the budget allows"),
    ("q3", "most-accurate", '''
def choose_model(candidates, float_accuracy, max_drop):
    within = [c for c in candidates if float_accuracy - c["accuracy"] <= max_drop]
    return max(within, key=lambda c: c["accuracy"])["name"] if within else None
''', r"the fastest \(lowest p50\) wins, not the most accurate"),
    ("q3", "absolute-drop", '''
def choose_model(candidates, float_accuracy, max_drop):
    within = [c for c in candidates if abs(float_accuracy - c["accuracy"]) <= max_drop]
    return min(within, key=lambda c: c["p50_ms"])["name"] if within else None
''', r"returned None when one candidate is more accurate.*absolute difference"),
]


@pytest.mark.parametrize("name", ["q1", "q2", "q3"])
def test_reference_solution_passes(name):
    exercise = getattr(ex, name)
    result = exercise.check(_define(exercise.solution_code))
    assert result.status == "correct", str(result)
    assert str(result).startswith("Correct: ")


@pytest.mark.parametrize(("name", "mistake", "source", "pattern"), WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG])
def test_wrong_solution_fails_with_its_message(name, mistake, source, pattern):
    exercise = getattr(ex, name)
    result = exercise.check(_define(source))
    assert result.status == "incorrect", f"{mistake}: {result}"
    assert str(result).startswith("Not yet: ")
    assert re.search(pattern, str(result), flags=re.DOTALL), f"{mistake}: {result}"
    assert exercise.section in str(result)


@pytest.mark.parametrize("name", ["q1", "q2", "q3"])
def test_every_exercise_has_a_catalogued_mistake(name):
    assert any(w[0] == name for w in WRONG)


def test_an_untouched_class_stub_is_not_attempted():
    stub = _define('''
class DigitsCalibrationReader(CalibrationDataReader):
    def __init__(self, model_path, raw_images, batch_size):
        # Your code here
        raise NotImplementedError

    def get_next(self):
        raise NotImplementedError
''')
    assert ex.q1.check(stub).status == "not-attempted"
