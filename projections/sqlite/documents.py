"""SQL of the document views: one JSON document per talks, one row per actor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from eventsourcing.sqlite import SQLiteCursor

from projections.actors import ActorView, registered
from projections.documents import actor_name, dump, is_actor, load, talks_rows
from projections.entries import Applied
from projections.rows import TalksRow
from projections.sources import SourceView, evolve, is_source
from projections.talks import TalksView

Batch = Sequence[Applied]


class _Documents:
    """A view of whole documents: no index to defer while it replays."""

    revision = 1

    def replay_started(self) -> list[str]:
        return []

    def replay_finished(self) -> list[str]:
        return []

    def prepare(self, c: SQLiteCursor, batch: Batch, read: Batch) -> Any:
        return None


class ActorRegistry(_Documents):
    """``actors_view``: every registered non-state actor."""

    name = "actors"

    def create(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS actors_view ("
            " key TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
            " document TEXT NOT NULL)"
        ]

    def drop(self) -> list[str]:
        return ["DROP TABLE IF EXISTS actors_view"]

    def apply(
        self, c: SQLiteCursor, batch: Batch, replaying: bool, prepared: None
    ) -> None:
        rows = [
            (a["key"], a["name"], a["kind"], dump(a))
            for a in (registered(i.record) for i in batch if is_actor(i.record))
        ]
        c.executemany("INSERT INTO actors_view VALUES (?, ?, ?, ?)", rows)

    @staticmethod
    def all(c: SQLiteCursor) -> list[ActorView]:
        c.execute("SELECT document FROM actors_view ORDER BY key")
        return [load(row[0]) for row in c.fetchall()]

    @staticmethod
    def name_of(c: SQLiteCursor, key: str) -> str | None:
        c.execute("SELECT name FROM actors_view WHERE key = ?", (key,))
        row = c.fetchone()
        return row[0] if row else None


class SourceRegistry(_Documents):
    """``sources_view``: every source entries may cite, with its grades."""

    name = "sources"

    def create(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS sources_view ("
            " source_id TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
            " document TEXT NOT NULL)"
        ]

    def drop(self) -> list[str]:
        return ["DROP TABLE IF EXISTS sources_view"]

    def apply(
        self, c: SQLiteCursor, batch: Batch, replaying: bool, prepared: None
    ) -> None:
        views: dict[str, SourceView] = {}
        for item in batch:
            if is_source(item.record):
                source_id = item.record.originator_id
                view = views.get(source_id) or self._load(c, source_id)
                views[source_id] = evolve(view, item.record)
        c.executemany(
            "INSERT INTO sources_view VALUES (?, ?, ?) ON CONFLICT (source_id)"
            " DO UPDATE SET document = excluded.document",
            [(i, v["key"], dump(v)) for i, v in views.items()],
        )

    @staticmethod
    def _load(c: SQLiteCursor, source_id: str) -> SourceView | None:
        c.execute("SELECT document FROM sources_view WHERE source_id = ?", (source_id,))
        row = c.fetchone()
        return load(row[0]) if row else None

    @staticmethod
    def all(c: SQLiteCursor) -> list[SourceView]:
        c.execute("SELECT document FROM sources_view ORDER BY key")
        return [load(row[0]) for row in c.fetchall()]


class TalksDocuments(_Documents):
    """``talks_view``: the current view of each talks as one JSON document.

    Actor names come from ``actors_view`` and from the registrations in the
    batch itself, so a name registered in the same batch is known.
    """

    name = "talks"
    # 2: scenarios hold their assessments, every entry may be dated;
    # 3: amendments keep the values they replaced; 4: tags, links, the
    # actors of developments, the confidence of assessments; 5: citations
    revision = 5

    def create(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS talks_view ("
            " talks_id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE,"
            " title TEXT NOT NULL, location TEXT NOT NULL, opened_at TEXT NOT NULL,"
            " version INTEGER NOT NULL, document TEXT NOT NULL)"
        ]

    def drop(self) -> list[str]:
        return ["DROP TABLE IF EXISTS talks_view"]

    def prepare(
        self, c: SQLiteCursor, batch: Batch, read: Batch
    ) -> list[tuple[Any, ...]]:
        """The batch's talks, folded and written out as rows (see
        :func:`projections.documents.talks_rows`), before the write lock."""
        return talks_rows(
            batch,
            read,
            lambda talks_id: self._load(c, talks_id),
            lambda key: ActorRegistry.name_of(c, key),
        )

    def apply(
        self, c: SQLiteCursor, batch: Batch, replaying: bool,
        prepared: list[tuple[Any, ...]],
    ) -> None:  # fmt: skip
        c.executemany(
            "INSERT INTO talks_view VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (talks_id) DO UPDATE SET title = excluded.title,"
            " location = excluded.location, version = excluded.version,"
            " document = excluded.document",
            prepared,
        )

    @staticmethod
    def actor_name(c: SQLiteCursor, code: str) -> str:
        """An actor's name as the documents show it."""
        return actor_name(code, lambda key: ActorRegistry.name_of(c, key))

    @staticmethod
    def one(c: SQLiteCursor, slug: str) -> TalksView | None:
        c.execute("SELECT document FROM talks_view WHERE slug = ?", (slug,))
        row = c.fetchone()
        return load(row[0]) if row else None

    @staticmethod
    def title(c: SQLiteCursor, slug: str) -> str:
        c.execute("SELECT title FROM talks_view WHERE slug = ?", (slug,))
        row = c.fetchone()
        return str(row[0]) if row else slug

    @staticmethod
    def stored(c: SQLiteCursor, slug: str) -> tuple[int, str] | None:
        """The version of talks ``slug`` and its view as stored: JSON text."""
        c.execute("SELECT version, document FROM talks_view WHERE slug = ?", (slug,))
        row = c.fetchone()
        return (row[0], row[1]) if row else None

    @staticmethod
    def exists(c: SQLiteCursor, slug: str) -> bool:
        c.execute("SELECT 1 FROM talks_view WHERE slug = ?", (slug,))
        return c.fetchone() is not None

    @staticmethod
    def all(c: SQLiteCursor) -> list[TalksRow]:
        c.execute(
            "SELECT slug, title, location, json_extract(document, '$.on') AS \"on\","
            " opened_at, version FROM talks_view ORDER BY opened_at, slug"
        )
        return [cast(TalksRow, dict(row)) for row in c.fetchall()]

    @staticmethod
    def documents(c: SQLiteCursor, slug: str | None = None) -> list[TalksView]:
        """The view of talks ``slug``, or of every talks in the order opened."""
        where, params = ("WHERE slug = ?", (slug,)) if slug else ("", ())
        c.execute(
            f"SELECT document FROM talks_view {where} ORDER BY opened_at, slug", params
        )
        return [load(row[0]) for row in c.fetchall()]

    @staticmethod
    def _load(c: SQLiteCursor, talks_id: str) -> TalksView | None:
        c.execute("SELECT document FROM talks_view WHERE talks_id = ?", (talks_id,))
        row = c.fetchone()
        return load(row[0]) if row else None
