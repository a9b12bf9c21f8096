"""The snapshot as the JSON document Knight Lab's TimelineJS3 reads.

The document has a title slide and one event per dated timeline entry::

    {"title": {"text": {...}, "unique_id": "timeline-title"},
     "events": [{"start_date": {"year": "2024", "month": "7"},
                 "display_date": "2024-07", "text": {...}, "group": "...",
                 "unique_id": "entry-1"}, ...]}

Dates are only as precise as recorded: ``2024`` gives a ``start_date`` with a
year alone, never a made-up month or day, and ``display_date`` shows the date
text itself, so an approximate (``2024-07~``) or uncertain (``2024-07?``)
date, and every form below, is shown as recorded. An interval
(``2024-07-23/2024-07-26``, ``2023/2024-03~``) has an ``end_date``, its end at
the end's own precision: an imprecise date is one day that is not known
exactly, not a span (and an end date at the start date's precision would
equal it, which TimelineJS drops as redundant). A date TimelineJS has no parts
for is drawn as its bounds, each as precise as it is: ``201X`` from the year
2010 to the year 2019, ``20XX`` from 2000 to 2099, the season ``2001-21``
from March 2001 to May 2001 (``2024-07-XX`` is the month it names, a single
date). An interval with an open (``2014-04-07/..``) or unknown
(``2014-04-07/``) side has no ``end_date`` and its known side as its
``start_date``, so an open start (``../2014``) is drawn at its end. A date
with a time of day gives its ``hour``, ``minute`` and ``second`` (if written)
as written, in the date's own zone, which TimelineJS does not know of.
Undated entries cannot be placed on a time axis, so they are left out; the
title slide says how many.

TimelineJS treats ``headline`` and ``text`` as HTML, so every recorded text is
escaped, after its control characters and bidirectional controls are made
visible tokens such as ``[U+202E]`` (:mod:`timeline.exporters.inert`);
sources become links only under that module's one URL policy, the ``href``
percent-encoded and escaped. ``group`` goes through one more decoding step
in TimelineJS (its markup is stripped to text, and that text is then
inserted as HTML), so it is escaped twice. The document's JSON has DEL, C1
controls and U+2028/U+2029 as ``\\uXXXX`` escapes.

Events keep the snapshot's timeline order and keys a fixed order, so the same
snapshot always gives the same bytes.
"""

from __future__ import annotations

import json
import re
from calendar import monthrange
from datetime import date
from html import escape as escape_html
from typing import Any

from events import PartialDate
from projections.snapshot import Snapshot, TimelineEntry
from timeline.exporters.inert import escape_json_controls, link_target, visible_controls

JSON = dict[str, Any]

HEADLINE_LIMIT = 140
"""Longest headline, in characters; a longer text is cut at a word boundary
and given whole in the slide's text."""

DATE_PARTS = ("year", "month", "day")
TIME_PARTS = ("hour", "minute", "second")


def render_timelinejs(snapshot: Snapshot) -> str:
    titles = {view["slug"]: view["title"] for view in snapshot["talks"]}
    names = actor_names(snapshot)
    dated = [entry for entry in snapshot["timeline"] if entry["date"]]
    document = {
        "title": title_slide(snapshot, undated=len(snapshot["timeline"]) - len(dated)),
        "events": [event(entry, titles, names) for entry in dated],
    }
    return (
        escape_json_controls(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"
    )


def title_slide(snapshot: Snapshot, undated: int) -> JSON:
    """The slide before the first event: what the snapshot is and reflects."""
    talks = snapshot["talks"]
    headline = talks[0]["title"] if len(talks) == 1 else "Diplomatic timeline"
    recorded = snapshot["recorded_at"] or "never (empty store)"
    lines = [
        f"Snapshot of the record at store position {snapshot['position']}, "
        f"recorded {recorded}."
    ]
    if snapshot["head"]:
        lines.append(f"Store head: {snapshot['head']}.")
    if undated:
        lines.append(
            f"{undated} undated {'entry is' if undated == 1 else 'entries are'} "
            "not shown: without a date they cannot be placed on the timeline."
        )
    return {
        "text": {
            "headline": escape(headline),
            "text": "".join(f"<p>{escape(line)}</p>" for line in lines),
        },
        "unique_id": "timeline-title",
    }


def event(entry: TimelineEntry, titles: dict[str, str], names: dict[str, str]) -> JSON:
    """One dated timeline entry as a TimelineJS event (slide)."""
    written = entry["date"]
    assert written is not None, "undated entries are left out"
    talks_title = titles.get(entry["talks"], entry["talks"])
    full = visible_controls(talks_title if entry["kind"] == "talks" else entry["text"])
    headline = shorten(full)  # controls first made visible: none becomes a space
    return {
        **slide_dates(PartialDate.parse(written)),
        "display_date": written,
        "text": {
            "headline": escape(headline),
            "text": details(
                entry, talks_title, names, full if headline != full else None
            ),
        },
        "group": escape(escape(talks_title)),
        "unique_id": f"entry-{entry['entry_id']}",
    }


def slide_dates(when: PartialDate) -> JSON:
    """The ``start_date`` and ``end_date`` (if any) of a slide dated ``when``."""
    start, end = when.start, when.end
    if start is None or end is None:  # open or unknown: its known side alone
        known = start or end
        assert known is not None, "an interval has a known side"
        return {"start_date": date_parts(known)[0]}
    first, last = date_parts(start)[0], date_parts(end)[1]
    if when.is_interval or last != first:
        return {"start_date": first, "end_date": last}
    return {"start_date": first}


def date_parts(when: PartialDate) -> tuple[dict[str, str], dict[str, str]]:
    """The first and last TimelineJS date ``when`` (one date, not an interval)
    can mean, each only as precise as the date: ``2024-07`` and ``2024-07~``
    are ``{"year": "2024", "month": "7"}`` twice, ``201X`` the years 2010 and
    2019, ``2001-21`` the months March and May 2001. A qualifier is left out,
    as TimelineJS has no place for it (``display_date`` shows it)."""
    if when.time is not None:
        clock = re.split("[Z+-]", when.time)[0].split(":")  # hh:mm[:ss], no zone
        times = (str(int(digits)) for digits in clock)
        parts = _parts(when.lower, "day") | dict(zip(TIME_PARTS, times, strict=False))
        return parts, parts
    unit = _unit(when.lower, when.upper)
    return _parts(when.lower, unit), _parts(when.upper, unit)


def _unit(first: date, last: date) -> str:
    """The coarsest of year, month and day whose whole ones span ``first`` to
    ``last``."""
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return "year"
    if first.day == 1 and last.day == monthrange(last.year, last.month)[1]:
        return "month"
    return "day"


def _parts(day: date, unit: str) -> dict[str, str]:
    """``day`` as TimelineJS's date parts, down to ``unit``."""
    values = (day.year, day.month, day.day)[: DATE_PARTS.index(unit) + 1]
    return dict(zip(DATE_PARTS, map(str, values), strict=False))


def shorten(text: str) -> str:
    """The text on one line, cut at a word boundary if it is too long."""
    line = " ".join(text.split())
    if len(line) <= HEADLINE_LIMIT:
        return line
    cut = line[: HEADLINE_LIMIT - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def details(
    entry: TimelineEntry,
    talks_title: str,
    names: dict[str, str],
    full_text: str | None,
) -> str:
    """The slide's HTML text: the entry's facts, every recorded text escaped."""
    paragraphs = [escape(full_text)] if full_text else []
    paragraphs += [
        _fact("Talks", escape(talks_title)),
        _fact("Kind", escape(entry["kind"])),
    ]
    if entry["actors"]:
        actors = ", ".join(_actor(code, names) for code in entry["actors"])
        paragraphs.append(_fact("Actors", actors))
    if entry["sources"]:
        sources = "; ".join(source_html(source) for source in entry["sources"])
        paragraphs.append(_fact("Sources", sources))
    if entry["cited"]:
        paragraphs.append(_fact("Cites", escape("; ".join(entry["cited"]))))
    if entry["grade"]:
        paragraphs.append(_fact("Grade", escape(entry["grade"])))
    paragraphs.append(
        _fact(
            "Recorded",
            f"{escape(entry['recorded_at'])} by {escape(entry['recorded_by'])} "
            f"({escape(entry['ref'])}, store position {entry['entry_id']})",
        )
    )
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def escape(text: str) -> str:
    """Recorded text as HTML text: controls visible, markup escaped."""
    return escape_html(visible_controls(text))


def source_html(source: str) -> str:
    """A link for a source the URL policy allows; any other as escaped text.

    The link shows the URL without its scheme: TimelineJS turns every
    ``http(s)://`` in a slide's text into a link of its own, even inside one.
    """
    target = link_target(source)
    if target is None:
        return escape(source)
    return f'<a href="{escape_html(target)}">{escape(source.split("://", 1)[1])}</a>'


def actor_names(snapshot: Snapshot) -> dict[str, str]:
    """Display names of the actors the snapshot knows, by code."""
    names = {actor["key"]: actor["name"] for actor in snapshot["actors"]}
    for view in snapshot["talks"]:
        names.update((party["code"], party["name"]) for party in view["parties"])
        for stance in view["stances"]:
            names[stance["actor"]] = stance["actor_name"]
    return names


def _actor(code: str, names: dict[str, str]) -> str:
    name = names.get(code)
    if not name or name == code:
        return escape(code)
    return f"{escape(name)} ({escape(code)})"


def _fact(label: str, html: str) -> str:
    return f"<strong>{escape(label)}:</strong> {html}"
