"""The brief: each talks of a snapshot as Markdown a colleague can read.

A first line names the snapshot (store position and its record time); then
one brief per talks. A table whose rows are named items (the agenda,
motivations, strategic priorities) is written as a bulleted list, which
reads better than a two-column table.

Recorded text is written so that a CommonMark or GitHub renderer shows it
as typed and builds nothing from it (:func:`inline`):

* ``<`` and ``>`` are entities, so no HTML (``<script>``, ``<img onerror>``)
  and no autolink can form; so is an ``&`` that would start an entity
  reference (``&lt;`` stays those four characters; any other ``&`` is left
  as it is);
* ``\\``, a backtick, ``*``, ``_``, ``~``, ``[``, ``]`` and ``|`` are
  backslash-escaped, so no link, image, code span, emphasis, strikethrough
  or table cell can form;
* a line break is ``<br>``, so a text is always one line of the brief and
  can start no heading, list, quote, fence, table or thematic break;
* where a text starts a line (the summary), a leading block marker (``#``,
  ``-``, ``+``, ``=``, ``:``, ``1.``, ``1)``) is escaped and leading blanks
  are entities (no indented code block);
* control characters and bidirectional controls are shown as tokens such
  as ``[U+202E]`` (:mod:`timeline.exporters.inert`).

Dates are written as recorded (``2024-08~``). Sources are text (a renderer
that links bare URLs links web addresses).
Text without any of these characters, like the demo's, is written verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from projections.snapshot import Snapshot
from projections.sources import SourceView
from projections.talks import TalksView
from timeline.exporters.brief import Cell, Sources, Table, brief, tags
from timeline.exporters.inert import visible_controls

_ENTITY = re.compile(
    r"&(?=[A-Za-z][A-Za-z0-9]{0,31};|#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};)"
)
"""An ``&`` that starts an entity reference (``&lt;``, ``&#60;``): the only
``&`` a renderer reads as more than itself."""
_INLINE = str.maketrans(
    {
        "<": "&lt;",
        ">": "&gt;",
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "~": "\\~",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "\n": "<br>",
    }
)
_LINE_START = re.compile(r"[#+=:-]|\d{1,9}(?=[.)])")
"""What, at the start of a line, would open a block that :func:`inline` has
not escaped already: a heading, a list item (``-``, ``+``, ``1.``, ``1)``),
a setext underline or thematic break (``===``, ``---``)."""


_DATE = re.compile(
    "{0}(?:/{0})?".format(
        r"(?:[0-9]{2}[0-9X]{2}(?:-[0-9X]{2}){0,2}"  # a year, a month, a day
        r"(?:T[0-9:]+(?:Z|[+-][0-9:]+)?)?[~?%]?|\.\.)?"  # a time, a qualifier; ..
    )
)
"""A date as recorded (``2024-07~``, ``201X``, ``2015-02-15T00:00+02:00``,
``1984~/2004-06~``, ``2014-04-07/..``): written as it is, its ``~``
(approximate) unescaped; nothing in it can act (a ``~`` there follows a digit
or ``X`` and comes before ``/`` or the end, so it opens no strikethrough)."""


def inline(text: str) -> str:
    """Recorded text as Markdown that renders as that text, on one line."""
    if _DATE.fullmatch(text):
        return text
    shown = visible_controls(text, "\n\t").replace("\r\n", "\n")
    return _ENTITY.sub("&amp;", shown).translate(_INLINE)


def line_start(text: str) -> str:
    """Recorded text as Markdown that starts a line: :func:`inline`, and no
    block marker or indentation at its start (and no line break: a ``<br>``
    there would start an HTML block)."""
    written = inline(text.lstrip("\r\n"))
    stripped = written.lstrip(" \t")
    lead = written[: len(written) - len(stripped)]
    blanks = lead.replace(" ", "&#32;").replace("\t", "&#9;")
    if match := _LINE_START.match(stripped):
        end = match.end()
        if stripped[:end].isdigit():  # "1." or "1)": escape the delimiter
            stripped = stripped[:end] + "\\" + stripped[end:]
        else:
            stripped = "\\" + stripped
    return blanks + stripped


def heading(text: str) -> str:
    """Recorded text as the content of an ATX heading: a closing ``#`` kept
    (and the blanks after it, which a heading drops anyway, left out)."""
    written = inline(text).rstrip(" \t")
    return written[:-1] + "\\#" if written.endswith("#") else written


def render_markdown(snapshot: Snapshot) -> str:
    head = f"; store head `{snapshot['head']}`" if snapshot["head"] else ""
    header = (
        f"*Snapshot of the record at store position {snapshot['position']}, "
        f"recorded {snapshot['recorded_at'] or 'never (empty store)'}{head}.*\n"
    )
    briefs = (
        _brief(view, snapshot["sources"], snapshot["heads"].get(view["slug"]))
        for view in snapshot["talks"]
    )
    return "\n".join([header, *briefs])


def _brief(view: TalksView, sources: list[SourceView], head: str | None) -> str:
    """One talks as Markdown: its facts, then a section per table of its brief."""
    facts = brief(view, sources)
    lines = [
        f"# {heading(view['title'])}",
        "",
        f"- **Location:** {inline(view['location'])}",
        f"- **Date:** {inline(view['on'] or 'not recorded')}",
        f"- **Parties:** {inline(facts.parties)}",
        *(f"- **Source:** {inline(source)}" for source in view["sources"]),
        *([f"- **Tags:** {inline(tags(view))}"] if view["tags"] else []),
    ]
    if view["summary"]:
        lines += ["", line_start(view["summary"])]
    for table in facts.tables:
        lines += ["", f"## {heading(table.title)}", "", *_body(table)]
    lines += [
        "",
        "---",
        "",
        f"Record of talks `{view['slug']}` at version {view['version']} "
        f"(store position {view['last_position']}); opened "
        f"{view['opened']['recorded_at']} by {inline(view['opened']['recorded_by'])}"
        + (f"; head `{head}`." if head else "."),
    ]
    return "\n".join(lines) + "\n"


def _body(table: Table) -> list[str]:
    if table.listed:
        return [_bullet(*map(_cell, row)) for row in table.rows]
    return _table(table.header, table.rows)


def _table(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> list[str]:
    return [
        _row(header),
        "|" + "---|" * len(header),
        *(_row(row) for row in rows),
    ]


def _row(cells: Sequence[Cell]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _cell(cell: Cell) -> str:
    """A cell as Markdown of one line: sources are joined."""
    return inline("; ".join(cell.sources) if isinstance(cell, Sources) else cell)


def _bullet(title: str, text: str) -> str:
    return f"- **{title}**: {text}" if text else f"- **{title}**"
