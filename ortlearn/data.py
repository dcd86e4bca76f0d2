"""Paths to the real models and images that installed packages ship.

Nothing here downloads: the course only uses files that ``pip install`` already
put on disk.

Introduced in lessons/01_onnx_format.ipynb. The digits data set
(:func:`load_digits_split`) is introduced in lessons/04_export.ipynb.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ortlearn._checks import as_int
from ortlearn.lessons import lesson_path

if TYPE_CHECKING:  # numpy and scikit-learn are imported lazily
    import numpy as np

__all__ = ["REAL_MODELS", "real_model_path", "OCR_MODELS", "ocr_model_path", "SAMPLE_IMAGES", "sample_image_path",
           "DigitsSplit", "load_digits_split"]

#: The "light" real architectures in the onnx package's backend test data.
#: Their weights are replaced by ``ConstantOfShape`` nodes (so the files are
#: small), but the graph is the real network: ResNet-50 has 415 nodes.
REAL_MODELS: tuple[str, ...] = (
    "bvlc_alexnet",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "resnet50",
    "shufflenet",
    "squeezenet",
    "vgg19",
    "zfnet512",
)


def real_model_path(name: str) -> Path:
    """Return the path of a real architecture shipped inside the ``onnx`` package.

    Args:
        name: One of :data:`REAL_MODELS`, e.g. ``"resnet50"`` or ``"squeezenet"``.

    Returns:
        The path of ``light_<name>.onnx`` in onnx's backend test data.

    Raises:
        KeyError: ``name`` is not one of :data:`REAL_MODELS`.
        FileNotFoundError: The installed onnx package does not ship the file.

    Example:
        >>> import ortlearn as ol
        >>> ol.data.real_model_path("resnet50").name
        'light_resnet50.onnx'
    """
    if name not in REAL_MODELS:
        raise KeyError(
            f"No shipped real model named {name!r}. Choose one of {list(REAL_MODELS)}."
        )
    spec = importlib.util.find_spec("onnx")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "The onnx package is not installed, so its real test models are missing. "
            "Run `make lab` (or `pip install onnx`); see lessons/00_start_here.ipynb."
        )
    path = Path(spec.origin).parent / "backend" / "test" / "data" / "light" / f"light_{name}.onnx"
    if not path.is_file():
        raise FileNotFoundError(
            f"The installed onnx package has no {path.name} (looked in {str(path.parent)!r}). "
            f"Reinstall onnx from a wheel that includes its backend test data; see "
            f"{lesson_path('00_start_here')}."
        )
    return path


# --- PP-OCR's models, shipped in the rapidocr package (lessons/09_real_model_ocr.ipynb) ----

#: The three PP-OCR models that rapidocr's wheel ships, by task.
OCR_MODELS: dict[str, str] = {
    "det": "PP-OCRv6_det_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
}


def ocr_model_path(task: str) -> Path:
    """Return the path of a PP-OCR model inside the installed ``rapidocr`` package.

    Introduced in lessons/09_real_model_ocr.ipynb.

    Args:
        task: ``"det"`` (text detection), ``"cls"`` (text orientation, 0° or 180°) or ``"rec"``
            (text recognition).

    Raises:
        KeyError: ``task`` is not one of :data:`OCR_MODELS`.
        FileNotFoundError: rapidocr is not installed, or its wheel lacks the file.
    """
    if task not in OCR_MODELS:
        raise KeyError(f"No OCR model for task {task!r}. Choose one of {list(OCR_MODELS)}.")
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "The rapidocr package is not installed, so PP-OCR's models are missing. "
            f"Run `make lab` (or `pip install rapidocr`); see {lesson_path('09_real_model_ocr')}."
        )
    path = Path(spec.origin).parent / "models" / OCR_MODELS[task]
    if not path.is_file():
        raise FileNotFoundError(
            f"The installed rapidocr package has no {path.name} (looked in {str(path.parent)!r}). "
            f"Install the rapidocr version in requirements.lock; see {lesson_path('09_real_model_ocr')}."
        )
    return path


# --- The digits data set (lessons/04_export.ipynb) -------------------------------------

#: Photos shipped inside installed packages (scikit-learn, matplotlib); see :func:`sample_image_path`.
SAMPLE_IMAGES: tuple[str, ...] = ("china", "flower", "grace_hopper")


def sample_image_path(name: str) -> Path:
    """Return the path of a photo shipped inside an installed package.

    Args:
        name: ``"china"`` or ``"flower"`` (scikit-learn's ``load_sample_images``)
            or ``"grace_hopper"`` (matplotlib's sample data).

    Returns:
        The path of the JPEG file.

    Raises:
        KeyError: ``name`` is not one of :data:`SAMPLE_IMAGES`.
        FileNotFoundError: The installed package does not ship the file.

    Example:
        >>> import ortlearn as ol
        >>> ol.data.sample_image_path("china").name
        'china.jpg'
    """
    if name not in SAMPLE_IMAGES:
        raise KeyError(f"No sample image named {name!r}. Choose one of {list(SAMPLE_IMAGES)}, "
                       f"or pass a file path; see {lesson_path('06_vision_pipeline')}.")
    if name == "grace_hopper":
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
        package = "matplotlib"
    else:
        import sklearn

        path = Path(sklearn.__file__).parent / "datasets" / "images" / f"{name}.jpg"
        package = "scikit-learn"
    if not path.is_file():
        raise FileNotFoundError(f"The installed {package} does not ship {path.name} (looked in {path.parent}); "
                                f"reinstall {package} or pass your own image path.")
    return path


_DIGITS_SAMPLES = 1797  # images in scikit-learn's load_digits()
_DIGITS_CLASSES = 10
_DIGITS_IMAGE = (1, 8, 8)
_MAX_SEED = 2**32 - 1  # the largest seed scikit-learn's random_state accepts


@dataclass(frozen=True, eq=False, repr=False)
class DigitsSplit:
    """scikit-learn's 8×8 digits, split into a training and a test part.

    Images are float32 in [0, 1] shaped ``(N, 1, 8, 8)`` (NCHW: batch, channel,
    height, width), ready for a torch ``Conv2d`` or an ONNX model input;
    labels are int64 class ids 0–9.

    Introduced in lessons/04_export.ipynb.

    Attributes:
        x_train: Training images, float32 ``(N_train, 1, 8, 8)``.
        x_test: Held-out test images, float32 ``(N_test, 1, 8, 8)``.
        y_train: Training labels, int64 ``(N_train,)``.
        y_test: Test labels, int64 ``(N_test,)``.

    Raises:
        TypeError: An array has the wrong dtype (or is not a numpy array).
        ValueError: An array has the wrong shape, or images and labels differ in count.
    """

    x_train: "np.ndarray"
    x_test: "np.ndarray"
    y_train: "np.ndarray"
    y_test: "np.ndarray"

    def __post_init__(self) -> None:
        import numpy as np

        fix = lesson_path("04_export")
        for name, dtype in (("x_train", np.float32), ("x_test", np.float32),
                            ("y_train", np.int64), ("y_test", np.int64)):
            value = getattr(self, name)
            if not isinstance(value, np.ndarray) or value.dtype != dtype:
                got = f"{value.dtype} array" if isinstance(value, np.ndarray) else type(value).__name__
                raise TypeError(f"DigitsSplit.{name} must be a numpy {np.dtype(dtype).name} array; got {got}. "
                                f"Convert it with .astype(np.{np.dtype(dtype).name}); see {fix}.")
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if x.ndim != 4 or x.shape[1:] != _DIGITS_IMAGE:
                raise ValueError(f"DigitsSplit.x_{part} must be shaped (N, 1, 8, 8) (NCHW); got {x.shape}. "
                                 f"See {fix}.")
            if y.shape != (x.shape[0],):
                raise ValueError(f"DigitsSplit.y_{part} must hold one label per image, shape ({x.shape[0]},); "
                                 f"got {y.shape}. See {fix}.")

    @property
    def num_classes(self) -> int:
        """How many distinct labels the two parts hold together (10 for the full data set)."""
        import numpy as np

        return int(np.unique(np.concatenate([self.y_train, self.y_test])).size)

    def __repr__(self) -> str:
        image = "\u00d7".join(str(d) for d in self.x_train.shape[1:])
        return (f"DigitsSplit(train={len(self.x_train)}, test={len(self.x_test)}, "
                f"image={image}, classes={self.num_classes})")


def load_digits_split(seed: int = 0, test_size: float = 0.25) -> DigitsSplit:
    """Load scikit-learn's digits (1797 images, 8×8, 10 classes) and split them.

    The images ship inside scikit-learn, so nothing is downloaded. Pixel values
    (0–16) are divided by 16, so images are float32 in [0, 1], shaped
    ``(N, 1, 8, 8)``; labels are int64. The split is stratified (each class
    keeps its share in both parts) and fixed by ``seed``:
    ``train_test_split(x, y, test_size=test_size, stratify=y, random_state=seed)``.
    Each call returns new arrays, so changing them changes nothing else.

    Introduced in lessons/04_export.ipynb.

    Args:
        seed: ``random_state`` of the split, an int from 0 to 2**32 - 1.
        test_size: The fraction of images held out for testing, strictly
            between 0 and 1; 0.25 keeps 450 test and 1347 training images.

    Returns:
        A :class:`DigitsSplit`.

    Raises:
        TypeError: ``seed`` is not an int or ``test_size`` is not a number.
        ValueError: ``seed`` or ``test_size`` is out of range, or ``test_size``
            leaves fewer than 10 images (one per class) in a part.

    Example:
        >>> import ortlearn as ol
        >>> ol.data.load_digits_split(seed=0)
        DigitsSplit(train=1347, test=450, image=1×8×8, classes=10)
    """
    seed = as_int("seed", seed, "04_export", 0, _MAX_SEED)
    test_size = _check_test_size(test_size)
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape((-1, *_DIGITS_IMAGE))
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, stratify=y, random_state=seed)
    return DigitsSplit(x_train=x_train, x_test=x_test, y_train=y_train, y_test=y_test)


def _check_test_size(test_size: object) -> float:
    fix = lesson_path("04_export")
    expected = "a float strictly between 0 and 1 (the fraction of images held out)"
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be {expected}; got {type(test_size).__name__}: {test_size!r}. "
                        f"See {fix}.")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be {expected}; got {test_size!r}. See {fix}.")
    n_test = math.ceil(float(test_size) * _DIGITS_SAMPLES)  # how scikit-learn rounds
    n_train = _DIGITS_SAMPLES - n_test
    if min(n_test, n_train) < _DIGITS_CLASSES:
        raise ValueError(f"test_size={test_size!r} leaves {n_train} training and {n_test} test images, but a "
                         f"stratified split needs at least {_DIGITS_CLASSES} (one per class) in each part. "
                         f"See {fix}.")
    return float(test_size)
