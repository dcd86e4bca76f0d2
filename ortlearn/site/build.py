"""Build the course's static website from the stored notebooks, banks, exercise files and README.

:func:`build_site` writes, under the output folder (``_site/`` for ``make site``):

================================ ==========================================================================
``index.html``                   the home page: the lesson map (from :data:`ortlearn.lessons.LESSONS`)
``lessons/<stem>.html``          each lesson with its stored outputs, figures (``lessons/<stem>/``),
                                 checkpoints, exercise hints and solutions folded, a link to its quiz
``lessons/<stem>.ipynb``         the notebook itself, to download and run for real
``quizzes/<topic>.html``         every bank of ``quizzes/banks/`` as the offline quiz page
                                 (:func:`ortlearn.quiz.html_page.format_html`, with a link back home)
``quizzes/index.html``           the list of quizzes
``start.html``, ``teaching.html`` sections of the README: running the course, and the teaching notes
``assets/site.css``              the one stylesheet (light and dark mode)
================================ ==========================================================================

Everything is read from the repository as it is: lessons, banks and exercise files that exist are
picked up without a list to edit. Nothing is executed and nothing is fetched: the pages load no script
(the quiz pages carry their own inline script, allowed by hash), no font and no file from another host,
and each page's Content-Security-Policy says so.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ortlearn._html import safe, template
from ortlearn.lessons import LESSONS, Lesson
from ortlearn.site.markdown import Heading, Linker, MarkdownPage
from ortlearn.site.notebook import render_notebook

__all__ = ["MARKER", "README_PAGES", "SiteReport", "build_site"]

#: A file in every built site: :func:`build_site` only ever deletes a folder that holds it (or an empty one).
MARKER = ".ortlearn-site"

#: The site's README pages: file, title, and the README's ``##`` sections they show (in this order).
#: ``"(intro)"`` is the text before the first ``##`` heading (the ``make lab`` instructions).
README_PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "start.html": ("Run the course for real", (
        "(intro)", "What this is, and who it is for", "CPU only, or a GPU", "Conda and Binder",
        "Troubleshooting", "The course as a website")),
    "teaching.html": ("Teaching notes", (
        "Teaching with this course", "How the quizzes work", "How the exercises work")),
}
#: The style of the links back to the course that the site adds to each exported quiz page (its own CSS
#: styles no link; the page's Content-Security-Policy allows inline styles).
_QUIZ_NAV_CSS = """.course-nav { max-width: 52rem; margin: 0 auto; padding: 0.75rem 1.25rem 0; }
.course-nav a { color: #1a5fb4; }
@media (prefers-color-scheme: dark) { .course-nav a { color: #8cb4ff; } }
"""


@dataclass
class SiteReport:
    """What :func:`build_site` wrote.

    Attributes:
        output: The site's folder.
        pages: Site paths of the HTML pages, in the order written.
        seconds: Build time.
        warnings: Anything the build skipped (a README section that is gone, an unknown quiz topic).
    """

    output: Path
    pages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        """Total size of the files written."""
        return sum(path.stat().st_size for path in self.output.rglob("*") if path.is_file())

    def __str__(self) -> str:
        return (f"Built {len(self.pages)} pages into {self.output} ({self.bytes / 1e6:.1f} MB) "
                f"in {self.seconds:.1f} s")


def build_site(root: str | Path = ".", output: str | Path = "_site", *,
               lessons: Sequence[Lesson] = LESSONS) -> SiteReport:
    """Write the course's website into ``output`` from the repository at ``root``.

    Args:
        root: The repository (``lessons/``, ``quizzes/banks/``, ``ortlearn/exercises/``, ``README.md``).
        output: The site's folder, replaced (only when it is empty or holds a site built before).
        lessons: The lessons to show, in order (default: the course's lesson map); those whose notebook is
            missing are left out, with a warning.

    Returns:
        A :class:`SiteReport`.

    Raises:
        FileExistsError: ``output`` holds other files than a site built before.
    """
    start = time.perf_counter()
    root, output = Path(root).resolve(), Path(output).resolve()
    _prepare(output)
    report = SiteReport(output)
    report.warnings += [f"lesson {lesson.stem}: {lesson.path} is missing" for lesson in lessons
                        if not (root / lesson.path).is_file()]
    lessons = [lesson for lesson in lessons if (root / lesson.path).is_file()]
    banks = sorted(path.stem for path in (root / "quizzes" / "banks").glob("*.yaml"))
    pages = {lesson.path: f"lessons/{lesson.stem}.html" for lesson in lessons}
    pages |= {f"quizzes/{topic}.ipynb": f"quizzes/{topic}.html" for topic in banks}
    pages |= {"README.md": "start.html", "quizzes": "quizzes/index.html", "lessons": "index.html"}
    linker = Linker(pages)
    site = _Site(root, output, linker, report, lessons, banks)
    site.write_assets()
    site.write_home()
    for position, lesson in enumerate(lessons):
        site.write_lesson(lesson, previous=lessons[position - 1] if position else None,
                          following=lessons[position + 1] if position + 1 < len(lessons) else None)
    site.write_quizzes()
    for name, (title, sections) in README_PAGES.items():
        site.write_readme_page(name, title, sections)
    (output / ".nojekyll").write_text("", encoding="utf-8")  # GitHub Pages: serve the files as they are
    report.seconds = time.perf_counter() - start
    return report


def _prepare(output: Path) -> None:
    if output.exists():
        if any(output.iterdir()) and not (output / MARKER).is_file():
            raise FileExistsError(f"{output} is not empty and was not built by `make site` (no {MARKER} file); "
                                  "choose another folder or empty it first.")
        shutil.rmtree(output)
    output.mkdir(parents=True)
    (output / MARKER).write_text("Built by `make site` (ortlearn.site); safe to delete.\n", encoding="utf-8")


def _exercise_texts(root: Path) -> dict[str, dict[str, Any]]:
    """Lesson stem → its ``exercises:`` mapping, from every ``ortlearn/exercises/lesson*.yaml``."""
    import yaml

    texts = {}
    for path in sorted((root / "ortlearn" / "exercises").glob("lesson*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("exercises"), dict):
            texts[str(data.get("topic", ""))] = data["exercises"]
    return texts


@dataclass
class _Site:
    root: Path
    output: Path
    linker: Linker
    report: SiteReport
    lessons: list[Lesson]
    banks: list[str]
    exercises: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.exercises = _exercise_texts(self.root)

    def write_page(self, path: str, *, title: str, body: str, headings: Sequence[Heading] = (),
                   aside: str = "", pager: str = "") -> None:
        depth = path.count("/")
        prefix = "../" * depth
        toc = [heading for heading in headings if heading.level == 2]
        html = template("ortlearn.site", "templates", "page.html").render(
            title=title, prefix=prefix, body=safe(body), toc=toc, aside=safe(aside), pager=safe(pager),
            nav=[("index.html", "Lessons"), ("quizzes/index.html", "Quizzes"), ("teaching.html", "Teaching notes"),
                 ("start.html", "Run it for real")], current=path)
        target = self.output / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html + "\n", encoding="utf-8")
        self.report.pages.append(path)

    def write_assets(self) -> None:
        assets = self.output / "assets"
        assets.mkdir(parents=True, exist_ok=True)
        css = resources.files("ortlearn.site").joinpath("assets", "site.css").read_text(encoding="utf-8")
        (assets / "site.css").write_text(css, encoding="utf-8")

    def write_home(self) -> None:
        rows = []
        for lesson in self.lessons:
            number = lesson.stem.split("_", 1)[0]
            quiz = f"quizzes/{lesson.stem}.html" if lesson.stem in self.banks else None
            rows.append({"number": number, "href": f"lessons/{lesson.stem}.html", "title": lesson.title,
                         "summary": lesson.summary, "quiz": quiz, "notebook": f"lessons/{lesson.stem}.ipynb"})
        others = [topic for topic in self.banks if topic not in {lesson.stem for lesson in self.lessons}]
        from ortlearn.quiz.bank import load_bank

        body = template("ortlearn.site", "templates", "home.html").render(
            rows=rows, others=[{"title": load_bank(self.root / "quizzes" / "banks" / f"{topic}.yaml").title.strip(),
                                "href": f"quizzes/{topic}.html"} for topic in others])
        self.write_page("index.html", title="Learn ONNX Runtime by running it", body=body)

    def write_lesson(self, lesson: Lesson, *, previous: Lesson | None, following: Lesson | None) -> None:
        page = f"lessons/{lesson.stem}.html"
        notebook = json.loads((self.root / lesson.path).read_text(encoding="utf-8"))
        markdown = MarkdownPage(self.linker, page)

        def quiz_href(topic: str) -> str | None:
            if topic in self.banks:
                return f"../quizzes/{topic}.html"
            self.report.warnings.append(f"{lesson.path}: no bank quizzes/banks/{topic}.yaml for its quiz cell")
            return None

        body = render_notebook(notebook, source=lesson.path, markdown=markdown, figure_dir=lesson.stem,
                               quiz_href=quiz_href, exercises=self.exercises.get(lesson.stem))
        figures = self.output / "lessons" / lesson.stem
        for name, data in body.figures.items():
            figures.mkdir(parents=True, exist_ok=True)
            (figures / name).write_bytes(data)
        (self.output / "lessons").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.root / lesson.path, self.output / "lessons" / f"{lesson.stem}.ipynb")
        quiz = f"{lesson.stem}.html" if lesson.stem in self.banks else None
        aside = template("ortlearn.site", "templates", "run_box.html").render(
            notebook=f"{lesson.stem}.ipynb", path=lesson.path, quiz=quiz and f"../quizzes/{quiz}")
        pager = template("ortlearn.site", "templates", "pager.html").render(
            previous=previous and {"href": f"{previous.stem}.html", "title": previous.title},
            following=following and {"href": f"{following.stem}.html", "title": following.title})
        self.write_page(page, title=body.title or lesson.title, body=body.html, headings=markdown.headings,
                        aside=aside, pager=pager)

    def write_quizzes(self) -> None:
        from ortlearn.quiz.bank import load_bank
        from ortlearn.quiz.html_page import format_html

        entries = []
        stems = {lesson.stem: lesson for lesson in self.lessons}
        for topic in self.banks:
            bank = load_bank(self.root / "quizzes" / "banks" / f"{topic}.yaml")
            lesson = stems.get(topic)
            back = f'<a href="../index.html">Course home</a> · <a href="index.html">All quizzes</a>'
            if lesson:
                back += f' · <a href="../lessons/{topic}.html">Lesson {topic.split("_", 1)[0]}: {lesson.title}</a>'
            page = format_html(bank).replace("</head>", f"<style>\n{_QUIZ_NAV_CSS}</style>\n</head>", 1)
            page = page.replace("<body>\n<main>", f'<body>\n<nav aria-label="Course" class="course-nav">{back}</nav>\n'
                                "<main>", 1)
            target = self.output / "quizzes" / f"{topic}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, encoding="utf-8")
            self.report.pages.append(f"quizzes/{topic}.html")
            entries.append({"href": f"{topic}.html", "title": bank.title.strip(), "count": len(bank.questions),
                            "lesson": lesson and f"../lessons/{topic}.html"})
        body = template("ortlearn.site", "templates", "quizzes.html").render(entries=entries)
        self.write_page("quizzes/index.html", title="Quizzes", body=body)

    def write_readme_page(self, name: str, title: str, wanted: Sequence[str]) -> None:
        readme = (self.root / "README.md").read_text(encoding="utf-8")
        sections = readme_sections(readme)
        markdown = MarkdownPage(self.linker, name)
        parts = []
        for heading in wanted:
            if heading not in sections:
                self.report.warnings.append(f"README.md has no section {heading!r} (page {name})")
                continue
            text = sections[heading] if heading == "(intro)" else f"## {heading}\n\n{sections[heading]}"
            if heading == "(intro)":
                text = re.sub(r"^#\s.*\n", "", text, count=1)
                anchor = markdown.unique_id("Run a lesson")
                parts.append(f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">Run a lesson</h2>')
                markdown.headings.append(Heading(2, "Run a lesson", anchor))
                parts.append(markdown.render(text, source="README.md") + "</section>")
            else:
                parts.append(markdown.render(text, source="README.md"))
        self.write_page(name, title=title, body="\n".join(parts), headings=markdown.headings)


def readme_sections(readme: str) -> dict[str, str]:
    """The README's ``##`` sections by title (their ``###`` subsections included); ``"(intro)"``: the text before.

    Lines inside fenced code blocks are never headings.
    """
    sections: dict[str, list[str]] = {"(intro)": []}
    current, fence = "(intro)", None
    for line in readme.splitlines():
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker and (fence is None or stripped.startswith(fence)):
            fence = None if fence else marker.group(1)
        elif fence is None and line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
            continue
        sections[current].append(line)
    return {title: "\n".join(lines).strip() + "\n" for title, lines in sections.items()}

