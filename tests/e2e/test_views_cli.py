"""The view commands end to end, in process, on the demo store: ``events``,
``search``, ``projections status`` and ``projections rebuild``."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    VIEW_NAMES,
    VIEW_TABLES,
    as_json,
    fails,
    head,
    listed,
    ok,
    rows,
    run,
    table_rows,
)

DEMO = "beijing-talks"
NAMES = VIEW_NAMES
# The tables of each view; search_entries' ids are the store positions.
TABLES = VIEW_TABLES
HIT_KEYS = {"slug", "kind", "ref", "entry_id", "snippet", "rank"}


def tracking(db: Path) -> dict[str, int]:
    """Every row of the SQLite file's tracking table, the library's own included."""
    return dict(rows(db, "SELECT application_name, notification_id FROM tracking"))


def views(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table of the SQLite file, in a stable order."""
    return table_rows(db, TABLES)


def answers() -> dict[str, Any]:
    """What the views answer about the demo store, through the commands."""
    return {
        "events": listed("--limit", "0"),
        "talks": as_json("talks", "list"),
        "actors": as_json("actor", "list"),
        "show": as_json("show", DEMO),
        "search": [as_json("search", word) for word in ("security", "trad*", "aid")],
    }


def positions() -> dict[str, int]:
    """Each view's position, as ``projections status`` reports it."""
    return {view["name"]: view["position"] for view in as_json("projections", "status")}


# -- projections status ------------------------------------------------------------


def test_status_lists_the_six_views_current_after_a_query(demo: str) -> None:
    ok("show", DEMO)
    status = as_json("projections", "status")
    top = head(demo)
    assert status == [
        {"name": name, "position": top, "head": top, "lag": 0} for name in NAMES
    ]
    assert top == 20  # the demo's source, actor and talks events


def test_status_shows_the_lag_of_what_was_recorded_since(demo: str) -> None:
    ok("develop", DEMO, "--on", "2024-08", "Follow-up meeting")
    status = as_json("projections", "status")
    assert [(s["name"], s["lag"]) for s in status] == [(n, 1) for n in NAMES]
    assert as_json("projections", "status") == status  # showing it applies nothing

    ok("events")
    assert [s["lag"] for s in as_json("projections", "status")] == [0] * len(NAMES)


def test_status_table(demo: str) -> None:
    result = ok("projections", "status")
    lines = result.stdout.splitlines()
    for name in NAMES:
        (line,) = [line for line in lines if f" {name} " in line]
        assert line.split()[1:8:2] == [name, "20", "20", "0"]
    assert result.stderr == ""


# -- projections rebuild -----------------------------------------------------------


def test_rebuild_all_views(demo: str) -> None:
    before = answers()
    result = ok("projections", "rebuild")
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Rebuilt actors, sources, talks, timeline, stances, scenarios, search from"
        " 20 events."
    )
    assert positions() == dict.fromkeys(NAMES, 20)
    assert answers() == before


def test_rebuild_all_views_writes_the_same_rows(db_path: Path, demo: str) -> None:
    before = views(db_path)
    ok("projections", "rebuild")
    assert views(db_path) == before
    assert tracking(db_path) == {
        "__migration__": 1, **{f"view:{n}": 20 for n in NAMES}
    }  # fmt: skip


def test_rebuild_some_views(db_path: Path, demo: str) -> None:
    ok("develop", DEMO, "--on", "2024-08", "Follow-up meeting")
    ok("events")
    before = views(db_path)
    with closing(sqlite3.connect(db_path)) as connection, connection:
        connection.execute("DELETE FROM timeline")  # damage one of them

    result = ok("projections", "rebuild", "search", "timeline")

    assert result.stderr.splitlines()[-1] == (
        "Rebuilt search, timeline from 21 events."
    )
    assert views(db_path) == before
    assert tracking(db_path) == {
        "__migration__": 1, **{f"view:{n}": 21 for n in NAMES}
    }  # fmt: skip
    assert [r["ref"] for r in listed("--kind", "development")] == ["development:1"]


def test_rebuild_json(demo: str) -> None:
    report = as_json("projections", "rebuild", "stances")
    assert report["rebuilt"] == ["stances"]
    assert report["events"] == 20
    assert [(v["name"], v["position"], v["lag"]) for v in report["views"]] == [
        (name, 20, 0) for name in NAMES
    ]


@pytest.mark.parametrize(
    "names", [["nope"], ["search", "nope"], ["timeline", "Search"]]
)
def test_rebuild_of_an_unknown_view_is_one_error_and_changes_nothing(
    demo: str, names: list[str]
) -> None:
    before, at = answers(), positions()
    line = fails("projections", "rebuild", *names)
    unknown = names[-1]
    assert line == (
        f"Error: no view {unknown!r}; "
        "views: actors, sources, talks, timeline, stances, scenarios, search"
    )
    assert positions() == at
    assert answers() == before


# -- search ------------------------------------------------------------------------


def test_search_table(demo: str) -> None:
    result = ok("search", "regional security")
    assert result.stdout.splitlines()[0].startswith("Search")
    assert "agenda:regional-security" in result.stdout
    assert "[Security]" in result.stdout  # the match, marked as typed
    assert "No entry matches." in ok("search", "elephant").stdout


def test_search_json(demo: str) -> None:
    hits = as_json("search", "security")
    assert hits
    assert all(set(hit) == HIT_KEYS for hit in hits)
    assert hits[0]["ref"] == "agenda:regional-security"
    assert hits[0]["slug"] == DEMO
    assert hits[0]["kind"] == "agenda"
    assert [h["rank"] for h in hits] == sorted(h["rank"] for h in hits)
    assert all("[secur" in h["snippet"].lower() for h in hits)  # secure too
    within = as_json("search", "security", "--talks", DEMO)
    assert [h["ref"] for h in within] == [h["ref"] for h in hits]
    assert as_json("search", "elephant") == []


def test_search_by_prefix_in_one_talks(demo: str) -> None:
    refs = [h["ref"] for h in as_json("search", "trad*", "--talks", DEMO)]
    assert "recommendation:diversifying-trade-partners" in refs
    assert "agenda:economic-cooperation" in refs
    assert len(refs) == len(set(refs))


def test_search_follows_amendments_and_retractions(demo: str) -> None:
    ok("amend", DEMO, "stance:CHN", "--position", "Cautious mediation",
       "--reason", "Misquoted")  # fmt: skip
    ok("retract", DEMO, "agenda:regional-security", "--reason", "Not on the agenda")
    assert [h["ref"] for h in as_json("search", "cautious mediation")] == ["stance:CHN"]
    assert as_json("search", "promotes dialogue") == []  # CHN's old position
    assert "agenda:regional-security" not in [
        h["ref"] for h in as_json("search", "security")
    ]


def test_search_of_unknown_talks_is_an_error(demo: str) -> None:
    assert fails("search", "trade", "--talks", "unknown") == (
        "Error: no talks 'unknown'; see: timeline talks list"
    )


@pytest.mark.parametrize("query", ['"', "", "( )", "*"])
def test_search_without_a_word_is_an_error(demo: str, query: str) -> None:
    assert fails("search", query) == "Error: search needs at least one word"


@pytest.mark.parametrize("query", ['"trade', "trade AND (", "NOT -trade", "a:b"])
def test_search_syntax_is_taken_as_words(demo: str, query: str) -> None:
    ok("search", query)
    assert isinstance(as_json("search", query), list)


# -- events ------------------------------------------------------------------------


def test_events_json(demo: str) -> None:
    rows_ = listed()
    assert [(r["kind"], r["ref"]) for r in rows_][:6] == [
        ("talks", "talks"), ("agenda", "agenda:humanitarian-aid"),
        ("agenda", "agenda:economic-cooperation"),
        ("agenda", "agenda:regional-security"),
        ("stance", "stance:CHN"), ("stance", "stance:UKR"),
    ]  # fmt: skip
    assert {r["kind"] for r in rows_} == {
        "talks",
        "agenda",
        "stance",
        "motive",
        "scenario",
        "recommendation",
    }  # every kind of entry; the demo's are all undated: in the order recorded
    assert all(r["slug"] == DEMO and r["version_to"] is None for r in rows_)
    assert rows_[0]["text"].startswith("China and Ukraine Forge")
    assert rows_[0]["fields"]["parties"] == ["CHN", "UKR"]


def test_events_table(demo: str) -> None:
    result = ok("events")
    assert result.stdout.splitlines()[0].startswith("Timeline")
    assert "stance:CHN" in result.stdout
    assert "undated" in result.stdout


def test_events_of_an_actor(demo: str) -> None:
    ok("stance", "record", DEMO, "western-nations", "--position", "Supportive")
    refs = [r["ref"] for r in listed("--actor", "CHN")]
    # a party to the talks, its stance and its motivation
    assert refs == ["talks", "stance:CHN", "motive:CHN"]
    refs = [r["ref"] for r in listed("--actor", "western-nations")]
    assert refs == ["motive:western-nations", "stance:western-nations"]
    assert listed("--actor", "RUS") == []


def test_events_of_a_kind_in_valid_time_order(demo: str) -> None:
    ok("develop", DEMO, "--on", "2024-09", "Third round")
    ok("develop", DEMO, "--on", "2024", "Talks planned")
    ok("develop", DEMO, "--on", "2024-08-15", "Second round")
    found = listed("--kind", "development")
    assert [(r["valid_text"], r["text"]) for r in found] == [
        ("2024", "Talks planned"),
        ("2024-08-15", "Second round"),
        ("2024-09", "Third round"),
    ]
    assert [r["kind"] for r in listed("--talks", DEMO)][:3] == ["development"] * 3
    assert len(listed("--limit", "2")) == 2
    assert "Third round" in ok("events", "--kind", "development").stdout


def test_events_leave_out_retracted_entries(demo: str) -> None:
    ok("retract", DEMO, "stance:UKR", "--reason", "Not said")
    refs = [r["ref"] for r in listed("--kind", "stance")]
    assert refs == ["stance:CHN"]


def test_events_of_unknown_talks_is_an_error(demo: str) -> None:
    assert fails("events", "--talks", "unknown") == (
        "Error: no talks 'unknown'; see: timeline talks list"
    )


@pytest.mark.parametrize("kind", ["agendas", "event", ""])
def test_events_of_an_unknown_kind_is_a_usage_error(demo: str, kind: str) -> None:
    result = run("events", "--kind", kind)
    assert result.exit_code == 2
    assert "Error:" in result.stderr


@pytest.mark.parametrize(
    ("kind", "count"),
    [("agenda", 3), ("motive", 3), ("scenario", 3), ("recommendation", 6)],
)
def test_every_kind_of_entry_is_on_the_timeline(
    demo: str, kind: str, count: int
) -> None:
    assert len(listed("--kind", kind)) == count


# -- help --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["events"], ["search"], ["projections"], ["projections", "status"],
     ["projections", "rebuild"]],
    ids=" ".join,
)  # fmt: skip
def test_help_has_an_example(command: list[str]) -> None:
    result = ok(*command, "--help")
    assert result.stdout.startswith("Usage: ")
    assert "Example" in result.stdout
    assert f"timeline {' '.join(command)}" in result.stdout
