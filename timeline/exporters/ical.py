"""The timeline as an iCalendar file (RFC 5545): day-dated entries as events.

Only an entry dated to a day (``2024-07-23``) becomes an event: an all-day
``VEVENT`` (``DTSTART;VALUE=DATE``, ``DTEND`` the next day). An entry dated
only to a month or a year is SKIPPED, as are undated ones: a calendar would
have to pin it to a day the record does not give. The calendar counts what
it left out, in ``X-TIMELINE-SKIPPED-IMPRECISE`` and
``X-TIMELINE-SKIPPED-UNDATED``, and says so in ``X-WR-CALDESC``; the csv and
json exports hold every entry.

Each event's ``UID`` is ``entry-<entry_id>@diplomatic-timeline``, so it stays
the same when the entry is amended. With no ``METHOD``, RFC 5545 makes
``DTSTAMP`` the time the information was last revised: it is the entry's
record time, never the time of the export, so the same snapshot always gives
the same bytes. ``SUMMARY`` is the entry's text (for the talks themselves,
their title), ``DESCRIPTION`` names the talks, the kind of entry, its actors,
its sources and who recorded it when, ``CATEGORIES`` is the kind, and
``URL`` is the first source that is an http(s) address.

The calendar names the snapshot in ``X-WR-CALNAME`` and its store position
and record time in ``X-TIMELINE-POSITION`` and ``X-TIMELINE-RECORDED-AT``
(left out for an empty store). With no day-dated entry it holds no event:
RFC 5545 strictly wants at least one component, but calendar programs
commonly accept an empty calendar.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vText

from projections.snapshot import Snapshot, TimelineEntry
from projections.talks import TalksView

PRODID = "-//diplomatic-timeline//EN"
UID_DOMAIN = "diplomatic-timeline"
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""A valid date recorded to the day."""


def render_ical(snapshot: Snapshot) -> str:
    talks = {view["slug"]: view for view in snapshot["talks"]}
    calendar = _calendar(snapshot)
    for entry in snapshot["timeline"]:
        if on_a_day(entry):
            calendar.add_component(event(entry, talks.get(entry["talks"])))
    data: bytes = calendar.to_ical()
    return data.decode()


def on_a_day(entry: TimelineEntry) -> bool:
    """Whether the entry is dated to one day, and so can be an all-day event."""
    return (
        entry["date"] is not None
        and DAY.fullmatch(entry["date"]) is not None
        and entry["lower"] == entry["upper"]
    )


def event(entry: TimelineEntry, talks: TalksView | None) -> Event:
    """One day-dated entry as an all-day event; ``talks`` is the view it is of."""
    day = date.fromisoformat(entry["date"] or "")
    result = Event()
    result.add("uid", f"entry-{entry['entry_id']}@{UID_DOMAIN}")
    result.add("dtstamp", _utc(entry["recorded_at"]))
    result.add("dtstart", day)
    result.add("dtend", day + timedelta(days=1))
    result.add("summary", _summary(entry, talks))
    result.add("description", description(entry, talks))
    result.add("categories", [entry["kind"]])
    result.add("transp", "TRANSPARENT")
    if entry["kind"] == "talks" and talks is not None and talks["location"]:
        result.add("location", talks["location"])
    if url := first_url(entry["sources"]):
        result.add("url", url)
    return result


def description(entry: TimelineEntry, talks: TalksView | None) -> str:
    """What the event's one line cannot say: where the entry comes from."""
    title = f"{talks['title']} ({entry['talks']})" if talks else entry["talks"]
    lines = [
        f"Talks: {title}",
        f"Kind: {entry['kind']}",
        f"Entry: {entry['ref']}",
        f"Date: {entry['date']}",
    ]
    if entry["actors"]:
        lines.append(f"Actors: {', '.join(entry['actors'])}")
    lines += [f"Source: {source}" for source in entry["sources"]]
    lines.append(f"Recorded: {entry['recorded_at']} by {entry['recorded_by']}")
    return "\n".join(lines)


def first_url(sources: list[str]) -> str | None:
    """The first source that is an http(s) address, if any."""
    for source in sources:
        parts = urlsplit(source)
        if (
            parts.scheme in ("http", "https")
            and parts.netloc
            and not any(char.isspace() for char in source)
        ):
            return source
    return None


def _calendar(snapshot: Snapshot) -> Calendar:
    dated = [entry for entry in snapshot["timeline"] if entry["date"] is not None]
    imprecise = sum(not on_a_day(entry) for entry in dated)
    undated = len(snapshot["timeline"]) - len(dated)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", vText(_name(snapshot)))
    calendar.add("x-wr-caldesc", vText(_caption(snapshot, imprecise, undated)))
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


def _caption(snapshot: Snapshot, imprecise: int, undated: int) -> str:
    recorded = snapshot["recorded_at"] or "never (empty store)"
    return (
        f"Snapshot of the record at store position {snapshot['position']}, "
        f"recorded {recorded}. Only entries dated to a day are events: "
        f"{imprecise} dated only to a month or a year and {undated} undated "
        "are left out."
    )


def _summary(entry: TimelineEntry, talks: TalksView | None) -> str:
    if entry["kind"] == "talks" and talks is not None:
        return talks["title"]
    return entry["text"]


def _utc(timestamp: str) -> datetime:
    """An RFC 3339 record time as a UTC datetime, to the second."""
    return datetime.fromisoformat(timestamp).astimezone(UTC).replace(microsecond=0)
