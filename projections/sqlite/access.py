"""SQLite's tables of access tokens, browser sessions and idempotency keys
(see :mod:`projections.tokens`): in the store's file, beside the views,
never in the event log.

Times are RFC 3339 UTC text with microseconds (they sort as text). Each
write begins with a write, so it takes the write lock before it reads;
``RETURNING`` rows are read whole, so no statement is left running.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import orjson
from eventsourcing.persistence import OperationalError
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteCursor,
    SQLiteDatastore,
)

from events.errors import store_busy
from projections.sqlite.tracking import lock_timed_out
from projections.tokens import (
    ISSUED,
    REVOKED,
    Claimed,
    Holder,
    TokenLogRow,
    TokenRow,
    claimed,
)

CREATE = (
    "CREATE TABLE IF NOT EXISTS timeline_tokens ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " token_hash TEXT NOT NULL UNIQUE,"
    " created_at TEXT NOT NULL,"
    " created_by TEXT NOT NULL,"
    " revoked_at TEXT,"
    " revoked_by TEXT)",
    "CREATE UNIQUE INDEX IF NOT EXISTS timeline_tokens_active"
    " ON timeline_tokens (name) WHERE revoked_at IS NULL",
    "CREATE TABLE IF NOT EXISTS timeline_token_log ("
    " id INTEGER PRIMARY KEY,"
    " at TEXT NOT NULL,"
    " action TEXT NOT NULL CHECK (action IN ('issued', 'revoked')),"
    " name TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " author TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS timeline_sessions ("
    " session_hash TEXT PRIMARY KEY,"
    " token_id INTEGER NOT NULL REFERENCES timeline_tokens (id),"
    " created_at TEXT NOT NULL,"
    " expires_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS timeline_sessions_expiry"
    " ON timeline_sessions (expires_at)",
    "CREATE TABLE IF NOT EXISTS timeline_idempotency ("
    " token_name TEXT NOT NULL,"
    " request_key TEXT NOT NULL,"
    " request_hash TEXT NOT NULL,"
    " claimed_at TEXT NOT NULL,"
    " status INTEGER,"
    " body BLOB,"
    " headers TEXT,"
    " PRIMARY KEY (token_name, request_key))",
    "CREATE INDEX IF NOT EXISTS timeline_idempotency_age"
    " ON timeline_idempotency (claimed_at)",
)
TABLES = [
    "timeline_tokens",
    "timeline_token_log",
    "timeline_sessions",
    "timeline_idempotency",
]
TOKEN_ROW = (
    "SELECT name, role, created_at, created_by, revoked_at, revoked_by"
    " FROM timeline_tokens ORDER BY id"
)
INSERT_TOKEN = (
    "INSERT INTO timeline_tokens (name, role, token_hash, created_at, created_by)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"
)
REVOKE_TOKEN = (
    "UPDATE timeline_tokens SET revoked_at = ?, revoked_by = ?"
    " WHERE name = ? AND revoked_at IS NULL RETURNING id, role"
)
LOG = (
    "INSERT INTO timeline_token_log (at, action, name, role, author)"
    " VALUES (?, ?, ?, ?, ?)"
)
SELECT_LOG = "SELECT at, action, name, role, author FROM timeline_token_log ORDER BY id"
SELECT_HOLDER = (
    "SELECT name, role FROM timeline_tokens WHERE token_hash = ? AND revoked_at IS NULL"
)
INSERT_SESSION = (
    "INSERT INTO timeline_sessions (session_hash, token_id, created_at, expires_at)"
    " SELECT ?, id, ?, ? FROM timeline_tokens WHERE name = ? AND revoked_at IS NULL"
    " RETURNING token_id"
)
SELECT_SESSION = (
    "SELECT t.name FROM timeline_sessions s JOIN timeline_tokens t ON t.id = s.token_id"
    " WHERE s.session_hash = ? AND s.expires_at > ? AND t.revoked_at IS NULL"
)
INSERT_CLAIM = (
    "INSERT INTO timeline_idempotency"
    " (token_name, request_key, request_hash, claimed_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING RETURNING claimed_at"
)
SELECT_CLAIM = (
    "SELECT request_hash, status, body, headers FROM timeline_idempotency"
    " WHERE token_name = ? AND request_key = ?"
)
COMPLETE = (
    "UPDATE timeline_idempotency SET status = ?, body = ?, headers = ?"
    " WHERE token_name = ? AND request_key = ? AND status IS NULL"
    " RETURNING claimed_at"
)


class SQLiteAccess:
    """The tokens, sessions and idempotency keys of one SQLite store."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self.datastore = datastore
        self.empty = False
        """No tables on a read-only store that never had any: nothing to read."""

    def create_table(self) -> None:
        """Make the tables; on a read-only store, find whether they are there."""
        if getattr(self.datastore, "read_only", False):
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                    " AND name IN (SELECT value FROM json_each(?))",
                    (orjson.dumps(TABLES).decode(),),
                )
                self.empty = c.fetchone()[0] < len(TABLES)
            return
        with self._write() as c:
            for statement in CREATE:
                c.execute(statement)

    def insert_token(
        self, name: str, role: str, token_hash: str, at: str, author: str
    ) -> bool:
        with self._write() as c:
            c.execute(INSERT_TOKEN, (name, role, token_hash, at, author))
            if not c.fetchall():
                return False
            c.execute(LOG, (at, ISSUED, name, role, author))
            return True

    def revoke_token(self, name: str, at: str, author: str) -> bool:
        with self._write() as c:
            c.execute(REVOKE_TOKEN, (at, author, name))
            found = c.fetchall()
            if not found:
                return False
            token_id, role = found[0]["id"], found[0]["role"]
            c.execute("DELETE FROM timeline_sessions WHERE token_id = ?", (token_id,))
            c.execute(LOG, (at, REVOKED, name, role, author))
            return True

    def tokens(self) -> list[TokenRow]:
        if self.empty:
            return []
        with self.datastore.transaction(commit=False) as c:
            c.execute(TOKEN_ROW)
            return [cast(TokenRow, dict(row)) for row in c.fetchall()]

    def token_log(self) -> list[TokenLogRow]:
        if self.empty:
            return []
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_LOG)
            return [cast(TokenLogRow, dict(row)) for row in c.fetchall()]

    def holder(self, token_hash: str) -> Holder | None:
        if self.empty:
            return None
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_HOLDER, (token_hash,))
            row = c.fetchone()
            return None if row is None else Holder(row["name"], row["role"])

    def insert_session(
        self, session_hash: str, name: str, at: str, expires_at: str
    ) -> bool:
        with self._write() as c:
            c.execute("DELETE FROM timeline_sessions WHERE expires_at <= ?", (at,))
            c.execute(INSERT_SESSION, (session_hash, at, expires_at, name))
            return bool(c.fetchall())

    def session(self, session_hash: str, now: str) -> str | None:
        if self.empty:
            return None
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_SESSION, (session_hash, now))
            row = c.fetchone()
            return None if row is None else str(row["name"])

    def claim(
        self, name: str, key: str, request_hash: str, at: str, stale_before: str
    ) -> Claimed:
        with self._write() as c:
            c.execute(
                "DELETE FROM timeline_idempotency WHERE claimed_at < ?", (stale_before,)
            )
            c.execute(INSERT_CLAIM, (name, key, request_hash, at))
            if c.fetchall():
                return Claimed("new")
            c.execute(SELECT_CLAIM, (name, key))
            row = c.fetchone()
            return claimed(request_hash, row["request_hash"], row["status"],
                           row["body"], row["headers"])  # fmt: skip

    def complete(
        self, name: str, key: str, status: int, body: bytes, headers: str
    ) -> bool:
        with self._write() as c:
            c.execute(COMPLETE, (status, body, headers, name, key))
            return bool(c.fetchall())

    def close_session(self, session_hash: str) -> None:
        with self._write() as c:
            c.execute(
                "DELETE FROM timeline_sessions WHERE session_hash = ?", (session_hash,)
            )

    def release(self, name: str, key: str) -> None:
        with self._write() as c:
            c.execute(
                "DELETE FROM timeline_idempotency"
                " WHERE token_name = ? AND request_key = ?",
                (name, key),
            )

    def close(self) -> None:
        self.datastore.close()

    @contextmanager
    def _write(self) -> Iterator[SQLiteCursor]:
        """A write transaction; a write lock held elsewhere for longer than
        the store's lock timeout is StoreBusy (nothing written)."""
        try:
            with self.datastore.transaction(commit=True) as c:
                yield c
        except (OperationalError, sqlite3.OperationalError) as error:
            if not lock_timed_out(error):
                raise
            timeout = self.datastore.pool.lock_timeout
            raise store_busy(float(timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT)) from None
