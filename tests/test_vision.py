"""Tests for ortlearn.vision: loading, preprocessing, postprocessing and the batch checks."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ortlearn import vision
from ortlearn.vision import IMAGENET_MEAN, IMAGENET_STD, check_image_batch, load_image, postprocess, preprocess


def _random_image(height: int = 60, width: int = 80, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


# --- load_image / sample_image_path -------------------------------------------------------------

@pytest.mark.parametrize("name, shape", [("china", (427, 640, 3)), ("flower", (427, 640, 3)),
                                         ("grace_hopper", (600, 512, 3))])
def test_sample_images_load_as_rgb_uint8(name, shape):
    image = load_image(name)
    assert image.shape == shape and image.dtype == np.uint8
    assert vision.sample_image_path(name).is_file()


def test_load_image_matches_scikit_learn_pixels():
    from sklearn.datasets import load_sample_images

    assert np.array_equal(load_image("china"), load_sample_images().images[0])


def test_load_image_reads_a_path_and_converts_to_rgb(tmp_path):
    from PIL import Image

    grey = np.arange(12 * 10, dtype=np.uint8).reshape(12, 10)
    Image.fromarray(grey, mode="L").save(tmp_path / "grey.png")
    image = load_image(tmp_path / "grey.png")
    assert image.shape == (12, 10, 3)
    assert np.array_equal(image[:, :, 0], grey) and np.array_equal(image[:, :, 2], grey)


def test_unknown_name_lists_the_sample_images():
    with pytest.raises(KeyError, match=r"No sample image named 'lena'\. Choose one of \['china', 'flower', "
                                       r"'grace_hopper'\]"):
        load_image("lena")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No image file at .*nope\.jpg"):
        load_image(tmp_path / "nope.jpg")


def test_a_file_that_is_not_an_image(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"'notes\.txt' is not an image PIL can read"):
        load_image(path)


# --- preprocess -------------------------------------------------------------------------------

def test_preprocess_shape_dtype_and_layouts():
    image = _random_image()
    nchw = preprocess(image, size=32)
    nhwc = preprocess(image, size=32, layout="NHWC")
    assert nchw.shape == (1, 3, 32, 32) and nchw.dtype == np.float32 and nchw.flags.c_contiguous
    assert nhwc.shape == (1, 32, 32, 3)
    assert np.array_equal(nchw, nhwc.transpose(0, 3, 1, 2))


def test_preprocess_against_a_numpy_oracle():
    """An image already size×size is only scaled, normalized, transposed and batched."""
    image = _random_image(16, 16)
    expected = ((image / 255.0 - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)).transpose(2, 0, 1)[None]
    np.testing.assert_allclose(preprocess(image, size=16), expected, rtol=1e-5, atol=1e-5)


def test_preprocess_without_normalization_scales_to_unit_range():
    image = np.full((8, 8, 3), 255, np.uint8)
    image[0, 0] = 0
    x = preprocess(image, size=8, mean=None, std=None)
    assert x.min() == 0.0 and x.max() == 1.0


def test_preprocess_center_crops_the_longer_side():
    """Left half red, right half blue, 40×20: the 10×10 crop is taken from the middle."""
    image = np.zeros((20, 40, 3), np.uint8)
    image[:, :20, 0] = 255
    image[:, 20:, 2] = 255
    x = preprocess(image, size=10, mean=None, std=None)
    red, blue = x[0, 0], x[0, 2]
    assert red[:, :4].min() > 0.9 and blue[:, :4].max() < 0.1   # left part of the crop: red
    assert blue[:, 6:].min() > 0.9 and red[:, 6:].max() < 0.1   # right part: blue


def test_preprocess_resize_then_crop_matches_a_pil_oracle():
    """torchvision's recipe: shorter side to 256, then the central 224×224."""
    from PIL import Image

    image = load_image("grace_hopper")  # 512 wide × 600 high
    resized = np.asarray(Image.fromarray(image).resize((256, 300), Image.Resampling.BILINEAR))
    top, left = (300 - 224) // 2, (256 - 224) // 2
    crop = resized[top:top + 224, left:left + 224]
    expected = ((crop / np.float32(255) - np.array(IMAGENET_MEAN, np.float32)) / np.array(IMAGENET_STD, np.float32))
    x = preprocess(image, size=224, resize=256)
    assert x.shape == (1, 3, 224, 224)
    np.testing.assert_allclose(x, expected.transpose(2, 0, 1)[None], rtol=0, atol=1e-6)
    assert not np.allclose(x, preprocess(image, size=224), atol=0.1)  # a different crop of the photo


def test_preprocess_resize_defaults_to_size():
    image = _random_image(30, 50)
    assert np.array_equal(preprocess(image, size=16), preprocess(image, size=16, resize=16))
    assert np.array_equal(preprocess(image, size=16, resize=np.int64(20)), preprocess(image, size=16, resize=20))


@pytest.mark.parametrize("resize", [223, 0, True, 256.0, "256"])
def test_preprocess_rejects_a_resize_smaller_than_the_crop_or_not_an_integer(resize):
    with pytest.raises(ValueError, match=r"resize must be an integer at least size=224 .* e\.g\. resize=256 "
                                         r"with size=224\); got "):
        preprocess(_random_image(), size=224, resize=resize)


def test_preprocess_of_the_sample_photo_stays_in_the_normalized_range():
    x = preprocess(load_image("grace_hopper"))
    assert x.shape == (1, 3, 224, 224)
    assert -2.2 < x.min() and x.max() < 2.7
    assert check_image_batch(x) is None


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((8, 8, 3), np.float32), TypeError, r"expects a uint8 image array .* got float32 array"),
    ([[0]], TypeError, r"got list"),
    (np.zeros((8, 8), np.uint8), ValueError, r"one RGB image shaped \(H, W, 3\); got shape \(8, 8\)"),
])
def test_preprocess_rejects_bad_images(bad, error, match):
    with pytest.raises(error, match=match):
        preprocess(bad)


def test_preprocess_rejects_bad_options():
    image = _random_image()
    with pytest.raises(ValueError, match=r"Unknown layout 'CHW'\. Choose one of \['NCHW', 'NHWC'\]"):
        preprocess(image, layout="CHW")
    with pytest.raises(ValueError, match=r"size must be an int >= 1; got 0\. See lessons/06"):
        preprocess(image, size=0)
    with pytest.raises(ValueError, match=r"Pass both mean and std, or neither"):
        preprocess(image, std=None)
    with pytest.raises(ValueError, match=r"mean needs one value per channel"):
        preprocess(image, mean=(0.5,))


# --- postprocess ------------------------------------------------------------------------------

def test_postprocess_matches_a_softmax_oracle():
    logits = np.random.default_rng(1).standard_normal((1, 50)).astype(np.float32)
    top = postprocess(logits, k=5)
    expected = np.exp(logits[0].astype(np.float64)) / np.exp(logits[0].astype(np.float64)).sum()
    order = np.argsort(expected)[::-1][:5]
    assert top.indices == tuple(int(i) for i in order)
    np.testing.assert_allclose(top.probabilities, expected[order], rtol=1e-6)
    assert top.labels is None and top.k == 5


def test_postprocess_is_stable_for_huge_logits():
    top = postprocess(np.array([1000.0, 999.0, 990.0]), k=3)
    assert all(np.isfinite(top.probabilities)) and abs(sum(top.probabilities) - 1) < 1e-12
    assert abs(top.probabilities[0] - 1 / (1 + np.exp(-1) + np.exp(-10))) < 1e-12


def test_postprocess_labels_ties_and_no_softmax():
    top = postprocess(np.full(4, 0.25), k=2, labels=["a", "b", "c", "d"], softmax=False)
    assert top.indices == (0, 1) and top.labels == ("a", "b") and top.probabilities == (0.25, 0.25)


def test_topk_text_and_html():
    top = postprocess(np.array([0.0, 2.0, 1.0]), k=2, labels=["cat", "dog", "<fox>"])
    assert repr(top) == ("TopK(k=2)\n rank  class  probability  label\n"
                         "    1      1       0.6652  dog\n    2      2       0.2447  <fox>")
    html = top._repr_html_()
    assert "<td>0.6652</td>" in html and "&lt;fox&gt;" in html


def test_topk_is_frozen():
    top = postprocess(np.array([1.0, 2.0]), k=1)
    with pytest.raises(AttributeError):
        top.indices = (0,)


@pytest.mark.parametrize("logits, kwargs, match", [
    (np.zeros((2, 10)), {}, r"the logits of one image, shaped \(C,\) or \(1, C\); got shape \(2, 10\)"),
    (np.array([]), {}, r"got shape \(0,\)"),
    (np.array([1.0, np.nan]), {"k": 1}, r"NaN or infinite logits"),
    (np.zeros(3), {"k": 4}, r"k must be an integer from 1 to the number of classes \(3\); got 4"),
    (np.zeros(3), {"k": 1, "labels": ["a"]}, r"expected 3 labels, got 1"),
])
def test_postprocess_errors(logits, kwargs, match):
    with pytest.raises(ValueError, match=match):
        postprocess(logits, **kwargs)


# --- check_image_batch --------------------------------------------------------------------------

def test_a_good_batch_passes():
    assert check_image_batch(np.zeros((2, 3, 8, 8), np.float32)) is None
    assert check_image_batch(np.zeros((1, 8, 8, 3), np.float32), layout="NHWC") is None
    assert check_image_batch(np.zeros((4, 1, 8, 8), np.float32), channels=1) is None


@pytest.mark.parametrize("x, kwargs, match", [
    (np.zeros((3, 224, 224), np.float32), {}, r"Expected a rank-4 NCHW batch .* got rank 3, shape \(3, 224, 224\)\. "
                                              r"Did you forget the batch dimension\?"),
    (np.zeros((1, 224, 224, 3), np.float32), {}, r"looks like NHWC \(channels last\)\. Move the channels with "
                                                 r"x\.transpose\(0, 3, 1, 2\)"),
    (np.zeros((1, 3, 8, 8), np.float32), {"layout": "NHWC"}, r"looks like NCHW \(channels first\)"),
    (np.zeros((1, 5, 8, 8), np.float32), {}, r"Expected 3 channels at axis 1 .* got shape \(1, 5, 8, 8\)"),
    (np.zeros((1, 3, 8, 8), np.uint8), {}, r"Expected dtype float32; got uint8"),
    (np.zeros((1, 3, 8, 8), np.float64), {}, r"Expected dtype float32; got float64"),
    (np.full((1, 3, 8, 8), 255, np.float32), {}, r"got a maximum of 255\.0\. Did you forget to scale to \[0, 1\]"),
    (np.full((1, 3, 8, 8), np.nan, np.float32), {}, r"NaN or infinite"),
])
def test_check_image_batch_names_the_bug_and_the_lesson(x, kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        check_image_batch(x, **kwargs)
    assert "lessons/06_vision_pipeline.ipynb" in str(info.value)


def test_check_image_batch_rejects_non_arrays_and_unknown_layouts():
    with pytest.raises(TypeError, match=r"Expected a numpy array shaped NCHW; got list"):
        check_image_batch([[0.0]])
    with pytest.raises(ValueError, match=r"Unknown layout 'HWC'"):
        check_image_batch(np.zeros((1, 3, 8, 8), np.float32), layout="HWC")


def test_check_cannot_see_a_channel_swap():
    """BGR is still a valid image: the check passes, though the tensor differs."""
    image = _random_image()
    rgb = preprocess(image, size=16)
    bgr = preprocess(np.ascontiguousarray(image[:, :, ::-1]), size=16)
    assert check_image_batch(bgr) is None and not np.allclose(rgb, bgr)


# --- with ONNX Runtime ----------------------------------------------------------------------------

def test_preprocessed_photo_runs_in_the_light_resnet50():
    import onnxruntime as ort

    from ortlearn.data import real_model_path

    session = ort.InferenceSession(str(real_model_path("resnet50")), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    (out,) = session.run(None, {name: preprocess(load_image("china"))})
    assert out.shape == (1, 1000)
    top = postprocess(out, k=5, softmax=False)
    assert top.indices == (0, 1, 2, 3, 4) and np.allclose(top.probabilities, 0.001)  # generated weights: uniform
    with pytest.raises(Exception, match=r"Got invalid dimensions for input"):
        session.run(None, {name: preprocess(load_image("china"), layout="NHWC")})


def test_import_is_light():
    code = "import sys, json, ortlearn.vision; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(json.loads(out)) & {"PIL", "sklearn", "matplotlib", "torch", "onnxruntime", "onnx"} == set()
