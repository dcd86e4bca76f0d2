"""ortlearn.compare: parity reports, checked against numbers computed here by hand."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from ortlearn.compare import OutputParity, ParityReport, assert_outputs_close, compare_outputs


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_identical_arrays_pass_with_zero_differences():
    x = _rng().standard_normal((3, 4)).astype(np.float32)
    report = compare_outputs(x, x.copy())
    assert report.ok
    (out,) = report.outputs
    assert (out.name, out.shape, out.dtype, out.actual_dtype) == ("0", (3, 4), "float32", "float32")
    assert (out.max_abs_diff, out.max_rel_diff, out.mean_abs_diff) == (0.0, 0.0, 0.0)
    assert (out.mismatched, out.total, out.nan_mismatches, out.ok) == (0, 12, 0, True)
    assert report.verdict == "PASS: all outputs within rtol=0.0001, atol=1e-05"


def test_tiny_differences_within_tolerance_pass():
    expected = np.linspace(1.0, 2.0, 50)
    actual = expected * (1 + 5e-6)  # relative error 5e-6 < rtol 1e-5
    report = compare_outputs(expected, actual)
    assert report.ok and report.outputs[0].mismatched == 0
    assert report.outputs[0].max_rel_diff == pytest.approx(5e-6, rel=1e-6)


def test_mismatched_count_and_diffs_match_an_independent_oracle():
    expected = _rng(1).standard_normal(1000)
    actual = expected.copy()
    actual[[3, 10, 500]] += [1e-3, -2e-3, 4e-3]  # 3 clearly outside
    actual[[7, 8]] += 1e-6 * 0.5  # inside atol
    expected[0], actual[0] = 0.0, 1e-7  # expected 0: relative diff uses the tiny floor, still inside atol
    report = compare_outputs(expected, actual, rtol=1e-5, atol=1e-6)
    out = report.outputs[0]
    diff = [abs(a - e) for a, e in zip(actual.tolist(), expected.tolist())]
    outside = sum(d > 1e-6 + 1e-5 * abs(e) for d, e in zip(diff, expected.tolist()))
    assert (out.mismatched, out.total, report.ok) == (outside, 1000, False) and outside == 3
    assert out.mismatched_fraction == pytest.approx(0.003)
    assert out.max_abs_diff == pytest.approx(max(diff), rel=1e-12)
    assert out.mean_abs_diff == pytest.approx(sum(diff) / len(diff), rel=1e-12)
    tiny = np.finfo(np.float64).tiny
    assert out.max_rel_diff == pytest.approx(max(d / max(abs(e), tiny) for d, e in zip(diff, expected.tolist())))
    assert out.max_rel_diff == pytest.approx(1e-7 / tiny)  # the zero expected dominates


def test_rel_diff_oracle_on_a_small_case():
    report = compare_outputs(np.array([2.0, -4.0, 10.0]), np.array([2.2, -4.0, 9.0]), rtol=0.0, atol=0.5)
    out = report.outputs[0]
    assert out.max_abs_diff == pytest.approx(1.0)
    assert out.max_rel_diff == pytest.approx(0.1)  # max(0.2/2, 0/4, 1/10)
    assert out.mean_abs_diff == pytest.approx(1.2 / 3)
    assert out.mismatched == 1  # only |9 - 10| = 1 > 0.5


def test_nan_in_the_same_positions_counts_as_equal():
    x = np.array([[1.0, np.nan], [np.nan, 4.0]], dtype=np.float32)
    report = compare_outputs(x, x.copy())
    assert report.ok and report.outputs[0].nan_mismatches == 0
    assert report.outputs[0].max_abs_diff == 0.0  # NaN pairs are left out of the statistics


def test_nan_on_one_side_is_a_mismatch_and_reported():
    expected = np.array([1.0, 2.0, 3.0, np.nan])
    actual = np.array([np.nan, 2.0, np.nan, 4.0])
    report = compare_outputs(expected, actual)
    out = report.outputs[0]
    assert (out.nan_only_actual, out.nan_only_expected, out.nan_mismatches, out.mismatched) == (2, 1, 3, 3)
    assert not report.ok
    assert out.max_abs_diff == 0.0  # only the finite pair (2.0, 2.0) is measured
    assert report.verdict == ("FAIL: 1 of 1 outputs not within rtol=0.0001, atol=1e-05: 0 (3/4 elements outside, "
                              "1 NaN only in expected, 2 NaN only in actual)")


def test_infinities_equal_when_same_sign_else_mismatch():
    report = compare_outputs(np.array([np.inf, -np.inf, np.inf, 1.0]), np.array([np.inf, -np.inf, -np.inf, np.inf]))
    out = report.outputs[0]
    assert (out.mismatched, out.inf_mismatches, out.nan_mismatches) == (2, 2, 0)
    assert "2 inf mismatches" in str(report)


def test_empty_arrays_compare_fine():
    report = compare_outputs(np.zeros((0, 10), np.float32), np.zeros((0, 10), np.float32))
    out = report.outputs[0]
    assert report.ok and (out.total, out.max_abs_diff, out.mismatched_fraction) == (0, 0.0, 0.0)
    assert out.top1_agreement == (0, 0)


def test_float32_against_float64_is_compared_in_float64_and_noted():
    expected = np.array([0.1, 0.2, 0.3])
    report = compare_outputs(expected, expected.astype(np.float32))
    out = report.outputs[0]
    assert (out.dtype, out.actual_dtype) == ("float64", "float32")
    assert out.max_abs_diff == pytest.approx(float(np.max(np.abs(expected.astype(np.float32).astype(np.float64)
                                                                 - expected))))
    assert "float64/float32" in str(report)
    assert "compared in float64 (expected float64, actual float32)" in str(report)


def test_integer_outputs_compare_exactly_at_zero_tolerance():
    report = compare_outputs(np.array([1, 2, 3], np.int64), np.array([1, 2, 4], np.int32), rtol=0, atol=0)
    assert report.outputs[0].mismatched == 1 and report.outputs[0].top1_agreement is None


# --- containers ----------------------------------------------------------------------------------------


def test_lists_tuples_and_a_single_array_pair_up():
    a, b = np.ones((2, 3)), np.zeros(4)
    assert compare_outputs([a, b], (a.copy(), b.copy())).ok
    report = compare_outputs(a, [a.copy()])  # a torch-style single output vs session.run's list
    assert report.ok and len(report.outputs) == 1


def test_names_label_list_outputs():
    report = compare_outputs([np.ones(2), np.ones(3)], [np.ones(2), np.ones(3)], names=["logits", "probs"])
    assert [o.name for o in report.outputs] == ["logits", "probs"]


def test_dicts_pair_by_key_not_order():
    expected = {"logits": np.ones(3), "probs": np.zeros(2)}
    actual = {"probs": np.zeros(2), "logits": np.ones(3)}
    report = compare_outputs(expected, actual)
    assert report.ok and [o.name for o in report.outputs] == ["logits", "probs"]


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_()
    report = compare_outputs((t * 1,), [t.detach().numpy().copy()])
    assert report.ok and report.outputs[0].dtype == "float32"
    bf16 = torch.ones(2, dtype=torch.bfloat16)  # numpy has no bfloat16: compared as float32
    assert compare_outputs(bf16, np.ones(2, np.float32)).ok


def test_top1_agreement_counts_rows_whose_argmax_agrees():
    expected = _rng(2).standard_normal((450, 10)).astype(np.float32)
    actual = expected.copy()
    rows = [0, 5, 9]
    for r in rows:  # move each row's winner elsewhere
        actual[r, (np.argmax(expected[r]) + 1) % 10] = expected[r].max() + 1.0
    report = compare_outputs(expected, actual)
    assert report.outputs[0].top1_agreement == (447, 450)
    assert "447/450" in str(report)
    assert compare_outputs(np.ones((4, 1)), np.ones((4, 1))).outputs[0].top1_agreement is None  # one class
    assert compare_outputs(np.ones((2, 3, 4)), np.ones((2, 3, 4))).outputs[0].top1_agreement is None  # not 2-D


# --- errors, pinned -------------------------------------------------------------------------------------


def test_shape_mismatch_is_an_error_not_a_broadcast():
    with pytest.raises(ValueError, match=r"Output 0 has a different shape: expected \(1, 10\) \(float32\), actual "
                                         r"\(10,\) \(float32\)\. compare_outputs does not broadcast.*"
                                         r"lessons/04_export\.ipynb"):
        compare_outputs(np.ones((1, 10), np.float32), np.ones(10, np.float32))


def test_shape_mismatch_names_the_output():
    with pytest.raises(ValueError, match=r"Output 'probs' \(index 1\) has a different shape"):
        compare_outputs([np.ones(2), np.ones(3)], [np.ones(2), np.ones(4)], names=["logits", "probs"])


def test_dtype_kind_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r"Output 0 has a different kind of dtype: expected float32 \(float\), "
                                         r"actual int64 \(integer\), shape \(3,\)"):
        compare_outputs(np.ones(3, np.float32), np.ones(3, np.int64))


def test_output_count_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r"Different number of outputs: expected has 2, actual has 1\."):
        compare_outputs([np.ones(2), np.ones(2)], [np.ones(2)])


def test_dict_errors():
    with pytest.raises(ValueError, match=r"The dicts name different outputs: expected has \['a', 'b'\], actual has "
                                         r"\['a', 'c'\] \(missing in actual: \['b'\]; only in actual: \['c'\]\)"):
        compare_outputs({"a": np.ones(1), "b": np.ones(1)}, {"a": np.ones(1), "c": np.ones(1)})
    with pytest.raises(ValueError, match=r"expected is a dict but actual is a list: pass both as dicts"):
        compare_outputs({"a": np.ones(1)}, [np.ones(1)])


def test_bad_items_and_tolerances_are_errors():
    with pytest.raises(TypeError, match=r"actual\[0\] must be a numpy array, a torch tensor or a number; got str"):
        compare_outputs(np.ones(1), ["1.0"])
    with pytest.raises(TypeError, match=r"expected\[0\] has dtype <U1, which is not numeric"):
        compare_outputs(np.array(["a"]), np.array(["a"]))
    with pytest.raises(ValueError, match=r"rtol must be a finite number >= 0 such as 1e-5; got -1\.0"):
        compare_outputs(np.ones(1), np.ones(1), rtol=-1.0)
    with pytest.raises(ValueError, match=r"names has 1 name\(s\) \['a'\] but there are 2 outputs"):
        compare_outputs([np.ones(1)] * 2, [np.ones(1)] * 2, names=["a"])
    with pytest.raises(ValueError, match=r"Nothing to compare"):
        compare_outputs([], [])


# --- the report --------------------------------------------------------------------------------------


def _two_output_report() -> ParityReport:
    logits = np.array([[1.0, 2.0], [3.0, 0.5]], dtype=np.float32)
    return compare_outputs({"logits": logits, "<b>id</b>": np.array([1, 2])},
                           {"logits": logits + np.float32(1e-3), "<b>id</b>": np.array([1, 2])})


def test_report_text_is_a_stable_table_with_a_verdict():
    assert str(_two_output_report()) == "\n".join([
        "Parity report: 2 outputs, rtol=0.0001, atol=1e-05",
        "output     shape   dtype    max abs diff  max rel diff  mean abs diff  mismatched     top-1 agreement  ok",
        "logits     (2, 2)  float32  1.00e-03      2.00e-03      1.00e-03       4/4 (100.00%)  2/2              NO",
        "<b>id</b>  (2,)    int64    0.00e+00      0.00e+00      0.00e+00       0/2 (0.00%)    -                yes",
        "FAIL: 1 of 2 outputs not within rtol=0.0001, atol=1e-05: logits (4/4 elements outside)",
    ])
    assert repr(_two_output_report()) == str(_two_output_report())
    assert "0x" not in repr(_two_output_report())


def test_report_html_is_escaped_and_has_the_verdict():
    page = _two_output_report()._repr_html_()
    assert "&lt;b&gt;id&lt;/b&gt;" in page and "<b>id</b>" not in page
    assert page.count("<tr>") == 3
    assert "FAIL: 1 of 2 outputs not within rtol=0.0001, atol=1e-05" in page
    assert "PASS: all outputs within" in compare_outputs(np.ones(1), np.ones(1))._repr_html_()


def test_report_is_frozen():
    report = compare_outputs(np.ones(1), np.ones(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.rtol = 1.0  # type: ignore[misc]
    assert isinstance(report.outputs[0], OutputParity)


# --- assert_outputs_close --------------------------------------------------------------------------------


def test_assert_outputs_close_returns_the_report_when_ok():
    report = assert_outputs_close([np.ones(3)], [np.ones(3) + 1e-9])
    assert isinstance(report, ParityReport) and report.ok


def test_assert_outputs_close_raises_with_the_report():
    with pytest.raises(AssertionError, match=r"(?s)Outputs differ beyond tolerance:\nParity report: 1 output.*"
                                             r"FAIL: 1 of 1 outputs not within rtol=0\.001, atol=0: 0 "
                                             r"\(1/2 elements outside\)"):
        assert_outputs_close(np.array([1.0, 2.0]), np.array([1.0, 2.1]), rtol=1e-3, atol=0)


def test_importing_the_module_loads_no_torch_or_onnx():
    code = "import sys, json, ortlearn.compare; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert loaded & {"torch", "onnx", "onnxruntime"} == set()


def test_assert_outputs_close_takes_compare_outputs_parameters():
    import inspect

    assert inspect.signature(assert_outputs_close) == inspect.signature(compare_outputs)  # what help() shows
    with pytest.raises(TypeError, match="rtl"):
        assert_outputs_close([np.ones(2)], [np.ones(2)], rtl=1e-3)
    report = assert_outputs_close([np.ones(2)], [np.ones(2) + 1e-3], rtol=1e-2, names=["y"])
    assert report.ok and report.rtol == 1e-2
