"""Create ONNX Runtime sessions that say plainly which provider runs them.

``make_session`` wraps ``onnxruntime.InferenceSession``: it refuses a misspelled
provider name (ONNX Runtime would print "EP Error" and carry on with the CPU),
turns the easy-to-miss "not available, running on CPU" fallback into one clear
:class:`ProviderFallbackWarning`, and names the optimization level in words.
``describe_io`` shows a session's inputs, outputs and providers as a table.

Introduced in lessons/02_sessions.ipynb (sessions) and
lessons/03_providers.ipynb (providers, graph optimizations).
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

from ortlearn._table import Table
from ortlearn._checks import as_int
from ortlearn.lessons import lesson_path
from ortlearn.loading import Dim, ModelLike, ValueSpec, load_model, load_signature

if TYPE_CHECKING:  # onnxruntime is imported lazily so that ``import ortlearn`` stays light
    import onnxruntime

__all__ = ["OPTIMIZATION_LEVELS", "ProviderFallbackWarning", "IOInfo", "SessionIO", "make_session", "describe_io"]

#: Friendly names for ``onnxruntime.GraphOptimizationLevel`` members, least to most optimized.
OPTIMIZATION_LEVELS: dict[str, str] = {
    "disable": "ORT_DISABLE_ALL",
    "basic": "ORT_ENABLE_BASIC",
    "extended": "ORT_ENABLE_EXTENDED",
    "layout": "ORT_ENABLE_LAYOUT",
    "all": "ORT_ENABLE_ALL",
}

ProviderSpec = Union[str, tuple[str, Mapping[str, Any]]]
_PACKAGES = {  # the pip package whose onnxruntime build includes a provider
    "CUDAExecutionProvider": "onnxruntime-gpu", "TensorrtExecutionProvider": "onnxruntime-gpu",
    "DmlExecutionProvider": "onnxruntime-directml", "OpenVINOExecutionProvider": "onnxruntime-openvino",
    "QNNExecutionProvider": "onnxruntime-qnn", "MIGraphXExecutionProvider": "onnxruntime-migraphx",
}


class ProviderFallbackWarning(UserWarning):
    """A requested execution provider is not running the session (ONNX Runtime fell back).

    Introduced in lessons/03_providers.ipynb.
    """


def _as_folder_path(what: str, path: Union[str, os.PathLike]) -> str:
    text = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):  # ORT says only "SystemError : 2", or writes nothing at all
        raise FileNotFoundError(f"{what}={text!r} points into the folder {folder!r}, which does not exist. "
                                f"Create it first, e.g. pathlib.Path({folder!r}).mkdir(parents=True); "
                                f"see {lesson_path('03_providers')}.")
    return text


def _check_providers(providers: object, known: Sequence[str], available: Sequence[str]) -> list[ProviderSpec]:
    fix = lesson_path("03_providers")
    if isinstance(providers, str):
        raise TypeError(f"providers must be a list of provider names, not one string: got {providers!r}. "
                        f'Wrap it in a list: providers=["{providers}"]; see {fix}.')
    if not isinstance(providers, Sequence):
        raise TypeError(f"providers must be a list of provider names or (name, options dict) pairs; got "
                        f"{type(providers).__name__}: {providers!r}. See {fix}.")
    if not providers:
        raise ValueError(f"providers is empty: name at least one, e.g. providers=['CPUExecutionProvider']. "
                         f"This onnxruntime build offers {list(available)}; see {fix}.")
    checked: list[ProviderSpec] = []
    for entry in providers:
        if isinstance(entry, (tuple, list)) and len(entry) == 2 and isinstance(entry[1], Mapping):
            name, options = entry[0], dict(entry[1])
        else:
            name, options = entry, None
        if not isinstance(name, str):
            raise TypeError(f"Each provider must be a name such as 'CPUExecutionProvider' or a (name, options "
                            f"dict) pair; got {entry!r}. See {fix}.")
        if name not in known:
            close = [k for k in known if name and k.lower().startswith(name.lower())] or difflib.get_close_matches(
                name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise ValueError(f"Unknown execution provider {name!r}{hint} This onnxruntime build offers "
                             f"{list(available)} (ort.get_available_providers()); ort.get_all_providers() lists "
                             f"every name ONNX Runtime knows. See {fix}.")
        checked.append(name if options is None else (name, options))
    return checked


def _resolve_level(optimization: object) -> "onnxruntime.GraphOptimizationLevel":
    import onnxruntime

    if isinstance(optimization, onnxruntime.GraphOptimizationLevel):
        return optimization
    names = list(OPTIMIZATION_LEVELS)
    if not isinstance(optimization, str):
        raise TypeError(f"optimization must be one of {names} or an onnxruntime.GraphOptimizationLevel; got "
                        f"{type(optimization).__name__}: {optimization!r}. See {lesson_path('03_providers')}.")
    if optimization not in OPTIMIZATION_LEVELS:
        raise ValueError(f"Unknown optimization level {optimization!r}; expected one of {names} (or an "
                         f"onnxruntime.GraphOptimizationLevel). See {lesson_path('03_providers')}.")
    return getattr(onnxruntime.GraphOptimizationLevel, OPTIMIZATION_LEVELS[optimization])


def _fallback_message(missing: list[str], active: list[str], available: Sequence[str], said: list[str]) -> str:
    quoted = " ".join(f'ONNX Runtime said: "{text.rstrip(".")}".' for text in said)
    fixes = []
    for name in missing:
        package = _PACKAGES.get(name)
        if name in available:
            libraries = " (usually missing or mismatched CUDA/cuDNN libraries)" if package == "onnxruntime-gpu" else ""
            fixes.append(f"{name} is in this build but could not start{libraries}; ONNX Runtime's "
                         f"message or its log lines (stderr) say why")
        elif package is None:
            fixes.append(f"{name} needs an onnxruntime build that includes it")
        else:
            libraries = " and the CUDA and cuDNN libraries it needs" if package == "onnxruntime-gpu" else ""
            fixes.append(f"for {name}, install {package} instead of onnxruntime (never both: "
                         f"pip uninstall onnxruntime first){libraries}")
    return (f"Requested {missing} but {'it is' if len(missing) == 1 else 'they are'} not active: this session "
            f"runs on {active}. {quoted} This onnxruntime build offers {list(available)}. To fix it: "
            f"{'; '.join(fixes)}. See {lesson_path('03_providers')}.")


def make_session(
    model: ModelLike,
    *,
    providers: Sequence[ProviderSpec] = ("CPUExecutionProvider",),
    optimization: Union[str, "onnxruntime.GraphOptimizationLevel"] = "all",
    threads: Optional[int] = None,
    optimized_model_path: Union[str, os.PathLike, None] = None,
    profile_prefix: Union[str, os.PathLike, None] = None,
    log_severity: int = 3,
) -> "onnxruntime.InferenceSession":
    """Create an ``onnxruntime.InferenceSession`` and report any provider fallback clearly.

    ONNX Runtime only warns and runs on CPU when a requested provider is not
    in this build, and prints to stdout, then uses CPU, when a provider fails
    to start. ``make_session`` refuses names ONNX Runtime does not know,
    and when a requested provider is not among ``session.get_providers()`` it
    emits one :class:`ProviderFallbackWarning` that quotes ONNX Runtime and
    says how to fix it. Other warnings from ONNX Runtime pass through unchanged.

    Introduced in lessons/02_sessions.ipynb; providers and optimization levels
    in lessons/03_providers.ipynb.

    Args:
        model: An ``onnx.ModelProto``, a path to a ``.onnx`` file or its bytes
            (anything :func:`ortlearn.loading.load_model` accepts). A path is
            passed to ONNX Runtime as is, so external data next to it is found.
        providers: Provider names in priority order, or ``(name, options)``
            pairs, e.g. ``[("CUDAExecutionProvider", {"device_id": 0}),
            "CPUExecutionProvider"]``.
        optimization: A key of :data:`OPTIMIZATION_LEVELS` (``"disable"``,
            ``"basic"``, ``"extended"``, ``"layout"``, ``"all"``) or an
            ``onnxruntime.GraphOptimizationLevel``.
        threads: ``intra_op_num_threads``; ``None`` keeps ONNX Runtime's default.
        optimized_model_path: Where ONNX Runtime writes the optimized graph.
        profile_prefix: Turn profiling on; ``session.end_profiling()`` then writes
            ``<prefix>_<date>.json`` and returns its path.
        log_severity: ``SessionOptions.log_severity_level``, 0 (verbose) to
            4 (fatal); the default 3 shows errors only.

    Returns:
        The session.

    Raises:
        TypeError: ``providers`` is one string or not a sequence of names/pairs;
            ``optimization``, ``threads`` or ``log_severity`` of the wrong type.
        ValueError: An unknown provider name (with a suggestion), no providers,
            an unknown optimization level, ``threads`` < 1.
        FileNotFoundError: The folder of ``optimized_model_path`` or
            ``profile_prefix`` does not exist (ONNX Runtime would fail cryptically
            or write nothing); or from :func:`~ortlearn.loading.load_model`.
        NotAnOnnxModelError: From :func:`~ortlearn.loading.load_model`.

    Example:
        >>> import ortlearn as ol
        >>> session = ol.session.make_session(ol.zoo.make_relu_linear_model(), threads=1)
        >>> session.get_providers()
        ['CPUExecutionProvider']
    """
    import onnxruntime

    available = onnxruntime.get_available_providers()
    known = list(dict.fromkeys([*onnxruntime.get_all_providers(), *available]))
    checked = _check_providers(providers, known, available)
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = _resolve_level(optimization)
    if threads is not None:
        options.intra_op_num_threads = as_int("threads", threads, "02_sessions", 1)
    options.log_severity_level = as_int("log_severity", log_severity, "02_sessions", 0, 4)
    if optimized_model_path is not None:
        options.optimized_model_filepath = _as_folder_path("optimized_model_path", optimized_model_path)
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = _as_folder_path("profile_prefix", profile_prefix)

    import onnx

    if isinstance(model, (str, os.PathLike)):
        source: Union[str, bytes] = os.fspath(model)  # a path, so ORT finds external data next to it
    elif isinstance(model, (bytes, bytearray, memoryview)):
        source = bytes(model)
    elif isinstance(model, onnx.ModelProto):
        source = model.SerializeToString()
    else:
        load_model(model)  # raises the TypeError that names what a model can be
        raise AssertionError("unreachable")  # pragma: no cover

    printed = io.StringIO()  # ONNX Runtime prints "EP Error ... Falling back" to stdout
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed):
        warnings.simplefilter("always")
        try:  # ONNX Runtime reads the model once; only if it fails do we look for the reason
            session = onnxruntime.InferenceSession(source, options, providers=checked)
        except Exception as ort_error:  # noqa: BLE001 (ORT raises several unrelated classes)
            _diagnose(model, ort_error)
            raise
    active = session.get_providers()
    requested = [entry if isinstance(entry, str) else entry[0] for entry in checked]
    missing = [name for name in dict.fromkeys(requested) if name not in active]
    lines = [line.strip() for line in printed.getvalue().splitlines() if line.strip().strip("*")]
    said = [" ".join(line for line in lines if not line.startswith("*"))] if lines else []
    for record in caught:
        text = str(record.message)
        if missing and any(text.startswith(f"Specified provider '{name}'") for name in missing):
            said.append(text)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno,
                                   source=record.source)
    if missing:
        warnings.warn(_fallback_message(missing, active, available, said), ProviderFallbackWarning, stacklevel=2)
    elif said:  # printed, yet every provider is active: hand ORT's text back unchanged
        sys.stdout.write(printed.getvalue())
    return session


def _diagnose(model: ModelLike, ort_error: Exception) -> None:
    """Raise load_model's clearer error (missing file, .pth, not ONNX), chained to ONNX Runtime's; else return."""
    try:
        load_model(model, load_external_data=False)
    except (OSError, ValueError) as ours:
        raise ours from ort_error


@dataclass(frozen=True)
class IOInfo:
    """One input or output of a session, as ONNX Runtime reports it.

    Introduced in lessons/02_sessions.ipynb.

    Attributes:
        name: The name to use as a feed key or in ``output_names``.
        type: ONNX Runtime's type text, e.g. ``"tensor(float)"``.
        shape: One entry per dimension: an ``int`` (fixed), a ``str`` (symbolic,
            e.g. ``"batch"``) or ``None`` (unknown). ONNX Runtime reports an
            unknown rank as ``()``, the same as a scalar.
    """

    name: str
    type: str
    shape: tuple[Dim, ...]


@dataclass(frozen=True, repr=False)
class SessionIO:
    """What :func:`describe_io` found; shows itself as an aligned text table or HTML.

    Introduced in lessons/02_sessions.ipynb.

    Attributes:
        inputs: The session's inputs, in order (``session.get_inputs()``).
        outputs: Its outputs, in order (``session.get_outputs()``).
        providers: ``session.get_providers()``: the providers that run it, by priority.
    """

    inputs: tuple[IOInfo, ...]
    outputs: tuple[IOInfo, ...]
    providers: tuple[str, ...]

    def _table(self) -> Table:
        rows = [(kind, info.name, info.type, repr(list(info.shape)))
                for kind, group in (("input", self.inputs), ("output", self.outputs)) for info in group]
        return Table(rows, header=("kind", "name", "type", "shape"), text_header=False,
                     caption=f"Session inputs and outputs (providers: {', '.join(self.providers)})")

    def __str__(self) -> str:
        table = self._table()
        return "\n".join([table.caption, *table.format_lines()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self._table().format_html()


def describe_io(session: "onnxruntime.InferenceSession") -> SessionIO:
    """List a session's inputs and outputs (name, type, shape) and its providers.

    Introduced in lessons/02_sessions.ipynb.

    Args:
        session: An ``onnxruntime.InferenceSession``, e.g. from :func:`make_session`.

    Returns:
        A :class:`SessionIO`; Jupyter shows it as a table, ``print`` as text.

    Raises:
        TypeError: ``session`` is not an ``InferenceSession`` (for a model, use
            :func:`ortlearn.graph.describe_model` or create a session first).

    Example:
        >>> import ortlearn as ol
        >>> print(ol.session.describe_io(ol.session.make_session(ol.zoo.make_relu_linear_model())))
        Session inputs and outputs (providers: CPUExecutionProvider)
        input   x  tensor(float)  ['batch', 4]
        output  y  tensor(float)  ['batch', 3]
    """
    import onnxruntime

    if not isinstance(session, onnxruntime.InferenceSession):
        raise TypeError(f"Expected an onnxruntime.InferenceSession, e.g. from ol.session.make_session(model); got "
                        f"{type(session).__name__}: {session!r:.80}. For a model, use ol.graph.describe_model; "
                        f"see {lesson_path('02_sessions')}.")

    def infos(specs: tuple[ValueSpec, ...]) -> tuple[IOInfo, ...]:
        return tuple(IOInfo(spec.name, spec.type_text, spec.shape) for spec in specs)

    signature = load_signature(session)
    return SessionIO(infos(signature.inputs), infos(signature.outputs), tuple(session.get_providers()))
