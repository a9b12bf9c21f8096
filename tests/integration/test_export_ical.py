"""The ical export of a snapshot read from a real store, parsed back with the
icalendar package and checked event by event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar, Event

from projections.snapshot import Snapshot, TimelineEntry
from tests.support import ok
from timeline.casefile import demo_case
from timeline.exporters.ical import render_ical
from timeline.service import Service

SLUG = "geneva"
VIENNA = "vienna"
VIENNA_TITLE = "Vienna round, second; of two"
ESCAPED = "Talks resume, again; both sides\nagree \\ for now"
SOURCES = [
    "ftp://example.org/x",
    "Wire, report",
    "http://example.org/a",
    "https://example.org/b",
]


def record(app: Service) -> None:
    """Talks dated to a month and to a day; developments dated to a year, a
    month and days; stances; and the undated demo talks."""
    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR", "RUS"], on="2024-07")
    app.open_talks(VIENNA, VIENNA_TITLE, "Vienna", ["UKR", "TUR"], on="2024-08-05",
                   sources=["Agency note", "https://example.org/vienna"])  # fmt: skip
    app.record_development(SLUG, "2024-07-23", ESCAPED, SOURCES)
    app.record_development(SLUG, "2024", 'Truce "holds"\nsecond line')
    app.record_development(SLUG, "2024-09", "Talks stall")
    app.record_development(SLUG, "2024-02-29", "Leap day: Genève — 停火")
    app.record_stance(SLUG, "UKR", "Firm", ["Security"], on="2024-07-20")
    app.record_stance(SLUG, "RUS", "Hesitant", on="2024-12-31")
    app.record_case(demo_case())


@pytest.fixture
def snapshot(app: Service) -> Snapshot:
    record(app)
    return app.queries.snapshot()


def parse(text: str) -> Calendar:
    calendar = Calendar.from_ical(text)
    assert isinstance(calendar, Calendar)
    return calendar


def events(calendar: Calendar) -> dict[str, Event]:
    found = [c for c in calendar.walk("VEVENT") if isinstance(c, Event)]
    by_uid = {str(event["UID"]): event for event in found}
    assert len(by_uid) == len(found), "UIDs must be unique"
    return by_uid


def uid(entry: TimelineEntry) -> str:
    return f"entry-{entry['entry_id']}@diplomatic-timeline"


def on_a_day(snapshot: Snapshot) -> list[TimelineEntry]:
    return [e for e in snapshot["timeline"] if e["date"] and e["date"].count("-") == 2]


def x(calendar: Calendar, name: str) -> str:
    """An ``X-`` property's value (all of them hold plain ASCII, nothing escaped)."""
    value: Any = calendar[name]
    return str(value)


def test_each_day_dated_entry_is_an_all_day_event(snapshot: Snapshot) -> None:
    found = events(parse(render_ical(snapshot)))
    titles = {view["slug"]: view["title"] for view in snapshot["talks"]}

    entries = on_a_day(snapshot)
    assert len(entries) == 5
    assert set(found) == {uid(entry) for entry in entries}
    for entry in entries:
        event = found[uid(entry)]
        day = date.fromisoformat(entry["date"] or "")
        assert event.decoded("DTSTART") == day
        assert not isinstance(event.decoded("DTSTART"), datetime)
        assert event.decoded("DTEND") == day + timedelta(days=1)
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        stamp = datetime.fromisoformat(entry["recorded_at"]).replace(microsecond=0)
        assert event.decoded("DTSTAMP") == stamp
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
        summary = titles[entry["talks"]] if entry["kind"] == "talks" else entry["text"]
        assert str(event["SUMMARY"]) == summary
        assert event.categories == [entry["kind"]]
        description = str(event["DESCRIPTION"])
        assert f"Talks: {titles[entry['talks']]} ({entry['talks']})" in description
        assert f"Kind: {entry['kind']}" in description
        assert f"Entry: {entry['ref']}" in description
        if entry["actors"]:
            assert f"Actors: {', '.join(entry['actors'])}" in description
        else:
            assert "Actors:" not in description
        for source in entry["sources"]:
            assert f"Source: {source}" in description


def test_a_leap_day_and_a_years_last_day_end_on_the_next_day(
    snapshot: Snapshot,
) -> None:
    text = render_ical(snapshot)

    assert "DTSTART;VALUE=DATE:20240229\r\nDTEND;VALUE=DATE:20240301\r\n" in text
    assert "DTSTART;VALUE=DATE:20241231\r\nDTEND;VALUE=DATE:20250101\r\n" in text


def test_month_year_and_undated_entries_are_skipped_and_counted(
    snapshot: Snapshot,
) -> None:
    calendar = parse(render_ical(snapshot))
    found = events(calendar)

    imprecise = [e for e in snapshot["timeline"] if e["date"] and e not in
                 on_a_day(snapshot)]  # fmt: skip
    undated = [e for e in snapshot["timeline"] if e["date"] is None]
    assert sorted(e["date"] or "" for e in imprecise) == ["2024", "2024-07", "2024-09"]
    assert len(undated) == 18  # every undated entry of the demo, and more
    assert not {uid(e) for e in imprecise + undated} & set(found)
    assert x(calendar, "X-TIMELINE-SKIPPED-IMPRECISE") == "3"
    assert x(calendar, "X-TIMELINE-SKIPPED-UNDATED") == "18"
    assert "3 dated only to a month or a year and 18 undated" in x(
        calendar, "X-WR-CALDESC"
    )


def test_the_calendar_names_the_snapshot(snapshot: Snapshot) -> None:
    calendar = parse(render_ical(snapshot))

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//diplomatic-timeline//EN"
    position = str(snapshot["position"])
    assert x(calendar, "X-WR-CALNAME").endswith(f"store position {position}")
    assert x(calendar, "X-TIMELINE-POSITION") == position
    assert x(calendar, "X-TIMELINE-RECORDED-AT") == snapshot["recorded_at"]


def test_the_output_is_a_valid_calendar(snapshot: Snapshot) -> None:
    text = render_ical(snapshot)
    calendar = parse(text)

    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)  # folded, in octets
    assert not calendar.errors
    for component in calendar.walk():
        assert not component.errors, component.errors
    for name in ("VERSION", "PRODID"):
        assert name in calendar
    for event in events(calendar).values():
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert name in event
        assert event.decoded("DTEND") > event.decoded("DTSTART")


def test_commas_semicolons_and_line_breaks_round_trip(snapshot: Snapshot) -> None:
    text = render_ical(snapshot)
    development = next(e for e in snapshot["timeline"] if e["text"] == ESCAPED)
    vienna = next(e for e in snapshot["timeline"] if e["talks"] == VIENNA)

    found = events(parse(text))

    assert "SUMMARY:Talks resume\\, again\\; both sides\\nagree \\\\ for now" in text
    assert str(found[uid(development)]["SUMMARY"]) == ESCAPED
    assert str(found[uid(vienna)]["SUMMARY"]) == VIENNA_TITLE
    assert "Source: Wire, report" in str(found[uid(development)]["DESCRIPTION"])
    assert str(found[uid(vienna)]["LOCATION"]) == "Vienna"


def test_url_is_the_first_http_source(snapshot: Snapshot) -> None:
    found = events(parse(render_ical(snapshot)))
    by_ref = {(e["talks"], e["ref"]): found[uid(e)] for e in on_a_day(snapshot)}

    assert str(by_ref[SLUG, "development:1"]["URL"]) == "http://example.org/a"
    assert str(by_ref[VIENNA, "talks"]["URL"]) == "https://example.org/vienna"
    assert "URL" not in by_ref[SLUG, "stance:UKR"]


def test_an_amended_entry_keeps_its_uid(app: Service) -> None:
    record(app)
    before = app.queries.snapshot()
    app.amend(SLUG, "development:4", {"text": "Leap day, corrected"}, "typo")
    snapshot = app.queries.snapshot()
    entry = next(e for e in snapshot["timeline"] if e["ref"] == "development:4")
    assert entry in on_a_day(snapshot)
    (earlier,) = [e for e in before["timeline"] if e["entry_id"] == entry["entry_id"]]
    assert entry["recorded_at"] > earlier["recorded_at"]

    event = events(parse(render_ical(snapshot)))[uid(entry)]

    assert str(event["SUMMARY"]) == "Leap day, corrected"
    stamp = datetime.fromisoformat(entry["recorded_at"]).replace(microsecond=0)
    assert event.decoded("DTSTAMP") == stamp


def test_same_snapshot_same_bytes(app: Service) -> None:
    record(app)

    first = render_ical(app.queries.snapshot())

    assert render_ical(app.queries.snapshot()) == first
    stamps = [e.decoded("DTSTAMP") for e in events(parse(first)).values()]
    assert all(stamp < datetime.now(UTC) for stamp in stamps)


def test_an_empty_store_gives_an_empty_calendar(app: Service) -> None:
    calendar = parse(render_ical(app.queries.snapshot()))

    assert not events(calendar)
    assert x(calendar, "X-TIMELINE-POSITION") == "0"
    assert "X-TIMELINE-RECORDED-AT" not in calendar


def test_the_command_writes_the_text_unchanged(app: Service, tmp_path: Path) -> None:
    record(app)
    output = tmp_path / "timeline.ics"

    ok("export", "--format", "ical", "-o", str(output))

    assert output.read_bytes() == "".join(app.export("ical")).encode()


# -- intervals, approximate and uncertain dates ----------------------------------

ROME = "rome"
EXACT = {
    # text -> (first day, the day after the last): DTEND is exclusive
    "Rome round": (date(2024, 7, 23), date(2024, 7, 27)),
    "Across a month end": (date(2024, 7, 28), date(2024, 8, 3)),
    "Across a year end": (date(2024, 12, 30), date(2025, 1, 2)),
    "One day as an interval": (date(2024, 11, 5), date(2024, 11, 6)),
    "A plain day": (date(2024, 9, 1), date(2024, 9, 2)),
}
SKIPPED = {
    "Approximate day": "2024-07-23~",
    "Uncertain day": "2024-07-24?",
    "Approximate and uncertain day": "2024-07-25%",
    "Ends in a month": "2024-07-30/2024-08",
    "Starts approximately": "2024-08-01~/2024-08-03",
    "Ends uncertainly": "2024-08-01/2024-08-03?",
    "A month": "2024-10",
}


def record_spans(app: Service) -> None:
    """Talks over days, developments over days or at qualified dates."""
    app.open_talks(
        ROME, "Rome round", "Rome", ["UKR", "RUS"], on="2024-07-23/2024-07-26"
    )
    app.record_development(ROME, "2024-07-28/2024-08-02", "Across a month end")
    app.record_development(ROME, "2024-12-30/2025-01-01", "Across a year end")
    app.record_development(ROME, "2024-11-05/2024-11-05", "One day as an interval")
    app.record_development(ROME, "2024-09-01", "A plain day")
    for text, on in SKIPPED.items():
        app.record_development(ROME, on, text)


def _by_summary(calendar: Calendar) -> dict[str, Event]:
    return {str(event["SUMMARY"]): event for event in events(calendar).values()}


def test_an_interval_of_days_is_an_all_day_event_over_them(app: Service) -> None:
    record_spans(app)
    text = render_ical(app.queries.snapshot())

    found = _by_summary(parse(text))

    assert set(found) == set(EXACT)
    for summary, (first, after_last) in EXACT.items():
        event = found[summary]
        assert event.decoded("DTSTART") == first
        assert event.decoded("DTEND") == after_last
        assert not isinstance(event.decoded("DTSTART"), datetime)
        assert not isinstance(event.decoded("DTEND"), datetime)
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        assert event["DTEND"].params.get("VALUE") == "DATE"
    assert "DTSTART;VALUE=DATE:20240723\r\nDTEND;VALUE=DATE:20240727\r\n" in text
    assert "Date: 2024-07-28/2024-08-02" in str(
        found["Across a month end"]["DESCRIPTION"]
    )


def test_approximate_uncertain_and_imprecise_dates_are_skipped_and_counted(
    app: Service,
) -> None:
    record_spans(app)
    snapshot = app.queries.snapshot()
    calendar = parse(render_ical(snapshot))

    summaries = {str(event["SUMMARY"]) for event in events(calendar).values()}
    skipped = [e for e in snapshot["timeline"] if e["text"] in SKIPPED]

    assert sorted(e["date"] or "" for e in skipped) == sorted(SKIPPED.values())
    assert not summaries & set(SKIPPED)
    assert x(calendar, "X-TIMELINE-SKIPPED-IMPRECISE") == str(len(SKIPPED))
    assert x(calendar, "X-TIMELINE-SKIPPED-UNDATED") == "0"
    caption = x(calendar, "X-WR-CALDESC").replace("\\,", ",")  # as text again
    assert (
        "Only entries dated to certain days (a day or an interval of days)" in caption
    )
    assert (
        f"{len(SKIPPED)} dated only to a month or a year, or approximately or "
        "uncertainly, and 0 undated are left out."
    ) in caption


def test_a_calendar_of_intervals_is_valid(app: Service) -> None:
    record_spans(app)
    text = render_ical(app.queries.snapshot())
    calendar = parse(text)

    assert not calendar.errors
    for component in calendar.walk():
        assert not component.errors, component.errors
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    for event in events(calendar).values():
        assert event.decoded("DTEND") > event.decoded("DTSTART")


# -- times of day, open and unknown ends, seasons and unspecified digits ---------

LISBON = "lisbon"
TIMED = {
    # text -> (date as recorded, DTSTART as the calendar reads it)
    "Opening at midnight, Kyiv time": (
        "2015-02-15T00:00+02:00", datetime(2015, 2, 14, 22, 0, tzinfo=UTC)),
    "Statement at 23:20:30 EDT": (
        "1985-04-12T23:20:30-04", datetime(1985, 4, 13, 3, 20, 30, tzinfo=UTC)),
    "Signing in UTC": ("2024-07-23T10:00:00Z", datetime(2024, 7, 23, 10, tzinfo=UTC)),
    "Press call, local time": ("2024-07-24T09:30", datetime(2024, 7, 24, 9, 30)),
}  # fmt: skip
OPEN = {
    "Ceasefire holds from then on": "2024-07-23/..",
    "Talks suspended until": "../2024-08-01",
    "Mission begun, its end unknown": "2024-07-20/",
    "Embargo, its start unknown": "/2024-09",
}
COARSE = {
    "Some time in the 2010s": "201X",
    "In spring": "2024-21",
    "Some day in July": "2024-07-XX",
}


def record_new_forms(app: Service) -> None:
    """Talks on a plain day; developments at times of day, over open or
    unknown intervals, in a season or with unspecified digits."""
    app.open_talks(LISBON, "Lisbon round", "Lisbon", ["UKR", "RUS"], on="2024-07-22")
    for text, (on, _) in TIMED.items():
        app.record_development(LISBON, on, text)
    for text, on in (OPEN | COARSE).items():
        app.record_development(LISBON, on, text)


def test_a_date_with_a_time_of_day_is_a_timed_event(app: Service) -> None:
    record_new_forms(app)
    text = render_ical(app.queries.snapshot())

    found = _by_summary(parse(text))

    assert set(found) == {"Lisbon round", *TIMED}
    for summary, (written, moment) in TIMED.items():
        event = found[summary]
        start = event.decoded("DTSTART")
        assert start == moment
        if moment.tzinfo is None:  # no zone written: floating, local anywhere
            assert start.tzinfo is None
        else:  # RFC 5545 has no fixed offset: the same moment in UTC
            assert start.utcoffset() == timedelta(0)
        assert "DTEND" not in event  # a moment: it lasts no time
        assert f"Date: {written}" in str(event["DESCRIPTION"])  # as written
    assert "DTSTART:20150214T220000Z\r\n" in text
    assert "DTSTART:20240724T093000\r\n" in text
    talks = found["Lisbon round"]
    assert talks.decoded("DTSTART") == date(2024, 7, 22)
    assert talks.decoded("DTEND") == date(2024, 7, 23)


def test_open_and_unknown_ends_seasons_and_x_are_left_out_and_counted(
    app: Service,
) -> None:
    record_new_forms(app)
    snapshot = app.queries.snapshot()
    calendar = parse(render_ical(snapshot))

    summaries = set(_by_summary(calendar))

    assert not summaries & (set(OPEN) | set(COARSE))
    assert x(calendar, "X-TIMELINE-SKIPPED-OPEN") == str(len(OPEN))
    assert x(calendar, "X-TIMELINE-SKIPPED-IMPRECISE") == str(len(COARSE))
    assert x(calendar, "X-TIMELINE-SKIPPED-UNDATED") == "0"
    caption = x(calendar, "X-WR-CALDESC").replace("\\,", ",")
    assert (
        "Only entries dated to certain days (a day or an interval of days) are "
        f"events: {len(COARSE)} dated only to a season, a month or a year, with "
        "unspecified digits (X), or approximately or uncertainly, "
        f"{len(OPEN)} with an open or unknown end, and 0 undated are left out."
    ) in caption


def test_an_open_end_alone_keeps_the_wording_of_imprecise_dates(
    app: Service,
) -> None:
    record_spans(app)
    app.record_development(ROME, "2024-07-23/..", "Ceasefire holds from then on")

    calendar = parse(render_ical(app.queries.snapshot()))

    assert x(calendar, "X-TIMELINE-SKIPPED-OPEN") == "1"
    assert x(calendar, "X-TIMELINE-SKIPPED-IMPRECISE") == str(len(SKIPPED))
    assert (
        f"{len(SKIPPED)} dated only to a month or a year, or approximately or "
        "uncertainly, 1 with an open or unknown end, and 0 undated are left out."
    ) in x(calendar, "X-WR-CALDESC").replace("\\,", ",")


def test_without_open_ends_there_is_nothing_open_to_count(snapshot: Snapshot) -> None:
    calendar = parse(render_ical(snapshot))

    assert x(calendar, "X-TIMELINE-SKIPPED-OPEN") == "0"
    assert "open or unknown" not in x(calendar, "X-WR-CALDESC")


def test_a_calendar_of_the_new_forms_is_valid(app: Service) -> None:
    record_new_forms(app)
    text = render_ical(app.queries.snapshot())
    calendar = parse(text)

    assert not calendar.errors
    for component in calendar.walk():
        assert not component.errors, component.errors
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    for event in events(calendar).values():
        if "DTEND" in event:
            assert event.decoded("DTEND") > event.decoded("DTSTART")
        else:
            assert isinstance(event.decoded("DTSTART"), datetime)
