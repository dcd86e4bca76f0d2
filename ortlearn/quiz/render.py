"""Bank text is data: the one place that turns a bank's Markdown into something to show.

A question bank can come from anyone (a colleague, a download, a shared
``ORTLEARN_BANKS_DIR``), and its text is shown in places where markup runs: a
JupyterLab page holds the user's token, so a ``<script>`` or an ``onerror=``
that reached it could use the Jupyter REST API as the user. So bank text is
never handed to a front end as Markdown or HTML to interpret. It goes through
here instead:

- :func:`format_markdown_html` renders Markdown with ``markdown-it-py`` with
  raw HTML *off* (``<script>`` arrives as the literal text ``<script>``), no
  images (no request leaves the page), and then sanitizes the result with
  ``nh3`` (the Ammonia sanitizer): only a short list of tags survives, links
  keep ``http``, ``https``, ``mailto`` and relative targets only and open in a
  new tab, and no attribute but ``href`` does. Bold, italics, inline code,
  code blocks, lists, tables, headings and links render.
- :func:`format_markdown_text` is the terminal's form: the Markdown source
  (which is meant to read as plain text) without control characters, so a
  bank cannot clear a screen, hide text or set a window title.

Both libraries are imported on first use, so ``import ortlearn`` stays light.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["format_markdown_html", "format_markdown_text", "strip_control_characters"]

#: Tags that rendered Markdown may keep; everything else is removed (its text stays).
_TAGS = frozenset({
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p",
    "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
})  # fmt: skip
_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# C0 controls except tab and line feed, DEL, and C1 controls: what a terminal obeys instead of printing.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control_characters(text: str) -> str:
    """Return ``text`` without control characters (tab and line feed stay; ``\\r\\n`` becomes ``\\n``).

    Example:
        >>> strip_control_characters("ok\\x1b[2J done\\r\\n")
        'ok[2J done\\n'
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


def format_markdown_text(text: str) -> str:
    """Return bank Markdown as plain text for a terminal: the source, without control characters.

    Args:
        text: Markdown from a bank (or anything else from outside).

    Returns:
        The same text with escape sequences and other control characters
        removed (tab and line feed stay).

    Example:
        >>> format_markdown_text("Pick **one**\\x1b]0;title\\x07")
        'Pick **one**]0;title'
    """
    return strip_control_characters(text)


def format_markdown_html(text: str, *, inline: bool = False) -> str:
    """Render bank Markdown as sanitized HTML: nothing in it can run or fetch anything.

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        text: Markdown from a bank. Raw HTML in it is shown as text.
        inline: Render one paragraph's worth of inline Markdown (no ``<p>``),
            for places such as a ``<label>`` that only take phrasing content.

    Returns:
        HTML made only of the tags listed in this module, with ``href`` as the
        only attribute (``http``, ``https``, ``mailto`` or relative).

    Example:
        >>> format_markdown_html("**bold** <script>alert(1)</script>")
        '<p><strong>bold</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>'
    """
    import nh3

    text = strip_control_characters(text)
    rendered = _markdown().renderInline(text) if inline else _markdown().render(text)
    return nh3.clean(
        rendered,
        tags=set(_TAGS),
        attributes={"a": {"href"}},
        url_schemes=set(_URL_SCHEMES),
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    ).strip()


@lru_cache(maxsize=1)
def _markdown() -> Any:
    """The one Markdown parser: CommonMark plus tables and strikethrough, raw HTML and images off."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return parser.enable(["table", "strikethrough"]).disable("image")
