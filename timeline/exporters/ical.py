"""The timeline as an iCalendar file (RFC 5545): day-dated entries as events.

Only an entry dated to certain days becomes an event: to a day
(``2024-07-23``), an all-day ``VEVENT`` (``DTSTART;VALUE=DATE``, ``DTEND`` the
next day); to an interval of days (``2024-07-23/2024-07-26``), an all-day
event over those days (``DTEND`` is exclusive: the day after the last). An
entry dated only to a month or a year, or by an interval with such a side, is
SKIPPED, as is one whose date is approximate (``~``) or uncertain (``?``,
``%``), and undated ones: a calendar would have to pin it to days the record
does not give. The calendar counts what it left out, in
``X-TIMELINE-SKIPPED-IMPRECISE`` and ``X-TIMELINE-SKIPPED-UNDATED``, and says
so in ``X-WR-CALDESC``; the csv and json exports hold every entry.

Each event's ``UID`` is ``entry-<entry_id>@diplomatic-timeline``, so it stays
the same when the entry is amended. With no ``METHOD``, RFC 5545 makes
``DTSTAMP`` the time the information was last revised: it is the entry's
record time, never the time of the export, so the same snapshot always gives
the same bytes. ``SUMMARY`` is the entry's text (for the talks themselves,
their title), ``DESCRIPTION`` names the talks, the kind of entry, its actors,
its sources and who recorded it when, ``CATEGORIES`` is the kind, and
``URL`` is the first source that may be a link under the one URL policy of
:mod:`timeline.exporters.inert` (the html export's links), percent-encoded.

Calendar programs show ``SUMMARY``, ``DESCRIPTION`` and ``LOCATION`` as text,
and some as HTML, so each recorded text is written with ``<`` and ``>`` as
``&lt;`` and ``&gt;`` (no markup can form; ``&`` stays, so plain text reads
as recorded), and with its control characters but newline and tab, and its
bidirectional controls, shown as tokens such as ``[U+202E]``; icalendar then
escapes what RFC 5545 requires (``\\``, ``;``, ``,``, newlines).

The calendar names the snapshot in ``X-WR-CALNAME`` and its store position
and record time in ``X-TIMELINE-POSITION`` and ``X-TIMELINE-RECORDED-AT``
(left out for an empty store). With no day-dated entry it holds no event:
RFC 5545 strictly wants at least one component, but calendar programs
commonly accept an empty calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, vText

from events import PartialDate
from projections.snapshot import Snapshot, TimelineEntry
from projections.talks import TalksView
from timeline.exporters.inert import first_link, visible_controls

PRODID = "-//diplomatic-timeline//EN"
UID_DOMAIN = "diplomatic-timeline"


def render_ical(snapshot: Snapshot) -> str:
    talks = {view["slug"]: view for view in snapshot["talks"]}
    calendar = _calendar(snapshot)
    for entry in snapshot["timeline"]:
        if on_a_day(entry):
            calendar.add_component(event(entry, talks.get(entry["talks"])))
    data: bytes = calendar.to_ical()
    return data.decode()


def on_a_day(entry: TimelineEntry) -> bool:
    """Whether the entry is dated to certain days (a day, or an interval of
    days, neither approximate nor uncertain), and so can be an all-day event."""
    if entry["date"] is None:
        return False
    when = PartialDate.parse(entry["date"])
    return when.precision == "day" and not (when.approximate or when.uncertain)


def _qualified_or_interval(entry: TimelineEntry) -> bool:
    """Whether the entry's date is of a form beyond a plain day, month or year."""
    if entry["date"] is None:
        return False
    when = PartialDate.parse(entry["date"])
    return when.is_interval or when.approximate or when.uncertain


def event(entry: TimelineEntry, talks: TalksView | None) -> Event:
    """One day-dated entry as an all-day event over its days; ``talks`` is the
    view it is of."""
    first = date.fromisoformat(entry["lower"] or "")
    last = date.fromisoformat(entry["upper"] or "")
    result = Event()
    result.add("uid", f"entry-{entry['entry_id']}@{UID_DOMAIN}")
    result.add("dtstamp", _utc(entry["recorded_at"]))
    result.add("dtstart", first)
    result.add("dtend", last + timedelta(days=1))
    result.add("summary", text(_summary(entry, talks)))
    result.add("description", text(description(entry, talks)))
    result.add("categories", [entry["kind"]])
    result.add("transp", "TRANSPARENT")
    if entry["kind"] == "talks" and talks is not None and talks["location"]:
        result.add("location", text(talks["location"]))
    if url := first_url(entry["sources"]):
        result.add("url", url)
    return result


def text(recorded: str) -> str:
    """Recorded text as a calendar shows it: no markup, controls visible."""
    return visible_controls(recorded).replace("<", "&lt;").replace(">", "&gt;")


def description(entry: TimelineEntry, talks: TalksView | None) -> str:
    """What the event's one line cannot say: where the entry comes from, a
    fact a line (a newline in a recorded value is a space, so no value can
    write a line of its own)."""
    title = f"{_line(talks['title'])} ({entry['talks']})" if talks else entry["talks"]
    lines = [
        f"Talks: {title}",
        f"Kind: {entry['kind']}",
        f"Entry: {entry['ref']}",
        f"Date: {entry['date']}",
    ]
    if entry["actors"]:
        lines.append(f"Actors: {', '.join(entry['actors'])}")
    lines += [f"Source: {_line(source)}" for source in entry["sources"]]
    lines.append(f"Recorded: {entry['recorded_at']} by {_line(entry['recorded_by'])}")
    return "\n".join(lines)


def _line(value: str) -> str:
    return visible_controls(value).replace("\r\n", " ").replace("\n", " ")


def first_url(sources: list[str]) -> str | None:
    """The first source that may be a link, as its target (percent-encoded)."""
    return first_link(sources)


def _calendar(snapshot: Snapshot) -> Calendar:
    dated = [entry for entry in snapshot["timeline"] if entry["date"] is not None]
    imprecise = sum(not on_a_day(entry) for entry in dated)
    undated = len(snapshot["timeline"]) - len(dated)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", vText(text(_name(snapshot))))
    beyond = any(_qualified_or_interval(entry) for entry in dated)
    caption = _caption(snapshot, imprecise, undated, beyond)
    calendar.add("x-wr-caldesc", vText(text(caption)))
    calendar.add("x-timeline-position", vText(str(snapshot["position"])))
    if snapshot["recorded_at"] is not None:
        calendar.add("x-timeline-recorded-at", vText(snapshot["recorded_at"]))
    calendar.add("x-timeline-skipped-imprecise", vText(str(imprecise)))
    calendar.add("x-timeline-skipped-undated", vText(str(undated)))
    return calendar


def _name(snapshot: Snapshot) -> str:
    name = f"Diplomatic timeline at store position {snapshot['position']}"
    if len(snapshot["talks"]) == 1:
        return f"{snapshot['talks'][0]['title']}: {name[0].lower()}{name[1:]}"
    return name


def _caption(snapshot: Snapshot, imprecise: int, undated: int, beyond: bool) -> str:
    """The calendar's description; ``beyond`` when some date is an interval or
    approximate or uncertain (otherwise the wording of plain dates is kept)."""
    recorded = snapshot["recorded_at"] or "never (empty store)"
    snapshot_of = (
        f"Snapshot of the record at store position {snapshot['position']}, "
        f"recorded {recorded}. "
    )
    if beyond:
        return snapshot_of + (
            "Only entries dated to certain days (a day or an interval of days) "
            f"are events: {imprecise} dated only to a month or a year, or "
            f"approximately or uncertainly, and {undated} undated are left out."
        )
    return snapshot_of + (
        f"Only entries dated to a day are events: {imprecise} dated only to a "
        f"month or a year and {undated} undated are left out."
    )


def _summary(entry: TimelineEntry, talks: TalksView | None) -> str:
    if entry["kind"] == "talks" and talks is not None:
        return talks["title"]
    return entry["text"]


def _utc(timestamp: str) -> datetime:
    """An RFC 3339 record time as a UTC datetime, to the second."""
    return datetime.fromisoformat(timestamp).astimezone(UTC).replace(microsecond=0)
