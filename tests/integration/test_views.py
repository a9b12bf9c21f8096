"""The projections on a real store: positions, rebuilds, versions, timeline
and search; read back with plain SQL on the SQLite file (the tests that ask for
``db_path``) where its tables are the contract."""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from events import talks_id
from events.errors import InvalidInput, NotFound
from tests.support import everywhere, head, is_postgres, rows, table_rows, tracked
from timeline import catchup
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_service
from timeline.catchup import catch_up, rebuild
from timeline.service import Service

SLUG = "geneva-talks"
OTHER = "vienna-talks"
NAMES = ["actors", "sources", "talks", "timeline", "stances", "scenarios", "search"]
TABLES = {
    "actors": ["actors_view"],
    "sources": ["sources_view"],
    "talks": ["talks_view"],
    **{
        name: [name, f"{name}_actors", f"{name}_tags", f"{name}_talks"]
        for name in ("timeline", "stances", "scenarios")
    },
    "search": ["search_entries", "search_talks"],
}


def execute(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        for statement in statements:
            connection.execute(statement)


def dump(path: Path, name: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the view ``name``'s tables, in a stable order."""
    return table_rows(path, TABLES[name])


def dump_all(path: Path) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    return {name: dump(path, name) for name in NAMES}


def fts_is_consistent(path: Path) -> None:
    """FTS5's own check that the index matches its content table; raises if not."""
    execute(
        path,
        "INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 1)",
    )


def recorded_store(path: Path, caught_up: bool = True) -> None:
    """A store at ``path`` with the case recorded (and its views caught up)."""
    app = open_service(path, "tester")
    try:
        record_case(app)
        if caught_up:
            catch_up(app.record)
    finally:
        app.close()


def record_case(app: Service) -> None:
    """Two talks with stances, a scenario, developments, an amendment, a
    retraction, and a source one cites, regraded."""
    app.register_actor("mediators", "Mediators", "group")
    app.add_source("wire", "A wire report", reliability="C")
    app.regrade_source("wire", "B", "Confirmed twice", on="2024-08")
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"], on="2024-07",
                   summary="A second round.")  # fmt: skip
    app.open_talks(OTHER, "Vienna Talks", "Vienna", ["mediators", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant", ["Trade"], on="2024-07-01",
                      cites=["wire:2@p.3"])  # fmt: skip
    app.record_stance(SLUG, "UKR", "Firm", ["Security"])
    app.record_stance(OTHER, "mediators", "Neutral")
    app.add_scenario(SLUG, "ceasefire", "Ceasefire holds", "Fewer casualties")
    app.add_scenario(OTHER, "stalemate", "Stalemate", "Nothing moves")
    app.record_development(SLUG, "2024-08", "Second round in Geneva")
    app.amend(SLUG, "scenario:ceasefire", {"impact": "Talks resume"}, "Misquoted")
    app.retract(SLUG, "stance:UKR", "Not said")


# -- positions, head and lag -----------------------------------------------------


def test_status_shows_each_view_behind_until_a_query(app: Service, store: str) -> None:
    assert app.record.views.names() == NAMES
    assert app.queries.status() == [
        {"name": name, "position": 0, "head": 0, "lag": 0} for name in NAMES
    ]

    app.register_actor("mediators", "Mediators", "group")
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "mediators"])
    app.record_stance(SLUG, "CHN", "Hesitant")

    assert app.record.views.head() == head(store) == 3
    assert app.record.views.positions() == everywhere(0)
    assert app.record.views.lag() == 3
    assert app.queries.status() == [
        {"name": name, "position": 0, "head": 3, "lag": 3} for name in NAMES
    ]
    assert app.record.views.positions() == everywhere(0)  # status only reads

    assert [row["slug"] for row in app.queries.talks_list()] == [SLUG]

    assert app.record.views.positions() == everywhere(3)
    assert app.record.views.lag() == 0
    assert app.queries.status() == [
        {"name": name, "position": 3, "head": 3, "lag": 0} for name in NAMES
    ]

    app.record_development(SLUG, "2024-08", "Second round")
    assert app.record.views.lag() == 1
    assert [s["lag"] for s in app.queries.status()] == [1] * len(NAMES)
    assert [r["kind"] for r in app.queries.entries(slug=SLUG)] == [
        "development", "talks", "stance",
    ]  # fmt: skip
    assert app.record.views.positions() == everywhere(4)


def test_lag_is_that_of_the_furthest_behind_view(app: Service, store: str) -> None:
    record_case(app)
    catch_up(app.record)
    app.record.views.reset(["scenarios"])
    app.record_development(SLUG, "2024-09", "Third round")
    top = head(store)

    assert app.record.views.positions() == {**everywhere(top - 1), "scenarios": 0}
    assert app.record.views.lag() == top
    status = {s["name"]: s for s in app.queries.status()}
    assert status["scenarios"] == {
        "name": "scenarios", "position": 0, "head": top, "lag": top,
    }  # fmt: skip
    assert status["search"]["lag"] == 1


# -- rebuilding ------------------------------------------------------------------


# A row no replay writes, for each view: it survives anything but a reset.
MARKERS = {
    "actors": "INSERT INTO actors_view VALUES ('marker', 'M', 'group', '{}')",
    "sources": "INSERT INTO sources_view VALUES ('marker', 'marker', '{}')",
    "talks": "INSERT INTO talks_view VALUES ('marker', 'marker', 'M', 'L', '2024', 1,"
    " '{}')",
    **{
        name: f"INSERT INTO {name}_talks VALUES ('marker', 'marker')"
        for name in ("timeline", "stances", "scenarios", "search")
    },
}
MARKED = {
    "actors": "actors_view", "sources": "sources_view", "talks": "talks_view",
}  # fmt: skip


def mark(path: Path, names: list[str]) -> None:
    execute(path, *(MARKERS[name] for name in names))


def unmark(path: Path, names: list[str]) -> None:
    """Remove the markers, asserting that each was still there."""
    for name in names:
        table = MARKED.get(name, f"{name}_talks")
        column = {"actors": "key", "sources": "key"}.get(name, "talks_id")
        assert rows(path, f"SELECT 1 FROM {table} WHERE {column} = 'marker'") == [
            (1,)
        ], f"view {name} was emptied"
        execute(path, f"DELETE FROM {table} WHERE {column} = 'marker'")


@pytest.mark.parametrize("name", NAMES)
def test_rebuilding_one_view_restores_it_and_leaves_the_others(
    app: Service, db_path: Path, name: str
) -> None:
    record_case(app)
    app.queries.talks_list()
    before = dump_all(db_path)
    positions = tracked(db_path)
    assert positions == everywhere(head(db_path))
    assert all(before[n][TABLES[n][0]] for n in NAMES)  # every view has rows
    others = [n for n in NAMES if n != name]
    mark(db_path, others)

    progress: list[int] = []
    replayed = rebuild(app.record, [name], progress=progress.append)

    assert replayed == sum(progress) == head(db_path)
    assert tracked(db_path) == positions
    assert dump(db_path, name) == before[name]
    unmark(db_path, others)
    assert dump_all(db_path) == before
    fts_is_consistent(db_path)


def test_rebuilding_several_views_at_once(app: Service, db_path: Path) -> None:
    record_case(app)
    catch_up(app.record)
    before = dump_all(db_path)
    execute(db_path, "DELETE FROM stances", "DELETE FROM search_talks")  # damage

    assert rebuild(app.record, ["stances", "search"]) == head(db_path)

    assert dump_all(db_path) == before
    assert tracked(db_path) == everywhere(head(db_path))


def test_a_reset_frees_the_pages_of_views_without_writing_them_again(
    app: Service, db_path: Path
) -> None:
    """View rows derive from events that are kept: freeing their pages must not
    write each page again (SQLite's secure_delete, on in Debian's build), and
    the connection keeps its own settings after the views' transaction."""
    record_case(app)
    for number in range(300):
        app.record_development(SLUG, "2024-09", f"Round {number}: " + "text " * 800)
    catch_up(app.record)
    with app.record.views.datastore.transaction(commit=False) as c:
        c.execute("PRAGMA secure_delete")
        secure_delete = c.fetchone()[0]
        c.execute("PRAGMA synchronous")
        synchronous = c.fetchone()[0]
    page_size = rows(db_path, "PRAGMA page_size")[0][0]
    store_bytes = page_size * rows(db_path, "PRAGMA page_count")[0][0]
    execute(db_path, "PRAGMA wal_checkpoint(TRUNCATE)")
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.stat().st_size == 0

    app.record.views.reset(NAMES)

    assert store_bytes > 5_000_000
    assert wal.stat().st_size < store_bytes / 20
    with app.record.views.datastore.transaction(commit=False) as c:
        c.execute("PRAGMA secure_delete")
        assert c.fetchone()[0] == secure_delete
        c.execute("PRAGMA synchronous")
        assert c.fetchone()[0] == synchronous


def test_a_large_rebuild_replays_groups_of_views_in_processes_of_their_own(
    app: Service, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_case(app)
    catch_up(app.record)
    before = dump_all(db_path)
    side_by_side = []
    real = catchup._side_by_side

    def spy(record: DiplomaticRecord, groups: list[list[str]], progress: Any) -> int:
        side_by_side.append(groups)
        return real(record, groups, progress)

    monkeypatch.setattr(catchup, "PARALLEL_FROM", 1)  # this store is "large"
    monkeypatch.setattr(catchup, "_side_by_side", spy)
    monkeypatch.setattr(catchup, "usable_cores", lambda: 2)
    execute(db_path, "DELETE FROM talks_view", "DELETE FROM stances")  # damage

    progress: list[int] = []
    assert rebuild(app.record, NAMES, progress=progress.append) == head(db_path)

    assert side_by_side == [  # one call, two groups
        [["actors", "sources", "talks", "search"], ["timeline", "stances", "scenarios"]]
    ]
    assert sum(progress) == head(db_path)
    assert tracked(db_path) == everywhere(head(db_path))
    assert dump_all(db_path) == before  # as one process rebuilds them
    fts_is_consistent(db_path)


def test_catching_up_leaves_no_reference_cycle(app: Service) -> None:
    """The cycle collector is paused while views catch up: nothing may need it."""
    record_case(app)
    rebuild(
        app.record, NAMES
    )  # every view replays once, with amendments and retractions
    app.record.views.reset(NAMES)
    gc.collect()
    assert gc.isenabled()

    assert catch_up(app.record) > 0
    assert gc.isenabled()  # on again
    assert gc.collect() == 0


def test_replay_groups_hold_every_view_once(app: Service) -> None:
    groups = app.record.views.replay_groups(NAMES)
    assert sorted(name for group in groups for name in group) == sorted(NAMES)
    # talks documents read the actors view: both in one group
    assert any({"actors", "talks"} <= set(group) for group in groups)
    assert app.record.views.replay_groups(["search", "stances"]) == [
        ["search"],
        ["stances"],
    ]


def test_rebuilding_an_unknown_view_changes_nothing(
    app: Service, db_path: Path
) -> None:
    record_case(app)
    catch_up(app.record)
    before = dump_all(db_path)
    with pytest.raises(
        NotFound, match="no view 'nope'; views: actors, sources, talks, "
    ):
        rebuild(app.record, ["search", "nope"])
    assert dump_all(db_path) == before
    assert tracked(db_path) == everywhere(head(db_path))


def drop_view(path: Path, name: str) -> None:
    """As a store written before the view existed: no tables, no tracking row."""
    tables = ["search_index", *TABLES[name]] if name == "search" else TABLES[name]
    execute(
        path,
        *(f"DROP TABLE {table}" for table in tables),
        f"DELETE FROM tracking WHERE application_name = 'view:{name}'",
    )


def change_schema(path: Path, name: str) -> None:
    """As a store whose view tables an older version of the software made."""
    execute(path, f"UPDATE view_schemas SET fingerprint = 'old' WHERE name = '{name}'")


@pytest.mark.parametrize("how", [drop_view, change_schema], ids=["new", "changed"])
@pytest.mark.parametrize("name", ["scenarios", "search", "actors"])
def test_a_new_view_catches_up_from_zero_alone(
    db_path: Path, name: str, how: Callable[[Path, str], None]
) -> None:
    recorded_store(db_path)
    before = dump_all(db_path)
    top = head(db_path)
    others = [n for n in NAMES if n != name]
    mark(db_path, others)
    how(db_path, name)

    app = open_service(db_path, "tester")
    try:
        # Opening made the view's tables again, empty, at position zero.
        assert app.record.views.positions() == {**everywhere(top), name: 0}
        assert tracked(db_path) == dict.fromkeys(others, top)
        assert all(found == [] for found in dump(db_path, name).values())
        assert app.record.views.lag() == top

        app.queries.talks_list()

        assert app.record.views.positions() == everywhere(top) == tracked(db_path)
        unmark(db_path, others)  # the others were neither emptied nor replayed
        assert dump_all(db_path) == before
        fts_is_consistent(db_path)
    finally:
        app.close()


def keep_views(path: Path, name: str) -> None:
    """As a store whose views are all current: nothing to create."""


OPEN_AT_ONCE = """
import sys, time
from pathlib import Path
from timeline.bootstrap import open_service
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
app = open_service(Path(sys.argv[1]), "tester")
app.queries.talks_list()
app.close()
"""


@pytest.mark.parametrize(
    "how", [None, drop_view, keep_views], ids=["never-caught-up", "new", "current"]
)
def test_processes_opening_a_store_at_once_all_succeed(
    db_path: Path, tmp_path: Path, how: Any
) -> None:
    """Several commands start at once on a store with views to (re)create.

    Each opening reads which views are tracked and (re)creates the others in
    one transaction that holds the write lock from its start, so they queue
    for the lock instead of failing with "database is locked".
    """
    recorded_store(db_path, caught_up=how is not None)
    if how is not None:
        how(db_path, "search")
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, str(db_path), str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(4)
    ]  # fmt: skip
    go.touch()
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    app = open_service(db_path, "tester")
    try:
        assert [row["slug"] for row in app.queries.talks_list()] == [SLUG, OTHER]
        assert app.record.views.positions() == everywhere(head(db_path))
        fts_is_consistent(db_path)
    finally:
        app.close()


# -- versions of entries -----------------------------------------------------------


def stance_versions(path: Path, table: str = "stances") -> list[tuple[Any, ...]]:
    return rows(
        path,
        f"SELECT entry_id, version_from, version_to, text, retracted FROM {table}"
        " WHERE kind = 'stance' ORDER BY entry_id, version_from",
    )


def as_of(path: Path, position: int, table: str = "stances") -> list[tuple[Any, ...]]:
    return rows(
        path,
        f"SELECT entry_id, text, retracted FROM {table}"
        " WHERE kind = 'stance' AND version_from <= ?"
        " AND (version_to IS NULL OR version_to > ?) ORDER BY entry_id",
        (position, position),
    )


@pytest.mark.parametrize("table", ["stances", "timeline"])
def test_amend_and_retract_close_a_version_and_open_one(
    app: Service, db_path: Path, table: str
) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant", ["Trade"], on="2024-07")
    recorded = head(db_path)
    app.record_stance(SLUG, "UKR", "Firm")
    catch_up(app.record)
    assert stance_versions(db_path, table) == [
        (recorded, recorded, None, "Hesitant", 0),
        (recorded + 1, recorded + 1, None, "Firm", 0),
    ]

    app.amend(SLUG, "stance:CHN", {"position": "Open"}, "Misquoted")
    amended = head(db_path)
    catch_up(app.record)
    assert stance_versions(db_path, table) == [
        (recorded, recorded, amended, "Hesitant", 0),
        (recorded, amended, None, "Open", 0),
        (recorded + 1, recorded + 1, None, "Firm", 0),
    ]
    (current,) = [r for r in app.record.views.stances(SLUG) if r["ref"] == "stance:CHN"]
    assert current["fields"]["interests"] == ["Trade"]  # the rest is kept
    assert current["fields"]["position"] == "Open"
    assert current["valid_text"] == "2024-07"

    app.retract(SLUG, "stance:CHN", "Not said")
    retracted = head(db_path)
    catch_up(app.record)
    assert stance_versions(db_path, table) == [
        (recorded, recorded, amended, "Hesitant", 0),
        (recorded, amended, retracted, "Open", 0),
        (recorded, retracted, None, "Open", 1),
        (recorded + 1, recorded + 1, None, "Firm", 0),
    ]

    # The view as of any position is a lookup.
    assert as_of(db_path, recorded - 1, table) == []
    assert as_of(db_path, recorded, table) == [(recorded, "Hesitant", 0)]
    assert as_of(db_path, amended - 1, table) == [
        (recorded, "Hesitant", 0), (recorded + 1, "Firm", 0),
    ]  # fmt: skip
    assert as_of(db_path, amended, table) == [
        (recorded, "Open", 0), (recorded + 1, "Firm", 0),
    ]  # fmt: skip
    assert as_of(db_path, retracted, table) == [
        (recorded, "Open", 1), (recorded + 1, "Firm", 0),
    ]  # fmt: skip

    # Now: the stances view shows the retraction; the timeline leaves it out.
    assert [(r["ref"], r["retracted"]) for r in app.record.views.stances(SLUG)] == [
        ("stance:CHN", True), ("stance:UKR", False),
    ]  # fmt: skip
    assert [r["ref"] for r in app.queries.entries(slug=SLUG)] == [
        "talks", "stance:UKR",
    ]  # fmt: skip


def test_a_later_stance_of_the_same_actor_is_what_a_ref_names(
    app: Service, store: str
) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant")
    first = head(store)
    app.record_stance(SLUG, "CHN", "Warmer")
    second = head(store)
    app.retract(SLUG, "stance:CHN", "Not said")  # the latest: "Warmer"
    app.amend(SLUG, "stance:CHN", {"position": "Cool"}, "Typo")  # now: "Hesitant"
    catch_up(app.record)

    current = {r["entry_id"]: (r["text"], r["retracted"])
               for r in app.record.views.stances(SLUG)}  # fmt: skip
    assert current == {first: ("Cool", False), second: ("Warmer", True)}
    view = app.queries.talks_view(SLUG)
    assert [(s["position"], s["retracted"]) for s in view["stances"]] == [
        ("Cool", False), ("Warmer", True),
    ]  # fmt: skip


# -- the timeline ------------------------------------------------------------------


def test_timeline_orders_by_the_first_day_a_date_can_mean_undated_last(
    app: Service,
) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"], on="2024-07")
    app.record_stance(SLUG, "CHN", "Hesitant", on="2024-03-05")
    app.record_stance(SLUG, "UKR", "Firm")  # undated
    app.record_development(SLUG, "2024", "Talks planned")  # from 2024-01-01
    app.record_development(SLUG, "2024-07-01", "Opened")  # ties with the talks
    app.open_talks(OTHER, "Vienna Talks", "Vienna", ["UKR"])  # undated
    app.record_development(OTHER, "2023-12", "Announced")
    app.add_scenario(SLUG, "truce", "Truce", "Calm")  # undated: recorded last
    app.add_agenda_item(OTHER, "aid", "Aid", on="2024-02")

    timeline = app.queries.entries()
    assert [(r["slug"], r["ref"], r["valid_text"]) for r in timeline] == [
        (OTHER, "development:1", "2023-12"),
        (SLUG, "development:1", "2024"),
        (OTHER, "agenda:aid", "2024-02"),
        (SLUG, "stance:CHN", "2024-03-05"),
        (SLUG, "talks", "2024-07"),
        (SLUG, "development:2", "2024-07-01"),
        (SLUG, "stance:UKR", None),
        (OTHER, "talks", None),
        (SLUG, "scenario:truce", None),
    ]
    year = timeline[1]
    assert (year["valid_lower"], year["valid_upper"]) == ("2024-01-01", "2024-12-31")
    month = timeline[4]
    assert (month["valid_lower"], month["valid_upper"]) == ("2024-07-01", "2024-07-31")
    assert [r["text"] for r in timeline[:2]] == ["Announced", "Talks planned"]

    assert [r["ref"] for r in app.queries.entries(slug=OTHER)] == [
        "development:1", "agenda:aid", "talks",
    ]  # fmt: skip
    assert [r["ref"] for r in app.queries.entries(kind="development")] == [
        "development:1", "development:1", "development:2",
    ]  # fmt: skip
    assert [r["slug"] for r in app.queries.entries(kind="talks")] == [SLUG, OTHER]
    assert [r["ref"] for r in app.queries.entries(limit=2)] == [
        "development:1", "development:1",
    ]  # fmt: skip
    assert (
        app.queries.entries(slug=SLUG, kind="development", limit=1)[0]["text"]
        == "Talks planned"
    )


def test_amending_a_date_moves_the_entry(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"], on="2024-07")
    app.record_development(SLUG, "2024-08", "Second round")
    app.record_stance(SLUG, "CHN", "Hesitant")
    assert [r["ref"] for r in app.queries.entries()] == [
        "talks", "development:1", "stance:CHN",
    ]  # fmt: skip

    app.amend(SLUG, "development:1", {"on": "2023"}, "Earlier")
    app.amend(SLUG, "talks", {"on": ""}, "Unknown")
    app.amend(SLUG, "stance:CHN", {"on": "2024-01-02"}, "Found")

    timeline = app.queries.entries()
    assert [(r["ref"], r["valid_text"]) for r in timeline] == [
        ("development:1", "2023"), ("stance:CHN", "2024-01-02"), ("talks", None),
    ]  # fmt: skip


def test_actor_filter_includes_the_talks_an_actor_is_a_party_to(
    app: Service,
) -> None:
    record_case(app)
    # The talks (2024-07) and CHN's stance (2024-07-01) begin on the same day.
    assert [(r["slug"], r["ref"]) for r in app.queries.entries(actor="CHN")] == [
        (SLUG, "talks"), (SLUG, "stance:CHN"),
    ]  # fmt: skip
    # UKR: a party to both; its stance is retracted and left out.
    assert [(r["slug"], r["ref"]) for r in app.queries.entries(actor="UKR")] == [
        (SLUG, "talks"), (OTHER, "talks"),
    ]  # fmt: skip
    assert [(r["slug"], r["ref"]) for r in app.queries.entries(actor="mediators")] == [
        (OTHER, "talks"), (OTHER, "stance:mediators"),
    ]  # fmt: skip
    assert [r["ref"] for r in app.queries.entries(actor="UKR", slug=OTHER)] == ["talks"]
    assert [r["ref"] for r in app.queries.entries(actor="CHN", kind="stance")] == [
        "stance:CHN"
    ]
    assert app.queries.entries(actor="RUS") == []


def test_actor_filter_follows_amendments(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant", on="2024-05")
    app.amend(SLUG, "stance:CHN", {"position": "Open", "on": "2023"}, "Typo")
    rows_ = app.queries.entries(actor="CHN")
    assert [(r["ref"], r["text"], r["valid_text"]) for r in rows_] == [
        ("stance:CHN", "Open", "2023"), ("talks", "Geneva Talks", None),
    ]  # fmt: skip


def test_timeline_of_unknown_talks_is_an_error(app: Service) -> None:
    record_case(app)
    with pytest.raises(NotFound, match="no talks 'nope'"):
        app.queries.entries(slug="nope")


# -- search ------------------------------------------------------------------------


def test_search_ranks_hits_best_first(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.add_agenda_item(SLUG, "trade", "Trade", "Trade, trade and more trade")
    app.record_stance(SLUG, "CHN", "Hesitant", ["Security", "Some trade"])
    app.add_scenario(SLUG, "peace", "Peace", "No trade at all for a long, long time")

    hits = app.queries.search("trade")
    assert [h["ref"] for h in hits] == ["agenda:trade", "stance:CHN", "scenario:peace"]
    assert [h["rank"] for h in hits] == sorted(h["rank"] for h in hits)
    assert hits[0]["rank"] < hits[-1]["rank"]
    assert set(hits[0]) == {"slug", "kind", "ref", "entry_id", "snippet", "rank"}
    assert hits[0]["kind"] == "agenda"
    assert hits[0]["slug"] == SLUG
    assert "[Trade]" in hits[0]["snippet"]
    # Every word must match.
    assert [h["ref"] for h in app.queries.search("trade security")] == ["stance:CHN"]
    assert app.queries.search("elephant") == []


def test_search_finds_amended_text_as_it_stands_and_no_retracted_text(
    app: Service, store: str
) -> None:
    record_case(app)
    app.amend(SLUG, "stance:CHN", {"position": "Cautiously open"}, "Misquoted")

    assert [h["ref"] for h in app.queries.search("Hesitant")] == []
    assert [h["ref"] for h in app.queries.search("cautiously")] == ["stance:CHN"]
    assert [h["ref"] for h in app.queries.search("Trade")] == ["stance:CHN"]  # kept
    assert app.queries.search("Firm") == []  # UKR's stance was retracted
    assert app.queries.search("Security") == []
    assert [h["ref"] for h in app.queries.search("resume")] == ["scenario:ceasefire"]
    assert [h["ref"] for h in app.queries.search("casualties")] == []
    (hit,) = app.queries.search("Cautiously")
    assert (
        hit["entry_id"] == app.queries.talks_view(SLUG)["stances"][0]["store_position"]
    )
    if not is_postgres(store):
        fts_is_consistent(Path(store))


def test_search_within_one_talks(app: Service) -> None:
    record_case(app)
    both = app.queries.search("talks")
    assert {h["slug"] for h in both} == {SLUG, OTHER}
    assert [h["ref"] for h in app.queries.search("talks", OTHER)] == ["talks"]
    assert {h["slug"] for h in app.queries.search("talks", SLUG)} == {SLUG}
    assert app.queries.search("Stalemate", SLUG) == []
    assert [h["ref"] for h in app.queries.search("Stalemate", OTHER)] == [
        "scenario:stalemate"
    ]
    with pytest.raises(NotFound, match="no talks 'nope'"):
        app.queries.search("talks", "nope")


def test_search_by_prefix(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Wants traders", ["Trade"])
    app.record_stance(SLUG, "UKR", "Traditional allies")
    app.record_stance(SLUG, "RUS", "Tirade")
    assert sorted(h["ref"] for h in app.queries.search("trad*")) == [
        "stance:CHN", "stance:UKR",
    ]  # fmt: skip
    assert [h["ref"] for h in app.queries.search("trade")] == ["stance:CHN"]
    assert app.queries.search("trad") == []  # a word, unless it ends with *


def test_search_ignores_accents(app: Service) -> None:
    app.open_talks(SLUG, "Genève Talks", "Genève", ["CHN", "UKR"])
    assert [h["ref"] for h in app.queries.search("geneve")] == ["talks"]
    assert [h["ref"] for h in app.queries.search("GENÈVE")] == ["talks"]


@pytest.mark.parametrize(
    "query",
    ['"trade', 'trade"', "trade AND", "AND", "OR trade", "NOT trade", "(trade",
     "trade)", "-trade", "trade -peace", "trade:", "text:trade", "talks_id:x",
     "^trade", "trade + peace", "NEAR(trade peace)", "trade*peace", "*trade",
     "{text}: trade", "'trade'", "trade; DROP TABLE search_entries"],
)  # fmt: skip
def test_search_syntax_in_the_query_is_just_words(
    app: Service, store: str, query: str
) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Trade and peace, not war", ["text"])
    hits = app.queries.search(query)  # does not raise
    assert all(h["ref"] == "stance:CHN" for h in hits)
    assert [h["ref"] for h in app.queries.search("trade and peace")] == ["stance:CHN"]
    assert app.queries.search("trade NOT") == app.queries.search("trade not")
    assert [h["ref"] for h in app.queries.search("geneva")] == ["talks"]
    if not is_postgres(store):
        assert rows(Path(store), "SELECT COUNT(*) FROM search_entries") == [(2,)]


@pytest.mark.parametrize("query", ["", "   ", '"', "()", "*", "-", "^ : +", '"*"'])
def test_search_without_a_word_is_invalid(app: Service, query: str) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    with pytest.raises(InvalidInput, match="at least one word"):
        app.queries.search(query)


def test_search_does_not_match_the_hidden_talks_id(app: Service) -> None:
    """Entries are found by their text, not by the id used to filter by talks."""
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant")
    words = [*str(talks_id(SLUG)).split("-"), talks_id(SLUG).hex]
    found = {word: app.queries.search(word) for word in words}
    assert found == {word: [] for word in words}


def test_search_index_keeps_each_talks_id_as_one_token(
    app: Service, db_path: Path
) -> None:
    """The hex digits of a talks id are one token of the index, not five:
    the index stays small, and filtering by talks matches that token."""
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    app.open_talks(OTHER, "Vienna Talks", "Vienna", ["CHN", "UKR"])
    app.record_stance(SLUG, "CHN", "Hesitant")
    app.record_stance(OTHER, "CHN", "Hesitant too")
    assert [h["slug"] for h in app.queries.search("hesitant", OTHER)] == [OTHER]
    execute(db_path, "CREATE VIRTUAL TABLE terms USING fts5vocab(search_index, row)")
    terms = {term for (term,) in rows(db_path, "SELECT term FROM terms")}
    assert {talks_id(SLUG).hex, talks_id(OTHER).hex} <= terms
    assert not terms & set(str(talks_id(SLUG)).split("-"))


def test_search_returns_at_most_twenty_hits(app: Service) -> None:
    app.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    for number in range(25):
        app.record_development(SLUG, "2024-08", f"Round {number} of talks")
    assert len(app.queries.search("round")) == 20
    assert len(app.queries.search("round", SLUG)) == 20


def test_views_track_under_their_own_names_beside_a_library_follower(
    db_path: Path,
) -> None:
    """The library tracks a follower under its leader's name ("timeline", the
    name of a view too); views track as "view:NAME", so a library follower of
    this application in the same file neither moves nor is moved by them."""
    from eventsourcing.system import ProcessApplication

    seen: list[int] = []

    class Follower(ProcessApplication[Any]):
        construct_transcoder = DiplomaticRecord.construct_transcoder
        construct_mapper = DiplomaticRecord.construct_mapper

        def policy(self, domain_event: Any, processing_event: Any) -> None:
            seen.append(processing_event.tracking.notification_id)

    app = open_service(db_path, "tester")
    try:
        record_case(app)
        catch_up(app.record)
        top = head(db_path)
        follower = Follower(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                 "SQLITE_DBNAME": str(db_path)})  # fmt: skip
        follower.follow(app.record.name, app.record.notification_log)
        follower.pull_and_process(app.record.name)
        assert seen == list(range(1, top + 1))  # every event, from the first
        assert follower.recorder.max_tracking_id(app.record.name) == top
        assert tracked(db_path) == everywhere(top)
        assert app.record.views.positions() == everywhere(top)
        follower.close()
    finally:
        app.close()


def test_a_store_tracked_before_the_prefix_keeps_its_positions(db_path: Path) -> None:
    recorded_store(db_path)
    before = dump_all(db_path)
    top = head(db_path)
    execute(
        db_path,
        "UPDATE tracking SET application_name = substr(application_name, 6)"
        " WHERE application_name LIKE 'view:%'",
    )
    assert tracked(db_path) == {}

    app = open_service(db_path, "tester")
    try:
        views = app.record.views  # opened on first use
        assert tracked(db_path) == everywhere(top)  # renamed, not replayed
        assert views.lag() == 0
        assert dump_all(db_path) == before
    finally:
        app.close()
