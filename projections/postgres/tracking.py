"""Tracking and replay of the PostgreSQL views: each view's position, applied
exactly once.

The views live in the store's own schema, beside the event store's tables.
Each view is a projection with its own tracking position (a row of the
library's tracking table, ``<app name>_tracking``). A batch of events is
applied to every view that has not seen it, and each view's rows and its new
position are written in the same transaction as the others': the views are
exactly once and crash-safe, and a view added later catches up from zero
alone.

Several processes may apply batches at once, on many machines. Each view
advances by a compare-and-set of its tracking row, which PostgreSQL's row
locks serialise: of two processes applying the same batch, the second waits
for the first and then finds the view moved. Creating, dropping and emptying
views takes a lock of the schema that applying shares, so a batch is never
written into a view being emptied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

from projections.entries import Applied
from projections.postgres import store
from projections.postgres.dialect import (
    TEXT,
    PgCursor,
    qualified,
    quoted,
    reconnecting,
)
from projections.records import EventRecord
from projections.upkeep import TRACKING, ViewUpkeep


class PostgresProjection(Protocol):
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
        self, c: PgCursor, batch: Sequence[Applied], read: Sequence[Applied]
    ) -> Any:
        """Work on a batch that writes nothing, done before the write
        transaction, reading the view as its position stands (which
        ``apply``'s transaction then checks). ``batch`` holds the events the
        view has not seen; ``read``, every event read, from the position of
        the view furthest behind."""

    def apply(
        self, c: PgCursor, batch: Sequence[Applied], replaying: bool, prepared: Any
    ) -> None: ...


# Compare-and-set on the tracking table: a view advances only from the
# position its batch was read after (a first batch only if the view has no
# row), so two processes can never apply an event twice, and a batch read
# before a reset cannot land in the emptied view.
START_TRACKING = """
INSERT INTO {tracking} (application_name, notification_id) VALUES (%(name)s, %(stop)s)
ON CONFLICT (application_name) DO NOTHING
RETURNING notification_id"""
ADVANCE_TRACKING = """
UPDATE {tracking} SET notification_id = %(stop)s
WHERE application_name = %(name)s AND notification_id = %(start)s
RETURNING notification_id"""
SELECT_POSITIONS = (
    "SELECT substr(application_name, %(skip)s) AS name, notification_id"
    " FROM {tracking} WHERE starts_with(application_name, %(prefix)s)"
)
DELETE_TRACKING = "DELETE FROM {tracking} WHERE application_name = %s"

CREATE_VIEW_SCHEMAS = (
    "CREATE TABLE IF NOT EXISTS {view_schemas} ("
    f" name {TEXT} PRIMARY KEY, fingerprint text NOT NULL)"
)
# The views being replayed: their query indexes are built when they reach the head.
CREATE_VIEW_REPLAYS = (
    f"CREATE TABLE IF NOT EXISTS {{view_replays}} (name {TEXT} PRIMARY KEY)"
)
UPSERT_VIEW_SCHEMA = (
    "INSERT INTO {view_schemas} VALUES (%s, %s)"
    " ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint"
)
# Applying takes this lock shared; creating and emptying views, alone.
LOCK_VIEWS = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
SHARE_VIEWS = "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))"
# How a view's transaction writes; events keep the store's own settings. Its
# commit does not wait for the disk: a crash may undo the last ones (never
# half of one, and never an event), and the views apply those events again.
VIEW_WRITES = "SET LOCAL synchronous_commit = off"
INDEX_MEMORY = "SET LOCAL maintenance_work_mem = '256MB'"  # an index build sorts


class PostgresTrackedViews(ViewUpkeep[PostgresProjection], PostgresTrackingRecorder):
    """Views kept in step with the store: created, tracked, replayed, reset."""

    projections: tuple[PostgresProjection, ...]
    """Every view; order matters within a batch (talks documents read actor
    names). Made per store: their SQL names the store's schema."""
    groups: tuple[tuple[str, ...], ...]
    """Views that separate processes can replay at the same time: a view that
    reads another's rows (talks reads actors) is in that view's group."""
    replay_from = 20_000
    """A view this many events behind (and more than it has applied) replays:
    it goes without its query indexes until it reaches the head, then builds
    them in one pass, which is several times faster than keeping them."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        tracking_table_name: str = "notification_tracking",
        **kwargs: Any,
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        schema = datastore.schema
        self.schema = schema
        self.events = store.events_table(datastore)
        self.lock_name = f"views of {quoted(schema)}"
        names = {
            "tracking": qualified(schema, tracking_table_name),
            "view_schemas": qualified(schema, "view_schemas"),
            "view_replays": qualified(schema, "view_replays"),
        }
        self.sql = {
            name: sql.format(**names)
            for name, sql in {
                "start": START_TRACKING, "advance": ADVANCE_TRACKING,
                "positions": SELECT_POSITIONS, "untrack": DELETE_TRACKING,
                "view_schemas": CREATE_VIEW_SCHEMAS,
                "view_replays": CREATE_VIEW_REPLAYS,
                "fingerprint": UPSERT_VIEW_SCHEMA,
                "fingerprints": "SELECT name, fingerprint FROM {view_schemas}",
                "replaying": "SELECT name FROM {view_replays}",
                "replays": "INSERT INTO {view_replays} VALUES (%s)",
                "replayed": "DELETE FROM {view_replays} WHERE name = %s",
            }.items()
        }  # fmt: skip

    def create_table(self) -> None:
        """Create every view; replay any that is new or whose tables changed.

        Each view's CREATE statements are fingerprinted; a view whose stored
        fingerprint differs (the software changed its tables) is dropped and
        starts again from position zero. A view not caught up yet is left as
        it is: it has no rows, and another process may be replaying it.
        """
        try:
            super().create_table()
        except IntegrityError:
            # The library checks for its tracking table, then creates it and
            # records its migration: a process that did so in between wins,
            # and the table is there now.
            super().create_table()
        with self._writing(alone=True) as c:
            c.execute(self.sql["view_schemas"])
            c.execute(self.sql["view_replays"])
            c.execute(self.sql["fingerprints"])
            stored = {row["name"]: row["fingerprint"] for row in c.fetchall()}
            tracked = self._positions(c)
            for projection in self.projections:
                fingerprint = self._fingerprint(projection)
                if projection.name not in tracked:  # no rows: its tables, if gone
                    _run(c, projection.create())
                if stored.get(projection.name) != fingerprint:
                    self._reset(c, projection)
                    c.execute(self.sql["fingerprint"], (projection.name, fingerprint))

    def fingerprints(self) -> dict[str, str]:
        """Each view's fingerprint, as this software makes its tables."""
        return {p.name: self._fingerprint(p) for p in self.projections}

    @reconnecting
    def positions(self) -> dict[str, int]:
        with self.datastore.transaction(commit=False) as c:
            tracked = self._positions(c)
        return {name: tracked.get(name, 0) for name in self.names()}

    @reconnecting
    def head(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            return store.head(c, self.events)

    @reconnecting
    def head_and_positions(self) -> tuple[int, dict[str, int]]:
        with self.datastore.transaction(commit=False) as c:
            head, tracked = store.head(c, self.events), self._positions(c)
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
        with self._writing(alone=False) as c:
            head, replaying = store.head(c, self.events), self._replaying(c)
            for (projection, start, new), ready in zip(work, prepared, strict=True):
                self._track(c, projection.name, start, stop)
                self._apply(c, projection, new, ready, start, stop, head, replaying)

    def _apply(
        self, c: PgCursor, projection: PostgresProjection, batch: list[Applied],
        prepared: Any, start: int, stop: int, head: int, replaying: set[str],
    ) -> None:  # fmt: skip
        """Apply to one view; a view far behind replays (see ``replay_from``)."""
        name = projection.name
        if name not in replaying and head - start > max(self.replay_from, start):
            replaying.add(name)
            _run(c, projection.replay_started())
            c.execute(self.sql["replays"], (name,))
        projection.apply(c, batch, name in replaying, prepared)
        if name in replaying and stop >= head:
            c.execute(INDEX_MEMORY)
            _run(c, projection.replay_finished())
            c.execute(self.sql["replayed"], (name,))

    def _track(self, c: PgCursor, name: str, start: int, stop: int) -> None:
        c.execute(
            self.sql["advance" if start else "start"],
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
        with self._writing(alone=True) as c:
            for projection in chosen:
                self._reset(c, projection)

    # -- helpers ------------------------------------------------------------------

    @contextmanager
    def _writing(self, *, alone: bool) -> Iterator[PgCursor]:
        """A transaction that writes views: ``alone``, it waits for every
        other such transaction of the store, and they for it (creating and
        emptying views); else it runs beside others (applying batches, which
        their tracking rows keep apart)."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(LOCK_VIEWS if alone else SHARE_VIEWS, (self.lock_name,))
            c.execute(VIEW_WRITES)
            yield c

    def _reset(self, c: PgCursor, projection: PostgresProjection) -> None:
        _run(c, [*projection.drop(), *projection.create()])
        c.execute(self.sql["untrack"], (TRACKING + projection.name,))
        c.execute(self.sql["replayed"], (projection.name,))

    def _replaying(self, c: PgCursor) -> set[str]:
        c.execute(self.sql["replaying"])
        return {row["name"] for row in c.fetchall()}

    def _positions(self, c: PgCursor) -> dict[str, int]:
        """Each view's position, by view name."""
        c.execute(
            self.sql["positions"], {"skip": len(TRACKING) + 1, "prefix": TRACKING}
        )
        return {row["name"]: row["notification_id"] for row in c.fetchall()}

    def _fingerprint(self, projection: PostgresProjection) -> str:
        """Changes whenever the view's tables (or its revision) do; the same
        in every schema."""
        text = "\n".join([*projection.create(), f"revision {projection.revision}"])
        text = text.replace(quoted(self.schema), "")
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _run(c: PgCursor, statements: list[str]) -> None:
    for statement in statements:
        c.execute(statement)
