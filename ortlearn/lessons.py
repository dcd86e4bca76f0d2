"""The course's lesson map: one place that knows every lesson's file and title.

Error messages, the doctor report, the README and quiz summaries all point
learners at a lesson; they take the path from here so it is spelled once.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Lesson", "LESSONS", "lesson_path", "get_lesson"]


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook.

    Attributes:
        stem: The notebook's file stem, also the id of its question bank
            (``"02_sessions"`` ↔ ``quizzes/banks/02_sessions.yaml``).
        title: The lesson's title as shown in the lesson map.
        summary: One line saying what the lesson teaches.
    """

    stem: str
    title: str
    summary: str

    @property
    def path(self) -> str:
        """The notebook's path relative to the repository root."""
        return f"lessons/{self.stem}.ipynb"


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_start_here", "Start here", "How the course works, checking your setup, the lesson map, quizzes."),
    Lesson("01_onnx_format", "The ONNX format", "What is inside a .onnx file; build, check and run a graph by hand."),
    Lesson("02_sessions", "Inference sessions", "InferenceSession, inputs and outputs, feeds, and the classic run() mistakes."),
    Lesson("03_providers", "Execution providers", "CPU, CUDA and fallback; graph optimizations; who ran each node."),
    Lesson("04_export", "Exporting from PyTorch", "torch.onnx.export, dynamic batch, parity checks, export failures."),
    Lesson("05_metrics_pitfalls", "Metrics pitfalls", "Accuracy, precision, recall, leakage and measuring latency right."),
    Lesson("06_vision_pipeline", "A vision pipeline", "Image to prediction, shape by shape, and the classic preprocessing bugs."),
    Lesson("07_performance", "Performance", "ORT vs PyTorch, threads, optimization levels, int8 quantization."),
    Lesson("08_custom_operators", "Custom operators", "ONNX functions and Python custom ops with onnxruntime-extensions."),
    Lesson("09_real_model_ocr", "A real model: OCR", "A production OCR pipeline (PP-OCR) taken apart, measured, and its classic bugs' cost."),
    Lesson("10_quantization", "Quantization", "Static and dynamic int8, calibration, QDQ, per-channel, int8 instructions, float16; when to quantize."),
    Lesson("11_deployment", "Deployment", "IOBinding, metadata, opset compatibility, threads for a service, ORT format, external data."),
)

_BY_STEM = {lesson.stem: lesson for lesson in LESSONS}


def get_lesson(stem: str) -> Lesson:
    """Return the lesson whose notebook stem is ``stem``.

    Args:
        stem: A lesson stem such as ``"01_onnx_format"``.

    Returns:
        The matching :class:`Lesson`.

    Raises:
        KeyError: ``stem`` names no lesson; the message lists the valid stems.
    """
    try:
        return _BY_STEM[stem]
    except KeyError:
        raise KeyError(
            f"No lesson named {stem!r}. The lessons are {sorted(_BY_STEM)}."
        ) from None


def lesson_path(stem: str) -> str:
    """Return ``lessons/<stem>.ipynb`` for a known lesson stem (see :func:`get_lesson`)."""
    return get_lesson(stem).path
