"""Terminal tables with rich; imported only by commands that print one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from projections import ActorView, TalksView, current, standing
from projections.sqlite import EntryRow, SearchHit, TalksRow, ViewStatus

if TYPE_CHECKING:
    from timeline.application import HistoryEntry

console = Console(soft_wrap=False)


def _table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:  # Text, not markup: "[...]" in user text stays as typed
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    return table


def talks_table(rows: list[TalksRow]) -> None:
    if not rows:
        console.print("No talks recorded yet. Try: timeline demo")
        return
    console.print(
        _table(
            "Talks",
            ("Slug", "Title", "Location", "Opened", "Version"),
            (
                (
                    r["slug"],
                    r["title"],
                    r["location"],
                    r["opened_at"][:19],
                    r["version"],
                )
                for r in rows
            ),
        )
    )


def actors_table(actors: list[ActorView]) -> None:
    console.print(
        _table(
            "Registered actors",
            ("Key", "Name", "Kind"),
            ((a["key"], a["name"], a["kind"]) for a in actors),
        )
    )


def talks_view(view: TalksView, rows: int | None = None) -> None:
    """The view as tables, each of its latest ``rows`` entries (None: all)."""
    parties = ", ".join(f"{p['name']} ({p['code']})" for p in view["parties"])
    console.print(Text(view["title"], style="bold"))
    console.print(
        f"Location: {view['location']}   Date: {view['on'] or 'not recorded'}"
        f"   Parties: {parties}",
        highlight=False,
        markup=False,
    )
    for source in view["sources"]:
        console.print(f"Source: {source}", highlight=False, markup=False)
    if view["summary"]:
        console.print(view["summary"], highlight=False, markup=False)
    tables: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        ("Agenda", ("Key", "Title", "Detail"),
         [(i["key"], i["title"], i["detail"]) for i in standing(view["agenda"])]),
        ("Stances", ("Actor", "Position", "Key interests", "Date"),
         [(s["actor_name"], s["position"], ", ".join(s["interests"]), s["on"])
          for s in current(view["stances"])]),
        ("Motivations", ("Actor", "Motivation"),
         [(m["actor_name"], m["text"]) for m in current(view["motivations"])]),
        ("Outcome scenarios", ("Key", "Outcome", "Potential impact"),
         [(s["key"], s["outcome"], s["impact"]) for s in standing(view["scenarios"])]),
        ("Recommendations", ("Key", "Recommendation", "Outcome", "Detail", "For"),
         [(r["key"], r["title"], r["outcome"], r["detail"], r["audience_name"])
          for r in standing(view["recommendations"])]),
        ("Developments", ("#", "Date", "Development", "Sources"),
         [(d["number"], d["on"], d["text"], "; ".join(d["sources"]))
          for d in standing(view["developments"])]),
    ]  # fmt: skip
    for title, header, entries in tables:
        if not entries:
            continue
        shown = entries[-rows:] if rows else entries
        console.print(_table(title, header, shown))
        if left_out := len(entries) - len(shown):
            console.print(
                f"{left_out:,} earlier {title.lower()} not shown (--all shows them).",
                style="dim", highlight=False, markup=False,
            )  # fmt: skip
    console.print(
        f"Version {view['version']}, store position {view['last_position']}.",
        style="dim",
        highlight=False,
        markup=False,
    )


def history_table(entries: list[HistoryEntry]) -> None:
    console.print(
        _table(
            "History",
            ("Position", "Type", "Recorded at", "By", "Payload"),
            (
                (
                    e["position"],
                    e["type"],
                    e["recorded_at"][:26],
                    e["recorded_by"],
                    _payload(e["payload"]),
                )
                for e in entries
            ),
        )
    )


def _payload(payload: dict[str, Any]) -> str:
    return "; ".join(
        f"{key}={', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in payload.items()
        if value not in (None, [], {})
    )


def timeline_table(rows: list[EntryRow]) -> None:
    if not rows:
        console.print("Nothing recorded matches.")
        return
    console.print(
        _table(
            "Timeline",
            ("Date", "Talks", "Kind", "Entry", "Text", "Recorded by"),
            (
                (
                    r["valid_text"] or "undated",
                    r["slug"],
                    r["kind"],
                    r["ref"],
                    r["text"],
                    r["recorded_by"],
                )
                for r in rows
            ),
        )
    )


def search_table(hits: list[SearchHit]) -> None:
    if not hits:
        console.print("No entry matches.")
        return
    console.print(
        _table(
            "Search",
            ("Talks", "Entry", "Match"),
            ((h["slug"], h["ref"], h["snippet"].replace("\n", " ")) for h in hits),
        )
    )


def status_table(rows: list[ViewStatus]) -> None:
    console.print(
        _table(
            "Views",
            ("View", "Position", "Head", "Lag"),
            ((r["name"], r["position"], r["head"], r["lag"]) for r in rows),
        )
    )
