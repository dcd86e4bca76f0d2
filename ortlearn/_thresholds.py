"""The threshold sweep of lessons/05_metrics_pitfalls.ipynb: precision, recall and F1 per threshold.

``ol.metrics.threshold_sweep`` and ``ol.metrics.ThresholdSweep`` are the public names;
this module keeps ``metrics.py`` to one screenful of topics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from ortlearn._table import Table
from ortlearn.metrics import _as_labels, _f4, _see

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ThresholdSweep", "threshold_sweep"]


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
        from ortlearn._html import render, safe

        return render("threshold_sweep.html", table=safe(self._table().format_html()),
                      foot=" ".join(filter(None, [note, self._footer()])))

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
