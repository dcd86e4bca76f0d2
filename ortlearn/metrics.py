"""Score a classifier honestly: confusion matrix, precision, recall, F1 and thresholds.

scikit-learn computes every number here; this module only checks the inputs,
names the positive class, and shows the results as tables and pictures:

- :func:`confusion_from_counts` turns the four counts of a 2 × 2 matrix (as
  printed in a book) back into label arrays that scikit-learn can score.
- :func:`describe_classification` returns a :class:`ClassificationSummary`:
  the confusion matrix as a labelled table plus accuracy and, for one positive
  class, precision / recall / F1 / specificity, or per-class and macro metrics.
- :func:`show_confusion` draws the matrix (``sklearn.metrics.ConfusionMatrixDisplay``).
- :func:`threshold_sweep` returns a :class:`ThresholdSweep`: precision, recall and
  F1 at several score thresholds plus the precision–recall curve.

Introduced in lessons/05_metrics_pitfalls.ipynb.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from ortlearn._table import Table
from ortlearn._checks import check_ax
from ortlearn.lessons import lesson_path

if TYPE_CHECKING:  # scikit-learn and matplotlib are imported lazily: ``import ortlearn.metrics`` stays light
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "ClassificationSummary",
    "ThresholdSweep",
    "confusion_from_counts",
    "describe_classification",
    "show_confusion",
    "threshold_sweep",
]

_LESSON = "05_metrics_pitfalls"
Label = Union[int, str, bool, float]


def _see() -> str:
    return f"see {lesson_path(_LESSON)}"


def _f4(value: Optional[float]) -> str:
    """A metric rounded to 4 digits; an undefined one (``nan``) as ``n/a``."""
    return "n/a" if value is None or math.isnan(value) else f"{value:.4f}"


# --- confusion_from_counts ------------------------------------------------------------------


def confusion_from_counts(tp: int, fn: int, fp: int, tn: int) -> tuple[np.ndarray, np.ndarray]:
    """Build label arrays whose binary confusion matrix has exactly these counts.

    Books print confusion matrices; scikit-learn scores label arrays. This turns
    the one into the other, so the printed matrix can be scored by the library
    rather than by hand. Label ``1`` is the positive class and ``0`` the negative.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Args:
        tp: True positives: actual 1, predicted 1.
        fn: False negatives: actual 1, predicted 0 (missed positives).
        fp: False positives: actual 0, predicted 1 (false alarms).
        tn: True negatives: actual 0, predicted 0.

    Returns:
        ``(y_true, y_pred)``, two ``int64`` arrays of length ``tp + fn + fp + tn``,
        in the order TP, FN, FP, TN.

    Raises:
        TypeError: A count is not an int.
        ValueError: A count is negative, or all four are zero.

    Example:
        >>> y_true, y_pred = confusion_from_counts(tp=40, fn=10, fp=5, tn=45)
        >>> describe_classification(y_true, y_pred).recall
        0.8
    """
    counts = {"tp": tp, "fn": fn, "fp": fp, "tn": tn}
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be a count (an int >= 0); got {type(value).__name__}: {value!r}; {_see()}.")
        if value < 0:
            raise ValueError(f"{name} must be a count (an int >= 0); got {value!r}; {_see()}.")
    if tp + fn + fp + tn == 0:
        raise ValueError(f"All four counts are 0 (tp=0, fn=0, fp=0, tn=0): there is nothing to score; {_see()}.")
    y_true = np.repeat(np.array([1, 1, 0, 0], dtype=np.int64), [tp, fn, fp, tn])
    y_pred = np.repeat(np.array([1, 0, 1, 0], dtype=np.int64), [tp, fn, fp, tn])
    return y_true, y_pred


# --- describe_classification ----------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class ClassificationSummary:
    """What :func:`describe_classification` found; shows itself as text or as HTML tables.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Attributes:
        labels: The classes, in the order of the matrix rows and columns.
        confusion: ``sklearn.metrics.confusion_matrix``: ``confusion[i][j]`` counts the
            samples whose actual label is ``labels[i]`` and predicted label is ``labels[j]``.
        n: Number of samples.
        accuracy: Fraction of samples predicted correctly.
        positive: The class that precision, recall, F1 and specificity are about,
            or ``None`` (multiclass without ``positive``: those four are ``None``).
        precision: Of the samples predicted ``positive``, the fraction that are.
        recall: Of the samples that are ``positive``, the fraction found (sensitivity).
        f1: Harmonic mean of precision and recall.
        specificity: Of the samples that are not ``positive``, the fraction predicted so.
        class_precision: Precision of each class (one-vs-rest), in ``labels`` order.
        class_recall: Recall of each class, in ``labels`` order.
        class_f1: F1 of each class, in ``labels`` order.
        support: Actual samples of each class, in ``labels`` order.
        macro_precision: Unweighted mean of ``class_precision``.
        macro_recall: Unweighted mean of ``class_recall``.
        macro_f1: Unweighted mean of ``class_f1``.

    Undefined ratios (no sample predicted or actually in a class) are 0, as with
    scikit-learn's ``zero_division=0``.
    """

    labels: tuple[Label, ...]
    confusion: tuple[tuple[int, ...], ...]
    n: int
    accuracy: float
    positive: Optional[Label]
    precision: Optional[float]
    recall: Optional[float]
    f1: Optional[float]
    specificity: Optional[float]
    class_precision: tuple[float, ...]
    class_recall: tuple[float, ...]
    class_f1: tuple[float, ...]
    support: tuple[int, ...]
    macro_precision: float
    macro_recall: float
    macro_f1: float

    def _title(self) -> str:
        text = f"Classification of {self.n:,} samples, {len(self.labels)} classes"
        return text + (f", positive class {self.positive!r}" if self.positive is not None else "")

    def _matrix_rows(self) -> list[list[str]]:
        names = [str(label) for label in self.labels]
        return [["actual \\ predicted", *names]] + [[name, *map(str, row)] for name, row in zip(names, self.confusion)]

    def _metric_rows(self) -> list[list[str]]:
        if self.positive is not None:
            return [
                ["accuracy", _f4(self.accuracy)],
                ["precision", _f4(self.precision)],
                ["recall", _f4(self.recall)],
                ["f1", _f4(self.f1)],
                ["specificity", _f4(self.specificity)],
            ]
        rows = [["class", "precision", "recall", "f1", "support"]]
        rows += [[str(label), _f4(p), _f4(r), _f4(f), str(s)] for label, p, r, f, s in
                 zip(self.labels, self.class_precision, self.class_recall, self.class_f1, self.support)]
        rows.append(["macro avg", _f4(self.macro_precision), _f4(self.macro_recall), _f4(self.macro_f1), str(self.n)])
        return rows

    def _tables(self) -> tuple[Table, Table]:
        matrix = self._matrix_rows()
        metrics = self._metric_rows()
        if self.positive is not None:
            header, caption = ["metric", "value"], "Metrics"
        else:
            header, metrics, caption = metrics[0], metrics[1:], f"Metrics per class (accuracy {_f4(self.accuracy)})"
        return (Table(matrix[1:], header=matrix[0], caption=self._title(), align="l" + "r" * len(self.labels),
                      row_header=True),
                Table(metrics, header=header, caption=caption, align="lrrrr", row_header=True,
                      text_header=self.positive is None))

    def __str__(self) -> str:
        matrix, metrics = self._tables()
        lines = [self._title(), *matrix.format_lines()]
        if self.positive is None:
            lines.append(f"accuracy {_f4(self.accuracy)}")
        return "\n".join(lines + metrics.format_lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        matrix, metrics = self._tables()
        return matrix.format_html() + metrics.format_html()


def _as_labels(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of labels; got an array of shape {array.shape}. "
                         f"Flatten it, or take argmax over the class axis for scores; {_see()}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty: there is nothing to score; {_see()}.")
    return array


def _check_pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    true, pred = _as_labels("y_true", y_true), _as_labels("y_pred", y_pred)
    if true.shape != pred.shape:
        raise ValueError(f"y_true has {true.size} labels but y_pred has {pred.size}: they must pair up one to one; "
                         f"{_see()}.")
    return true, pred


def _is_binary01(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (bool, numbers.Integral)) and v in (0, 1) for v in values)


def _resolve_labels(true: np.ndarray, pred: np.ndarray, labels: Optional[Sequence[Label]]) -> list[Label]:
    from sklearn.utils.multiclass import unique_labels

    try:
        seen = unique_labels(true, pred).tolist()
    except ValueError as error:  # e.g. strings mixed with numbers
        raise ValueError(f"y_true and y_pred must hold labels of one kind; scikit-learn says: {error}; "
                         f"{_see()}.") from None
    if labels is None:
        if _is_binary01(seen):  # a 0/1 task: always the full 2 x 2 matrix
            return [False, True] if all(isinstance(v, bool) for v in seen) else [0, 1]
        return seen
    if isinstance(labels, str) or not isinstance(labels, Sequence) and not isinstance(labels, np.ndarray):
        raise TypeError(f"labels must be a list of class labels, e.g. [1, 0]; got {labels!r}; {_see()}.")
    chosen = np.asarray(labels).tolist()
    if not chosen:
        raise ValueError(f"labels is empty; list the classes, e.g. labels={seen!r}; {_see()}.")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"labels lists a class twice: {chosen!r}; {_see()}.")
    missing = [v for v in seen if v not in chosen]
    if missing:
        raise ValueError(f"y_true or y_pred hold labels {missing!r} that are not in labels={chosen!r}; "
                         f"add them (the labels seen are {seen!r}); {_see()}.")
    return chosen


def describe_classification(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Optional[Sequence[Label]] = None,
    positive: Optional[Label] = None,
) -> ClassificationSummary:
    """Score predictions against the truth: confusion matrix, accuracy, precision, recall, F1.

    Every number comes from ``sklearn.metrics``. With one *positive* class the
    summary reports its precision, recall, F1 and specificity (one class against
    the rest); without one it reports them per class and their macro average.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Args:
        y_true: The actual labels, a 1-D sequence.
        y_pred: The predicted labels, same length.
        labels: The classes in the order the matrix should show them. By default
            the sorted labels seen; for 0/1 labels always ``[0, 1]``. Use e.g.
            ``labels=[1, 0]`` to put the positive class first, as books often do.
        positive: The class of interest. By default ``1`` (or ``True``) when the
            labels are 0/1, otherwise none.

    Returns:
        A :class:`ClassificationSummary`; Jupyter shows it as tables, ``print`` as text.

    Raises:
        ValueError: Inputs of different lengths, empty or not 1-D; labels not in
            ``labels``; ``positive`` not one of the labels.
        TypeError: ``labels`` is not a list.

    Example:
        >>> y_true, y_pred = confusion_from_counts(tp=85, fn=15, fp=10, tn=90)
        >>> summary = describe_classification(y_true, y_pred, labels=[1, 0])
        >>> summary.confusion, summary.accuracy
        (((85, 15), (10, 90)), 0.875)
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support, recall_score

    true, pred = _check_pair(y_true, y_pred)
    classes = _resolve_labels(true, pred, labels)
    if positive is None and _is_binary01(classes) and len(classes) == 2:
        positive = classes[1] if classes[1] in (1, True) else classes[0]
    if positive is not None and positive not in classes:
        raise ValueError(f"positive={positive!r} is not one of the labels {classes!r}; {_see()}.")

    matrix = confusion_matrix(true, pred, labels=classes)
    precision, recall, f1, support = precision_recall_fscore_support(
        true, pred, labels=classes, average=None, zero_division=0
    )
    one: dict[str, Optional[float]] = dict(precision=None, recall=None, f1=None, specificity=None)
    if positive is not None:
        p, r, f, _ = precision_recall_fscore_support(true, pred, labels=[positive], average=None, zero_division=0)
        is_pos_true, is_pos_pred = true == positive, pred == positive
        specificity = recall_score(is_pos_true, is_pos_pred, pos_label=False, zero_division=0)
        one = dict(precision=float(p[0]), recall=float(r[0]), f1=float(f[0]), specificity=float(specificity))
    return ClassificationSummary(
        labels=tuple(classes),
        confusion=tuple(tuple(int(v) for v in row) for row in matrix),
        n=int(true.size),
        accuracy=float(accuracy_score(true, pred)),
        positive=positive,
        **one,
        class_precision=tuple(float(v) for v in precision),
        class_recall=tuple(float(v) for v in recall),
        class_f1=tuple(float(v) for v in f1),
        support=tuple(int(v) for v in support),
        macro_precision=float(np.mean(precision)),
        macro_recall=float(np.mean(recall)),
        macro_f1=float(np.mean(f1)),
    )


# --- show_confusion -------------------------------------------------------------------------

_NORMALIZE = (None, "true", "pred", "all")


def show_confusion(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Optional[Sequence[Label]] = None,
    display_labels: Optional[Sequence[str]] = None,
    normalize: Optional[str] = None,
    title: Optional[str] = None,
    ax: Optional["Axes"] = None,
) -> "Figure":
    """Draw the confusion matrix with every cell annotated.

    Uses ``sklearn.metrics.ConfusionMatrixDisplay``; rows are the actual classes,
    columns the predicted ones, as in :func:`describe_classification`.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Args:
        y_true: The actual labels, a 1-D sequence.
        y_pred: The predicted labels, same length.
        labels: The classes and their order (as in :func:`describe_classification`).
        display_labels: Names to print for ``labels``, e.g. ``["cat", "dog"]`` for ``[1, 0]``.
        normalize: ``None`` (counts), ``"true"`` (each row sums to 1: recall on the
            diagonal), ``"pred"`` (each column sums to 1: precision on the diagonal)
            or ``"all"``.
        title: The heading; by default the sample count and what the cells hold.
        ax: A matplotlib Axes to draw into instead of a new figure.

    Returns:
        The ``matplotlib.figure.Figure`` drawn into. A new figure is made with pyplot,
        so Jupyter shows it when the cell ends: end the call with ``;``.

    Raises:
        ValueError: Bad inputs (see :func:`describe_classification`), an unknown
            ``normalize``, or ``display_labels`` of the wrong length.
        TypeError: ``ax`` is not an Axes.

    Example:
        >>> y_true, y_pred = confusion_from_counts(tp=85, fn=15, fp=10, tn=90)
        >>> fig = show_confusion(y_true, y_pred, labels=[1, 0], display_labels=["Cat", "Dog"])
    """
    true, pred = _check_pair(y_true, y_pred)
    classes = _resolve_labels(true, pred, labels)
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be one of {list(_NORMALIZE)!r}; got {normalize!r}; {_see()}.")
    names = [str(c) for c in classes] if display_labels is None else [str(d) for d in display_labels]
    if len(names) != len(classes):
        raise ValueError(f"display_labels has {len(names)} names for {len(classes)} labels {classes!r}; {_see()}.")
    check_ax(ax, _LESSON)
    from sklearn.metrics import ConfusionMatrixDisplay

    k = len(classes)
    if ax is None:
        import matplotlib.pyplot as plt  # pyplot, so that Jupyter's inline backend displays it

        side = min(3.2 + 0.45 * k, 8.0)
        fig, ax = plt.subplots(figsize=(side, side), layout="constrained")
    fig = ax.get_figure()
    font = 12 if k <= 4 else 10 if k <= 8 else 8
    ConfusionMatrixDisplay.from_predictions(
        true, pred, labels=classes, display_labels=names, normalize=normalize, ax=ax, colorbar=False,
        cmap="Blues", values_format=".2f" if normalize else "d", text_kw={"fontsize": font},
    )
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("Actual label")
    if k > 6 and max(len(n) for n in names) > 3:
        ax.tick_params(axis="x", labelrotation=45)
    what = {None: "counts", "true": "fraction of each actual class (rows sum to 1)",
            "pred": "fraction of each predicted class (columns sum to 1)", "all": "fraction of all samples"}
    ax.set_title(title if title is not None else f"Confusion matrix, {true.size:,} samples\ncells: {what[normalize]}",
                 fontsize=10)
    return fig


def __getattr__(name: str) -> Any:
    # The threshold sweep lives in ortlearn/_thresholds.py (it imports this module's helpers);
    # ol.metrics offers it under its documented names.
    if name in ("ThresholdSweep", "threshold_sweep"):
        from ortlearn import _thresholds

        return getattr(_thresholds, name)
    raise AttributeError(f"module 'ortlearn.metrics' has no attribute {name!r}")
