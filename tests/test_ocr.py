"""ortlearn.ocr: the PP-OCR steps, checked against independent oracles and the shipped models."""

from __future__ import annotations

import numpy as np
import pytest

import ortlearn as ol
from ortlearn import ocr


def test_ctc_greedy_decode_merges_repeats_then_drops_blanks():
    charset = ["blank", "h", "e", "l", "o"]
    path = [1, 1, 2, 0, 3, 3, 0, 3, 4, 4, 0]
    probs = np.full((len(path), 5), 0.05, dtype=np.float32)
    probs[np.arange(len(path)), path] = 0.8
    [(text, score)] = ocr.ctc_greedy_decode(probs, charset)
    assert text == "hello"
    assert score == pytest.approx(0.8)
    assert ocr.ctc_greedy_decode(np.eye(5)[[0, 0]][np.newaxis], charset) == [("", 0.0)]


def test_ctc_greedy_decode_names_a_charset_mismatch():
    with pytest.raises(ValueError, match=r"C = len\(charset\) = 3; got shape \(1, 4, 5\)"):
        ocr.ctc_greedy_decode(np.zeros((1, 4, 5)), ["blank", "a", "b"])


def test_boxes_from_map_grows_and_scales_each_region():
    prob = np.zeros((32, 64), dtype=np.float32)
    prob[10:14, 8:28] = 0.9  # 4 × 20 region: grows by 4·20·1.6 / 48 ≈ 2.67 map pixels
    prob[20:22, 40:41] = 0.9  # too thin: dropped (min_size 3)
    boxes = ocr.boxes_from_map(prob, (64, 128))  # the image is twice the map's size
    assert boxes == [(10, 14, 62, 34)]
    assert ocr.boxes_from_map(prob * 0.4, (64, 128)) == []  # mean probability below box_threshold


def test_preprocess_det_rounds_to_multiples_of_32_and_maps_to_minus_one_one():
    image = np.full((70, 100, 3), 255, dtype=np.uint8)
    x = ocr.preprocess_det(image)
    assert x.shape == (1, 3, 64, 96) and x.dtype == np.float32
    assert np.allclose(x, 1.0)
    assert ocr.preprocess_det(np.zeros((5, 5, 3), np.uint8)).shape == (1, 3, 32, 32)


def test_preprocess_line_keeps_aspect_ratio_and_pads_with_zeros():
    crop = np.full((24, 40, 3), 255, dtype=np.uint8)  # 48 high -> 80 wide
    x = ocr.preprocess_line([crop])
    assert x.shape == (1, 3, 48, 320)
    assert np.allclose(x[..., :80], 1.0) and np.allclose(x[..., 80:], 0.0)
    assert np.allclose(ocr.preprocess_line([crop], stretch=True), 1.0)
    assert ocr.preprocess_line([crop], width=192, max_width=192).shape == (1, 3, 48, 192)


def test_make_word_set_is_deterministic():
    a, b = ocr.make_word_set(6, seed=3), ocr.make_word_set(6, seed=3)
    assert a.words == b.words and np.array_equal(a.images, b.images)
    assert a.images.shape == (6, 64, 320, 3) and a.images.dtype == np.uint8
    assert "6 cards of 320×64 pixels" in repr(a)
    with pytest.raises(ValueError, match="n must be an int >= 1; got 0"):
        ocr.make_word_set(0)


def test_ocr_model_paths_exist_and_unknown_tasks_are_named():
    for task in ol.data.OCR_MODELS:
        assert ol.data.ocr_model_path(task).is_file()
    with pytest.raises(KeyError, match=r"No OCR model for task 'detect'\. Choose one of \['det', 'cls', 'rec'\]"):
        ol.data.ocr_model_path("detect")


def test_the_pipeline_reads_generated_cards_and_the_bugs_cost_words():
    models = ocr.load_models()
    assert len(models.charset) == models.rec.get_outputs()[0].shape[-1]
    cards = ocr.make_word_set(12, seed=5)
    right = sum(t == w for t, w in zip(ocr.read_cards(models, cards.images), cards.words))
    assert right >= 11
    scrambled = ocr.read_cards(models, cards.images, bug="reshape-nhwc")
    assert sum(t == w for t, w in zip(scrambled, cards.words)) <= 1
    with pytest.raises(ValueError, match="Unknown bug 'bgr'; choose None or one of"):
        ocr.read_cards(models, cards.images, bug="bgr")
