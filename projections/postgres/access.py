"""PostgreSQL's tables of access tokens, browser sessions and idempotency
keys (see :mod:`projections.tokens`): in the store's schema, beside the
views, never in the event log.

Times are kept as SQLite keeps them, RFC 3339 UTC text with microseconds
(``COLLATE "C"``, so they compare as text the same way), and given by the
caller's clock, so both backends answer alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from eventsourcing.postgres import PostgresDatastore

from projections.postgres.dialect import TEXT, PgCursor, qualified, quoted, reconnecting
from projections.tokens import (
    ISSUED,
    REVOKED,
    Claimed,
    Holder,
    TokenLogRow,
    TokenRow,
    claimed,
)

if TYPE_CHECKING:
    from projections.postgres.connect import Store

TABLES = ("timeline_tokens", "timeline_token_log", "timeline_sessions",
          "timeline_idempotency")  # fmt: skip
SETUP = "timeline access of {schema}"
"""The advisory lock under which the tables are made, by one process at a time."""


class PostgresAccess:
    """The tokens, sessions and idempotency keys of one PostgreSQL store."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self.schema = schema = datastore.schema
        tokens, log, sessions, claims = (qualified(schema, t) for t in TABLES)
        self.tables = [tokens, log, sessions, claims]
        self.create = [
            f"CREATE TABLE IF NOT EXISTS {tokens} ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            f" name {TEXT} NOT NULL,"
            " role text NOT NULL,"
            f" token_hash {TEXT} NOT NULL UNIQUE,"
            f" created_at {TEXT} NOT NULL,"
            " created_by text NOT NULL,"
            f" revoked_at {TEXT},"
            " revoked_by text)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {quoted('timeline_tokens_active')}"
            f" ON {tokens} (name) WHERE revoked_at IS NULL",
            f"CREATE TABLE IF NOT EXISTS {log} ("
            " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            f" at {TEXT} NOT NULL,"
            " action text NOT NULL CHECK (action IN ('issued', 'revoked')),"
            f" name {TEXT} NOT NULL,"
            " role text NOT NULL,"
            " author text NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {sessions} ("
            f" session_hash {TEXT} PRIMARY KEY,"
            f" token_id bigint NOT NULL REFERENCES {tokens} (id),"
            f" created_at {TEXT} NOT NULL,"
            f" expires_at {TEXT} NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {quoted('timeline_sessions_expiry')}"
            f" ON {sessions} (expires_at)",
            f"CREATE TABLE IF NOT EXISTS {claims} ("
            f" token_name {TEXT} NOT NULL,"
            f" request_key {TEXT} NOT NULL,"
            f" request_hash {TEXT} NOT NULL,"
            f" claimed_at {TEXT} NOT NULL,"
            " status integer,"
            " body bytea,"
            " headers text,"
            " PRIMARY KEY (token_name, request_key))",
            f"CREATE INDEX IF NOT EXISTS {quoted('timeline_idempotency_age')}"
            f" ON {claims} (claimed_at)",
        ]
        self.sql = {
            "tokens": "SELECT name, role, created_at, created_by, revoked_at,"
            f" revoked_by FROM {tokens} ORDER BY id",
            "insert_token": f"INSERT INTO {tokens}"
            " (name, role, token_hash, created_at, created_by)"
            " VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING RETURNING id",
            "revoke_token": f"UPDATE {tokens} SET revoked_at = %s, revoked_by = %s"
            " WHERE name = %s AND revoked_at IS NULL RETURNING id, role",
            "end_sessions": f"DELETE FROM {sessions} WHERE token_id = %s",
            "log": f"INSERT INTO {log} (at, action, name, role, author)"
            " VALUES (%s, %s, %s, %s, %s)",
            "token_log": f"SELECT at, action, name, role, author FROM {log}"
            " ORDER BY id",
            "holder": f"SELECT name, role FROM {tokens}"
            " WHERE token_hash = %s AND revoked_at IS NULL",
            "expire_sessions": f"DELETE FROM {sessions} WHERE expires_at <= %s",
            "insert_session": f"INSERT INTO {sessions}"
            " (session_hash, token_id, created_at, expires_at)"
            f" SELECT %s, id, %s, %s FROM {tokens}"
            " WHERE name = %s AND revoked_at IS NULL RETURNING token_id",
            "session": f"SELECT t.name FROM {sessions} s JOIN {tokens} t"
            " ON t.id = s.token_id WHERE s.session_hash = %s"
            " AND s.expires_at > %s AND t.revoked_at IS NULL",
            "expire_claims": f"DELETE FROM {claims} WHERE claimed_at < %s",
            "insert_claim": f"INSERT INTO {claims}"
            " (token_name, request_key, request_hash, claimed_at)"
            " VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (token_name, request_key) DO NOTHING RETURNING claimed_at",
            "select_claim": "SELECT request_hash, status, body, headers"
            f" FROM {claims} WHERE token_name = %s AND request_key = %s",
            "complete": f"UPDATE {claims} SET status = %s, body = %s, headers = %s"
            " WHERE token_name = %s AND request_key = %s AND status IS NULL"
            " RETURNING claimed_at",
            "release": f"DELETE FROM {claims}"
            " WHERE token_name = %s AND request_key = %s",
            "close_session": f"DELETE FROM {sessions} WHERE session_hash = %s",
        }

    @reconnecting
    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            if self._made(c):
                return
            lock = SETUP.format(schema=self.schema)
            c.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (lock,))
            for statement in self.create:
                c.execute(statement)

    def insert_token(
        self, name: str, role: str, token_hash: str, at: str, author: str
    ) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql["insert_token"], (name, role, token_hash, at, author))
            if c.fetchone() is None:
                return False
            c.execute(self.sql["log"], (at, ISSUED, name, role, author))
            return True

    def revoke_token(self, name: str, at: str, author: str) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql["revoke_token"], (at, author, name))
            row = c.fetchone()
            if row is None:
                return False
            c.execute(self.sql["end_sessions"], (row["id"],))
            c.execute(self.sql["log"], (at, REVOKED, name, row["role"], author))
            return True

    @reconnecting
    def tokens(self) -> list[TokenRow]:
        return cast(list[TokenRow], self._read("tokens"))

    @reconnecting
    def token_log(self) -> list[TokenLogRow]:
        return cast(list[TokenLogRow], self._read("token_log"))

    @reconnecting
    def holder(self, token_hash: str) -> Holder | None:
        found = self._read("holder", (token_hash,))
        return Holder(found[0]["name"], found[0]["role"]) if found else None

    def insert_session(
        self, session_hash: str, name: str, at: str, expires_at: str
    ) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql["expire_sessions"], (at,))
            c.execute(self.sql["insert_session"], (session_hash, at, expires_at, name))
            return c.fetchone() is not None

    @reconnecting
    def session(self, session_hash: str, now: str) -> str | None:
        found = self._read("session", (session_hash, now))
        return str(found[0]["name"]) if found else None

    def claim(
        self, name: str, key: str, request_hash: str, at: str, stale_before: str
    ) -> Claimed:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql["expire_claims"], (stale_before,))
            c.execute(self.sql["insert_claim"], (name, key, request_hash, at))
            if c.fetchone() is not None:
                return Claimed("new")
            c.execute(self.sql["select_claim"], (name, key))
            row = c.fetchone()
            assert row is not None  # held by a committed claim: the insert waited
            return claimed(request_hash, row["request_hash"], row["status"],
                           row["body"], row["headers"])  # fmt: skip

    def complete(
        self, name: str, key: str, status: int, body: bytes, headers: str
    ) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql["complete"], (status, body, headers, name, key))
            return c.fetchone() is not None

    def release(self, name: str, key: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql["release"], (name, key))

    def close_session(self, session_hash: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql["close_session"], (session_hash,))

    def close(self) -> None:
        self.datastore.close()

    def _made(self, c: PgCursor) -> bool:
        """Whether every table is there already."""
        c.execute(
            "SELECT bool_and(to_regclass(name) IS NOT NULL) AS made"
            " FROM unnest(%s::text[]) name",
            (self.tables,),
        )
        row = c.fetchone()
        return bool(row and row["made"])

    def _read(self, name: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql[name], params)
            return [dict(row) for row in c.fetchall()]


def open_access(store: Store) -> PostgresAccess:
    """The access tables of a store (made if missing), on a pool of their own."""
    from projections.postgres.connect import datastore, prepare

    prepare(store)
    access = PostgresAccess(datastore(store))
    try:
        access.create_table()
    except BaseException:
        access.close()
        raise
    return access
