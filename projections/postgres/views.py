"""The PostgreSQL views and the queries over them: the read side's facade.

Each query reads in one transaction and answers with the backend-neutral
rows of :mod:`projections.rows`, exactly as
:class:`projections.sqlite.views.SQLiteViews` does; what each view stores,
and how, is in its own module (documents, versions, search). The views'
SQL names the store's schema, so they are made for each store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from events.kinds import KINDS
from projections.actors import ActorView
from projections.postgres import store
from projections.postgres.dialect import PgCursor, reconnecting
from projections.postgres.documents import (
    ActorRegistry,
    SourceRegistry,
    TalksDocuments,
)
from projections.postgres.search import SearchIndex
from projections.postgres.tracking import PostgresTrackedViews
from projections.postgres.versions import VersionedEntries
from projections.rows import NOW, Clocks, EntryRow, SearchHit, TalksRow
from projections.snapshot import SCHEMA_VERSION, Snapshot, timeline_entry
from projections.sources import SourceView
from projections.talks import LinkedTalks, TalksView, linked_talks, with_linked

CONSISTENT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
"""The first statement of a read that must see one state across statements."""


class PostgresViews(PostgresTrackedViews):
    """Every view of the store, and the queries over them."""

    unseal: Callable[[bytes], bytes] | None = None
    """Decrypts a stored state, on an encrypted store (set by whoever opens it)."""

    groups: tuple[tuple[str, ...], ...] = (
        ("actors", "sources", "talks", "search"),
        ("timeline", "stances", "scenarios"),
    )  # fmt: skip

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        schema = datastore.schema
        self.actors_view = ActorRegistry(schema)
        self.sources_view = SourceRegistry(schema)
        self.talks_view = TalksDocuments(schema, self.actors_view)
        self.timeline = VersionedEntries(schema, "timeline", frozenset(KINDS))
        self.stances_view = VersionedEntries(schema, "stances", frozenset({"stance"}))
        self.scenarios_view = VersionedEntries(
            schema, "scenarios", frozenset({"scenario", "assessment"})
        )
        self.search_view = SearchIndex(schema)
        self.projections = (
            self.actors_view, self.sources_view, self.talks_view, self.timeline,
            self.stances_view, self.scenarios_view, self.search_view,
        )  # fmt: skip
        super().__init__(datastore, **kwargs)

    @reconnecting
    def talks(self, slug: str) -> TalksView | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(CONSISTENT)
            view = self.talks_view.one(c, slug)
            return None if view is None else self._with_links(c, view)

    @reconnecting
    def talks_document(self, slug: str) -> tuple[int, str] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(CONSISTENT)
            stored = self.talks_view.stored(c, slug)
            if stored is None:
                return None
            return stored[0], with_linked(stored[1], self._linked_talks(c, slug))

    @reconnecting
    def linked_talks(self, slug: str, clocks: Clocks = NOW) -> list[LinkedTalks]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(CONSISTENT)
            return self._linked_talks(c, slug, clocks)

    @reconnecting
    def links(self, slug: str, clocks: Clocks = NOW) -> list[EntryRow]:
        with self.datastore.transaction(commit=False) as c:
            return self.timeline.links(c, slug, clocks)

    def _with_links(self, c: PgCursor, view: TalksView) -> TalksView:
        view["linked"] = self._linked_talks(c, view["slug"])
        return view

    def _linked_talks(
        self, c: PgCursor, slug: str, clocks: Clocks = NOW
    ) -> list[LinkedTalks]:
        links = self.timeline.links(c, slug, clocks)
        return linked_talks(slug, links, lambda s: self.talks_view.title(c, s))

    @reconnecting
    def has_talks(self, slug: str) -> bool:
        with self.datastore.transaction(commit=False) as c:
            return self.talks_view.exists(c, slug)

    @reconnecting
    def talks_list(self) -> list[TalksRow]:
        with self.datastore.transaction(commit=False) as c:
            return self.talks_view.all(c)

    @reconnecting
    def actors(self) -> list[ActorView]:
        with self.datastore.transaction(commit=False) as c:
            return self.actors_view.all(c)

    @reconnecting
    def sources(self) -> list[SourceView]:
        with self.datastore.transaction(commit=False) as c:
            return self.sources_view.all(c)

    @reconnecting
    def entries(
        self, clocks: Clocks = NOW, *, limit: int | None = None, **filters: Any
    ) -> list[EntryRow]:
        """The timeline across talks: entries in valid-time order."""
        with self.datastore.transaction(commit=False) as c:
            return self.timeline.rows(c, clocks, limit=limit, **filters)

    @reconnecting
    def count_entries(self, clocks: Clocks = NOW, **filters: Any) -> int:
        with self.datastore.transaction(commit=False) as c:
            return self.timeline.count(c, clocks, **filters)

    @reconnecting
    def stances(
        self, slug: str, actor: str | None = None, clocks: Clocks = NOW
    ) -> list[EntryRow]:
        """Every stance of talks ``slug`` that stood (retracted ones flagged)."""
        with self.datastore.transaction(commit=False) as c:
            return self.stances_view.rows(c, clocks, slug=slug, actor=actor,
                                          include_retracted=True)  # fmt: skip

    @reconnecting
    def scenarios(self, slug: str) -> list[EntryRow]:
        with self.datastore.transaction(commit=False) as c:
            return self.scenarios_view.rows(c, slug=slug)

    @reconnecting
    def changes(
        self, slug: str, after: str, until: str
    ) -> list[tuple[EntryRow, EntryRow | None]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(CONSISTENT)
            return self.timeline.changes(c, slug, after, until)

    @reconnecting
    def talks_version_at(self, slug: str, as_of: str) -> int:
        """The version talks ``slug`` had at record time ``as_of`` (0: none):
        every event of a talks made one version of one of its entries."""
        with self.datastore.transaction(commit=False) as c:
            return self.timeline.versions_by(c, slug, as_of)

    @reconnecting
    def first_recorded(self) -> str | None:
        """When the record began: the first talks was opened (None: empty)."""
        with self.datastore.transaction(commit=False) as c:
            return self.talks_view.first_opened(c)

    @reconnecting
    def search(
        self, query: str, slug: str | None = None, *, tag: str | None = None,
        clocks: Clocks = NOW,
    ) -> list[SearchHit]:  # fmt: skip
        with self.datastore.transaction(commit=False) as c:
            return self.search_view.search(c, query, slug, tag=tag, clocks=clocks)

    @reconnecting
    def snapshot(self, slug: str | None = None) -> Snapshot:
        """Every view of talks ``slug`` (or of all talks), read in one
        REPEATABLE READ transaction: all of it as of the views' position."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(CONSISTENT)
            position = min(self._positions(c).get(name, 0) for name in self.names())
            return Snapshot(
                schema_version=SCHEMA_VERSION,
                head=None,
                heads={},
                position=position,
                recorded_at=store.timestamp(c, self.events, position, self.unseal),
                as_of=None,
                actors=self.actors_view.all(c),
                sources=self.sources_view.all(c),
                talks=[
                    self._with_links(c, view)
                    for view in self.talks_view.documents(c, slug)
                ],
                timeline=[
                    timeline_entry(entry) for entry in self.timeline.rows(c, slug=slug)
                ],
            )

    @reconnecting
    def actor_name(self, code: str) -> str:
        """The display name of an actor code, as the talks view shows it."""
        with self.datastore.transaction(commit=False) as c:
            return self.talks_view.actor_name(c, code)
