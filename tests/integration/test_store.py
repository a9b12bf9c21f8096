"""The application on a real store: persistence, views, snapshots, crashes.

Tests that ask for ``db_path`` read the SQLite file's own tables."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

import projections.documents
from events import talks_id
from projections.records import EventRecord
from projections.views import Views
from tests.support import (
    everywhere,
    head,
    rows,
    stored_events,
    stored_snapshots,
    table_rows,
    tracked,
)
from timeline.bootstrap import open_service
from timeline.catchup import catch_up
from timeline.service import Service

SLUG = "geneva-talks"
NAMES = ["actors", "sources", "talks", "timeline", "stances", "scenarios", "search"]
# The library's own tables, and the FTS5 index's shadow tables (read through it).
NOT_VIEWS = (
    "stored_events", "stored_snapshots", "tracking", "view_schemas", "view_replays",
    "search_index_%",
)  # fmt: skip


def view_tables(path: Path) -> list[str]:
    clauses = " AND ".join(["name NOT LIKE ?"] * len(NOT_VIEWS))
    found = rows(
        path,
        f"SELECT name FROM sqlite_master WHERE type = 'table' AND {clauses}"
        " ORDER BY name",
        NOT_VIEWS,
    )
    return [name for (name,) in found]


def view_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view's tables, in a stable order."""
    return table_rows(path, view_tables(path))


def answers(views: Views) -> dict[str, Any]:
    """What every view answers about the store, read as it is (no catch-up)."""
    return {
        "snapshot": views.snapshot(),
        "talks": views.talks_list(),
        "entries": views.entries(),
        "stances": views.stances(SLUG),
        "scenarios": views.scenarios(SLUG),
        "search": views.search("round"),
    }


def test_every_view_has_its_tables_and_one_tracking_row(
    app: Service, db_path: Path
) -> None:
    assert app.record.views.names() == NAMES
    assert set(view_tables(db_path)) == {
        "actors_view", "sources_view", "talks_view",
        "timeline", "timeline_actors", "timeline_tags", "timeline_talks",
        "stances", "stances_actors", "stances_tags", "stances_talks",
        "scenarios", "scenarios_actors", "scenarios_tags", "scenarios_talks",
        "search_entries", "search_index", "search_talks",
    }  # fmt: skip
    assert tracked(db_path) == {}  # no view has applied anything yet
    assert app.record.views.positions() == everywhere(0)

    open_geneva(app)
    app.queries.talks_list()

    found = rows(db_path, "SELECT application_name FROM tracking ORDER BY 1")
    assert [name for (name,) in found] == sorted(
        ["__migration__", *(f"view:{name}" for name in NAMES)]
    )
    assert tracked(db_path) == everywhere(head(db_path)) == everywhere(1)
    assert app.record.views.positions() == everywhere(1)


def open_geneva(app: Service) -> None:
    app.open_talks(
        SLUG,
        title="Geneva Talks",
        location="Geneva",
        parties=["CHN", "UKR"],
        on="2024-07",
        summary="A second round.",
        sources=["https://example.org/geneva"],
    )


def test_recorded_entries_survive_closing_and_reopening(store: str) -> None:
    first = open_service(store, "tester")
    try:
        first.register_actor("mediators", "Mediators", "organization")
        open_geneva(first)
        first.add_agenda_item(SLUG, "grain-corridor", "Grain Corridor", "Exports")
        first.record_stance(SLUG, "CHN", "Hesitant", ["Trade"], on="2024-07-01")
        first.record_motivation(SLUG, "mediators", "Wants a deal")
        first.record_development(SLUG, "2024-08", "Second round", ["Reuters"])
        before = first.queries.talks_view(SLUG)
        history = first.record.history(SLUG)
        count = first.record.event_count()
    finally:
        first.close()

    second = open_service(store, "someone-else")
    try:
        assert second.record.event_count() == count == 6
        assert second.queries.talks_view(SLUG) == before
        assert second.record.history(SLUG) == history
        assert [a["key"] for a in second.queries.actors()] == ["mediators"]
        aggregate = second.record.repository.get(talks_id(SLUG))
        assert aggregate.version == 5
        assert aggregate.developments == 1
    finally:
        second.close()


def test_file_holds_the_event_store_and_the_views(app: Service, db_path: Path) -> None:
    app.register_actor("mediators", "Mediators", "group")
    open_geneva(app)
    app.queries.talks_view(SLUG)

    tables = {name for (name,) in rows(db_path, "SELECT name FROM sqlite_master")}
    assert {"stored_events", "talks_view", "actors_view", "tracking"} <= tables
    assert stored_events(db_path) == 2
    assert rows(db_path, "SELECT slug, title, location, version FROM talks_view") == [
        (SLUG, "Geneva Talks", "Geneva", 1)
    ]
    assert rows(db_path, "SELECT key, name, kind FROM actors_view") == [
        ("mediators", "Mediators", "group")
    ]
    assert tracked(db_path) == everywhere(head(db_path))


def test_views_catch_up_incrementally(app: Service, store: str) -> None:
    open_geneva(app)
    app.add_agenda_item(SLUG, "grain-corridor", "Grain Corridor")
    view = app.queries.talks_view(SLUG)
    assert view["version"] == 2
    assert view["last_position"] == head(store)
    assert app.record.views.positions() == everywhere(head(store))
    first_position = view["last_position"]

    app.record_stance(SLUG, "UKR", "Firm")
    app.record_development(SLUG, "2024-08", "Second round")
    app.record_development(SLUG, "2024-09", "Third round")
    # recording does not touch the views
    assert app.record.views.positions() == everywhere(first_position)

    assert catch_up(app.record) == 3  # only the new events are applied
    assert catch_up(app.record) == 0
    view = app.queries.talks_view(SLUG)
    assert view["version"] == 5
    assert view["last_position"] == head(store)
    assert app.record.views.positions() == everywhere(head(store))
    assert view["last_position"] > first_position
    assert [d["number"] for d in view["developments"]] == [1, 2]
    assert [a["key"] for a in view["agenda"]] == ["grain-corridor"]


def test_queries_catch_up_only_when_the_views_lag(
    app: Service, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.record.views.lag() == 0  # an empty store has nothing to apply
    app.register_actor("mediators", "Mediators", "group")
    open_geneva(app)
    assert app.record.views.lag() > 0  # recording does not touch the views
    assert app.record.views.lag() == stored_events(store) == 2
    assert app.record.views.positions() == everywhere(0)

    reads: list[int] = []
    stored_after = app.record.stored.after

    def counting(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return stored_after(*args, **kwargs)

    monkeypatch.setattr(app.record.stored, "after", counting)

    assert app.queries.talks_view(SLUG)["version"] == 1  # caught up first
    assert app.record.views.lag() == 0
    assert app.record.views.positions() == everywhere(head(store))
    assert reads  # the query caught the views up

    reads.clear()
    assert app.queries.talks_view(SLUG)["version"] == 1
    assert [row["slug"] for row in app.queries.talks_list()] == [SLUG]
    assert [a["key"] for a in app.queries.actors()] == ["mediators"]
    assert reads == []  # nothing new: the queries read the views as they are

    app.record_stance(SLUG, "mediators", "Neutral")
    assert app.record.views.lag() == 1
    view = app.queries.talks_view(SLUG)
    assert app.record.views.lag() == 0
    assert app.record.views.positions() == everywhere(head(store))
    assert reads  # the new event was applied before answering
    assert view["version"] == 2
    assert [s["actor_name"] for s in view["stances"]] == ["Mediators"]


def test_stray_library_environment_does_not_redirect_storage(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite"
    for prefix in ("", "TIMELINE_"):
        monkeypatch.setenv(prefix + "PERSISTENCE_MODULE", "eventsourcing.popo")
        monkeypatch.setenv(prefix + "SQLITE_DBNAME", str(elsewhere))

    app = open_service()
    try:
        open_geneva(app)
        app.record_development(SLUG, "2024-08", "Second round")
    finally:
        app.close()

    assert not elsewhere.exists()
    assert stored_events(store) == 2
    reopened = open_service(store, "tester")
    try:
        assert reopened.queries.talks_view(SLUG)["version"] == 2
    finally:
        reopened.close()


def test_long_streams_are_snapshotted_and_still_load(app: Service, store: str) -> None:
    open_geneva(app)
    for number in range(1, 451):
        assert app.record_development(SLUG, "2024-08", f"Round {number}") == number

    assert stored_snapshots(store) == [
        (talks_id(SLUG).hex, 200),
        (talks_id(SLUG).hex, 400),
    ]

    reopened = open_service(store, "tester")
    try:
        aggregate = reopened.record.repository.get(talks_id(SLUG))
        assert aggregate.version == 451
        assert aggregate.developments == 450
        assert reopened.record_development(SLUG, "2024-09", "After") == 451
        view = reopened.queries.talks_view(SLUG)
        assert view["version"] == 452
        assert [d["number"] for d in view["developments"]] == list(range(1, 452))
    finally:
        reopened.close()


class SimulatedCrash(Exception):
    pass


def pending_batch(app: Service) -> tuple[dict[str, int], list[EventRecord]]:
    """The views' positions, and every event after the furthest-behind of them."""
    positions = app.record.views.positions()
    return positions, app.record.read_records(min(positions.values()), 1000)


def test_view_is_all_or_nothing_when_a_batch_crashes(
    app: Service, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_geneva(app)
    app.add_agenda_item(SLUG, "grain-corridor", "Grain Corridor")
    app.queries.talks_view(SLUG)
    position_before = tracked(db_path)
    assert position_before == everywhere(head(db_path))
    rows_before = view_rows(db_path)

    app.register_actor("mediators", "Mediators", "group")
    app.record_stance(SLUG, "mediators", "Neutral")
    app.record_development(SLUG, "2024-08", "Second round")
    app.record_development(SLUG, "2024-09", "Third round")
    positions, batch = pending_batch(app)
    assert positions == position_before
    assert len(batch) == 4

    real_evolve = projections.documents.evolve
    calls = 0

    def crashing_evolve(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise SimulatedCrash("power cut")
        return real_evolve(*args)

    with monkeypatch.context() as patch:
        patch.setattr(projections.documents, "evolve", crashing_evolve)
        with pytest.raises(SimulatedCrash):
            app.record.views.apply(positions, batch)
    assert calls == 3  # the actors view had already taken the new actor

    assert tracked(db_path) == position_before
    assert view_rows(db_path) == rows_before

    assert catch_up(app.record) == 4
    view = app.queries.talks_view(SLUG)
    assert view["last_position"] == head(db_path)
    assert tracked(db_path) == everywhere(head(db_path))
    assert view_rows(db_path) != rows_before
    assert [s["actor_name"] for s in view["stances"]] == ["Mediators"]
    assert [d["text"] for d in view["developments"]] == ["Second round", "Third round"]
    assert [a["key"] for a in app.queries.actors()] == ["mediators"]


def test_two_views_racing_never_apply_a_batch_twice(app: Service, store: str) -> None:
    open_geneva(app)
    app.add_agenda_item(SLUG, "grain-corridor", "Grain Corridor")
    app.record_development(SLUG, "2024-08", "Second round")
    other = open_service(store, "tester")
    try:
        positions, batch = pending_batch(app)
        other_positions, other_batch = pending_batch(other)
        assert positions == other_positions == everywhere(0)
        assert len(batch) == len(other_batch) == 3

        app.record.views.apply(positions, batch)
        applied = answers(app.record.views)
        with pytest.raises(IntegrityError):
            other.record.views.apply(other_positions, other_batch)
        with pytest.raises(IntegrityError):
            app.record.views.apply(positions, batch)

        assert app.record.views.positions() == everywhere(head(store))
        assert answers(app.record.views) == applied
        assert catch_up(other.record) == 0
        view = other.queries.talks_view(SLUG)
        assert view["version"] == 3
        assert [a["key"] for a in view["agenda"]] == ["grain-corridor"]
        assert [d["number"] for d in view["developments"]] == [1]
        # the talks, the agenda item, the development
        assert len(other.queries.entries(slug=SLUG)) == 3
    finally:
        other.close()


def test_views_are_rebuilt_from_the_events_alone(app: Service, db_path: Path) -> None:
    app.register_actor("mediators", "Mediators", "group")
    open_geneva(app)
    app.record_stance(SLUG, "mediators", "Neutral")
    app.add_scenario(SLUG, "ceasefire", "Ceasefire", "Fewer casualties")
    app.amend(SLUG, "scenario:ceasefire", {"impact": "Talks resume"}, "Misquoted")
    app.retract(SLUG, "stance:mediators", "Not said")
    before = app.queries.talks_view(SLUG)
    actors_before = app.queries.actors()

    rows_before = view_rows(db_path)
    assert rows_before["stances"]  # something to lose

    with closing(sqlite3.connect(db_path)) as connection, connection:
        for table in view_tables(db_path):
            if table == "search_index":  # external content: empty it by command
                connection.execute(
                    "INSERT INTO search_index (search_index) VALUES ('delete-all')"
                )
            else:
                connection.execute(f"DELETE FROM {table}")
        connection.execute(
            "DELETE FROM tracking WHERE application_name != '__migration__'"
        )
    assert view_rows(db_path) != rows_before

    assert catch_up(app.record) == stored_events(db_path) == 6
    assert app.queries.talks_view(SLUG) == before
    assert app.queries.actors() == actors_before
    assert view_rows(db_path) == rows_before


def test_a_batch_goes_only_to_the_views_that_have_not_seen_it(
    app: Service, store: str
) -> None:
    open_geneva(app)
    app.record_stance(SLUG, "CHN", "Hesitant")
    catch_up(app.record)
    top = head(store)
    app.record.views.reset(["stances"])
    app.record_development(SLUG, "2024-08", "Second round")
    entries_before = app.record.views.entries()

    positions, batch = pending_batch(app)
    assert positions == {**everywhere(top), "stances": 0}
    assert [record.position for record in batch] == [1, 2, 3]

    app.record.views.apply(positions, batch)

    assert app.record.views.positions() == everywhere(head(store))
    # Each view up to date took each event exactly once: one development more.
    assert len(app.record.views.entries()) == len(entries_before) + 1
    assert [talks["version"] for talks in app.record.views.talks_list()] == [3]
    assert app.queries.talks_view(SLUG)["version"] == 3
    assert [(r["ref"], r["text"]) for r in app.record.views.stances(SLUG)] == [
        ("stance:CHN", "Hesitant")
    ]
    assert catch_up(app.record) == 0


def test_a_view_that_moved_fails_the_whole_batch(app: Service, store: str) -> None:
    open_geneva(app)
    catch_up(app.record)
    app.register_actor("mediators", "Mediators", "group")
    app.record_stance(SLUG, "mediators", "Neutral")
    positions, batch = pending_batch(app)
    assert positions == everywhere(1)
    # Another process moves the last view only (the others are applied first).
    app.record.views.apply({**everywhere(head(store)), "search": 1}, batch)
    assert app.record.views.positions() == {**everywhere(1), "search": head(store)}
    before = answers(app.record.views)

    with pytest.raises(IntegrityError):
        app.record.views.apply(positions, batch)

    assert app.record.views.positions() == {**everywhere(1), "search": head(store)}
    assert answers(app.record.views) == before  # the five views' writes rolled back
    assert catch_up(app.record) == 2
    assert app.record.views.positions() == everywhere(head(store))
    assert [a["key"] for a in app.queries.actors()] == ["mediators"]


def test_a_view_reset_meanwhile_fails_a_batch_read_before(
    app: Service, store: str
) -> None:
    """A catch-up that read its batch before another process reset a view
    must not apply the batch to the now empty view: the view's tracking row is
    gone, so it no longer matches the position the batch was read after."""
    app.register_actor("mediators", "Mediators", "group")
    open_geneva(app)
    catch_up(app.record)
    app.register_actor("observers", "Observers", "group")
    positions, batch = pending_batch(app)
    assert positions == everywhere(2)

    other = open_service(store, "tester")
    try:
        other.record.views.reset(
            ["actors"]
        )  # e.g. `timeline projections rebuild actors`
    finally:
        other.close()

    try:
        app.record.views.apply(positions, batch)
    except IntegrityError:
        refused = True
    else:
        refused = False

    catch_up(app.record)
    assert app.record.views.lag() == 0
    assert [a["key"] for a in app.queries.actors()] == ["mediators", "observers"]
    assert refused
