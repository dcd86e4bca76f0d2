"""Parity checks: do two sets of outputs agree within a tolerance?

``compare_outputs`` pairs the outputs of two runs (PyTorch vs ONNX Runtime, one
provider vs another, before vs after an optimization) and measures, per output,
the largest absolute and relative differences, how many elements fall outside
``atol + rtol * |expected|`` (``numpy.isclose``), NaN/inf disagreements and, for
``(N, classes)`` scores, how often the top-1 class agrees. The returned
:class:`ParityReport` shows itself as a table that ends with a PASS or FAIL line.
``assert_outputs_close`` raises ``AssertionError`` with that table, for tests.

Introduced in lessons/04_export.ipynb.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ortlearn._table import Table
from ortlearn._checks import as_real
from ortlearn.lessons import lesson_path

__all__ = ["DEFAULT_ATOL", "DEFAULT_RTOL", "OutputParity", "ParityReport", "compare_outputs", "assert_outputs_close"]

_KINDS = {"b": "bool", "i": "integer", "u": "integer", "f": "float", "c": "complex"}
_TINY = np.finfo(np.float64).tiny  # the denominator floor of the relative difference


@dataclass(frozen=True)
class OutputParity:
    """How one output of the two runs compares. Introduced in lessons/04_export.ipynb.

    Attributes:
        name: The output's name (a dict key or one of ``names``), or its index as text.
        shape: The shape both sides share.
        dtype: The expected side's dtype, e.g. ``"float32"``.
        actual_dtype: The actual side's dtype; when it differs from ``dtype``
            (float32 vs float64) both were compared in float64 or complex128.
        max_abs_diff: Largest ``|actual - expected|`` over the elements finite on
            both sides (0.0 if there are none).
        max_rel_diff: Largest ``|actual - expected| / max(|expected|, tiny)`` over
            the same elements (tiny is float64's smallest normal number, so an
            expected 0 with any difference gives a huge value).
        mean_abs_diff: Mean ``|actual - expected|`` over the same elements.
        mismatched: Elements for which ``numpy.isclose(actual, expected, rtol,
            atol, equal_nan=True)`` is False: NaN on both sides and infinities of
            the same sign count as equal; NaN or inf on one side only do not.
        total: Number of elements.
        nan_only_expected: Positions with NaN in expected but not in actual.
        nan_only_actual: Positions with NaN in actual but not in expected.
        inf_mismatches: Positions where an infinity meets a different value
            (another sign, or a finite number); NaNs not included.
        top1_agreement: For float ``(N, classes)`` outputs with 2 or more classes,
            ``(rows whose argmax agrees, N)``; otherwise ``None``.
        ok: ``mismatched == 0``.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    actual_dtype: str
    max_abs_diff: float
    max_rel_diff: float
    mean_abs_diff: float
    mismatched: int
    total: int
    nan_only_expected: int
    nan_only_actual: int
    inf_mismatches: int
    top1_agreement: Optional[tuple[int, int]]
    ok: bool

    @property
    def nan_mismatches(self) -> int:
        """Positions with NaN on one side only."""
        return self.nan_only_expected + self.nan_only_actual

    @property
    def mismatched_fraction(self) -> float:
        """``mismatched / total`` (0.0 for an empty output)."""
        return self.mismatched / self.total if self.total else 0.0

    @property
    def notes(self) -> str:
        """Non-finite disagreements and dtype differences, in words ('' if none)."""
        parts = []
        if self.nan_only_expected:
            parts.append(f"{self.nan_only_expected} NaN only in expected")
        if self.nan_only_actual:
            parts.append(f"{self.nan_only_actual} NaN only in actual")
        if self.inf_mismatches:
            parts.append(f"{self.inf_mismatches} inf mismatch{'es' * (self.inf_mismatches != 1)}")
        if self.dtype != self.actual_dtype:
            parts.append(f"compared in {_common_dtype(self.dtype, self.actual_dtype)} "
                         f"(expected {self.dtype}, actual {self.actual_dtype})")
        return "; ".join(parts)


def _common_dtype(a: str, b: str) -> str:
    return "complex128" if "complex" in a + b else "float64"


@dataclass(frozen=True, repr=False)
class ParityReport:
    """The result of :func:`compare_outputs`; shows itself as a table (text or HTML).

    Introduced in lessons/04_export.ipynb.

    Attributes:
        outputs: One :class:`OutputParity` per output, in order.
        rtol: The relative tolerance used.
        atol: The absolute tolerance used.
    """

    outputs: tuple[OutputParity, ...]
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        """True when every element of every output is within tolerance."""
        return all(o.ok for o in self.outputs)

    @property
    def verdict(self) -> str:
        """The last line of the report: ``"PASS: …"`` or ``"FAIL: …"`` with what failed."""
        tol = f"rtol={self.rtol:g}, atol={self.atol:g}"
        if self.ok:
            return f"PASS: all outputs within {tol}"
        failed = [o for o in self.outputs if not o.ok]
        details = []
        for o in failed:
            extra = "".join(f", {n}" for n in (
                f"{o.nan_only_expected} NaN only in expected" if o.nan_only_expected else "",
                f"{o.nan_only_actual} NaN only in actual" if o.nan_only_actual else "",
                f"{o.inf_mismatches} inf mismatch{'es' * (o.inf_mismatches != 1)}" if o.inf_mismatches else "",
            ) if n)
            details.append(f"{o.name} ({o.mismatched}/{o.total} elements outside{extra})")
        return f"FAIL: {len(failed)} of {len(self.outputs)} outputs not within {tol}: " + "; ".join(details)

    def _table(self) -> Table:
        header = ["output", "shape", "dtype", "max abs diff", "max rel diff", "mean abs diff", "mismatched"]
        with_top1 = any(o.top1_agreement is not None for o in self.outputs)
        with_notes = any(o.notes for o in self.outputs)
        header += ["top-1 agreement"] * with_top1 + ["ok"] + ["notes"] * with_notes
        rows = []
        for o in self.outputs:
            dtype = o.dtype if o.dtype == o.actual_dtype else f"{o.dtype}/{o.actual_dtype}"
            row = [o.name, str(o.shape), dtype, f"{o.max_abs_diff:.2e}", f"{o.max_rel_diff:.2e}",
                   f"{o.mean_abs_diff:.2e}", f"{o.mismatched}/{o.total} ({o.mismatched_fraction:.2%})"]
            if with_top1:
                row.append("-" if o.top1_agreement is None else "{}/{}".format(*o.top1_agreement))
            row.append("yes" if o.ok else "NO")
            if with_notes:
                row.append(o.notes or "-")
            rows.append(row)
        return Table(rows, header=header, caption=f"Parity report (rtol={self.rtol:g}, atol={self.atol:g})")

    def __str__(self) -> str:
        lines = [f"Parity report: {len(self.outputs)} output{'s' * (len(self.outputs) != 1)}, "
                 f"rtol={self.rtol:g}, atol={self.atol:g}"]
        return "\n".join([*lines, *self._table().format_lines(), self.verdict])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from ortlearn._html import render, safe

        return render("parity_report.html", table=safe(self._table().format_html()),
                      color="green" if self.ok else "#b00020", verdict=self.verdict)


def _to_array(value: Any, side: str, where: str) -> np.ndarray:
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        tensor = value.detach().cpu()
        if str(tensor.dtype) == "torch.bfloat16":  # numpy has no bfloat16
            tensor = tensor.float()
        return tensor.numpy()
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (np.generic, bool, int, float, complex)):
        array = np.asarray(value)
    else:
        raise TypeError(f"{side}{where} must be a numpy array, a torch tensor or a number; got "
                        f"{type(value).__name__}: {value!r:.80}. Pass an array, a list/tuple of arrays "
                        f"(one per output) or a dict name -> array; see {lesson_path('04_export')}.")
    if array.dtype.kind not in _KINDS:
        raise TypeError(f"{side}{where} has dtype {array.dtype}, which is not numeric; compare_outputs handles "
                        f"bool, integer, float and complex arrays. See {lesson_path('04_export')}.")
    return array


def _split(value: Any, side: str) -> tuple[Optional[list[str]], list[Any]]:
    """(keys or None, items): a dict gives its keys, a list/tuple its items, anything else one item."""
    if isinstance(value, Mapping):
        return [str(k) for k in value], list(value.values())
    if isinstance(value, (list, tuple)):
        return None, list(value)
    return None, [value]


def _pair(expected: Any, actual: Any, names: Optional[Sequence[str]]) -> list[tuple[str, Any, Any]]:
    fix = lesson_path("04_export")
    e_keys, e_items = _split(expected, "expected")
    a_keys, a_items = _split(actual, "actual")
    if (e_keys is None) != (a_keys is None):
        kinds = {side: "a dict" if keys is not None else f"a {type(value).__name__}"
                 for side, keys, value in (("expected", e_keys, expected), ("actual", a_keys, actual))}
        raise ValueError(f"expected is {kinds['expected']} but actual is {kinds['actual']}: pass both as dicts "
                         f"name -> array, or both as lists in the same order, e.g. "
                         f"dict(zip(output_names, session.run(None, feeds))). See {fix}.")
    if e_keys is not None and a_keys is not None:
        if names is not None:
            raise ValueError(f"names is for outputs passed as arrays or lists; dicts already name their outputs "
                             f"({e_keys}). Leave names=None. See {fix}.")
        missing, extra = [k for k in e_keys if k not in a_keys], [k for k in a_keys if k not in e_keys]
        if missing or extra:
            raise ValueError(f"The dicts name different outputs: expected has {e_keys}, actual has {a_keys} "
                             f"(missing in actual: {missing}; only in actual: {extra}). See {fix}.")
        actual_by_key = dict(zip(a_keys, a_items))
        return [(k, e, actual_by_key[k]) for k, e in zip(e_keys, e_items)]
    if len(e_items) != len(a_items):
        raise ValueError(f"Different number of outputs: expected has {len(e_items)}, actual has {len(a_items)}. "
                         f"Pair them one to one: session.run(None, feeds) returns a list with one array per "
                         f"model output, a torch module a tensor or a tuple. See {fix}.")
    if names is None:
        keys = [str(i) for i in range(len(e_items))]
    else:
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise TypeError(f"names must be a list of output names, e.g. [o.name for o in session.get_outputs()]; "
                            f"got {names!r}. See {fix}.")
        if len(names) != len(e_items):
            raise ValueError(f"names has {len(names)} name(s) {list(names)!r} but there are {len(e_items)} outputs "
                             f"to compare. See {fix}.")
        keys = [str(n) for n in names]
    return list(zip(keys, e_items, a_items))


def _compare_one(name: str, label: str, e: np.ndarray, a: np.ndarray, rtol: float, atol: float) -> OutputParity:
    fix = lesson_path("04_export")
    if e.shape != a.shape:
        raise ValueError(f"Output {label} has a different shape: expected {e.shape} ({e.dtype}), actual {a.shape} "
                         f"({a.dtype}). compare_outputs does not broadcast; check the batch size, a squeeze or "
                         f"flatten, or a layout change (NCHW vs NHWC). See {fix}.")
    e_kind, a_kind = _KINDS[e.dtype.kind], _KINDS[a.dtype.kind]
    if e_kind != a_kind:
        raise ValueError(f"Output {label} has a different kind of dtype: expected {e.dtype} ({e_kind}), actual "
                         f"{a.dtype} ({a_kind}), shape {e.shape}. Compare like with like: e.g. class indices with "
                         f"argmax of the scores, or cast on purpose with .astype(); see {fix}.")
    common = np.complex128 if e_kind == "complex" else np.float64
    e64, a64 = e.astype(common), a.astype(common)
    close = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=True)
    e_nan, a_nan = np.isnan(e64), np.isnan(a64)
    e_inf, a_inf = np.isinf(e64), np.isinf(a64)
    finite = ~(e_nan | a_nan | e_inf | a_inf)
    diff = np.abs(a64[finite] - e64[finite])
    rel = diff / np.maximum(np.abs(e64[finite]), _TINY)
    top1 = None
    if e_kind == "float" and e.ndim == 2 and e.shape[1] >= 2:
        top1 = (int(np.sum(np.argmax(e, axis=1) == np.argmax(a, axis=1))), int(e.shape[0]))
    mismatched = int(np.size(close) - np.count_nonzero(close))
    return OutputParity(
        name=name,
        shape=tuple(int(d) for d in e.shape),
        dtype=str(e.dtype),
        actual_dtype=str(a.dtype),
        max_abs_diff=float(diff.max()) if diff.size else 0.0,
        max_rel_diff=float(rel.max()) if rel.size else 0.0,
        mean_abs_diff=float(diff.mean()) if diff.size else 0.0,
        mismatched=mismatched,
        total=int(e.size),
        nan_only_expected=int(np.count_nonzero(e_nan & ~a_nan)),
        nan_only_actual=int(np.count_nonzero(a_nan & ~e_nan)),
        inf_mismatches=int(np.count_nonzero((e_inf | a_inf) & ~e_nan & ~a_nan & ~close)),
        top1_agreement=top1,
        ok=mismatched == 0,
    )


#: The course's float32 tolerance (lessons 01, 03, 04): ``|actual - expected| <= 1e-5 + 1e-4·|expected|``.
DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-5


def compare_outputs(
    expected: Any,
    actual: Any,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    names: Optional[Sequence[str]] = None,
) -> ParityReport:
    """Compare two runs' outputs element by element, within a tolerance.

    An element passes when ``|actual - expected| <= atol + rtol * |expected|``
    (``numpy.isclose`` with ``equal_nan=True``). Outputs must match in number,
    shape (no broadcasting) and dtype kind (bool, integer, float, complex);
    float32 against float64 is compared in float64 and noted in the report.

    Introduced in lessons/04_export.ipynb.

    Args:
        expected: The reference outputs (e.g. PyTorch's): an array or tensor, a
            list/tuple of them (one per output), or a dict name -> array.
            Tensors are converted with ``.detach().cpu().numpy()``.
        actual: The outputs to check (e.g. ``session.run(None, feeds)``), in the
            same form and order as ``expected``.
        rtol: Relative tolerance (>= 0). The default, 1e-4, with ``atol`` 1e-5, is the
            course's rule for float32 models on a CPU (lesson 01); float16 needs about
            1e-3 relative, and int8 is judged by task metrics instead (lesson 07).
        atol: Absolute tolerance (>= 0).
        names: Names for outputs given as arrays or lists, e.g.
            ``[o.name for o in session.get_outputs()]``; dicts use their keys.

    Returns:
        A :class:`ParityReport`; Jupyter shows it as a table, ``print`` as text,
        and ``report.ok`` says whether every output is within tolerance.

    Raises:
        ValueError: Different numbers of outputs or dict keys, a shape or dtype
            kind mismatch (the message names the output), bad tolerances.
        TypeError: An output that is not an array, tensor or number, or a
            non-numeric dtype.

    Example:
        >>> import numpy as np, ortlearn as ol
        >>> report = ol.compare.compare_outputs([np.ones(3)], [np.ones(3) + 1e-9])
        >>> report.ok, report.verdict
        (True, 'PASS: all outputs within rtol=1e-05, atol=1e-06')
    """
    rtol, atol = (as_real(name, value, "04_export", expected="a finite number >= 0 such as 1e-5")
                  for name, value in (("rtol", rtol), ("atol", atol)))
    pairs = _pair(expected, actual, names)
    if not pairs:
        raise ValueError(f"Nothing to compare: expected and actual hold no outputs. See {lesson_path('04_export')}.")
    results = []
    for index, (name, e, a) in enumerate(pairs):
        label = f"{index}" if name == str(index) else f"{name!r} (index {index})"
        where = f"[{index}]" if name == str(index) else f"[{name!r}]"
        results.append(_compare_one(name, label, _to_array(e, "expected", where), _to_array(a, "actual", where),
                                    rtol, atol))
    return ParityReport(tuple(results), rtol, atol)


def assert_outputs_close(expected: Any, actual: Any, **options: Any) -> ParityReport:
    """Like :func:`compare_outputs`, but raise ``AssertionError`` unless all outputs are close.

    For tests and notebook checks. Introduced in lessons/04_export.ipynb.

    Args:
        expected, actual: As :func:`compare_outputs`.
        **options: ``rtol``, ``atol`` and ``names``, as :func:`compare_outputs` (whose
            signature ``help()`` shows here too: one list of parameters, kept in one place).

    Returns:
        The :class:`ParityReport` when every output is within tolerance.

    Raises:
        AssertionError: Some output is not within tolerance; the message is the
            report's table with its FAIL line.
        ValueError, TypeError: As :func:`compare_outputs`.
    """
    report = compare_outputs(expected, actual, **options)
    if not report.ok:
        raise AssertionError(f"Outputs differ beyond tolerance:\n{report}")
    return report


assert_outputs_close.__signature__ = inspect.signature(compare_outputs)  # type: ignore[attr-defined]
