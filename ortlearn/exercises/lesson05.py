"""Exercises of lessons/05_metrics_pitfalls.ipynb: metrics from counts; a threshold chosen without leakage.

Use: ``ex = ol.exercises.load("05_metrics_pitfalls")``, then ``ex.q1.check(metrics_from_counts)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["Splits", "q1", "q2"]


# ------------------------------------------------------------------ q1: metrics from a confusion matrix

_KEYS = ("accuracy", "precision", "recall", "f1")


def _truth(tp: int, fn: int, fp: int, tn: int) -> dict[str, float]:
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"accuracy": (tp + tn) / (tp + fn + fp + tn), "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall)}


def _check_metrics(metrics: Any) -> str:
    import numpy as np

    rng = np.random.default_rng(1501)
    cases = [tuple(int(v) for v in rng.integers(3, 60, size=4)) for _ in range(3)] + [(24, 176, 20, 9780)]
    for tp, fn, fp, tn in cases:
        answer = call_learner(metrics, tp, fn, fp, tn, doing=f"calling metrics_from_counts on hidden counts")
        if not isinstance(answer, dict) or set(answer) != set(_KEYS):
            got = sorted(answer) if isinstance(answer, dict) else type(answer).__name__
            raise Mistake(f"metrics_from_counts should return a dict with exactly the keys {list(_KEYS)}; got {got}.")
        truth = _truth(tp, fn, fp, tn)
        wrong = [k for k in _KEYS if not isinstance(answer[k], (int, float)) or not math.isclose(
            float(answer[k]), truth[k], rel_tol=1e-9, abs_tol=1e-12)]
        if not wrong:
            continue
        if set(wrong) >= {"precision", "recall"} and math.isclose(float(answer["precision"]), truth["recall"]):
            raise Mistake("precision and recall are swapped: precision divides by what was *predicted* positive "
                          "(TP + FP), recall by what *is* positive (TP + FN).")
        if wrong == ["f1"]:
            raise Mistake("f1 is off: F1 is the harmonic mean of precision and recall, not their average.")
        raise Mistake(f"On hidden counts these values are wrong: {', '.join(wrong)}.")
    return "accuracy, precision, recall and F1 are right on four hidden confusion matrices, a rare class included."


q1 = define(__name__, "q1", _check_metrics)

# ------------------------------------------------------------------ q2: choose a threshold on validation data


@dataclass(eq=False)
class Splits:
    """Scores and labels of a detector, split for choosing a threshold; notes when the test labels are read.

    Attributes:
        validation_labels: 0/1 per validation sample.
        validation_scores: Scores in [0, 1] per validation sample.
        test_scores: Scores in [0, 1] per test sample.
        test_labels: 0/1 per test sample: reading them records that they were read.
    """

    validation_labels: Any
    validation_scores: Any
    test_scores: Any
    _test_labels: Any = field(repr=False)
    test_labels_read: bool = field(default=False, repr=False)

    @property
    def test_labels(self) -> Any:
        """The test labels (reading them is recorded)."""
        self.test_labels_read = True
        return self._test_labels


GRID = tuple(round(0.05 * k, 2) for k in range(1, 20))


def make_splits(seed: int = 1502) -> Splits:
    """The hidden data: 20 % positives; the test split's best-F1 threshold differs from the validation one's."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def part(n: int, positive_center: float) -> tuple[Any, Any]:
        labels = (rng.random(n) < 0.2).astype(np.int64)
        centers = np.where(labels == 1, positive_center, 0.3)
        return labels, np.clip(centers + rng.normal(0, 0.15, n), 0.0, 1.0)

    val_labels, val_scores = part(400, 0.6)
    test_labels, test_scores = part(400, 0.8)
    return Splits(val_labels, val_scores, test_scores, test_labels)


def f1_at(labels: Any, scores: Any, threshold: float) -> float:
    """F1 of ``scores >= threshold`` (0 when nothing is predicted positive)."""
    import numpy as np

    predicted = scores >= threshold
    tp = int(np.sum(predicted & (labels == 1)))
    return 0.0 if tp == 0 else 2 * tp / (int(predicted.sum()) + int(np.sum(labels == 1)))


def _check_threshold(choose: Any) -> str:
    import numpy as np

    splits = make_splits()
    answer = call_learner(choose, splits, doing="calling choose_threshold(splits) on hidden splits")
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.floating, np.integer)):
        raise Mistake(f"choose_threshold should return a threshold (a float); it returned a {type(answer).__name__}.")
    if splits.test_labels_read:
        raise Mistake("choose_threshold read splits.test_labels. A threshold tuned with the test labels makes the "
                      "test score optimistic (leakage): choose on the validation split, touch the test set once.")
    best = max(f1_at(splits.validation_labels, splits.validation_scores, t) for t in GRID)
    if f1_at(splits.validation_labels, splits.validation_scores, float(answer)) < best - 1e-12:
        raise Mistake("Your threshold does not give the best F1 on the validation split among 0.05, 0.10, …, 0.95. "
                      "Did it maximise accuracy, keep the default 0.5, or look at the test split?")
    return "the threshold is the best-F1 one on the validation split, and the test labels were never read."


q2 = define(__name__, "q2", _check_threshold)
