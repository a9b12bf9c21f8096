"""Copying a store into another (:meth:`timeline.service.Service.copy_to`):
every stored row, as stored, from either backend to either."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import orjson
import pytest

import timeline.service
from events import PartialDate, Talks
from events.errors import InvalidInput, NotFound
from events.talks import talks_id
from tests.integration.test_service import Bars, record_everything
from tests.postgres import fresh_schema
from tests.support import pg_rows, rows, stored_events_if_any, stored_snapshots
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_service
from timeline.copying import Copied

pytestmark = pytest.mark.own_stores

SLUG = "geneva-round"
LONG = "long-round"
BATCH = 40  # events per transaction in these tests: many batches, few events

NewStore = Callable[[str], str]


@pytest.fixture
def new_store(tmp_path: Path) -> Iterator[NewStore]:
    """Makes the location of an empty store of a backend: a SQLite file, or
    a PostgreSQL schema of its own (dropped afterwards)."""
    with ExitStack() as stack:
        made = 0

        def make(backend: str) -> str:
            nonlocal made
            made += 1
            if backend == "postgresql":
                return stack.enter_context(fresh_schema())
            return str(tmp_path / f"store-{made}.sqlite")

        yield make


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DiplomaticRecord, "insert_batch", property(lambda _: BATCH))


def fill(location: str) -> None:
    """Every kind of event, the demo, and a talks long enough to be snapshotted."""
    with open_service(location, "builder") as service:
        record_everything(service)
        service.record_demo()
        service.open_talks(LONG, "Long round", "Oslo", ["NOR"])
        talks: Talks = service.record.repository.get(talks_id(LONG))
        for n in range(1, 230):
            talks.record_development(PartialDate.parse("2024"), f"Step {n}", [],
                                     "builder")  # fmt: skip
        service.record.save(talks)


TEMPLATE: list[Path] = []
"""A filled SQLite store, built once for the module."""


@pytest.fixture(scope="module", autouse=True)
def template(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("template") / "filled.sqlite"
    fill(str(path))
    TEMPLATE[:] = [path]


def filled(location: str) -> str:
    """An empty store filled: a SQLite one as a copy of the template's."""
    if location.startswith("postgresql://"):
        fill(location)
    else:  # SQLite's backup: the template's write-ahead log included
        with (
            closing(sqlite3.connect(TEMPLATE[0])) as template,
            closing(sqlite3.connect(location)) as copied,
        ):
            template.backup(copied)
    return location


def copy(source: str, dest: str, progress: Any = None) -> Copied:
    with (
        open_service(source, "copier", progress=progress) as origin,
        open_service(dest, "copier", progress=progress) as target,
    ):
        return origin.copy_to(target)


def stored(location: str) -> list[tuple[str, int, str, bytes]]:
    """Every stored event as (aggregate, version, topic, state), in order."""
    if location.startswith("postgresql://"):
        found = pg_rows(
            location,
            "SELECT originator_id, originator_version, topic, state"
            " FROM timeline_events ORDER BY notification_id",
        )
        return [(a.hex, v, t, bytes(s)) for a, v, t, s in found]
    found = rows(
        Path(location),
        "SELECT originator_id, originator_version, topic, state"
        " FROM stored_events ORDER BY rowid",
    )
    return [(a, v, t, bytes(s)) for a, v, t, s in found]


def without_positions(data: Any) -> Any:
    """A snapshot or a log line with every store position left out."""
    if isinstance(data, dict):
        return {k: without_positions(v) for k, v in data.items() if k != "position"}
    if isinstance(data, list):
        return [without_positions(item) for item in data]
    return data


def exports(location: str) -> dict[str, Any]:
    """What the store's views and log export, apart from store positions."""
    with open_service(location, "reader") as service:
        snapshot = orjson.loads("".join(service.export("json")))
        log = [orjson.loads(line) for line in service.export("jsonl")]
        return {
            "snapshot": without_positions(snapshot),
            "log": without_positions(log),
            "show": service.talks_view(SLUG),
            "entries": without_positions(service.entries()),
        }


def loaded(location: str, slug: str) -> dict[str, Any]:
    with open_service(location, "reader") as service:
        talks: Talks = service.record.repository.get(talks_id(slug))
        # Its state: neither what it has to save nor what it holds in memory
        # of the events read (which depends on where its snapshot is).
        memory = {"_pending_events", *Talks.unsnapshotted}
        return {k: v for k, v in vars(talks).items() if k not in memory}


@pytest.mark.parametrize(
    ("source_backend", "dest_backend"),
    [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "sqlite")],
)
def test_a_copy_holds_the_same_events_and_answers_the_same(
    new_store: NewStore, source_backend: str, dest_backend: str
) -> None:
    source = filled(new_store(source_backend))
    dest = new_store(dest_backend)
    events = len(stored(source))
    assert events > 5 * BATCH

    assert copy(source, dest) == Copied(copied=events, skipped=0)

    assert stored(dest) == stored(source)  # topic and state bytes unchanged
    assert exports(dest) == exports(source)
    assert loaded(dest, LONG) == loaded(source, LONG)
    # the long talks crossed 200 in one batch: snapshotted at that batch's end
    [(talks, version)] = stored_snapshots(dest)
    assert talks == talks_id(LONG).hex
    assert 200 <= version < 200 + BATCH


def test_sqlite_to_postgresql_and_back_gives_the_same_store(
    new_store: NewStore,
) -> None:
    source = filled(new_store("sqlite"))
    server, back = new_store("postgresql"), new_store("sqlite")
    assert copy(source, server).copied == copy(server, back).copied
    assert stored(back) == stored(server) == stored(source)
    assert exports(back) == exports(server) == exports(source)
    with open_service(source, "r") as one, open_service(back, "r") as other:
        assert "".join(one.export("jsonl")) == "".join(other.export("jsonl"))
        assert "".join(one.export("json")) == "".join(other.export("json"))


@pytest.mark.parametrize("dest_backend", ["sqlite", "postgresql"])
def test_a_dest_holding_the_start_of_the_source_gets_only_the_rest(
    new_store: NewStore, dest_backend: str
) -> None:
    source = filled(new_store("sqlite"))
    dest = new_store(dest_backend)
    first = copy(source, dest).copied
    with open_service(source, "builder") as service:
        for n in range(1, 60):
            service.record_development(SLUG, "2025", f"Later step {n}")

    assert copy(source, dest) == Copied(copied=59, skipped=first)
    assert stored(dest) == stored(source)
    assert exports(dest) == exports(source)
    assert copy(source, dest) == Copied(copied=0, skipped=first + 59)


def test_an_interrupted_copy_continues_where_it_stopped(
    new_store: NewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, dest = filled(new_store("sqlite")), new_store("sqlite")
    insert = DiplomaticRecord.insert_stored
    calls = 0

    def failing(self: DiplomaticRecord, batch: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        insert(self, batch)

    monkeypatch.setattr(DiplomaticRecord, "insert_stored", failing)
    with pytest.raises(KeyboardInterrupt):
        copy(source, dest)
    assert stored(dest) == stored(source)[: 2 * BATCH]  # two whole batches

    events = len(stored(source))
    assert copy(source, dest) == Copied(copied=events - 2 * BATCH, skipped=2 * BATCH)
    assert stored(dest) == stored(source)
    assert exports(dest) == exports(source)


@pytest.mark.parametrize("dest_backend", ["sqlite", "postgresql"])
def test_a_dest_holding_other_events_is_refused_and_nothing_written(
    new_store: NewStore, dest_backend: str
) -> None:
    """The same demo recorded apart is another record: other record times."""
    source = filled(new_store("sqlite"))
    dest = new_store(dest_backend)
    with open_service(dest, "someone") as service:
        service.record_demo()
    before = stored(dest)
    first = before[0]

    with pytest.raises(InvalidInput) as refused:
        copy(source, dest)

    message = str(refused.value)
    assert "is not a copy of the start of the source" in message
    assert f"event number 1 is {talks_id_of(first)}/1" in message
    assert "nothing was copied" in message
    assert stored(dest) == before
    assert stored_snapshots(dest) == []


def talks_id_of(row: tuple[str, int, str, bytes]) -> str:
    from uuid import UUID

    return str(UUID(row[0]))


def test_the_first_event_that_differs_is_named(new_store: NewStore) -> None:
    source = filled(new_store("sqlite"))
    dest = new_store("sqlite")
    copy(source, dest)
    held = len(stored(dest))
    with open_service(dest, "someone") as service:
        service.record_development(SLUG, "2025", "Only in the copy")
    with open_service(source, "builder") as service:
        service.record_development(SLUG, "2025", "Only in the source")
    before = stored(dest)

    with pytest.raises(InvalidInput, match=f"event number {held + 1:,} is ") as error:
        copy(source, dest)
    assert "DevelopmentRecorded" in str(error.value)
    assert stored(dest) == before


def test_a_dest_longer_than_the_source_is_refused(new_store: NewStore) -> None:
    source = filled(new_store("sqlite"))
    dest = new_store("sqlite")
    copy(source, dest)
    held = len(stored(dest))
    with open_service(dest, "someone") as service:
        service.record_development(SLUG, "2025", "Only in the copy")
    before = stored(dest)
    with pytest.raises(InvalidInput, match="the source has no such event"):
        copy(source, dest)
    assert len(before) == held + 1
    assert stored(dest) == before


def test_copying_a_store_onto_itself_is_refused(
    new_store: NewStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = filled(new_store("sqlite"))
    before = stored(source)
    link = tmp_path / "link.sqlite"
    link.symlink_to(source)
    monkeypatch.chdir(tmp_path)
    for dest in (source, str(link), Path(source).name):
        with pytest.raises(InvalidInput, match="onto itself"):
            copy(source, dest)
    assert stored(source) == before


def test_copying_a_schema_onto_itself_is_refused(new_store: NewStore) -> None:
    url = new_store("postgresql")
    with_password = url.replace("://postgres@", "://postgres:secret@")
    with pytest.raises(InvalidInput, match="onto itself") as refused:
        copy(url, with_password)
    assert "secret" not in str(refused.value)


def test_a_missing_source_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    source, dest = tmp_path / "missing.sqlite", tmp_path / "dest.sqlite"
    with pytest.raises(NotFound, match=r"missing\.sqlite"):
        copy(str(source), str(dest))
    assert not source.exists()
    assert not dest.exists()


def test_a_copy_reports_its_progress(
    new_store: NewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, dest = filled(new_store("sqlite")), new_store("sqlite")
    events = len(stored(source))
    first = Bars()
    copy(source, dest, first)
    assert [(label, total, sum(done)) for label, total, done in first.reports] == [
        ("Copying events", events, events),  # always; the rest only when long
    ]
    assert max(first.reports[0][2]) == BATCH

    with open_service(source, "builder") as service:
        service.record_development(SLUG, "2025", "Later step")
    monkeypatch.setattr(timeline.service, "PROGRESS_FROM", 1)
    again = Bars()
    copy(source, dest, again)
    assert [(label, total, sum(done)) for label, total, done in again.reports] == [
        ("Comparing events", events, events),
        ("Copying events", 1, 1),
        ("Updating views", 1, 1),
    ]


def test_a_copy_reads_both_stores_a_page_at_a_time(
    new_store: NewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory does not grow with the store: no read asks for more rows than
    a batch or a page of the comparison."""
    from projections.catchup import BATCH_SIZE
    from projections.sqlite.store import SQLiteStoredEvents
    from timeline.copying import COMPARED

    source, dest = filled(new_store("sqlite")), new_store("sqlite")
    copy(source, dest)
    with open_service(source, "builder") as service:
        service.record_development(SLUG, "2025", "Later step")
    limits: list[int] = []
    after = SQLiteStoredEvents.after

    def spy(self: SQLiteStoredEvents, position: int, limit: int) -> Any:
        limits.append(limit)
        return after(self, position, limit)

    monkeypatch.setattr(SQLiteStoredEvents, "after", spy)
    copy(source, dest)
    assert limits
    assert max(limits) <= max(COMPARED, BATCH, BATCH_SIZE)


def test_a_copy_keeps_record_times_and_authors(new_store: NewStore) -> None:
    source, dest = filled(new_store("sqlite")), new_store("postgresql")
    copy(source, dest)
    with open_service(source, "a") as one, open_service(dest, "b") as other:
        assert without_positions(one.history(SLUG)) == without_positions(
            other.history(SLUG)
        )
        assert {e["recorded_by"] for e in other.history(SLUG)} == {"builder"}
    assert stored_events_if_any(dest) == len(stored(source))
