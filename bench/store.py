"""Synthetic stores for the benchmarks: many talks, many entries, varied text.

Each talks has ``talks_events`` events: stances of ten states, agenda items,
and developments dated at year, month or day precision, on ten topics, so
that search, actor filters and valid-time ordering have real work to do.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from events import PartialDate, Talks
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_record
from timeline.casefile import demo_case
from timeline.catchup import catch_up
from timeline.settings import PostgresSchema, Settings, SQLiteFile

OUT = Path(__file__).parent / "out"
ACTORS = ("CHN", "UKR", "RUS", "USA", "FRA", "DEU", "TUR", "IND", "BRA", "ZAF")
TOPICS = (
    "grain corridor", "prisoner exchange", "ceasefire", "sanctions relief",
    "energy supply", "reconstruction", "nuclear safety", "trade routes",
    "humanitarian aid", "security guarantees",
)  # fmt: skip
TALKS_EVENTS = 1_000
LONG_TALKS_EVENTS = 10_000  # one talks of the store is this long
BATCH = 500  # events per save


def open_talks(index: int, size: int = TALKS_EVENTS) -> Talks:
    return Talks.open(
        slug=f"talks-{index}",
        title=f"Round {index} on {TOPICS[index % len(TOPICS)]}",
        location="Geneva",
        parties=[ACTORS[index % 10], ACTORS[(index + 3) % 10]],
        on=PartialDate.parse(f"{2020 + index % 6}"),
        summary=None,
        sources=[],
        recorded_by="bench",
    )


def add_entry(talks: Talks, index: int, n: int) -> None:
    """The n-th entry of talks ``index``: a fixed, varied mix."""
    topic = TOPICS[(index + n) % len(TOPICS)]
    actor = ACTORS[(index + n) % len(ACTORS)]
    match n % 4:
        case 0:
            talks.add_agenda_item(f"item-{n}", f"Item {n}: {topic}", "Detail", "bench")
        case 1:
            talks.record_stance(
                actor, f"Position {n} on {topic}", [topic], None, "bench"
            )
        case _:
            source = f"https://example.org/{index}/{n}"
            text = f"Development {n}: {topic}"
            talks.record_development(_date(index * 997 + n), text, [source], "bench")


def _date(seed: int) -> PartialDate:
    day = date(2022, 1, 1) + timedelta(days=seed % 1500)
    text = (day.isoformat(), day.isoformat()[:7], day.isoformat()[:4])[seed % 3]
    return PartialDate.parse(text)


def bulk_append(
    app: DiplomaticRecord, events: int, talks_events: int = TALKS_EVENTS, first: int = 0
) -> float:
    """Record ``events`` events in talks of ``talks_events``, BATCH per save."""
    started = time.perf_counter()
    for index in range(first, first + max(1, events // talks_events)):
        talks = open_talks(index)
        for n in range(talks_events - 1):
            add_entry(talks, index, n)
            if len(talks.pending_events) == BATCH:
                app.save(talks)
        app.save(talks)
    return time.perf_counter() - started


def long_talks_events(events: int) -> int:
    return min(LONG_TALKS_EVENTS, events // 2)


def regular_talks(events: int) -> int:
    return max(1, (events - long_talks_events(events)) // TALKS_EVENTS)


def long_talks_slug(events: int) -> str:
    """The slug of the store's one long talks."""
    return f"talks-{regular_talks(events)}"


def ensure_store(events: int) -> Path:
    """A store of about ``events`` events, views caught up: the demo, talks
    ``talks-0`` ... of TALKS_EVENTS each, and one last talks of
    LONG_TALKS_EVENTS (see :func:`long_talks_slug`).

    Built once under bench/out/ and reused: building a million events takes
    minutes.
    """
    path = OUT / f"store-{events}.sqlite"
    done = path.with_suffix(".done")
    if done.exists():  # built before: bring views whose tables changed up to date
        app = open_record(Settings(SQLiteFile(path), author="bench"))
        catch_up(app)
        app.close()
        return path
    OUT.mkdir(exist_ok=True)
    for stale in OUT.glob(path.name + "*"):  # an interrupted build
        stale.unlink()
    app = open_record(Settings(SQLiteFile(path), author="bench"))
    app.record_case(demo_case())
    regular = regular_talks(events)
    bulk_append(app, regular * TALKS_EVENTS)
    bulk_append(app, long_talks_events(events), talks_events=long_talks_events(events),
                first=regular)  # fmt: skip
    catch_up(app)
    app.close()
    done.touch()
    return path


# -- PostgreSQL beside SQLite ---------------------------------------------------

POSTGRES_ENV = "TIMELINE_BENCH_POSTGRES"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_STORE = "bench_store_{events}"
"""The schema of the kept PostgreSQL store of that many events (see
:func:`ensure_postgres_store`)."""
COMPLETE = "bench store complete"


def postgres_server() -> str:
    """The server (and database) the PostgreSQL benchmarks use: the URL in
    ``TIMELINE_BENCH_POSTGRES``, without any ``?schema=``."""
    url = os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES
    return url.split("?", 1)[0]


def postgres_store(schema: str) -> PostgresSchema:
    """The store in ``schema`` of the benchmark server."""
    return PostgresSchema.parse(f"{postgres_server()}?schema={schema}")


def postgres_sql(*statements: str) -> list[tuple[Any, ...]]:
    """Run statements on the benchmark server, each committed at once; the
    rows of the last."""
    import psycopg

    with psycopg.connect(postgres_server(), autocommit=True) as connection:
        rows: list[tuple[Any, ...]] = []
        for statement in statements:
            cursor = connection.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
        return rows


def reset_schema(schema: str) -> PostgresSchema:
    """An empty schema named ``schema`` (dropped first if it was there)."""
    postgres_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    return postgres_store(schema)


def drop_schema(schema: str) -> None:
    postgres_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@contextmanager
def scratch_schema(schema: str) -> Iterator[PostgresSchema]:
    """An empty schema for one measurement, dropped after it."""
    try:
        yield reset_schema(schema)
    finally:
        drop_schema(schema)


def ensure_postgres_store(events: int) -> PostgresSchema:
    """The PostgreSQL store of the same events as :func:`ensure_store` (the
    same talks, built the same way through the application), views caught
    up: schema ``bench_store_<events>`` of the benchmark server.

    Built once and kept, as the SQLite stores are; a schema whose build did
    not finish is built again. To drop one:
    ``psql "$TIMELINE_BENCH_POSTGRES" -c 'DROP SCHEMA bench_store_1000000 CASCADE'``
    (or :func:`drop_postgres_stores`).
    """
    schema = POSTGRES_STORE.format(events=events)
    rows = postgres_sql(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace"
        f" WHERE nspname = '{schema}'"
    )
    store = postgres_store(schema)
    if rows and rows[0][0] == COMPLETE:  # built before: bring the views up to date
        app = open_record(Settings(store, author="bench"))
        catch_up(app)
        app.close()
        return store
    reset_schema(schema)
    app = open_record(Settings(store, author="bench"))
    app.record_case(demo_case())
    regular = regular_talks(events)
    bulk_append(app, regular * TALKS_EVENTS)
    bulk_append(app, long_talks_events(events), talks_events=long_talks_events(events),
                first=regular)  # fmt: skip
    catch_up(app)
    app.close()
    postgres_sql(f"COMMENT ON SCHEMA {schema} IS '{COMPLETE}'")
    return store


def drop_postgres_stores() -> list[str]:
    """Drop every kept benchmark store of the server; the schemas dropped."""
    rows = postgres_sql(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_store\\_%'"
    )
    for (schema,) in rows:
        drop_schema(schema)
    return [schema for (schema,) in rows]


def machine() -> list[str]:
    """Lines naming the machine, the versions and the time of this run."""
    import platform
    import sqlite3
    from datetime import UTC, datetime

    cpu = "unknown CPU"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        server = postgres_sql(
            "SELECT current_setting('server_version'),"
            " current_setting('synchronous_commit'),"
            " current_setting('shared_buffers')"
        )[0]
        postgres = (
            f"PostgreSQL {server[0]} at {postgres_store('public').shown()}"
            f" (synchronous_commit={server[1]}, shared_buffers={server[2]})"
        )
    except Exception as error:  # reported, not fatal: the SQLite half still runs
        postgres = f"PostgreSQL unreachable at {postgres_server()}: {error}"
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    cores = os.cpu_count() or 1
    return [
        f"run at {now} on {cpu}, {cores} cores, Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}",
        postgres.splitlines()[0],
    ]


def print_machine() -> None:
    for line in machine():
        print(line, flush=True)
