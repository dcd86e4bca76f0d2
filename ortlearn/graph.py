"""Look inside an ONNX model: a text/HTML summary and a picture of its graph.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

from ortlearn._checks import as_int, check_ax
from ortlearn._table import Table
from ortlearn.lessons import lesson_path
from ortlearn.loading import Dim, ModelLike, TensorInfo, load_model, load_signature  # noqa: F401 (Dim, TensorInfo: re-exported)

if TYPE_CHECKING:  # onnx and matplotlib are imported lazily: ``import ortlearn`` stays light
    import onnx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["TensorInfo", "ModelSummary", "describe_model", "show_graph"]

_ABBREVIATIONS = {
    "BatchNormalization": "BatchNorm", "LayerNormalization": "LayerNorm",
    "InstanceNormalization": "InstNorm", "LocalResponseNormalization": "LRN",
    "GlobalAveragePool": "GlobalAvg", "GlobalMaxPool": "GlobalMax", "AveragePool": "AvgPool",
    "ConstantOfShape": "ConstShape", "QuantizeLinear": "Quantize", "DequantizeLinear": "Dequantize",
}
_SX, _SY, _BOX_W, _BOX_H = 0.8, 0.32, 0.84, 0.56  # inches per x and y unit; box size in units


@dataclass(frozen=True, repr=False)
class ModelSummary:
    """What :func:`describe_model` found; shows itself as text or as an HTML table.

    Introduced in lessons/01_onnx_format.ipynb.

    Attributes:
        graph_name: The graph's name (may be empty).
        ir_version: The file format version, ``model.ir_version``.
        opsets: ``(domain, version)`` pairs; the default domain is shown as ``"ai.onnx"``.
        producer: ``producer_name`` and ``producer_version`` (may be empty).
        inputs: The real inputs: initializers that old models (IR < 4) also list
            as graph inputs are left out.
        outputs: The graph outputs.
        op_counts: ``(op_type, count)``, most frequent first, then by name; ops
            outside the default domain are written ``domain.op_type``.
        num_nodes: Nodes of the top-level graph (``If``/``Loop`` bodies not counted).
        num_initializers: Initializers of the top-level graph.
        num_parameters: Values in those initializers. Weights that nodes such as
            ``Constant``/``ConstantOfShape`` make are not counted.
        size_bytes: ``model.ByteSize()``, the protobuf size: tensors in an external
            data file count only if they were loaded into the model.
    """

    graph_name: str
    ir_version: int
    opsets: tuple[tuple[str, int], ...]
    producer: str
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]
    op_counts: tuple[tuple[str, int], ...]
    num_nodes: int
    num_initializers: int
    num_parameters: int
    size_bytes: int

    def _table(self) -> Table:
        return Table(caption=f"ONNX model {self.graph_name!r}", row_header=True, css="vertical-align:top", rows=[
            ("Format", (f"IR version {self.ir_version}, opsets " + ", ".join(f"{d} {v}" for d, v in self.opsets),)),
            ("Producer", (self.producer or "(not recorded)",)),
            (f"Inputs ({len(self.inputs)})", tuple(str(t) for t in self.inputs)),
            (f"Outputs ({len(self.outputs)})", tuple(str(t) for t in self.outputs)),
            (f"Nodes ({self.num_nodes})", tuple(f"{op} \u00d7{n}" for op, n in self.op_counts)),
            ("Initializers", (f"{self.num_initializers} tensors, {self.num_parameters:,} values",)),
            ("Size", (f"{self.size_bytes:,} bytes (external data not included unless loaded)",)),
        ])

    def __str__(self) -> str:
        return "\n".join([f"ONNX model {self.graph_name!r}", *self._table().format_fields()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self._table().format_html()


def _op_key(node: "onnx.NodeProto") -> str:
    return node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"


def describe_model(model_or_path: ModelLike) -> ModelSummary:
    """Summarize a model: format, inputs, outputs, operators and size.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        model_or_path: An ``onnx.ModelProto``, a path to a ``.onnx`` file or its
            bytes (anything :func:`ortlearn.loading.load_model` accepts).

    Returns:
        A :class:`ModelSummary`; Jupyter shows it as a table, ``print`` as text.

    Raises:
        TypeError, FileNotFoundError, IsADirectoryError, NotAnOnnxModelError:
            From :func:`ortlearn.loading.load_model` when the model can't be read.

    Example:
        >>> import ortlearn as ol
        >>> summary = ol.graph.describe_model(ol.data.real_model_path("resnet50"))
        >>> summary.inputs[0].name, summary.inputs[0].shape
        ('gpu_0/data_0', (1, 3, 224, 224))
    """
    model = load_model(model_or_path)
    graph = model.graph
    signature = load_signature(model)
    counts = Counter(_op_key(node) for node in graph.node)
    return ModelSummary(
        graph_name=graph.name,
        ir_version=int(model.ir_version),
        opsets=tuple((o.domain or "ai.onnx", int(o.version)) for o in model.opset_import),
        producer=f"{model.producer_name} {model.producer_version}".strip(),
        inputs=tuple(spec.tensor_info() for spec in signature.inputs),
        outputs=tuple(spec.tensor_info() for spec in signature.outputs),
        op_counts=tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
        num_nodes=len(graph.node),
        num_initializers=len(graph.initializer),
        num_parameters=sum(math.prod(t.dims) for t in graph.initializer),
        size_bytes=model.ByteSize(),
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _layout(graph: "onnx.GraphProto", inputs: list[str], hidden: frozenset[str]) -> tuple[list, list[list[int]], list[int], Counter]:
    """Return the items to draw ``(kind, op or name)``, their predecessors, depths and hidden op counts."""
    items: list[tuple[str, str]] = []
    preds: list[list[int]] = []
    depth: list[int] = []
    sources: dict[str, set[int]] = {}  # value name -> visible items it comes from
    hidden_counts: Counter = Counter()

    def add(kind: str, key: str, src: Iterable[int]) -> int:
        items.append((kind, key))
        preds.append(sorted(src))
        depth.append(1 + max((depth[p] for p in preds[-1]), default=-1 if kind == "input" else 0))
        return len(items) - 1

    for name in inputs:
        sources[name] = {add("input", name, ())}
    for node in graph.node:  # ONNX keeps nodes in topological order
        src = set().union(*(sources.get(name, set()) for name in node.input if name))
        key = _op_key(node)
        if node.op_type in hidden or key in hidden:  # pass its sources through: paths stay connected
            hidden_counts[key] += 1
            sources.update((name, src) for name in node.output if name)
        else:
            idx = add("node", key, src)
            sources.update((name, {idx}) for name in node.output if name)
    for value in graph.output:
        add("output", value.name, sources.get(value.name, ()))
    # Nodes that only compute from initializers (weight preprocessing) go just above their first use.
    fed: list[bool] = []  # reached from a graph input
    succs: list[list[int]] = [[] for _ in items]
    for j, (kind, _) in enumerate(items):
        fed.append(kind == "input" or any(fed[i] for i in preds[j]))
        for i in preds[j]:
            succs[i].append(j)
    for i in reversed(range(len(items))):
        if not fed[i] and succs[i]:
            depth[i] = min(depth[j] for j in succs[i]) - 1
    return items, preds, depth, hidden_counts


def _place(preds: list[list[int]], depth: list[int]) -> tuple[list[float], list[float], int, int, int]:
    """Rows by depth, wrapped into columns; returns xs, ys, row width, columns, rows per column."""
    row_of = {d: r for r, d in enumerate(sorted(set(depth)))}
    rows: list[list[int]] = [[] for _ in row_of]
    for i, d in enumerate(depth):
        rows[row_of[d]].append(i)
    pos = [0.0] * len(depth)
    for row in rows:  # order a row by the mean position of each item's predecessors
        row.sort(key=lambda i: (sum(pos[p] for p in preds[i]) / len(preds[i]) if preds[i] else 0.0, i))
        for k, i in enumerate(row):
            pos[i] = k - (len(row) - 1) / 2
    width, n_rows = max((len(r) for r in rows), default=1), max(len(rows), 1)

    def badness(c: int) -> tuple[float, float]:  # shrink needed to fit 16 x 12 in, then aspect far from 1.2
        w, h = c * (width + 1) * _SX + 0.3, (math.ceil(n_rows / c) + 1.6) * _SY + 1.2
        return round(max(w / 16, h / 12, 1.0), 2), abs(math.log(w / h / 1.2))

    n_cols = min(range(1, max(n_rows // 12, 1) + 1), key=badness)  # columns of 12 rows or more
    per_col = math.ceil(n_rows / n_cols)
    xs, ys = [0.0] * len(depth), [0.0] * len(depth)
    for r, row in enumerate(rows):
        for i in row:
            xs[i], ys[i] = (r // per_col) * (width + 1) + width / 2 + pos[i], -float(r % per_col)
    return xs, ys, width, n_cols, per_col


def _edge_paths(preds: list[list[int]], xs: list[float], ys: list[float], col_w: float, per_col: int) -> list[list]:
    """One polyline per edge, ending vertically on the top of its target box."""
    top, bottom, half = 0.75, -(per_col - 1) - 0.75, _BOX_H / 2
    paths = []
    for j, sources in enumerate(preds):
        x1, y1 = xs[j], ys[j] + half
        for i in sources:
            x0, y0, col = xs[i], ys[i] - half, int(xs[i] // col_w)
            if col != int(x1 // col_w):  # wrap: down out of the column, up the gap, into the next one
                gap = (col + 1) * col_w - 0.45
                paths.append([(x0, y0), (x0, bottom), (gap, bottom), (gap, top), (x1, top), (x1, y1)])
            elif round(ys[i] - ys[j]) == 1:
                paths.append([(x0, y0), (x1, y1 + 0.12), (x1, y1)])
            else:  # skips rows: run down the column's right side
                lane = (col + 1) * col_w - 0.75
                paths.append([(x0, y0), (lane, y0 - 0.2), (lane, y1 + 0.25), (x1, y1 + 0.12), (x1, y1)])
    return paths


def _as_hidden_ops(max_nodes: object, hide_ops: object, ax: object) -> frozenset[str]:
    fix = lesson_path("01_onnx_format")
    if max_nodes is not None:
        as_int("max_nodes", max_nodes, "01_onnx_format", 1, expected="None (no limit) or an int >= 1")
    hide = (hide_ops,) if isinstance(hide_ops, str) else tuple(hide_ops) if isinstance(hide_ops, Iterable) else None
    if hide is None or not all(isinstance(op, str) for op in hide):
        raise TypeError(
            f"hide_ops must be op type names, e.g. ('Constant', 'ConstantOfShape') or (); got {hide_ops!r}. See {fix}."
        )
    check_ax(ax, "01_onnx_format")
    return frozenset(hide)


def show_graph(
    model_or_path: ModelLike,
    *,
    max_nodes: Optional[int] = None,
    hide_ops: Union[str, Iterable[str]] = ("Constant", "ConstantOfShape"),
    title: Optional[str] = None,
    ax: Optional["Axes"] = None,
) -> "Figure":
    """Draw a model's graph: boxes in rows by depth, one color per operator type.

    Data flows down each column; a deep graph wraps into more columns, read left
    to right like text (an edge that continues in the next column goes up the gap
    between them; an edge that skips rows runs down the column's right side).
    Graph inputs and outputs are white boxes. Initializers and outer-scope values
    are not drawn, and only the top-level graph is: the bodies of ``If``, ``Loop``
    and ``Scan`` nodes are not (the title says so).

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        model_or_path: Anything :func:`ortlearn.loading.load_model` accepts.
        max_nodes: Refuse to draw more visible nodes than this; ``None``: no limit.
        hide_ops: Op types to leave out (a name or several); the title counts them.
            Edges through hidden nodes are kept. The default hides the nodes
            that make constants and weights.
        title: The heading; by default the graph's name and node count.
        ax: A matplotlib Axes to draw into instead of a new figure.

    Returns:
        The ``matplotlib.figure.Figure`` drawn into. A new figure is made with
        pyplot, so Jupyter shows it when the cell ends: end the call with ``;``
        so that the returned figure is not shown a second time.

    Raises:
        ValueError: More visible nodes than ``max_nodes``, or a bad ``max_nodes``.
        TypeError: ``hide_ops`` or ``ax`` of the wrong type.
        FileNotFoundError, NotAnOnnxModelError: From :func:`ortlearn.loading.load_model`.

    Example:
        >>> import ortlearn as ol
        >>> fig = ol.graph.show_graph(ol.data.real_model_path("squeezenet"))
        >>> fig.savefig("squeezenet.png")
    """
    hidden = _as_hidden_ops(max_nodes, hide_ops, ax)
    model = load_model(model_or_path)
    inputs = [spec.name for spec in load_signature(model).inputs]
    graph = model.graph
    items, preds, depth, hidden_counts = _layout(graph, inputs, hidden)
    counts = Counter(key for kind, key in items if kind == "node")
    ops = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    n_nodes = sum(counts.values())
    if max_nodes is not None and n_nodes > max_nodes:
        raise ValueError(
            f"The graph has {n_nodes} nodes to draw, more than max_nodes={max_nodes}. Hide more op "
            f"types, e.g. hide_ops=({', '.join(repr(op) for op, _ in ops[:2])}), or pass a larger "
            f"max_nodes, e.g. max_nodes={n_nodes}; see {lesson_path('01_onnx_format')}."
        )
    from matplotlib import colormaps
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Patch, Rectangle
    from onnx import AttributeProto

    xs, ys, width, n_cols, per_col = _place(preds, depth)
    col_w = width + 1.0
    notes = [f"{n} {op} node{'s' * (n != 1)} hidden" for op, n in sorted(hidden_counts.items())]
    if any(a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS) for node in graph.node for a in node.attribute):
        notes.append("If/Loop/Scan bodies not drawn")
    heading = "\n".join([title if title is not None else f"{graph.name or 'Graph'}: {n_nodes} nodes shown"]
                        + (["; ".join(notes)] if notes else []))
    palette = list(colormaps["tab10"].colors) + list(colormaps["tab20"].colors)[1::2]
    colors = {op: palette[k % len(palette)] for k, (op, _) in enumerate(ops)}
    handles = [Patch(facecolor=colors[op], edgecolor="0.25", label=f"{op} ({n})") for op, n in ops]
    handles.append(Patch(facecolor="white", edgecolor="black", label="graph input / output"))

    # Sizes in inches at scale 1; the whole figure then shrinks to fit 16 x 12 inches.
    fig_w = max(n_cols * col_w * _SX + 0.3, 4.5)
    entry_w = (max(len(h.get_label()) for h in handles) * 0.6 + 5) * 7.5 / 72
    ncol = max(1, min(len(handles), int((fig_w - 0.2) // entry_w)))
    title_h, body_h = 0.25 + 0.2 * heading.count("\n"), (per_col + 1.6) * _SY
    fig_h = title_h + 0.19 * math.ceil(len(handles) / ncol) + 0.2 + body_h
    scale = min(1.0, 16 / fig_w, 12 / fig_h)
    font = max(7.0 * scale, 4.0)
    own = ax is None
    if own:
        import matplotlib.pyplot as plt  # pyplot, so that Jupyter's inline backend displays it

        fig = plt.figure(figsize=(fig_w * scale, fig_h * scale))
        ax = fig.add_axes((0.0, 0.0, 1.0, body_h / fig_h))
    fig = ax.get_figure()

    lines = _edge_paths(preds, xs, ys, col_w, per_col)
    ax.add_collection(LineCollection(lines, colors="0.35", linewidths=0.8 * scale, zorder=1))
    if lines:
        ax.scatter([p[-1][0] for p in lines], [p[-1][1] + 0.06 for p in lines], marker="v",
                   s=14 * scale, c="0.35", linewidths=0, zorder=1.5)
    faces = [colors[key] if kind == "node" else (1.0, 1.0, 1.0) for kind, key in items]
    ax.add_collection(PatchCollection(
        [Rectangle((x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H) for x, y in zip(xs, ys)],
        facecolors=faces, edgecolors=["0.25" if kind == "node" else "black" for kind, _ in items],
        linewidths=[(0.5 if kind == "node" else 1.2) * scale for kind, _ in items], zorder=2,
    ))
    for (kind, key), x, y, face in zip(items, xs, ys, faces):
        dark = 0.299 * face[0] + 0.587 * face[1] + 0.114 * face[2] < 0.5
        label = _short(_ABBREVIATIONS.get(key, key.rsplit(".", 1)[-1]), 10) if kind == "node" else _short(key, 12)
        ax.text(x, y, label, ha="center", va="center", fontsize=font * (1.0 if kind == "node" else 0.9),
                color="white" if dark else "black", zorder=3, clip_on=True)
    if not items:
        ax.text(0.75, 0.0, "(empty graph: no inputs, nodes or outputs)", ha="center", fontsize=font)
    center, half_w = (n_cols * col_w - 0.5) / 2, (fig_w - 0.3) / _SX / 2 if own else n_cols * col_w / 2
    ax.set_xlim(center - half_w, center + half_w)
    ax.set_ylim(-(per_col - 1) - 1.1, 1.1)
    ax.set_axis_off()
    legend = dict(handles=handles, fontsize=7.5 * scale, frameon=False, ncol=ncol, columnspacing=1.5)
    if own:
        fig.suptitle(heading, fontsize=10 * scale, y=1 - 0.08 / fig_h, va="top")
        fig.legend(loc="upper center", bbox_to_anchor=(0.5, 1 - title_h / fig_h), **legend)
    else:
        ax.set_title(heading, fontsize=10 * scale)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), **legend)
    return fig
