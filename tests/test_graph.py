"""Tests for ortlearn.graph: describe_model against the proto itself, show_graph's figures."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import ortlearn as ol  # noqa: E402
from ortlearn.graph import ModelSummary, TensorInfo, describe_model, show_graph  # noqa: E402

REAL = ["resnet50", "squeezenet", "inception_v1", "densenet121"]


def _real(name: str) -> onnx.ModelProto:
    return onnx.load(str(ol.data.real_model_path(name)))


def _model(nodes, inputs, outputs, initializers=(), opsets=(("", 17),), name="tiny") -> onnx.ModelProto:
    graph = helper.make_graph(list(nodes), name, list(inputs), list(outputs), list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])


def _chain(*ops: str) -> onnx.ModelProto:
    """x -> ops[0] -> ops[1] -> ... -> y, all float [2]."""
    names = ["x"] + [f"t{i}" for i in range(len(ops) - 1)] + ["y"]
    nodes = [helper.make_node(op, [names[i]], [names[i + 1]]) for i, op in enumerate(ops)]
    vi = helper.make_tensor_value_info
    return _model(nodes, [vi("x", TensorProto.FLOAT, [2])], [vi("y", TensorProto.FLOAT, [2])])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- describe_model: oracle checks against the proto ------------------------------------


@pytest.mark.parametrize("name", REAL)
def test_counts_match_an_independent_oracle(name: str) -> None:
    model = _real(name)
    summary = describe_model(model)
    expected = Counter(node.op_type for node in model.graph.node)
    assert dict(summary.op_counts) == dict(expected)
    assert [n for _, n in summary.op_counts] == sorted(expected.values(), reverse=True)
    assert summary.num_nodes == len(model.graph.node)
    assert summary.num_initializers == len(model.graph.initializer)
    assert summary.num_parameters == sum(numpy_helper.to_array(t).size for t in model.graph.initializer)
    assert summary.size_bytes == model.ByteSize()
    initializer_names = {t.name for t in model.graph.initializer}
    assert [t.name for t in summary.inputs] == [v.name for v in model.graph.input if v.name not in initializer_names]
    assert [t.name for t in summary.outputs] == [v.name for v in model.graph.output]


def test_resnet50_summary_lists_only_the_real_input() -> None:
    model = _real("resnet50")
    assert len(model.graph.input) == 270  # the 269 initializers are listed as inputs too (IR 3)
    summary = describe_model(ol.data.real_model_path("resnet50"))
    assert summary.ir_version == 3
    assert summary.opsets == (("ai.onnx", 9),)
    assert summary.producer == "onnx-caffe2"
    assert summary.inputs == (TensorInfo("gpu_0/data_0", "float32", (1, 3, 224, 224)),)
    assert summary.outputs == (TensorInfo("gpu_0/softmax_1", "float32", (1, 1000)),)
    assert summary.num_nodes == 415 and summary.num_initializers == 269
    assert summary.op_counts[0] == ("ConstantOfShape", 239)
    assert summary.op_counts[1:3] == (("BatchNormalization", 53), ("Conv", 53))  # a tie sorts by name


def test_path_bytes_and_proto_give_the_same_summary() -> None:
    path = ol.data.real_model_path("squeezenet")
    from_path = describe_model(path)
    assert describe_model(str(path)) == from_path
    assert describe_model(path.read_bytes()) == from_path
    assert describe_model(onnx.load(str(path))) == from_path


def test_dtypes_dims_and_non_tensor_inputs() -> None:
    vi = helper.make_tensor_value_info
    inputs = [
        vi("image", TensorProto.FLOAT, ["batch", 3, None, 224]),
        vi("ids", TensorProto.INT64, ["batch", "seq"]),
        vi("mask", TensorProto.BOOL, [4]),
        vi("words", TensorProto.STRING, [1]),
        vi("half", TensorProto.FLOAT16, []),
        vi("anything", TensorProto.DOUBLE, None),
        helper.make_tensor_sequence_value_info("seq", TensorProto.FLOAT, None),
        helper.make_value_info(
            "maybe", helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.INT32, [2]))
        ),
        helper.make_value_info(
            "table",
            helper.make_map_type_proto(TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.FLOAT, [])),
        ),
    ]
    node = helper.make_node("Identity", ["image"], ["out"])
    summary = describe_model(_model([node], inputs, [vi("out", TensorProto.FLOAT, ["batch", 3, None, 224])]))
    assert [(t.name, t.dtype, t.shape) for t in summary.inputs] == [
        ("image", "float32", ("batch", 3, None, 224)),
        ("ids", "int64", ("batch", "seq")),
        ("mask", "bool", (4,)),
        ("words", "string", (1,)),
        ("half", "float16", ()),
        ("anything", "float64", None),
        ("seq", "sequence<tensor(float32)>", None),
        ("maybe", "optional<tensor(int32)>", None),
        ("table", "map<string, tensor(float32)>", None),
    ]
    text = str(summary)
    assert "image: float32[batch, 3, ?, 224]" in text
    assert "half: float16[]" in text
    assert "anything: float64 (unknown rank)" in text
    assert "seq: sequence<tensor(float32)>\n" in text


def test_initializer_listed_as_input_is_not_a_real_input() -> None:
    vi = helper.make_tensor_value_info
    weight = numpy_helper.from_array(np.ones((3, 4), dtype=np.float32), "w")
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    model = _model(
        [node], [vi("x", TensorProto.FLOAT, [2, 3]), vi("w", TensorProto.FLOAT, [3, 4])],
        [vi("y", TensorProto.FLOAT, [2, 4])], [weight],
    )
    summary = describe_model(model)
    assert [t.name for t in summary.inputs] == ["x"]
    assert summary.num_initializers == 1 and summary.num_parameters == 12


def test_custom_domain_opset_and_op() -> None:
    vi = helper.make_tensor_value_info
    nodes = [helper.make_node("MyOp", ["x"], ["t"], domain="com.example"), helper.make_node("Relu", ["t"], ["y"])]
    model = _model(
        nodes, [vi("x", TensorProto.FLOAT, [2])], [vi("y", TensorProto.FLOAT, [2])],
        opsets=(("", 17), ("com.example", 1)),
    )
    model.producer_name, model.producer_version = "handmade", "1.0"
    summary = describe_model(model)
    assert summary.opsets == (("ai.onnx", 17), ("com.example", 1))
    assert summary.op_counts == (("Relu", 1), ("com.example.MyOp", 1))
    assert summary.producer == "handmade 1.0"
    assert "opsets ai.onnx 17, com.example 1" in str(summary)


def test_summary_text_and_html_are_stable_and_escaped() -> None:
    vi = helper.make_tensor_value_info
    model = _model([helper.make_node("Relu", ["<x>"], ["y&z"])], [vi("<x>", TensorProto.FLOAT, ["n"])],
                   [vi("y&z", TensorProto.FLOAT, ["n"])], name="<b>bold</b>")
    first, second = describe_model(model), describe_model(model)
    assert isinstance(first, ModelSummary)
    for render in (str, repr, lambda s: s._repr_html_()):
        assert render(first) == render(second)
        assert "0x" not in render(first)
    assert repr(first) == str(first) and str(first).count("\n") >= 8
    page = first._repr_html_()
    assert "&lt;x&gt;: float32[n]" in page and "y&amp;z" in page and "&lt;b&gt;bold" in page
    assert "<x>" not in page and "<b>" not in page
    assert page.startswith("<table>") and page.endswith("</table>")


def test_real_summary_has_no_path() -> None:
    path = ol.data.real_model_path("squeezenet")
    summary = describe_model(path)
    assert str(path.parent) not in str(summary) and str(path.parent) not in summary._repr_html_()


def test_summary_is_frozen() -> None:
    summary = describe_model(_chain("Relu"))
    with pytest.raises(AttributeError):
        summary.num_nodes = 3  # type: ignore[misc]


@pytest.mark.parametrize("function", [describe_model, show_graph])
def test_missing_path_passes_load_model_error_through(function, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"No model file at .*nope\.onnx.*lessons/01_onnx_format\.ipynb"):
        function(tmp_path / "nope.onnx")


# --- show_graph ----------------------------------------------------------------------------


def _legend_texts(fig: Figure) -> list[str]:
    legends = fig.legends or [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [t.get_text() for t in legends[0].get_texts()]


def _heading(fig: Figure) -> str:
    return fig._suptitle.get_text() if fig._suptitle else fig.axes[0].get_title()


@pytest.mark.parametrize("name", ["squeezenet", "resnet50"])
def test_show_graph_real_models(name: str) -> None:
    model = _real(name)
    counts = Counter(node.op_type for node in model.graph.node)
    hidden = counts.pop("ConstantOfShape")
    fig = show_graph(ol.data.real_model_path(name))
    assert isinstance(fig, Figure)
    legend = _legend_texts(fig)
    assert sorted(legend[:-1]) == sorted(f"{op} ({n})" for op, n in counts.items())
    assert legend[-1] == "graph input / output"
    assert f"{hidden} ConstantOfShape nodes hidden" in _heading(fig)
    assert f"{sum(counts.values())} nodes shown" in _heading(fig)
    ax = fig.axes[0]
    assert len(ax.texts) == sum(counts.values()) + 2  # one label per node, one input, one output
    width, height = fig.get_size_inches()
    assert width <= 16.01 and height <= 12.01


def test_resnet50_wraps_into_columns() -> None:
    fig = show_graph(ol.data.real_model_path("resnet50"))
    xs = {round(t.get_position()[0]) for t in fig.axes[0].texts}
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert max(xs) - min(xs) >= 8  # several columns, not one 170-row tower
    assert {"Conv", "BatchNorm", "Relu", "Sum", "gpu_0/data_0"} <= labels


def test_hide_ops_nothing_shows_constantofshape() -> None:
    fig = show_graph(ol.data.real_model_path("squeezenet"), hide_ops=())
    assert "ConstantOfShape (39)" in _legend_texts(fig)
    assert "hidden" not in _heading(fig)


def test_edges_pass_through_hidden_nodes() -> None:
    model = _chain("Relu", "Identity", "Neg")
    fig = show_graph(model, hide_ops="Identity", title="chain")
    lines = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)][0]
    assert len(lines.get_segments()) == 3  # x->Relu, Relu->Neg (through Identity), Neg->y
    assert _heading(fig) == "chain\n1 Identity node hidden"
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["Neg", "Relu", "x", "y"]


def test_max_nodes_error_wording() -> None:
    path = ol.data.real_model_path("resnet50")
    with pytest.raises(
        ValueError,
        match=r"The graph has 176 nodes to draw, more than max_nodes=100\. Hide more op types, e\.g\. "
        r"hide_ops=\('BatchNormalization', 'Conv'\), or pass a larger max_nodes, e\.g\. max_nodes=176; "
        r"see lessons/01_onnx_format\.ipynb",
    ):
        show_graph(path, max_nodes=100)
    assert isinstance(show_graph(path, max_nodes=176), Figure)


@pytest.mark.parametrize(("bad", "error"), [(0, ValueError), (-3, ValueError), (2.5, TypeError), ("10", TypeError),
                                            (True, TypeError)])
def test_bad_max_nodes(bad, error) -> None:
    # One rule (ortlearn._checks): a wrong type raises TypeError, a wrong value ValueError.
    with pytest.raises(error, match=r"max_nodes must be None \(no limit\) or an int >= 1; got .*01_onnx"):
        show_graph(_chain("Relu"), max_nodes=bad)


@pytest.mark.parametrize("bad", [3, ["Constant", 1]])
def test_bad_hide_ops(bad) -> None:
    with pytest.raises(TypeError, match=r"hide_ops must be op type names, e\.g\. \('Constant', 'ConstantOfShape'\)"):
        show_graph(_chain("Relu"), hide_ops=bad)


def test_bad_ax() -> None:
    _, axes = plt.subplots(1, 2)
    with pytest.raises(TypeError, match=r"ax must be None or a matplotlib Axes; got ndarray"):
        show_graph(_chain("Relu"), ax=axes)


def test_draws_into_given_ax() -> None:
    fig, (left, right) = plt.subplots(1, 2)
    assert show_graph(_chain("Relu", "Neg"), ax=right) is fig
    assert [t.get_text() for t in right.texts] == ["x", "Relu", "Neg", "y"]
    assert not left.texts and right.get_legend() is not None


def test_odd_graphs_still_draw() -> None:
    vi = helper.make_tensor_value_info
    empty = _model([], [], [], name="empty")
    fig = show_graph(empty)
    assert "no inputs, nodes or outputs" in fig.axes[0].texts[0].get_text()
    passthrough = _model([], [vi("x", TensorProto.FLOAT, [1])], [vi("x", TensorProto.FLOAT, [1])])
    assert isinstance(show_graph(passthrough), Figure)
    # A node with no inputs, one reading an outer-scope name, and an If with subgraphs.
    branch = helper.make_graph([helper.make_node("Neg", ["x"], ["b"])], "branch", [], [vi("b", TensorProto.FLOAT, [1])])
    nodes = [
        helper.make_node("RandomNormal", [], ["r"], shape=[1]),
        helper.make_node("Add", ["r", "from_outer_scope"], ["s"]),
        helper.make_node("If", ["cond"], ["y"], then_branch=branch, else_branch=branch),
    ]
    model = _model(nodes, [vi("cond", TensorProto.BOOL, []), vi("x", TensorProto.FLOAT, [1])],
                   [vi("y", TensorProto.FLOAT, [1]), vi("s", TensorProto.FLOAT, [1])])
    fig = show_graph(model)
    assert "If/Loop/Scan bodies not drawn" in _heading(fig)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["Add", "If", "RandomNor…", "cond", "s", "x", "y"]


def test_long_op_names_are_abbreviated() -> None:
    fig = show_graph(_chain("BatchNormalization", "GlobalAveragePool", "SomeVeryLongCustomOperator"))
    assert [t.get_text() for t in fig.axes[0].texts] == ["x", "BatchNorm", "GlobalAvg", "SomeVeryL…", "y"]
    assert "SomeVeryLongCustomOperator (1)" in _legend_texts(fig)


def test_importing_ortlearn_graph_stays_light() -> None:
    code = (
        "import sys, ortlearn, ortlearn.graph; "
        "heavy = [m for m in ('matplotlib', 'matplotlib.pyplot', 'onnx', 'numpy') if m in sys.modules]; "
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
