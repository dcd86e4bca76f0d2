"""Shared fixtures: small models built in memory (no files, no downloads)."""

from __future__ import annotations

import onnx
import pytest

from ortlearn.zoo import make_relu_linear_model


@pytest.fixture
def relu_linear() -> onnx.ModelProto:
    """relu(x·W + b) with a symbolic batch, as built in lessons/01_onnx_format.ipynb."""
    return make_relu_linear_model()


@pytest.fixture
def relu_linear_path(tmp_path, relu_linear):
    path = tmp_path / "relu_linear.onnx"
    onnx.save(relu_linear, path)
    return path


@pytest.fixture(autouse=True)
def _private_results_folder(tmp_path_factory, monkeypatch):
    """Quiz results written by any test go to a temporary folder, never the tester's home."""
    monkeypatch.setenv("ORTLEARN_DATA_DIR", str(tmp_path_factory.mktemp("ortlearn-data")))


#: The tests `make unit` leaves out (marked ``slow`` here, in one place): each takes seconds
#: because it exports with torch, trains, starts JupyterLab or loads real networks. `make test`
#: runs them all. Entries are module files or ``file::test_name`` (any parametrization).
SLOW_TESTS = (
    "test_export.py",                                    # torch.onnx.export in every test
    "test_digits.py",                                    # trains the digits CNN
    "test_exercises_proofs_export.py",                   # lesson 04's exercise proofs export with torch
    "test_banks.py::test_verify_snippet_holds_on_the_installed_stack",  # the banks' proofs export and run models
    "test_makefile.py::test_make_lab_serves_jupyterlab_on_the_requested_port",  # starts JupyterLab
    "test_feeds.py::test_real_models_feeds_run_in_ort",  # real networks (VGG-19, DenseNet…)
    "test_portability.py::test_the_command_runs_with_the_level_applied",  # imports torch in a child process
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        file = item.path.name
        test = f"{file}::{getattr(item, 'originalname', item.name)}"  # notebook cells have no originalname
        if file in SLOW_TESTS or test in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


# ---------------------------------------------------------------------------------------------- quizzes
# Shared quiz fixtures: sample questions of every type built in memory (no YAML read), a bank of them,
# a fake clock, and the shuffling environment (no class seed leaks in from the tester's shell).


@pytest.fixture(autouse=True)
def _no_class_seed(monkeypatch):
    """No ORTLEARN_QUIZ_SEED from the tester's environment: quizzes shuffle per (temporary) learner."""
    monkeypatch.delenv("ORTLEARN_QUIZ_SEED", raising=False)


@pytest.fixture
def class_seed(monkeypatch):
    """set(seed): a teacher's class seed in ORTLEARN_QUIZ_SEED for this test."""
    return lambda seed: monkeypatch.setenv("ORTLEARN_QUIZ_SEED", str(seed))


class QuizSamples:
    """One question of each type plus a pinned one, with lessons and topics, and a bank of the first four."""

    def __init__(self) -> None:
        from ortlearn.quiz.questions import Bank, Choice, Question

        self.single = Question(
            id="sessions-run-returns-list", type="single_choice", difficulty="medium",
            prompt="What type does `session.run(None, feeds)` return?",
            code="outputs = session.run(None, {input_name: x})\n",
            choices=(
                Choice("list of numpy arrays", correct=True, feedback="One entry per requested output."),
                Choice("a single numpy array", feedback="That is what indexing outputs[0] gives you.",
                       mistake="output-is-array"),
                Choice("dict keyed by output name", feedback="A dict is what you pass in.", mistake="output-is-dict"),
            ),
            hint="Look at how the outputs are indexed in the next line.",
            explanation="run returns one entry per requested output, in order.",
            lesson="02_sessions", topic="02_sessions",
        )
        self.multi = Question(
            id="sessions-accepted-feeds", type="multi_choice", difficulty="hard",
            prompt="Which feeds does ORT accept for a **float** input of shape [2, 4]?",
            choices=(
                Choice("float32 array", correct=True, feedback="The declared element type."),
                Choice("nested Python list", correct=True, feedback="Lists of the right shape are converted."),
                Choice("float64 array", feedback="ORT refuses it: Unexpected input data type.", mistake="float64-feed"),
            ),
            explanation="ORT converts nested lists but never casts arrays.",
            lesson="02_sessions", topic="02_sessions",
        )
        self.numeric = Question(
            id="metrics-f1-from-pr", type="numeric", difficulty="easy",
            prompt="Precision is 0.8 and recall is 0.95. What is F1 (3 decimals)?",
            answer=0.869, tolerance=0.001, hint="Harmonic mean of two numbers.", explanation="F1 = 2PR / (P + R).",
            lesson="05_metrics_pitfalls", topic="05_metrics_pitfalls",
        )
        self.true_false = Question(
            id="providers-cuda-raises", type="true_false", difficulty="easy",
            prompt="Asking for CUDA on the CPU-only wheel raises an error.",
            choices=(
                Choice("True", feedback="It only warns and falls back.", mistake="cuda-request-raises"),
                Choice("False", correct=True, feedback="A UserWarning, then the CPU runs it."),
            ),
            explanation="Check session.get_providers() after creating a session.",
            lesson="03_providers", topic="03_providers",
        )
        self.pinned = Question(
            id="providers-which-list", type="single_choice", difficulty="medium",
            prompt="Which providers does the CPU wheel list?",
            choices=(
                Choice("CPUExecutionProvider", correct=True),
                Choice("CUDAExecutionProvider"),
                Choice("TensorrtExecutionProvider"),
                Choice("DmlExecutionProvider"),
                Choice("None of these", pin=True),
            ),
            lesson="03_providers", topic="03_providers",
        )
        self.bank = Bank(topic="02_sessions", title="Sessions",
                         questions=(self.single, self.multi, self.numeric, self.true_false))


@pytest.fixture
def samples() -> QuizSamples:
    """Sample questions (``samples.single``, ``.multi``, ``.numeric``, ``.true_false``, ``.pinned``) and ``samples.bank``."""
    return QuizSamples()


class FakeClock:
    """A clock the test moves by hand: ``clock.now += 4.5``."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()
