from __future__ import annotations

import pytest

from ortlearn.data import REAL_MODELS, real_model_path


@pytest.mark.parametrize("name", REAL_MODELS)
def test_every_real_model_ships_with_onnx(name):
    path = real_model_path(name)
    assert path.is_file() and path.name == f"light_{name}.onnx"


def test_unknown_model_lists_the_choices():
    with pytest.raises(KeyError, match=r"No shipped real model named 'resnet'\. Choose one of \['bvlc_alexnet'"):
        real_model_path("resnet")
