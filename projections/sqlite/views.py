"""The SQLite views and the queries over them: the read side's facade.

Each query reads in one transaction and answers with the backend-neutral
rows of :mod:`projections.rows`; what each view stores, and how, is in its
own module (documents, versions, search).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from eventsourcing.sqlite import SQLiteCursor

from events.kinds import KINDS
from projections.actors import ActorView
from projections.rows import NOW, Clocks, EntryRow, SearchHit, TalksRow
from projections.snapshot import SCHEMA_VERSION, Snapshot, timeline_entry
from projections.sources import SourceView
from projections.sqlite import store
from projections.sqlite.documents import (
    ActorRegistry,
    SourceRegistry,
    TalksDocuments,
)
from projections.sqlite.search import SearchIndex
from projections.sqlite.tracking import SQLiteProjection, SQLiteTrackedViews
from projections.sqlite.versions import VersionedEntries
from projections.talks import LinkedTalks, TalksView, linked_talks, with_linked

ACTORS = ActorRegistry()
SOURCES = SourceRegistry()
TALKS = TalksDocuments()
TIMELINE = VersionedEntries("timeline", frozenset(KINDS))  # every kind
STANCES = VersionedEntries("stances", frozenset({"stance"}))
SCENARIOS = VersionedEntries("scenarios", frozenset({"scenario", "assessment"}))
SEARCH = SearchIndex()


class SQLiteViews(SQLiteTrackedViews):
    """Every view of the store, and the queries over them."""

    unseal: Callable[[bytes], bytes] | None = None
    """Decrypts a stored state, on an encrypted store (set by whoever opens it)."""

    projections: tuple[SQLiteProjection, ...] = (
        ACTORS, SOURCES, TALKS, TIMELINE, STANCES, SCENARIOS, SEARCH,
    )  # fmt: skip
    groups: tuple[tuple[str, ...], ...] = (
        ("actors", "sources", "talks", "search"),
        ("timeline", "stances", "scenarios"),
    )  # fmt: skip

    def talks(self, slug: str) -> TalksView | None:
        with self.datastore.transaction(commit=False) as c:
            view = TALKS.one(c, slug)
            return None if view is None else self._with_links(c, view)

    def talks_document(self, slug: str) -> tuple[int, str] | None:
        with self.datastore.transaction(commit=False) as c:
            stored = TALKS.stored(c, slug)
            if stored is None:
                return None
            return stored[0], with_linked(stored[1], self._linked_talks(c, slug))

    def linked_talks(self, slug: str, clocks: Clocks = NOW) -> list[LinkedTalks]:
        with self.datastore.transaction(commit=False) as c:
            return self._linked_talks(c, slug, clocks)

    def links(self, slug: str, clocks: Clocks = NOW) -> list[EntryRow]:
        with self.datastore.transaction(commit=False) as c:
            return TIMELINE.links(c, slug, clocks)

    def _with_links(self, c: SQLiteCursor, view: TalksView) -> TalksView:
        view["linked"] = self._linked_talks(c, view["slug"])
        return view

    def _linked_talks(
        self, c: SQLiteCursor, slug: str, clocks: Clocks = NOW
    ) -> list[LinkedTalks]:
        return linked_talks(
            slug, TIMELINE.links(c, slug, clocks), lambda s: TALKS.title(c, s)
        )

    def has_talks(self, slug: str) -> bool:
        with self.datastore.transaction(commit=False) as c:
            return TALKS.exists(c, slug)

    def talks_list(self) -> list[TalksRow]:
        with self.datastore.transaction(commit=False) as c:
            return TALKS.all(c)

    def actors(self) -> list[ActorView]:
        with self.datastore.transaction(commit=False) as c:
            return ACTORS.all(c)

    def sources(self) -> list[SourceView]:
        with self.datastore.transaction(commit=False) as c:
            return SOURCES.all(c)

    def entries(
        self, clocks: Clocks = NOW, *, limit: int | None = None, **filters: Any
    ) -> list[EntryRow]:
        """The timeline across talks: entries in valid-time order."""
        with self.datastore.transaction(commit=False) as c:
            return TIMELINE.rows(c, clocks, limit=limit, **filters)

    def count_entries(self, clocks: Clocks = NOW, **filters: Any) -> int:
        with self.datastore.transaction(commit=False) as c:
            return TIMELINE.count(c, clocks, **filters)

    def stances(
        self, slug: str, actor: str | None = None, clocks: Clocks = NOW
    ) -> list[EntryRow]:
        """Every stance of talks ``slug`` that stood (retracted ones flagged)."""
        with self.datastore.transaction(commit=False) as c:
            return STANCES.rows(c, clocks, slug=slug, actor=actor,
                                include_retracted=True)  # fmt: skip

    def scenarios(self, slug: str) -> list[EntryRow]:
        with self.datastore.transaction(commit=False) as c:
            return SCENARIOS.rows(c, slug=slug)

    def changes(
        self, slug: str, after: str, until: str
    ) -> list[tuple[EntryRow, EntryRow | None]]:
        with self.datastore.transaction(commit=False) as c:
            return TIMELINE.changes(c, slug, after, until)

    def talks_version_at(self, slug: str, as_of: str) -> int:
        """The version talks ``slug`` had at record time ``as_of`` (0: none):
        every event of a talks made one version of one of its entries."""
        with self.datastore.transaction(commit=False) as c:
            return TIMELINE.versions_by(c, slug, as_of)

    def first_recorded(self) -> str | None:
        """When the record began: the first talks was opened (None: empty)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT MIN(opened_at) FROM talks_view")
            return cast(str | None, c.fetchone()[0])

    def search(
        self, query: str, slug: str | None = None, *, tag: str | None = None,
        clocks: Clocks = NOW,
    ) -> list[SearchHit]:  # fmt: skip
        with self.datastore.transaction(commit=False) as c:
            return SEARCH.search(c, query, slug, tag=tag, clocks=clocks)

    def snapshot(self, slug: str | None = None) -> Snapshot:
        """Every view of talks ``slug`` (or of all talks), read in one
        transaction: all of it as of the views' position."""
        with self.datastore.transaction(commit=False) as c:
            position = min(self._positions(c).get(name, 0) for name in self.names())
            return Snapshot(
                schema_version=SCHEMA_VERSION,
                head=None,
                heads={},
                position=position,
                recorded_at=store.timestamp(c, position, self.unseal),
                as_of=None,
                actors=ACTORS.all(c),
                sources=SOURCES.all(c),
                talks=[self._with_links(c, view) for view in TALKS.documents(c, slug)],
                timeline=[
                    timeline_entry(entry) for entry in TIMELINE.rows(c, slug=slug)
                ],
            )

    def actor_name(self, code: str) -> str:
        """The display name of an actor code, as the talks view shows it."""
        with self.datastore.transaction(commit=False) as c:
            return TalksDocuments.actor_name(c, code)
