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
- :func:`format_markdown_text` is the terminal's form of the same parse:
  plain text without markers (``**bold**`` reads "bold"; inline code keeps its
  backticks, which read as code in a terminal), lists with their bullets and
  numbers, tables as aligned columns, code blocks indented, links as
  "text (address)". Control characters are removed first, so a bank cannot
  clear a screen, hide text or set a window title.

Both libraries are imported on first use, so ``import ortlearn`` stays light.

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["format_markdown_html", "format_markdown_text", "strip_control_characters"]

#: An indent for code blocks and for the lines that continue a list item.
_CODE_INDENT = "    "

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


def format_markdown_text(text: str, *, inline: bool = False) -> str:
    """Render bank Markdown as plain text for a terminal (the same parser as the HTML form).

    Introduced in lessons/01_onnx_format.ipynb.

    Args:
        text: Markdown from a bank (or anything else from outside). Escape
            sequences and other control characters are removed first.
        inline: Render one paragraph's worth of inline Markdown (a choice, a
            feedback message): no block structure, line breaks kept.

    Returns:
        Plain text: emphasis markers dropped, inline code in backticks, lists
        bulleted or numbered, tables aligned in columns, code blocks indented by
        four spaces, links as "text (address)", blocks separated by blank lines.

    Example:
        >>> format_markdown_text("Pick **one**:\\n\\n- `list`\\n- [docs](https://onnxruntime.ai)")
        'Pick one:\\n\\n- `list`\\n- docs (https://onnxruntime.ai)'
        >>> format_markdown_text("ok\\x1b]0;title\\x07", inline=True)
        'ok]0;title'
    """
    from markdown_it.tree import SyntaxTreeNode

    text = strip_control_characters(text)
    if inline:
        tokens = _markdown().parseInline(text)
        return _inline_text(SyntaxTreeNode(tokens).children[0]) if tokens else ""
    return "\n".join(_children_lines(SyntaxTreeNode(_markdown().parse(text)))).strip("\n")


def _children_lines(node: Any) -> list[str]:
    """A container's blocks, one blank line apart (none around the hidden paragraphs of tight lists)."""
    lines: list[str] = []
    previous_tight = True
    for child in node.children:
        tight = child.type == "paragraph" and child.nester_tokens.opening.hidden
        if lines and not (tight or previous_tight):
            lines.append("")
        lines += _block_lines(child)
        previous_tight = tight
    return lines


def _block_lines(node: Any) -> list[str]:
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _inline_text(node.children[0]).split("\n") if node.children else [""]
    if kind in ("fence", "code_block"):
        return [f"{_CODE_INDENT}{line}" if line else "" for line in node.content.rstrip("\n").split("\n")]
    if kind == "hr":
        return ["-" * 20]
    if kind == "blockquote":
        return [f"> {line}" if line else ">" for line in _children_lines(node)]
    if kind in ("bullet_list", "ordered_list"):
        return _list_lines(node)
    if kind == "table":
        return _table_lines(node)
    return _children_lines(node)


def _list_lines(node: Any) -> list[str]:
    ordered = node.type == "ordered_list"
    start = int(node.attrs.get("start", 1)) if ordered else 1
    tight = any(child.type == "paragraph" and child.nester_tokens.opening.hidden
                for item in node.children for child in item.children)
    lines: list[str] = []
    for number, item in enumerate(node.children, start=start):
        marker = f"{number}{node.markup or '.'} " if ordered else "- "
        body = _children_lines(item) or [""]
        if lines and not tight:
            lines.append("")
        lines.append(marker + body[0])
        lines += [" " * len(marker) + line if line else "" for line in body[1:]]
    return lines


def _table_lines(node: Any) -> list[str]:
    rows: list[list[str]] = []
    right: dict[int, bool] = {}
    for section in node.children:  # thead, tbody
        for row in section.children:
            cells = []
            for column, cell in enumerate(row.children):
                right[column] = "right" in str(cell.attrs.get("style", ""))
                cells.append(" ".join(_inline_text(cell.children[0]).split()) if cell.children else "")
            rows.append(cells)
    if not rows:
        return []
    count = max(len(row) for row in rows)
    rows = [row + [""] * (count - len(row)) for row in rows]
    widths = [max(len(row[c]) for row in rows) for c in range(count)]

    def line(cells: list[str]) -> str:
        return " | ".join(cell.rjust(w) if right.get(c) else cell.ljust(w)
                          for c, (cell, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(rows[0]), "-+-".join("-" * w for w in widths), *(line(row) for row in rows[1:])]


def _inline_text(node: Any) -> str:
    parts: list[str] = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            parts.append(child.content)
        elif kind == "code_inline":
            fence = "`" * (max((len(run) for run in re.findall(r"`+", child.content)), default=0) + 1)
            pad = " " if child.content.startswith("`") or child.content.endswith("`") else ""
            parts.append(f"{fence}{pad}{child.content}{pad}{fence}")
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "link":
            label, href = _inline_text(child), str(child.attrs.get("href", ""))
            parts.append(label if not href or href == label else f"{label} ({href})")
        else:  # strong, em, s: the words without their markers
            parts.append(_inline_text(child))
    return "".join(parts)


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
