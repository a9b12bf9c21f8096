"""SQL of the document views: one JSON document per talks, one row per actor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, cast

import orjson

from projections.actors import ActorView, registered
from projections.entries import Applied
from projections.postgres.dialect import TEXT, PgCursor, qualified
from projections.records import EventRecord
from projections.rows import TalksRow
from projections.talks import TalksView, evolve

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
            for a in (registered(i.record) for i in batch if _is_actor(i.record))
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


class TalksDocuments(_Documents):
    """``talks_view``: the current view of each talks as one JSON document.

    Actor names come from ``actors_view`` and from the registrations in the
    batch itself, so a name registered in the same batch is known.
    """

    name = "talks"
    # 2: scenarios hold their assessments, every entry may be dated;
    # 3: amendments keep the values they replaced
    revision = 3

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
        """The batch's talks, folded and written out as rows, before the
        write transaction.

        Actor names are those registered by the batch's end: in the actors
        view (at least as far as the view furthest behind), or in the events
        read since, as if the actors view, applied first in the same
        transaction, had applied them already."""
        in_batch = {i.record.data["key"]: i.record.data["name"]
                    for i in read if _is_actor(i.record)}  # fmt: skip

        @cache
        def names(code: str) -> str:
            return self.actor_name(c, code, in_batch)

        talks: dict[str, TalksView] = {}
        for item in batch:
            if _is_actor(item.record):
                continue
            view = talks.get(item.talks_id) or self._load(c, item.talks_id)
            talks[item.talks_id] = evolve(view, item.record, names)
        return [
            (i, v["slug"], v["title"], v["location"], v["opened"]["recorded_at"],
             v["version"], dump(v))
            for i, v in talks.items()
        ]  # fmt: skip

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

    def actor_name(
        self, c: PgCursor, code: str, registering: Mapping[str, str] | None = None
    ) -> str:
        """A state's name from ISO 3166; anyone else's from the registry, or
        from ``registering`` (names being registered, by key)."""
        from events import country_name, is_country_code

        if is_country_code(code):
            return country_name(code)
        if registering and code in registering:
            return registering[code]
        return self.actors.name_of(c, code) or code

    def one(self, c: PgCursor, slug: str) -> TalksView | None:
        c.execute(f"SELECT document FROM {self.table} WHERE slug = %s", (slug,))
        row = c.fetchone()
        return load(row["document"]) if row else None

    def exists(self, c: PgCursor, slug: str) -> bool:
        c.execute(f"SELECT 1 FROM {self.table} WHERE slug = %s", (slug,))
        return c.fetchone() is not None

    def all(self, c: PgCursor) -> list[TalksRow]:
        c.execute(
            "SELECT slug, title, location, opened_at, version"
            f" FROM {self.table} ORDER BY opened_at, slug"
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


def _is_actor(record: EventRecord) -> bool:
    return record.type == "ActorRegistered"


def load(document: str) -> Any:
    return orjson.loads(document)


def dump(document: Any) -> str:
    """JSON text (not bytes): any PostgreSQL client shows it as text."""
    return orjson.dumps(document).decode()
