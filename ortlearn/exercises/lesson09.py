"""Exercises of lessons/09_real_model_ocr.ipynb: CTC greedy decoding, and the detector's input by hand.

Use: ``ex = ol.exercises.load("09_real_model_ocr")``, then ``ex.q1.check(ctc_decode)``.
"""

from __future__ import annotations

from typing import Any

from ortlearn.exercises.checks import max_abs_diff
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2"]


# ------------------------------------------------------------------ q1: CTC greedy decoding


def _one_hot_lines(paths: list[list[int]], classes: int, seed: int) -> Any:
    """(N, T, C) probabilities whose argmax follows ``paths`` (noisy, not exactly one-hot)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    steps = max(len(p) for p in paths)
    probs = rng.uniform(0, 0.2, (len(paths), steps, classes))
    for i, path in enumerate(paths):
        padded = path + [0] * (steps - len(path))
        probs[i, np.arange(steps), padded] += 1.0
    return (probs / probs.sum(axis=-1, keepdims=True)).astype(np.float32)


def _check_ctc(ctc_decode: Any) -> str:
    charset = ["blank", "a", "b", "l", "o", "h", "e", " ", "!"]
    cases = [
        ("a line with a double letter (hello)", [[5, 5, 6, 0, 3, 3, 0, 3, 4, 4, 0, 0]], ["hello"]),
        ("lines that start and end with blanks", [[0, 0, 1, 2, 0, 0], [0, 8, 8, 8, 0, 7, 1]], ["ab", "! a"]),
        ("a line of blanks only", [[0, 0, 0, 0]], [""]),
        ("a repeat with no blank between", [[2, 2, 2, 1, 1, 2]], ["bab"]),
    ]
    for seed, (what, paths, expected) in enumerate(cases):
        probs = _one_hot_lines(paths, len(charset), seed)
        got = call_learner(ctc_decode, probs.copy(), list(charset), doing=f"decoding {what}")
        if isinstance(got, str) or not isinstance(got, (list, tuple)):
            raise Mistake(f"ctc_decode should return a list with one string per line; it returned "
                          f"{type(got).__name__}.")
        got = list(got)
        if len(got) != len(expected):
            raise Mistake(f"For {what} ({len(expected)} line(s), shape {probs.shape}) ctc_decode returned "
                          f"{len(got)} texts: decode each line of the batch (axis 0).")
        if got == expected:
            continue
        joined = "".join(got)
        if "blank" in joined:
            raise Mistake(f"For {what} the text contains 'blank': index 0 is the CTC blank; drop it, don't print it.")
        if what.startswith("a line with") and got == ["helo"]:
            raise Mistake("For a line that spells 'hello' you got 'helo': the blanks were removed before merging "
                          "repeats, so the blank between the two l's no longer separates them. Merge first, then "
                          "drop blanks.")
        if any(len(g) > len(e) for g, e in zip(got, expected)):
            raise Mistake(f"For {what} the text is too long ({got!r}): repeated indices in consecutive steps are "
                          f"one character; merge them.")
        raise Mistake(f"For {what} the decoded text is {got!r}, which is not what the best path spells.")
    return "it merges repeats, keeps a double letter separated by a blank, and drops every blank."


q1 = define(__name__, "q1", _check_ctc)

# ------------------------------------------------------------------ q2: the detector's input by hand


def _hidden_images() -> list[Any]:
    import numpy as np

    rng = np.random.default_rng(1901)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((77, 301), (150, 95))]


def _check_det_input(det_input: Any) -> str:
    import cv2
    import numpy as np

    for index, image in enumerate(_hidden_images(), start=1):
        shape = f"{image.shape[1]}×{image.shape[0]}"
        x = call_learner(det_input, image.copy(), doing=f"preparing hidden image {index} ({shape} pixels)")
        if not isinstance(x, np.ndarray):
            raise Mistake(f"det_input should return a numpy array; it returned a {type(x).__name__}.")
        if x.ndim != 4 or x.shape[:2] != (1, 3):
            raise Mistake(f"For a {shape} image det_input returned shape {x.shape}; the detector takes "
                          f"(1, 3, H, W): channels first, with a batch dimension.")
        if x.dtype != np.float32:
            raise Mistake(f"det_input returned {x.dtype}; the detector declares tensor(float): float32.")
        height, width = x.shape[2:]
        if height % 32 or width % 32:
            raise Mistake(f"For a {shape} image the tensor is {width}×{height}: both sides must be multiples of "
                          f"32, or the detector fails inside its network (section 3).")
        if abs(height - image.shape[0]) > 32 or abs(width - image.shape[1]) > 32:
            raise Mistake(f"For a {shape} image the tensor is {width}×{height}: round each side to the nearest "
                          f"multiple of 32, don't rescale the image further.")
        resized = cv2.resize(image, (width, height)).astype(np.float32)
        expected = ((resized / 255 - 0.5) / 0.5).transpose(2, 0, 1)[np.newaxis]
        if np.allclose(x, expected, atol=1e-4):
            continue
        diagnoses = [
            (resized.transpose(2, 0, 1)[np.newaxis], "the pixels were not normalized to [-1, 1]"),
            ((resized / 255).transpose(2, 0, 1)[np.newaxis], "the pixels were scaled to [0, 1] but not to [-1, 1]"),
            (((resized / 255 - 0.5) / 0.5).reshape(1, 3, height, width),
             "the channels were moved with reshape, which scrambles pixels; use transpose(2, 0, 1)"),
            (((resized[..., ::-1] / 255 - 0.5) / 0.5).transpose(2, 0, 1)[np.newaxis],
             "the channels were swapped: the image is already BGR, as the model expects"),
        ]
        for variant, meaning in diagnoses:
            if np.allclose(x, variant, atol=1e-3):
                raise Mistake(f"On hidden image {index}: {meaning}.")
        raise Mistake(f"On hidden image {index} ({shape}) the tensor differs from the lesson's recipe "
                      f"({max_abs_diff(x, expected.astype(np.float64))}). Resize with cv2.resize (bilinear).")
    return "two hidden images of new sizes give the detector's tensor: multiples of 32, [-1, 1], CHW, batch."


q2 = define(__name__, "q2", _check_det_input)
