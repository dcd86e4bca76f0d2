"""Measure inference latency the right way, and compare runs side by side.

:func:`measure_latency` times any zero-argument callable (``lambda: session.run(None, feeds)``)
and returns a :class:`LatencyStats` of percentiles; :func:`compare_latency` puts several
of them in a :class:`LatencyTable` with the speed-up against a baseline, and
:func:`show_latency` draws their distributions.

Measuring right:

- **Warm up first.** The first calls pay one-time costs (memory allocation, kernel
  selection, caches, lazy initialization); ``warmup`` calls run untimed before timing.
- **Report percentiles, not only the mean.** Latency has a long right tail: a few slow
  calls pull the mean up. The median (p50) is the typical call, p90/p99 the slow ones a
  user notices. Compare p50 with p50.
- **Fix the threads.** ORT and PyTorch each pick a thread count from the machine; compare
  with the same count (``SessionOptions.intra_op_num_threads``, ``torch.set_num_threads``)
  and say which.
- **Same input, same batch.** Time both runtimes on the same array and batch size;
  per-sample latency at batch 32 is not latency at batch 1. Create the session once,
  outside the timed function.
- **Expect noise.** Laptops scale their clock and shared machines (JupyterHub, Binder, CI)
  run other jobs: repeat, look at the spread, and treat differences under ~10 % as noise.
  Nothing here asserts a speed; numbers from one machine say little about another.

Introduced in lessons/05_metrics_pitfalls.ipynb.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np

from ortlearn._table import Table
from ortlearn._checks import as_int, as_real, check_ax, check_bool
from ortlearn.lessons import lesson_path

if TYPE_CHECKING:  # matplotlib and tqdm are imported lazily: ``import ortlearn.bench`` stays light
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["LatencyStats", "LatencyTable", "measure_latency", "compare_latency", "show_latency", "format_speedup",
           "format_change"]

_LESSON = "05_metrics_pitfalls"
_MAX_SAMPLES = 1_000_000  # with min_time: stop here even if min_time is not reached yet
NOISE = 0.10  # p50s closer than this (relative) are treated as equal: see "Expect noise" above


def _see() -> str:
    return f"see {lesson_path(_LESSON)}"


def _ms(value: float) -> str:
    """Milliseconds with about four significant digits, never in exponent form."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.1f}" if abs(value) >= 100 else f"{value:.3f}" if abs(value) >= 1 else f"{value:.4f}"


@dataclass(frozen=True, repr=False)
class LatencyStats:
    """Timings of one callable, in milliseconds.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Attributes:
        label: What was timed (shown in tables and plots).
        n: Number of timed calls.
        mean_ms: Mean latency.
        std_ms: Sample standard deviation (``ddof=1``; 0 for one call).
        min_ms: Fastest call.
        p50_ms: Median (``numpy.percentile``, method ``"linear"``).
        p90_ms: 90th percentile: 1 call in 10 is slower.
        p99_ms: 99th percentile: 1 call in 100 is slower.
        max_ms: Slowest call.
        samples_ms: Every timed call, in the order measured.
    """

    label: str
    n: int
    mean_ms: float
    std_ms: float
    min_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    samples_ms: tuple[float, ...]

    @classmethod
    def from_samples(cls, label: str, samples_ms: Sequence[float]) -> "LatencyStats":
        """Summarize timings already measured (in milliseconds).

        Args:
            label: What was timed.
            samples_ms: One latency per call, in milliseconds; at least one.

        Returns:
            The :class:`LatencyStats` of those samples.

        Raises:
            TypeError: ``label`` is not a string.
            ValueError: No samples, or a negative or non-finite one.
        """
        if not isinstance(label, str):
            raise TypeError(f"label must be a str; got {type(label).__name__}: {label!r}; {_see()}.")
        values = np.asarray(samples_ms, dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"samples_ms must be a non-empty 1-D sequence of milliseconds; got shape {values.shape}; "
                             f"{_see()}.")
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"samples_ms must be finite and >= 0; got min {values.min()!r}, max {values.max()!r}; "
                             f"{_see()}.")
        p50, p90, p99 = np.percentile(values, [50, 90, 99], method="linear")
        return cls(
            label=label,
            n=int(values.size),
            mean_ms=float(values.mean()),
            std_ms=float(values.std(ddof=1)) if values.size > 1 else 0.0,
            min_ms=float(values.min()),
            p50_ms=float(p50),
            p90_ms=float(p90),
            p99_ms=float(p99),
            max_ms=float(values.max()),
            samples_ms=tuple(float(v) for v in values),
        )

    def __str__(self) -> str:
        if self.n == 1:  # percentiles of one sample are that sample: say so once
            return f"{self.label}: {_ms(self.p50_ms)} ms (one call)"
        return (f"{self.label}: p50 {_ms(self.p50_ms)} ms \u00b7 p90 {_ms(self.p90_ms)} ms \u00b7 "
                f"p99 {_ms(self.p99_ms)} ms (n={self.n}, min {_ms(self.min_ms)}, max {_ms(self.max_ms)})")

    __repr__ = __str__


def _default_label(fn: Callable[[], Any]) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return name if isinstance(name, str) else type(fn).__name__


def measure_latency(
    fn: Callable[[], Any],
    *,
    warmup: int = 10,
    repeat: int = 100,
    min_time: Optional[float] = None,
    label: Optional[str] = None,
    progress: bool = False,
) -> LatencyStats:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeat`` (or more) timed ones.

    Each call is timed on its own with ``time.perf_counter_ns``; what ``fn``
    returns is ignored. Keep set-up (creating the session, building feeds)
    outside ``fn`` so that only the call you care about is timed.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Args:
        fn: A callable taking no arguments, e.g. ``lambda: session.run(None, feeds)``.
        warmup: Untimed calls first (>= 0).
        repeat: Timed calls (>= 1).
        min_time: If given, keep timing after ``repeat`` calls until the timed calls
            add up to at least this many seconds (at most 1,000,000 calls).
        label: The name shown in tables and plots; by default ``fn``'s name.
        progress: Show a progress bar (``tqdm.auto``) while measuring.

    Returns:
        A :class:`LatencyStats` with percentiles in milliseconds.

    Raises:
        TypeError: ``fn`` is not callable, or an argument of the wrong type.
        ValueError: A negative ``warmup`` or ``min_time``, ``repeat`` < 1.
        Exception: Whatever ``fn`` raises, unchanged.

    Example:
        >>> stats = measure_latency(lambda: sum(range(1000)), warmup=5, repeat=50, label="sum")
        >>> stats.n, stats.min_ms <= stats.p50_ms <= stats.p99_ms
        (50, True)
    """
    if not callable(fn):
        raise TypeError(f"fn must be a callable taking no arguments, e.g. lambda: session.run(None, feeds); "
                        f"got {type(fn).__name__}: {fn!r:.80}; {_see()}.")
    warmup = as_int("warmup", warmup, _LESSON, 0)
    repeat = as_int("repeat", repeat, _LESSON, 1)
    if min_time is not None:
        min_time = as_real("min_time", min_time, _LESSON, expected="None or seconds (a finite number >= 0)")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be None or a str; got {type(label).__name__}: {label!r}; {_see()}.")
    check_bool("progress", progress, _LESSON)
    name = label if label is not None else _default_label(fn)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=warmup + repeat, desc=name, unit="call", leave=False)
    clock = time.perf_counter_ns
    try:
        for _ in range(warmup):
            fn()
            if bar is not None:
                bar.update(1)
        samples: list[int] = []
        budget_ns = None if min_time is None else int(min_time * 1e9)
        spent_ns = 0
        while len(samples) < repeat or (budget_ns is not None and spent_ns < budget_ns and len(samples) < _MAX_SAMPLES):
            start = clock()
            fn()
            elapsed = clock() - start
            samples.append(elapsed)
            spent_ns += elapsed
            if bar is not None:
                if len(samples) > repeat:
                    bar.total += 1
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return LatencyStats.from_samples(name, np.asarray(samples, dtype=np.float64) / 1e6)


@dataclass(frozen=True, repr=False)
class LatencyTable:
    """Several :class:`LatencyStats` side by side, with the speed-up against a baseline.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Attributes:
        stats: The measurements, one row each, in the order given.
        baseline: Index of the row the others are compared with.
        speedup: ``baseline p50 / row p50`` for each row: above 1 is faster than
            the baseline, below 1 slower; the baseline's own is 1.
    """

    stats: tuple[LatencyStats, ...]
    baseline: int
    speedup: tuple[float, ...]

    @property
    def rows(self) -> tuple[tuple[str, float, float, float, float, float], ...]:
        """``(label, p50_ms, p90_ms, p99_ms, mean_ms, speedup)`` per row."""
        return tuple((s.label, s.p50_ms, s.p90_ms, s.p99_ms, s.mean_ms, x) for s, x in zip(self.stats, self.speedup))

    def _title(self) -> str:
        return f"Latency in ms; speed-up = p50 of {self.stats[self.baseline].label!r} / p50 of the row"

    def verdicts(self, noise: float = NOISE) -> tuple[str, ...]:
        """Say, for each row but the baseline, whether its p50 differs from the baseline's beyond noise.

        A row whose p50 is within ``noise`` (relative) of the baseline's is reported as
        no measurable difference; otherwise as so many times faster or slower.

        Args:
            noise: The relative p50 difference treated as noise, in [0, 1); by default
                :data:`NOISE` (10 %).

        Returns:
            One sentence per row other than the baseline, in table order.

        Raises:
            TypeError, ValueError: ``noise`` is not a number in [0, 1).

        Example:
            >>> slow = LatencyStats.from_samples("torch", [4.0, 4.2, 3.9])
            >>> fast = LatencyStats.from_samples("ort", [2.0, 2.1, 1.9])
            >>> compare_latency([slow, fast]).verdicts()
            ("'ort' is 2.00× faster than 'torch' at p50",)
        """
        base = self.stats[self.baseline]
        return tuple(format_speedup(base, s, noise=noise) for k, s in enumerate(self.stats) if k != self.baseline)

    def _cells(self) -> list[list[str]]:
        cells = [["", "p50", "p90", "p99", "mean", "n", "speed-up"]]
        for k, (s, x) in enumerate(zip(self.stats, self.speedup)):
            mark = " (baseline)" if k == self.baseline else ""
            cells.append([s.label + mark, _ms(s.p50_ms), _ms(s.p90_ms), _ms(s.p99_ms), _ms(s.mean_ms), str(s.n),
                          f"{x:.2f}\u00d7"])
        return cells

    def _table(self) -> Table:
        cells = self._cells()
        return Table(cells[1:], header=cells[0], caption=self._title(), align="lrrrrrr", row_header=True)

    def __str__(self) -> str:
        return "\n".join([self._title(), *self._table().format_lines()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self._table().format_html()

    def plot(self, ax: Optional["Axes"] = None, *, log: bool = False, title: Optional[str] = None) -> "Figure":
        """Draw each row's latency distribution: a box (quartiles, whiskers to p1/p99), the samples, the p50.

        Rows run top to bottom in table order, latency along the x axis; each
        row's p50 and speed-up are written at its right.

        Args:
            ax: A matplotlib Axes to draw into instead of a new figure.
            log: Use a logarithmic latency axis (for rows that differ many times over).
            title: The heading; by default names the baseline.

        Returns:
            The ``matplotlib.figure.Figure`` drawn into (made with pyplot when ``ax`` is None).

        Raises:
            TypeError: ``ax`` is not an Axes or ``log`` not a bool.
        """
        check_ax(ax, _LESSON)
        check_bool("log", log, _LESSON)
        from ortlearn._latency_plot import draw_latency

        return draw_latency(self, ax, log=log, title=title)


def compare_latency(stats: Sequence[LatencyStats], *, baseline: Union[int, str] = 0) -> LatencyTable:
    """Put measurements side by side with each one's p50 speed-up against a baseline.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Args:
        stats: :class:`LatencyStats` from :func:`measure_latency`, one per row.
        baseline: The row to compare with: its index (negative counts from the end)
            or its label.

    Returns:
        A :class:`LatencyTable`; Jupyter shows it as a table; ``.plot()`` draws it.

    Raises:
        TypeError: ``stats`` is not a sequence of LatencyStats, or ``baseline`` neither int nor str.
        ValueError: ``stats`` is empty, or ``baseline`` names no row (or several rows).

    Example:
        >>> slow = LatencyStats.from_samples("torch", [4.0, 4.2, 3.9])
        >>> fast = LatencyStats.from_samples("ort", [2.0, 2.1, 1.9])
        >>> compare_latency([slow, fast]).speedup
        (1.0, 2.0)
    """
    if isinstance(stats, (LatencyStats, str)) or not isinstance(stats, Sequence):
        raise TypeError(f"stats must be a list of LatencyStats, e.g. [torch_stats, ort_stats]; got "
                        f"{type(stats).__name__}: {stats!r:.80}; {_see()}.")
    rows = tuple(stats)
    if not rows:
        raise ValueError(f"stats is empty: pass at least one LatencyStats from measure_latency; {_see()}.")
    wrong = [k for k, s in enumerate(rows) if not isinstance(s, LatencyStats)]
    if wrong:
        k = wrong[0]
        raise TypeError(f"stats[{k}] is a {type(rows[k]).__name__}, not a LatencyStats (from measure_latency): "
                        f"{rows[k]!r:.80}; {_see()}.")
    labels = [s.label for s in rows]
    if isinstance(baseline, str):
        hits = [k for k, name in enumerate(labels) if name == baseline]
        if len(hits) != 1:
            problem = "names no row" if not hits else f"names {len(hits)} rows"
            raise ValueError(f"baseline={baseline!r} {problem}; the labels are {labels!r}; {_see()}.")
        index = hits[0]
    elif isinstance(baseline, bool) or not isinstance(baseline, numbers.Integral):
        raise TypeError(f"baseline must be a row index (int) or a label (str); got {type(baseline).__name__}: "
                        f"{baseline!r}; {_see()}.")
    elif not -len(rows) <= baseline < len(rows):
        raise ValueError(f"baseline={baseline!r} is out of range for {len(rows)} rows (labels {labels!r}); {_see()}.")
    else:
        index = int(baseline) % len(rows)
    reference = rows[index].p50_ms
    speedup = tuple(1.0 if k == index else reference / s.p50_ms if s.p50_ms > 0 else math.inf
                    for k, s in enumerate(rows))
    return LatencyTable(stats=rows, baseline=index, speedup=speedup)


def show_latency(
    stats: Sequence[LatencyStats],
    *,
    baseline: Union[int, str] = 0,
    log: bool = False,
    title: Optional[str] = None,
    ax: Optional["Axes"] = None,
) -> "Figure":
    """Draw latency distributions side by side: ``compare_latency(stats, baseline=…).plot(…)``.

    Introduced in lessons/05_metrics_pitfalls.ipynb.

    Args:
        stats: :class:`LatencyStats`, one row each.
        baseline: The row the speed-ups are relative to (index or label).
        log: Use a logarithmic latency axis.
        title: The heading.
        ax: A matplotlib Axes to draw into instead of a new figure.

    Returns:
        The ``matplotlib.figure.Figure`` drawn into; end the call with ``;`` in Jupyter.

    Raises:
        TypeError, ValueError: As :func:`compare_latency` and :meth:`LatencyTable.plot`.
    """
    return compare_latency(stats, baseline=baseline).plot(ax, log=log, title=title)


def format_speedup(base: LatencyStats, new: LatencyStats, *, what: str | None = None, noise: float = NOISE) -> str:
    """Say whether ``new``'s p50 differs from ``base``'s beyond noise, in one sentence.

    The course's rule of thumb: p50s within ``noise`` (relative) of each other are no measurable
    difference; otherwise ``new`` is so many times faster or slower. :meth:`LatencyTable.verdicts`
    says the same for every row of a table.

    Introduced in lessons/05_metrics_pitfalls.ipynb; lessons/07_performance.ipynb prints every speed
    conclusion with it.

    Args:
        base: The reference measurement (e.g. PyTorch's).
        new: The measurement compared with it (e.g. ORT's).
        what: Words to start the sentence with, e.g. ``"digits CNN batch 1, ORT vs PyTorch"``; by
            default the sentence names both labels.
        noise: The relative p50 difference treated as noise, in [0, 1); by default :data:`NOISE` (10 %).

    Returns:
        One sentence, e.g. ``"'ort' is 2.00× faster than 'torch' at p50"``.

    Raises:
        TypeError, ValueError: ``noise`` is not a number in [0, 1).

    Example:
        >>> slow = LatencyStats.from_samples("torch", [4.0, 4.2, 3.9])
        >>> fast = LatencyStats.from_samples("ort", [2.0, 2.1, 1.9])
        >>> format_speedup(slow, fast, what="ORT vs torch")
        'ORT vs torch: 2.00× faster at p50'
    """
    _check_noise(noise)
    speedup = base.p50_ms / new.p50_ms if new.p50_ms > 0 else math.inf
    change = new.p50_ms / base.p50_ms - 1 if base.p50_ms > 0 else math.inf
    subject = f"{what}:" if what else f"{new.label!r} is"
    versus = "" if what else f" than {base.label!r}"
    if abs(change) < noise:
        if what:
            return f"{what}: {speedup:.2f}\u00d7, within {noise:.0%} at p50: no difference beyond noise"
        return f"{new.label!r} and {base.label!r} are within {noise:.0%} at p50 ({speedup:.2f}\u00d7): no difference beyond noise"
    if speedup > 1:
        return f"{subject} {speedup:.2f}\u00d7 faster{versus} at p50"
    return f"{subject} {1 / speedup:.2f}\u00d7 slower{versus} at p50"


def format_change(what: str, base: float, new: float, *, higher_is_better: bool, noise: float = NOISE) -> str:
    """Say whether a measured quantity changed beyond noise, in one sentence.

    The same rule as :func:`format_speedup`, for numbers that are not one p50 latency: a throughput
    (requests per second, higher is better) or a latency percentile such as p99 (lower is better).

    Introduced in lessons/11_deployment.ipynb (threads for a service).

    Args: ``what`` starts the sentence; ``base`` (positive) is the reference and ``new`` the value
    compared with it (the ratio printed is ``new / base``); ``higher_is_better`` is True for a
    throughput, False for a latency; ``noise`` as in :func:`format_speedup`.

    Raises:
        TypeError, ValueError: ``noise`` is not a number in [0, 1), or ``base`` is not positive.

    Example:
        >>> format_change("2 workers vs 1, throughput", 1800.0, 3500.0, higher_is_better=True)
        '2 workers vs 1, throughput: 1.94× (better)'
    """
    _check_noise(noise)
    if not base > 0:
        raise ValueError(f"base must be a positive measurement; got {base!r}; {_see()}.")
    ratio = new / base
    if abs(ratio - 1) < noise:
        return f"{what}: {ratio:.2f}\u00d7, within {noise:.0%}: no difference beyond noise"
    better = (ratio > 1) == higher_is_better
    return f"{what}: {ratio:.2f}\u00d7 ({'better' if better else 'worse'})"


def _check_noise(noise: float) -> None:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a fraction such as 0.1; got {type(noise).__name__}: {noise!r}; {_see()}.")
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be in [0, 1), e.g. 0.1 for 10 %; got {noise!r}; {_see()}.")
