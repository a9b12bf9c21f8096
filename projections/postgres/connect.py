"""A PostgreSQL store: its schema made, and its views opened without the
application.

A store is one schema of one database: the library's tables (events,
snapshots, tracking) and the views all live in it, so two schemas are two
independent stores. The one thing a store may add outside its schema is the
``unaccent`` extension, which belongs to the whole database and which the
search view uses where it is installed.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Protocol

import psycopg
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)

from projections.postgres.dialect import qualified, quoted
from projections.postgres.store import EVENTS, PostgresStoredEvents

if TYPE_CHECKING:
    from projections.postgres.views import PostgresViews

TRACKING = "timeline_tracking"
"""The library's tracking table of the application (``<app name>_tracking``)."""
CONNECT_TIMEOUT = 10  # seconds


class Store(Protocol):
    """Where a store is: a schema of a database on a server."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def dbname(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def schema(self) -> str: ...


SNAPSHOTS = "timeline_snapshots"
"""The library's snapshots table of the application (``<app name>_snapshots``)."""
SETUP = "timeline setup of {schema}"
"""The advisory lock under which a store's tables are made."""


def prepare(store: Store) -> None:
    """Make the store ready to open: its schema, the library's tables and
    every view's, made once, by one process at a time.

    A ready store (every table there, every view's fingerprint current) is
    found so by one query and left alone: the application and the views then
    open with the library's table creation off. Otherwise the library runs
    its CREATE statements on every open, which costs round trips and, with
    several processes opening at once, fails (``tuple concurrently
    updated``). Processes that find the store not ready take its advisory
    lock in turn; the first makes what is missing, the others find it made.
    """
    with _connect(store) as connection:
        if _ready(connection, store):
            return
        lock = SETUP.format(schema=store.schema)
        connection.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (lock,))
        try:
            _make_schema(connection, store.schema)
            if not _ready(connection, store):
                _make_tables(store)
        finally:
            connection.execute(
                "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (lock,)
            )


def datastore(
    store: Store, pool_size: int = 1, max_overflow: int = 4
) -> PostgresDatastore:
    """A pool of connections to the store, opened on first use."""
    return PostgresDatastore(
        dbname=store.dbname, host=store.host, port=store.port, user=store.user,
        password=store.password, schema=store.schema,
        connect_timeout=CONNECT_TIMEOUT, pool_size=pool_size,
        max_overflow=max_overflow,
    )  # fmt: skip


def open_views(store: Store) -> tuple[PostgresViews, PostgresStoredEvents]:
    """The views of a store and reads of its events, as the application
    makes them, on a pool of their own."""
    from projections.postgres.views import PostgresViews

    prepare(store)
    pool = datastore(store)
    return PostgresViews(pool, tracking_table_name=TRACKING), PostgresStoredEvents(pool)


def _connect(store: Store) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=store.host, port=store.port, dbname=store.dbname, user=store.user,
        password=store.password, connect_timeout=CONNECT_TIMEOUT, autocommit=True,
    )  # fmt: skip


def _ready(connection: psycopg.Connection[tuple[object, ...]], store: Store) -> bool:
    """Whether every table of the store is there and every view current."""
    from projections.postgres.views import PostgresViews

    tables = [qualified(store.schema, name)
              for name in (EVENTS, SNAPSHOTS, TRACKING, "view_schemas")]  # fmt: skip
    found = connection.execute(
        "SELECT bool_and(to_regclass(name) IS NOT NULL) FROM unnest(%s::text[]) name",
        (tables,),
    ).fetchone()
    if not found or not found[0]:
        return False
    views = PostgresViews(datastore(store), tracking_table_name=TRACKING)
    rows = connection.execute(f"SELECT name, fingerprint FROM {tables[-1]}")
    stored = {str(name): str(fingerprint) for name, fingerprint in rows.fetchall()}
    return stored == views.fingerprints()


def _make_schema(
    connection: psycopg.Connection[tuple[object, ...]], schema: str
) -> None:
    """The schema, if it is not there; and the ``unaccent`` extension if the
    database has not got it and the user may make it (else accents count in
    searches)."""
    found = connection.execute(
        "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
    ).fetchone()
    if found is None:  # CREATE SCHEMA IF NOT EXISTS needs the right even if it is
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(schema)}")
    installed = connection.execute(
        "SELECT 1 FROM pg_extension WHERE extname = 'unaccent'"
    ).fetchone()
    if installed is None:
        with suppress(psycopg.Error):
            connection.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


def _make_tables(store: Store) -> None:
    """The library's tables of events, snapshots and tracking, and the views'."""
    from projections.postgres.views import PostgresViews

    pool = datastore(store)
    try:
        PostgresApplicationRecorder(pool, events_table_name=EVENTS).create_table()
        PostgresAggregateRecorder(pool, events_table_name=SNAPSHOTS).create_table()
        PostgresViews(pool, tracking_table_name=TRACKING).create_table()
    finally:
        pool.close()
