"""Reads of the event store itself: the application's ``timeline_events`` table.

The write side's own reads (a talks' events for its history, every event
after a position for a replay or an export) and the few the views need (the
head, an event's record time) are here, apart from the views' tables. Rows
are read as tuples shaped as :data:`projections.rows.StoredRow`: the
aggregate id as 32 hex digits, as SQLite keeps it, so the one decoder reads
both. Positions are notification ids: a sequence, with gaps where an insert
failed, so the head may be more than the count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row

from events.errors import NotFound
from projections.postgres.dialect import PgCursor, qualified, reconnecting
from projections.records import fixed_time
from projections.rows import StoredRow

EVENTS = "timeline_events"
"""The library's table of the application's events (``<app name>_events``)."""
STORED_ROW = (
    "SELECT notification_id, replace(originator_id::text, '-', ''),"
    " originator_version, topic, state FROM {events}"
)
SELECT_AFTER = (
    STORED_ROW + " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
)
SELECT_STREAM = STORED_ROW + " WHERE originator_id = %s ORDER BY originator_version"
SELECT_BACK = (
    STORED_ROW + " WHERE originator_id = %s AND originator_version <= %s"
    " ORDER BY originator_version DESC LIMIT %s"
)
SELECT_LAST = (
    "SELECT s.notification_id, replace(s.originator_id::text, '-', ''),"
    " s.originator_version, s.topic, s.state FROM {events} s"
    " JOIN (SELECT originator_id, MAX(originator_version) AS v FROM {events}"
    " WHERE notification_id <= %s GROUP BY originator_id) l"
    " ON s.originator_id = l.originator_id AND s.originator_version = l.v"
)
SELECT_HEAD = "SELECT COALESCE(MAX(notification_id), 0) AS head FROM {events}"
SELECT_COUNT = "SELECT COUNT(*) AS count FROM {events}"
SELECT_STATE = "SELECT state FROM {events} WHERE notification_id = %s"
SELECT_CREATED = (
    "SELECT COALESCE(MAX(notification_id), 0) AS created FROM {events}"
    " WHERE originator_version = 1 AND originator_id = ANY(%s)"
)


def events_table(datastore: PostgresDatastore) -> str:
    """The events table of the store ``datastore`` opens, qualified."""
    return qualified(datastore.schema, EVENTS)


class PostgresStoredEvents:
    """The stored events of one PostgreSQL store, read as plain rows."""

    unseal: Callable[[bytes], bytes] | None = None
    """Decrypts a stored state, on an encrypted store (set by whoever opens it)."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        events = events_table(datastore)
        self.sql = {
            name: sql.format(events=events)
            for name, sql in {
                "after": SELECT_AFTER, "stream": SELECT_STREAM, "back": SELECT_BACK,
                "count": SELECT_COUNT, "created": SELECT_CREATED,
                "last": SELECT_LAST,
            }.items()
        }  # fmt: skip
        self.events = events

    def after(self, position: int, limit: int) -> list[StoredRow]:
        """Up to ``limit`` stored events after ``position``."""
        return self._rows(self.sql["after"], (position, limit))

    def stream(self, originator_id: UUID) -> list[StoredRow]:
        """Every stored event of one aggregate."""
        return self._rows(self.sql["stream"], (originator_id,))

    def back(self, originator_id: UUID, version: int, limit: int) -> list[StoredRow]:
        """Up to ``limit`` stored events of one aggregate, from ``version`` back."""
        return self._rows(self.sql["back"], (originator_id, version, limit))

    def last_events(self, position: int) -> list[StoredRow]:
        """The last stored event of each aggregate, at or before ``position``."""
        return self._rows(self.sql["last"], (position,))

    @reconnecting
    def head(self) -> int:
        """The position of the last stored event (0: none)."""
        with self.datastore.transaction(commit=False) as c:
            return head(c, self.events)

    @reconnecting
    def count(self) -> int:
        """How many events are stored."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql["count"])
            return int(_one(c))

    @reconnecting
    def recorded_at(self, position: int) -> str:
        """When the event at ``position`` was recorded, as the views keep it."""
        with self.datastore.transaction(commit=False) as c:
            stamp = timestamp(c, self.events, position, self.unseal)
        if stamp is None:
            raise NotFound(f"no stored event at position {position}")
        return fixed_time(stamp)

    @reconnecting
    def created_at(self, originator_ids: list[UUID]) -> int:
        """The latest store position where one of these aggregates was created."""
        if not originator_ids:
            return 0
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql["created"], (originator_ids,))
            return int(_one(c))

    @reconnecting
    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[StoredRow]:
        # Tuples, not dicts: a replay reads millions of rows.
        with (
            self.datastore.get_connection() as connection,
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute(sql, params)
            rows: list[StoredRow] = cursor.fetchall()  # bytea is read as bytes
            return rows


def head(c: PgCursor, events: str) -> int:
    """The position of the last stored event, in the transaction of ``c``."""
    c.execute(SELECT_HEAD.format(events=events))
    return int(_one(c))


def timestamp(
    c: PgCursor, events: str, position: int,
    unseal: Callable[[bytes], bytes] | None = None,
) -> str | None:  # fmt: skip
    """The stored record time of the event at ``position`` (None: no event)."""
    c.execute(SELECT_STATE.format(events=events), (position,))
    row = c.fetchone()
    if not row:
        return None
    state = bytes(row["state"])
    return str(orjson.loads(unseal(state) if unseal else state)["timestamp"])


def _one(c: PgCursor) -> Any:
    """The one value of the one row a statement returned."""
    row = c.fetchone()
    assert row is not None
    return next(iter(row.values()))
