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
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from projections.postgres.dialect import quoted
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


def create_schema(store: Store) -> None:
    """Make the store's schema if it is not there, and the ``unaccent``
    extension if the database has not got it and the user may make it."""
    schema = quoted(store.schema)  # checked before anything is sent
    with psycopg.connect(
        host=store.host, port=store.port, dbname=store.dbname, user=store.user,
        password=store.password, connect_timeout=CONNECT_TIMEOUT, autocommit=True,
    ) as connection:  # fmt: skip
        # Looked up first: CREATE SCHEMA IF NOT EXISTS needs the right to
        # create schemas even where the schema is there.
        found = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (store.schema,)
        ).fetchone()
        if found is None:
            # (a process that made it meanwhile wins)
            with suppress(psycopg.errors.UniqueViolation):
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        installed = connection.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'unaccent'"
        ).fetchone()
        if installed is None:
            # Not allowed, or not available: accents count in searches.
            with suppress(psycopg.Error):
                connection.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


def open_views(store: Store) -> tuple[PostgresViews, PostgresStoredEvents]:
    """The views of a store and reads of its events, as the application
    makes them, on a pool of their own; an empty store gets its tables."""
    from projections.postgres.views import PostgresViews

    create_schema(store)
    datastore = PostgresDatastore(
        dbname=store.dbname, host=store.host, port=store.port, user=store.user,
        password=store.password, schema=store.schema,
        connect_timeout=CONNECT_TIMEOUT, pool_size=1, max_overflow=4,
    )  # fmt: skip
    PostgresApplicationRecorder(datastore, events_table_name=EVENTS).create_table()
    views = PostgresViews(datastore, tracking_table_name=TRACKING)
    views.create_table()
    return views, PostgresStoredEvents(datastore)
