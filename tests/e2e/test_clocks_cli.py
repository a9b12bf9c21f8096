"""The two clocks end to end, in process: valid dates on every entry, ICD 203
assessments, ``--as-of`` (record time) and ``--at``/``--since``/``--until``
(valid time) on the commands that read, ``stance history``, ``scenario list``
and ``diff``; and once through the installed ``timeline`` command."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    as_json,
    fails,
    installed,
    is_postgres,
    ok,
    rehashed,
    run,
    stored_events,
)

DEMO = "beijing-talks"
SLUG = "geneva-talks"
OTHER = "vienna-talks"
TERMS = (
    "almost no chance (1-5%), very unlikely (5-20%), unlikely (20-45%), "
    "roughly even chance (45-55%), likely (55-80%), very likely (80-95%), "
    "almost certain (95-99%)"
)
UNREADABLE = (
    "must be an ISO 8601 time such as 2024-03-01T12:00:00Z, "
    "or a date such as 2024-03-01"
)


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as their rows need: each value on one line, to be read
    back (at 120 columns, a table wraps a value at its spaces)."""
    monkeypatch.setenv("COLUMNS", "400")


def last_recorded(slug: str = DEMO) -> str:
    """Record time of the latest event of talks ``slug``."""
    return str(as_json("history", slug)[-1]["recorded_at"])


def first_recorded(slug: str = DEMO) -> str:
    return str(as_json("history", slug)[0]["recorded_at"])


def open_geneva(*more: str) -> None:
    ok("talks", "open", SLUG, "--title", "Geneva Talks", "--location", "Geneva",
       "--party", "CHN", "--party", "UKR", *more)  # fmt: skip


def refs(*args: str) -> list[tuple[str, str]]:
    """(ref, text) of every row ``events`` prints as JSON."""
    found = as_json("events", "--limit", "0", *args)["entries"]
    return [(r["ref"], r["text"]) for r in found]


def in_force(*args: str) -> dict[str, str]:
    """Each actor's stance as ``show --json`` makes it current."""
    stances: dict[str, str] = {}
    for stance in as_json("show", SLUG, *args)["stances"]:
        if not stance["retracted"]:
            stances[stance["actor"]] = stance["position"]
    return stances


PAST = [
    "2024-03-01T10:00:00.000000Z",  # the talks opened
    "2024-03-01T23:30:00.000000Z",  # CHN: Hesitant
    "2024-03-02T09:00:00.000000Z",  # CHN: Firm
    "2024-03-03T12:00:00.000000Z",  # CHN's stance amended: Firm but open
]


@pytest.fixture
def past(store: str, tmp_path: Path) -> str:
    """A store whose events were recorded on days past: an event log with
    those record times, imported (an import keeps every event's record time)."""
    scratch = str(tmp_path / "scratch.sqlite")
    ok("--db", scratch, "talks", "open", SLUG, "--title", "Geneva Talks",
       "--location", "Geneva", "--party", "CHN", "--party", "UKR")  # fmt: skip
    ok("--db", scratch, "stance", "record", SLUG, "CHN", "--position", "Hesitant")
    ok("--db", scratch, "stance", "record", SLUG, "CHN", "--position", "Firm")
    ok("--db", scratch, "amend", SLUG, "stance:CHN", "--position", "Firm but open",
       "--reason", "Misquoted")  # fmt: skip
    log = ok("--db", scratch, "export", "--format", "jsonl").stdout.splitlines()
    events = [json.loads(line) for line in log]
    assert len(events) == len(PAST)
    for event, recorded_at in zip(events, PAST, strict=True):
        event["recorded_at"] = recorded_at
    events = rehashed(events)  # as a store that recorded them then hashed them
    path = tmp_path / "past.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    ok("import", str(path))
    assert [e["recorded_at"] for e in as_json("history", SLUG)] == PAST
    return store


@pytest.fixture
def far_east() -> Iterator[None]:
    """The process's local time zone is UTC+13 (Tonga, Auckland in summer)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "XXX-13"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_record_times_on_days_past(past: str) -> None:
    def stances(moment: str) -> list[str]:
        return [
            r["text"] for r in as_json("stance", "history", SLUG, "--as-of", moment)
        ]

    assert stances("2024-03-01T10:00:00Z") == []
    assert stances("2024-03-01T23:30:00Z") == ["Hesitant"]  # the time itself: in
    assert stances("2024-03-01") == ["Hesitant"]  # a bare date: the end of the day
    assert stances("2024-03-02T00:30:00+01:00") == ["Hesitant"]  # 23:30 UTC
    assert stances("2024-03-02T09:00:00+00:00") == ["Hesitant", "Firm"]
    assert stances("2024-03-02") == ["Hesitant", "Firm"]
    assert stances("2024-03-03T11:59:59.999999Z") == ["Hesitant", "Firm"]
    assert stances("2024-03-03") == ["Hesitant", "Firm but open"]
    assert fails("stance", "history", SLUG, "--as-of", "2024-03-01T09:59:59Z") == (
        "Error: --as-of 2024-03-01T09:59:59Z is before the record: "
        "it began at 2024-03-01T10:00:00.000000Z"
    )
    shown = ok("show", SLUG, "--as-of", "2024-03-02").stdout
    assert "Firm" in shown
    assert "Firm but open" not in shown
    assert "Firm but open" in ok("show", SLUG, "--as-of", "2024-03-03").stdout
    assert len(as_json("history", SLUG, "--as-of", "2024-03-01")) == 2

    def changes(*window: str) -> list[tuple[str, str]]:
        found = as_json("diff", SLUG, *window)
        return [(c["change"], c["recorded_at"]) for c in found]

    assert fails("diff", SLUG, "--from", "2024-02-29", "--to", "2024-03-01") == (
        "Error: --from 2024-02-29 is before the record: "
        "it began at 2024-03-01T10:00:00.000000Z"
    )  # as --as-of: the record says nothing of before it began
    assert changes("--from", PAST[0], "--to", "2024-03-01") == [("added", PAST[1])]
    assert changes("--from", "2024-03-01", "--to", "2024-03-02") == [
        ("stance changed", PAST[2])
    ]
    assert changes("--from", PAST[0], "--to", PAST[2]) == [
        ("added", PAST[1]),
        ("stance changed", PAST[2]),
    ]
    assert changes("--from", "2024-03-02") == [("amended", PAST[3])]
    assert changes("--from", "2024-03-03") == []


def test_a_time_without_a_zone_is_utc_wherever_it_runs(
    past: str, far_east: None
) -> None:
    def stances(moment: str) -> list[str]:
        return [
            r["text"] for r in as_json("stance", "history", SLUG, "--as-of", moment)
        ]

    assert stances("2024-03-01T23:45:00") == ["Hesitant"]  # not 10:45 UTC
    # Not 19:59 UTC the day before:
    assert stances("2024-03-02T08:59:59") == ["Hesitant"]
    assert stances("2024-03-01") == ["Hesitant"]  # a bare date: its end, in UTC
    assert [c["change"] for c in as_json(
        "diff", SLUG, "--from", "2024-03-01T23:00:00", "--to", "2024-03-02T09:00:00"
    )] == ["added", "stance changed"]  # fmt: skip


# -- valid dates on every entry ----------------------------------------------------


def test_every_kind_of_entry_takes_a_valid_date(store: str) -> None:
    ok("actor", "add", "mediators", "--name", "Mediators")
    open_geneva("--on", "2024-07")
    ok("agenda", "add", SLUG, "trade", "--title", "Trade", "--on", "2024-07-02")
    ok("stance", "record", SLUG, "CHN", "--position", "Hesitant", "--on", "2024-07-01")
    ok("motive", "record", SLUG, "CHN", "Stability", "--on", "2024")
    ok("scenario", "add", SLUG, "ceasefire", "--outcome", "Ceasefire holds",
       "--impact", "Fewer casualties", "--on", "2024-07~")  # fmt: skip
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "likely", "--on",
       "2024-07-03")  # fmt: skip
    ok("recommend", "add", SLUG, "monitor", "--title", "Monitor the truce", "--for",
       "mediators", "--on", "2024-08")  # fmt: skip
    ok("develop", SLUG, "Second round", "--on", "2024-08-15")
    ok("stance", "record", SLUG, "UKR", "--position", "Firm")  # undated

    found = as_json("events", "--talks", SLUG)["entries"]
    # By first day; among equals, in the order recorded; undated last.
    assert [(r["ref"], r["valid_text"]) for r in found] == [
        ("motive:CHN", "2024"),
        ("talks", "2024-07"),
        ("stance:CHN", "2024-07-01"),
        ("scenario:ceasefire", "2024-07~"),
        ("agenda:trade", "2024-07-02"),
        ("assessment:ceasefire", "2024-07-03"),
        ("recommendation:monitor", "2024-08"),
        ("development:1", "2024-08-15"),
        ("stance:UKR", None),
    ]
    assert [(r["valid_lower"], r["valid_upper"]) for r in found[:2]] == [
        ("2024-01-01", "2024-12-31"),
        ("2024-07-01", "2024-07-31"),
    ]
    assert all(
        r["recorded_at"].endswith("Z") and len(r["recorded_at"]) == 27 for r in found
    )

    view = as_json("show", SLUG)
    assert view["on"] == "2024-07"
    assert [
        (kind, view[kind][0]["on"])
        for kind in (
            "agenda",
            "stances",
            "motivations",
            "scenarios",
            "recommendations",
            "developments",
        )
    ] == [
        ("agenda", "2024-07-02"),
        ("stances", "2024-07-01"),
        ("motivations", "2024"),
        ("scenarios", "2024-07~"),
        ("recommendations", "2024-08"),
        ("developments", "2024-08-15"),
    ]
    assert view["scenarios"][0]["assessments"][0]["on"] == "2024-07-03"
    shown = ok("show", SLUG).stdout
    assert "Date: 2024-07" in shown
    assert "2024-08-15" in shown


def test_a_bad_valid_date_is_one_error_line_and_writes_nothing(store: str) -> None:
    open_geneva()
    before = stored_events(store)
    assert (
        fails("stance", "record", SLUG, "CHN", "--position", "Firm", "--on", "2024-13")
        == "Error: date '2024-13' does not exist"
    )
    line = fails("scenario", "add", SLUG, "truce", "--outcome", "Truce", "--impact",
                 "Calm", "--on", "soon")  # fmt: skip
    assert line.startswith("Error: date 'soon'")
    assert stored_events(store) == before


# -- scenario assessments ---------------------------------------------------------


def test_assessments_take_icd_203_terms_and_a_later_one_supersedes(
    store: str,
) -> None:
    open_geneva()
    ok("scenario", "add", SLUG, "ceasefire", "--outcome", "Ceasefire holds",
       "--impact", "Fewer casualties")  # fmt: skip
    ok("scenario", "add", SLUG, "truce", "--outcome", "Truce", "--impact", "Calm")
    result = ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "Likely",
                "--note", "Both sides tired", "--on", "2024-07")  # fmt: skip
    assert result.stderr == f"Recorded assessment:ceasefire in {SLUG}.\n"
    assert result.stdout == ""
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "very-likely")
    ok("scenario", "assess", SLUG, "truce", "--likelihood", "ROUGHLY_even  chance")

    scenarios = as_json("scenario", "list", SLUG)
    assert [s["key"] for s in scenarios] == ["ceasefire", "truce"]
    assert [
        (a["likelihood"], a["note"], a["on"], a["retracted"])
        for a in scenarios[0]["assessments"]
    ] == [
        ("likely", "Both sides tired", "2024-07", False),
        ("very likely", None, None, False),
    ]
    assert [a["likelihood"] for a in scenarios[1]["assessments"]] == [
        "roughly even chance"
    ]
    first, second = scenarios[0]["assessments"]
    assert first["recorded_at"] < second["recorded_at"]

    table = ok("scenario", "list", SLUG).stdout
    lines = table.splitlines()
    assert lines[0].startswith("Outcome scenarios")
    (ceasefire,) = [line for line in lines if "ceasefire" in line]
    assert "very likely (80-95%)" in ceasefire  # the latest holds
    (earlier,) = [
        line for line in lines if "likely (55-80%)" in line and "very" not in line
    ]
    assert "Both sides tired" in earlier
    assert "2024-07" in earlier
    assert "(earlier)" in earlier
    assert "roughly even chance (45-55%)" in table
    # show gives the latest with its range too
    assert "very likely (80-95%)" in ok("show", SLUG).stdout


def test_a_scenario_not_assessed_says_so(store: str) -> None:
    open_geneva()
    assert "No outcome scenario recorded." in ok("scenario", "list", SLUG).stdout
    ok("scenario", "add", SLUG, "truce", "--outcome", "Truce", "--impact", "Calm")
    assert "not assessed" in ok("scenario", "list", SLUG).stdout
    assert as_json("scenario", "list", SLUG)[0]["assessments"] == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(
            ["ceasefire", "--likelihood", "probable"],
            f"Error: likelihood 'probable' must be one of the ICD 203 terms: {TERMS}",
            id="unknown-term",
        ),
        pytest.param(
            ["ceasefire", "--likelihood", "very very likely"],
            "Error: likelihood 'very very likely' must be one of the "
            f"ICD 203 terms: {TERMS}",
            id="near-term",
        ),
        pytest.param(
            ["nope", "--likelihood", "likely"],
            f"Error: no scenario:nope in talks '{SLUG}'",
            id="unknown-scenario",
        ),
        pytest.param(
            ["gone", "--likelihood", "likely"],
            f"Error: scenario:gone in talks '{SLUG}' is already retracted",
            id="retracted-scenario",
        ),
        pytest.param(
            ["ceasefire", "--likelihood", "likely", "--on", "2024-02-30"],
            "Error: date '2024-02-30' does not exist",
            id="bad-date",
        ),
    ],
)
def test_a_bad_assessment_is_one_error_line_and_writes_nothing(
    store: str, args: list[str], error: str
) -> None:
    open_geneva()
    ok("scenario", "add", SLUG, "ceasefire", "--outcome", "Ceasefire holds",
       "--impact", "Fewer casualties")  # fmt: skip
    ok("scenario", "add", SLUG, "gone", "--outcome", "Gone", "--impact", "None")
    ok("retract", SLUG, "scenario:gone", "--reason", "Dropped")
    before = stored_events(store)
    assert fails("scenario", "assess", SLUG, *args) == error
    assert stored_events(store) == before
    scenarios = as_json("scenario", "list", SLUG)  # standing ones only
    assert [(s["key"], s["assessments"]) for s in scenarios] == [("ceasefire", [])]


def test_an_assessment_is_amended_and_retracted_by_its_ref(
    store: str,
) -> None:
    open_geneva()
    ok("scenario", "add", SLUG, "ceasefire", "--outcome", "Ceasefire holds",
       "--impact", "Fewer casualties")  # fmt: skip
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "unlikely")
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "likely", "--note",
       "Both tired")  # fmt: skip

    result = ok("amend", SLUG, "assessment:ceasefire", "--likelihood",
                "Almost-Certain", "--note", "", "--on", "2024-07",
                "--reason", "Misread")  # fmt: skip
    assert result.stderr == f"Amended assessment:ceasefire in {SLUG}.\n"
    (scenario,) = as_json("scenario", "list", SLUG)
    assert [(a["likelihood"], a["note"], a["on"]) for a in scenario["assessments"]] == [
        ("unlikely", None, None),
        ("almost certain", None, "2024-07"),
    ]
    assert [
        (c["action"], c["reason"]) for c in scenario["assessments"][1]["corrections"]
    ] == [("amended", "Misread")]
    assert "almost certain (95-99%)" in ok("scenario", "list", SLUG).stdout

    before = stored_events(store)
    line = fails("amend", SLUG, "assessment:ceasefire", "--likelihood", "sure",
                 "--reason", "x")  # fmt: skip
    assert line == f"Error: likelihood 'sure' must be one of the ICD 203 terms: {TERMS}"
    assert stored_events(store) == before

    ok("retract", SLUG, "assessment:ceasefire", "--reason", "Withdrawn")
    (scenario,) = as_json("scenario", "list", SLUG)
    assert [(a["likelihood"], a["retracted"]) for a in scenario["assessments"]] == [
        ("unlikely", False),
        ("almost certain", True),
    ]
    table = ok("scenario", "list", SLUG).stdout
    assert "unlikely (20-45%)" in table  # the earlier one holds again
    assert "almost certain" not in table
    ok("retract", SLUG, "assessment:ceasefire", "--reason", "Withdrawn too")
    assert "not assessed" in ok("scenario", "list", SLUG).stdout
    assert fails("retract", SLUG, "assessment:ceasefire", "--reason", "Again") == (
        f"Error: every assessment:ceasefire in talks '{SLUG}' is already retracted"
    )


def test_scenario_list_as_of_and_at(store: str) -> None:
    open_geneva()
    ok("scenario", "add", SLUG, "ceasefire", "--outcome", "Ceasefire holds",
       "--impact", "Fewer casualties")  # fmt: skip
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "likely", "--on",
       "2024-08")  # fmt: skip
    then = last_recorded(SLUG)
    # A backfill: recorded later, dated earlier.
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "unlikely", "--on",
       "2024-06")  # fmt: skip
    ok("scenario", "add", SLUG, "truce", "--outcome", "Truce", "--impact", "Calm",
       "--on", "2024-09")  # fmt: skip

    def likelihoods(*args: str) -> dict[str, list[str]]:
        return {
            s["key"]: [a["likelihood"] for a in s["assessments"]]
            for s in as_json("scenario", "list", SLUG, *args)
        }

    assert likelihoods() == {"ceasefire": ["likely", "unlikely"], "truce": []}
    assert likelihoods("--as-of", then) == {"ceasefire": ["likely"]}
    assert likelihoods("--at", "2024-07") == {"ceasefire": ["unlikely"]}
    assert likelihoods("--at", "2024-08") == {"ceasefire": ["unlikely", "likely"]}
    assert likelihoods("--at", "2024-05") == {"ceasefire": []}
    assert likelihoods("--as-of", then, "--at", "2024-07") == {"ceasefire": []}
    assert "unlikely (20-45%)" in ok("scenario", "list", SLUG).stdout  # latest recorded
    at = ok("scenario", "list", SLUG, "--at", "2024-08").stdout
    (ceasefire,) = [line for line in at.splitlines() if "ceasefire" in line]
    assert "likely (55-80%)" in ceasefire
    assert "unlikely" not in ceasefire  # the latest dated holds on that day
    assert "Truce" not in at


# -- stance history ------------------------------------------------------------------


def test_stance_history_lists_every_stance_with_both_clocks(
    store: str,
) -> None:
    open_geneva()
    ok("stance", "record", SLUG, "CHN", "--position", "Hesitant", "--interest",
       "Trade", "--on", "2024-07-01")  # fmt: skip
    ok("stance", "record", SLUG, "UKR", "--position", "Firm")
    then = last_recorded(SLUG)
    ok("stance", "record", SLUG, "CHN", "--position", "Open", "--on", "2024-06")
    ok("amend", SLUG, "stance:CHN", "--position", "Open to talks", "--reason",
       "Misquoted")  # fmt: skip
    ok("retract", SLUG, "stance:UKR", "--reason", "Not said")

    found = as_json("stance", "history", SLUG)
    assert [
        (r["ref"], r["text"], r["valid_text"], r["retracted"], r["reason"])
        for r in found
    ] == [
        ("stance:CHN", "Open to talks", "2024-06", False, "Misquoted"),
        ("stance:CHN", "Hesitant", "2024-07-01", False, None),
        ("stance:UKR", "Firm", None, True, "Not said"),
    ]
    assert all(r["recorded_at"].endswith("Z") for r in found)
    assert found[1]["fields"]["interests"] == ["Trade"]
    assert [r["text"] for r in as_json("stance", "history", SLUG, "CHN")] == [
        "Open to talks",
        "Hesitant",
    ]
    assert as_json("stance", "history", SLUG, "RUS") == []

    then_rows = as_json("stance", "history", SLUG, "--as-of", then)
    assert [(r["text"], r["retracted"], r["reason"]) for r in then_rows] == [
        ("Hesitant", False, None),
        ("Firm", False, None),
    ]
    assert then_rows[0]["recorded_at"] == found[1]["recorded_at"]

    table = ok("stance", "history", SLUG).stdout
    assert table.splitlines()[0].startswith("Stances")
    (ukr,) = [line for line in table.splitlines() if "UKR" in line]
    assert "retracted: Not said" in ukr
    (open_,) = [line for line in table.splitlines() if "Open to talks" in line]
    assert "amended: Misquoted" in open_
    assert "2024-06" in open_
    assert found[0]["recorded_at"][:19] in open_
    assert "No stance recorded." in ok("stance", "history", SLUG, "RUS").stdout
    assert fails("stance", "history", "nope") == (
        "Error: no talks 'nope'; see: timeline talks list"
    )


# -- events ------------------------------------------------------------------------


def record_dated_case() -> None:
    """Two talks, entries at every precision, a backfilled stance, undated ones."""
    ok("actor", "add", "mediators", "--name", "Mediators")
    open_geneva("--on", "2024-07")
    ok("talks", "open", OTHER, "--title", "Vienna Talks", "--location", "Vienna",
       "--party", "mediators", "--party", "UKR", "--on", "2024-05")  # fmt: skip
    ok("stance", "record", SLUG, "CHN", "--position", "Hesitant", "--on", "2024-07-01")
    ok("stance", "record", SLUG, "CHN", "--position", "Firm", "--on", "2024-06")
    ok("stance", "record", OTHER, "UKR", "--position", "Neutral")
    ok("develop", SLUG, "Second round", "--on", "2024-08")
    ok("develop", SLUG, "All year", "--on", "2024")
    ok("develop", OTHER, "Vienna closes", "--on", "2024-07-20")
    ok("agenda", "add", SLUG, "trade", "--title", "Trade")


def test_events_filters(store: str) -> None:
    record_dated_case()
    assert refs() == [
        ("development:2", "All year"),
        ("talks", "Vienna Talks"),
        ("stance:CHN", "Firm"),
        ("talks", "Geneva Talks"),
        ("stance:CHN", "Hesitant"),
        ("development:1", "Vienna closes"),
        ("development:1", "Second round"),
        ("stance:UKR", "Neutral"),
        ("agenda:trade", "Trade"),
    ]
    assert refs("--talks", OTHER) == [
        ("talks", "Vienna Talks"),
        ("development:1", "Vienna closes"),
        ("stance:UKR", "Neutral"),
    ]
    assert refs("--actor", "mediators") == [("talks", "Vienna Talks")]
    assert refs("--actor", "CHN", "--kind", "stance") == [
        ("stance:CHN", "Firm"),
        ("stance:CHN", "Hesitant"),
    ]
    assert refs("--kind", "development", "--since", "2024-07") == [
        ("development:2", "All year"),
        ("development:1", "Vienna closes"),
        ("development:1", "Second round"),
    ]
    assert refs("--until", "2024-06") == [
        ("development:2", "All year"),
        ("talks", "Vienna Talks"),
        ("stance:CHN", "Firm"),
    ]
    assert refs("--since", "2024-07-02", "--until", "2024-07-31") == [
        ("development:2", "All year"),
        ("talks", "Geneva Talks"),
        ("development:1", "Vienna closes"),
    ]
    assert refs("--since", "2024-07-02", "--until", "2024-07-19") == [
        ("development:2", "All year"),
        ("talks", "Geneva Talks"),
    ]
    assert [r for r, _ in refs("--since", "2025")] == []
    assert len(as_json("events", "--limit", "2")["entries"]) == 2
    assert [
        (r["ref"], r["text"])
        for r in as_json("events", "--limit", "2", "--since", "2024-07")["entries"]
    ] == [
        ("development:2", "All year"),
        ("talks", "Geneva Talks"),
    ]

    table = ok("events", "--talks", SLUG).stdout
    assert table.splitlines()[0].startswith("Timeline")
    (trade,) = [line for line in table.splitlines() if "agenda:trade" in line]
    assert "undated" in trade
    (firm,) = [line for line in table.splitlines() if "Firm" in line]
    assert "2024-06" in firm
    assert SLUG in firm
    assert "CHN" in firm
    assert "Nothing recorded matches." in ok("events", "--since", "2025").stdout


def test_events_at_a_date_keep_what_was_in_force(store: str) -> None:
    record_dated_case()
    ok("scenario", "add", SLUG, "ceasefire", "--outcome", "Ceasefire holds",
       "--impact", "Fewer casualties")  # fmt: skip
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "likely", "--on",
       "2024-08")  # fmt: skip
    ok("scenario", "assess", SLUG, "ceasefire", "--likelihood", "unlikely", "--on",
       "2024-06")  # fmt: skip
    ok("motive", "record", SLUG, "CHN", "Trade", "--on", "2024-06")
    ok("motive", "record", SLUG, "CHN", "Stability")
    ok("stance", "record", OTHER, "CHN", "--position", "Observer", "--on", "2024-05")

    # One stance in force per talks and actor.
    assert refs("--actor", "CHN", "--kind", "stance", "--at", "2024-07") == [
        ("stance:CHN", "Observer"),
        ("stance:CHN", "Hesitant"),
    ]
    assert refs("--talks", SLUG, "--at", "2024-06") == [
        ("development:2", "All year"),
        ("stance:CHN", "Firm"),
        ("assessment:ceasefire", "unlikely"),
        ("motive:CHN", "Trade"),
        ("agenda:trade", "Trade"),
        ("scenario:ceasefire", "Ceasefire holds"),
    ]
    assert refs("--talks", SLUG, "--at", "2024-07-31") == [
        ("development:2", "All year"),
        ("assessment:ceasefire", "unlikely"),
        ("motive:CHN", "Trade"),
        ("talks", "Geneva Talks"),
        ("stance:CHN", "Hesitant"),
        ("agenda:trade", "Trade"),
        ("scenario:ceasefire", "Ceasefire holds"),
    ]
    at_august = refs("--talks", SLUG, "--at", "2024-08")
    assert ("assessment:ceasefire", "likely") in at_august
    assert ("assessment:ceasefire", "unlikely") not in at_august
    assert ("development:1", "Second round") in at_august
    assert refs("--talks", SLUG, "--at", "2023") == [
        ("agenda:trade", "Trade"),
        ("scenario:ceasefire", "Ceasefire holds"),
        ("motive:CHN", "Stability"),
    ]  # undated, in the order recorded
    # show --at: the stance shown as current is the one in force then
    assert in_force() == {"CHN": "Firm"}
    assert in_force("--at", "2024-06") == {"CHN": "Firm"}
    assert in_force("--at", "2024-07") == {"CHN": "Hesitant"}
    assert in_force("--at", "2024-05") == {}
    shown = ok("show", SLUG, "--at", "2024-07").stdout
    assert "Hesitant" in shown
    assert "Firm" not in shown
    assert "Second round" not in shown
    assert "unlikely (20-45%)" in shown
    assert [
        d["text"] for d in as_json("show", SLUG, "--at", "2024-08")["developments"]
    ] == ["Second round", "All year"]


def test_events_as_of_a_record_time(store: str) -> None:
    record_dated_case()
    then = last_recorded(SLUG)
    before = as_json("events", "--limit", "0")["entries"]
    ok("amend", SLUG, "stance:CHN", "--position", "Firm but open", "--reason", "Typo")
    ok("retract", SLUG, "development:2", "--reason", "Not so")
    ok("develop", SLUG, "Third round", "--on", "2024-09")
    ok("talks", "open", "rome-talks", "--title", "Rome Talks", "--location", "Rome",
       "--party", "ITA")  # fmt: skip

    def unversioned(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in r.items() if k not in ("version_to", "superseded_at")}
            for r in found
        ]

    assert unversioned(
        as_json("events", "--limit", "0", "--as-of", then)["entries"]
    ) == unversioned(before)
    now = refs()
    assert ("stance:CHN", "Firm but open") in now
    assert ("development:2", "All year") not in now
    assert ("talks", "Rome Talks") in now
    assert refs("--as-of", then, "--at", "2024-06") == [
        ("development:2", "All year"),
        ("talks", "Vienna Talks"),
        ("stance:CHN", "Firm"),
        ("stance:UKR", "Neutral"),
        ("agenda:trade", "Trade"),
    ]
    assert refs("--at", "2024-06") == [
        ("talks", "Vienna Talks"),
        ("stance:CHN", "Firm but open"),
        ("stance:UKR", "Neutral"),
        ("agenda:trade", "Trade"),
        ("talks", "Rome Talks"),
    ]
    table = ok("events", "--as-of", then, "--talks", SLUG).stdout
    assert "All year" in table
    assert "Third round" not in table


def test_since_after_until_is_one_error_line(demo: str) -> None:
    before = stored_events(demo)
    assert fails("events", "--since", "2024-08", "--until", "2024-07") == (
        "Error: --since 2024-08 is after --until 2024-07"
    )
    assert (
        fails("events", "--since", "2024-07-02", "--until", "2024-07-01", "--json")
        == "Error: --since 2024-07-02 is after --until 2024-07-01"
    )
    assert (
        fails("events", "--at", "2024-13")
        == "Error: --at: date '2024-13' does not exist"
    )
    assert fails("events", "--since", "nope").startswith("Error: --since: date 'nope'")
    assert stored_events(demo) == before


# -- show, history and export as of a record time -------------------------------------


def test_show_as_of_before_an_amendment_and_a_retraction(demo: str) -> None:
    then = last_recorded()
    original = as_json("show", DEMO)
    ok("amend", DEMO, "stance:CHN", "--position", "Cautious mediation", "--reason",
       "Misquoted")  # fmt: skip
    ok("retract", DEMO, "agenda:regional-security", "--reason", "Not discussed")
    ok("stance", "record", DEMO, "UKR", "--position", "Seeks guarantees")
    amended = as_json("show", DEMO)

    assert as_json("show", DEMO, "--as-of", then) == original
    assert as_json("show", DEMO, "--as-of", last_recorded()) == amended
    shown = ok("show", DEMO, "--as-of", then).stdout
    assert "Promotes dialogue and peaceful resolution" in shown
    assert "Cautious mediation" not in shown
    assert "Regional Security" in shown
    assert "Seeks guarantees" not in shown
    assert "Version 18, store position 20." in shown
    now = ok("show", DEMO).stdout
    assert "Cautious mediation" in now
    assert "Regional Security" not in now
    assert "Seeks guarantees" in now
    # A bare date of today is the end of it: the record as it stands.
    assert as_json("show", DEMO, "--as-of", then[:10]) == amended
    # The same moment in another zone, or without a zone (UTC), is the same answer.
    in_kyiv = datetime.fromisoformat(then).astimezone(timezone(timedelta(hours=3)))
    assert as_json("show", DEMO, "--as-of", in_kyiv.isoformat()) == original
    assert as_json("show", DEMO, "--as-of", then.removesuffix("Z")) == original


def test_history_as_of_a_record_time(demo: str) -> None:
    then = last_recorded()
    ok("amend", DEMO, "stance:CHN", "--position", "Cautious mediation", "--reason",
       "Misquoted")  # fmt: skip
    events = as_json("history", DEMO)
    assert len(events) == 19
    assert as_json("history", DEMO, "--as-of", then) == events[:18]
    assert as_json("history", DEMO, "--as-of", events[0]["recorded_at"]) == events[:1]
    table = ok("history", DEMO, "--as-of", then).stdout
    assert "StanceRecorded" in table
    assert "EntryAmended" not in table
    assert "EntryAmended" in ok("history", DEMO).stdout


def test_export_as_of_a_record_time(demo: str, tmp_path: Path) -> None:
    then = last_recorded()
    original = json.loads(ok("export", DEMO, "--format", "json").stdout)
    ok("amend", DEMO, "stance:CHN", "--position", "Cautious mediation", "--reason",
       "Misquoted")  # fmt: skip
    open_geneva()

    snapshot = json.loads(
        ok("export", DEMO, "--format", "json", "--as-of", then).stdout
    )
    assert snapshot["as_of"] == then
    assert snapshot["talks"] == original["talks"]
    assert snapshot["timeline"] == original["timeline"]
    assert snapshot["position"] == original["position"] == 20
    assert snapshot["actors"] == original["actors"]
    assert json.loads(ok("export", DEMO, "--format", "json").stdout)["as_of"] is None

    every = json.loads(ok("export", "--format", "json", "--as-of", then).stdout)
    assert [t["slug"] for t in every["talks"]] == [DEMO]
    assert {e["talks"] for e in every["timeline"]} == {DEMO}
    assert [
        t["slug"] for t in json.loads(ok("export", "--format", "json").stdout)["talks"]
    ] == [DEMO, SLUG]

    log = ok("export", "--format", "jsonl", "--as-of", then).stdout.splitlines()
    # the source, the actor and the demo talks, not what came later
    assert len(log) == 20
    assert [json.loads(line)["position"] for line in log] == list(range(1, 21))
    assert len(ok("export", "--format", "jsonl").stdout.splitlines()) == 22
    assert (
        len(
            ok("export", DEMO, "--format", "jsonl", "--as-of", then).stdout.splitlines()
        )
        == 20
    )

    brief = ok("export", DEMO, "--as-of", then).stdout
    assert "Promotes dialogue and peaceful resolution" in brief
    assert "Cautious mediation" not in brief
    assert "Cautious mediation" in ok("export", DEMO).stdout

    assert fails("export", SLUG, "--format", "json", "--as-of", then) == (
        f"Error: talks '{SLUG}' were not recorded yet at {then}"
    )
    assert fails("export", SLUG, "--format", "jsonl", "--as-of", then) == (
        f"Error: talks '{SLUG}' were not recorded yet at {then}"
    )
    assert fails("show", SLUG, "--as-of", then) == (
        f"Error: talks '{SLUG}' were not recorded yet at {then}"
    )
    output = tmp_path / "snapshot.json"
    fails("export", "--format", "json", "--as-of", "2999-01-01", "-o", str(output))
    assert not output.exists()


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["show", SLUG], id="show"),
        pytest.param(["scenario", "list", SLUG], id="scenario-list"),
        pytest.param(["export", SLUG, "--format", "json"], id="export-json"),
        pytest.param(["export", SLUG, "--format", "jsonl"], id="export-jsonl"),
        pytest.param(["history", SLUG, "--json"], id="history"),
        pytest.param(["stance", "history", SLUG, "--json"], id="stance-history"),
    ],
)
def test_talks_not_recorded_yet_are_an_error_as_of_then(
    demo: str, command: list[str]
) -> None:
    """As it stood then, the talks did not exist: as ``show SLUG`` says."""
    then = last_recorded()
    open_geneva()
    ok("stance", "record", SLUG, "CHN", "--position", "Firm")
    before = stored_events(demo)
    line = fails(*command, "--as-of", then)
    assert SLUG in line
    assert stored_events(demo) == before


def test_export_as_of_the_latest_record_time_is_the_export_of_now(demo: str) -> None:
    def exported(*args: str) -> Any:
        return json.loads(ok("export", "--format", "json", *args).stdout)

    def latest() -> str:
        log = ok("export", "--format", "jsonl").stdout.splitlines()
        return str(json.loads(log[-1])["recorded_at"])

    then = exported("--as-of", latest())
    assert then["as_of"] is not None
    assert {**then, "as_of": None} == exported()
    # An actor registered after the talks' last event: the snapshot reflects it,
    # so its position must be that actor's.
    ok("actor", "add", "observers", "--name", "Observers")
    then = exported("--as-of", latest())
    assert "observers" in [actor["key"] for actor in then["actors"]]
    assert {**then, "as_of": None} == exported()


# -- the same mistakes on every command that reads by record time ------------------


AS_OF_COMMANDS = [
    pytest.param(["show", DEMO], id="show"),
    pytest.param(["show", DEMO, "--json"], id="show-json"),
    pytest.param(["events"], id="events"),
    pytest.param(["history", DEMO], id="history"),
    pytest.param(["export", DEMO, "--format", "json"], id="export-json"),
    pytest.param(["export", "--format", "jsonl"], id="export-jsonl"),
    pytest.param(["export", DEMO], id="export-markdown"),
    pytest.param(["stance", "history", DEMO], id="stance-history"),
    pytest.param(["scenario", "list", DEMO, "--json"], id="scenario-list"),
]


@pytest.mark.parametrize("command", AS_OF_COMMANDS)
def test_as_of_in_the_future_is_one_error_line(demo: str, command: list[str]) -> None:
    before = stored_events(demo)
    for moment in ("2999-01-01", "2999-03-01T12:00:00Z"):
        assert fails(*command, "--as-of", moment) == (
            f"Error: --as-of {moment} is in the future"
        )
    assert stored_events(demo) == before


@pytest.mark.parametrize("command", AS_OF_COMMANDS)
def test_as_of_before_the_record_is_one_error_line(
    demo: str, command: list[str]
) -> None:
    began = first_recorded()
    before = stored_events(demo)
    for moment in ("2000-01-01", "2024-03-01T12:00:00Z", "2024-03-01T12:00:00+05:00"):
        assert fails(*command, "--as-of", moment) == (
            f"Error: --as-of {moment} is before the record: it began at {began}"
        )
    assert stored_events(demo) == before


@pytest.mark.parametrize("command", AS_OF_COMMANDS)
@pytest.mark.parametrize("moment", ["nope", "2024-02-30", "2024-03", "01/03/2024"])
def test_an_unreadable_as_of_is_one_error_line(
    demo: str, command: list[str], moment: str
) -> None:
    before = stored_events(demo)
    assert fails(*command, "--as-of", moment) == (
        f"Error: --as-of {moment!r} {UNREADABLE}"
    )
    assert stored_events(demo) == before


def test_as_of_on_an_empty_store_is_one_error_line(store: str) -> None:
    if not is_postgres(store):  # an empty file is a store with nothing in it
        Path(store).touch()
    assert fails("events", "--as-of", "2024-03-01") == (
        "Error: --as-of 2024-03-01 is before the record: it is empty"
    )
    assert stored_events(store) == 0


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            ["show", DEMO, "--as-of", "0001-01-01T00:00:00+01:00"],
            id="show-as-of-year-0",
        ),
        pytest.param(
            ["events", "--as-of", "9999-12-31T23:59:59-01:00"],
            id="events-as-of-year-10000",
        ),
        pytest.param(
            ["diff", DEMO, "--from", "0001-01-01T00:00:00+01:00"], id="diff-from-year-0"
        ),
        pytest.param(
            ["diff", DEMO, "--from", "FIRST", "--to", "9999-12-31T23:59:59-01:00"],
            id="diff-to-year-10000",
        ),
    ],
)
def test_a_record_time_beyond_the_calendar_is_one_error_line(
    demo: str, command: list[str]
) -> None:
    """Times UTC cannot hold (year 0, year 10000) are mistakes like any other."""
    before = stored_events(demo)
    first = as_json("history", DEMO)[0]["recorded_at"]  # when the record began
    line = fails(*[first if arg == "FIRST" else arg for arg in command])
    assert command[-1] in line
    assert stored_events(demo) == before


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["show", DEMO, "--as-of", ""], id="show-as-of"),
        pytest.param(["history", DEMO, "--as-of", ""], id="history-as-of"),
        pytest.param(["events", "--at", ""], id="events-at"),
        pytest.param(["diff", DEMO, "--from", "2000-01-01", "--to", ""], id="diff-to"),
    ],
)
def test_an_empty_clock_is_an_error_not_now(demo: str, command: list[str]) -> None:
    """An empty time (``--as-of "$T"`` with T unset) must not answer for now."""
    fails(*command)


def test_a_bare_date_in_basic_format_is_the_end_of_that_day_too(past: str) -> None:
    def positions(moment: str) -> list[str]:
        return [
            r["text"] for r in as_json("stance", "history", SLUG, "--as-of", moment)
        ]

    assert positions("2024-03-01") == ["Hesitant"]
    assert positions("20240301") == ["Hesitant"]  # ISO 8601's basic format


def test_events_and_stance_history_as_of_a_past_time_print_the_same_later(
    demo: str,
) -> None:
    then = last_recorded()
    events = as_json("events", "--as-of", then)
    stances = as_json("stance", "history", DEMO, "--as-of", then)
    ok("amend", DEMO, "stance:CHN", "--position", "Cautious mediation", "--reason",
       "Misquoted")  # fmt: skip
    ok("retract", DEMO, "agenda:regional-security", "--reason", "Not discussed")

    assert as_json("stance", "history", DEMO, "--as-of", then) == stances
    assert as_json("events", "--as-of", then) == events


# -- diff --------------------------------------------------------------------------


def test_diff_lists_the_changes_between_two_record_times(demo: str) -> None:
    start = last_recorded()
    ok("amend", DEMO, "stance:CHN", "--position", "Cautious mediation", "--reason",
       "Misquoted")  # fmt: skip
    ok("stance", "record", DEMO, "UKR", "--position", "Seeks guarantees", "--on",
       "2024-07")  # fmt: skip
    ok("scenario", "assess", DEMO, "neutral-stance", "--likelihood", "likely")
    middle = last_recorded()
    ok("scenario", "assess", DEMO, "neutral-stance", "--likelihood", "unlikely",
       "--note", "Pressure grows")  # fmt: skip
    ok("motive", "record", DEMO, "CHN", "Regional clout")
    ok("retract", DEMO, "agenda:regional-security", "--reason", "Not discussed")
    end = last_recorded()
    ok("develop", DEMO, "Follow-up meeting", "--on", "2024-08")
    history = as_json("history", DEMO)

    changes = as_json("diff", DEMO, "--from", start, "--to", end)
    assert [(c["change"], c["ref"]) for c in changes] == [
        ("amended", "stance:CHN"),
        ("stance changed", "stance:UKR"),
        ("added", "assessment:neutral-stance"),
        ("likelihood changed", "assessment:neutral-stance"),
        ("motivation changed", "motive:CHN"),
        ("retracted", "agenda:regional-security"),
    ]
    assert [c["position"] for c in changes] == list(range(21, 27))
    assert [c["recorded_at"] for c in changes] == [
        e["recorded_at"] for e in history[18:24]
    ]
    assert all(
        set(c)
        == {
            "change",
            "kind",
            "ref",
            "entry_id",
            "position",
            "text",
            "before",
            "date",
            "fields",
            "reason",
            "recorded_at",
            "recorded_by",
        }
        for c in changes
    )
    amended, ukr, _, likelihood, motive, retracted = changes
    assert amended["fields"] == {
        "position": {
            "before": "Promotes dialogue and peaceful resolution",
            "after": "Cautious mediation",
        }
    }
    assert (amended["reason"], amended["entry_id"], amended["recorded_by"]) == (
        "Misquoted",
        7,
        "tester",
    )
    assert (ukr["text"], ukr["before"], ukr["date"]) == (
        "Seeks guarantees",
        "Strengthening international alliances against aggression",
        "2024-07",
    )
    assert ukr["fields"]["position"]["after"] == "Seeks guarantees"
    assert ukr["fields"]["on"] == {"before": None, "after": "2024-07"}
    assert (likelihood["text"], likelihood["before"]) == ("unlikely", "likely")
    assert likelihood["fields"] == {
        "likelihood": {"before": "likely", "after": "unlikely"},
        "note": {"before": None, "after": "Pressure grows"},
    }
    assert motive["before"].startswith("Seeking to maintain stability")
    assert (retracted["reason"], retracted["text"], retracted["fields"]) == (
        "Not discussed",
        "Regional Security",
        {},
    )

    # --from excludes a change at exactly that time; --to includes one.
    assert [
        c["change"] for c in as_json("diff", DEMO, "--from", middle, "--to", end)
    ] == ["likelihood changed", "motivation changed", "retracted"]
    assert [
        c["change"] for c in as_json("diff", DEMO, "--from", start, "--to", middle)
    ] == ["amended", "stance changed", "added"]
    assert as_json("diff", DEMO, "--from", end, "--to", end) == []
    # --to defaults to now.
    assert [c["change"] for c in as_json("diff", DEMO, "--from", start)] == [
        *(c["change"] for c in changes),
        "added",
    ]
    # From when the record began: everything after the talks were opened.
    everything = as_json("diff", DEMO, "--from", history[0]["recorded_at"])
    assert len(everything) == len(history) - 1
    assert everything[0]["change"] == "added"
    assert everything[0]["ref"] == "agenda:humanitarian-aid"

    table = ok("diff", DEMO, "--from", start, "--to", end).stdout
    lines = table.splitlines()
    assert lines[0].startswith("Changes")
    (line,) = [line for line in lines if "Misquoted" in line]
    assert "amended" in line
    assert "position: Cautious mediation" in line
    assert "position: Promotes dialogue and peaceful resolution" in line
    (line,) = [line for line in lines if "retracted" in line]
    assert "Not discussed" in line
    assert "Regional Security" in line
    assert "agenda:regional-security" in line
    assert any("stance changed" in line and "stance:UKR" in line for line in lines)
    assert any("likelihood changed" in line and "unlikely" in line for line in lines)
    assert (
        "Nothing changed between those times."
        in ok("diff", DEMO, "--from", end, "--to", end).stdout
    )


def test_diff_mistakes_are_one_error_line(demo: str) -> None:
    first, last = first_recorded(), last_recorded()
    before = stored_events(demo)
    assert fails("diff", DEMO, "--from", last, "--to", first) == (
        f"Error: --from {last} is after --to {first}"
    )
    assert fails("diff", DEMO, "--from", first, "--to", "2999-01-01") == (
        "Error: --to 2999-01-01 is in the future"
    )
    assert fails("diff", DEMO, "--from", "2999-01-01", "--json") == (
        "Error: --from 2999-01-01 is in the future"
    )
    assert fails("diff", DEMO, "--from", "nope") == f"Error: --from 'nope' {UNREADABLE}"
    assert fails("diff", DEMO, "--from", first, "--to", "2024-02-30") == (
        f"Error: --to '2024-02-30' {UNREADABLE}"
    )
    assert fails("diff", "nope", "--from", first) == (
        "Error: no talks 'nope'; see: timeline talks list"
    )
    missing = run("diff", DEMO)
    assert missing.exit_code == 2
    assert "--from" in missing.stderr
    assert stored_events(demo) == before


# -- the installed command -----------------------------------------------------------


def test_the_installed_command_shows_as_of_and_diffs(store: str) -> None:
    env = {
        **os.environ,
        "TIMELINE_DB": store,
        "TIMELINE_AUTHOR": "installer",
        "COLUMNS": "250",  # tables wide enough that no cell is folded
    }

    def timeline(*args: str) -> str:
        result = installed(*args, env=env)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    timeline("demo")
    then = json.loads(timeline("history", DEMO, "--json"))[-1]["recorded_at"]
    timeline("amend", DEMO, "stance:CHN", "--position", "Cautious mediation",
             "--reason", "Misquoted")  # fmt: skip

    view = json.loads(timeline("show", DEMO, "--as-of", then, "--json"))
    china = view["stances"][0]
    assert (china["actor"], china["position"], china["corrections"]) == (
        "CHN",
        "Promotes dialogue and peaceful resolution",
        [],
    )
    assert "Promotes dialogue" in timeline("show", DEMO, "--as-of", then)
    assert "Cautious mediation" in timeline("show", DEMO)

    (change,) = json.loads(timeline("diff", DEMO, "--from", then, "--json"))
    assert (
        change["change"],
        change["ref"],
        change["reason"],
        change["recorded_by"],
    ) == (
        "amended",
        "stance:CHN",
        "Misquoted",
        "installer",
    )
    assert change["fields"]["position"]["after"] == "Cautious mediation"
    assert "Misquoted" in timeline("diff", DEMO, "--from", then)

    future = installed("show", DEMO, "--as-of", "2999-01-01", env=env)
    assert future.returncode == 1
    assert future.stdout == ""
    assert future.stderr == "Error: --as-of 2999-01-01 is in the future\n"
