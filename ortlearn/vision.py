"""An image classifier's pipeline around ONNX Runtime: load, preprocess, postprocess, check.

torchvision's ImageNet classifiers (ResNet-50 and friends) expect
``float32[N, 3, 224, 224]``: the batch dimension, three colour channels first
(NCHW) in RGB order, 224×224 pixels cut from an image whose shorter side was
resized to 256, values scaled to [0, 1] and then normalized with the ImageNet
mean and standard deviation. They return ``float32[N, 1000]`` logits; a softmax
turns them into probabilities and the top-k of those are the prediction. Other
weights want other recipes (Caffe-trained ones BGR on 0–255, Inception 299 px
and [-1, 1]): read the model's documentation. Each step is a place for a silent
bug, so :func:`check_image_batch` detects the classic ones.

numpy is the only module-level import; PIL, scikit-learn and matplotlib load
inside the functions that need them.

Introduced in lessons/06_vision_pipeline.ipynb.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from ortlearn._checks import as_int
from ortlearn.data import SAMPLE_IMAGES, sample_image_path  # shipped assets live in ortlearn.data
from ortlearn._table import Table
from ortlearn.lessons import lesson_path

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "SAMPLE_IMAGES",
    "TopK",
    "load_image",
    "sample_image_path",
    "preprocess",
    "postprocess",
    "check_image_batch",
]

#: Per-channel (R, G, B) mean of the ImageNet training images, on the [0, 1] scale.
IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
#: Per-channel (R, G, B) standard deviation of the ImageNet training images, on the [0, 1] scale.
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

_LAYOUTS = ("NCHW", "NHWC")
_SCALED_MAX = 20.0  # a normalized [0, 1] image stays below ~2.7; raw 0–255 pixels go far above


def _see() -> str:
    return f"see {lesson_path('06_vision_pipeline')}"


def load_image(path_or_name: Union[str, os.PathLike]) -> np.ndarray:
    """Read an image as an RGB ``uint8`` array shaped ``(height, width, 3)``.

    Greyscale, palette and RGBA files are converted to RGB with PIL.

    Args:
        path_or_name: A file path, or the name of a shipped photo: one of
            :data:`SAMPLE_IMAGES` (``"china"``, ``"flower"``, ``"grace_hopper"``).

    Returns:
        A ``uint8`` array ``(H, W, 3)`` in RGB order, values 0–255.

    Raises:
        KeyError: A name without a path separator or suffix that is not a sample image.
        FileNotFoundError: The file does not exist.
        ValueError: The file is not an image PIL can read.

    Example:
        >>> import ortlearn as ol
        >>> ol.vision.load_image("china").shape
        (427, 640, 3)
    """
    text = os.fspath(path_or_name)
    path = Path(text)
    if isinstance(path_or_name, str) and not path.suffix and os.sep not in text and "/" not in text:
        path = sample_image_path(text)  # a bare name: must be a sample image
    if not path.is_file():
        raise FileNotFoundError(f"No image file at {str(path)!r}. Pass an existing file path, or one of the "
                                f"shipped names {list(SAMPLE_IMAGES)}; {_see()}.")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
    except UnidentifiedImageError as error:
        raise ValueError(f"{path.name!r} is not an image PIL can read (expected e.g. JPEG or PNG); {_see()}.") \
            from error
    return np.asarray(rgb, dtype=np.uint8).copy()


def _check_channel_stats(what: str, values: Optional[Sequence[float]]) -> Optional[np.ndarray]:
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float32)
    if array.shape != (3,):
        raise ValueError(f"{what} needs one value per channel (R, G, B), e.g. IMAGENET_{what.upper()}; "
                         f"got {values!r}.")
    return array


def preprocess(
    image: np.ndarray,
    size: int = 224,
    mean: Optional[Sequence[float]] = IMAGENET_MEAN,
    std: Optional[Sequence[float]] = IMAGENET_STD,
    *,
    resize: Optional[int] = None,
    layout: str = "NCHW",
) -> np.ndarray:
    """Turn an RGB ``uint8`` image into a model-ready ``float32`` batch of one.

    The steps, in order (lesson 06 prints the shape after each):

    1. resize so that the **shorter side** is ``resize`` pixels (default:
       ``size``; bilinear, aspect ratio kept), then **center-crop** to
       ``size × size``: nothing is stretched, the borders are cut off.
       torchvision's ImageNet evaluation recipe is ``resize=256, size=224``
       (the crop keeps 224/256 = 87.5 % of the shorter side); the default
       ``resize=size`` keeps the whole shorter side;
    2. scale to [0, 1] (divide by 255) as ``float32``;
    3. normalize each channel: ``(x - mean) / std`` (skipped when ``mean`` and
       ``std`` are None);
    4. move channels first, HWC → CHW (unless ``layout="NHWC"``);
    5. add the batch dimension.

    Args:
        image: ``uint8`` array ``(H, W, 3)``, RGB, as :func:`load_image` returns.
        size: Side of the square output (the center crop), in pixels.
        resize: Length of the shorter side after resizing, before the crop; at least ``size``.
            None (the default) means ``size``. Use 256 with ``size=224`` for torchvision's weights.
        mean: Per-channel mean on the [0, 1] scale, or None (with ``std=None``) to skip normalizing.
        std: Per-channel standard deviation on the [0, 1] scale, or None.
        layout: ``"NCHW"`` (channels first: PyTorch and most ONNX models) or ``"NHWC"`` (TensorFlow style).

    Returns:
        ``float32`` array ``(1, 3, size, size)`` for NCHW, ``(1, size, size, 3)`` for NHWC.

    Raises:
        TypeError: ``image`` is not a ``uint8`` numpy array.
        ValueError: ``image`` is not ``(H, W, 3)``, ``size`` is not a positive integer,
            ``resize`` is not an integer ≥ ``size``, ``mean``/``std`` do not have 3 values (or only
            one of them is None), or ``layout`` is unknown.

    Example:
        >>> import ortlearn as ol
        >>> ol.vision.preprocess(ol.vision.load_image("china")).shape
        (1, 3, 224, 224)
        >>> ol.vision.preprocess(ol.vision.load_image("china"), size=224, resize=256).shape
        (1, 3, 224, 224)
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        got = f"{image.dtype} array" if isinstance(image, np.ndarray) else type(image).__name__
        raise TypeError(f"preprocess expects a uint8 image array (H, W, 3) as load_image returns; got {got}; "
                        f"{_see()}.")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"preprocess expects one RGB image shaped (H, W, 3); got shape {image.shape}; {_see()}.")
    size = as_int("size", size, "06_vision_pipeline", 1)
    shorter = size if resize is None else resize
    if isinstance(shorter, bool) or not isinstance(shorter, (int, np.integer)) or shorter < size:
        raise ValueError(f"resize must be an integer at least size={size} (the shorter side before the "
                         f"center crop, e.g. resize=256 with size=224); got {resize!r}; {_see()}.")
    if layout not in _LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}. Choose one of {list(_LAYOUTS)}; {_see()}.")
    if (mean is None) != (std is None):
        raise ValueError("Pass both mean and std, or neither (None, None) to skip normalizing; "
                         f"got mean={mean!r}, std={std!r}.")
    mean_array = _check_channel_stats("mean", mean)
    std_array = _check_channel_stats("std", std)

    from PIL import Image

    height, width = image.shape[:2]
    scale = shorter / min(height, width)
    new_w, new_h = max(shorter, round(width * scale)), max(shorter, round(height * scale))
    resized = Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BILINEAR)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    cropped = np.asarray(resized.crop((left, top, left + size, top + size)))

    x = cropped.astype(np.float32) / np.float32(255.0)
    if mean_array is not None and std_array is not None:
        x = (x - mean_array) / std_array
    if layout == "NCHW":
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x[np.newaxis], dtype=np.float32)


@dataclass(frozen=True)
class TopK:
    """The ``k`` most probable classes of one image, as :func:`postprocess` returns.

    ``repr(topk)`` is a small table with probabilities rounded to 4 decimals;
    Jupyter shows it as an HTML table.

    Introduced in lessons/06_vision_pipeline.ipynb.

    Attributes:
        indices: Class indices, most probable first.
        probabilities: Their softmax probabilities (floats in [0, 1]).
        labels: Their names, when labels were given; else None.
    """

    indices: tuple[int, ...]
    probabilities: tuple[float, ...]
    labels: Optional[tuple[str, ...]] = None

    @property
    def k(self) -> int:
        """How many classes this holds."""
        return len(self.indices)

    def _rows(self) -> list[tuple[str, str, str, str]]:
        labels = self.labels or ("",) * self.k
        return [(str(rank), str(index), f"{p:.4f}", label)
                for rank, (index, p, label) in enumerate(zip(self.indices, self.probabilities, labels), start=1)]

    def _table(self) -> Table:
        return Table(self._rows(), header=("rank", "class", "probability", "label"), caption=f"Top-{self.k} classes",
                     align="rrrl", css=None, widths=(5, 5, 11))

    def __repr__(self) -> str:
        return "\n".join([f"TopK(k={self.k})", *self._table().format_lines()])

    def _repr_html_(self) -> str:
        return self._table().format_html()


def postprocess(
    logits: np.ndarray, k: int = 5, labels: Optional[Sequence[str]] = None, *, softmax: bool = True
) -> TopK:
    """Softmax the logits of one image and return its ``k`` most probable classes.

    Some models end with their own ``Softmax`` node (ONNX's light ResNet-50 does:
    its output is named ``softmax_1``); pass ``softmax=False`` for those, since a
    second softmax squashes probabilities towards uniform.

    The softmax is the numerically stable one: the largest logit is subtracted
    before ``exp``, so logits of 1000 do not overflow. Ties keep the lower index first.

    Args:
        logits: Scores of one image, shaped ``(C,)`` or ``(1, C)`` (a model's output for a batch of one).
        k: How many classes to return, 1 ≤ k ≤ C.
        labels: Optional class names, one per class (``len(labels) == C``).
        softmax: Apply the softmax (True, for logits); False when the values already are probabilities.

    Returns:
        A :class:`TopK`.

    Raises:
        ValueError: ``logits`` holds more than one image or is empty, holds NaN or
            infinity, ``k`` is out of range, or ``labels`` has the wrong length.

    Example:
        >>> import numpy as np, ortlearn as ol
        >>> ol.vision.postprocess(np.array([[0.0, 2.0, 1.0]]), k=2).indices
        (1, 2)
    """
    scores = np.asarray(logits, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[0] == 1:
        scores = scores[0]
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError(f"postprocess expects the logits of one image, shaped (C,) or (1, C); got shape "
                         f"{np.shape(logits)}. For a batch, call it once per row: postprocess(logits[i]); {_see()}.")
    if not np.all(np.isfinite(scores)):
        raise ValueError("postprocess got NaN or infinite logits: check the model's input "
                         f"(check_image_batch) and output; {_see()}.")
    classes = scores.size
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= classes:
        raise ValueError(f"k must be an integer from 1 to the number of classes ({classes}); got {k!r}.")
    if labels is not None and len(labels) != classes:
        raise ValueError(f"labels must name every class: expected {classes} labels, got {len(labels)}.")
    if softmax:
        exp = np.exp(scores - scores.max())
        probabilities = exp / exp.sum()
    else:
        probabilities = scores
    order = np.argsort(-probabilities, kind="stable")[:k]
    return TopK(
        indices=tuple(int(i) for i in order),
        probabilities=tuple(float(probabilities[i]) for i in order),
        labels=None if labels is None else tuple(str(labels[i]) for i in order),
    )


def check_image_batch(x: object, *, layout: str = "NCHW", channels: int = 3) -> None:
    """Check that ``x`` looks like a preprocessed, normalized image batch; return None or raise.

    Detects the classic preprocessing bugs, in this order:

    - not a numpy array (``TypeError``);
    - wrong rank: ``(3, 224, 224)`` means the batch dimension is missing;
    - wrong layout: channels last ``(1, 224, 224, 3)`` for an NCHW model, or the reverse;
    - wrong dtype: ``uint8`` or ``float64`` where models take ``float32``;
    - unscaled values: a maximum above 20 means raw 0–255 pixels reached a model
      that expects [0, 1] scaling and normalization.

    It cannot detect swapped colour channels (BGR for RGB): both are valid images.

    Args:
        x: The array about to be fed to the model.
        layout: The layout the model expects, ``"NCHW"`` or ``"NHWC"``.
        channels: The number of channels the model expects (3 for RGB, 1 for greyscale).

    Raises:
        TypeError: ``x`` is not a numpy array.
        ValueError: One of the bugs above; the message says what was expected, what
            arrived and how to fix it.

    Example:
        >>> import numpy as np, ortlearn as ol
        >>> ol.vision.check_image_batch(np.zeros((1, 3, 224, 224), np.float32)) is None
        True
    """
    if layout not in _LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}. Choose one of {list(_LAYOUTS)}; {_see()}.")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"Expected a numpy array shaped {layout}; got {type(x).__name__}; {_see()}.")
    expected = "(N, C, H, W)" if layout == "NCHW" else "(N, H, W, C)"
    if x.ndim != 4:
        hint = (" Did you forget the batch dimension? Add it with x[np.newaxis] (or np.expand_dims(x, 0))."
                if x.ndim == 3 else "")
        raise ValueError(f"Expected a rank-4 {layout} batch {expected}; got rank {x.ndim}, shape {x.shape}.{hint} "
                         f"See {lesson_path('06_vision_pipeline')}.")
    channel_axis, other_axis = (1, 3) if layout == "NCHW" else (3, 1)
    if x.shape[channel_axis] != channels:
        if x.shape[other_axis] == channels:
            other = "NHWC (channels last)" if layout == "NCHW" else "NCHW (channels first)"
            fix = "x.transpose(0, 3, 1, 2)" if layout == "NCHW" else "x.transpose(0, 2, 3, 1)"
            raise ValueError(f"Expected {layout} with {channels} channels at axis {channel_axis} {expected}; got "
                             f"shape {x.shape}, which looks like {other}. Move the channels with {fix}. "
                             f"See {lesson_path('06_vision_pipeline')}.")
        raise ValueError(f"Expected {channels} channels at axis {channel_axis} of an {layout} batch {expected}; "
                         f"got shape {x.shape}. See {lesson_path('06_vision_pipeline')}.")
    if x.dtype != np.float32:
        raise ValueError(f"Expected dtype float32; got {x.dtype}. Scale and normalize, then convert with "
                         f"x.astype(np.float32). See {lesson_path('06_vision_pipeline')}.")
    if x.size and not np.all(np.isfinite(x)):
        raise ValueError(f"The batch holds NaN or infinite values. See {lesson_path('06_vision_pipeline')}.")
    if x.size and float(x.max()) > _SCALED_MAX:
        raise ValueError(f"Expected scaled, normalized values (about -3 to 3); got a maximum of "
                         f"{float(x.max()):.1f}. Did you forget to scale to [0, 1] (divide by 255) before "
                         f"normalizing? See {lesson_path('06_vision_pipeline')}.")
    return None
