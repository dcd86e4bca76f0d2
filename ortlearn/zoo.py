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

import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ortlearn.data import DigitsSplit, load_digits_split
from ortlearn.lessons import lesson_path

if TYPE_CHECKING:  # onnx, torch and matplotlib are imported lazily: ``import ortlearn.zoo`` stays light
    import onnx
    import torch
    from matplotlib.figure import Figure

__all__ = [
    "make_conv_bn_relu_model", "make_relu_linear_model",
    "EpochStats", "TrainingResult", "make_digits_cnn", "train_digits_cnn", "load_digits_cnn",
    "REFERENCE_WEIGHTS_PATH",
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


# --- The digits CNN (lessons/04_export.ipynb) ----------------------------------------

_MAX_SEED = 2**32 - 1
_CACHE_SIZE = 16  # trained states kept in memory (about 0.15 MB each)


def make_digits_cnn(seed: int = 0) -> "torch.nn.Sequential":
    """Build the small CNN that classifies scikit-learn's 8×8 digits (untrained).

    ``x: float[N, 1, 8, 8]`` → logits ``float[N, 10]``::

        conv1  Conv2d(1, 16, 3, padding=1)   → 16×8×8
        bn1    BatchNorm2d(16)
        relu1  ReLU
        conv2  Conv2d(16, 32, 3, padding=1)  → 32×8×8
        relu2  ReLU
        pool   MaxPool2d(2)                  → 32×4×4
        drop1  Dropout(0.25)
        flatten                              → 512
        fc1    Linear(512, 64)
        relu3  ReLU
        drop2  Dropout(0.25)
        fc2    Linear(64, 10)                → 10 logits

    BatchNorm and Dropout behave differently in ``train()`` and ``eval()``
    mode, which is why an export must start with ``model.eval()``.

    The weights are PyTorch's default initialization drawn after seeding the
    CPU generator with ``seed``; the generator's previous state is restored
    afterwards (``torch.random.fork_rng``), so calling this does not change
    your own random numbers.

    Introduced in lessons/04_export.ipynb.

    Args:
        seed: Seed for the initial weights, an int from 0 to 2**32 - 1.

    Returns:
        A ``torch.nn.Sequential`` in training mode (38,314 parameters).

    Raises:
        TypeError: ``seed`` is not an int.
        ValueError: ``seed`` is out of range.

    Example:
        >>> import torch, ortlearn as ol
        >>> ol.zoo.make_digits_cnn(seed=0)(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """
    seed = _check_int("seed", seed, 0, _MAX_SEED)
    from collections import OrderedDict

    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):  # devices=[]: leave any CUDA generator alone
        torch.default_generator.manual_seed(seed)
        return nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 16, kernel_size=3, padding=1)),
            ("bn1", nn.BatchNorm2d(16)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(16, 32, kernel_size=3, padding=1)),
            ("relu2", nn.ReLU()),
            ("pool", nn.MaxPool2d(2)),
            ("drop1", nn.Dropout(0.25)),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(32 * 4 * 4, 64)),
            ("relu3", nn.ReLU()),
            ("drop2", nn.Dropout(0.25)),
            ("fc2", nn.Linear(64, 10)),
        ]))


@dataclass(frozen=True, repr=False)
class EpochStats:
    """One row of a training trace. Introduced in lessons/04_export.ipynb.

    Attributes:
        epoch: The epoch number, from 1.
        train_loss: Mean cross-entropy over the epoch's mini-batches, as the
            optimizer saw them (training mode: dropout on, weights changing).
        train_accuracy: Accuracy on the whole training part at the end of the
            epoch, in ``eval()`` mode.
        test_accuracy: Accuracy on the held-out test part at the end of the
            epoch, in ``eval()`` mode.
    """

    epoch: int
    train_loss: float
    train_accuracy: float
    test_accuracy: float

    def __repr__(self) -> str:
        return (f"EpochStats(epoch={self.epoch}, train_loss={self.train_loss:.4f}, "
                f"train_accuracy={self.train_accuracy:.4f}, test_accuracy={self.test_accuracy:.4f})")


@dataclass(frozen=True, eq=False, repr=False)
class TrainingResult:
    """What :func:`train_digits_cnn` returns: the model and its training trace.

    ``repr(result)`` is one line with the final numbers; ``print(result)``
    shows the epoch-by-epoch table; ``result.plot_history();`` draws it.

    Introduced in lessons/04_export.ipynb.

    Attributes:
        model: The trained ``torch.nn.Sequential``, in ``eval()`` mode. Each
            call of :func:`train_digits_cnn` returns a new copy, yours to change.
        history: One :class:`EpochStats` per epoch.
        split: The :class:`~ortlearn.data.DigitsSplit` it was trained and tested on.
        seed: The seed of the initial weights, the shuffling and dropout.
        batch_size: Images per optimizer step.
        lr: Adam's learning rate.
    """

    model: "torch.nn.Module"
    history: tuple[EpochStats, ...]
    split: DigitsSplit
    seed: int
    batch_size: int
    lr: float

    @property
    def final(self) -> EpochStats:
        """The last epoch's :class:`EpochStats`."""
        return self.history[-1]

    def __repr__(self) -> str:
        last = self.final
        return (f"TrainingResult(seed={self.seed}, epochs={len(self.history)}, batch_size={self.batch_size}, "
                f"lr={self.lr:g}, train_loss={last.train_loss:.4f}, train_accuracy={last.train_accuracy:.4f}, "
                f"test_accuracy={last.test_accuracy:.4f})")

    def __str__(self) -> str:
        lines = [repr(self), "epoch  train_loss  train_accuracy  test_accuracy"]
        lines += [f"{s.epoch:>5}  {s.train_loss:>10.4f}  {s.train_accuracy:>14.4f}  {s.test_accuracy:>13.4f}"
                  for s in self.history]
        return "\n".join(lines)

    def plot_history(self) -> "Figure":
        """Plot the loss and the train/test accuracy per epoch, side by side.

        The figure is made with pyplot, so Jupyter shows it; end the cell with
        ``;`` (``result.plot_history();``) to keep its repr out of the output.

        Returns:
            The matplotlib figure (two axes: loss, accuracy).
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        epochs = [s.epoch for s in self.history]
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
        ax_loss.plot(epochs, [s.train_loss for s in self.history], marker="o", label="train (mini-batches)")
        ax_loss.set(title="Loss", xlabel="epoch", ylabel="cross-entropy")
        ax_loss.legend(loc="upper right")
        ax_acc.plot(epochs, [s.train_accuracy for s in self.history], marker="o", label="train")
        ax_acc.plot(epochs, [s.test_accuracy for s in self.history], marker="s", label="test (held out)")
        ax_acc.set(title="Accuracy (eval mode)", xlabel="epoch", ylabel="accuracy")
        ax_acc.legend(loc="lower right")
        for ax in (ax_loss, ax_acc):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        fig.suptitle(f"Digits CNN, seed {self.seed}: {len(self.history)} epochs")
        return fig


@dataclass(frozen=True)
class _TrainedState:
    """What the cache keeps: weights (never handed out) and the trace."""

    state: dict
    history: tuple[EpochStats, ...]


_TRAINED: dict[tuple[int, int, int, float], _TrainedState] = {}


def train_digits_cnn(
    seed: int = 0,
    epochs: int = 8,
    batch_size: int = 64,
    lr: float = 3e-3,
    progress: bool = True,
    split: Optional[DigitsSplit] = None,
) -> TrainingResult:
    """Train :func:`make_digits_cnn` on the digits, deterministically, on the CPU.

    Adam with cross-entropy loss, mini-batches in an order shuffled by
    ``seed``. After each epoch the model is scored in ``eval()`` mode on the
    training and the test part. With the defaults it takes about a second and
    reaches about 98 % test accuracy.

    The same arguments give bit-identical weights on the same machine: the
    initial weights, shuffling and dropout all come from ``seed``, and
    training runs on one CPU thread (results would otherwise depend on how
    many threads run a convolution). Your global torch random state and
    ``torch.get_num_threads()`` are restored afterwards. Other machines may
    round differently in the last digits.

    With ``split=None`` the data are ``load_digits_split(seed)`` and the
    trained weights are cached in this Python process: repeating the call
    returns at once (without a progress bar), and each call still returns a
    new model you may change. A ``split`` you pass is trained on every time.
    Nothing is downloaded and no file is written.

    Introduced in lessons/04_export.ipynb.

    Args:
        seed: Seed for the split (when ``split`` is None), the initial weights,
            the shuffling and dropout; an int from 0 to 2**32 - 1.
        epochs: Passes over the training images, an int >= 1.
        batch_size: Images per optimizer step, an int >= 1.
        lr: Adam's learning rate, a number > 0.
        progress: Show a progress bar over the epochs (``tqdm.auto``) with the
            latest loss and accuracies. Pass False for no output at all.
        split: The data to train and test on; None loads ``load_digits_split(seed)``.

    Returns:
        A :class:`TrainingResult` whose ``model`` is in ``eval()`` mode.

    Raises:
        TypeError: An argument has the wrong type.
        ValueError: An argument is out of range.

    Example:
        >>> import ortlearn as ol
        >>> result = ol.zoo.train_digits_cnn(seed=0, progress=False)
        >>> result.model.training, result.final.test_accuracy > 0.95
        (False, True)
    """
    seed = _check_int("seed", seed, 0, _MAX_SEED)
    epochs = _check_int("epochs", epochs, 1)
    batch_size = _check_int("batch_size", batch_size, 1)
    lr = _check_lr(lr)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False; got {type(progress).__name__}: {progress!r}. "
                        f"See {lesson_path('04_export')}.")
    if split is not None and not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit from ortlearn.data.load_digits_split() or None; got "
                        f"{type(split).__name__}. See {lesson_path('04_export')}.")

    if split is None:
        split = load_digits_split(seed)
        key = (seed, epochs, batch_size, lr)
        trained = _TRAINED.get(key)
        if trained is None:
            trained = _train_digits_state(split, seed, epochs, batch_size, lr, progress)
            while len(_TRAINED) >= _CACHE_SIZE:
                del _TRAINED[next(iter(_TRAINED))]  # forget the oldest
            _TRAINED[key] = trained
    else:
        trained = _train_digits_state(split, seed, epochs, batch_size, lr, progress)

    model = make_digits_cnn(seed)
    model.load_state_dict(trained.state)  # copies: the cached tensors stay private
    model.eval()
    return TrainingResult(model=model, history=trained.history, split=split, seed=seed,
                          batch_size=batch_size, lr=lr)


def _train_digits_state(
    split: DigitsSplit, seed: int, epochs: int, batch_size: int, lr: float, progress: bool
) -> _TrainedState:
    """Train a fresh :func:`make_digits_cnn` (no cache); return its weights and trace."""
    import torch
    from torch.nn import functional as F
    from tqdm.auto import tqdm

    x_train, y_train = torch.tensor(split.x_train), torch.tensor(split.y_train)  # copies
    x_test, y_test = torch.tensor(split.x_test), torch.tensor(split.y_test)
    model = make_digits_cnn(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)  # the shuffling's own generator
    history = []
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)  # thread count changes float rounding; one thread is also fastest here
        with torch.random.fork_rng(devices=[]), tqdm(
                range(1, epochs + 1), desc="Training digits CNN", unit="epoch", disable=not progress) as bar:
            torch.default_generator.manual_seed(seed)  # dropout draws from the (forked) CPU generator
            for epoch in bar:
                model.train()
                total_loss = 0.0
                permutation = torch.randperm(len(x_train), generator=order)
                for start in range(0, len(x_train), batch_size):
                    batch = permutation[start:start + batch_size]
                    optimizer.zero_grad()
                    loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
                    loss.backward()
                    optimizer.step()
                    total_loss += loss.item() * len(batch)
                model.eval()
                stats = EpochStats(epoch=epoch, train_loss=total_loss / len(x_train),
                                   train_accuracy=_accuracy(model, x_train, y_train),
                                   test_accuracy=_accuracy(model, x_test, y_test))
                history.append(stats)
                bar.set_postfix({"loss": f"{stats.train_loss:.4f}", "train_acc": f"{stats.train_accuracy:.4f}",
                                 "test_acc": f"{stats.test_accuracy:.4f}"})  # a dict keeps this order
    finally:
        torch.set_num_threads(threads)
    state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    return _TrainedState(state=state, history=tuple(history))


#: The reference weights of ``train_digits_cnn(seed=0)`` with its default
#: arguments, trained once by ``scripts/make_reference_weights.py`` and shipped
#: with the package (about 160 kB). See :func:`load_digits_cnn`.
REFERENCE_WEIGHTS_PATH = Path(__file__).with_name("weights") / "digits_cnn_seed0.npz"

_REFERENCE_ARGS = {"seed": 0, "epochs": 8, "batch_size": 64, "lr": 3e-3}


def load_digits_cnn() -> TrainingResult:
    """Load the digits CNN with the course's reference weights: the same model on every computer.

    Training is deterministic on one machine, but not across machines:
    PyTorch picks its float kernels by instruction set (AVX-512, AVX2, ARM
    NEON…), the last bits of each step differ, and Adam amplifies those
    differences over a few hundred steps. Measured: the same
    ``train_digits_cnn(seed=0)`` call reaches test accuracy 0.9822 with
    AVX2/AVX-512 kernels and 0.9800 with the baseline kernels. So the course
    trains once (``scripts/make_reference_weights.py`` runs
    :func:`train_digits_cnn` with its defaults, seed 0) and ships the weights
    and the training trace; every lesson after 04 starts from them, and every
    learner sees the same numbers.

    Nothing is downloaded: the file is package data.

    Introduced in lessons/04_export.ipynb.

    Returns:
        A :class:`TrainingResult` like ``train_digits_cnn(seed=0)`` returns:
        a new model in ``eval()`` mode (yours to change), the recorded history,
        and ``load_digits_split(0)``.

    Raises:
        FileNotFoundError: The package was installed without its weights file.

    Example:
        >>> import ortlearn as ol
        >>> reference = ol.zoo.load_digits_cnn()
        >>> reference.final.test_accuracy
        0.9822222222222222
    """
    import numpy as np
    import torch

    if not REFERENCE_WEIGHTS_PATH.is_file():
        raise FileNotFoundError(
            f"The digits CNN's reference weights are missing: expected {REFERENCE_WEIGHTS_PATH}. "
            "Reinstall the course (`make venv`, or `pip install -e .` in the repository), or recreate them with "
            "`python scripts/make_reference_weights.py`.")
    with np.load(REFERENCE_WEIGHTS_PATH, allow_pickle=False) as stored:
        state = {key[len("state/"):]: torch.from_numpy(stored[key].copy()) for key in stored.files
                 if key.startswith("state/")}
        trace = stored["history"]
    history = tuple(EpochStats(epoch=int(row[0]), train_loss=float(row[1]), train_accuracy=float(row[2]),
                               test_accuracy=float(row[3])) for row in trace)
    seed = _REFERENCE_ARGS["seed"]
    model = make_digits_cnn(seed)
    model.load_state_dict(state)
    model.eval()
    return TrainingResult(model=model, history=history, split=load_digits_split(seed), seed=seed,
                          batch_size=_REFERENCE_ARGS["batch_size"], lr=_REFERENCE_ARGS["lr"])


def save_reference_weights(path: Path = REFERENCE_WEIGHTS_PATH) -> TrainingResult:
    """Train ``train_digits_cnn(seed=0)`` with its defaults and write the reference file.

    For maintainers (``scripts/make_reference_weights.py``); learners never need it.

    Args:
        path: Where to write the ``.npz`` file.

    Returns:
        The :class:`TrainingResult` that was saved.
    """
    import numpy as np

    result = train_digits_cnn(progress=False, **_REFERENCE_ARGS)
    arrays = {f"state/{name}": tensor.detach().numpy() for name, tensor in result.model.state_dict().items()}
    arrays["history"] = np.array([[s.epoch, s.train_loss, s.train_accuracy, s.test_accuracy]
                                  for s in result.history], dtype=np.float64)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    tmp.replace(path)
    return result


def _accuracy(model: "torch.nn.Module", x: "torch.Tensor", y: "torch.Tensor") -> float:
    """The fraction of images whose highest logit is the label (an exact Python float)."""
    import torch

    with torch.no_grad():
        return int((model(x).argmax(dim=1) == y).sum()) / len(y)


def _check_int(what: str, value: object, low: int, high: Optional[int] = None) -> int:
    expected = f"an int >= {low}" if high is None else f"an int from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be {expected}; got {type(value).__name__}: {value!r}. "
                        f"See {lesson_path('04_export')}.")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{what} must be {expected}; got {value!r}. See {lesson_path('04_export')}.")
    return int(value)


def _check_lr(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"lr must be a number > 0; got {type(lr).__name__}: {lr!r}. "
                        f"See {lesson_path('04_export')}.")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}. See {lesson_path('04_export')}.")
    return float(lr)
