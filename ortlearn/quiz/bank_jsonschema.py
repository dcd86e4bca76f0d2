"""The bank's JSON Schema (``ortlearn/quiz/bank.schema.json``, Draft 2020-12) and its validator.

The schema file is package data and the one statement of a bank's structure:
:mod:`ortlearn.quiz.bank_schema` reads its field lists and limits from it and
validates every bank against it with :mod:`jsonschema` (loaded on first use);
editors check a bank against the same file while it is typed (quizzes/README.md).

Introduced in quizzes/README.md ("Writing questions").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["SCHEMA", "SCHEMA_PATH", "check_against_schema", "schema_pattern"]

#: The schema file (a :class:`importlib.resources.abc.Traversable` in the installed package).
SCHEMA_PATH = resources.files("ortlearn.quiz").joinpath("bank.schema.json")
#: The schema, parsed.
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_pattern(schema: dict[str, Any]) -> re.Pattern[str]:
    """A schema's anchored ``pattern``, compiled for ``fullmatch``."""
    return re.compile(schema["pattern"].removeprefix("^").removesuffix("$"))


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # loaded on first use: `import ortlearn` stays light

    return jsonschema.Draft202012Validator(SCHEMA)


def check_against_schema(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(message, where)`` for each schema error; ``where`` holds ``question``, ``choice`` and ``field``.

    :mod:`ortlearn.quiz.bank_schema` words every structural problem itself first and
    calls this only on banks it accepted: it is the net that keeps the two from drifting.
    """
    from ortlearn.quiz.bank_schema import shorten

    for error in sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        question, choice = "", 0
        if len(path) >= 2 and path[0] == "questions":
            raw = data["questions"][path[1]]
            qid = raw.get("id") if isinstance(raw, dict) else None
            question = f"question {qid!r}" if isinstance(qid, str) else f"question #{path[1] + 1}"
            path = path[2:]
            if len(path) >= 2 and path[0] == "choices":
                choice, path = path[1] + 1, path[2:]
        message = f"does not match the bank schema ({SCHEMA_PATH.name}): {shorten(error.message)}."
        yield message, {"question": question, "choice": choice, "field": ".".join(str(p) for p in path)}
