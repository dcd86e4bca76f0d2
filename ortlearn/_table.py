"""The one table type behind every report the library shows (text, HTML and repr).

A report (``ModelSummary``, ``SessionIO``, ``ParityReport``, ``LatencyTable`` …) builds
a :class:`Table` from its numbers and adds its own title and verdict lines; the table
does the column widths, the alignment and the HTML escaping, the same way everywhere.

Private to ortlearn: nothing here is part of the course's public API.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Cell", "Table"]

#: A cell: one line of text, or several lines (shown one per line as a "fields" table, ``<br>`` in HTML).
Cell = str | tuple[str, ...]


def _lines(cell: Cell) -> tuple[str, ...]:
    return (cell,) if isinstance(cell, str) else cell


@dataclass(frozen=True)
class Table:
    """Rows of text cells with an optional header and caption.

    Attributes:
        rows: The body rows, each a sequence of cells (a str, or a tuple of lines).
        header: The column names, or None for a table without a header row.
        caption: The HTML ``<caption>`` (the text form leaves titles to the report).
        align: One letter per column, ``"l"`` (left) or ``"r"`` (right); missing letters are ``"l"``.
        row_header: Render each row's first cell as ``<th>`` (a key column).
        css: Extra CSS for every cell's ``style`` attribute, e.g. ``"vertical-align:top"``;
            None leaves cells without a ``style`` attribute at all.
        quote: The quote around HTML attribute values.
        text_header: Show the header row in the text form too.
        widths: Minimum text widths per column (the text form pads every cell to them).
    """

    rows: Sequence[Sequence[Cell]]
    header: Sequence[str] | None = None
    caption: str | None = None
    align: str = ""
    row_header: bool = False
    css: str | None = ""
    quote: str = '"'
    text_header: bool = True
    widths: Sequence[int] = ()

    def _align(self, k: int) -> str:
        return self.align[k] if k < len(self.align) else "l"

    def format_lines(self, indent: str = "") -> list[str]:
        """Return the text form: columns two spaces apart, padded to the widest cell, trailing spaces removed."""
        grid = [list(self.header)] if self.header is not None and self.text_header else []
        grid += [[" ".join(_lines(cell)) for cell in row] for row in self.rows]
        if not grid:
            return []
        columns = max(len(row) for row in grid)
        widths = [max([len(row[k]) for row in grid if k < len(row)]
                      + [self.widths[k] if k < len(self.widths) else 0]) for k in range(columns)]
        return [indent + "  ".join(cell.rjust(w) if self._align(k) == "r" else cell.ljust(w)
                                   for k, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in grid]

    def format_fields(self) -> list[str]:
        """Return the text form of a two-column key/value table: ``key:`` then each value line indented."""
        lines = []
        for key, value in self.rows:
            lines.append(f"{' '.join(_lines(key))}:")
            lines.extend(f"  {line}" for line in _lines(value))
        return lines

    def _cell(self, tag: str, k: int, cell: Cell) -> str:
        text = "<br>".join(html.escape(line) for line in _lines(cell))
        if self.css is None:
            return f"<{tag}>{text}</{tag}>"
        side = "right" if self._align(k) == "r" else "left"
        style = f"text-align:{side}" + (f";{self.css}" if self.css else "")
        return f"<{tag} style={self.quote}{style}{self.quote}>{text}</{tag}>"

    def format_html(self) -> str:
        """Return the HTML form: ``<table>`` with the caption, a header row of ``<th>`` and the body rows."""
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption is not None else ""
        head = ("<tr>" + "".join(self._cell("th", k, h) for k, h in enumerate(self.header)) + "</tr>"
                if self.header is not None else "")
        body = "".join(
            "<tr>" + "".join(self._cell("th" if k == 0 and self.row_header else "td", k, cell)
                             for k, cell in enumerate(row)) + "</tr>"
            for row in self.rows
        )
        return f"<table>{caption}{head}{body}</table>"

    def __str__(self) -> str:
        return "\n".join(self.format_lines())

    def _repr_html_(self) -> str:
        return self.format_html()
