"""Terminal tables with rich; imported only by commands that print one.

Every recorded text reaches the terminal through :func:`_safe`
(:func:`timeline.exporters.inert.terminal_text`): an escape sequence, any
other control but newline and tab, and a bidirectional control are shown as
tokens such as ``[U+001B]``, never sent, so a stored text cannot set the
terminal's title, clear its screen or reorder what it shows. Text is printed
as rich ``Text`` (never markup, highlighting or emoji codes), so ``[...]``
and ``:name:`` stay as typed, and a line at a time (:class:`Lines`), so a
long text takes time linear in its length.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.table import Table
from rich.text import DEFAULT_JUSTIFY, DEFAULT_OVERFLOW, Text

from events.kinds import KINDS
from projections.actors import ActorView
from projections.changes import Change
from projections.rows import EntryRow, SearchHit, TalksRow, ViewStatus
from projections.talks import Assessment, Scenario, TalksView, current, latest, standing
from timeline.exporters.inert import terminal_text

if TYPE_CHECKING:
    from timeline.application import HistoryEntry

console = Console(soft_wrap=False)


class Lines(Text):
    """Text that rich renders a line at a time, with the same output.

    rich renders a ``Text`` as its wrapped lines joined into one segment,
    then splits that segment into lines again, copying the rest of it for
    each line: time quadratic in the length of a text (a text of 100,000
    characters in short lines took seconds; one of 20 MB, hours). Here each
    wrapped line is its own segments, so nothing is copied twice.
    """

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[Segment]:
        tab_size = console.tab_size if self.tab_size is None else self.tab_size
        no_wrap = self.no_wrap if self.no_wrap is not None else options.no_wrap
        lines = self.wrap(
            console,
            options.max_width,
            justify=self.justify or options.justify or DEFAULT_JUSTIFY,
            overflow=self.overflow or options.overflow or DEFAULT_OVERFLOW,
            tab_size=tab_size or 8,
            no_wrap=bool(no_wrap),
        )
        newline = Segment("\n")
        for number, line in enumerate(lines):
            if number:
                yield newline
            yield from line.render(console)
        if self.end:
            yield Segment(self.end)


def _safe(value: object) -> str:
    """A value as the terminal may be sent it (None: nothing)."""
    return "" if value is None else terminal_text(str(value))


def _line(value: object, style: str = "") -> None:
    """Print one text as it is: controls shown, no markup, no highlighting."""
    console.print(Lines(_safe(value), style=style))


def _table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    table = Table(
        title=_safe(title), title_justify="left", show_lines=False, expand=False
    )
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:  # Text, not markup: "[...]" in user text stays as typed
        table.add_row(*(Lines(_safe(cell)) for cell in row))
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
    _line(view["title"], style="bold")
    _line(
        f"Location: {view['location']}   Date: {view['on'] or 'not recorded'}"
        f"   Parties: {parties}"
    )
    for source in view["sources"]:
        _line(f"Source: {source}")
    if view["summary"]:
        _line(view["summary"])
    scenarios = standing(view["scenarios"])
    tables: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        ("Agenda", ("Key", "Title", "Detail", "Date"),
         [(i["key"], i["title"], i["detail"], i["on"])
          for i in standing(view["agenda"])]),
        ("Stances", ("Actor", "Position", "Key interests", "Date"),
         [(s["actor_name"], s["position"], ", ".join(s["interests"]), s["on"])
          for s in current(view["stances"])]),
        ("Motivations", ("Actor", "Motivation", "Date"),
         [(m["actor_name"], m["text"], m["on"]) for m in current(view["motivations"])]),
        ("Outcome scenarios", ("Key", "Outcome", "Potential impact", "Likelihood",
                               "Date"),
         [(s["key"], s["outcome"], s["impact"], _likelihood(s), s["on"])
          for s in scenarios]),
        ("Recommendations",
         ("Key", "Recommendation", "Outcome", "Detail", "For", "Date"),
         [(r["key"], r["title"], r["outcome"], r["detail"], r["audience_name"], r["on"])
          for r in standing(view["recommendations"])]),
        ("Developments", ("#", "Date", "Development", "Sources"),
         [(d["number"], d["on"], d["text"], "; ".join(d["sources"]))
          for d in standing(view["developments"])]),
    ]  # fmt: skip
    tables = [_without_empty(*table, optional={"Date", "Likelihood"})
              for table in tables]  # fmt: skip
    for title, header, entries in tables:
        if not entries:
            continue
        shown = entries[-rows:] if rows else entries
        console.print(_table(title, header, shown))
        if left_out := len(entries) - len(shown):
            _line(f"{left_out:,} earlier {title.lower()} not shown (--all shows them).",
                  style="dim")  # fmt: skip
    _line(f"Version {view['version']}, store position {view['last_position']}.",
          style="dim")  # fmt: skip


def _likelihood(scenario: Scenario) -> str | None:
    from events.likelihood import describe

    assessment = latest(scenario["assessments"])
    return describe(assessment["likelihood"]) if assessment else None


def _without_empty(
    title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]], optional: set[str]
) -> tuple[str, tuple[str, ...], list[tuple[Any, ...]]]:
    """Leave out the optional columns no row fills (the demo has no dates)."""
    keep = [i for i, name in enumerate(header)
            if name not in optional or any(row[i] for row in rows)]  # fmt: skip
    return (title, tuple(header[i] for i in keep),
            [tuple(row[i] for i in keep) for row in rows])  # fmt: skip


def stances_table(rows: list[EntryRow]) -> None:
    if not rows:
        console.print("No stance recorded.")
        return
    console.print(
        _table(
            "Stances",
            ("Actor", "Position", "Key interests", "Date", "Recorded at", "By",
             "Status"),
            (
                (
                    r["fields"]["actor"], r["text"],
                    ", ".join(r["fields"]["interests"]), r["valid_text"],
                    r["recorded_at"][:19], r["recorded_by"],
                    f"retracted: {r['reason']}" if r["retracted"] else (
                        f"amended: {r['reason']}" if r["reason"] else ""
                    ),
                )
                for r in rows
            ),
        )
    )  # fmt: skip


def scenarios_table(scenarios: list[Scenario]) -> None:
    from events.likelihood import describe

    if not scenarios:
        console.print("No outcome scenario recorded.")
        return
    console.print(
        _table(
            "Outcome scenarios",
            ("Key", "Outcome", "Likelihood", "Assessed", "Note", "Recorded at"),
            (
                (
                    s["key"] if i == 0 else "", s["outcome"] if i == 0 else "",
                    describe(a["likelihood"]) if a else "not assessed",
                    a["on"] if a else "", a["note"] if a else "",
                    (a["recorded_at"][:19] + (" (earlier)" if i else "")) if a else "",
                )
                for s in scenarios
                for i, a in enumerate(_assessments(s))
            ),
        )
    )  # fmt: skip


def _assessments(scenario: Scenario) -> list[Assessment | None]:
    """The one that holds first, then the earlier ones that stand, latest first."""
    found: list[Assessment | None] = list(reversed(standing(scenario["assessments"])))
    return found or [None]


def changes_table(changes: list[Change]) -> None:
    if not changes:
        console.print("Nothing changed between those times.")
        return
    console.print(
        _table(
            "Changes",
            ("Recorded at", "Change", "Entry", "Now", "Before", "Reason", "By"),
            (
                (
                    c["recorded_at"][:19], c["change"], c["ref"],
                    "" if c["change"] == "retracted" else _changed(c, "after"),
                    c["before"] if c["change"] == "retracted"
                    else _changed(c, "before"),
                    c["reason"], c["recorded_by"],
                )
                for c in changes
            ),
        )
    )  # fmt: skip


def _changed(change: Change, side: str) -> str:
    if change["change"] == "added":
        return change["text"] if side == "after" else ""
    return "; ".join(
        f"{name}: {value[side]}"  # type: ignore[literal-required]
        for name, value in change["fields"].items()
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
            ("Date", "Talks", "Entry", "Text", "Actors", "Recorded"),
            (
                (
                    r["valid_text"] or "undated", r["slug"], r["ref"], r["text"],
                    ", ".join(_actors(r)), r["recorded_at"][:16],
                )
                for r in rows
            ),
        )
    )  # fmt: skip


def _actors(row: EntryRow) -> list[str]:
    return KINDS[row["kind"]].named_actors(row["fields"])


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
