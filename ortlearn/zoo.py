"""Small models the course builds itself, deterministically and offline.

``make_relu_linear_model`` is the model lessons/01_onnx_format.ipynb builds by
hand; ``make_conv_bn_relu_model`` is the small convolutional network that
lessons/03_providers.ipynb optimizes; ``make_digits_cnn`` and
``train_digits_cnn`` are the PyTorch network that lessons/04_export.ipynb
trains in about a second and exports; ``load_digits_cnn`` gives the same
network with the reference weights shipped in the package, so every computer
sees the same model (lessons 05–07 use it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# The digits CNN lives in ortlearn.training; ol.zoo keeps offering it (lessons 04-07 use ol.zoo.*).
from ortlearn.training import (
    REFERENCE_WEIGHTS_PATH, EpochStats, TrainingResult, load_digits_cnn, make_digits_cnn, save_reference_weights,
    train_digits_cnn,
)

if TYPE_CHECKING:  # onnx, torch and matplotlib are imported lazily: ``import ortlearn.zoo`` stays light
    import onnx

__all__ = [
    "make_conv_bn_relu_model", "make_relu_linear_model",
    "EpochStats", "TrainingResult", "make_digits_cnn", "train_digits_cnn", "load_digits_cnn",
    "REFERENCE_WEIGHTS_PATH", "save_reference_weights",
]


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


def make_conv_bn_relu_model(seed: int = 0) -> "onnx.ModelProto":
    """Build a small CNN whose graph ONNX Runtime's optimizer visibly rewrites.

    ``x: float[batch, 3, 32, 32]`` → Conv → BatchNormalization → Relu → Conv →
    Relu → GlobalAveragePool → Flatten → ``y: float[batch, 16]`` (opset 17, IR
    10, random weights from ``numpy.random.default_rng(seed)``). At the
    "basic" level ORT folds the BatchNormalization into the first Conv; at
    "extended" it fuses each Conv with its Relu into ``com.microsoft.FusedConv``.

    Introduced in lessons/03_providers.ipynb.

    Args:
        seed: Seed for the weights.

    Returns:
        A checked ``onnx.ModelProto`` with 7 nodes.

    Example:
        >>> import ortlearn as ol
        >>> [n.op_type for n in ol.zoo.make_conv_bn_relu_model().graph.node][:3]
        ['Conv', 'BatchNormalization', 'Relu']
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    weights = {
        "w1": rng.standard_normal((8, 3, 3, 3)) * 0.5,
        "b1": rng.standard_normal(8),
        "bn_scale": rng.uniform(0.5, 1.5, 8),
        "bn_bias": rng.standard_normal(8),
        "bn_mean": rng.standard_normal(8) * 0.1,
        "bn_var": rng.uniform(0.5, 2.0, 8),
        "w2": rng.standard_normal((16, 8, 3, 3)) * 0.2,
        "b2": rng.standard_normal(16),
    }
    initializers = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in weights.items()]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["n1"], name="bn1"),
        helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1], name="conv2"),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["pooled"], name="pool"),
        helper.make_node("Flatten", ["pooled"], ["y"], name="flatten"),
    ]
    graph = helper.make_graph(
        nodes,
        "conv_bn_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 16])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="ortlearn")
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model
