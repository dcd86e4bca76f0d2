"""Every check is proven: the reference solution passes, and each catalogued wrong solution fails as intended.

Lessons 01-03 and 05-08 (no torch export); lesson 04's proofs are in test_exercises_proofs_export.py (slow).
Each wrong solution is tagged with its misconception (like the banks' ``mistake:``), and its
message is pinned with a regex.
"""

from __future__ import annotations

import re

import pytest

from exercise_proofs import define
from ortlearn.exercises import load

#: (lesson, exercise, mistake tag, source of the wrong solution, regex its message must match)
WRONG = [
    ("01_onnx_format", "q1", "relu-instead-of-sigmoid", '''
def make_sigmoid_model(W, b):
    n_in, n_out = W.shape
    nodes = [helper.make_node("MatMul", ["x", "W"], ["xW"]), helper.make_node("Add", ["xW", "b"], ["z"]),
             helper.make_node("Relu", ["z"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n_in])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n_out])],
                              initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
''', r"relu\(x·W \+ b\): the last node should be Sigmoid"),
    ("01_onnx_format", "q1", "fixed-batch", '''
def make_sigmoid_model(W, b):
    n_in, n_out = W.shape
    nodes = [helper.make_node("MatMul", ["x", "W"], ["xW"]), helper.make_node("Add", ["xW", "b"], ["z"]),
             helper.make_node("Sigmoid", ["z"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, n_in])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, n_out])],
                              initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
''', r"first dimension is 2, a fixed size"),
    ("01_onnx_format", "q1", "lesson-sizes-hardcoded", '''
def make_sigmoid_model(W, b):
    nodes = [helper.make_node("MatMul", ["x", "W"], ["xW"]), helper.make_node("Add", ["xW", "b"], ["z"]),
             helper.make_node("Sigmoid", ["z"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
                              initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
''', r"check_model\(model, full_check=True\) rejects the model"),
    ("01_onnx_format", "q2", "initializers-are-inputs", '''
def inputs_to_feed(model):
    return [value.name for value in model.graph.input]
''', r"you returned every graph input .* initializers"),
    ("01_onnx_format", "q2", "first-input-only", '''
def inputs_to_feed(model):
    return [model.graph.input[0].name]
''', r"that is not the set of inputs without an initializer"),
    ("02_sessions", "q1", "hardcoded-input-name", '''
def predict(session, x):
    return session.run(None, {"x": x.astype(np.float32)})[0]
''', r"raised an error.*Required inputs.*session\.get_inputs\(\)\[0\]\.name"),
    ("02_sessions", "q1", "float64-feed", '''
def predict(session, x):
    return session.run(None, {session.get_inputs()[0].name: x})[0]
''', r"Unexpected input data type.*\.astype\(np\.float32\)"),
    ("02_sessions", "q1", "run-returns-array", '''
def predict(session, x):
    return session.run(None, {session.get_inputs()[0].name: x.astype(np.float32)})
''', r"returned a list .*outputs\[0\]"),
    ("02_sessions", "q1", "nodearg-as-key", '''
def predict(session, x):
    return session.run(None, {session.get_inputs()[0]: x.astype(np.float32)})[0]
''', r"Required inputs.*not the NodeArg"),
    ("02_sessions", "q2", "inter-op-for-one-operator", '''
def make_threaded_session(path, threads):
    options = ort.SessionOptions()
    options.inter_op_num_threads = threads
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
''', r"inter_op_num_threads set"),
    ("02_sessions", "q2", "options-after-creation", '''
def make_threaded_session(path, threads):
    options = ort.SessionOptions()
    session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    options.intra_op_num_threads = threads
    return session
''', r"intra_op_num_threads is the default, 0 .*before"),
    ("02_sessions", "q2", "ignores-argument", '''
def make_threaded_session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
''', r"intra_op_num_threads is 1\b"),
    ("03_providers", "q1", "default-level", '''
def make_basic_session(model_bytes, save_to):
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(save_to)
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
''', r"ORT_ENABLE_ALL \(the default"),
    ("03_providers", "q1", "forgot-optimized-path", '''
def make_basic_session(model_bytes, save_to):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
''', r"No rewritten graph was written"),
    ("03_providers", "q1", "disable-means-basic", '''
def make_basic_session(model_bytes, save_to):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.optimized_model_filepath = str(save_to)
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
''', r"level is ORT_DISABLE_ALL"),
    ("03_providers", "q2", "registered-means-ran", '''
def check_runs_on(session, provider):
    if provider not in session.get_providers():
        raise RuntimeError(f"{provider} is not registered")
''', r"did not raise RuntimeError when asking for (Azure|CUDA).*get_provider_graph_assignment_info"),
    ("03_providers", "q2", "returns-instead-of-raising", '''
def check_runs_on(session, provider):
    return all(s.ep_name == provider for s in session.get_provider_graph_assignment_info())
''', r"it returned False; return values are easy to ignore"),
    ("03_providers", "q3", "bit-exact", '''
def same_within_tolerance(actual, expected):
    return bool(np.array_equal(actual, expected))
''', r"For outputs that differ in their last bits.* you answered False"),
    ("03_providers", "q3", "numpy-defaults", '''
def same_within_tolerance(actual, expected):
    return bool(np.allclose(actual, expected))
''', r"For values near zero .* you answered False"),
    ("03_providers", "q3", "absolute-only", '''
def same_within_tolerance(actual, expected):
    return bool(np.allclose(actual, expected, rtol=0, atol=1e-5))
''', r"For values around 1000 .* you answered False"),
    ("05_metrics_pitfalls", "q1", "precision-recall-swapped", '''
def metrics_from_counts(tp, fn, fp, tn):
    return {"accuracy": (tp + tn) / (tp + fn + fp + tn), "precision": tp / (tp + fn), "recall": tp / (tp + fp),
            "f1": 2 * tp / (2 * tp + fp + fn)}
''', r"precision and recall are swapped"),
    ("05_metrics_pitfalls", "q1", "f1-arithmetic-mean", '''
def metrics_from_counts(tp, fn, fp, tn):
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"accuracy": (tp + tn) / (tp + fn + fp + tn), "precision": precision, "recall": recall,
            "f1": (precision + recall) / 2}
''', r"harmonic mean"),
    ("05_metrics_pitfalls", "q2", "tuning-on-test", '''
def choose_threshold(splits):
    return ol.metrics.threshold_sweep(splits.test_labels, splits.test_scores).best_f1()[0]
''', r"read splits\.test_labels.*leakage"),
    ("05_metrics_pitfalls", "q2", "accuracy-instead-of-f1", '''
def choose_threshold(splits):
    grid = [round(0.05 * k, 2) for k in range(1, 20)]
    y, s = splits.validation_labels, splits.validation_scores
    return max(grid, key=lambda t: np.mean((s >= t) == y))
''', r"does not give the best F1 on the validation split"),
    ("05_metrics_pitfalls", "q2", "default-threshold", '''
def choose_threshold(splits):
    return 0.5
''', r"does not give the best F1 on the validation split"),
    ("06_vision_pipeline", "q1", "no-scaling", '''
def my_preprocess(image):
    x = ol.vision.preprocess(image, mean=None, std=None)[0].transpose(1, 2, 0) * 255
    mean, std = np.array(ol.vision.IMAGENET_MEAN, np.float32), np.array(ol.vision.IMAGENET_STD, np.float32)
    return ((x.round() - mean) / std).transpose(2, 0, 1)[np.newaxis].astype(np.float32)
''', r"not scaled to \[0, 1\]"),
    ("06_vision_pipeline", "q1", "bgr-order", '''
def my_preprocess(image):
    return ol.vision.preprocess(np.ascontiguousarray(image[:, :, ::-1]))
''', r"BGR order, not RGB"),
    ("06_vision_pipeline", "q1", "reshape-instead-of-transpose", '''
def my_preprocess(image):
    return ol.vision.preprocess(image, layout="NHWC").reshape(1, 3, 224, 224)
''', r"moved with reshape"),
    ("06_vision_pipeline", "q1", "channels-last", '''
def my_preprocess(image):
    return ol.vision.preprocess(image, layout="NHWC")
''', r"returned shape \(1, 224, 224, 3\).*transpose HWC -> CHW"),
    ("06_vision_pipeline", "q2", "naive-softmax", '''
def stable_softmax(logits):
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)
''', r"logits around 1000 .*exp overflowed"),
    ("06_vision_pipeline", "q2", "wrong-axis", '''
def stable_softmax(logits):
    e = np.exp(logits - logits.max(axis=0))
    return e / e.sum(axis=0)
''', r"the columns sum to 1, not the rows"),
    ("06_vision_pipeline", "q3", "compares-whole-tensor", '''
def keeps_rgb(preprocess):
    image = ol.vision.load_image("china")
    return bool(np.allclose(preprocess(image), ol.vision.preprocess(image), atol=1e-4))
''', r"said False \(swaps channels\) for an RGB pipeline"),
    ("06_vision_pipeline", "q3", "always-true", '''
def keeps_rgb(preprocess):
    return True
''', r"said True \(keeps RGB\) for a pipeline that loads BGR"),
    ("07_performance", "q1", "quantize-everything", '''
def quantize_fc_layers(model_path, out_path):
    quantize_dynamic(model_path, out_path, weight_type=QuantType.QInt8)
''', r"convolution was quantized too \(ConvInteger\)"),
    ("07_performance", "q1", "uint8-weights", '''
def quantize_fc_layers(model_path, out_path):
    quantize_dynamic(model_path, out_path, weight_type=QuantType.QUInt8, op_types_to_quantize=["MatMul", "Gemm"])
''', r"quantized to uint8"),
    ("07_performance", "q1", "not-quantized", '''
def quantize_fc_layers(model_path, out_path):
    onnx.save(onnx.load(model_path), out_path)
''', r"fully connected layers were not quantized"),
    ("07_performance", "q2", "float-tolerance-for-int8", '''
def int8_acceptable(float_logits, int8_logits, labels):
    return bool(np.allclose(int8_logits, float_logits, rtol=1e-4, atol=1e-5))
''', r"said False for an int8 model whose logits move by up to 0\.08.*wrong yardstick"),
    ("07_performance", "q2", "accuracy-only", '''
def int8_acceptable(float_logits, int8_logits, labels):
    drop = np.mean(float_logits.argmax(1) == labels) - np.mean(int8_logits.argmax(1) == labels)
    return bool(drop <= 0.01)
''', r"said True for an int8 model that keeps the accuracy"),
    ("07_performance", "q2", "max-logit-difference", '''
def int8_acceptable(float_logits, int8_logits, labels):
    return bool(np.abs(float_logits - int8_logits).max() < 0.5)
''', r"said False for an int8 model whose logits all move"),
    ("07_performance", "q3", "timing-the-warm-up", '''
def measure(fn, warmup, repeat):
    times_ms = []
    for _ in range(warmup + repeat):
        start = time.perf_counter()
        fn()
        times_ms.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": float(np.percentile(times_ms, 50)), "p90_ms": float(np.percentile(times_ms, 90)),
            "max_ms": float(np.max(times_ms))}
''', r"cold-start call: the warm-up calls were timed too"),
    ("07_performance", "q3", "mean-as-p50", '''
def measure(fn, warmup, repeat):
    for _ in range(warmup):
        fn()
    times_ms = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times_ms.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": float(np.mean(times_ms)), "p90_ms": float(np.percentile(times_ms, 90)),
            "max_ms": float(np.max(times_ms))}
''', r"Is it a mean\?"),
    ("07_performance", "q3", "seconds-not-ms", '''
def measure(fn, warmup, repeat):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"p50_ms": float(np.percentile(times, 50)), "p90_ms": float(np.percentile(times, 90)),
            "max_ms": float(np.max(times))}
''', r"report milliseconds"),
    ("08_custom_operators", "q1", "missing-clip", '''
def make_hardswish_function():
    nodes = [helper.make_node("Constant", [], ["six"], value_float=6.0),
             helper.make_node("Constant", [], ["half"], value_float=0.5),
             helper.make_node("Div", ["X", "six"], ["d"]), helper.make_node("Add", ["d", "half"], ["a"]),
             helper.make_node("Mul", ["X", "a"], ["Y"])]
    return helper.make_function("my.functions", "MyHardSwish", ["X"], ["Y"], nodes,
                                opset_imports=[helper.make_opsetid("", 21)])
''', r"wrong for inputs below -3 .*clip to \[0, 1\]"),
    ("08_custom_operators", "q1", "standard-operator", '''
def make_hardswish_function():
    return helper.make_function("my.functions", "MyHardSwish", ["X"], ["Y"],
                                [helper.make_node("HardSwish", ["X"], ["Y"])],
                                opset_imports=[helper.make_opsetid("", 21)])
''', r"The body uses \['HardSwish'\]"),
    ("08_custom_operators", "q1", "no-opset-import", '''
def make_hardswish_function():
    nodes = [helper.make_node("Constant", [], ["six"], value_float=6.0),
             helper.make_node("Constant", [], ["half"], value_float=0.5),
             helper.make_node("Constant", [], ["zero"], value_float=0.0),
             helper.make_node("Constant", [], ["one"], value_float=1.0),
             helper.make_node("Div", ["X", "six"], ["d"]), helper.make_node("Add", ["d", "half"], ["a"]),
             helper.make_node("Clip", ["a", "zero", "one"], ["c"]), helper.make_node("Mul", ["X", "c"], ["Y"])]
    return helper.make_function("my.functions", "MyHardSwish", ["X"], ["Y"], nodes, opset_imports=[])
''', r"ONNX Runtime cannot load a model that calls your function"),
    ("08_custom_operators", "q2", "library-not-registered", '''
def make_contrib_session(model_bytes):
    return ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
''', r"raised an error while creating a session.*register the library that implements its domain"),
    ("08_custom_operators", "q2", "registered-after-creation", '''
def make_contrib_session(model_bytes):
    options = ort.SessionOptions()
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    options.register_custom_ops_library(get_library_path())
    return session
''', r"register the library that implements its domain"),
    ("08_custom_operators", "q3", "float64-output", '''
def softsign_kernel(x):
    return x / (1.0 + np.abs(x.astype(np.float64)))
''', r"returned float64 .*\.astype\(np\.float32\)"),
    ("08_custom_operators", "q3", "missing-abs", '''
def softsign_kernel(x):
    return (x / (2.0 + x * x) * 2).astype(np.float32)
''', r"Run by ORT, your operator's outputs differ"),
    ("09_real_model_ocr", "q1", "blanks-dropped-before-merging", '''
def ctc_decode(probabilities, charset):
    texts = []
    for steps in probabilities.argmax(axis=-1):
        kept = [i for i in steps if i != 0]
        texts.append("".join(charset[i] for n, i in enumerate(kept) if n == 0 or i != kept[n - 1]))
    return texts
''', r"blanks were removed before merging repeats"),
    ("09_real_model_ocr", "q1", "no-merge", '''
def ctc_decode(probabilities, charset):
    return ["".join(charset[i] for i in steps if i != 0) for steps in probabilities.argmax(axis=-1)]
''', r"too long .* merge them"),
    ("09_real_model_ocr", "q1", "blank-kept", '''
def ctc_decode(probabilities, charset):
    texts = []
    for steps in probabilities.argmax(axis=-1):
        texts.append("".join(charset[i] for n, i in enumerate(steps) if n == 0 or i != steps[n - 1]))
    return texts
''', r"contains 'blank'"),
    ("09_real_model_ocr", "q2", "no-normalization", '''
def det_input(image_bgr):
    height, width = image_bgr.shape[:2]
    new_h, new_w = max(32, round(height / 32) * 32), max(32, round(width / 32) * 32)
    return cv2.resize(image_bgr, (new_w, new_h)).astype(np.float32).transpose(2, 0, 1)[np.newaxis]
''', r"not normalized to \[-1, 1\]"),
    ("09_real_model_ocr", "q2", "not-multiple-of-32", '''
def det_input(image_bgr):
    x = (image_bgr.astype(np.float32) / 255 - 0.5) / 0.5
    return x.transpose(2, 0, 1)[np.newaxis]
''', r"multiples of 32"),
    ("09_real_model_ocr", "q2", "reshape-nhwc", '''
def det_input(image_bgr):
    height, width = image_bgr.shape[:2]
    new_h, new_w = max(32, round(height / 32) * 32), max(32, round(width / 32) * 32)
    x = (cv2.resize(image_bgr, (new_w, new_h)).astype(np.float32) / 255 - 0.5) / 0.5
    return x.reshape(1, 3, new_h, new_w)
''', r"reshape, which scrambles"),
    ("09_real_model_ocr", "q2", "bgr-to-rgb", '''
def det_input(image_bgr):
    height, width = image_bgr.shape[:2]
    new_h, new_w = max(32, round(height / 32) * 32), max(32, round(width / 32) * 32)
    x = (cv2.resize(image_bgr[..., ::-1].copy(), (new_w, new_h)).astype(np.float32) / 255 - 0.5) / 0.5
    return x.transpose(2, 0, 1)[np.newaxis]
''', r"channels were swapped"),
]

FAST_LESSONS = ["01_onnx_format", "02_sessions", "03_providers", "05_metrics_pitfalls", "06_vision_pipeline",
                "07_performance", "08_custom_operators", "09_real_model_ocr"]


def _exercises(lessons):
    return [(stem, name) for stem in lessons for name in ("q1", "q2", "q3") if hasattr(load(stem), name)]


@pytest.mark.parametrize(("lesson", "name"), _exercises(FAST_LESSONS))
def test_reference_solution_passes(lesson, name):
    module = load(lesson)
    result = getattr(module, name).check(define(getattr(module, name).solution_code))
    assert result.status == "correct", str(result)
    assert str(result).startswith("Correct: ")


@pytest.mark.parametrize(("lesson", "name", "mistake", "source", "pattern"), WRONG,
                         ids=[f"{w[0][:2]}-{w[1]}-{w[2]}" for w in WRONG])
def test_wrong_solution_fails_with_its_message(lesson, name, mistake, source, pattern):
    exercise = getattr(load(lesson), name)
    result = exercise.check(define(source))
    assert result.status == "incorrect", f"{mistake}: {result}"
    assert str(result).startswith("Not yet: ")
    assert re.search(pattern, str(result), flags=re.DOTALL), f"{mistake}: {result}"
    assert exercise.section in str(result)


@pytest.mark.parametrize(("lesson", "name"), _exercises(FAST_LESSONS))
def test_every_exercise_has_at_least_one_catalogued_mistake(lesson, name):
    assert any(w[0] == lesson and w[1] == name for w in WRONG)
