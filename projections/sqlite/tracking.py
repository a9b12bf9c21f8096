"""Tracking and replay of the SQLite views: each view's position, applied
exactly once.

The views live in the event store's own file, as plain tables any SQLite
client can open. Each view is a projection with its own tracking position (a
row of the library's ``tracking`` table). A batch of events is applied to
every view that has not seen it, and each view's rows and its new position
are written in the same transaction as the others': the views are exactly
once and crash-safe, and a view added later catches up from zero alone.

Views take the store's write lock as any writer does, and most of their
transactions are short. One is not: a view that replayed builds its query
indexes (and the search index) in the transaction that brings it to the head,
which holds the lock for minutes at millions of events. The process about to
do that says so first (a ``finishing:`` row of the ``tracking`` table, naming
its process), and a view transaction waiting for the lock waits as long as a
live process says it is finishing a view, telling what it waits for. Held by
anything else, the lock is waited for as long as the store's lock timeout,
then the transaction fails with :class:`events.errors.StoreBusy`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Protocol

import orjson
from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteCursor,
    SQLiteTrackingRecorder,
)

from events.errors import StoreBusy, StoreReadOnly, store_busy
from projections.entries import Applied
from projections.records import EventRecord
from projections.sqlite import store
from projections.upkeep import TRACKING, ViewUpkeep


class SQLiteProjection(Protocol):
    name: str
    revision: int
    """Raised when the view's rows change shape while its tables do not."""

    def create(self) -> list[str]:
        """Every table and index of the view."""

    def drop(self) -> list[str]: ...

    def replay_started(self) -> list[str]:
        """What a long replay can do without: indexes only queries need."""

    def replay_finished(self) -> list[str]:
        """What brings the view whole again when the replay reaches the head."""

    def prepare(
        self, c: SQLiteCursor, batch: Sequence[Applied], read: Sequence[Applied]
    ) -> Any:
        """Work on a batch that writes nothing: done before the write lock is
        taken, reading the view as its position stands (which ``apply``'s
        transaction then checks), so other processes write meanwhile.
        ``batch`` holds the events the view has not seen; ``read``, every
        event read, from the position of the view furthest behind."""

    def apply(
        self, c: SQLiteCursor, batch: Sequence[Applied], replaying: bool,
        prepared: Any,
    ) -> None: ...  # fmt: skip


LEGACY_TRACKING = """
UPDATE tracking SET application_name = :prefix || application_name
WHERE application_name IN (SELECT value FROM json_each(:names)) AND NOT EXISTS (
    SELECT 1 FROM tracking t
    WHERE t.application_name = :prefix || tracking.application_name
)"""
# Compare-and-set on the library's tracking table: a view advances only from
# the position its batch was read after (a first batch only if the view has
# no row), so two catching-up processes can never apply an event twice, and
# a batch read before a reset cannot land in the emptied view.
START_TRACKING = """
INSERT INTO tracking (application_name, notification_id) VALUES (:name, :stop)
ON CONFLICT (application_name) DO NOTHING
RETURNING notification_id"""
FINISHING = "finishing:"
"""Prefix of the row, in the ``tracking`` table, of a view whose replay a
process is finishing (building its indexes): ``finishing:VIEW@PID``, and the
row's number is that process."""
ANNOUNCE_FINISHING = """
INSERT OR REPLACE INTO tracking (application_name, notification_id)
SELECT :prefix || value || '@' || :pid, :pid FROM json_each(:names)"""
WITHDRAW_FINISHING = """
DELETE FROM tracking WHERE application_name IN (
    SELECT :prefix || value || '@' || :pid FROM json_each(:names)
)"""
SELECT_FINISHING = """
SELECT application_name, notification_id FROM tracking
WHERE application_name LIKE :prefix || '%' ORDER BY application_name"""
ADVANCE_TRACKING = """
UPDATE tracking SET notification_id = :stop
WHERE application_name = :name AND notification_id = :start
RETURNING notification_id"""

CREATE_VIEW_SCHEMAS = """
CREATE TABLE IF NOT EXISTS view_schemas (
    name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL
)"""
# The views being replayed: their query indexes are built when they reach the head.
CREATE_VIEW_REPLAYS = "CREATE TABLE IF NOT EXISTS view_replays (name TEXT PRIMARY KEY)"
READ_TABLES = ["stored_events", "tracking", "view_schemas", "view_replays"]
"""The tables every query reads beside the views'."""
CACHE_SIZE = "PRAGMA cache_size = -65536"  # KiB: index pages stay in memory
SORT_CACHE_SIZE = "PRAGMA cache_size = -8192"  # an index build spills its sort
# How a view's transaction writes; events keep the store's own settings. Not
# synced to disk on commit: a power failure may undo the last ones (never half
# of one, and never an event), and the views apply those events again. Freed
# pages are not zeroed (SQLite's secure_delete, on in Debian's build): view rows
# derive from events that are kept, and zeroing the pages of the views of a
# million events when they were reset wrote 1.1 GB and took 9 s, not 0.4 s.
VIEW_WRITES = {"synchronous": "NORMAL", "secure_delete": "FAST"}

LOCK_TIMEOUT: float | None = None
"""Seconds a view transaction waits for the write lock held by a process that
does not say it is finishing a view; None: the store's own lock timeout (its
connections')."""
LOCK_POLL = 5.0
"""Seconds between looks at who holds the write lock, while waiting for it."""
REPORT_EVERY = 30.0
"""Seconds between two reports of the same wait."""
log = logging.getLogger(__name__)


class SQLiteTrackedViews(ViewUpkeep[SQLiteProjection], SQLiteTrackingRecorder):
    """Views kept in step with the store: created, tracked, replayed, reset."""

    replay_from = 20_000
    """A view this many events behind (and more than it has applied) replays:
    it goes without its query indexes until it reaches the head, then builds
    them in one pass, which is several times faster than keeping them."""

    def create_table(self) -> None:
        """Create every view; replay any that is new or whose tables changed.

        Each view's CREATE statements are fingerprinted; a view whose stored
        fingerprint differs (the software changed its tables) is dropped and
        starts again from position zero. A view not caught up yet is left as
        it is: it has no rows, and another process may be replaying it.

        A read-only store's views cannot be made: they are checked instead,
        and views missing or made by another version of the program are
        :class:`events.errors.StoreReadOnly`.
        """
        if getattr(self.datastore, "read_only", False):
            self._require_current()
            return
        try:
            super().create_table()
        except IntegrityError:
            # The library checks for its tracking table, then creates it and
            # records its migration: a process that did so in between wins,
            # and the table is there now.
            super().create_table()
        with self._immediate() as c:  # read and write as one: no lost race
            c.execute(CREATE_VIEW_SCHEMAS)
            c.execute(CREATE_VIEW_REPLAYS)
            c.execute(  # rows of stores written before views had the prefix
                LEGACY_TRACKING,
                {"prefix": TRACKING, "names": orjson.dumps(self.names()).decode()},
            )
            c.execute("SELECT name, fingerprint FROM view_schemas")
            stored = {row[0]: row[1] for row in c.fetchall()}
            tracked = self._positions(c)
            for projection in self.projections:
                fingerprint = _fingerprint(projection)
                if projection.name not in tracked:  # no rows: its tables, if gone
                    self._run(c, projection.create())
                if stored.get(projection.name) != fingerprint:
                    self._reset(c, projection)
                    c.execute(
                        "INSERT OR REPLACE INTO view_schemas VALUES (?, ?)",
                        (projection.name, fingerprint),
                    )

    def _require_current(self) -> None:
        """Every view there and of this version of the program, or StoreReadOnly."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name IN (SELECT value FROM json_each(?))",
                (orjson.dumps(READ_TABLES).decode(),),
            )
            found = {row[0] for row in c.fetchall()}
            stored: dict[str, str] = {}
            if found == set(READ_TABLES):
                c.execute("SELECT name, fingerprint FROM view_schemas")
                stored = {row[0]: row[1] for row in c.fetchall()}
        stale = [
            p.name for p in self.projections if stored.get(p.name) != _fingerprint(p)
        ]
        if stale:
            shown = getattr(self.datastore, "shown", "the store")
            made = "not made yet" if not stored else "of another version of timeline"
            raise StoreReadOnly(
                f"the views {', '.join(stale)} of {shown!r} are {made}, and the"
                " store is read-only: open it once where it can be written"
            )

    def require(self, names: Sequence[str]) -> None:
        """As every view's, and, since views are required by name only to be
        changed (rebuilt, reset, replayed), StoreReadOnly on a read-only
        store: said before the change begins (and its progress is shown)."""
        super().require(names)
        if getattr(self.datastore, "read_only", False):
            from projections.sqlite.storefile import read_only

            raise read_only(getattr(self.datastore, "shown", "the store"))

    def positions(self) -> dict[str, int]:
        with self.datastore.transaction(commit=False) as c:
            tracked = self._positions(c)
        return {name: tracked.get(name, 0) for name in self.names()}

    def head(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            return store.head(c)

    def head_and_positions(self) -> tuple[int, dict[str, int]]:
        with self.datastore.transaction(commit=False) as c:
            head, tracked = store.head(c), self._positions(c)
        return head, {name: tracked.get(name, 0) for name in self.names()}

    def apply(self, positions: dict[str, int], batch: Sequence[EventRecord]) -> None:
        """Apply a batch to each view of ``positions`` that has not seen all
        of it, atomically.

        ``positions`` are the views' positions the batch was read for; raises
        IntegrityError (and writes nothing) if any view moved meanwhile.
        """
        stop = batch[-1].position
        applied, work = self.unseen(positions, batch)
        with self.datastore.transaction(commit=False) as c:
            prepared = [p.prepare(c, new, applied) for p, _, new in work]
            head, replaying = store.head(c), self._replaying(c)
        finishing = [
            projection.name for projection, start, _ in work
            if stop >= head and self._replays(projection.name, start, head, replaying)
        ]  # fmt: skip
        if finishing:  # the lock is held for long: said first, so others wait
            self._announce(finishing)
        try:
            with self._immediate() as c:  # it reads before it writes: lock first
                c.execute(CACHE_SIZE)
                head, replaying = store.head(c), self._replaying(c)
                for (projection, start, new), ready in zip(work, prepared, strict=True):
                    self._track(c, projection.name, start, stop)
                    self._apply(c, projection, new, ready, start, stop, head, replaying)
                if finishing:  # finished, or not this time: said with the rows
                    c.execute(WITHDRAW_FINISHING, self._finishing_rows(finishing))
        except StoreBusy:
            raise  # unsaying would wait as long again; an ended process is ignored
        except Exception:
            if finishing:  # another process moved the views: it is not finishing
                with suppress(Exception), self._immediate() as c:
                    c.execute(WITHDRAW_FINISHING, self._finishing_rows(finishing))
            raise

    def _apply(
        self, c: SQLiteCursor, projection: SQLiteProjection, batch: list[Applied],
        prepared: Any, start: int, stop: int, head: int, replaying: set[str],
    ) -> None:  # fmt: skip
        """Apply to one view; a view far behind replays (see ``replay_from``)."""
        name = projection.name
        if name not in replaying and self._replays(name, start, head, replaying):
            replaying.add(name)
            self._run(c, projection.replay_started())
            c.execute("INSERT INTO view_replays VALUES (?)", (name,))
        projection.apply(c, batch, name in replaying, prepared)
        if name in replaying and stop >= head:
            c.execute(SORT_CACHE_SIZE)  # the sort of an index build stays small
            self._run(c, projection.replay_finished())
            c.execute(CACHE_SIZE)
            c.execute("DELETE FROM view_replays WHERE name = ?", (name,))

    def _replays(self, name: str, start: int, head: int, replaying: set[str]) -> bool:
        """Whether the view replays (or starts to) with a batch read after ``start``."""
        return name in replaying or head - start > max(self.replay_from, start)

    def _announce(self, names: list[str]) -> None:
        """Say that this process is finishing the named views (and forget
        those said by processes that ended)."""
        with self._immediate() as c:
            c.execute(ANNOUNCE_FINISHING, self._finishing_rows(names))
            c.executemany(
                "DELETE FROM tracking WHERE application_name = ?",
                [(row,) for row, pid in self._finishers(c) if not _running(pid)],
            )

    @staticmethod
    def _finishing_rows(names: list[str]) -> dict[str, Any]:
        return {"prefix": FINISHING, "pid": os.getpid(),
                "names": orjson.dumps(names).decode()}  # fmt: skip

    @staticmethod
    def _track(c: SQLiteCursor, name: str, start: int, stop: int) -> None:
        c.execute(
            ADVANCE_TRACKING if start else START_TRACKING,
            {"name": TRACKING + name, "start": start, "stop": stop},
        )
        if c.fetchone() is None:
            raise IntegrityError(f"view {name!r} moved past {start}")

    def close(self) -> None:
        self.datastore.close()

    def reset(self, names: Sequence[str]) -> None:
        """Empty the named views and forget their positions, in one transaction."""
        self.require(names)
        chosen = [p for p in self.projections if p.name in names]
        with self._immediate() as c:
            for projection in chosen:
                self._reset(c, projection)

    # -- helpers ------------------------------------------------------------------

    @contextmanager
    def _immediate(self) -> Iterator[SQLiteCursor]:
        """A transaction that takes the write lock before it reads anything.

        A deferred transaction that reads, then writes, fails at once if
        another process wrote in between; this one waits for the lock instead
        (see :meth:`_begin`). It writes as ``VIEW_WRITES`` says; the
        connection's settings are restored after.
        """
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            before = {}
            for name, value in {**VIEW_WRITES, "busy_timeout": None}.items():
                cursor.execute(f"PRAGMA {name}")
                before[name] = cursor.fetchone()[0]
                if value is not None:
                    cursor.execute(f"PRAGMA {name} = {value}")
            try:
                self._begin(cursor)
                try:
                    yield cursor
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
            finally:
                for name, value in before.items():
                    cursor.execute(f"PRAGMA {name} = {int(value)}")

    def _begin(self, c: SQLiteCursor) -> None:
        """Begin a transaction holding the write lock.

        While a live process says it is finishing a view (which holds the
        lock for as long as building its indexes takes), it waits on, and
        says what for (a warning of this module's logger, as the wait begins
        and every ``REPORT_EVERY`` seconds). Held by any other process for
        longer than the lock timeout, it raises
        :class:`events.errors.StoreBusy`.
        """
        patience = self._lock_timeout()
        began = since = reported = time.monotonic()  # since: no finisher seen
        holders: list[tuple[str, int]] = []
        while True:
            left = patience - (time.monotonic() - since)
            c.execute(
                f"PRAGMA busy_timeout = {max(1, round(1000 * min(LOCK_POLL, left)))}"
            )
            try:
                c.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if not lock_timed_out(error):
                    raise
            else:
                if holders:
                    log.warning("the store's write lock is free again; going on")
                return
            now = time.monotonic()
            seen, holders = (
                holders,
                [(_view(row), pid) for row, pid in self._finishers(c) if _running(pid)],
            )
            if not holders:
                if now - since >= patience:
                    raise store_busy(patience)
                continue
            since = now
            if seen != holders or now - reported >= REPORT_EVERY:
                reported = now
                log.warning(_waiting(holders, now - began))

    def _lock_timeout(self) -> float:
        """How long to wait for a write lock held by anything but a finish."""
        if LOCK_TIMEOUT is not None:
            return LOCK_TIMEOUT
        return float(self.datastore.pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT)

    @staticmethod
    def _finishers(c: SQLiteCursor) -> list[tuple[str, int]]:
        """The rows saying a view is being finished, each with its process."""
        c.execute(SELECT_FINISHING, {"prefix": FINISHING})
        return [(row[0], row[1]) for row in c.fetchall()]

    @staticmethod
    def _reset(c: SQLiteCursor, projection: SQLiteProjection) -> None:
        SQLiteTrackedViews._run(c, [*projection.drop(), *projection.create()])
        c.execute(
            "DELETE FROM tracking WHERE application_name = ?",
            (TRACKING + projection.name,),
        )
        c.execute("DELETE FROM view_replays WHERE name = ?", (projection.name,))

    @staticmethod
    def _run(c: SQLiteCursor, statements: list[str]) -> None:
        for statement in statements:
            c.execute(statement)

    @staticmethod
    def _replaying(c: SQLiteCursor) -> set[str]:
        c.execute("SELECT name FROM view_replays")
        return {row[0] for row in c.fetchall()}

    @staticmethod
    def _positions(c: SQLiteCursor) -> dict[str, int]:
        """Each view's position, by view name."""
        c.execute(
            "SELECT substr(application_name, ?), notification_id FROM tracking"
            " WHERE application_name LIKE ?",
            (len(TRACKING) + 1, TRACKING + "%"),
        )
        return {row[0]: row[1] for row in c.fetchall()}


def lock_timed_out(error: BaseException) -> bool:
    """Whether ``error`` (SQLite's, or the library's made of it) is a wait for
    another connection's write lock that ran out."""
    cause = error if isinstance(error, sqlite3.Error) else error.__cause__
    return (
        isinstance(cause, sqlite3.OperationalError)
        and cause.sqlite_errorcode == sqlite3.SQLITE_BUSY
    )


def _view(row: str) -> str:
    """The view a ``finishing:VIEW@PID`` row names."""
    return row.removeprefix(FINISHING).rpartition("@")[0]


def _running(pid: int) -> bool:
    """Whether process ``pid`` is running (on this machine: SQLite's WAL mode
    shares a file between the processes of one machine only)."""
    if pid <= 0:
        return False
    if os.name != "posix":  # no harmless signal to ask with: taken as running
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _waiting(holders: list[tuple[str, int]], waited: float) -> str:
    """What a wait for the write lock is for, in a sentence."""
    pids: dict[int, list[str]] = {}
    for name, pid in holders:
        pids.setdefault(pid, []).append(name)
    doing = "; ".join(
        f"process {pid} is building the indexes of {', '.join(names)}"
        for pid, names in pids.items()
    )
    minutes, seconds = divmod(round(waited), 60)
    so_far = f" (waited {minutes}m {seconds:02}s so far)" if waited >= 1 else ""
    return f"waiting for the store's write lock: {doing}{so_far}"


def _fingerprint(projection: SQLiteProjection) -> str:
    """Changes whenever the view's tables (or its revision) do."""
    text = "\n".join([*projection.create(), f"revision {projection.revision}"])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
