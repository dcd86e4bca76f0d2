"""Draw a :class:`ortlearn.bench.LatencyTable`: one row per measurement, latency along the x axis.

The figure half of :meth:`ortlearn.bench.LatencyTable.plot` (which checks the
arguments and calls :func:`draw_latency`); numpy and matplotlib load here, on use.

Introduced in lessons/05_metrics_pitfalls.ipynb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ortlearn.bench import _ms

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ortlearn.bench import LatencyTable

__all__ = ["draw_latency"]


def draw_latency(table: "LatencyTable", ax: "Axes | None", *, log: bool, title: str | None) -> "Figure":
    """Draw each row's samples, box (quartiles, whiskers p1-p99) and p50, with its speed-up at the right."""
    count = len(table.stats)
    if ax is None:
        import matplotlib.pyplot as plt  # pyplot, so that Jupyter's inline backend displays it

        fig, ax = plt.subplots(figsize=(9, 1.2 + 0.9 * count), layout="constrained")
    fig = ax.get_figure()
    rng = np.random.default_rng(0)  # jitter of the sample dots only; fixed so the picture is reproducible
    positions = np.arange(count, 0, -1, dtype=float)  # first row on top
    colors = [f"C{k % 10}" for k in range(count)]
    with_samples = [k for k, s in enumerate(table.stats) if s.samples_ms]
    if with_samples:
        ax.boxplot([table.stats[k].samples_ms for k in with_samples], positions=positions[with_samples],
                   orientation="horizontal", whis=(1, 99), showfliers=False, widths=0.5,
                   medianprops=dict(color="black", lw=1.5), boxprops=dict(color="0.3"),
                   whiskerprops=dict(color="0.3"), capprops=dict(color="0.3"))
    for k, s in enumerate(table.stats):
        y = positions[k]
        if s.samples_ms:
            values = np.asarray(s.samples_ms)
            if values.size > 400:  # draw an evenly spaced subset of the sorted samples
                values = np.sort(values)[np.linspace(0, values.size - 1, 400).round().astype(int)]
            ax.scatter(values, y + rng.uniform(-0.3, 0.3, values.size), s=6, color=colors[k], alpha=0.35,
                       linewidths=0, zorder=2)
        else:  # summary only: a line from min to max with p90/p99 ticks
            ax.plot([s.min_ms, s.max_ms], [y, y], color=colors[k], lw=1.5)
            ax.plot([s.p90_ms, s.p99_ms], [y, y], "|", color=colors[k], ms=12)
        ax.plot([s.p50_ms], [y], marker="D", ms=7, color=colors[k], markeredgecolor="black", zorder=3)
    ax.set_yticks(positions, [s.label for s in table.stats])
    ax.set_ylim(0.4, count + 0.6)
    if log:
        ax.set_xscale("log")
    else:
        ax.set_xlim(left=0)
    ax.set_xlabel("latency per call (ms)" + (", log scale" if log else ""))
    for k, (s, x) in enumerate(zip(table.stats, table.speedup)):
        note = ("baseline" if k == table.baseline else f"{x:.2f}\u00d7 faster" if x >= 1
                else f"{1 / x:.2f}\u00d7 slower" if x > 0 else "")
        ax.annotate(f"p50 {_ms(s.p50_ms)} ms\n{note}", xy=(1.0, positions[k]), xycoords=("axes fraction", "data"),
                    xytext=(6, 0), textcoords="offset points", va="center", fontsize=9)
    ax.grid(axis="x", alpha=0.3, which="both" if log else "major")
    ax.plot([], [], "D", ms=7, color="0.8", markeredgecolor="black", label="p50 (median)")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    base = table.stats[table.baseline].label
    default = f"Latency per call (box: quartiles, whiskers: p1–p99); speed-up vs {base!r}"
    ax.set_title(title if title is not None else default, fontsize=10)
    return fig
