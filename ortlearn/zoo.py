"""Small models the course builds itself, deterministically and offline.

Introduced in lessons/01_onnx_format.ipynb (``make_relu_linear_model`` is the
model that lesson builds by hand).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnx

__all__ = ["make_relu_linear_model"]


def make_relu_linear_model(seed: int = 0) -> "onnx.ModelProto":
    """Build ``y = relu(x·W + b)`` with x: float[batch, 4] and y: float[batch, 3].

    The same graph lessons/01_onnx_format.ipynb writes by hand with ``onnx.helper``
    (opset 21, IR version 10): MatMul → Add → Relu, weights from
    ``numpy.random.default_rng(seed)``, bias ``[0.5, -0.25, 0.1]``.

    Args:
        seed: Seed for the weights.

    Returns:
        A checked ``onnx.ModelProto``.

    Example:
        >>> import ortlearn as ol
        >>> [n.op_type for n in ol.zoo.make_relu_linear_model().graph.node]
        ['MatMul', 'Add', 'Relu']
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((4, 3)).astype(np.float32)
    bias = np.array([0.5, -0.25, 0.1], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xW"], name="matmul"),
            helper.make_node("Add", ["xW", "b"], ["z"], name="add"),
            helper.make_node("Relu", ["z"], ["y"], name="relu"),
        ],
        "relu_linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="ortlearn")
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model
