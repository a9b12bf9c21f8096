"""Terminal tables with rich; imported only by commands that print one.

Every recorded text reaches the terminal through :func:`_safe`
(:func:`timeline.exporters.inert.terminal_text`): an escape sequence, any
other control but newline and tab, and a bidirectional control are shown as
tokens such as ``[U+001B]``, never sent, so a stored text cannot set the
terminal's title, clear its screen or reorder what it shows. Text is printed
as rich ``Text`` (never markup, highlighting or emoji codes), so ``[...]``
and ``:name:`` stay as typed, and a line at a time (:class:`Lines`), so a
long text takes time linear in its length.

A value is never split mid-word: each column is at least as wide as its
longest word (a slug, a ref, a date; up to :data:`WORD`), and a table wider
than the screen is printed wider; text wraps at spaces only. Piped, tables
fit COLUMNS, else 120 characters. On a terminal, output longer than the
screen goes through the pager (:func:`timeline.cli.page`).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import DEFAULT_JUSTIFY, DEFAULT_OVERFLOW, Text

from events.grades import RELIABILITY
from events.kinds import KINDS
from projections.actors import ActorView
from projections.changes import Change
from projections.evidence import Graded
from projections.rows import EntryRow, SearchHit, TalksRow, ViewStatus
from projections.sources import SourceView
from projections.talks import (
    Assessment,
    Party,
    Scenario,
    TalksView,
    current,
    standing,
)
from timeline.cli import page, pager
from timeline.exporters.brief import likelihood
from timeline.exporters.inert import terminal_text

if TYPE_CHECKING:
    from projections.queries import StanceRow
    from timeline.application import HistoryEntry

console = Console(soft_wrap=False)
P = ParamSpec("P")
WORLD = "Date (in the world)"
"""The header of a column of valid time: when it happened, as recorded."""
RECORDED = "Recorded at (UTC)"
"""The header of a column of record time: when the store recorded it."""
PIPED_WIDTH = 120
"""The width output fits when it is not for a terminal and COLUMNS is unset."""
WORD = 240
"""The longest word kept whole: longer than any slug, key, ref or date can
be; a longer one (a pasted blob) is folded rather than widen a table without
end."""


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


def _paged(render: Callable[P, None]) -> Callable[P, None]:
    """``render``, whose output goes through the pager when there is one."""

    @wraps(render)
    def paged(*args: P.args, **kwargs: P.kwargs) -> None:
        if pager() is None:
            render(*args, **kwargs)
            return
        with console.capture() as captured:
            render(*args, **kwargs)
        page(captured.get())

    return paged


def _safe(value: object) -> str:
    """A value as the terminal may be sent it (None: nothing)."""
    return "" if value is None else terminal_text(str(value))


def _screen() -> int:
    """The width output fits: COLUMNS, else the terminal's, else (piped) 120."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else PIPED_WIDTH


def _longest_word(text: str) -> int:
    """The width the longest word of ``text`` needs (at most :data:`WORD`)."""
    return min(max((cell_len(word) for word in text.split()), default=0), WORD)


def _print(renderable: RenderableType, width: int = 0) -> None:
    """Print at the screen's width, or wider when ``width`` needs it."""
    console.width = max(_screen(), width)  # print(width=...) cannot widen
    console.print(renderable, crop=False)


def _line(value: object, style: str = "") -> None:
    """Print one text as it is: controls shown, no markup, no highlighting."""
    text = _safe(value)
    _print(Lines(text, style=style), _longest_word(text))


def _table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    table = Table(
        title=_safe(title), title_justify="left", show_lines=False, expand=False
    )
    cells = [[_safe(cell) for cell in row] for row in rows]
    room = _screen() - 3 * len(header) - 1  # borders, and a blank each side
    for name, width in zip(header, _widths(header, cells, room), strict=True):
        table.add_column(name, width=width, overflow="fold")
    for row in cells:  # Text, not markup: "[...]" in user text stays as typed
        table.add_row(*(Lines(cell) for cell in row))
    return table


def _widths(header: Sequence[str], cells: list[list[str]], room: int) -> list[int]:
    """Each column's width: its longest word, so that no value is split
    mid-word; then, of the ``room`` left, a fair share of what its values'
    longest line would take more, and last what its header would."""
    columns = [[name, *(row[i] for row in cells)] for i, name in enumerate(header)]
    widths = [max(map(_longest_word, column)) or 1 for column in columns]
    spare = room - sum(widths)
    for texts in ([column[1:] for column in columns], [[name] for name in header]):
        wants = [max(map(_longest_line, column), default=0) for column in texts]
        spare = _share(widths, wants, spare)
    return widths


def _longest_line(text: str) -> int:
    return max(map(cell_len, text.splitlines()), default=0)


def _share(widths: list[int], wants: list[int], spare: int) -> int:
    """Widen each column towards the width it ``wants``, out of ``spare``:
    those that want least more are served first, the rest share what is
    left evenly; what is then left."""
    more = [max(want - width, 0) for want, width in zip(wants, widths, strict=True)]
    order = sorted(range(len(more)), key=more.__getitem__)
    for done, column in enumerate(order):
        given = max(min(more[column], spare // (len(order) - done)), 0)
        widths[column] += given
        spare -= given
    return spare


def _show(table: Table) -> None:
    """Print a table of :func:`_table`, wider than the screen if its words
    need it."""
    _print(table, sum(c.width or 0 for c in table.columns) + 3 * len(table.columns) + 1)


@_paged
def talks_table(rows: list[TalksRow]) -> None:
    if not rows:
        console.print("No talks recorded yet. Try: timeline demo")
        return
    _show(
        _table(
            "Talks",
            ("Slug", "Title", "Location", WORLD, RECORDED, "Version"),
            (
                (
                    r["slug"],
                    r["title"],
                    r["location"],
                    r["on"] or "undated",
                    r["opened_at"][:19],
                    r["version"],
                )
                for r in rows
            ),
        )
    )


@_paged
def actors_table(actors: list[ActorView]) -> None:
    _show(
        _table(
            "Registered actors",
            ("Key", "Name", "Kind"),
            ((a["key"], a["name"], a["kind"]) for a in actors),
        )
    )


@_paged
def sources_table(sources: list[SourceView]) -> None:
    if not sources:
        console.print("No sources recorded yet. Try: timeline source add --help")
        return
    _show(_table(
        "Sources",
        ("Key", "Grade", "Title", "Publisher", "Published", "URL"),
        ((s["key"], f"{s['reliability']} ({RELIABILITY[s['reliability']]})",
          s["title"], s["publisher"], s["published"], s["url"]) for s in sources),
    ))  # fmt: skip


@_paged
def source_view(found: SourceView) -> None:
    _line(found["title"], style="bold")
    _line(f"Key: {found['key']}   Reliability: {found['reliability']}"
          f" ({RELIABILITY[found['reliability']]})")  # fmt: skip
    for label, name in (("Publisher", "publisher"), ("Published", "published"),
                        ("URL", "url"), ("Note", "note")):  # fmt: skip
        if value := found.get(name):
            _line(f"{label}: {value}")
    _show(_table(
        "Grades", ("Reliability", "From (in the world)", "Reason", RECORDED, "By"),
        ((g["reliability"], g["on"] or "the start", g["reason"] or "added",
          g["recorded_at"][:19], g["recorded_by"]) for g in found["grades"]),
    ))  # fmt: skip


def _evidence(graded: list[Graded]) -> tuple[str, tuple[str, ...], list[Any]]:
    """The evidence table of a talks: each entry's grade and what it cites."""
    return (
        "Evidence", ("Entry", "Grade", "Cites"),
        [(g.ref, f"{g.grade or 'none'}{', unsourced' if g.unsourced else ''}",
          "; ".join(g.cited)) for g in graded],
    )  # fmt: skip


@_paged
def lint_report(slug: str, found: dict[str, list[dict[str, Any]]]) -> None:
    if not any(found.values()):
        _line(f"Every entry of {slug} cites a source graded better than F6.")
        return
    titles = {
        "unsourced": "Unsourced (no citation, or none better than F6)",
        "judgements_without_source": "Judgements resting on no source",
    }
    for name, entries in found.items():
        if entries:
            _show(_table(titles[name], ("Entry", "Grade", "Text"),
                         ((e["ref"], e["grade"] or "none", e["text"])
                          for e in entries)))  # fmt: skip


@_paged
def talks_view(
    view: TalksView, rows: int | None = None, graded: list[Graded] | None = None
) -> None:
    """The view as tables, each of its latest ``rows`` entries (None: all);
    then the ``graded`` entries' evidence."""
    parties = ", ".join(f"{p['name']} ({p['code']})" for p in view["parties"])
    _line(view["title"], style="bold")
    _line(
        f"Location: {view['location']}   Date: {view['on'] or 'not recorded'}"
        f"   Parties: {parties}"
    )
    for source in view["sources"]:
        _line(f"Source: {source}")
    if view["tags"]:
        _line(f"Tags: {_tags(view)}")
    if view["summary"]:
        _line(view["summary"])
    scenarios = standing(view["scenarios"])
    tables: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        ("Agenda", ("Key", "Title", "Detail", "Date", "Tags"),
         [(i["key"], i["title"], i["detail"], i["on"], _tags(i))
          for i in standing(view["agenda"])]),
        ("Stances", ("Actor", "Position", "Key interests", "Date", "Tags"),
         [(s["actor_name"], s["position"], ", ".join(s["interests"]), s["on"],
           _tags(s)) for s in current(view["stances"])]),
        ("Motivations", ("Actor", "Motivation", "Date", "Tags"),
         [(m["actor_name"], m["text"], m["on"], _tags(m))
          for m in current(view["motivations"])]),
        ("Outcome scenarios", ("Key", "Outcome", "Potential impact", "Likelihood",
                               "Date", "Tags"),
         [(s["key"], s["outcome"], s["impact"], likelihood(s), s["on"], _tags(s))
          for s in scenarios]),
        ("Recommendations",
         ("Key", "Recommendation", "Outcome", "Detail", "For", "Date", "Tags"),
         [(r["key"], r["title"], r["outcome"], r["detail"], r["audience_name"],
           r["on"], _tags(r)) for r in standing(view["recommendations"])]),
        ("Developments", ("#", "Date", "Development", "Actors", "Sources", "Tags"),
         [(d["number"], d["on"], d["text"], _names(d["actors"]),
           "; ".join(d["sources"]), _tags(d))
          for d in standing(view["developments"])]),
        ("Links", ("These talks", "Talks", "Title", "Note", "Date"), _links(view)),
    ]  # fmt: skip
    if graded:
        tables.append(_evidence(graded))
    optional = {"Date", "Likelihood", "Tags", "Actors", "Sources", "Note"}
    tables = [_without_empty(*table, optional=optional) for table in tables]
    for title, header, entries in tables:
        if not entries:
            continue
        shown = entries[-rows:] if rows else entries
        _show(_table(title, header, shown))
        if left_out := len(entries) - len(shown):
            _line(f"{left_out:,} earlier {title.lower()} not shown (--all shows them).",
                  style="dim")  # fmt: skip
    _line(f"Version {view['version']}, store position {view['last_position']}.",
          style="dim")  # fmt: skip


def _links(view: TalksView) -> list[tuple[Any, ...]]:
    """Every link of these talks, as they stand to the other (``superseded by``)."""
    return [
        (link["relation"], link["talks"], link["title"], link["note"], link["on"])
        for link in view.get("linked", [])
    ]


def _tags(entry: Any) -> str:
    return ", ".join(entry.get("tags") or ())


def _names(actors: list[Party]) -> str:
    return ", ".join(f"{a['name']} ({a['code']})" for a in actors)


def _without_empty(
    title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]], optional: set[str]
) -> tuple[str, tuple[str, ...], list[tuple[Any, ...]]]:
    """Leave out the optional columns no row fills (the demo has no dates)."""
    keep = [i for i, name in enumerate(header)
            if name not in optional or any(row[i] for row in rows)]  # fmt: skip
    return (title, tuple(header[i] for i in keep),
            [tuple(row[i] for i in keep) for row in rows])  # fmt: skip


@_paged
def stances_table(rows: list[StanceRow]) -> None:
    if not rows:
        console.print("No stance recorded.")
        return
    _show(
        _table(
            "Stances",
            ("Actor", "Position", "Key interests", WORLD,
             "First recorded at (UTC)", "Replaced at (UTC)", "By", "Status"),
            (
                (
                    r["fields"]["actor"], r["text"],
                    ", ".join(r["fields"]["interests"]), r["valid_text"],
                    r["first_recorded_at"][:19], (r["replaced_at"] or "")[:19],
                    r["recorded_by"],
                    f"retracted: {r['reason']}" if r["retracted"] else (
                        f"amended: {r['reason']}" if r["reason"] else ""
                    ),
                )
                for r in rows
            ),
        )
    )  # fmt: skip


@_paged
def scenarios_table(scenarios: list[Scenario]) -> None:
    from events.likelihood import describe

    if not scenarios:
        console.print("No outcome scenario recorded.")
        return
    _show(
        _table(
            "Outcome scenarios",
            ("Key", "Outcome", "Likelihood", "Confidence", WORLD, "Note",
             RECORDED),
            (
                (
                    s["key"] if i == 0 else "", s["outcome"] if i == 0 else "",
                    describe(a["likelihood"]) if a else "not assessed",
                    (a["confidence"] or "not stated") if a else "",
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


@_paged
def changes_table(changes: list[Change]) -> None:
    if not changes:
        console.print("Nothing changed between those times.")
        return
    _show(
        _table(
            "Changes",
            (RECORDED, "Change", "Entry", "Now", "Before", "Reason", "By"),
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
        f"{name}: {_joined(value[side])}"  # type: ignore[literal-required]
        for name, value in change["fields"].items()
    )


def _joined(value: Any) -> str:
    """A field's value as text: a list's items joined (citations as typed,
    ``un-report:2@p.4``), nothing for None."""
    if isinstance(value, list):
        return ", ".join(_cited(item) if isinstance(item, dict) else str(item)
                         for item in value)  # fmt: skip
    return "" if value is None else str(value)


def _cited(cite: dict[str, Any]) -> str:
    where = f"@{cite['locator']}" if cite.get("locator") else ""
    return f"{cite.get('source')}:{cite.get('credibility')}{where}"


@_paged
def history_table(entries: list[HistoryEntry]) -> None:
    _show(
        _table(
            "History",
            ("Position", "Type", RECORDED, "By", "Payload"),
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


def _payload(payload: dict[str, Any], indent: str = "") -> str:
    """A stored event's fields, a ``field: value`` line each (lists joined;
    the fields of a nested one, such as an amendment's changes, indented)."""
    lines = []
    for key, value in payload.items():
        if value in (None, [], {}):
            continue
        if isinstance(value, dict):
            lines += [f"{indent}{key}:", _payload(value, indent + "  ")]
        else:
            lines.append(f"{indent}{key}: {_joined(value)}")
    return "\n".join(lines)


@_paged
def timeline_table(rows: list[EntryRow]) -> None:
    if not rows:
        console.print("Nothing recorded matches.")
        return
    _show(
        _table(
            "Timeline",
            (WORLD, "Talks", "Entry", "Text", "Actors", "Grade", RECORDED),
            (
                (
                    r["valid_text"] or "undated", r["slug"], r["ref"], r["text"],
                    ", ".join(_actors(r)), r.get("grade") or "none",
                    r["recorded_at"][:16],
                )
                for r in rows
            ),
        )
    )  # fmt: skip


def _actors(row: EntryRow) -> list[str]:
    return KINDS[row["kind"]].named_actors(row["fields"])


@_paged
def search_table(hits: list[SearchHit]) -> None:
    if not hits:
        console.print("No entry matches.")
        return
    _show(
        _table(
            "Search",
            ("Talks", "Entry", "Match"),
            ((h["slug"], h["ref"], h["snippet"].replace("\n", " ")) for h in hits),
        )
    )


@_paged
def status_table(rows: list[ViewStatus]) -> None:
    _show(
        _table(
            "Views",
            ("View", "Position", "Head", "Lag"),
            ((r["name"], r["position"], r["head"], r["lag"]) for r in rows),
        )
    )
