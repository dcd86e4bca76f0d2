"""Markdown of the course's own files (lesson cells, the README) as HTML for the website.

Unlike bank text (:mod:`ortlearn.quiz.render`, which treats a bank as untrusted data), lessons and the
README are the course's own, reviewed source: raw HTML such as ``<kbd>`` stays. Three things change on
the way to a static page:

- **Links.** A relative link names a file of the repository (``02_sessions.ipynb``,
  ``../quizzes/03_providers.ipynb``, ``quizzes/README.md``). It becomes a link to that file's page on the
  site when the site has one, and plain text otherwise, so the site has no broken link. Absolute links
  (``https:``, ``mailto:``) and anchors stay as they are.
- **Headings** get stable ``id`` attributes (``## 2. ONNX Runtime vs PyTorch`` →
  ``id="2-onnx-runtime-vs-pytorch"``), listed for the page's table of contents.
- **Display math** (``$$ … $$``) has no MathJax to typeset it (nothing is fetched from another host): it
  is shown as readable text (``\\le`` → ≤, ``\\text{rtol}`` → rtol) in a ``<div class="math">``.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = ["Heading", "Linker", "MarkdownPage", "slugify", "tex_to_text"]

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_TEX_SYMBOLS = {
    r"\le": "≤", r"\leq": "≤", r"\ge": "≥", r"\geq": "≥", r"\cdot": "·", r"\times": "×", r"\approx": "≈",
    r"\ne": "≠", r"\neq": "≠", r"\pm": "±", r"\sum": "∑", r"\prod": "∏", r"\infty": "∞", r"\to": "→",
    r"\rightarrow": "→", r"\in": "∈", r"\sqrt": "√", r"\alpha": "α", r"\beta": "β", r"\sigma": "σ",
    r"\mu": "μ", r"\epsilon": "ε", r"\varepsilon": "ε", r"\lambda": "λ", r"\theta": "θ", r"\ldots": "…",
    r"\dots": "…", r"\quad": " ", r"\qquad": "  ", r"\,": " ", r"\;": " ", r"\!": "", r"\{": "{", r"\}": "}",
    r"\%": "%", r"\lvert": "|", r"\rvert": "|", r"\left": "", r"\right": "", r"-": "−",
}


def slugify(text: str) -> str:
    """A heading's ``id``: lower case, letters, digits and dashes.

    Example:
        >>> slugify("2. ONNX Runtime vs `PyTorch` eager!")
        '2-onnx-runtime-vs-pytorch-eager'
    """
    words = re.findall(r"[\w]+", text.lower().replace("_", "-"))
    return "-".join(words).strip("-") or "section"


def tex_to_text(tex: str) -> str:
    """Display math as readable text: macros to Unicode, ``\\text{…}`` to its words, braces dropped.

    Example:
        >>> tex_to_text(r"|\\text{actual} - \\text{expected}| \\le \\text{atol}")
        '|actual − expected| ≤ atol'
    """
    text = re.sub(r"\\(?:text|mathrm|mathit|mathbf|operatorname)\s*\{([^{}]*)\}", r"\1", tex)
    text = re.sub(r"\\[a-zA-Z]+|\\[,;!{}%]|(?<=\s)-(?=\s)", lambda m: _TEX_SYMBOLS.get(m.group(0), m.group(0)), text)
    text = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1) / (\2)", text)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Heading:
    """One heading of a page: its level (1-6), text and ``id``."""

    level: int
    text: str
    id: str


@dataclass
class Linker:
    """Turns a repository-relative link into a link between two pages of the site.

    Attributes:
        pages: Repository path (``lessons/02_sessions.ipynb``) → site path (``lessons/02_sessions.html``).
    """

    pages: Mapping[str, str]

    def href(self, target: str, *, source: str, page: str) -> str | None:
        """Where ``target`` (a link written in the repository file ``source``) points from the site page ``page``.

        Returns:
            The rewritten link, ``target`` itself when it is absolute or an anchor, or None when the site
            has no page for the file it names (show the link's text without a link).
        """
        if not target or target.startswith("#") or _SCHEME.match(target) or target.startswith("//"):
            return target
        path, _, fragment = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        site_path = self.pages.get(repo_path)
        if site_path is None:
            return None
        relative = posixpath.relpath(site_path, posixpath.dirname(page) or ".")
        return relative + (f"#{fragment}" if fragment else "")


@dataclass
class MarkdownPage:
    """Renders the Markdown of one site page; keeps that page's heading ids unique.

    Attributes:
        linker: Rewrites relative links (see :class:`Linker`).
        page: The site path of the page being written (``lessons/02_sessions.html``).
        headings: Every heading rendered so far, in order.
    """

    linker: Linker
    page: str
    headings: list[Heading] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)

    def render(self, text: str, *, source: str, shift: int = 0) -> str:
        """Render ``text`` (Markdown written in the repository file ``source``) as HTML.

        Args:
            text: The Markdown.
            source: Its file's repository path, which relative links are resolved against.
            shift: Levels to add to every heading (a README ``##`` section shown under the page's ``<h1>``
                keeps its ``<h2>`` with 0).
        """
        maths: list[str] = []

        def keep_math(match: re.Match[str]) -> str:
            maths.append(match.group(1))
            return f"\n\nORTLEARNMATH{len(maths) - 1}X\n\n"

        parser = _parser()
        tokens = parser.parse(_DISPLAY_MATH.sub(keep_math, text))
        self._rewrite(tokens, source=source, shift=shift)
        out = parser.renderer.render(tokens, parser.options, {})
        for index, tex in enumerate(maths):
            math = (f'<div class="math" role="math" aria-label="{html.escape(tex_to_text(tex))}">'
                    f"{html.escape(tex_to_text(tex))}</div>")
            out = out.replace(f"<p>ORTLEARNMATH{index}X</p>", math)
        return out

    def unique_id(self, text: str) -> str:
        """A new ``id`` for ``text``, unique on this page (``summary``, ``summary-2``, …)."""
        base = slugify(text)
        candidate, number = base, 1
        while candidate in self._ids:
            number += 1
            candidate = f"{base}-{number}"
        self._ids.add(candidate)
        return candidate

    def _rewrite(self, tokens: list[Any], *, source: str, shift: int) -> None:
        for index, token in enumerate(tokens):
            if token.type == "heading_open":
                level = min(6, int(token.tag[1]) + shift)
                token.tag = tokens[index + 2].tag = f"h{level}"
                text = "".join(child.content for child in tokens[index + 1].children or [])
                heading = Heading(level, text, self.unique_id(text))
                token.attrSet("id", heading.id)
                self.headings.append(heading)
            for child in token.children or []:
                self._rewrite_inline(child, source)

    def _rewrite_inline(self, token: Any, source: str) -> None:
        if token.type == "link_open":
            href = self.linker.href(str(token.attrGet("href") or ""), source=source, page=self.page)
            if href is None:
                token.attrs.pop("href", None)
                token.attrSet("class", "unlinked")
            else:
                token.attrSet("href", href)
        elif token.type == "image":
            src = str(token.attrGet("src") or "")
            if _SCHEME.match(src) and not src.startswith("data:"):
                token.attrSet("src", "")  # nothing is fetched from another host


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable(["table", "strikethrough"])

    def link_open(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if token.attrGet("href") is None:
            token.tag = "span"
        return renderer.renderToken(tokens, idx, options, env)

    def link_close(renderer: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
        depth, opening = 0, None
        for back in range(idx - 1, -1, -1):  # the matching link_open, to close a <span> as a <span>
            if tokens[back].type == "link_close":
                depth += 1
            elif tokens[back].type == "link_open":
                if depth == 0:
                    opening = tokens[back]
                    break
                depth -= 1
        if opening is not None and opening.tag == "span":
            return "</span>"
        return renderer.renderToken(tokens, idx, options, env)

    parser.add_render_rule("link_open", link_open)
    parser.add_render_rule("link_close", link_close)
    return parser
