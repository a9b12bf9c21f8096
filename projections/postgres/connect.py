"""A PostgreSQL store: its schema made, and its views opened without the
application.

A store is one schema of one database: the library's tables (events,
snapshots, tracking) and the views all live in it, so two schemas are two
independent stores. The one thing a store may add outside its schema is the
``unaccent`` extension, which belongs to the whole database and which the
search view uses where it is installed.

A store is marked as this program's by a table of its own,
``timeline_store``, holding one row: the application
(``diplomatic-timeline``) and the store's format (:data:`FORMAT`, 1), made
with the store. Before anything is made or written, :func:`prepare` checks
the schema: a marker naming another application, a ``timeline_events``
table that is not the library's or holds another application's events, or
a format newer than this program understands, is refused
(:class:`events.errors.NotAStore`, :class:`events.errors.StoreTooNew`). A
schema with neither is a new store; a store made before the marker (this
program's ``timeline_events``, no marker) is adopted: marked the first time
it is prepared by a role that may write it, and read as it is by one that
may not (a role with only SELECT rights reads; its writes fail on the
server's refusal, and its queries answer from the views as they are).
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Literal, Protocol

import psycopg
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)

from events.errors import NotAStore, StoreTooNew
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
    def shown(self) -> str: ...


MARKER = "timeline_store"
"""This program's table marking a schema as one of its stores."""
APPLICATION = "diplomatic-timeline"
"""What the marker names as the store's application."""
FORMAT = 1
"""The format of a store's tables, in its marker; raised when a change of
the tables would mislead an older program."""
EVENT_COLUMNS = [
    "originator_id", "originator_version", "topic", "state", "notification_id",
]  # fmt: skip
"""The library's columns of its events table."""
TOPIC_PREFIX = "diplomatic-timeline/"
"""How the topic of every event of this program begins (``events.base``)."""
Found = Literal["new", "old", "current"]
"""No store yet, a store made before the marker (or of an older format), a
store of this format."""
SNAPSHOTS = "timeline_snapshots"
"""The library's snapshots table of the application (``<app name>_snapshots``)."""
SETUP = "timeline setup of {schema}"
"""The advisory lock under which a store's tables are made."""


def prepare(store: Store) -> bool:
    """Make the store ready to open: its schema, the library's tables and
    every view's, made once, by one process at a time; whether the store is
    read-only (to this role).

    The schema is checked to be a store of this program first (see the
    module), and marked as one if it is new or older.

    A ready store (every table there, every view's fingerprint current) is
    found so by one query and left alone: the application and the views then
    open with the library's table creation off. Otherwise the library runs
    its CREATE statements on every open, which costs round trips and, with
    several processes opening at once, fails (``tuple concurrently
    updated``). Processes that find the store not ready take its advisory
    lock in turn; the first makes what is missing, the others find it made.
    """
    with _connect(store) as connection:
        found = identify(connection, store)
        read_only = found != "new" and not _may_write(connection, store)
        if (found == "current" or read_only) and _ready(connection, store):
            return read_only  # an older store is read as it is: see the module
        lock = SETUP.format(schema=store.schema)
        connection.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (lock,))
        try:
            found = identify(connection, store)  # another process may have made it
            _make_schema(connection, store.schema)
            if not _ready(connection, store):
                _make_tables(store)
            if found != "current":
                _mark(connection, store.schema)
        finally:
            connection.execute(
                "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (lock,)
            )
    return False


def has_schema(store: Store) -> bool:
    """Whether the store's schema is there: a query that may not make a
    store asks this before :func:`prepare` would make it."""
    with _connect(store) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (store.schema,)
        ).fetchone()
    return found is not None


def identify(connection: psycopg.Connection[tuple[object, ...]], store: Store) -> Found:
    """What the store's schema holds; raises NotAStore (another
    application's tables) or StoreTooNew, having written nothing."""
    marker, events = qualified(store.schema, MARKER), qualified(store.schema, EVENTS)
    row = connection.execute(
        "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
        (marker, events),
    ).fetchone()
    has_marker, has_events = row if row else (False, False)
    if has_marker:
        marks = connection.execute(f"SELECT application, format FROM {marker}")
        found = marks.fetchall()
        if len(found) != 1 or found[0][0] != APPLICATION:
            raise _not_a_store(store, f"its table {MARKER!r} is another application's")
        version = int(str(found[0][1]))
        if version > FORMAT:
            raise StoreTooNew(
                f"{store.shown()!r} is a timeline store of format {version}, newer"
                f" than this program understands (format {FORMAT}): upgrade"
                " diplomatic-timeline to open it"
            )
        return "current" if version == FORMAT else "old"
    if not has_events:
        return "new"
    columns = connection.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (store.schema, EVENTS),
    ).fetchall()
    if [str(name) for (name,) in columns] != EVENT_COLUMNS:
        raise _not_a_store(
            store, f"its table {EVENTS!r} is not the one this program keeps events in"
        )
    first = connection.execute(
        f"SELECT topic FROM {events} ORDER BY notification_id LIMIT 1"
    ).fetchone()
    if first is not None and not str(first[0]).startswith(TOPIC_PREFIX):
        raise _not_a_store(
            store, f"its events are another application's ({first[0]!r})"
        )
    return "old"


def _not_a_store(store: Store, why: str) -> NotAStore:
    return NotAStore(
        f"{store.shown()!r} is not a timeline store: {why}; nothing was written to it"
    )


def _may_write(
    connection: psycopg.Connection[tuple[object, ...]], store: Store
) -> bool:
    """Whether this role may record in the store (whose events table is there)."""
    row = connection.execute(
        "SELECT has_table_privilege(%s, 'INSERT')",
        (qualified(store.schema, EVENTS),),
    ).fetchone()
    return bool(row and row[0])


def _mark(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
    """Mark the schema as a store of this program, of this format."""
    marker = qualified(schema, MARKER)
    with connection.transaction():
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {marker}"
            " (application text NOT NULL, format integer NOT NULL)"
        )
        connection.execute(f"DELETE FROM {marker}")
        connection.execute(
            f"INSERT INTO {marker} (application, format) VALUES (%s, %s)",
            (APPLICATION, FORMAT),
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
    views, stored, _ = open_read(store)
    return views, stored


def open_read(
    store: Store,
) -> tuple[PostgresViews, PostgresStoredEvents, bool]:
    """As :func:`open_views`, and whether the store is read-only to this role."""
    from projections.postgres.views import PostgresViews

    read_only = prepare(store)
    pool = datastore(store)
    views = PostgresViews(pool, tracking_table_name=TRACKING)
    return views, PostgresStoredEvents(pool), read_only


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
