"""Reads of the event store itself: the library's ``stored_events`` table.

The write side's own reads (a talks' events for its history, every event
after a position for a replay or an export) and the few the views need (the
head, an event's record time) are here, apart from the views' tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from events.errors import NotFound
from projections.records import fixed_time
from projections.rows import StoredRow

STORED_ROW = (
    "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"
)
SELECT_AFTER = STORED_ROW + " WHERE rowid > ? ORDER BY rowid LIMIT ?"
SELECT_STREAM = STORED_ROW + " WHERE originator_id = ? ORDER BY originator_version"
SELECT_BACK = (
    STORED_ROW + " WHERE originator_id = ? AND originator_version <= ?"
    " ORDER BY originator_version DESC LIMIT ?"
)
SELECT_LAST = (
    "SELECT s.rowid, s.originator_id, s.originator_version, s.topic, s.state"
    " FROM stored_events s JOIN (SELECT originator_id, MAX(originator_version) AS v"
    " FROM stored_events WHERE rowid <= ? GROUP BY originator_id) l"
    " ON s.originator_id = l.originator_id AND s.originator_version = l.v"
)
SELECT_HEAD = "SELECT COALESCE(MAX(rowid), 0) FROM stored_events"
SELECT_COUNT = "SELECT COUNT(*) FROM stored_events"
SELECT_STATE = "SELECT state FROM stored_events WHERE rowid = ?"
SELECT_CREATED = (
    "SELECT COALESCE(MAX(rowid), 0) FROM stored_events"
    " WHERE originator_version = 1 AND originator_id IN"
    " (SELECT value FROM json_each(?))"
)


class SQLiteStoredEvents:
    """The stored events of one SQLite store, read as plain rows."""

    unseal: Callable[[bytes], bytes] | None = None
    """Decrypts a stored state, on an encrypted store (set by whoever opens it)."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self.datastore = datastore

    def after(self, position: int, limit: int) -> list[StoredRow]:
        """Up to ``limit`` stored events after ``position``."""
        return self._rows(SELECT_AFTER, (position, limit))

    def stream(self, originator_id: UUID) -> list[StoredRow]:
        """Every stored event of one aggregate."""
        return self._rows(SELECT_STREAM, (originator_id.hex,))

    def back(self, originator_id: UUID, version: int, limit: int) -> list[StoredRow]:
        """Up to ``limit`` stored events of one aggregate, from ``version`` back."""
        return self._rows(SELECT_BACK, (originator_id.hex, version, limit))

    def last_events(self, position: int) -> list[StoredRow]:
        """The last stored event of each aggregate, at or before ``position``."""
        return self._rows(SELECT_LAST, (position,))

    def head(self) -> int:
        """The position of the last stored event (0: none)."""
        with self.datastore.transaction(commit=False) as c:
            return head(c)

    def count(self) -> int:
        """How many events are stored."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_COUNT)
            return int(c.fetchone()[0])

    def recorded_at(self, position: int) -> str:
        """When the event at ``position`` was recorded, as the views keep it."""
        with self.datastore.transaction(commit=False) as c:
            stamp = timestamp(c, position, self.unseal)
        if stamp is None:
            raise NotFound(f"no stored event at position {position}")
        return fixed_time(stamp)

    def created_at(self, originator_ids: list[UUID]) -> int:
        """The latest store position where one of these aggregates was created."""
        with self.datastore.transaction(commit=False) as c:
            ids = orjson.dumps([i.hex for i in originator_ids]).decode()
            c.execute(SELECT_CREATED, (ids,))
            return int(c.fetchone()[0])

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[StoredRow]:
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # tuples: a replay reads millions of rows
            cursor.execute(sql, params)
            rows: list[StoredRow] = cursor.fetchall()
            return rows


def head(c: SQLiteCursor) -> int:
    """The position of the last stored event, in the transaction of ``c``."""
    c.execute(SELECT_HEAD)
    return int(c.fetchone()[0])


def timestamp(
    c: SQLiteCursor, position: int, unseal: Callable[[bytes], bytes] | None = None
) -> str | None:
    """The stored record time of the event at ``position`` (None: no event)."""
    c.execute(SELECT_STATE, (position,))
    row = c.fetchone()
    if not row:
        return None
    return str(orjson.loads(unseal(row[0]) if unseal else row[0])["timestamp"])
