"""SQL of the versioned entry tables: ``timeline``, ``stances``, ``scenarios``.

Each row is one version of one entry. ``version_from`` is the store position
of the event that made the version, ``version_to`` that of the event that
superseded it (NULL while it is current). The current view is
``version_to IS NULL``; the view as of position P is
``version_from <= P AND (version_to IS NULL OR version_to > P)``. Nothing is
ever updated but ``version_to``, and nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple, TypedDict, cast

import orjson
from eventsourcing.sqlite import SQLiteCursor

from projections.entries import Amended, Applied, NewEntry, main_text
from projections.records import EventRecord
from projections.snapshot import TimelineEntry

Batch = Sequence[Applied]

COLUMNS = (
    "entry_id, version_from, version_to, talks_id, slug, kind, ref, "
    "valid_text, valid_lower, valid_upper, sort_key, text, fields, retracted, "
    "recorded_at, recorded_by"
)
UNDATED = "~"  # sort key of undated entries: after every date, as "~" > "9"


class EntryRow(TypedDict):
    entry_id: int
    version_from: int
    version_to: int | None
    talks_id: str
    slug: str
    kind: str
    ref: str
    valid_text: str | None
    valid_lower: str | None
    valid_upper: str | None
    sort_key: str
    """``valid_lower``, or "~" when undated: the timeline's order."""
    text: str
    fields: dict[str, Any]
    retracted: bool
    recorded_at: str
    recorded_by: str


class VersionedEntries:
    """Every version of the entries of some kinds, with the actors they concern."""

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
            " recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {t}_current_ref"
            f" ON {t} (talks_id, ref, entry_id) WHERE version_to IS NULL",
            # The actors each version of an entry concerns, in timeline order.
            f"CREATE TABLE IF NOT EXISTS {t}_actors ("
            " actor TEXT NOT NULL, slug TEXT NOT NULL, sort_key TEXT NOT NULL,"
            " entry_id INTEGER NOT NULL, version_from INTEGER NOT NULL,"
            " version_to INTEGER, PRIMARY KEY (version_from, actor)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {t}_talks ("
            " talks_id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE)",
            *self._query_indexes(),
        ]

    def _query_indexes(self) -> list[str]:
        """Indexes in timeline order over the current versions, for queries."""
        t, current = self.table, "WHERE version_to IS NULL"
        return [
            f"CREATE INDEX IF NOT EXISTS {t}_current_order"
            f" ON {t} (sort_key, entry_id) {current}",
            f"CREATE INDEX IF NOT EXISTS {t}_current_slug"
            f" ON {t} (slug, sort_key, entry_id) {current}",
            f"CREATE INDEX IF NOT EXISTS {t}_actors_current"
            f" ON {t}_actors (actor, sort_key, entry_id) {current}",
            f"CREATE INDEX IF NOT EXISTS {t}_actors_current_slug"
            f" ON {t}_actors (actor, slug, sort_key, entry_id) {current}",
        ]

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {self.table}{suffix}"
                for suffix in ("", "_actors", "_talks")]  # fmt: skip

    def replay_started(self) -> list[str]:
        return [f"DROP INDEX IF EXISTS {self.table}{suffix}" for suffix in (
            "_current_order", "_current_slug", "_actors_current",
            "_actors_current_slug",
        )]  # fmt: skip

    def replay_finished(self) -> list[str]:
        return self._query_indexes()

    def apply(self, c: SQLiteCursor, batch: Batch, replaying: bool = False) -> None:
        rows: list[Version] = []

        def flush() -> None:  # before reading rows this batch may have added
            c.executemany(INSERT.format(table=self.table), [r.values for r in rows])
            c.executemany(
                f"INSERT INTO {self.table}_actors VALUES (?, ?, ?, ?, ?, NULL)",
                [actor for r in rows for actor in r.actors],
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
                slug = self._slug(c, item.talks_id)
                rows.append(_version(item.position, item.position, item.talks_id, slug,
                                     change.kind, change.ref, change.fields,
                                     item.fields_json, False, e))  # fmt: skip
                continue
            flush()
            current = self._current(c, item.talks_id, change.ref)
            if current is None:
                continue  # the entry's kind is kept, but it came before this table
            for table in (self.table, f"{self.table}_actors"):
                c.execute(  # by primary key (of both tables)
                    f"UPDATE {table} SET version_to = ? WHERE version_from = ?",
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

    def current_rows(
        self,
        c: SQLiteCursor,
        *,
        slug: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        include_retracted: bool = False,
        limit: int | None = None,
    ) -> list[EntryRow]:
        """Current versions in timeline order: dated ones by their first day,
        undated ones last, each group in the order recorded.

        Every combination of filters walks an index in that order, so a
        ``limit`` stops the scan early however large the store.
        """
        t = self.table
        params: list[Any] = []
        if actor:
            sql = (
                f"SELECT t.* FROM {t}_actors a JOIN {t} t"
                " ON t.version_from = a.version_from"
                " WHERE a.version_to IS NULL AND a.actor = ?"
            )
            params.append(actor)
            order, prefix = " ORDER BY a.sort_key, a.entry_id", "a."
        else:
            sql = f"SELECT t.* FROM {t} t WHERE t.version_to IS NULL"
            order, prefix = " ORDER BY t.sort_key, t.entry_id", "t."
        if slug:
            sql += f" AND {prefix}slug = ?"
            params.append(slug)
        if not include_retracted:
            sql += " AND t.retracted = 0"
        if kind:
            sql += " AND t.kind = ?"
            params.append(kind)
        sql += order
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        c.execute(sql, params)
        return [_entry_row(row) for row in c.fetchall()]

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
    "INSERT INTO {table} (" + COLUMNS + ") VALUES"
    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Version(NamedTuple):
    """One version of an entry, as the rows that store it."""

    values: tuple[Any, ...]
    """Its row of the entry table, in the order of :data:`COLUMNS`."""
    actors: list[tuple[Any, ...]]
    """Its rows of the ``*_actors`` table."""


def _version(
    entry_id: int, version_from: int, talks_id: str, slug: str, kind: str,
    ref: str, fields: dict[str, Any], fields_json: str, retracted: bool,
    e: EventRecord,
) -> Version:  # fmt: skip
    """The rows of a version (built as tuples: a replay makes millions)."""
    on = fields.get("on")
    lower, upper = _bounds(on) if on else (None, None)
    sort_key = lower or UNDATED
    values = (
        entry_id, version_from, None, talks_id, slug, kind, ref, on or None, lower,
        upper, sort_key, main_text(kind, fields), fields_json, int(retracted),
        e.recorded_at, e.recorded_by,
    )  # fmt: skip
    actors = [(actor, slug, sort_key, entry_id, version_from)
              for actor in _actors(kind, fields)]  # fmt: skip
    return Version(values, actors)


@lru_cache(maxsize=4096)
def _bounds(text: str) -> tuple[str, str]:
    """First and last day a valid date can mean, as ISO text (it sorts)."""
    from events.values import PartialDate

    date = PartialDate.parse(text)
    return date.lower.isoformat(), date.upper.isoformat()


def _actors(kind: str, fields: dict[str, Any]) -> list[str]:
    if kind == "talks":
        return list(fields["parties"])
    actor = fields.get("actor") or fields.get("audience")
    return [actor] if actor else []


def _entry_row(row: Any) -> EntryRow:
    entry = dict(row)
    entry["fields"] = orjson.loads(entry["fields"])
    entry["retracted"] = bool(entry["retracted"])
    return cast(EntryRow, entry)


def timeline_entry(row: EntryRow) -> TimelineEntry:
    """A current version as the snapshot lists it."""
    fields: dict[str, Any] = row["fields"]
    if row["kind"] == "talks":
        actors = list(fields["parties"])
    else:
        actors = [fields["actor"]] if fields.get("actor") else []
    return TimelineEntry(
        talks=row["slug"],
        kind=row["kind"],
        ref=row["ref"],
        entry_id=row["entry_id"],
        date=row["valid_text"],
        lower=row["valid_lower"],
        upper=row["valid_upper"],
        text=row["text"],
        actors=actors,
        sources=list(fields.get("sources") or []),
        recorded_at=row["recorded_at"],
        recorded_by=row["recorded_by"],
    )
