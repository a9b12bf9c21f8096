"""All SQL of the SQLite backend's read side.

The views live in the event store's own file, as plain tables any SQLite client
can open. Rows and the view's tracking position are written in one
transaction, so a view is exactly once and crash-safe: it is either at the old
position with the old rows or at the new position with the new rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError, Notification
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from projections.actors import ActorView, registered
from projections.talks import TalksView, evolve

if TYPE_CHECKING:
    from events.base import DomainEvent

CREATE_TALKS_VIEW = """
CREATE TABLE IF NOT EXISTS talks_view (
    talks_id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    location TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL
)"""

CREATE_ACTORS_VIEW = """
CREATE TABLE IF NOT EXISTS actors_view (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    document TEXT NOT NULL
)"""

# Compare-and-set on the library's tracking table: advance only from the
# position this batch was read after, so two catching-up processes can never
# apply the same events twice.
ADVANCE_TRACKING = """
INSERT INTO tracking (application_name, notification_id) VALUES (:name, :stop)
ON CONFLICT (application_name) DO UPDATE SET notification_id = :stop
WHERE tracking.notification_id = :start
RETURNING notification_id"""

UPSERT_TALKS = """
INSERT INTO talks_view (talks_id, slug, title, location, opened_at, version, document)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (talks_id) DO UPDATE SET title = excluded.title,
    location = excluded.location, version = excluded.version,
    document = excluded.document"""

SELECT_LAG = """
SELECT COALESCE((SELECT MAX(rowid) FROM stored_events), 0)
     - COALESCE((SELECT notification_id FROM tracking WHERE application_name = ?), 0)"""

SELECT_STREAM = """
SELECT rowid, originator_id, originator_version, topic, state FROM stored_events
WHERE originator_id = ? ORDER BY originator_version"""


class TalksRow(TypedDict):
    slug: str
    title: str
    location: str
    opened_at: str
    version: int


class SQLiteViews(SQLiteTrackingRecorder):
    """The current views of the talks and of the actor registry."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            CREATE_TALKS_VIEW,
            CREATE_ACTORS_VIEW,
        ]

    def position(self, name: str) -> int:
        return self.max_tracking_id(name) or 0

    def lag(self, name: str) -> int:
        """How many stored events the view ``name`` has not applied yet."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_LAG, (name,))
            return int(c.fetchone()[0])

    def apply(
        self, name: str, start: int, batch: Sequence[tuple[int, DomainEvent]]
    ) -> None:
        """Apply events stored after ``start``, and track them, in one transaction.

        Raises IntegrityError when another process moved the view meanwhile.
        """
        from events import Actor, Talks, country_name, is_country_code

        with self.datastore.transaction(commit=True) as c:
            c.execute(
                ADVANCE_TRACKING, {"name": name, "start": start, "stop": batch[-1][0]}
            )
            if c.fetchone() is None:
                raise IntegrityError(f"view {name!r} moved past position {start}")
            actors: dict[str, ActorView] = {}
            talks: dict[UUID, TalksView] = {}

            def names(code: str) -> str:
                if is_country_code(code):
                    return country_name(code)
                actor = actors.get(code) or self._actor(c, code)
                return actor["name"] if actor else code

            for position, event in batch:
                if isinstance(event, Actor.Registered):
                    actors[event.key] = registered(event)
                elif isinstance(event, Talks.Event):
                    talks_id = event.originator_id
                    view = talks.get(talks_id) or self._talks(c, talks_id)
                    talks[talks_id] = evolve(view, event, position, names)
            c.executemany(
                "INSERT INTO actors_view VALUES (?, ?, ?, ?)",
                [(a["key"], a["name"], a["kind"], _dump(a)) for a in actors.values()],
            )
            c.executemany(UPSERT_TALKS, [_talks_row(i, v) for i, v in talks.items()])

    def talks(self, slug: str) -> TalksView | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT document FROM talks_view WHERE slug = ?", (slug,))
            row = c.fetchone()
        return _load(row[0]) if row else None

    def talks_list(self) -> list[TalksRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT slug, title, location, opened_at, version "
                "FROM talks_view ORDER BY opened_at, slug"
            )
            return [cast(TalksRow, dict(row)) for row in c.fetchall()]

    def actors(self) -> list[ActorView]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT document FROM actors_view ORDER BY key")
            return [_load(row[0]) for row in c.fetchall()]

    def stream(self, originator_id: UUID) -> list[Notification]:
        """Every stored event of one aggregate, with its position in the store."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_STREAM, (originator_id.hex,))
            return [
                Notification(
                    id=row["rowid"],
                    originator_id=UUID(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in c.fetchall()
            ]

    @staticmethod
    def _talks(c: SQLiteCursor, talks_id: UUID) -> TalksView | None:
        c.execute(
            "SELECT document FROM talks_view WHERE talks_id = ?", (str(talks_id),)
        )
        row = c.fetchone()
        return _load(row[0]) if row else None

    @staticmethod
    def _actor(c: SQLiteCursor, key: str) -> ActorView | None:
        c.execute("SELECT document FROM actors_view WHERE key = ?", (key,))
        row = c.fetchone()
        return _load(row[0]) if row else None


def _load(document: str) -> Any:
    return orjson.loads(document)


def _dump(document: Any) -> str:
    """JSON text (not bytes): any SQLite client shows it as text."""
    return orjson.dumps(document).decode()


def _talks_row(talks_id: UUID, view: TalksView) -> tuple[Any, ...]:
    return (
        str(talks_id),
        view["slug"],
        view["title"],
        view["location"],
        view["opened"]["recorded_at"],
        view["version"],
        _dump(view),
    )
