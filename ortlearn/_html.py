"""HTML from package templates: one Jinja2 set-up for every page and display the library renders.

Templates are package files (``ortlearn/templates/*.html`` for the small displays of
reports, checks and the doctor; ``ortlearn/quiz/page/`` for the exported quiz page).
Every ``{{ value }}`` is escaped with :func:`html.escape` unless it is already HTML
(:class:`markupsafe.Markup`, from :func:`safe`): the one escaping rule the library
has always used, so stored notebook outputs do not change. Jinja2 loads on first use,
so ``import ortlearn`` stays light.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

__all__ = ["render", "safe", "template"]


def _escape(value: Any) -> str:
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


@lru_cache(maxsize=None)
def template(package: str, folder: str, name: str) -> Any:
    """The Jinja2 template ``folder/name`` of ``package`` (StrictUndefined: a missing value is an error)."""
    return _environment(package, folder).get_template(name)


@lru_cache(maxsize=None)
def _environment(package: str, folder: str) -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader(package, folder), autoescape=False, finalize=_escape,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def safe(markup: str) -> Any:
    """Mark ``markup`` as HTML already (sanitized or built from escaped parts): it is inserted as it is."""
    from markupsafe import Markup

    return Markup(markup)


def render(name: str, **values: Any) -> str:
    """Render ``ortlearn/templates/<name>`` with ``values`` (escaped unless :func:`safe`)."""
    return template("ortlearn", "templates", name).render(**values)
