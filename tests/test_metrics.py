"""Tests for ortlearn.metrics: the seeds' matrices scored exactly, numpy oracles, errors, figures."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ortlearn.metrics import (  # noqa: E402
    ClassificationSummary,
    ThresholdSweep,
    confusion_from_counts,
    describe_classification,
    show_confusion,
    threshold_sweep,
)

LESSON = r"lessons/05_metrics_pitfalls\.ipynb"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _scores(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """60 positives scoring higher on average than 140 negatives, rounded to 2 decimals."""
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(60, dtype=np.int64), np.zeros(140, dtype=np.int64)]
    s = np.clip(np.r_[rng.normal(0.7, 0.18, 60), rng.normal(0.35, 0.18, 140)], 0.0, 1.0).round(2)
    return y, s


# --- confusion_from_counts ------------------------------------------------------------------


def test_confusion_from_counts_reproduces_the_counts() -> None:
    y_true, y_pred = confusion_from_counts(tp=40, fn=10, fp=5, tn=45)
    assert y_true.dtype == np.int64 and y_pred.dtype == np.int64 and y_true.shape == (100,)
    assert int(np.sum((y_true == 1) & (y_pred == 1))) == 40
    assert int(np.sum((y_true == 1) & (y_pred == 0))) == 10
    assert int(np.sum((y_true == 0) & (y_pred == 1))) == 5
    assert int(np.sum((y_true == 0) & (y_pred == 0))) == 45


def test_confusion_from_counts_allows_zero_counts() -> None:
    y_true, y_pred = confusion_from_counts(tp=3, fn=0, fp=0, tn=0)
    assert y_true.tolist() == [1, 1, 1] and y_pred.tolist() == [1, 1, 1]
    summary = describe_classification(y_true, y_pred)
    assert summary.labels == (0, 1)  # 0/1 labels always give the full 2 x 2 matrix
    assert summary.confusion == ((0, 0), (0, 3))


@pytest.mark.parametrize(
    ("counts", "error", "match"),
    [
        ((-1, 0, 0, 1), ValueError, r"tp must be a count \(an int >= 0\); got -1"),
        ((1, 2.0, 0, 1), TypeError, r"fn must be a count \(an int >= 0\); got float: 2\.0"),
        ((1, 0, True, 1), TypeError, r"fp must be a count .*got bool: True"),
        ((0, 0, 0, 0), ValueError, r"All four counts are 0"),
    ],
)
def test_confusion_from_counts_errors(counts, error, match) -> None:
    with pytest.raises(error, match=match) as info:
        confusion_from_counts(*counts)
    assert "lessons/05_metrics_pitfalls.ipynb" in str(info.value)


def test_confusion_from_counts_accepts_numpy_ints() -> None:
    y_true, _ = confusion_from_counts(np.int64(2), np.int32(1), 0, 1)
    assert y_true.tolist() == [1, 1, 1, 0]


# --- the seeds' matrices ----------------------------------------------------------------------


def test_cat_dog_seed_with_cat_positive() -> None:
    # seed 000: actual Cat row 85 | 15, actual Dog row 10 | 90; Cat is the positive class.
    tp, fn, fp, tn = 85, 15, 10, 90
    y_true, y_pred = confusion_from_counts(tp, fn, fp, tn)
    names = {1: "Cat", 0: "Dog"}
    summary = describe_classification([names[v] for v in y_true], [names[v] for v in y_pred], positive="Cat")
    assert isinstance(summary, ClassificationSummary)
    assert summary.labels == ("Cat", "Dog")
    assert summary.confusion == ((85, 15), (10, 90))  # the seed's table, row = actual
    assert summary.n == 200
    assert summary.accuracy == 0.875
    assert summary.precision == pytest.approx(85 / 95, abs=1e-15)
    assert summary.recall == 0.85
    precision, recall = 85 / 95, 85 / 100
    assert summary.f1 == pytest.approx(2 * precision * recall / (precision + recall), abs=1e-15)
    assert summary.f1 == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-15)  # 170 / 195
    assert summary.specificity == 0.9


def test_cat_dog_seed_with_positive_first_via_labels() -> None:
    summary = describe_classification(*confusion_from_counts(85, 15, 10, 90), labels=[1, 0])
    assert summary.positive == 1
    assert summary.confusion == ((85, 15), (10, 90))
    assert summary.precision == pytest.approx(85 / 95, abs=1e-15)


def test_default_order_is_sklearns_negative_first() -> None:
    summary = describe_classification(*confusion_from_counts(85, 15, 10, 90))
    assert summary.labels == (0, 1) and summary.positive == 1
    assert summary.confusion == ((90, 10), (15, 85))  # [[TN, FP], [FN, TP]]


def test_spam_seed() -> None:
    summary = describe_classification(*confusion_from_counts(tp=40, fn=10, fp=5, tn=45))
    assert summary.accuracy == 0.85
    assert summary.precision == pytest.approx(40 / 45, abs=1e-15)
    assert summary.recall == 0.8
    assert summary.f1 == pytest.approx(2 * 40 / (2 * 40 + 5 + 10), abs=1e-15)
    assert summary.specificity == 0.9


def test_rare_class_trap_high_accuracy_low_recall() -> None:
    # 10,000 samples, 2 % positives (200); the model finds 24 of them (recall 12 %).
    tp, fn, fp, tn = 24, 176, 16, 9784
    assert tp + fn + fp + tn == 10_000 and tp + fn == 200
    summary = describe_classification(*confusion_from_counts(tp, fn, fp, tn))
    assert summary.accuracy == pytest.approx(0.9808, abs=1e-12) and summary.accuracy >= 0.98
    assert summary.recall == 0.12
    assert summary.precision == 0.6
    # Predicting "negative" every time scores 98 % accuracy too, and finds nothing.
    always_no = describe_classification(np.r_[np.ones(200), np.zeros(9800)].astype(int), np.zeros(10_000, int))
    assert always_no.accuracy == 0.98
    assert always_no.recall == 0.0 and always_no.precision == 0.0  # zero_division=0


def test_multiclass_ten_labels_against_a_numpy_oracle() -> None:
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 10, 600)
    y_pred = np.where(rng.random(600) < 0.7, y_true, rng.integers(0, 10, 600))
    summary = describe_classification(y_true, y_pred)
    oracle = np.zeros((10, 10), dtype=np.int64)
    np.add.at(oracle, (y_true, y_pred), 1)
    diagonal = np.diag(oracle)
    precision, recall = diagonal / oracle.sum(axis=0), diagonal / oracle.sum(axis=1)
    f1 = 2 * precision * recall / (precision + recall)
    assert summary.labels == tuple(range(10))
    assert summary.confusion == tuple(map(tuple, oracle.tolist()))
    assert summary.accuracy == pytest.approx(diagonal.sum() / 600, abs=1e-15)
    np.testing.assert_allclose(summary.class_precision, precision, atol=1e-12)
    np.testing.assert_allclose(summary.class_recall, recall, atol=1e-12)
    np.testing.assert_allclose(summary.class_f1, f1, atol=1e-12)
    assert summary.support == tuple(oracle.sum(axis=1).tolist())
    assert summary.macro_precision == pytest.approx(precision.mean(), abs=1e-12)
    assert summary.macro_recall == pytest.approx(recall.mean(), abs=1e-12)
    assert summary.macro_f1 == pytest.approx(f1.mean(), abs=1e-12)
    assert summary.positive is None and summary.precision is None and summary.specificity is None


def test_multiclass_with_positive_is_one_vs_rest() -> None:
    y_true = np.array([0, 1, 2, 2, 1, 0, 2, 2])
    y_pred = np.array([0, 2, 2, 1, 1, 0, 2, 0])
    summary = describe_classification(y_true, y_pred, positive=2)
    tp = np.sum((y_true == 2) & (y_pred == 2))
    fp = np.sum((y_true != 2) & (y_pred == 2))
    fn = np.sum((y_true == 2) & (y_pred != 2))
    tn = np.sum((y_true != 2) & (y_pred != 2))
    assert (tp, fp, fn, tn) == (2, 1, 2, 3)
    assert summary.precision == pytest.approx(tp / (tp + fp))
    assert summary.recall == pytest.approx(tp / (tp + fn))
    assert summary.specificity == pytest.approx(tn / (tn + fp))


def test_string_labels_without_positive_report_per_class() -> None:
    summary = describe_classification(["cat", "dog", "dog"], ["cat", "cat", "dog"])
    assert summary.positive is None and summary.precision is None
    assert summary.class_precision == (0.5, 1.0)
    assert "macro avg" in str(summary)


def test_summary_repr_is_a_stable_labelled_table() -> None:
    summary = describe_classification(*confusion_from_counts(85, 15, 10, 90), labels=[1, 0])
    text = repr(summary)
    assert text == str(summary) == repr(summary)
    assert "0x" not in text
    assert text.splitlines()[:3] == [
        "Classification of 200 samples, 2 classes, positive class 1",
        "actual \\ predicted   1   0",
        "1                   85  15",
    ]
    assert "precision    0.8947" in text and "f1           0.8718" in text and "accuracy     0.8750" in text
    page = summary._repr_html_()
    assert page == summary._repr_html_() and "0x" not in page
    assert page.count("<table>") == 2 and "actual \\ predicted" in page
    assert '<td style="text-align:right">85</td>' in page


def test_multiclass_repr_lists_every_class() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, 100)
    text = str(describe_classification(y, y))
    assert "accuracy 1.0000" in text
    assert sum(line.startswith(("0 ", "9 ")) for line in text.splitlines()) == 4  # matrix rows + metric rows


def test_html_escapes_labels() -> None:
    page = describe_classification(["<b>", "x"], ["<b>", "x"])._repr_html_()
    assert "&lt;b&gt;" in page and "<b>" not in page


# --- describe_classification errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("y_true", "y_pred", "kwargs", "error", "match"),
    [
        ([0, 1, 1], [0, 1], {}, ValueError, r"y_true has 3 labels but y_pred has 2"),
        ([], [], {}, ValueError, r"y_true is empty"),
        ([[0, 1]], [[0, 1]], {}, ValueError, r"y_true must be a 1-D sequence of labels; got .*shape \(1, 2\)"),
        ([0, 1], [0, 1], {"positive": 2}, ValueError, r"positive=2 is not one of the labels \[0, 1\]"),
        (["cat", "dog"], ["cat", "dog"], {"positive": "Cat"}, ValueError,
         r"positive='Cat' is not one of the labels \['cat', 'dog'\]"),
        ([0, 1, 2], [0, 1, 2], {"labels": [0, 1]}, ValueError, r"hold labels \[2\] that are not in labels=\[0, 1\]"),
        ([0, 1], [0, 1], {"labels": [0, 1, 1]}, ValueError, r"labels lists a class twice: \[0, 1, 1\]"),
        ([0, 1], [0, 1], {"labels": "01"}, TypeError, r"labels must be a list of class labels.*; got '01'"),
        ([0, 1], [0, 1], {"labels": []}, ValueError, r"labels is empty"),
    ],
)
def test_describe_classification_errors(y_true, y_pred, kwargs, error, match) -> None:
    with pytest.raises(error, match=match + r".*" + LESSON):
        describe_classification(y_true, y_pred, **kwargs)


# --- show_confusion -------------------------------------------------------------------------


def test_show_confusion_two_classes_annotates_every_cell() -> None:
    y_true, y_pred = confusion_from_counts(85, 15, 10, 90)
    fig = show_confusion(y_true, y_pred, labels=[1, 0], display_labels=["Cat", "Dog"])
    assert isinstance(fig, Figure)
    (ax,) = fig.axes  # no colorbar
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["10", "15", "85", "90"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Cat", "Dog"]
    assert ax.get_ylabel() == "Actual label" and ax.get_xlabel() == "Predicted label"


def test_show_confusion_normalized_rows() -> None:
    fig = show_confusion(*confusion_from_counts(85, 15, 10, 90), labels=[1, 0], normalize="true")
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["0.10", "0.15", "0.85", "0.90"]
    assert "rows sum to 1" in fig.axes[0].get_title()


def test_show_confusion_ten_classes_into_given_axes() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 300)
    fig, ax = plt.subplots()
    assert show_confusion(y, y[::-1], ax=ax, title="digits") is fig
    assert len(ax.texts) == 100 and ax.get_title() == "digits"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"normalize": "rows"}, ValueError, r"normalize must be one of \[None, 'true', 'pred', 'all'\]; got 'rows'"),
        ({"display_labels": ["Cat"]}, ValueError, r"display_labels has 1 names for 2 labels \[0, 1\]"),
        ({"ax": "left"}, TypeError, r"ax must be None or a matplotlib Axes; got str: 'left'"),
    ],
)
def test_show_confusion_errors(kwargs, error, match) -> None:
    with pytest.raises(error, match=match + r".*" + LESSON):
        show_confusion([0, 1], [1, 1], **kwargs)


# --- threshold_sweep ------------------------------------------------------------------------


def test_threshold_sweep_small_hand_example() -> None:
    sweep = threshold_sweep([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], thresholds=[0.5, 0.3])
    assert isinstance(sweep, ThresholdSweep)
    assert sweep.thresholds == (0.3, 0.5)  # sorted
    assert sweep.precision == pytest.approx((2 / 3, 1 / 2))
    assert sweep.recall == (1.0, 0.5)
    assert sweep.n_predicted == (3, 2)
    assert sweep.best_f1() == (0.3, pytest.approx(0.8))


def test_threshold_sweep_matches_a_numpy_oracle() -> None:
    y, s = _scores()
    sweep = threshold_sweep(y, s)
    assert sweep.thresholds == pytest.approx(tuple(np.linspace(0.05, 0.95, 19)), abs=1e-12)
    assert len(sweep.thresholds) == 19 and sweep.n == 200 and sweep.n_positive == 60
    for t, p, r, f, k in zip(sweep.thresholds, sweep.precision, sweep.recall, sweep.f1, sweep.n_predicted):
        predicted = s >= t
        tp = np.sum(predicted & (y == 1))
        fp = np.sum(predicted & (y == 0))
        fn = np.sum(~predicted & (y == 1))
        assert k == predicted.sum()
        assert r == pytest.approx(tp / (tp + fn), abs=1e-12)
        if tp + fp:
            assert p == pytest.approx(tp / (tp + fp), abs=1e-12)
        else:
            assert math.isnan(p)
        assert f == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-12)
    best_t, best_f = sweep.best_f1()
    assert best_f == max(sweep.f1)
    assert best_t == sweep.thresholds[sweep.f1.index(best_f)]


def test_threshold_sweep_points_lie_on_the_curve() -> None:
    y, s = _scores()
    sweep = threshold_sweep(y, s)
    curve = set(zip(np.round(sweep.curve_recall, 12), np.round(sweep.curve_precision, 12)))
    for p, r in zip(sweep.precision, sweep.recall):
        if not math.isnan(p):
            assert (round(r, 12), round(p, 12)) in curve
    assert sweep.curve_precision[-1] == 1.0 and sweep.curve_recall[-1] == 0.0
    assert len(sweep.curve_thresholds) == len(sweep.curve_precision) - 1
    assert 60 / 200 < sweep.average_precision < 1.0


def test_threshold_sweep_precision_is_nan_when_nothing_is_predicted_positive() -> None:
    sweep = threshold_sweep([1, 0, 1], [0.2, 0.1, 0.3], thresholds=[0.25, 0.9])
    assert sweep.n_predicted == (1, 0)
    assert sweep.precision[0] == 1.0 and math.isnan(sweep.precision[1])
    assert sweep.recall[1] == 0.0 and sweep.f1[1] == 0.0
    assert "n/a" in str(sweep)


def test_threshold_sweep_accepts_logits_with_explicit_thresholds() -> None:
    sweep = threshold_sweep([True, False, True], [2.5, -1.0, 0.5], thresholds=[0.0, 1.0])
    assert sweep.recall == (1.0, 0.5)


def test_threshold_sweep_repr_is_a_stable_table() -> None:
    sweep = threshold_sweep(*_scores())
    text = repr(sweep)
    assert text == str(sweep) == repr(sweep) and "0x" not in text
    lines = text.splitlines()
    assert lines[0] == f"Threshold sweep: 200 samples, 60 positive; average precision {sweep.average_precision:.4f}"
    assert lines[1].split() == ["threshold", "precision", "recall", "f1", "predicted", "+"]
    assert lines[2].split()[0] == "0.05" and lines[3].split()[0] == "0.10"
    assert len(lines) == 2 + 19 + 1
    assert lines[-1].startswith(f"best F1 {sweep.best_f1()[1]:.4f} at threshold ")
    page = sweep._repr_html_()
    assert page == sweep._repr_html_() and page.count("<tr>") == 20


def test_threshold_sweep_long_repr_shows_every_other_rows() -> None:
    sweep = threshold_sweep(*_scores(), thresholds=np.linspace(0.01, 0.99, 99))
    text = str(sweep)
    assert "(every 5th of 99 thresholds shown)" in text
    assert len(text.splitlines()) == 2 + 20 + 2


@pytest.mark.parametrize(
    ("y", "scores", "kwargs", "error", "match"),
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], {}, ValueError, r"y_true_binary must hold 0/1 or False/True .*labels \[0, 1, 2\]"),
        (["a", "b"], [0.1, 0.2], {}, ValueError, r"y_true_binary must hold 0/1"),
        ([0, 0], [0.1, 0.2], {}, ValueError, r"y_true_binary has no positive sample"),
        ([0, 1], [0.1, 0.2, 0.3], {}, ValueError, r"y_true_binary has 2 labels but scores has 3"),
        ([0, 1], [[0.1, 0.9], [0.2, 0.8]], {}, ValueError, r"scores must be 1-D.*shape \(2, 2\).*proba\[:, k\]"),
        ([0, 1], [0.1, float("nan")], {}, ValueError, r"scores holds 1 nan or infinite values"),
        ([0, 1], ["low", "high"], {}, TypeError, r"scores must be real numbers; got dtype <U4"),
        ([0, 1], [-2.0, 3.0], {}, ValueError, r"scores range from -2 to 3, outside \[0, 1\].*Pass thresholds="),
        ([0, 1], [0.1, 0.2], {"thresholds": []}, ValueError, r"thresholds must be a non-empty 1-D sequence.*got \[\]"),
    ],
)
def test_threshold_sweep_errors(y, scores, kwargs, error, match) -> None:
    with pytest.raises(error, match=match + r".*" + LESSON):
        threshold_sweep(y, scores, **kwargs)


def test_threshold_sweep_plot_has_two_panels() -> None:
    sweep = threshold_sweep(*_scores())
    fig = sweep.plot()
    assert isinstance(fig, Figure)
    curve_ax, sweep_ax = fig.axes[:2]
    assert len(fig.axes) == 3  # plus the threshold colorbar
    assert curve_ax.get_xlabel().startswith("recall") and sweep_ax.get_xlabel().startswith("threshold")
    assert [line.get_label() for line in sweep_ax.get_lines()[:3]] == ["precision", "recall", "F1"]
    assert any(t.get_text() == "t=0.05" for t in curve_ax.texts)
    np.testing.assert_allclose(sweep_ax.get_lines()[1].get_ydata(), sweep.recall)


def test_threshold_sweep_plot_into_given_axes() -> None:
    sweep = threshold_sweep(*_scores())
    fig, ax = plt.subplots()
    assert sweep.plot(ax) is fig
    fig2, axes = plt.subplots(1, 2)
    assert sweep.plot(axes) is fig2
    assert axes[1].get_title() == "Metrics against the threshold"
    with pytest.raises(TypeError, match=r"ax must be None, a matplotlib Axes or two Axes; got str"):
        sweep.plot("ax")


# --- import lightness -------------------------------------------------------------------------


def test_import_loads_no_heavy_library() -> None:
    code = "import sys, json, ortlearn.metrics; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert "ortlearn.metrics" in loaded
    assert loaded & {"sklearn", "matplotlib", "torch", "onnxruntime", "onnx"} == set()
