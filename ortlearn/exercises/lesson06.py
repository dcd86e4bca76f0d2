"""Exercises of lessons/06_vision_pipeline.ipynb: preprocessing by hand, a stable softmax, a channel-order test.

Use: ``ex = ol.exercises.load("06_vision_pipeline")``, then ``ex.q1.check(my_preprocess)``.
"""

from __future__ import annotations

from typing import Any

from ortlearn.exercises.checks import max_abs_diff
from ortlearn.exercises.core import Mistake, call_learner, define

__all__ = ["q1", "q2", "q3"]



def hidden_images() -> list[Any]:
    """Two seeded RGB uint8 images of sizes the lesson never used, with smooth colour gradients."""
    import numpy as np

    rng = np.random.default_rng(1601)
    images = []
    for height, width in ((300, 451), (517, 260)):
        yy, xx = np.mgrid[0:height, 0:width]
        channels = [(np.sin(xx / rng.uniform(20, 60)) + np.cos(yy / rng.uniform(20, 60))) * 60 + 128
                    + c * 30 for c in range(3)]
        noise = rng.normal(0, 8, (height, width, 3))
        images.append(np.clip(np.stack(channels, axis=-1) + noise, 0, 255).astype(np.uint8))
    return images


# ------------------------------------------------------------------ q1: the ImageNet preprocessing by hand


def _check_preprocess(preprocess: Any) -> str:
    import numpy as np

    from ortlearn.vision import IMAGENET_MEAN, IMAGENET_STD
    from ortlearn.vision import preprocess as reference

    mean, std = np.array(IMAGENET_MEAN, np.float32), np.array(IMAGENET_STD, np.float32)
    for index, image in enumerate(hidden_images(), start=1):
        shape = f"{image.shape[1]}×{image.shape[0]}"
        x = call_learner(preprocess, image.copy(), doing=f"preprocessing hidden image {index} ({shape} pixels)")
        if not isinstance(x, np.ndarray):
            raise Mistake(f"my_preprocess should return a numpy array; it returned a {type(x).__name__}.")
        if x.shape != (1, 3, 224, 224):
            hint = " The channels are last: transpose HWC -> CHW." if x.shape == (1, 224, 224, 3) else \
                " The batch dimension is missing: add it with x[np.newaxis]." if x.shape == (3, 224, 224) else ""
            raise Mistake(f"For a {shape} image my_preprocess returned shape {x.shape}; the model takes "
                          f"(1, 3, 224, 224).{hint}")
        if x.dtype != np.float32:
            raise Mistake(f"my_preprocess returned {x.dtype}; the model declares tensor(float): float32.")
        expected = reference(image)
        if np.allclose(x, expected, atol=1e-4):
            continue
        crop = (reference(image, mean=None, std=None)[0].transpose(1, 2, 0) * 255).round()
        unscaled = ((crop - mean) / std).transpose(2, 0, 1)[np.newaxis]
        diagnoses = [
            (unscaled, "the pixels were not scaled to [0, 1] (divide by 255) before normalizing"),
            (reference(np.ascontiguousarray(image[:, :, ::-1])), "the channels are in BGR order, not RGB"),
            (reference(image, layout="NHWC").reshape(1, 3, 224, 224),
             "the channels were moved with reshape, which scrambles pixels; use transpose(2, 0, 1)"),
            (reference(image, mean=None, std=None), "the ImageNet mean and std were not applied"),
        ]
        for variant, meaning in diagnoses:
            if np.allclose(x, variant, atol=1e-3):
                raise Mistake(f"On hidden image {index}: {meaning}.")
        raise Mistake(f"On hidden image {index} ({shape}) the tensor differs from the lesson's recipe "
                      f"({max_abs_diff(x, expected.astype(np.float64))}). Check the resize of the shorter side and "
                      f"the center crop.")
    return "two hidden images of new sizes give the lesson's tensor: resize, crop, scale, normalize, CHW, batch."


q1 = define(__name__, "q1", _check_preprocess)

# ------------------------------------------------------------------ q2: a softmax that never overflows


def _check_softmax(softmax: Any) -> str:
    import numpy as np

    rng = np.random.default_rng(1602)
    cases = [("ordinary logits", rng.standard_normal((4, 10)).astype(np.float32) * 3),
             ("logits around 1000", (rng.standard_normal((3, 5)) * 5 + 1000).astype(np.float32)),
             ("rows of very different sizes", np.array([[-800, -805, -790], [0.5, 0.1, 0.2]], dtype=np.float32))]
    for what, logits in cases:
        with np.errstate(all="ignore"):
            got = call_learner(softmax, logits.copy(), doing=f"calling stable_softmax on {what}")
        got = np.asarray(got, dtype=np.float64)
        z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
        expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        if got.shape == expected.shape and np.allclose(got, expected, rtol=1e-4, atol=1e-6):
            continue
        if got.shape != expected.shape:
            raise Mistake(f"For {what} of shape {logits.shape} the result has shape {got.shape}: one probability "
                          f"per logit.")
        if not np.isfinite(got).all():
            raise Mistake(f"For {what} the result holds nan or inf: exp overflowed. Subtract each row's maximum "
                          f"first.")
        if np.allclose(got.sum(axis=0), 1):
            raise Mistake(f"For {what} the columns sum to 1, not the rows: reduce over axis=1.")
        raise Mistake(f"For {what} the probabilities are off ({max_abs_diff(got, expected)}).")
    return "each row sums to 1, and logits of 1000 or -800 neither overflow nor vanish."


q2 = define(__name__, "q2", _check_softmax)

# ------------------------------------------------------------------ q3: a test that catches BGR


def _pipelines() -> list[tuple[str, Any, bool]]:
    """Hidden preprocessing functions and whether each keeps RGB order."""
    import numpy as np

    from ortlearn.vision import preprocess

    return [
        ("the course's preprocess", preprocess, True),
        ("a pipeline that loads BGR, as cv2.imread does", lambda im: preprocess(np.ascontiguousarray(im[:, :, ::-1])),
         False),
        ("an RGB pipeline that also flips images left to right", lambda im: preprocess(im)[..., ::-1].copy(), True),
        ("an RGB pipeline without normalization", lambda im: preprocess(im, mean=None, std=None), True),
    ]


def _check_keeps_rgb(keeps_rgb: Any) -> str:
    import numpy as np

    for what, pipeline, truth in _pipelines():
        answer = call_learner(keeps_rgb, pipeline, doing=f"calling keeps_rgb on {what}")
        if not isinstance(answer, (bool, np.bool_)):
            raise Mistake(f"keeps_rgb should return True or False; it returned a {type(answer).__name__}.")
        if bool(answer) != truth:
            verdict = "True (keeps RGB)" if answer else "False (swaps channels)"
            raise Mistake(f"keeps_rgb said {verdict} for {what}. Test the channel order only, with an image whose "
                          f"colour you know, not the whole tensor.")
    return "it catches the BGR pipeline and passes RGB pipelines that differ in other ways."


q3 = define(__name__, "q3", _check_keeps_rgb)

