"""Tests for ortlearn.bench: what was called and counted, the statistics, tables and plots.

Nothing here asserts a speed beyond trivial sanity (a 2 ms sleep takes at least 2 ms):
timings depend on the machine.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ortlearn.bench import LatencyStats, LatencyTable, compare_latency, measure_latency, show_latency  # noqa: E402

LESSON = r"lessons/05_metrics_pitfalls\.ipynb"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class _Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


# --- measure_latency ------------------------------------------------------------------------


def test_warmup_and_repeat_calls_are_counted() -> None:
    counter = _Counter()
    stats = measure_latency(counter, warmup=7, repeat=25, label="count")
    assert counter.calls == 7 + 25
    assert stats.n == 25 and len(stats.samples_ms) == 25
    assert stats.label == "count"


def test_zero_warmup_is_allowed() -> None:
    counter = _Counter()
    assert measure_latency(counter, warmup=0, repeat=1).n == 1
    assert counter.calls == 1


def test_each_call_is_timed_alone_and_warmup_is_not(monkeypatch) -> None:
    # A fake clock: call k of fn takes k ms; the warm-up calls take 1 s each and must not show.
    now = [0]
    calls = []

    def fn() -> None:
        calls.append(1)
        now[0] += 1_000_000_000 if len(calls) <= 3 else (len(calls) - 3) * 1_000_000

    monkeypatch.setattr(time, "perf_counter_ns", lambda: now[0])
    stats = measure_latency(fn, warmup=3, repeat=5)
    assert stats.samples_ms == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert (stats.min_ms, stats.p50_ms, stats.max_ms, stats.mean_ms) == (1.0, 3.0, 5.0, 3.0)
    assert stats.p90_ms == pytest.approx(4.6) and stats.p99_ms == pytest.approx(4.96)


def test_sleep_two_ms_has_p50_of_at_least_two_ms() -> None:
    stats = measure_latency(lambda: time.sleep(0.002), warmup=1, repeat=5, label="sleep")
    assert stats.p50_ms >= 2.0
    assert stats.min_ms >= 2.0


def test_order_statistics_are_ordered() -> None:
    stats = measure_latency(lambda: sum(range(200)), warmup=2, repeat=50)
    assert stats.min_ms <= stats.p50_ms <= stats.p90_ms <= stats.p99_ms <= stats.max_ms
    assert stats.min_ms <= stats.mean_ms <= stats.max_ms
    assert stats.std_ms >= 0.0


def test_min_time_keeps_timing_after_repeat() -> None:
    counter = _Counter()

    def tick() -> None:
        counter()
        time.sleep(0.001)

    stats = measure_latency(tick, warmup=0, repeat=2, min_time=0.03)
    assert stats.n >= 2 and counter.calls == stats.n
    assert sum(stats.samples_ms) >= 30.0 - 1e-6


def test_default_label_is_the_function_name() -> None:
    def run_model() -> None:
        pass

    assert measure_latency(run_model, warmup=0, repeat=1).label.endswith("run_model")


def test_progress_bar_runs(capsys) -> None:
    counter = _Counter()
    stats = measure_latency(counter, warmup=2, repeat=3, progress=True, label="bar")
    assert stats.n == 3 and counter.calls == 5
    assert "bar" in capsys.readouterr().err  # tqdm wrote its bar, named by the label, to stderr
    measure_latency(_Counter(), warmup=0, repeat=2, progress=False, label="quiet")
    assert capsys.readouterr().err == ""


def test_errors_inside_fn_propagate_unchanged() -> None:
    def broken() -> None:
        raise RuntimeError("model exploded")

    with pytest.raises(RuntimeError, match="model exploded"):
        measure_latency(broken, warmup=0, repeat=1)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((42,), {}, TypeError, r"fn must be a callable taking no arguments.*got int: 42"),
        ((print,), {"warmup": -1}, ValueError, r"warmup must be an int >= 0; got -1"),
        ((print,), {"warmup": True}, TypeError, r"warmup must be an int >= 0; got bool: True"),
        ((print,), {"repeat": 0}, ValueError, r"repeat must be an int >= 1; got 0"),
        ((print,), {"repeat": 1.5}, TypeError, r"repeat must be an int >= 1; got float: 1\.5"),
        ((print,), {"min_time": -0.1}, ValueError, r"min_time must be None or seconds .*got -0\.1"),
        ((print,), {"min_time": "1s"}, TypeError, r"min_time must be None or seconds .*got str: '1s'"),
        ((print,), {"label": 3}, TypeError, r"label must be None or a str; got int: 3"),
        ((print,), {"progress": "yes"}, TypeError, r"progress must be True or False; got str: 'yes'"),
    ],
)
def test_measure_latency_argument_errors(args, kwargs, error, match) -> None:
    with pytest.raises(error, match=match + r".*" + LESSON):
        measure_latency(*args, **kwargs)


# --- LatencyStats ---------------------------------------------------------------------------


def test_from_samples_matches_numpy() -> None:
    samples = [3.0, 1.0, 2.0, 10.0, 4.0, 2.5]
    stats = LatencyStats.from_samples("m", samples)
    array = np.array(samples)
    assert stats.n == 6 and stats.samples_ms == tuple(samples)
    assert stats.mean_ms == pytest.approx(array.mean())
    assert stats.std_ms == pytest.approx(array.std(ddof=1))
    assert (stats.min_ms, stats.max_ms) == (1.0, 10.0)
    # By hand, sorted 1, 2, 2.5, 3, 4, 10 at positions 0-5: p at position 5·p/100, linear in between.
    assert stats.p50_ms == 2.75  # position 2.5: between 2.5 and 3.0
    assert stats.p90_ms == pytest.approx(7.0)  # position 4.5: between 4 and 10
    assert stats.p99_ms == pytest.approx(9.7)  # position 4.95: 4 + 0.95·6


def test_from_samples_one_sample_has_zero_std() -> None:
    stats = LatencyStats.from_samples("once", [1.5])
    assert stats.std_ms == 0.0 and stats.p99_ms == 1.5


@pytest.mark.parametrize(
    ("label", "samples", "error", "match"),
    [
        ("x", [], ValueError, r"samples_ms must be a non-empty 1-D sequence"),
        ("x", [1.0, -2.0], ValueError, r"samples_ms must be finite and >= 0"),
        ("x", [1.0, float("inf")], ValueError, r"samples_ms must be finite and >= 0"),
        (None, [1.0], TypeError, r"label must be a str; got NoneType: None"),
    ],
)
def test_from_samples_errors(label, samples, error, match) -> None:
    with pytest.raises(error, match=match):
        LatencyStats.from_samples(label, samples)


def test_stats_repr() -> None:
    stats = LatencyStats.from_samples("resnet", [1.0, 1.234, 1.3, 2.0])
    text = repr(stats)
    assert text == str(stats) == repr(stats) and "0x" not in text
    assert re.fullmatch(
        r"resnet: p50 1\.267 ms · p90 \d\.\d{3} ms · p99 \d\.\d{3} ms \(n=4, min 1\.000, max 2\.000\)", text
    ), text


def test_stats_repr_small_and_large_values() -> None:
    assert "p50 0.0004 ms" in str(LatencyStats.from_samples("tiny", [0.0004, 0.0004]))
    assert "p50 1234.5 ms" in str(LatencyStats.from_samples("huge", [1234.5, 1234.5]))


def test_stats_repr_of_one_call_prints_one_number() -> None:
    assert str(LatencyStats.from_samples("first call", [0.1332])) == "first call: 0.1332 ms (one call)"


def test_measured_stats_repr_is_stable() -> None:
    stats = measure_latency(_Counter(), warmup=0, repeat=3, label="c")
    again = LatencyStats.from_samples("c", stats.samples_ms)  # another object, the same numbers
    assert repr(stats) == repr(again) == str(stats) and "0x" not in repr(stats)
    assert re.fullmatch(r"c: p50 \S+ ms · p90 \S+ ms · p99 \S+ ms \(n=3, min \S+, max \S+\)", repr(stats)), repr(stats)


# --- compare_latency ------------------------------------------------------------------------


def _hand_made() -> list[LatencyStats]:
    return [
        LatencyStats.from_samples("torch", [4.0, 4.0, 5.0]),  # p50 4.0
        LatencyStats.from_samples("ort", [2.0, 2.0, 3.0]),  # p50 2.0
        LatencyStats.from_samples("slow", [8.0, 8.0, 9.0]),  # p50 8.0
    ]


def test_speedup_is_baseline_p50_over_row_p50() -> None:
    table = compare_latency(_hand_made())
    assert isinstance(table, LatencyTable)
    assert table.baseline == 0
    assert table.speedup == (1.0, 2.0, 0.5)
    assert table.rows[1] == ("ort", 2.0, pytest.approx(2.8), pytest.approx(2.98), pytest.approx(7 / 3), 2.0)


def test_baseline_by_label_and_negative_index() -> None:
    by_label = compare_latency(_hand_made(), baseline="ort")
    assert by_label.baseline == 1 and by_label.speedup == (0.5, 1.0, 0.25)
    assert compare_latency(_hand_made(), baseline=-1).speedup == (2.0, 4.0, 1.0)


def test_table_text_and_html() -> None:
    table = compare_latency(_hand_made(), baseline="torch")
    text = repr(table)
    assert text == str(table) == repr(table) and "0x" not in text
    lines = text.splitlines()
    assert lines[0] == "Latency in ms; speed-up = p50 of 'torch' / p50 of the row"
    assert lines[1].split() == ["p50", "p90", "p99", "mean", "n", "speed-up"]
    assert lines[2].split()[:3] == ["torch", "(baseline)", "4.000"] and lines[2].endswith("1.00×")
    assert lines[3].split()[0] == "ort" and lines[3].endswith("2.00×")
    assert lines[4].endswith("0.50×")
    page = table._repr_html_()
    assert page == table._repr_html_() and page.count("<tr>") == 4 and "2.00×" in page


def test_verdicts_apply_the_noise_rule() -> None:
    rows = [*_hand_made(), LatencyStats.from_samples("close", [4.2, 4.2, 4.3])]  # p50 4.2: 5 % from torch
    assert compare_latency(rows).verdicts() == (
        "'ort' is 2.00× faster than 'torch' at p50",
        "'slow' is 2.00× slower than 'torch' at p50",
        "'close' and 'torch' are within 10% at p50 (0.95×): no difference beyond noise",
    )
    assert compare_latency(rows).verdicts(noise=0.01)[2] == "'close' is 1.05× slower than 'torch' at p50"
    assert compare_latency(rows, baseline="ort").verdicts()[0] == "'torch' is 2.00× slower than 'ort' at p50"


@pytest.mark.parametrize(("noise", "error"), [(1.0, ValueError), (-0.1, ValueError), ("10%", TypeError),
                                              (True, TypeError)])
def test_verdicts_noise_errors(noise, error) -> None:
    with pytest.raises(error, match=r"noise must be"):
        compare_latency(_hand_made()).verdicts(noise=noise)


def test_table_html_escapes_labels() -> None:
    page = compare_latency([LatencyStats.from_samples("<ort>", [1.0])])._repr_html_()
    assert "&lt;ort&gt;" in page and "<ort>" not in page


@pytest.mark.parametrize(
    ("stats", "baseline", "error", "match"),
    [
        ([], 0, ValueError, r"stats is empty"),
        (None, 0, TypeError, r"stats must be a list of LatencyStats.*got NoneType"),
        ("stats", 0, TypeError, r"stats must be a list of LatencyStats"),
        ([1.0], 0, TypeError, r"stats\[0\] is a float, not a LatencyStats"),
        ("hand", 3, ValueError, r"baseline=3 is out of range for 3 rows \(labels \['torch', 'ort', 'slow'\]\)"),
        ("hand", "onnx", ValueError, r"baseline='onnx' names no row; the labels are \['torch', 'ort', 'slow'\]"),
        ("hand", 1.0, TypeError, r"baseline must be a row index \(int\) or a label \(str\); got float: 1\.0"),
    ],
)
def test_compare_latency_errors(stats, baseline, error, match) -> None:
    rows = _hand_made() if stats == "hand" else stats
    with pytest.raises(error, match=match + r".*" + LESSON):
        compare_latency(rows, baseline=baseline)


def test_compare_latency_single_stats_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"stats must be a list of LatencyStats, e.g. \[torch_stats, ort_stats\]"):
        compare_latency(_hand_made()[0])


def test_duplicate_label_baseline_is_ambiguous() -> None:
    rows = _hand_made() + [LatencyStats.from_samples("ort", [1.0])]
    with pytest.raises(ValueError, match=r"baseline='ort' names 2 rows"):
        compare_latency(rows, baseline="ort")
    assert compare_latency(rows, baseline=3).speedup[3] == 1.0


# --- plots --------------------------------------------------------------------------------


def test_table_plot_draws_one_row_per_stats() -> None:
    table = compare_latency(_hand_made())
    fig = table.plot()
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["torch", "ort", "slow"]
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["p50 4.000 ms\nbaseline", "p50 2.000 ms\n2.00× faster", "p50 8.000 ms\n2.00× slower"]
    p50_markers = [line for line in ax.get_lines() if line.get_marker() == "D" and len(line.get_xdata()) == 1]
    assert sorted(float(line.get_xdata()[0]) for line in p50_markers) == [2.0, 4.0, 8.0]
    assert ax.get_xscale() == "linear"


def test_table_plot_log_scale_and_given_axes() -> None:
    fig, ax = plt.subplots()
    assert compare_latency(_hand_made()).plot(ax, log=True, title="T") is fig
    assert ax.get_xscale() == "log" and ax.get_title() == "T"
    with pytest.raises(TypeError, match=r"log must be True or False; got str: 'yes'"):
        compare_latency(_hand_made()).plot(log="yes")
    with pytest.raises(TypeError, match=r"ax must be None or a matplotlib Axes; got int"):
        compare_latency(_hand_made()).plot(3)


def test_plot_handles_stats_without_samples() -> None:
    summary_only = LatencyStats("paper", 100, 2.0, 0.1, 1.8, 1.9, 2.2, 2.6, 3.0, ())
    fig = show_latency([summary_only, *_hand_made()])
    assert isinstance(fig, Figure)


def test_show_latency_with_measured_stats() -> None:
    stats = [measure_latency(_Counter(), warmup=1, repeat=20, label=name) for name in ("a", "b")]
    fig = show_latency(stats, baseline="b", log=True)
    assert isinstance(fig, Figure)
    assert "speed-up vs 'b'" in fig.axes[0].get_title()


# --- import lightness -------------------------------------------------------------------------


def test_import_loads_no_heavy_library() -> None:
    code = "import sys, json, ortlearn.bench; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert "ortlearn.bench" in loaded
    assert loaded & {"sklearn", "matplotlib", "torch", "onnxruntime", "onnx", "tqdm"} == set()


def test_format_speedup_names_the_comparison_and_applies_the_noise_rule() -> None:
    from ortlearn.bench import LatencyStats, format_speedup

    slow, fast = LatencyStats.from_samples("torch", [4.0, 4.2, 3.9]), LatencyStats.from_samples("ort", [2.0, 2.1, 1.9])
    close = LatencyStats.from_samples("close", [4.1, 4.3, 4.0])
    assert format_speedup(slow, fast, what="ORT vs torch") == "ORT vs torch: 2.00× faster at p50"
    assert format_speedup(fast, slow, what="torch vs ORT") == "torch vs ORT: 2.00× slower at p50"
    assert format_speedup(slow, close, what="x") == "x: 0.98×, within 10% at p50: no difference beyond noise"
    assert format_speedup(slow, fast) == "'ort' is 2.00× faster than 'torch' at p50"


def test_format_change_judges_throughput_and_latency_with_the_noise_rule() -> None:
    from ortlearn.bench import format_change

    assert format_change("t", 1000.0, 2000.0, higher_is_better=True) == "t: 2.00× (better)"
    assert format_change("t", 1000.0, 500.0, higher_is_better=True) == "t: 0.50× (worse)"
    assert format_change("p99", 1.0, 3.0, higher_is_better=False) == "p99: 3.00× (worse)"
    assert format_change("p99", 2.0, 1.0, higher_is_better=False) == "p99: 0.50× (better)"
    assert format_change("t", 1000.0, 1050.0, higher_is_better=True) == (
        "t: 1.05×, within 10%: no difference beyond noise")
    with pytest.raises(ValueError, match="positive"):
        format_change("t", 0.0, 1.0, higher_is_better=True)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        format_change("t", 1.0, 1.0, higher_is_better=True, noise=1.5)
