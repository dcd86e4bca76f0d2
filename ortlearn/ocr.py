"""A production OCR pipeline (PP-OCR, shipped in the ``rapidocr`` package), written out step by step.

Detection (a DB text detector: image -> probability map -> boxes), the text-orientation classifier
(0° or 180°) and recognition (CRNN-style, decoded with CTC greedy decoding) are three ONNX models
that ``pip install rapidocr`` puts on disk. These helpers are the steps around them, with switches
for the classic preprocessing bugs so that their cost can be measured. Nothing downloads.

Introduced in lessons/09_real_model_ocr.ipynb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:  # numpy, Pillow and OpenCV are imported lazily
    import numpy as np

__all__ = [
    "PPOCR_MEAN", "PPOCR_STD", "CLS_SHAPE", "REC_HEIGHT", "REC_MAX_WIDTH", "MAX_BOXES", "BUGS", "WORDS", "WordSet",
    "make_word_set", "load_charset", "preprocess_det", "boxes_from_map", "crop_box",
    "preprocess_line", "ctc_greedy_decode", "OcrModels", "load_models", "read_cards", "show_boxes",
]

_SEE = "see lessons/09_real_model_ocr.ipynb"

#: PP-OCR's normalization for all three models: ``(x / 255 - 0.5) / 0.5``, i.e. pixels to [-1, 1].
PPOCR_MEAN = (0.5, 0.5, 0.5)
PPOCR_STD = (0.5, 0.5, 0.5)
#: The orientation classifier's input: 3 channels, height 48, width 192.
CLS_SHAPE = (3, 48, 192)
#: The recognizer's input height (its width is dynamic).
REC_HEIGHT = 48
#: The width of every line :func:`read_cards` feeds the recognizer (padded to it; wider crops are squeezed).
REC_MAX_WIDTH = 320
#: At most this many boxes are read per card (a broken detector can find hundreds).
MAX_BOXES = 3

#: The classic bugs :func:`read_cards` can reproduce, with what each one does.
BUGS = {
    "rgb": "the image is fed in RGB order, but PP-OCR was trained on OpenCV's BGR",
    "no-normalization": "pixels stay in [0, 255] instead of [-1, 1]",
    "stretch": "each text crop is stretched to 48×320, ignoring its aspect ratio",
    "reshape-nhwc": "HWC is turned into CHW with reshape instead of transpose",
}

#: The vocabulary of the generated test set (common English words, names and numbers).
WORDS: tuple[str, ...] = (
    "model", "tensor", "session", "runtime", "graph", "export", "python", "vision", "image", "pixel",
    "layer", "weight", "batch", "shape", "output", "input", "kernel", "thread", "memory", "latency",
    "accuracy", "precision", "recall", "quantize", "operator", "provider", "network", "softmax", "feature",
    "channel", "resize", "normalize", "classroom", "teacher", "student", "lesson", "notebook", "question",
    "answer", "quiz", "garden", "window", "bridge", "river", "mountain", "yellow", "orange", "purple",
    "silver", "market", "coffee", "bottle", "rocket", "planet", "winter", "summer", "autumn", "spring",
    "Monday", "Friday", "London", "Paris", "Berlin", "Tokyo", "Madrid", "Oslo", "Lisbon", "Vienna",
    "Hello", "World", "ONNX", "Runtime", "Python", "Linux", "Window", "Camera", "Sensor", "Engine",
    "2024", "1989", "42", "365", "3.14", "100%", "v1.32", "x86", "ARM64", "GPU",
    "open", "close", "start", "finish", "simple", "robust", "quick", "careful", "honest", "measured",
    "predict", "decode", "detect", "crop", "rotate", "classify", "recognize", "train", "deploy", "profile",
    "number", "letter", "word", "sentence", "paper", "pencil", "marker", "folder",
)


@dataclass(frozen=True)
class WordSet:
    """A generated OCR test set: one word per card.

    Attributes:
        images: RGB uint8 cards, all of the same shape ``(height, width, 3)`` (Pillow's channel order).
        words: The word drawn on each card.
        rotated: Which cards are upside down (rotated 180°).
        noisy: Which cards carry Gaussian pixel noise.
        fonts: The font file each card was drawn with.
    """

    images: "np.ndarray"
    words: tuple[str, ...]
    rotated: tuple[bool, ...]
    noisy: tuple[bool, ...]
    fonts: tuple[str, ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return (f"WordSet({len(self)} cards of {self.images.shape[2]}×{self.images.shape[1]} pixels, "
                f"{sum(self.rotated)} upside down, {sum(self.noisy)} noisy, {len(set(self.fonts))} fonts)")


def _font_paths() -> list[str]:
    from pathlib import Path

    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    names = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf"]
    return [str(folder / name) for name in names if (folder / name).is_file()]


def make_word_set(n: int = 120, *, seed: int = 0, size: tuple[int, int] = (320, 64),
                  rotated_fraction: float = 0.2, noisy_fraction: float = 0.25) -> WordSet:
    """Render ``n`` one-word cards with the DejaVu fonts that matplotlib ships (deterministic).

    Dark text in a random colour on a light random background, at a random size and position;
    some cards upside down, some with noise.

    Args:
        n: Number of cards.
        seed: Seed of every random choice (word, font, colours, position, rotation, noise).
        size: Card ``(width, height)`` in pixels.
        rotated_fraction: Share of cards rotated 180°.
        noisy_fraction: Share of cards with Gaussian noise (sigma 12 grey levels).

    Returns:
        A :class:`WordSet`.
    """
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1; got {n!r}.")
    rng = np.random.default_rng(seed)
    fonts = _font_paths()
    if not fonts:
        raise FileNotFoundError(f"matplotlib's DejaVu fonts were not found; reinstall matplotlib ({_SEE}).")
    width, height = size
    images, words, rotated, noisy, used = [], [], [], [], []
    for _ in range(n):
        word = WORDS[int(rng.integers(len(WORDS)))]
        font_file = fonts[int(rng.integers(len(fonts)))]
        background = tuple(int(v) for v in rng.integers(190, 256, 3))
        ink = tuple(int(v) for v in rng.integers(0, 90, 3))
        card = Image.new("RGB", size, background)
        draw = ImageDraw.Draw(card)
        for font_size in range(int(rng.integers(26, 40)), 10, -2):
            font = ImageFont.truetype(font_file, font_size)
            left, top, right, bottom = draw.textbbox((0, 0), word, font=font)
            if right - left <= width - 24 and bottom - top <= height - 24:
                break
        x = int(rng.integers(10, max(11, width - (right - left) - 10))) - left
        y = int(rng.integers(10, max(11, height - (bottom - top) - 10))) - top
        draw.text((x, y), word, fill=ink, font=font)
        pixels = np.asarray(card, dtype=np.float32)
        is_noisy = bool(rng.random() < noisy_fraction)
        noise = rng.normal(0, 12, pixels.shape)
        if is_noisy:
            pixels = pixels + noise
        is_rotated = bool(rng.random() < rotated_fraction)
        image = np.clip(pixels, 0, 255).round().astype(np.uint8)
        if is_rotated:
            image = image[::-1, ::-1]
        images.append(np.ascontiguousarray(image))
        words.append(word)
        rotated.append(is_rotated)
        noisy.append(is_noisy)
        used.append(font_file.rsplit("/", 1)[-1])
    return WordSet(np.stack(images), tuple(words), tuple(rotated), tuple(noisy), tuple(used))


def load_charset(session: Any) -> list[str]:
    """Return the recognizer's output classes: ``["blank", *characters, " "]``.

    PP-OCR's recognizer stores its character list in the model's metadata (key ``character``); CTC adds
    the blank at index 0, and PP-OCR appends the space character at the end.

    Args:
        session: An ``onnxruntime.InferenceSession`` of the recognizer.

    Raises:
        KeyError: The model's metadata has no ``character`` entry.
    """
    metadata = session.get_modelmeta().custom_metadata_map
    if "character" not in metadata:
        raise KeyError(f"The model's metadata has no 'character' entry; it has {sorted(metadata)}. "
                       f"Is this PP-OCR's recognizer? ({_SEE})")
    return ["blank", *metadata["character"].splitlines(), " "]


def _normalize_chw(image: "np.ndarray", *, normalize: bool = True, layout: str = "transpose") -> "np.ndarray":
    import numpy as np

    x = image.astype(np.float32)
    if normalize:
        x = (x / 255.0 - np.float32(0.5)) / np.float32(0.5)
    if layout == "transpose":
        return x.transpose(2, 0, 1)
    if layout == "reshape":
        return x.reshape(x.shape[2], x.shape[0], x.shape[1])
    raise ValueError(f"layout must be 'transpose' or 'reshape'; got {layout!r}.")


def preprocess_det(image_bgr: "np.ndarray", *, max_side: int = 960, multiple: int = 32,
                   normalize: bool = True, layout: str = "transpose") -> "np.ndarray":
    """Resize an image so both sides are multiples of ``multiple``, normalize, and return NCHW float32.

    The detector downsamples by 32 and upsamples back, so its input sides must be multiples of 32.

    Args:
        image_bgr: uint8 ``(H, W, 3)`` in BGR order (or a batch ``(N, H, W, 3)`` of equal size).
        max_side: Shrink the image first if its longer side exceeds this.
        multiple: The sides are rounded to a multiple of this (at least one multiple).
        normalize: Map pixels to [-1, 1] (PP-OCR's mean and std of 0.5).
        layout: ``"transpose"`` (right) or ``"reshape"`` (the classic bug) to go from HWC to CHW.

    Returns:
        float32 ``(N, 3, H', W')``.
    """
    import cv2
    import numpy as np

    batch = image_bgr[np.newaxis] if image_bgr.ndim == 3 else image_bgr
    h, w = batch.shape[1:3]
    ratio = min(1.0, max_side / max(h, w))
    new_h = max(multiple, int(round(h * ratio / multiple)) * multiple)
    new_w = max(multiple, int(round(w * ratio / multiple)) * multiple)
    return np.stack([_normalize_chw(cv2.resize(img, (new_w, new_h)), normalize=normalize, layout=layout)
                     for img in batch])


def boxes_from_map(probability: "np.ndarray", image_shape: Sequence[int], *, threshold: float = 0.3,
                   box_threshold: float = 0.5, unclip_ratio: float = 1.6, min_size: int = 3) -> list[tuple[int, int, int, int]]:
    """Turn a DB probability map into axis-aligned text boxes in the original image's pixels.

    Threshold the map, take connected regions, keep those whose mean probability reaches
    ``box_threshold``, and grow each box by ``area · unclip_ratio / perimeter`` (DB is trained on
    shrunken text regions), then scale to the image. Boxes are sorted top to bottom, left to right.

    Args:
        probability: The detector's output for one image, ``(H', W')`` (or ``(1, H', W')``).
        image_shape: The original image's ``(height, width)``.

    Returns:
        ``[(x0, y0, x1, y1), ...]`` with ``x1``/``y1`` exclusive.
    """
    import numpy as np
    from scipy import ndimage

    prob = np.asarray(probability).reshape(np.asarray(probability).shape[-2:])
    labels, count = ndimage.label(prob > threshold)
    scale_y, scale_x = image_shape[0] / prob.shape[0], image_shape[1] / prob.shape[1]
    boxes = []
    for index, region in enumerate(ndimage.find_objects(labels), start=1):
        ys, xs = region
        h, w = ys.stop - ys.start, xs.stop - xs.start
        if min(h, w) < min_size or prob[region][labels[region] == index].mean() < box_threshold:
            continue
        grow = h * w * unclip_ratio / (2 * (h + w))
        x0 = max(0, math.floor((xs.start - grow) * scale_x))
        y0 = max(0, math.floor((ys.start - grow) * scale_y))
        x1 = min(int(image_shape[1]), math.ceil((xs.stop + grow) * scale_x))
        y1 = min(int(image_shape[0]), math.ceil((ys.stop + grow) * scale_y))
        boxes.append((x0, y0, x1, y1))
    return sorted(boxes, key=lambda b: (round(b[1] / 16), b[0]))


def crop_box(image: "np.ndarray", box: Sequence[int]) -> "np.ndarray":
    """Return the pixels of ``box = (x0, y0, x1, y1)``."""
    x0, y0, x1, y1 = box
    return image[y0:y1, x0:x1]


def preprocess_line(crops: Sequence["np.ndarray"], *, height: int = REC_HEIGHT, width: Optional[int] = None,
                    max_width: Optional[int] = None, normalize: bool = True, stretch: bool = False,
                    layout: str = "transpose") -> "np.ndarray":
    """Prepare text crops for the classifier or the recognizer: NCHW float32 of one common width.

    Each crop is resized to ``height`` keeping its aspect ratio (at most ``max_width`` wide), normalized,
    and padded on the right with zeros to the batch's width, as PP-OCR does.

    Args:
        crops: uint8 ``(h, w, 3)`` images in the model's channel order (BGR).
        height: Target height (48 for both models).
        width: The batch's width; default the widest resized crop, at least ``height · 320 / 48``.
        max_width: Cap on a crop's resized width (the classifier's 192).
        normalize: Map pixels to [-1, 1].
        stretch: The classic bug: resize every crop to ``(height, width)`` ignoring its aspect ratio.
        layout: ``"transpose"`` (right) or ``"reshape"`` (the classic bug) to go from HWC to CHW.

    Returns:
        float32 ``(N, 3, height, width)``.
    """
    import cv2
    import numpy as np

    widths = [min(math.ceil(height * c.shape[1] / c.shape[0]), max_width or 10**9) for c in crops]
    if width is None:
        width = max([*widths, max_width or round(height * 320 / 48)])
    batch = np.zeros((len(crops), 3, height, width), dtype=np.float32)
    for i, (crop, w) in enumerate(zip(crops, widths)):
        w = width if stretch else min(w, width)
        resized = cv2.resize(np.ascontiguousarray(crop), (w, height))
        batch[i, :, :, :w] = _normalize_chw(resized, normalize=normalize, layout=layout)
    return batch


def ctc_greedy_decode(probabilities: "np.ndarray", charset: Sequence[str], *,
                      blank: int = 0) -> list[tuple[str, float]]:
    """CTC greedy decoding: best class per time step, merge repeats, drop blanks.

    Args:
        probabilities: ``(N, T, C)`` per-step class probabilities (or ``(T, C)`` for one line).
        charset: ``C`` class names, index ``blank`` being the CTC blank.
        blank: Index of the blank class.

    Returns:
        One ``(text, score)`` per line; the score is the mean probability of the kept characters
        (0.0 for an empty text).

    Raises:
        ValueError: The last dimension does not match ``len(charset)``.

    Example:
        >>> import numpy as np
        >>> steps = np.eye(4)[[1, 1, 0, 1, 2, 2, 0]]  # a, a, blank, a, b, b, blank
        >>> ctc_greedy_decode(steps, ["-", "a", "b", "c"])
        [('aab', 1.0)]
    """
    import numpy as np

    probs = np.asarray(probabilities)
    if probs.ndim == 2:
        probs = probs[np.newaxis]
    if probs.ndim != 3 or probs.shape[-1] != len(charset):
        raise ValueError(f"probabilities must be (N, T, C) with C = len(charset) = {len(charset)}; "
                         f"got shape {probs.shape} ({_SEE}).")
    best, score = probs.argmax(axis=-1), probs.max(axis=-1)
    results = []
    for indices, scores in zip(best, score):
        keep = indices != blank
        keep[1:] &= indices[1:] != indices[:-1]
        text = "".join(charset[i] for i in indices[keep])
        results.append((text, float(scores[keep].mean()) if keep.any() else 0.0))
    return results


@dataclass(frozen=True)
class OcrModels:
    """The three PP-OCR sessions and the recognizer's character set."""

    det: Any
    cls: Any
    rec: Any
    charset: tuple[str, ...] = field(repr=False)

    def __repr__(self) -> str:
        return f"OcrModels(det, cls, rec; {len(self.charset)} recognizer classes)"


def load_models(threads: Optional[int] = None) -> OcrModels:
    """Open rapidocr's shipped detection, classification and recognition models in ORT (CPU)."""
    import onnxruntime as ort

    from ortlearn.data import ocr_model_path

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads is not None:
        options.intra_op_num_threads = threads

    def session(task: str) -> Any:
        return ort.InferenceSession(str(ocr_model_path(task)), options, providers=["CPUExecutionProvider"])

    rec = session("rec")
    return OcrModels(session("det"), session("cls"), rec, tuple(load_charset(rec)))


def read_cards(models: OcrModels, images_rgb: "np.ndarray", *, bug: Optional[str] = None,
               use_cls: bool = True, batch: int = 32) -> list[str]:
    """Run the whole pipeline (detect, crop, orient, recognize) on cards and return one text per card.

    Args:
        models: From :func:`load_models`.
        images_rgb: uint8 ``(N, H, W, 3)`` cards in RGB order (as Pillow makes them).
        bug: ``None`` for the correct pipeline, or one of :data:`BUGS` to reproduce that bug in every stage.
        use_cls: Run the orientation classifier (and turn crops it calls 180° upside up).
        batch: Cards per detector call.

    Returns:
        The recognized text of each card (its boxes' texts joined by spaces, left to right).
    """
    import numpy as np

    if bug is not None and bug not in BUGS:
        raise ValueError(f"Unknown bug {bug!r}; choose None or one of {sorted(BUGS)} ({_SEE}).")
    images = images_rgb if bug == "rgb" else np.ascontiguousarray(images_rgb[..., ::-1])
    normalize = bug != "no-normalization"
    layout = "reshape" if bug == "reshape-nhwc" else "transpose"
    det_in = models.det.get_inputs()[0].name
    crops, owners = [], []
    for start in range(0, len(images), batch):
        chunk = images[start:start + batch]
        x = preprocess_det(chunk, normalize=normalize, layout=layout)
        maps = models.det.run(None, {det_in: x})[0]
        for offset, (image, prob) in enumerate(zip(chunk, maps)):
            for box in boxes_from_map(prob, image.shape[:2])[:MAX_BOXES]:
                crops.append(crop_box(image, box))
                owners.append(start + offset)
    if crops and use_cls:
        x = preprocess_line(crops, max_width=CLS_SHAPE[2], width=CLS_SHAPE[2], normalize=normalize,
                            stretch=bug == "stretch", layout=layout)
        probs = models.cls.run(None, {models.cls.get_inputs()[0].name: x})[0]
        crops = [c[::-1, ::-1] if p[1] > p[0] and p[1] >= 0.9 else c for c, p in zip(crops, probs)]
    texts: list[list[str]] = [[] for _ in range(len(images))]
    width = round(REC_HEIGHT * 320 / 48) if bug == "stretch" else REC_MAX_WIDTH  # one shape: ORT runs it faster
    for start in range(0, len(crops), 16):  # the output is (N, T, 18710) floats: keep N small
        x = preprocess_line(crops[start:start + 16], normalize=normalize, stretch=bug == "stretch",
                            layout=layout, width=width, max_width=REC_MAX_WIDTH)
        probs = models.rec.run(None, {models.rec.get_inputs()[0].name: x})[0]
        for owner, (text, _) in zip(owners[start:start + 16], ctc_greedy_decode(probs, models.charset)):
            texts[owner].append(text)
    return [" ".join(t) for t in texts]


def show_boxes(image: "np.ndarray", boxes: Sequence[Sequence[int]], *, labels: Optional[Sequence[str]] = None,
               ax: Any = None) -> Any:
    """Draw an RGB image with its boxes (and optional labels); return the matplotlib figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(min(12, image.shape[1] / 60 + 1), min(8, image.shape[0] / 60 + 1)))
    ax.imshow(image)
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="red", linewidth=2))
        if labels is not None:
            ax.text(x0, y0 - 4, labels[i], color="red", fontsize=10, va="bottom")
    ax.set_axis_off()
    return ax.figure
