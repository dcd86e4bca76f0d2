"""The digits data and the digits CNN of lessons/04_export.ipynb (ortlearn.data, ortlearn.zoo)."""

from __future__ import annotations

import json
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from ortlearn import training, zoo
from ortlearn.data import DigitsSplit, load_digits_split
from ortlearn.zoo import EpochStats, TrainingResult, make_digits_cnn, train_digits_cnn

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def result() -> TrainingResult:
    """The default training run, shared by the tests (later calls hit the in-process cache)."""
    return train_digits_cnn(seed=0, progress=False)


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def _same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[name], b[name]) for name in a)


# --- load_digits_split -----------------------------------------------------------------

def test_split_shapes_dtypes_and_range():
    split = load_digits_split()
    assert split.x_train.shape == (1347, 1, 8, 8) and split.x_test.shape == (450, 1, 8, 8)
    assert split.y_train.shape == (1347,) and split.y_test.shape == (450,)
    assert split.x_train.dtype == np.float32 and split.x_test.dtype == np.float32
    assert split.y_train.dtype == np.int64 and split.y_test.dtype == np.int64
    images = np.concatenate([split.x_train, split.x_test])
    assert images.min() == 0.0 and images.max() == 1.0
    assert set(np.unique(split.y_test)) == set(range(10))
    assert repr(split) == "DigitsSplit(train=1347, test=450, image=1\u00d78\u00d78, classes=10)"


def test_split_keeps_every_image_once_scaled_by_16():
    split = load_digits_split(seed=3)
    digits = load_digits()
    expected = sorted(map(bytes, (digits.data / 16).astype(np.float32)))
    got = sorted(map(bytes, np.concatenate([split.x_train, split.x_test]).reshape(-1, 64)))
    assert got == expected


def test_split_is_stratified():
    split = load_digits_split(seed=1, test_size=0.3)
    overall = np.bincount(load_digits().target) / 1797
    for y in (split.y_train, split.y_test):
        np.testing.assert_allclose(np.bincount(y, minlength=10) / len(y), overall, atol=0.01)


def test_split_is_deterministic_per_seed_and_returns_new_arrays():
    a, b, c = load_digits_split(seed=0), load_digits_split(seed=0), load_digits_split(seed=1)
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.y_test, c.y_test)
    a.x_test[:] = 0
    assert b.x_test.max() == 1.0


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"seed": "0"}, TypeError,
     r"seed must be an int from 0 to 4294967295; got str: '0'\. See lessons/04_export\.ipynb"),
    ({"seed": -1}, ValueError, r"seed must be an int from 0 to 4294967295; got -1\."),
    ({"test_size": 1}, ValueError, r"test_size must be a float strictly between 0 and 1 .*got 1\. See lessons/04"),
    ({"test_size": True}, TypeError, r"test_size must be a float strictly between 0 and 1 .*got bool: True"),
    ({"test_size": 0.001}, ValueError, r"test_size=0\.001 leaves 1795 training and 2 test images, but a stratified "
                                       r"split needs at least 10 \(one per class\) in each part"),
])
def test_split_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits_split(**kwargs)


def test_digits_split_checks_its_arrays():
    split = load_digits_split()
    with pytest.raises(TypeError, match=r"DigitsSplit\.x_train must be a numpy float32 array; got float64 array"):
        DigitsSplit(split.x_train.astype(np.float64), split.x_test, split.y_train, split.y_test)
    with pytest.raises(ValueError,
                       match=r"DigitsSplit\.x_test must be shaped \(N, 1, 8, 8\) \(NCHW\); got \(450, 64\)"):
        DigitsSplit(split.x_train, split.x_test.reshape(450, 64), split.y_train, split.y_test)
    with pytest.raises(ValueError,
                       match=r"DigitsSplit\.y_test must hold one label per image, shape \(450,\); got \(449,\)"):
        DigitsSplit(split.x_train, split.x_test, split.y_train, split.y_test[:-1])


# --- make_digits_cnn -------------------------------------------------------------------

def test_cnn_maps_images_to_ten_logits_and_has_batchnorm_and_dropout():
    model = make_digits_cnn(seed=0)
    assert model(torch.zeros(5, 1, 8, 8)).shape == (5, 10)
    kinds = {type(m) for m in model.modules()}
    assert {torch.nn.BatchNorm2d, torch.nn.Dropout} <= kinds
    assert sum(p.numel() for p in model.parameters()) == 38_314


def test_cnn_is_deterministic_per_seed_and_leaves_the_global_generator_alone():
    state = torch.get_rng_state()
    assert _same_weights(_weights(make_digits_cnn(seed=0)), _weights(make_digits_cnn(seed=0)))
    assert not _same_weights(_weights(make_digits_cnn(seed=0)), _weights(make_digits_cnn(seed=1)))
    assert torch.equal(torch.get_rng_state(), state)


def test_train_mode_changes_outputs():
    """Why export needs model.eval(): dropout (and batch statistics) make train-mode outputs vary."""
    model = make_digits_cnn(seed=0)
    x = torch.from_numpy(load_digits_split().x_test[:8])
    with torch.no_grad():
        model.train()
        first, second = model(x), model(x)
        model.eval()
        evaluated = model(x)
    assert not torch.equal(first, second)
    assert torch.equal(evaluated, model(x).detach())


# --- train_digits_cnn ------------------------------------------------------------------

def test_trained_model_reaches_95_percent_on_held_out_digits(result):
    assert not result.model.training
    x_test, y_test = torch.from_numpy(result.split.x_test), torch.from_numpy(result.split.y_test)
    with torch.no_grad():
        accuracy = (result.model(x_test).argmax(dim=1) == y_test).double().mean().item()
    assert accuracy >= 0.95
    assert accuracy == pytest.approx(result.final.test_accuracy, abs=1e-12)


def test_history_has_one_row_per_epoch(result):
    assert [s.epoch for s in result.history] == list(range(1, 9))
    assert all(isinstance(s, EpochStats) for s in result.history)
    assert result.history[-1].train_loss < result.history[0].train_loss
    assert all(0 <= s.train_accuracy <= 1 and 0 <= s.test_accuracy <= 1 for s in result.history)
    assert result.seed == 0 and result.batch_size == 64 and result.lr == 3e-3


def test_repr_and_table_show_rounded_numbers_without_addresses(result):
    last = result.final
    assert repr(result) == (
        f"TrainingResult(seed=0, epochs=8, batch_size=64, lr=0.003, train_loss={last.train_loss:.4f}, "
        f"train_accuracy={last.train_accuracy:.4f}, test_accuracy={last.test_accuracy:.4f})")
    table = str(result).splitlines()
    assert table[1] == "epoch  train_loss  train_accuracy  test_accuracy"
    assert len(table) == 2 + 8 and table[-1].split()[0] == "8"
    assert repr(result.history[0]).startswith("EpochStats(epoch=1, train_loss=")
    assert "0x" not in repr(result) + str(result)


def test_training_is_bit_identical_with_and_without_the_cache(result):
    again = train_digits_cnn(seed=0, progress=False)
    assert _same_weights(_weights(result.model), _weights(again.model))
    assert again.history == result.history

    cached = dict(training._TRAINED)
    training._TRAINED.clear()
    split = load_digits_split(seed=0)
    threads = torch.get_num_threads()
    try:
        first = training._train_digits_state(split, 0, 8, 64, 3e-3, False)
        assert training._TRAINED == {}  # the internal function trains every time
        torch.set_num_threads(2)  # the caller's thread count must not change the result
        second = training._train_digits_state(split, 0, 8, 64, 3e-3, False)
    finally:
        torch.set_num_threads(threads)
        training._TRAINED.update(cached)
    assert _same_weights(first.state, second.state)
    assert first.history == second.history == result.history
    assert _same_weights(first.state, _weights(result.model))


def test_training_restores_the_global_generator_and_thread_count():
    torch.manual_seed(123)
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    train_digits_cnn(seed=5, epochs=1, progress=False)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads


def test_each_call_returns_a_new_model_and_split(result):
    mine = train_digits_cnn(seed=0, progress=False)  # from the cache, like `result`
    with torch.no_grad():
        for parameter in mine.model.parameters():
            parameter.zero_()
    mine.split.x_test[:] = 0
    again = train_digits_cnn(seed=0, progress=False)
    assert again.model is not mine.model and again.split is not mine.split
    assert _same_weights(_weights(again.model), _weights(result.model))
    assert again.split.x_test.max() == 1.0
    x_test, y_test = torch.from_numpy(again.split.x_test), torch.from_numpy(again.split.y_test)
    with torch.no_grad():
        assert (again.model(x_test).argmax(dim=1) == y_test).double().mean().item() >= 0.95


def test_a_given_split_is_used():
    split = load_digits_split(seed=7, test_size=0.5)
    trained = train_digits_cnn(seed=0, epochs=1, progress=False, split=split)
    assert trained.split is split and len(trained.history) == 1


def test_progress_bar_only_when_asked(capsys):
    train_digits_cnn(seed=2, epochs=1, progress=False)
    assert capsys.readouterr().err == ""
    train_digits_cnn(seed=3, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "Training digits CNN" in err and "train_acc=" in err and "test_acc=" in err


def test_plot_history_draws_loss_and_accuracy(result):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    figure = result.plot_history()
    try:
        assert isinstance(figure, Figure)
        loss_axes, accuracy_axes = figure.axes
        assert [line.get_label() for line in accuracy_axes.get_lines()] == ["train", "test (held out)"]
        np.testing.assert_allclose(accuracy_axes.get_lines()[1].get_ydata(),
                                   [s.test_accuracy for s in result.history])
        np.testing.assert_allclose(loss_axes.get_lines()[0].get_ydata(), [s.train_loss for s in result.history])
    finally:
        plt.close("all")


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"seed": 1.0}, TypeError, r"seed must be an int from 0 to 4294967295; got float: 1\.0\. See lessons/04_export"),
    ({"epochs": 0}, ValueError, r"epochs must be an int >= 1; got 0\. See lessons/04_export\.ipynb"),
    ({"batch_size": "64"}, TypeError, r"batch_size must be an int >= 1; got str: '64'"),
    ({"lr": -0.1}, ValueError, r"lr must be a finite number > 0; got -0\.1\."),
    ({"lr": float("nan")}, ValueError, r"lr must be a finite number > 0; got nan\."),
    ({"progress": "yes"}, TypeError, r"progress must be True or False; got str: 'yes'"),
    ({"split": {"x_train": None}}, TypeError, r"split must be a DigitsSplit from ortlearn\.data\.load_digits_split\(\) "
                                              r"or None; got dict"),
])
def test_train_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        train_digits_cnn(**kwargs)


def test_make_digits_cnn_rejects_a_bad_seed():
    with pytest.raises(ValueError, match=r"seed must be an int from 0 to 4294967295; got 4294967296\."):
        make_digits_cnn(seed=2**32)


# --- import lightness ------------------------------------------------------------------

@pytest.mark.parametrize("module", ["ortlearn.zoo", "ortlearn.data"])
def test_importing_loads_no_torch_sklearn_matplotlib_or_tqdm(module):
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert loaded & {"torch", "sklearn", "matplotlib", "onnx", "tqdm"} == set()


# --- load_digits_cnn: the shipped reference weights --------------------------------------

def test_reference_weights_load_as_an_eval_mode_model_with_its_trace():
    reference = zoo.load_digits_cnn()
    assert isinstance(reference, TrainingResult) and not reference.model.training
    assert (reference.seed, reference.batch_size, reference.lr, len(reference.history)) == (0, 64, 3e-3, 8)
    assert [s.epoch for s in reference.history] == list(range(1, 9))
    assert sum(p.numel() for p in reference.model.parameters()) == 38_314
    x_test, y_test = torch.from_numpy(reference.split.x_test), torch.from_numpy(reference.split.y_test)
    with torch.no_grad():
        accuracy = int((reference.model(x_test).argmax(dim=1) == y_test).sum()) / len(y_test)
    assert accuracy == reference.final.test_accuracy  # the weights are the ones the trace describes


def test_reference_weights_are_a_new_copy_each_time():
    first, second = zoo.load_digits_cnn(), zoo.load_digits_cnn()
    with torch.no_grad():
        next(first.model.parameters()).zero_()
    assert not torch.equal(next(first.model.parameters()), next(second.model.parameters()))


def test_training_here_lands_close_to_the_reference(result):
    # Not bit-identical across CPUs (see load_digits_cnn), but the same recipe: within 2 points.
    assert abs(result.final.test_accuracy - zoo.load_digits_cnn().final.test_accuracy) <= 0.02


def test_missing_reference_weights_say_how_to_get_them(monkeypatch, tmp_path):
    monkeypatch.setattr(training, "REFERENCE_WEIGHTS_PATH", tmp_path / "gone.npz")
    with pytest.raises(FileNotFoundError, match=r"reference weights are missing.*make_reference_weights\.py"):
        zoo.load_digits_cnn()


def test_save_reference_weights_round_trips(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    saved = zoo.save_reference_weights(path)
    monkeypatch.setattr(training, "REFERENCE_WEIGHTS_PATH", path)
    loaded = zoo.load_digits_cnn()
    assert _same_weights(_weights(saved.model), _weights(loaded.model))
    assert loaded.history == saved.history
