"""The timeline as an iCalendar file (RFC 5545): day-dated entries as events.

Only an entry dated to certain days becomes an event: to a day
(``2024-07-23``), an all-day ``VEVENT`` (``DTSTART;VALUE=DATE``, ``DTEND`` the
next day); to an interval of days (``2024-07-23/2024-07-26``), an all-day
event over those days (``DTEND`` is exclusive: the day after the last); to a
day and a time of day (``2015-02-15T00:00+02:00``), a timed event at that
moment. Its ``DTSTART`` is in UTC: RFC 5545 has no fixed offset for a time,
only UTC, floating local time or a ``TZID`` naming a ``VTIMEZONE``, which for
a bare offset would be made up and which calendar programs read unevenly,
while every one reads UTC; it is the same moment, and ``DESCRIPTION`` gives
the date as written, offset and all. A time written without an offset is
floating (local wherever the calendar is read), which is what it says. A
timed event has no ``DTEND``: it lasts no time (RFC 5545, 3.6.1), as the
record gives none.

An entry dated less precisely than a day (a month, a season, a year, a date
with unspecified digits such as ``2024-07-XX``), or by an interval with such a
side, is SKIPPED, as is one whose date is approximate (``~``) or uncertain
(``?``, ``%``), and undated ones: a calendar would have to pin it to days the
record does not give. So is an interval with an open (``2024-07-23/..``) or
unknown (``2024-07-23/``) side, which has no days to span. The calendar
counts what it left out, in ``X-TIMELINE-SKIPPED-IMPRECISE``,
``X-TIMELINE-SKIPPED-OPEN`` and ``X-TIMELINE-SKIPPED-UNDATED``, and says so in
``X-WR-CALDESC``; the csv and json exports hold every entry.

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
from typing import NamedTuple

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
    """Whether the entry is dated to certain days, and so can be an event."""
    return entry["date"] is not None and _certain_days(PartialDate(entry["date"]))


def _certain_days(when: PartialDate) -> bool:
    """Whether ``when`` is a day (maybe at a time of day) or an interval of
    days, neither approximate nor uncertain."""
    return (
        when.bounded
        and when.precision == "day"
        and not (when.approximate or when.uncertain)
    )


def _beyond_plain(when: PartialDate) -> bool:
    """Whether ``when`` is of a form beyond a plain day, month or year."""
    return when.is_interval or when.approximate or when.uncertain or _coarse(when)


def _coarse(when: PartialDate) -> bool:
    """Whether ``when`` is a season or has unspecified digits (``2024-21``,
    ``201X``): imprecise otherwise than to a month or a year."""
    return when.unspecified or when.precision == "season"


def event(entry: TimelineEntry, talks: TalksView | None) -> Event:
    """One day-dated entry as an all-day event over its days, or a timed event
    at its time of day; ``talks`` is the view it is of."""
    result = Event()
    result.add("uid", f"entry-{entry['entry_id']}@{UID_DOMAIN}")
    result.add("dtstamp", _utc(entry["recorded_at"]))
    written = entry["date"] or ""  # an event's entry is dated
    if PartialDate(written).time is None:
        result.add("dtstart", date.fromisoformat(entry["lower"] or ""))
        last = date.fromisoformat(entry["upper"] or "")
        result.add("dtend", last + timedelta(days=1))
    else:
        result.add("dtstart", _moment(written))
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
    lines += [f"Cites: {_line(cited)}" for cited in entry["cited"]]
    if entry["grade"]:
        lines.append(f"Grade: {entry['grade']}")
    lines.append(f"Recorded: {entry['recorded_at']} by {_line(entry['recorded_by'])}")
    return "\n".join(lines)


def _line(value: str) -> str:
    return visible_controls(value).replace("\r\n", " ").replace("\n", " ")


def first_url(sources: list[str]) -> str | None:
    """The first source that may be a link, as its target (percent-encoded)."""
    return first_link(sources)


def _moment(written: str) -> datetime:
    """A date with a time of day as the moment it names: in UTC when it gives
    ``Z`` or an offset, floating (no zone) when it gives neither."""
    when = datetime.fromisoformat(written)
    return when if when.tzinfo is None else when.astimezone(UTC)


class _LeftOut(NamedTuple):
    """How many entries the calendar leaves out, and why."""

    imprecise: int
    open: int
    undated: int


def _calendar(snapshot: Snapshot) -> Calendar:
    dates = [PartialDate(e["date"]) for e in snapshot["timeline"] if e["date"]]
    open_ = sum(not when.bounded for when in dates)
    left_out = _LeftOut(
        imprecise=sum(not _certain_days(when) for when in dates) - open_,
        open=open_,
        undated=len(snapshot["timeline"]) - len(dates),
    )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", vText(text(_name(snapshot))))
    calendar.add("x-wr-caldesc", vText(text(_caption(snapshot, left_out, dates))))
    calendar.add("x-timeline-position", vText(str(snapshot["position"])))
    if snapshot["head"]:
        calendar.add("x-timeline-head", vText(snapshot["head"]))
    if snapshot["recorded_at"] is not None:
        calendar.add("x-timeline-recorded-at", vText(snapshot["recorded_at"]))
    calendar.add("x-timeline-skipped-imprecise", vText(str(left_out.imprecise)))
    calendar.add("x-timeline-skipped-open", vText(str(left_out.open)))
    calendar.add("x-timeline-skipped-undated", vText(str(left_out.undated)))
    return calendar


def _name(snapshot: Snapshot) -> str:
    name = f"Diplomatic timeline at store position {snapshot['position']}"
    if len(snapshot["talks"]) == 1:
        return f"{snapshot['talks'][0]['title']}: {name[0].lower()}{name[1:]}"
    return name


def _caption(snapshot: Snapshot, left_out: _LeftOut, dates: list[PartialDate]) -> str:
    """The calendar's description; the wording of plain dates is kept unless
    some date is beyond them (:func:`_beyond_plain`)."""
    recorded = snapshot["recorded_at"] or "never (empty store)"
    snapshot_of = (
        f"Snapshot of the record at store position {snapshot['position']}, "
        f"recorded {recorded}. "
    )
    if not any(_beyond_plain(when) for when in dates):
        return snapshot_of + (
            f"Only entries dated to a day are events: {left_out.imprecise} dated "
            f"only to a month or a year and {left_out.undated} undated are left out."
        )
    imprecise = "a month or a year"
    if any(_coarse(when) for when in dates):
        imprecise = "a season, a month or a year, with unspecified digits (X)"
    open_ = f"{left_out.open} with an open or unknown end, " if left_out.open else ""
    return snapshot_of + (
        "Only entries dated to certain days (a day or an interval of days) "
        f"are events: {left_out.imprecise} dated only to {imprecise}, or "
        f"approximately or uncertainly, {open_}and {left_out.undated} undated are"
        " left out."
    )


def _summary(entry: TimelineEntry, talks: TalksView | None) -> str:
    if entry["kind"] == "talks" and talks is not None:
        return talks["title"]
    return entry["text"]


def _utc(timestamp: str) -> datetime:
    """An RFC 3339 record time as a UTC datetime, to the second."""
    return datetime.fromisoformat(timestamp).astimezone(UTC).replace(microsecond=0)
