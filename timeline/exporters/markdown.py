"""The brief: each talks of a snapshot as Markdown a colleague can read.

A first line names the snapshot (store position and its record time); then
one brief per talks. Table cells are the recorded text, verbatim; only ``|``
and line breaks are escaped, as Markdown tables require. A table whose rows
are named items (the agenda, motivations, strategic priorities) is written
as a bulleted list, which reads better than a two-column table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from projections.snapshot import Snapshot
from projections.talks import TalksView
from timeline.exporters.brief import Cell, Sources, Table, brief


def render_markdown(snapshot: Snapshot) -> str:
    header = (
        f"*Snapshot of the record at store position {snapshot['position']}, "
        f"recorded {snapshot['recorded_at'] or 'never (empty store)'}.*\n"
    )
    return "\n".join([header, *(_brief(view) for view in snapshot["talks"])])


def _brief(view: TalksView) -> str:
    """One talks as Markdown: its facts, then a section per table of its brief."""
    facts = brief(view)
    lines = [
        f"# {view['title']}",
        "",
        f"- **Location:** {view['location']}",
        f"- **Date:** {view['on'] or 'not recorded'}",
        f"- **Parties:** {facts.parties}",
        *(f"- **Source:** {source}" for source in view["sources"]),
    ]
    if view["summary"]:
        lines += ["", view["summary"]]
    for table in facts.tables:
        lines += ["", f"## {table.title}", "", *_body(table)]
    lines += [
        "",
        "---",
        "",
        f"Record of talks `{view['slug']}` at version {view['version']} "
        f"(store position {view['last_position']}); opened "
        f"{view['opened']['recorded_at']} by {view['opened']['recorded_by']}.",
    ]
    return "\n".join(lines) + "\n"


def _body(table: Table) -> list[str]:
    if table.listed:
        return [_bullet(*map(_text, row)) for row in table.rows]
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
    return _text(cell).replace("|", "\\|").replace("\n", "<br>")


def _text(cell: Cell) -> str:
    """A cell as plain text: sources are joined, as a cell holds one line."""
    return "; ".join(cell.sources) if isinstance(cell, Sources) else cell


def _bullet(title: str, text: str) -> str:
    return f"- **{title}**: {text}" if text else f"- **{title}**"
