from __future__ import annotations

import pickle
import re

import numpy as np
import onnx
import pytest

from ortlearn.loading import NotAnOnnxModelError, load_model


def test_model_proto_is_returned_unchanged(relu_linear):
    assert load_model(relu_linear) is relu_linear


def test_path_str_and_bytes_give_the_same_model(relu_linear, relu_linear_path):
    expected = relu_linear.SerializeToString()
    assert load_model(relu_linear_path).SerializeToString() == expected
    assert load_model(str(relu_linear_path)).SerializeToString() == expected
    assert load_model(expected).SerializeToString() == expected
    assert load_model(bytearray(expected)).SerializeToString() == expected


def test_external_data_is_loaded_from_the_models_folder(tmp_path, relu_linear):
    path = tmp_path / "big.onnx"
    onnx.save(relu_linear, path, save_as_external_data=True, all_tensors_to_one_file=True,
              location="big.onnx.data", size_threshold=0)
    assert (tmp_path / "big.onnx.data").exists()
    loaded = load_model(path)
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in loaded.graph.initializer}
    np.testing.assert_array_equal(weights["b"], np.array([0.5, -0.25, 0.1], dtype=np.float32))
    header_only = load_model(path, load_external_data=False)
    assert header_only.graph.initializer[0].data_location == onnx.TensorProto.EXTERNAL


def test_missing_file_names_the_absolute_path_and_the_lesson(tmp_path):
    missing = tmp_path / "nope.onnx"
    with pytest.raises(FileNotFoundError, match=r"No model file at .*nope\.onnx.*looked for .*lessons/01_onnx_format\.ipynb"):
        load_model(missing)


def test_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder, not a .onnx file"):
        load_model(tmp_path)


def test_torch_checkpoint_gets_export_advice(tmp_path):
    import torch

    path = tmp_path / "weights.pth"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(NotAnOnnxModelError, match=r"looks like a PyTorch checkpoint.*torch\.onnx\.export.*lessons/04_export\.ipynb"):
        load_model(path)


def test_plain_pickle_is_recognised_as_a_checkpoint(tmp_path):
    path = tmp_path / "model.bin.onnx"
    path.write_bytes(pickle.dumps({"weight": [1, 2]}, protocol=4))
    with pytest.raises(NotAnOnnxModelError, match="looks like a PyTorch checkpoint"):
        load_model(path)


def test_text_file_says_what_arrived(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("hello")
    with pytest.raises(NotAnOnnxModelError, match=re.escape("got 5 bytes starting with b'hello'")):
        load_model(path)


def test_bytes_that_parse_to_an_empty_message_are_refused():
    # b"" parses as an empty ModelProto: protobuf alone would accept it.
    with pytest.raises(NotAnOnnxModelError, match="holds no ir_version or graph"):
        load_model(b"")


def test_wrong_type_lists_the_accepted_types():
    with pytest.raises(TypeError, match=r"Expected an onnx\.ModelProto, a path to a \.onnx file or its bytes; got int: 42"):
        load_model(42)
