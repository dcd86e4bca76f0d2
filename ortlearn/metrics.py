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

import html
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


# --- threshold_sweep ------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class ThresholdSweep:
    """Precision, recall and F1 of one class at several score thresholds.

    A sample counts as predicted positive when its score is **>= the threshold**
    (scikit-learn's convention in ``precision_recall_curve``).

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Attributes:
        n: Number of samples.
        n_positive: Actual positives among them.
        thresholds: The thresholds swept, ascending.
        precision: Precision at each threshold; ``nan`` where no sample is predicted
            positive (precision is undefined there).
        recall: Recall at each threshold.
        f1: F1 at each threshold (0 where nothing is predicted positive).
        n_predicted: How many samples are predicted positive at each threshold.
        curve_precision: ``sklearn.metrics.precision_recall_curve``'s precision,
            by increasing threshold, ending at 1.
        curve_recall: Its recall, ending at 0.
        curve_thresholds: Its thresholds (the distinct scores), one fewer than the points.
        average_precision: ``sklearn.metrics.average_precision_score``: the area under
            the step curve; the fraction of positives for a random ranking.
    """

    n: int
    n_positive: int
    thresholds: tuple[float, ...]
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    f1: tuple[float, ...]
    n_predicted: tuple[int, ...]
    curve_precision: tuple[float, ...]
    curve_recall: tuple[float, ...]
    curve_thresholds: tuple[float, ...]
    average_precision: float

    def best_f1(self) -> tuple[float, float]:
        """Return ``(threshold, f1)`` of the swept threshold with the highest F1 (the lowest one on a tie)."""
        k = int(np.argmax(self.f1))
        return self.thresholds[k], self.f1[k]

    def _shown(self) -> tuple[range, Optional[str]]:
        count = len(self.thresholds)
        if count <= 25:
            return range(count), None
        step = math.ceil(count / 20)
        return range(0, count, step), f"(every {step}th of {count} thresholds shown)"

    def _rows(self) -> list[list[str]]:
        rows = [["threshold", "precision", "recall", "f1", "predicted +"]]
        indices, _ = self._shown()
        places = next((d for d in range(5) if all(round(t, d) == t for t in self.thresholds)), 4)
        for k in indices:
            rows.append([f"{self.thresholds[k]:.{places}f}", _f4(self.precision[k]), _f4(self.recall[k]),
                         _f4(self.f1[k]), str(self.n_predicted[k])])
        return rows

    def _title(self) -> str:
        return (f"Threshold sweep: {self.n:,} samples, {self.n_positive:,} positive; "
                f"average precision {self.average_precision:.4f}")

    def _footer(self) -> str:
        threshold, f1 = self.best_f1()
        return f"best F1 {f1:.4f} at threshold {threshold:.4g} (predicted positive: score >= threshold)"

    def _table(self) -> Table:
        rows = self._rows()
        return Table(rows[1:], header=rows[0], caption=self._title(), align="rrrrr")

    def __str__(self) -> str:
        note = self._shown()[1]
        return "\n".join([self._title(), *self._table().format_lines(), *([note] if note else []), self._footer()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        note = self._shown()[1]
        foot = html.escape(" ".join(filter(None, [note, self._footer()])))
        return f"{self._table().format_html()}<p>{foot}</p>"

    def plot(self, ax: Union[None, "Axes", Sequence["Axes"]] = None) -> "Figure":
        """Draw the precision–recall curve with the swept thresholds, and the metrics against the threshold.

        Args:
            ax: ``None`` for a new figure with both panels; one Axes for the curve
                only; or two Axes ``(curve, metrics_vs_threshold)``.

        Returns:
            The ``matplotlib.figure.Figure`` drawn into (made with pyplot when ``ax`` is None).

        Raises:
            TypeError: ``ax`` is neither None, an Axes, nor two Axes.
        """
        from matplotlib.axes import Axes

        if ax is None:
            import matplotlib.pyplot as plt  # pyplot, so that Jupyter's inline backend displays it

            fig, (curve_ax, sweep_ax) = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
        elif isinstance(ax, Axes):
            curve_ax, sweep_ax = ax, None
        elif (isinstance(ax, (Sequence, np.ndarray)) and len(ax) == 2
              and all(isinstance(a, Axes) for a in ax)):
            curve_ax, sweep_ax = ax[0], ax[1]
        else:
            raise TypeError(f"ax must be None, a matplotlib Axes or two Axes; got {type(ax).__name__}: "
                            f"{ax!r:.80}; {_see()}.")
        fig = curve_ax.get_figure()
        self._plot_curve(curve_ax)
        if sweep_ax is not None:
            self._plot_sweep(sweep_ax)
        return fig

    def _plot_curve(self, ax: "Axes") -> None:
        prevalence = self.n_positive / self.n
        ax.plot(self.curve_recall, self.curve_precision, drawstyle="steps-post", color="0.3", lw=1.5,
                label=f"precision–recall curve (AP {self.average_precision:.3f})")
        ax.axhline(prevalence, color="0.6", ls=":", lw=1, label=f"random ranking (precision {prevalence:.3f})")
        thresholds, precision, recall = (np.array(v, dtype=float)
                                         for v in (self.thresholds, self.precision, self.recall))
        points = ax.scatter(recall, precision, c=thresholds, cmap="viridis", vmin=min(thresholds.min(), 0.0),
                            vmax=max(thresholds.max(), 1.0), s=36, edgecolors="black", linewidths=0.5, zorder=3,
                            label="swept thresholds")
        best_t, best_f = self.best_f1()
        k_best = self.thresholds.index(best_t)
        ax.scatter([recall[k_best]], [precision[k_best]], marker="*", s=260, facecolors="none",
                   edgecolors="crimson", linewidths=1.5, zorder=4, label=f"best F1 {best_f:.3f} at t={best_t:.3g}")
        defined = [k for k in range(len(thresholds)) if not math.isnan(precision[k])]
        picks = sorted({defined[round(i * (len(defined) - 1) / 4)] for i in range(5)} if defined else set())
        for i, k in enumerate(picks):  # a few labelled thresholds, offsets alternating to avoid overlaps
            dx, dy = (-34, -16) if i % 2 else (8, 8)
            ax.annotate(f"t={thresholds[k]:.2g}", (recall[k], precision[k]), xytext=(dx, dy),
                        textcoords="offset points", fontsize=8,
                        arrowprops=dict(arrowstyle="-", color="0.4", lw=0.6))
        ax.figure.colorbar(points, ax=ax, label="threshold", fraction=0.05, pad=0.02)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("recall (positives found)")
        ax.set_ylabel("precision (predicted positives that are)")
        ax.set_title(f"Precision–recall, {self.n_positive:,} positives in {self.n:,}", fontsize=10)
        ax.legend(loc="lower left", fontsize=8)
        ax.grid(alpha=0.3)

    def _plot_sweep(self, ax: "Axes") -> None:
        for values, name, color, marker in ((self.precision, "precision", "tab:blue", "o"),
                                            (self.recall, "recall", "tab:orange", "s"),
                                            (self.f1, "F1", "tab:green", "^")):
            ax.plot(self.thresholds, values, marker=marker, ms=4, color=color, label=name)
        best_t, best_f = self.best_f1()
        ax.axvline(best_t, color="crimson", ls="--", lw=1, label=f"best F1 at t={best_t:.3g}")
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("threshold (predicted positive: score >= threshold)")
        ax.set_ylabel("metric")
        ax.set_title("Metrics against the threshold", fontsize=10)
        ax.legend(loc="lower left", fontsize=8)
        ax.grid(alpha=0.3)


def _check_scores(y_true_binary: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    true = _as_labels("y_true_binary", y_true_binary)
    values = np.asarray(scores)
    if values.ndim != 1:
        raise ValueError(f"scores must be 1-D, one score per sample; got an array of shape {values.shape}. For "
                         f"class probabilities take one column, e.g. proba[:, k]; {_see()}.")
    if values.shape != true.shape:
        raise ValueError(f"y_true_binary has {true.size} labels but scores has {values.size}: they must pair up "
                         f"one to one; {_see()}.")
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.complexfloating):
        raise TypeError(f"scores must be real numbers; got dtype {values.dtype}; {_see()}.")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"scores holds {int(np.sum(~np.isfinite(values)))} nan or infinite values; {_see()}.")
    if true.dtype != bool and not (np.issubdtype(true.dtype, np.number) and np.isin(true, (0, 1)).all()):
        found = sorted(set(np.unique(true).tolist()))[:5]
        raise ValueError(f"y_true_binary must hold 0/1 or False/True (1 = the positive class); got labels "
                         f"{found!r}. For one class of many use (y_true == k); {_see()}.")
    true = true.astype(np.int64)
    if not true.any():
        raise ValueError(f"y_true_binary has no positive sample (no 1): recall is undefined; {_see()}.")
    return true, values.astype(np.float64)


def threshold_sweep(
    y_true_binary: Any,
    scores: Any,
    *,
    thresholds: Optional[Sequence[float]] = None,
) -> ThresholdSweep:
    """Measure precision, recall and F1 of one class as the decision threshold moves.

    For a one-vs-rest task: ``y_true_binary`` says whether each sample belongs to
    the class, ``scores`` how strongly the model believes so (e.g. a softmax
    probability). ``sklearn.metrics.precision_recall_curve`` gives the whole curve;
    at each of ``thresholds`` the predictions ``scores >= threshold`` are scored
    with ``sklearn.metrics.precision_recall_fscore_support``.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Args:
        y_true_binary: 0/1 or bool per sample, 1 = positive; at least one positive.
        scores: One real score per sample; higher means more likely positive.
        thresholds: The thresholds to sweep; by default ``0.05, 0.10, …, 0.95``,
            which needs scores in [0, 1] (probabilities).

    Returns:
        A :class:`ThresholdSweep`; Jupyter shows it as a table; ``.plot()`` draws it.

    Raises:
        ValueError: Lengths differ, labels other than 0/1, no positive sample,
            non-finite scores, an empty ``thresholds``, or default thresholds with
            scores outside [0, 1].
        TypeError: Scores that are not real numbers.

    Example:
        >>> sweep = threshold_sweep([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], thresholds=[0.3, 0.5])
        >>> sweep.precision, sweep.recall
        ((0.6666666666666666, 0.5), (1.0, 0.5))
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve, precision_recall_fscore_support

    true, values = _check_scores(y_true_binary, scores)
    if thresholds is None:
        if values.min() < 0.0 or values.max() > 1.0:
            raise ValueError(f"scores range from {values.min():.4g} to {values.max():.4g}, outside [0, 1], so the "
                             f"default thresholds 0.05 … 0.95 do not fit. Pass thresholds=…, or turn logits into "
                             f"probabilities (softmax / sigmoid) first; {_see()}.")
        grid = np.round(np.linspace(0.05, 0.95, 19), 10)
    else:
        grid = np.asarray(thresholds, dtype=np.float64)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
            raise ValueError(f"thresholds must be a non-empty 1-D sequence of finite numbers; got {thresholds!r}; "
                             f"{_see()}.")
        grid = np.unique(grid)  # ascending, no repeats
    precision, recall, f1, predicted = [], [], [], []
    for threshold in grid:
        y_pred = (values >= threshold).astype(np.int64)
        p, r, f, _ = precision_recall_fscore_support(true, y_pred, average="binary", pos_label=1,
                                                     zero_division=np.nan)
        precision.append(float(p))
        recall.append(float(r))
        f1.append(float(f))
        predicted.append(int(y_pred.sum()))
    curve_p, curve_r, curve_t = precision_recall_curve(true, values)
    return ThresholdSweep(
        n=int(true.size),
        n_positive=int(true.sum()),
        thresholds=tuple(float(t) for t in grid),
        precision=tuple(precision),
        recall=tuple(recall),
        f1=tuple(f1),
        n_predicted=tuple(predicted),
        curve_precision=tuple(float(v) for v in curve_p),
        curve_recall=tuple(float(v) for v in curve_r),
        curve_thresholds=tuple(float(v) for v in curve_t),
        average_precision=float(average_precision_score(true, values)),
    )
