"""Run a question's ``verify:`` snippet: the proof that its stated answer is true.

Every snippet runs in a fresh namespace holding a tiny model, so a bank author
can assert real ONNX Runtime behaviour in two or three lines. The test suite
runs every snippet of the course's own banks (tests/test_banks.py);
``ortlearn quiz validate --verify`` does the same from a terminal.

**This executes the bank's Python** in this process, with the user's rights
(files, network, the Jupyter token). It is no sandbox: nothing else in
ortlearn runs bank code (loading, showing, taking and exporting a bank never
do), and only an explicit ``--verify`` reaches this module for a bank from
outside the course. README.md, "Reviewing a bank you were sent", says how to
review one first.

Names available to a snippet (see :func:`make_namespace`):

=============== ===========================================================
``np``          numpy
``onnx``        onnx
``ort``         onnxruntime (log severity ERROR)
``ol``          ortlearn
``workdir``     a fresh ``pathlib.Path`` folder the snippet may write to
``model``       ``onnx.ModelProto`` of ``y = relu(x·W + b)``, x: float[batch, 4], y: float[batch, 3]
``model_path``  ``str`` path of that model saved in ``workdir`` (``model.onnx``)
``session``     ``ort.InferenceSession`` on it (CPUExecutionProvider)
``input_name``  ``"x"``
``feeds``       ``{"x": float32 array of shape (2, 4)}``
=============== ===========================================================

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ortlearn.quiz.questions import Question

__all__ = ["VerifyError", "make_namespace", "run_verify"]


class VerifyError(AssertionError):
    """A ``verify:`` snippet failed: the question's stated answer is not (or no longer) true."""


def make_namespace(workdir: Path) -> dict[str, Any]:
    """Return a fresh namespace for one snippet, with the tiny model saved in ``workdir``.

    Args:
        workdir: An existing folder the snippet may write to.

    Returns:
        The globals the snippet runs with (see the module docstring).
    """
    import numpy as np
    import onnx
    import onnxruntime as ort

    import ortlearn as ol

    ort.set_default_logger_severity(3)
    model = ol.zoo.make_relu_linear_model()
    model_path = Path(workdir) / "model.onnx"
    onnx.save(model, model_path)
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feeds = {"x": np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)}
    return {
        "__name__": "__verify__",
        "np": np,
        "onnx": onnx,
        "ort": ort,
        "ol": ol,
        "workdir": Path(workdir),
        "model": model,
        "model_path": str(model_path),
        "session": session,
        "input_name": "x",
        "feeds": feeds,
    }


def run_verify(question: Question, workdir: Path) -> None:
    """Run ``question.verify`` in a fresh namespace; do nothing if it has none.

    Args:
        question: The question whose snippet to run.
        workdir: An empty folder for the snippet's files.

    Raises:
        VerifyError: The snippet raised (an ``AssertionError`` or anything
            else); the message names the bank topic, the question id and the
            original error.
    """
    if not question.verify.strip():
        return
    namespace = make_namespace(workdir)
    filename = f"<verify {question.topic}:{question.id}>"
    try:
        with _logging_and_warnings_kept():
            exec(compile(question.verify, filename, "exec"), namespace)  # noqa: S102 - runs only on explicit request (--verify, the test suite)
    except Exception as exc:  # report any failure as "the stated answer is not true"
        line = _failing_line(exc, filename, question.verify)
        raise VerifyError(
            f"verify: of question {question.id!r} (topic {question.topic!r}) failed at {line}: "
            f"{type(exc).__name__}: {str(exc) or '(no message)'}. The question states something the "
            f"installed stack does not do: fix the question or its snippet."
        ) from exc


@contextlib.contextmanager
def _logging_and_warnings_kept() -> Iterator[None]:
    """Give back the caller's warning filters and logger levels after a snippet.

    Snippets quiet a logger (``logging.getLogger("torch.onnx").setLevel(...)``) or a warning
    for themselves; without this, that setting would leak into whatever runs next in the
    process (the next snippet, a test, the learner's notebook). Loggers that a snippet's
    imports create keep the level their library gave them.
    """
    manager = logging.Logger.manager
    levels = {name: logger.level for name, logger in list(manager.loggerDict.items())
              if isinstance(logger, logging.Logger)}
    root_level, disabled = logging.root.level, manager.disable
    with warnings.catch_warnings():
        try:
            yield
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
            logging.root.setLevel(root_level)
            logging.disable(disabled)


def _failing_line(exc: BaseException, filename: str, source: str) -> str:
    """Return ``line N: <code>`` for the snippet line where ``exc`` was raised."""
    lineno = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    if lineno is None:
        lineno = getattr(exc, "lineno", None)  # SyntaxError
    if lineno is None:
        return "an unknown line"
    lines = source.splitlines()
    code = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    return f"line {lineno} `{code}`"
