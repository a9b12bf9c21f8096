"""SQL of the versioned entry tables: ``timeline``, ``stances``, ``scenarios``.

Each row is one version of one entry. ``version_from`` is the store position
of the event that made the version, ``version_to`` that of the event that
superseded it (NULL while it is current); ``recorded_at`` and
``superseded_at`` are the record times of those two events. The current view
is ``version_to IS NULL``; the view as it stood at record time T is
``recorded_at <= T AND (superseded_at IS NULL OR superseded_at > T)``, an
indexed lookup, never a replay. Nothing is ever updated but ``version_to``
and ``superseded_at``, and nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from eventsourcing.sqlite import SQLiteCursor

from events.kinds import REPEATED
from projections.entries import Amended, Applied, NewEntry
from projections.rows import NOW, Clocks, EntryRow
from projections.versions import INDEXED, WRITTEN, Version, new_versions
from projections.versions import entry_row as _entry_row
from projections.versions import version as _version

Batch = Sequence[Applied]


class VersionedEntries:
    """Every version of the entries of some kinds, with the actors they concern."""

    revision = 2  # 2: tags indexed; an assessment listed with its confidence

    def __init__(self, name: str, kinds: frozenset[str]) -> None:
        self.name = name
        self.table = name
        self.kinds = kinds
        self.slugs: dict[str, str] = {}  # talks id -> slug; slugs never change

    def create(self) -> list[str]:
        t = self.table
        return [
            f"CREATE TABLE IF NOT EXISTS {t} ("
            " version_from INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL,"
            " version_to INTEGER, talks_id TEXT NOT NULL, slug TEXT NOT NULL,"
            " kind TEXT NOT NULL, ref TEXT NOT NULL, valid_text TEXT,"
            " valid_lower TEXT, valid_upper TEXT, sort_key TEXT NOT NULL,"
            " text TEXT NOT NULL, fields TEXT NOT NULL, retracted INTEGER NOT NULL,"
            " recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL, reason TEXT,"
            " superseded_at TEXT)",
            f"CREATE INDEX IF NOT EXISTS {t}_ref ON {t} (talks_id, ref, entry_id)",
            # The actors each version of an entry concerns, and its tags, in
            # timeline order.
            *(
                f"CREATE TABLE IF NOT EXISTS {t}_{by} ("
                f" {by[:-1]} TEXT NOT NULL, slug TEXT NOT NULL,"
                " sort_key TEXT NOT NULL, entry_id INTEGER NOT NULL,"
                " version_from INTEGER NOT NULL, version_to INTEGER,"
                f" PRIMARY KEY (version_from, {by[:-1]})) WITHOUT ROWID"
                for by in INDEXED
            ),
            f"CREATE TABLE IF NOT EXISTS {t}_talks ("
            " talks_id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE)",
            *self._query_indexes(),
        ]

    def _query_indexes(self) -> list[str]:
        """Indexes in timeline order over every version, for queries now and
        as of any record time (superseded versions are few: amendments and
        retractions), and per talks by record time, for diffs and as-of views."""
        t = self.table
        return [
            f"CREATE INDEX IF NOT EXISTS {t}_order ON {t} (sort_key, entry_id)",
            f"CREATE INDEX IF NOT EXISTS {t}_slug ON {t} (slug, sort_key, entry_id)",
            f"CREATE INDEX IF NOT EXISTS {t}_recorded ON {t} (slug, recorded_at)",
            *(
                index
                for by in INDEXED
                for index in (
                    f"CREATE INDEX IF NOT EXISTS {t}_{by}_order"
                    f" ON {t}_{by} ({by[:-1]}, sort_key, entry_id)",
                    f"CREATE INDEX IF NOT EXISTS {t}_{by}_slug"
                    f" ON {t}_{by} ({by[:-1]}, slug, sort_key, entry_id)",
                )
            ),
            # Links, read from either end: an index of their rows alone (few).
            f"CREATE INDEX IF NOT EXISTS {t}_links ON {t}"
            " (json_extract(fields, '$.target')) WHERE kind = 'link'",
        ]

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {self.table}{suffix}"
                for suffix in ("", "_actors", "_tags", "_talks")]  # fmt: skip

    def replay_started(self) -> list[str]:
        return [f"DROP INDEX IF EXISTS {self.table}{suffix}" for suffix in (
            "_order", "_slug", "_recorded", "_actors_order", "_actors_slug",
            "_tags_order", "_tags_slug", "_links",
        )]  # fmt: skip

    def replay_finished(self) -> list[str]:
        return self._query_indexes()

    def prepare(self, c: SQLiteCursor, batch: Batch, read: Batch) -> dict[int, Version]:
        """The rows of the batch's new entries, by position: most of any batch,
        made before the write lock. Corrections read the rows they supersede,
        which the same batch may write: they are made under it."""
        return new_versions(batch, self.kinds, lambda i: self._slug(c, i))

    def apply(
        self, c: SQLiteCursor, batch: Batch, replaying: bool,
        prepared: dict[int, Version],
    ) -> None:  # fmt: skip
        rows: list[Version] = []

        def flush() -> None:  # before reading rows this batch may have added
            c.executemany(INSERT.format(table=self.table), [r.values for r in rows])
            for by in INDEXED:
                c.executemany(
                    f"INSERT INTO {self.table}_{by} VALUES (?, ?, ?, ?, ?, NULL)",
                    [row for r in rows for row in getattr(r, by)],
                )
            rows.clear()

        for item in batch:
            change, e = item.change, item.record
            if isinstance(change, NewEntry) and change.kind == "talks":
                self.slugs[item.talks_id] = change.fields["slug"]
                c.execute(
                    f"INSERT INTO {self.table}_talks VALUES (?, ?)",
                    (item.talks_id, change.fields["slug"]),
                )
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
                f"UPDATE {self.table} SET version_to = ?, superseded_at = ?"
                " WHERE version_from = ?",
                (item.position, e.recorded_at, current["version_from"]),
            )
            for by in INDEXED:
                c.execute(
                    f"UPDATE {self.table}_{by} SET version_to = ?"
                    " WHERE version_from = ?",
                    (item.position, current["version_from"]),
                )
            fields = dict(current["fields"])
            if isinstance(change, Amended):
                fields.update(change.changes)
            rows.append(_version(
                current["entry_id"], item.position, current["talks_id"],
                current["slug"], current["kind"], current["ref"], fields,
                orjson.dumps(fields).decode(), not isinstance(change, Amended), e,
            ))  # fmt: skip
        flush()

    # -- queries ----------------------------------------------------------------

    def rows(
        self,
        c: SQLiteCursor,
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
        if limit or offset:  # SQLite's OFFSET needs a LIMIT: -1 is none
            sql += " LIMIT :limit OFFSET :offset"
        c.execute(sql, {**params, "limit": limit or -1, "offset": offset})
        found = [_entry_row(row) for row in c.fetchall()]
        if state.as_of:  # as they stood then: superseded only later, if ever
            for row in found:
                row["version_to"] = row["superseded_at"] = None
        return found

    def count(self, c: SQLiteCursor, state: Clocks = NOW, **filters: Any) -> int:
        """How many versions :meth:`rows` would give without a limit."""
        sql, params, _ = self._selected(state, False, **filters)
        c.execute(f"SELECT COUNT(*) {sql}", params)
        return int(c.fetchone()[0])

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
            "tag": tag, "slugs": orjson.dumps(list(slugs or ())).decode(),
        }  # fmt: skip
        if actor:
            sql = (
                f"FROM {t}_actors a JOIN {t} t"
                " ON t.version_from = a.version_from WHERE a.actor = :actor"
            )
            prefix = "a."
            if tag:
                sql += (
                    f" AND EXISTS (SELECT 1 FROM {t}_tags g WHERE"
                    " g.version_from = t.version_from AND g.tag = :tag)"
                )
        elif tag:
            sql = (
                f"FROM {t}_tags g JOIN {t} t"
                " ON t.version_from = g.version_from WHERE g.tag = :tag"
            )
            prefix = "g."
        else:
            sql, prefix = f"FROM {t} t WHERE 1", "t."
        sql += f" AND {_standing('t', state)}"
        if slug:
            sql += f" AND {prefix}slug = :slug"
        if slugs is not None:
            sql += f" AND {prefix}slug IN (SELECT value FROM json_each(:slugs))"
        if not include_retracted:
            sql += " AND t.retracted = 0"
        if kind:
            sql += " AND t.kind = :kind"
        if state.since:
            sql += " AND t.valid_upper >= :since"
        if state.until:
            sql += " AND t.valid_lower <= :until"
        if state.at:
            sql += " AND (t.valid_lower IS NULL OR t.valid_lower <= :at)"
            sql += f" AND {self._in_force(state)}"
        return sql, params, prefix

    def links(self, c: SQLiteCursor, slug: str, state: Clocks = NOW) -> list[EntryRow]:
        """The links standing in ``state`` that start from talks ``slug`` or
        point to them, in the order recorded."""
        c.execute(
            f"SELECT t.* FROM {self.table} t WHERE t.kind = 'link'"
            " AND (t.slug = :slug OR json_extract(t.fields, '$.target') = :slug)"
            f" AND {_standing('t', state)} AND t.retracted = 0"
            " ORDER BY t.entry_id",
            {**state._asdict(), "slug": slug},
        )
        return [_entry_row(row) for row in c.fetchall()]

    def _in_force(self, state: Clocks) -> str:
        """Of an actor's stances (a scenario's assessments) not dated after
        ``at``, only the one in force then holds: the latest dated, undated ones
        counting as older, and among equals the latest recorded. Entries of
        other kinds all hold."""
        return (
            f"(t.kind NOT IN {REPEATED} OR NOT EXISTS ("
            f" SELECT 1 FROM {self.table} n WHERE n.talks_id = t.talks_id"
            f" AND n.ref = t.ref AND {_standing('n', state)} AND n.retracted = 0"
            " AND (n.valid_lower IS NULL OR n.valid_lower <= :at)"
            " AND (COALESCE(n.valid_lower, ''), n.entry_id)"
            " > (COALESCE(t.valid_lower, ''), t.entry_id)))"
        )

    def changes(
        self, c: SQLiteCursor, slug: str, after: str, until: str
    ) -> list[tuple[EntryRow, EntryRow | None]]:
        """Each version of an entry of talks ``slug`` recorded after ``after``
        and by ``until`` (record times), in the order recorded, with the version
        it superseded: for a new stance (assessment), the one that stood before."""
        t = self.table
        c.execute(
            f"SELECT * FROM {t} WHERE recorded_at > ? AND recorded_at <= ?"
            " AND slug = ? ORDER BY version_from",
            (after, until, slug),
        )
        found = [_entry_row(row) for row in c.fetchall()]
        return [(row, self._before(c, row)) for row in found]

    def _before(self, c: SQLiteCursor, row: EntryRow) -> EntryRow | None:
        """The version that stood for ``row``'s reference just before it."""
        if row["version_from"] != row["entry_id"]:  # an amendment or retraction
            where, params = "entry_id = ? AND version_to = ?", [row["entry_id"]]
        elif row["kind"] in REPEATED:
            where = ("entry_id < ? AND version_from < ? AND retracted = 0"
                     " AND (version_to IS NULL OR version_to > ?)")  # fmt: skip
            params = [row["entry_id"], row["version_from"]]
        else:
            return None
        c.execute(
            f"SELECT * FROM {self.table} WHERE talks_id = ? AND ref = ? AND {where}"
            " ORDER BY entry_id DESC LIMIT 1",
            [row["talks_id"], row["ref"], *params, row["version_from"]],
        )
        found = c.fetchone()
        return _entry_row(found) if found else None

    def versions_by(self, c: SQLiteCursor, slug: str, as_of: str) -> int:
        """How many versions of the entries of talks ``slug`` were recorded by
        ``as_of``: in a table of every kind, the talks' version then."""
        c.execute(
            f"SELECT COUNT(*) FROM {self.table} WHERE slug = ? AND recorded_at <= ?",
            (slug, as_of),
        )
        return int(c.fetchone()[0])

    # -- helpers ------------------------------------------------------------------

    def _slug(self, c: SQLiteCursor, talks_id: str) -> str:
        if talks_id not in self.slugs:
            c.execute(
                f"SELECT slug FROM {self.table}_talks WHERE talks_id = ?", (talks_id,)
            )
            self.slugs[talks_id] = c.fetchone()[0]
        return self.slugs[talks_id]

    def _current(self, c: SQLiteCursor, talks_id: str, ref: str) -> EntryRow | None:
        """The entry a reference names now: for actors, their latest that stands."""
        c.execute(
            f"SELECT * FROM {self.table} WHERE talks_id = ? AND ref = ?"
            " AND version_to IS NULL AND retracted = 0"
            " ORDER BY entry_id DESC LIMIT 1",
            (talks_id, ref),
        )
        row = c.fetchone()
        return _entry_row(row) if row else None


INSERT = (
    "INSERT INTO {table} (" + WRITTEN + ") VALUES"
    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _standing(alias: str, state: Clocks) -> str:
    """SQL: the version of an entry that stood now, or at ``state.as_of``."""
    if state.as_of is None:
        return f"{alias}.version_to IS NULL"
    return (
        f"{alias}.recorded_at <= :as_of"
        f" AND ({alias}.superseded_at IS NULL OR {alias}.superseded_at > :as_of)"
    )
