"""SQL of the versioned entry tables: ``timeline``, ``stances``, ``scenarios``.

The rows are those of :mod:`projections.versions`. The current view is
``version_to IS NULL``; the view as it stood at record time T is
``recorded_at <= T AND (superseded_at IS NULL OR superseded_at > T)``, an
indexed lookup, never a replay. Record times and days are kept as text
(``COLLATE "C"``), so they compare exactly as on SQLite. Nothing is ever
updated but ``version_to`` and ``superseded_at``, and nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from events.kinds import REPEATED
from projections.entries import Amended, Applied, NewEntry
from projections.postgres.dialect import TEXT, PgCursor, copy_rows, qualified, quoted
from projections.rows import NOW, Clocks, EntryRow
from projections.versions import WRITTEN, Version, entry_row, new_versions, version

Batch = Sequence[Applied]
QUERY_INDEXES = (
    "order", "slug", "recorded", "actors_order", "actors_slug", "tags_order",
    "tags_slug", "links",
)  # fmt: skip
REPEATED_KINDS = "(" + ", ".join(f"'{kind}'" for kind in REPEATED) + ")"
LINK_TARGET = "(fields::jsonb ->> 'target')"
"""The talks a link points to, as its index and its queries write it."""


class VersionedEntries:
    """Every version of the entries of some kinds, with the actors they concern."""

    revision = 2  # 2: tags indexed; an assessment listed with its confidence

    def __init__(self, schema: str, name: str, kinds: frozenset[str]) -> None:
        self.name = name
        self.schema = schema
        self.table = qualified(schema, name)
        self.actors = qualified(schema, f"{name}_actors")
        self.tags = qualified(schema, f"{name}_tags")
        self.talks = qualified(schema, f"{name}_talks")
        self.kinds = kinds
        self.slugs: dict[str, str] = {}  # talks id -> slug; slugs never change

    def create(self) -> list[str]:
        t, n = self.table, self.name
        return [
            f"CREATE TABLE IF NOT EXISTS {t} ("
            " version_from bigint PRIMARY KEY, entry_id bigint NOT NULL,"
            f" version_to bigint, talks_id text NOT NULL, slug {TEXT} NOT NULL,"
            f" kind text NOT NULL, ref text NOT NULL, valid_text text,"
            f" valid_lower {TEXT}, valid_upper {TEXT}, sort_key {TEXT} NOT NULL,"
            " text text NOT NULL, fields text NOT NULL, retracted boolean NOT NULL,"
            f" recorded_at {TEXT} NOT NULL, recorded_by text NOT NULL, reason text,"
            f" superseded_at {TEXT})",
            f"CREATE INDEX IF NOT EXISTS {quoted(n + '_ref')}"
            f" ON {t} (talks_id, ref, entry_id)",
            # The actors each version of an entry concerns, and its tags, in
            # timeline order.
            *(
                f"CREATE TABLE IF NOT EXISTS {table} ("
                f" {by[:-1]} {TEXT} NOT NULL, slug {TEXT} NOT NULL,"
                f" sort_key {TEXT} NOT NULL, entry_id bigint NOT NULL,"
                " version_from bigint NOT NULL, version_to bigint,"
                f" PRIMARY KEY (version_from, {by[:-1]}))"
                for by, table in self._indexed()
            ),
            f"CREATE TABLE IF NOT EXISTS {self.talks} ("
            f" talks_id text PRIMARY KEY, slug {TEXT} NOT NULL UNIQUE)",
            *self._query_indexes(),
        ]

    def _query_indexes(self) -> list[str]:
        """Indexes in timeline order over every version, for queries now and
        as of any record time (superseded versions are few: amendments and
        retractions), and per talks by record time, for diffs and as-of views."""
        t, n = self.table, self.name

        def index(suffix: str) -> str:
            return f"CREATE INDEX IF NOT EXISTS {quoted(f'{n}_{suffix}')}"

        return [
            f"{index('order')} ON {t} (sort_key, entry_id)",
            f"{index('slug')} ON {t} (slug, sort_key, entry_id)",
            f"{index('recorded')} ON {t} (slug, recorded_at)",
            *(
                line
                for by, table in self._indexed()
                for line in (
                    f"{index(by + '_order')} ON {table} ({by[:-1]}, sort_key,"
                    " entry_id)",
                    f"{index(by + '_slug')} ON {table} ({by[:-1]}, slug, sort_key,"
                    " entry_id)",
                )
            ),
            # Links, read from either end: an index of their rows alone (few).
            f"{index('links')} ON {t} ({LINK_TARGET}) WHERE kind = 'link'",
        ]

    def _indexed(self) -> list[tuple[str, str]]:
        """Each table that indexes versions by a value they name, by its name."""
        return [("actors", self.actors), ("tags", self.tags)]

    def drop(self) -> list[str]:
        tables = (self.table, self.actors, self.tags, self.talks)
        return [f"DROP TABLE IF EXISTS {table}" for table in tables]

    def replay_started(self) -> list[str]:
        return [
            f"DROP INDEX IF EXISTS {qualified(self.schema, f'{self.name}_{suffix}')}"
            for suffix in QUERY_INDEXES
        ]

    def replay_finished(self) -> list[str]:
        return [
            *self._query_indexes(),
            f"ANALYZE {self.table}",
            f"ANALYZE {self.actors}",
            f"ANALYZE {self.tags}",
        ]

    def prepare(self, c: PgCursor, batch: Batch, read: Batch) -> dict[int, Version]:
        """The rows of the batch's new entries, by position: most of any batch,
        made before the write transaction. Corrections read the rows they
        supersede, which the same batch may write: they are made in it."""
        return new_versions(batch, self.kinds, lambda i: self._slug(c, i))

    def apply(
        self, c: PgCursor, batch: Batch, replaying: bool,
        prepared: dict[int, Version],
    ) -> None:  # fmt: skip
        rows: list[Version] = []
        talks: list[tuple[str, str]] = []

        def flush() -> None:  # before reading rows this batch may have added
            copy_rows(c, self.table, WRITTEN, [r.values for r in rows])
            for by, table in self._indexed():
                columns = f"{by[:-1]}, slug, sort_key, entry_id, version_from"
                copy_rows(c, table, columns, [x for r in rows for x in getattr(r, by)])
            rows.clear()

        for item in batch:
            change, e = item.change, item.record
            if isinstance(change, NewEntry) and change.kind == "talks":
                self.slugs[item.talks_id] = change.fields["slug"]
                talks.append((item.talks_id, change.fields["slug"]))
            if change is None or change.kind not in self.kinds:
                continue
            if isinstance(change, NewEntry):
                rows.append(prepared[item.position])
                continue
            flush()
            current = self._current(c, item.talks_id, change.ref)
            if current is None:
                continue  # the entry's kind is kept, but it came before this table
            c.execute(  # by primary key (of both tables)
                f"UPDATE {self.table} SET version_to = %s, superseded_at = %s"
                " WHERE version_from = %s",
                (item.position, e.recorded_at, current["version_from"]),
            )
            for _, table in self._indexed():
                c.execute(
                    f"UPDATE {table} SET version_to = %s WHERE version_from = %s",
                    (item.position, current["version_from"]),
                )
            fields = dict(current["fields"])
            if isinstance(change, Amended):
                fields.update(change.changes)
            rows.append(version(
                current["entry_id"], item.position, current["talks_id"],
                current["slug"], current["kind"], current["ref"], fields,
                orjson.dumps(fields).decode(), not isinstance(change, Amended), e,
            ))  # fmt: skip
        flush()
        copy_rows(c, self.talks, "talks_id, slug", talks)

    # -- queries ----------------------------------------------------------------

    def rows(
        self,
        c: PgCursor,
        state: Clocks = NOW,
        *,
        include_retracted: bool = False,
        limit: int | None = None,
        offset: int = 0,
        **filters: Any,
    ) -> list[EntryRow]:
        """Versions standing in ``state``, in timeline order: dated ones by
        their first day, undated ones last, each group in the order recorded;
        ``filters`` as :meth:`_selected` takes them; at most ``limit`` (None
        or 0: all), after the first ``offset``.

        Every combination of filters but ``slugs`` walks an index in that
        order, so a ``limit`` stops the scan early however large the store.
        """
        sql, params, prefix = self._selected(state, include_retracted, **filters)
        sql = f"SELECT t.* {sql} ORDER BY {prefix}sort_key, {prefix}entry_id"
        if limit:
            sql += " LIMIT %(limit)s"
        if offset:
            sql += " OFFSET %(offset)s"
        c.execute(sql, {**params, "limit": limit, "offset": offset})
        found = [entry_row(row) for row in c.fetchall()]
        if state.as_of:  # as they stood then: superseded only later, if ever
            for row in found:
                row["version_to"] = row["superseded_at"] = None
        return found

    def count(self, c: PgCursor, state: Clocks = NOW, **filters: Any) -> int:
        """How many versions :meth:`rows` would give without a limit."""
        sql, params, _ = self._selected(state, False, **filters)
        c.execute(f"SELECT COUNT(*) AS found {sql}", params)
        row = c.fetchone()
        return int(row["found"]) if row else 0

    def _selected(
        self, state: Clocks, include_retracted: bool, *, slug: str | None = None,
        slugs: Sequence[str] | None = None, actor: str | None = None,
        tag: str | None = None, kind: str | None = None,
    ) -> tuple[str, dict[str, Any], str]:  # fmt: skip
        """SQL from ``FROM`` on of the versions standing in ``state`` of talks
        ``slug`` (or any of ``slugs``), concerning ``actor``, filed under
        ``tag``, of ``kind``; its parameters; the alias whose index gives
        timeline order."""
        t = self.table
        params: dict[str, Any] = {
            **state._asdict(), "actor": actor, "slug": slug, "kind": kind,
            "tag": tag, "slugs": list(slugs or ()),
        }  # fmt: skip
        if actor:
            sql = (
                f"FROM {self.actors} a JOIN {t} t"
                " ON t.version_from = a.version_from WHERE a.actor = %(actor)s"
            )
            prefix = "a."
            if tag:
                sql += (
                    f" AND EXISTS (SELECT FROM {self.tags} g WHERE"
                    " g.version_from = t.version_from AND g.tag = %(tag)s)"
                )
        elif tag:
            sql = (
                f"FROM {self.tags} g JOIN {t} t"
                " ON t.version_from = g.version_from WHERE g.tag = %(tag)s"
            )
            prefix = "g."
        else:
            sql, prefix = f"FROM {t} t WHERE TRUE", "t."
        sql += f" AND {_standing('t', state)}"
        if slug:
            sql += f" AND {prefix}slug = %(slug)s"
        if slugs is not None:
            sql += f" AND {prefix}slug = ANY(%(slugs)s)"
        if not include_retracted:
            sql += " AND NOT t.retracted"
        if kind:
            sql += " AND t.kind = %(kind)s"
        if state.since:
            sql += " AND t.valid_upper >= %(since)s"
        if state.until:
            sql += " AND t.valid_lower <= %(until)s"
        if state.at:
            sql += " AND (t.valid_lower IS NULL OR t.valid_lower <= %(at)s)"
            sql += f" AND {self._in_force(state)}"
        return sql, params, prefix

    def links(self, c: PgCursor, slug: str, state: Clocks = NOW) -> list[EntryRow]:
        """The links standing in ``state`` that start from talks ``slug`` or
        point to them, in the order recorded."""
        c.execute(
            f"SELECT t.* FROM {self.table} t WHERE t.kind = 'link'"
            f" AND (t.slug = %(slug)s OR {LINK_TARGET.replace('fields', 't.fields')}"
            f" = %(slug)s) AND {_standing('t', state)} AND NOT t.retracted"
            " ORDER BY t.entry_id",
            {**state._asdict(), "slug": slug},
        )
        return [entry_row(row) for row in c.fetchall()]

    def _in_force(self, state: Clocks) -> str:
        """Of an actor's stances (a scenario's assessments) not dated after
        ``at``, only the one in force then holds: the latest dated, undated ones
        counting as older, and among equals the latest recorded. Entries of
        other kinds all hold."""
        return (
            f"(t.kind NOT IN {REPEATED_KINDS} OR NOT EXISTS ("
            f" SELECT 1 FROM {self.table} n WHERE n.talks_id = t.talks_id"
            f" AND n.ref = t.ref AND {_standing('n', state)} AND NOT n.retracted"
            " AND (n.valid_lower IS NULL OR n.valid_lower <= %(at)s)"
            " AND (COALESCE(n.valid_lower, ''), n.entry_id)"
            " > (COALESCE(t.valid_lower, ''), t.entry_id)))"
        )

    def changes(
        self, c: PgCursor, slug: str, after: str, until: str
    ) -> list[tuple[EntryRow, EntryRow | None]]:
        """Each version of an entry of talks ``slug`` recorded after ``after``
        and by ``until`` (record times), in the order recorded, with the version
        it superseded: for a new stance (assessment), the one that stood before."""
        c.execute(
            f"SELECT * FROM {self.table} WHERE recorded_at > %s AND recorded_at <= %s"
            " AND slug = %s ORDER BY version_from",
            (after, until, slug),
        )
        found = [entry_row(row) for row in c.fetchall()]
        return [(row, self._before(c, row)) for row in found]

    def _before(self, c: PgCursor, row: EntryRow) -> EntryRow | None:
        """The version that stood for ``row``'s reference just before it."""
        if row["version_from"] != row["entry_id"]:  # an amendment or retraction
            where, params = "entry_id = %s AND version_to = %s", [row["entry_id"]]
        elif row["kind"] in REPEATED:
            where = ("entry_id < %s AND version_from < %s AND NOT retracted"
                     " AND (version_to IS NULL OR version_to > %s)")  # fmt: skip
            params = [row["entry_id"], row["version_from"]]
        else:
            return None
        c.execute(
            f"SELECT * FROM {self.table} WHERE talks_id = %s AND ref = %s AND {where}"
            " ORDER BY entry_id DESC LIMIT 1",
            [row["talks_id"], row["ref"], *params, row["version_from"]],
        )
        found = c.fetchone()
        return entry_row(found) if found else None

    def versions_by(self, c: PgCursor, slug: str, as_of: str) -> int:
        """How many versions of the entries of talks ``slug`` were recorded by
        ``as_of``: in a table of every kind, the talks' version then."""
        c.execute(
            f"SELECT COUNT(*) AS versions FROM {self.table}"
            " WHERE slug = %s AND recorded_at <= %s",
            (slug, as_of),
        )
        row = c.fetchone()
        return int(row["versions"]) if row else 0

    # -- helpers ------------------------------------------------------------------

    def _slug(self, c: PgCursor, talks_id: str) -> str:
        if talks_id not in self.slugs:
            c.execute(f"SELECT slug FROM {self.talks} WHERE talks_id = %s", (talks_id,))
            row = c.fetchone()
            assert row is not None, f"no talks {talks_id} in {self.talks}"
            self.slugs[talks_id] = row["slug"]
        return self.slugs[talks_id]

    def _current(self, c: PgCursor, talks_id: str, ref: str) -> EntryRow | None:
        """The entry a reference names now: for actors, their latest that stands."""
        c.execute(
            f"SELECT * FROM {self.table} WHERE talks_id = %s AND ref = %s"
            " AND version_to IS NULL AND NOT retracted"
            " ORDER BY entry_id DESC LIMIT 1",
            (talks_id, ref),
        )
        row = c.fetchone()
        return entry_row(row) if row else None


def _standing(alias: str, state: Clocks) -> str:
    """SQL: the version of an entry that stood now, or at ``state.as_of``."""
    if state.as_of is None:
        return f"{alias}.version_to IS NULL"
    return (
        f"{alias}.recorded_at <= %(as_of)s"
        f" AND ({alias}.superseded_at IS NULL OR {alias}.superseded_at > %(as_of)s)"
    )
