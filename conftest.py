"""Repository-wide pytest configuration.

Notebooks are regression tests: `make test` runs `pytest --nbval` in strict mode
(every stored output is compared; see nbval_sanitize.cfg for the few values that
legitimately vary).

How stderr is handled, deliberately: nbval compares stderr streams like any
other output, and we keep that. Python warnings that a lesson shows on purpose
(e.g. ORT's UserWarning when CUDA is requested on a CPU build) are part of what
a learner must see, so they are compared, with their varying paths sanitized.
ONNX Runtime's C++ log lines are a different matter: the kernel captures them
into notebooks saved from Jupyter but not under pytest (ipykernel skips fd
capture when PYTEST_CURRENT_TEST is set), so they could never match. Every
lesson therefore sets ORT's log severity to ERROR in its imports cell
(`ort.set_default_logger_severity(3)`), which keeps them out of both.
"""

import os

# Kernels started by nbval inherit this environment: make hashing deterministic
# and keep matplotlib's inline backend producing PNG (never SVG, which nbval
# would compare byte by byte).
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.pop("MPLBACKEND", None)


def _run_cells_like_jupyter() -> None:
    """Make nbval execute cells with ``store_history=True``, as Jupyter does.

    nbval 0.11 sends every cell with ``store_history=False``. IPython decides
    whether a trailing ``;`` silences a cell's result by looking at the last
    *stored* input, so under plain nbval ``plt.plot(...);`` or
    ``ol.graph.show_graph(...);`` still emit an execute_result (a figure shown
    twice, or ``[<Line2D at 0x…>]``) that a learner in JupyterLab never sees.
    Storing history makes the regression run see exactly what learners see.
    """
    from nbval.kernel import RunningKernel

    def execute_cell_input(self, cell_input, allow_stdin=None):
        return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)

    RunningKernel.execute_cell_input = execute_cell_input


try:
    _run_cells_like_jupyter()
except ImportError:  # nbval not installed: unit tests still run
    pass
