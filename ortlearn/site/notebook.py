"""One stored, executed lesson notebook as the HTML body of a site page (nothing is re-executed).

Cells are shown as they were run: Markdown through :mod:`ortlearn.site.markdown`, code highlighted with
Pygments (the classes only; ``site.css`` colours them in light and dark mode), outputs in the order
stored. How the outputs that need a kernel appear on a static page:

- **figures** (``image/png``) are written next to the page as files and shown with ``<img>``;
- **a predict-then-run checkpoint** (``ol.quiz.Checkpoint("question", ["choice", …])``) shows its
  question and choices, read from the cell's code, and says that the notebook asks for a prediction there;
  the later ``.reveal(...)`` cell's stored output gives the answer, as in the notebook;
- **the lesson's quiz** (``ol.quiz.show("NN_stem")``) becomes a link to that bank's offline quiz page;
- **any other widget** shows its plain-text form and says it is interactive in the notebook;
- **errors** (cells tagged ``raises-exception``) show their last line, with the traceback folded;
- **exercises**: after the last cell that uses ``ex.qN``, the exercise's hints (one fold per level) and its
  solution (folded) from ``ortlearn/exercises/lessonNN.yaml``.
"""

from __future__ import annotations

import ast
import base64
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ortlearn.site.markdown import MarkdownPage

__all__ = ["LessonBody", "render_notebook"]

_WIDGET = "application/vnd.jupyter.widget-view+json"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_EXERCISE_LOAD = re.compile(r"(\w+)\s*=\s*ol\.exercises\.load\(")


@dataclass
class LessonBody:
    """What :func:`render_notebook` returns.

    Attributes:
        html: The page body (every cell, in order).
        title: The text of the notebook's first ``#`` heading.
        figures: Figure file name → PNG bytes, to write next to the page.
        quizzes: Topics of the quiz cells (``ol.quiz.show``), in order.
        exercises_shown: Keys (``q1``, …) of the exercises whose hints and solution were placed.
    """

    html: str
    title: str
    figures: dict[str, bytes] = field(default_factory=dict)
    quizzes: list[str] = field(default_factory=list)
    exercises_shown: list[str] = field(default_factory=list)


def render_notebook(notebook: Mapping[str, Any], *, source: str, markdown: MarkdownPage, figure_dir: str,
                    quiz_href: Callable[[str], str | None], exercises: Mapping[str, Any] | None = None) -> LessonBody:
    """Render a notebook (its JSON, as loaded) as the body of a page.

    Args:
        notebook: The ``.ipynb`` content (nbformat 4), outputs included.
        source: The notebook's repository path (``lessons/02_sessions.ipynb``), for its relative links.
        markdown: The page's Markdown renderer (keeps heading ids unique).
        figure_dir: Folder of the figure files, relative to the page (``02_sessions``).
        quiz_href: Topic → link to its quiz page from this page, or None when the site has none.
        exercises: The lesson's ``exercises:`` mapping (``q1`` → title, task, hints, solution), if any.
    """
    body = LessonBody(html="", title="")
    exercises = dict(exercises or {})
    cells = list(notebook.get("cells", []))
    last_use = _last_exercise_use(cells, exercises)
    parts: list[str] = []
    for index, cell in enumerate(cells):
        text = _text(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            if not body.title:
                match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
                body.title = match.group(1).strip() if match else ""
            parts.append(f'<div class="cell markdown">\n{markdown.render(text, source=source)}</div>')
        elif cell.get("cell_type") == "code":
            parts.append(_code_cell(cell, text, body, figure_dir, quiz_href, markdown, source))
        for key in (k for k, where in last_use.items() if where == index):
            parts.append(_exercise_help(key, exercises[key], markdown, source))
            body.exercises_shown.append(key)
    leftover = [key for key in exercises if key not in body.exercises_shown]
    for key in leftover:
        parts.append(_exercise_help(key, exercises[key], markdown, source, with_task=True))
        body.exercises_shown.append(key)
    body.html = "\n".join(parts)
    return body


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _last_exercise_use(cells: list[Any], exercises: Mapping[str, Any]) -> dict[str, int]:
    names = {"ex"}
    for cell in cells:
        if cell.get("cell_type") == "code":
            names.update(_EXERCISE_LOAD.findall(_text(cell.get("source", ""))))
    pattern = re.compile(rf"\b(?:{'|'.join(sorted(names))})\.(q\d+)\b")
    last: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code":
            for key in pattern.findall(_text(cell.get("source", ""))):
                if key in exercises:
                    last[key] = index
    return last


def _code_cell(cell: Mapping[str, Any], text: str, body: LessonBody, figure_dir: str,
               quiz_href: Callable[[str], str | None], markdown: MarkdownPage, source: str) -> str:
    count = cell.get("execution_count")
    label = f"In [{count}]" if count else "In [ ]"
    parts = [f'<div class="cell code">\n<pre class="source" aria-label="Code, {label}"><code>'
             f"{highlight(text)}</code></pre>"]
    call = _course_call(text)
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if _WIDGET in data and call is not None:
            parts.append(_widget(call, data, body, quiz_href))
        else:
            parts.append(_output(output, body, figure_dir, lambda md: markdown.render(md, source=source)))
    parts.append("</div>")
    return "\n".join(part for part in parts if part)


def highlight(code: str) -> str:
    """Python source as HTML with Pygments' short token classes (``k``, ``s2``, ``c1`` …), no wrapper."""
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return pygments_highlight(code, PythonLexer(), HtmlFormatter(nowrap=True)).rstrip("\n")


def _course_call(code: str) -> tuple[str, list[Any]] | None:
    """``("checkpoint", [question, choices])`` or ``("quiz", [topic])`` for the cell's widget, read from its code."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        kind = "checkpoint" if name.endswith("Checkpoint") else "quiz" if name.endswith("quiz.show") else None
        if kind is None:
            continue
        try:
            return kind, [ast.literal_eval(arg) for arg in node.args]
        except ValueError:
            return None
    return None


def _widget(call: tuple[str, list[Any]], data: Mapping[str, Any], body: LessonBody,
            quiz_href: Callable[[str], str | None]) -> str:
    kind, args = call
    plain = html.escape(_text(data.get("text/plain", "")))
    if kind == "quiz" and args and isinstance(args[0], str):
        topic = args[0]
        body.quizzes.append(topic)
        href = quiz_href(topic)
        if href is None:
            return f'<div class="output widget"><p>{plain}: the quiz runs in the notebook.</p></div>'
        return (f'<div class="output widget quiz-link"><p><strong>The lesson\'s quiz.</strong> In the notebook it '
                f'runs here, graded in the kernel. On this site: <a href="{html.escape(href)}">take the '
                f"{html.escape(topic)} quiz</a> (offline, checked in your browser, keyboard-friendly).</p></div>")
    if kind == "checkpoint" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], list | tuple):
        from ortlearn.quiz.html_page import format_inline_html

        choices = "".join(f"<li>{format_inline_html(str(choice))}</li>" for choice in args[1])
        return (f'<div class="output widget checkpoint" role="note" aria-label="Predict, then run">'
                f"<p><strong>Predict, then run.</strong> {format_inline_html(args[0])}</p><ul>{choices}</ul>"
                f'<p class="widget-note">In the notebook you commit to one answer here before running on; '
                f"the cell that reveals it comes further down.</p></div>")
    return (f'<div class="output widget"><pre>{plain}</pre>'
            f'<p class="widget-note">An interactive widget: open the notebook to use it.</p></div>')


def _output(output: Mapping[str, Any], body: LessonBody, figure_dir: str, render_md: Callable[[str], str]) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        stream = "stderr" if output.get("name") == "stderr" else "stdout"
        return f'<pre class="output {stream}">{html.escape(_ANSI.sub("", _text(output.get("text", ""))))}</pre>'
    if kind == "error":
        last = html.escape(f"{output.get('ename', 'Error')}: {_ANSI.sub('', str(output.get('evalue', '')))}")
        trace = html.escape(_ANSI.sub("", "\n".join(output.get("traceback", []))))
        return (f'<div class="output error"><pre>{last}</pre>'
                f"<details><summary>Traceback</summary><pre>{trace}</pre></details></div>")
    data = output.get("data", {})
    if "image/png" in data:
        number = len(body.figures) + 1
        name = f"figure-{number}.png"
        body.figures[name] = base64.b64decode(_text(data["image/png"]))
        alt = f"Figure {number} of the lesson, drawn by the code cell above; the text around it describes it."
        return (f'<div class="output figure"><img src="{html.escape(figure_dir)}/{name}" alt="{alt}" '
                f'loading="lazy"></div>')
    if "text/html" in data:
        return f'<div class="output html">{_text(data["text/html"])}</div>'
    if "text/markdown" in data:
        return f'<div class="output markdown">{render_md(_text(data["text/markdown"]))}</div>'
    if "text/plain" in data:
        return f'<pre class="output result">{html.escape(_ANSI.sub("", _text(data["text/plain"])))}</pre>'
    return ""


def _exercise_help(key: str, exercise: Mapping[str, Any], markdown: MarkdownPage, source: str, *,
                   with_task: bool = False) -> str:
    number = key.lstrip("q")
    title = html.escape(str(exercise.get("title", f"Exercise {number}")))
    parts = ['<div class="exercise-help">']
    if with_task:
        parts.append(f"<p><strong>Exercise {number}: {title}.</strong> "
                     f"{html.escape(str(exercise.get('task', '')))}</p>")
    hints = [str(hint) for hint in exercise.get("hints", [])]
    for level, hint in enumerate(hints, start=1):
        parts.append(f"<details><summary>Exercise {number} ({title}): hint {level} of {len(hints)}</summary>"
                     f"{markdown.render(hint, source=source)}</details>")
    solution = str(exercise.get("solution", "")).rstrip()
    if solution:
        parts.append(f"<details><summary>Exercise {number} ({title}): a solution</summary>"
                     f'<pre class="source"><code>{highlight(solution)}</code></pre></details>')
    parts.append("</div>")
    return "\n".join(parts)
