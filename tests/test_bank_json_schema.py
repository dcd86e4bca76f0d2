"""The bank's JSON Schema file: valid Draft 2020-12, the source of the validator's field lists, met by every bank."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from ortlearn.quiz import bank_schema
from ortlearn.quiz.bank import MAX_DEPTH, load_bank
from ortlearn.quiz.bank_jsonschema import SCHEMA, SCHEMA_PATH, check_against_schema
from ortlearn.quiz.questions import DIFFICULTIES, QUESTION_TYPES
from ortlearn.quiz.yaml_loader import load_yaml

ROOT = Path(__file__).resolve().parents[1]
BANK_FILES = sorted((ROOT / "quizzes" / "banks").glob("*.yaml"))


def test_the_schema_file_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.stem for p in BANK_FILES])
def test_every_shipped_bank_validates_against_the_schema_file(path):
    data = load_yaml(path.read_text(encoding="utf-8"), max_depth=MAX_DEPTH)  # the loader the validator uses
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)]
    assert errors == []
    load_bank(path)  # and the house validator agrees


def test_the_validator_reads_its_lists_from_the_schema_file():
    question = SCHEMA["$defs"]["question"]["properties"]
    assert bank_schema.QUESTION_FIELDS == tuple(question)
    assert question["type"]["enum"] == list(QUESTION_TYPES)
    assert question["difficulty"]["enum"] == list(DIFFICULTIES)
    assert (bank_schema.MIN_CHOICES, bank_schema.MAX_CHOICES) == (question["choices"]["minItems"],
                                                                  question["choices"]["maxItems"])
    assert bank_schema.KEBAB.fullmatch("a-b-2") and not bank_schema.KEBAB.fullmatch("a--b")


def test_what_only_the_schema_catches_is_reported_in_the_house_shape():
    data = {"topic": "99_x", "title": "T", "questions": [
        {"id": "q-one", "type": "single_choice", "difficulty": "easy", "prompt": "p",
         "choices": [{"text": "a", "correct": True, "colour": "red"}, {"text": "b"}]},
    ]}
    found = list(check_against_schema(data))
    assert len(found) == 1
    message, where = found[0]
    assert where == {"question": "question 'q-one'", "choice": 1, "field": ""}
    assert message.startswith("does not match the bank schema (bank.schema.json): ") and "'colour'" in message


def test_the_schema_file_ships_with_the_package():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"bank.schema.json"' in pyproject
    assert SCHEMA_PATH.is_file()


def test_jsonschema_loads_only_when_a_bank_is_checked():
    code = "import sys, ortlearn.quiz.bank, ortlearn.quiz.bank_schema; print('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
