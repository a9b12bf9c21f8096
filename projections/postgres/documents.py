"""SQL of the document views: one JSON document per talks, one row per actor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from projections.actors import ActorView, registered
from projections.documents import actor_name, dump, is_actor, load, talks_rows
from projections.entries import Applied
from projections.postgres.dialect import TEXT, PgCursor, qualified
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

    def prepare(self, c: PgCursor, batch: Batch, read: Batch) -> Any:
        return None


class ActorRegistry(_Documents):
    """``actors_view``: every registered non-state actor."""

    name = "actors"

    def __init__(self, schema: str) -> None:
        self.table = qualified(schema, "actors_view")

    def create(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            f" key {TEXT} PRIMARY KEY, name text NOT NULL, kind text NOT NULL,"
            " document text NOT NULL)"
        ]

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {self.table}"]

    def apply(self, c: PgCursor, batch: Batch, replaying: bool, prepared: None) -> None:
        rows = [
            (a["key"], a["name"], a["kind"], dump(a))
            for a in (registered(i.record) for i in batch if is_actor(i.record))
        ]
        if rows:
            c.executemany(f"INSERT INTO {self.table} VALUES (%s, %s, %s, %s)", rows)

    def all(self, c: PgCursor) -> list[ActorView]:
        c.execute(f"SELECT document FROM {self.table} ORDER BY key")
        return [load(row["document"]) for row in c.fetchall()]

    def name_of(self, c: PgCursor, key: str) -> str | None:
        c.execute(f"SELECT name FROM {self.table} WHERE key = %s", (key,))
        row = c.fetchone()
        return row["name"] if row else None


class SourceRegistry(_Documents):
    """``sources_view``: every source entries may cite, with its grades."""

    name = "sources"

    def __init__(self, schema: str) -> None:
        self.table = qualified(schema, "sources_view")

    def create(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            f" source_id {TEXT} PRIMARY KEY, key {TEXT} NOT NULL UNIQUE,"
            " document text NOT NULL)"
        ]

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {self.table}"]

    def apply(self, c: PgCursor, batch: Batch, replaying: bool, prepared: None) -> None:
        views: dict[str, SourceView] = {}
        for item in batch:
            if is_source(item.record):
                source_id = item.record.originator_id
                view = views.get(source_id) or self._load(c, source_id)
                views[source_id] = evolve(view, item.record)
        if views:
            c.executemany(
                f"INSERT INTO {self.table} VALUES (%s, %s, %s) ON CONFLICT"
                " (source_id) DO UPDATE SET document = excluded.document",
                [(i, v["key"], dump(v)) for i, v in views.items()],
            )

    def _load(self, c: PgCursor, source_id: str) -> SourceView | None:
        c.execute(
            f"SELECT document FROM {self.table} WHERE source_id = %s", (source_id,)
        )
        row = c.fetchone()
        return load(row["document"]) if row else None

    def all(self, c: PgCursor) -> list[SourceView]:
        c.execute(f"SELECT document FROM {self.table} ORDER BY key")
        return [load(row["document"]) for row in c.fetchall()]


class TalksDocuments(_Documents):
    """``talks_view``: the current view of each talks as one JSON document.

    Actor names come from ``actors_view`` and from the registrations in the
    batch itself, so a name registered in the same batch is known.
    """

    name = "talks"
    # 2: scenarios hold their assessments, every entry may be dated;
    # 3: amendments keep the values they replaced
    revision = 5  # tags, links, developments' actors, confidence; 5: citations

    def __init__(self, schema: str, actors: ActorRegistry) -> None:
        self.table = qualified(schema, "talks_view")
        self.actors = actors

    def create(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            f" talks_id text PRIMARY KEY, slug {TEXT} NOT NULL UNIQUE,"
            f" title text NOT NULL, location text NOT NULL, opened_at {TEXT} NOT NULL,"
            " version bigint NOT NULL, document text NOT NULL)"
        ]

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {self.table}"]

    def prepare(self, c: PgCursor, batch: Batch, read: Batch) -> list[tuple[Any, ...]]:
        """The batch's talks, folded and written out as rows (see
        :func:`projections.documents.talks_rows`), before the write lock."""
        return talks_rows(
            batch,
            read,
            lambda talks_id: self._load(c, talks_id),
            lambda key: self.actors.name_of(c, key),
        )

    def apply(
        self, c: PgCursor, batch: Batch, replaying: bool,
        prepared: list[tuple[Any, ...]],
    ) -> None:  # fmt: skip
        if prepared:
            c.executemany(
                f"INSERT INTO {self.table} VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (talks_id) DO UPDATE SET title = excluded.title,"
                " location = excluded.location, version = excluded.version,"
                " document = excluded.document",
                prepared,
            )

    def actor_name(self, c: PgCursor, code: str) -> str:
        """An actor's name as the documents show it."""
        return actor_name(code, lambda key: self.actors.name_of(c, key))

    def one(self, c: PgCursor, slug: str) -> TalksView | None:
        c.execute(f"SELECT document FROM {self.table} WHERE slug = %s", (slug,))
        row = c.fetchone()
        return load(row["document"]) if row else None

    def title(self, c: PgCursor, slug: str) -> str:
        c.execute(f"SELECT title FROM {self.table} WHERE slug = %s", (slug,))
        row = c.fetchone()
        return str(row["title"]) if row else slug

    def stored(self, c: PgCursor, slug: str) -> tuple[int, str] | None:
        """The version of talks ``slug`` and its view as stored: JSON text."""
        c.execute(
            f"SELECT version, document FROM {self.table} WHERE slug = %s", (slug,)
        )
        row = c.fetchone()
        return (row["version"], row["document"]) if row else None

    def exists(self, c: PgCursor, slug: str) -> bool:
        c.execute(f"SELECT 1 FROM {self.table} WHERE slug = %s", (slug,))
        return c.fetchone() is not None

    def all(self, c: PgCursor) -> list[TalksRow]:
        c.execute(
            "SELECT slug, title, location, document::json ->> 'on' AS \"on\","
            f" opened_at, version FROM {self.table} ORDER BY opened_at, slug"
        )
        return [cast(TalksRow, dict(row)) for row in c.fetchall()]

    def documents(self, c: PgCursor, slug: str | None = None) -> list[TalksView]:
        """The view of talks ``slug``, or of every talks in the order opened."""
        where, params = ("WHERE slug = %s", (slug,)) if slug else ("", ())
        c.execute(
            f"SELECT document FROM {self.table} {where} ORDER BY opened_at, slug",
            params,
        )
        return [load(row["document"]) for row in c.fetchall()]

    def first_opened(self, c: PgCursor) -> str | None:
        c.execute(f"SELECT MIN(opened_at) AS first FROM {self.table}")
        row = c.fetchone()
        return cast(str | None, row["first"]) if row else None

    def _load(self, c: PgCursor, talks_id: str) -> TalksView | None:
        c.execute(f"SELECT document FROM {self.table} WHERE talks_id = %s", (talks_id,))
        row = c.fetchone()
        return load(row["document"]) if row else None
