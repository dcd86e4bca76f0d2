"""Train the course's digits CNN, deterministically and offline, or load its reference weights.

``make_digits_cnn`` and ``train_digits_cnn`` are the PyTorch network that
lessons/04_export.ipynb trains in about a second and exports;
``load_digits_cnn`` gives the same network with the reference weights shipped in
the package, so every computer sees the same model (lessons 05–07 use it).
``ol.zoo`` re-exports all of them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ortlearn._checks import as_int, as_real, check_ax, check_bool, see, type_error
from ortlearn._files import write_atomic
from ortlearn._table import Table
from ortlearn.data import DigitsSplit, load_digits_split

if TYPE_CHECKING:  # torch and matplotlib are imported lazily: ``import ortlearn.training`` stays light
    import torch
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "EpochStats", "TrainingResult", "make_digits_cnn", "train_digits_cnn", "load_digits_cnn",
    "save_reference_weights", "REFERENCE_WEIGHTS_PATH",
]

_LESSON = "04_export"

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
    seed = as_int("seed", seed, _LESSON, 0, _MAX_SEED)
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
        rows = [(str(s.epoch), f"{s.train_loss:.4f}", f"{s.train_accuracy:.4f}", f"{s.test_accuracy:.4f}")
                for s in self.history]
        table = Table(rows, header=("epoch", "train_loss", "train_accuracy", "test_accuracy"), align="rrrr")
        return "\n".join([repr(self), *table.format_lines()])

    def plot(self, ax: Sequence[Axes] | None = None) -> Figure:
        """Plot the loss and the train/test accuracy per epoch, side by side.

        The figure is made with pyplot, so Jupyter shows it; end the cell with
        ``;`` (``result.plot();``) to keep its repr out of the output.

        Args:
            ax: ``None`` for a new figure, or two matplotlib Axes (loss, accuracy) to draw on.

        Returns:
            The matplotlib figure (two axes: loss, accuracy).
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
        else:
            axes = tuple(ax) if isinstance(ax, Sequence) else ()
            if len(axes) != 2:
                raise type_error("ax", "None or two matplotlib Axes (loss, accuracy)", ax, _LESSON)
            for one in axes:
                check_ax(one, _LESSON)
            ax_loss, ax_acc = axes
            fig = ax_loss.figure
        epochs = [s.epoch for s in self.history]
        ax_loss.plot(epochs, [s.train_loss for s in self.history], marker="o", label="train (mini-batches)")
        ax_loss.set(title="Loss", xlabel="epoch", ylabel="cross-entropy")
        ax_loss.legend(loc="upper right")
        ax_acc.plot(epochs, [s.train_accuracy for s in self.history], marker="o", label="train")
        ax_acc.plot(epochs, [s.test_accuracy for s in self.history], marker="s", label="test (held out)")
        ax_acc.set(title="Accuracy (eval mode)", xlabel="epoch", ylabel="accuracy")
        ax_acc.legend(loc="lower right")
        for one in (ax_loss, ax_acc):
            one.xaxis.set_major_locator(MaxNLocator(integer=True))
            one.grid(alpha=0.3)
        fig.suptitle(f"Digits CNN, seed {self.seed}: {len(self.history)} epochs")
        return fig

    #: The name lessons/04_export.ipynb uses; the same as :meth:`plot`.
    plot_history = plot


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
    split: DigitsSplit | None = None,
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
    seed = as_int("seed", seed, _LESSON, 0, _MAX_SEED)
    epochs = as_int("epochs", epochs, _LESSON, 1)
    batch_size = as_int("batch_size", batch_size, _LESSON, 1)
    lr = as_real("lr", lr, _LESSON, strict=True)
    check_bool("progress", progress, _LESSON)
    if split is not None and not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit from ortlearn.data.load_digits_split() or None; got "
                        f"{type(split).__name__}. {see(_LESSON)}")

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
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(path, buffer.getvalue())
    return result


def _accuracy(model: "torch.nn.Module", x: "torch.Tensor", y: "torch.Tensor") -> float:
    """The fraction of images whose highest logit is the label (an exact Python float)."""
    import torch

    with torch.no_grad():
        return int((model(x).argmax(dim=1) == y).sum()) / len(y)
