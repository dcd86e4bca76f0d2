"""Small pieces the quiz widgets and the checkpoint share: buttons, visibility, safe text, callback guards.

Bank text reaches a widget only through :mod:`ortlearn.quiz.render` (sanitized
HTML in a ``widgets.HTML``), or as plain text in a radio or checkbox label.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any

import ipywidgets as widgets

from ortlearn._html import render
from ortlearn.quiz.render import format_markdown_html

__all__ = ["RIGHT", "WRONG", "button", "guarded", "highlight", "inline_html", "markdown_html", "plain_label",
           "set_visible"]

log = logging.getLogger("ortlearn.quiz.widgets")

#: Feedback colours: right and wrong.
RIGHT, WRONG = "#1a7f37", "#b3261e"


def plain_label(text: str) -> str:
    """A choice's Markdown as plain text for a radio or checkbox label (those cannot render Markdown).

    Drops the backticks of inline code and ``**`` bold markers: "`list` of arrays" -> "list of arrays".
    """
    return re.sub(r"`([^`]*)`", r"\1", text).replace("**", "").strip()


def markdown_html(text: str) -> str:
    """Bank Markdown as sanitized HTML for a ``widgets.HTML`` (see :mod:`ortlearn.quiz.render`).

    Bank text never goes into an ``Output`` as ``text/markdown``: JupyterLab marks the
    widget output area as trusted, so HTML in it would run.
    """
    return format_markdown_html(text) if text else ""


def inline_html(text: str) -> str:
    """Inline Markdown (`code`, **bold**) as sanitized HTML; line breaks stay line breaks."""
    return "<br>".join(format_markdown_html(line, inline=True) for line in text.split("\n"))


def highlight(code: str) -> str:
    """Python ``code`` as HTML with inline styles (no stylesheet needed)."""
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return pygments_highlight(code, PythonLexer(), HtmlFormatter(noclasses=True))


def button(description: str, tooltip: str, icon: str, *, style: str = "", visible: bool = True) -> widgets.Button:
    """A button sized to its label, optionally hidden."""
    made = widgets.Button(description=description, tooltip=tooltip, icon=icon, button_style=style,
                          layout=widgets.Layout(width="auto"))
    set_visible(made, visible)
    return made


def set_visible(widget: widgets.DOMWidget, visible: bool) -> None:
    """Show or hide a widget (its layout's ``display``)."""
    widget.layout.display = None if visible else "none"


def guarded(error_area: widgets.HTML, callback: Callable[..., None]) -> Callable[..., None]:
    """Wrap a widget callback so an exception is shown in ``error_area`` and logged, never lost.

    JupyterLab hides exceptions raised in widget callbacks; this puts the traceback
    in the widget itself (``Output.capture`` would only route it inside a live kernel,
    and tests could not read it).
    """
    @wraps(callback)
    def handler(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:  # shown to the learner and logged, not swallowed
            log.exception("Quiz callback %s failed", callback.__name__)
            error_area.value = render("quiz_error.html", color=WRONG, traceback=traceback.format_exc())

    return handler
