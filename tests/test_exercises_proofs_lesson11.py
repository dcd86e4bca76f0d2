"""Lesson 11's exercise proofs: the reference solutions pass, each catalogued wrong solution fails as intended.

Kept apart from test_exercises_proofs.py (shared by lessons 01-09); same shape: each wrong solution is tagged
with its misconception and its message pinned with a regex.
"""

from __future__ import annotations

import os
import re

import pytest

from exercise_proofs import define
from ortlearn.exercises import load

LESSON = "11_deployment"

#: (exercise, mistake tag, source of the wrong solution, regex its message must match)
WRONG = [
    ("q1", "run-allocates", '''
def run_into(session, x, out):
    out[:] = session.run(None, {session.get_inputs()[0].name: x})[0]
    return out
''', r"called session\.run\(\)"),
    ("q1", "ort-allocated-output", '''
def run_into(session, x, out):
    binding = session.io_binding()
    binding.bind_cpu_input(session.get_inputs()[0].name, x)
    binding.bind_output(session.get_outputs()[0].name)
    session.run_with_iobinding(binding)
    out[:] = binding.copy_outputs_to_cpu()[0]
    return out
''', r"bound to memory that ORT allocated"),
    ("q1", "returns-a-copy", '''
def run_into(session, x, out):
    binding = session.io_binding()
    binding.bind_cpu_input(session.get_inputs()[0].name, x)
    binding.bind_ortvalue_output(session.get_outputs()[0].name, ort.OrtValue.ortvalue_from_numpy(out))
    session.run_with_iobinding(binding)
    return binding.copy_outputs_to_cpu()[0]
''', r"return out itself"),
    ("q1", "hardcoded-names", '''
def run_into(session, x, out):
    binding = session.io_binding()
    binding.bind_cpu_input("x", x)
    binding.bind_ortvalue_output("y", ort.OrtValue.ortvalue_from_numpy(out))
    session.run_with_iobinding(binding)
    return out
''', r"raised an error"),
    ("q2", "duplicate-keys", '''
def stamp(model, version, props):
    model.model_version = version
    for key, value in props.items():
        model.metadata_props.add(key=key, value=value)
    return model
''', r"duplicate keys.*not be added a second time"),
    ("q2", "old-keys-dropped", '''
def stamp(model, version, props):
    model.model_version = version
    helper.set_model_props(model, props)
    return model
''', r"'owner', already in the model, is gone"),
    ("q2", "version-not-set", '''
def stamp(model, version, props):
    merged = {entry.key: entry.value for entry in model.metadata_props}
    merged.update(props)
    helper.set_model_props(model, merged)
    return model
''', r"version is 9223372036854775807.*model_version"),
    ("q3", "folder-ignored", '''
def session_from_bytes(model_bytes, data_folder):
    return ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
''', r"raised an error.*[Ee]xternal data"),
    ("q3", "chdir", '''
def session_from_bytes(model_bytes, data_folder):
    os.chdir(data_folder)
    return ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
''', r"changed the working directory"),
]


def _names():
    module = load(LESSON)
    return [name for name in ("q1", "q2", "q3") if hasattr(module, name)]


@pytest.mark.parametrize("name", _names())
def test_reference_solution_passes(name):
    exercise = getattr(load(LESSON), name)
    result = exercise.check(define(exercise.solution_code))
    assert result.status == "correct", str(result)
    assert str(result).startswith("Correct: ")


@pytest.mark.parametrize(("name", "mistake", "source", "pattern"), WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG])
def test_wrong_solution_fails_with_its_message(name, mistake, source, pattern):
    exercise = getattr(load(LESSON), name)
    here = os.getcwd()
    try:
        result = exercise.check(define(source, os=os))
    finally:
        os.chdir(here)
    assert result.status == "incorrect", f"{mistake}: {result}"
    assert str(result).startswith("Not yet: ")
    assert re.search(pattern, str(result), flags=re.DOTALL), f"{mistake}: {result}"
    assert exercise.section in str(result)


@pytest.mark.parametrize("name", _names())
def test_every_exercise_has_at_least_one_catalogued_mistake(name):
    assert any(w[0] == name for w in WRONG)


def test_lesson_has_three_exercises():
    assert _names() == ["q1", "q2", "q3"]
