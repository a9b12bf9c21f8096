"""The timeline as CSV: one row per dated entry, for spreadsheets and scripts.

Rows follow the snapshot's timeline order (by first possible day); undated
entries have no place on a timeline and are left out. Columns are those of
:data:`COLUMNS`; an entry's actor codes, its sources and its tags are each
joined with ``"; "``. The text is RFC 4180: a header row, CRLF after every
row, a field quoted when it holds a comma, a double quote, CR or LF, and
quotes doubled.
It is UTF-8 text without a byte-order mark; the same snapshot always gives
the same text.

Formula injection: spreadsheets run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and some a tab or CR) as a formula, so recorded text such as
``=HYPERLINK(...)`` could act when the file is opened. Such a cell is
neutralised by prefixing one apostrophe (``'``), which spreadsheets show
as text. So that this stays reversible, a cell that already starts with an
apostrophe gets one too. Dates and plain text are never changed.

Control characters: a cell shows each control character but the newline and
the tab, and each bidirectional control, as a visible token such as
``[U+202E]`` (:func:`timeline.exporters.inert.visible_controls`), so no
reader's text is reordered or a terminal driven by a ``cat`` of the file. A
cell without such characters (all but hostile ones) is the recorded text,
recovered exactly by removing the first character of each cell that starts
with an apostrophe. The ``json`` export carries the text untouched.
"""

from __future__ import annotations

import csv
import io

from projections.snapshot import Snapshot, TimelineEntry
from timeline.exporters.inert import visible_controls

COLUMNS = (
    "date",
    "lower",
    "upper",
    "talks",
    "kind",
    "ref",
    "actors",
    "text",
    "sources",
    "tags",
    "recorded_at",
    "recorded_by",
    "grade",
    "cites",
)
"""The header row, in order."""

JOIN = "; "
"""Separator of the actor codes, and of the sources, within one cell."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

ESCAPE = "'"
"""Prefixed to a cell that would be a formula (or that starts with itself)."""


def render_csv(snapshot: Snapshot) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(
        [neutralised(cell) for cell in row(entry)]
        for entry in snapshot["timeline"]
        if entry["date"] is not None
    )
    return buffer.getvalue()


def row(entry: TimelineEntry) -> tuple[str, ...]:
    """One dated entry's cells, in the order of :data:`COLUMNS`."""
    return (
        entry["date"] or "",
        entry["lower"] or "",
        entry["upper"] or "",
        entry["talks"],
        entry["kind"],
        entry["ref"],
        JOIN.join(entry["actors"]),
        entry["text"],
        JOIN.join(entry["sources"]),
        JOIN.join(entry["tags"]),
        entry["recorded_at"],
        entry["recorded_by"],
        entry["grade"] or "",
        JOIN.join(entry["cited"]),
    )


def neutralised(cell: str) -> str:
    """The cell as a spreadsheet will show it as text, never run it, and its
    controls visible."""
    cell = visible_controls(cell, "\n\t")
    if cell.startswith((*FORMULA_STARTS, ESCAPE)):
        return ESCAPE + cell
    return cell
