"""ortlearn: the helper library of a hands-on ONNX Runtime course.

Import it as ``import ortlearn as ol`` and reach helpers through their role-named
submodule, for example ``ol.graph.describe_model(path)`` or
``ol.feeds.make_feeds(session)``. Submodules load on first use, so
``import ortlearn`` stays light: it imports neither onnx, onnxruntime, torch,
scikit-learn nor matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SUBMODULES = frozenset({
    "bench", "checkup", "cli", "compare", "data", "exercises", "export", "feeds", "graph", "lessons", "loading", "metrics", "ocr", "quiz",
    "session", "vision", "zoo",
})

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these load lazily
    from ortlearn import (  # noqa: F401
        bench, compare, data, exercises, export, feeds, graph, lessons, loading, metrics, ocr, quiz, session, vision, zoo,
    )


def doctor() -> "Any":
    """Check this machine's setup for the course and return a report.

    Lists Python and package versions, ONNX Runtime's available execution
    providers, CPU threads, and for anything missing what to install. The
    report shows itself as text or HTML in Jupyter; ``print(report)`` works in
    a terminal (``ortlearn doctor`` prints the same).

    Introduced in lessons/00_start_here.ipynb.
    """
    from ortlearn.checkup import describe_setup

    return describe_setup()


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"ortlearn.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ortlearn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(_SUBMODULES | {"__version__", "doctor"})
