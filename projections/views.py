"""What a backend of the read side implements: the views, and reads of the
event store.

The queries (:mod:`projections.queries`) and the application are written
against these protocols; SQLite's implementation is
:class:`projections.sqlite.views.SQLiteViews` with
:class:`projections.sqlite.store.SQLiteStoredEvents`. A new backend
implements both and passes the contract tests in
``tests/integration/test_views_contract.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol
from uuid import UUID

from projections.actors import ActorView
from projections.records import EventRecord
from projections.rows import (
    NOW,
    Clocks,
    EntryRow,
    SearchHit,
    StoredRow,
    TalksRow,
    ViewStatus,
)
from projections.snapshot import Snapshot
from projections.sources import SourceView
from projections.talks import LinkedTalks, TalksView


class Views(Protocol):
    """Every view of a store: kept in step with it, and queried."""

    unseal: Callable[[bytes], bytes] | None
    """Decrypts a stored state, on an encrypted store."""

    # -- upkeep -----------------------------------------------------------------

    def create_table(self) -> None:
        """Create every view; a view whose tables changed starts again."""

    def names(self) -> list[str]: ...

    def positions(self) -> dict[str, int]:
        """Each view's position: the last stored event it applied."""

    def head(self) -> int:
        """The position of the last stored event."""

    def lag(self) -> int:
        """How many stored events the furthest-behind view has not applied."""

    def status(self) -> list[ViewStatus]: ...

    def apply(self, positions: dict[str, int], batch: Sequence[EventRecord]) -> None:
        """Apply ``batch`` to the views named in ``positions``, read after
        those positions, atomically; raise the library's IntegrityError (and
        write nothing) if any of them moved meanwhile."""

    def replay_groups(self, names: Sequence[str]) -> list[list[str]]:
        """The named views, in groups that separate processes can replay
        side by side."""

    def require(self, names: Sequence[str]) -> None:
        """Raise NotFound naming the first of ``names`` that is not a view."""

    def reset(self, names: Sequence[str]) -> None:
        """Empty the named views and forget their positions, atomically."""

    def close(self) -> None: ...

    # -- queries ----------------------------------------------------------------

    def talks(self, slug: str) -> TalksView | None:
        """The current view of talks ``slug``, with the links to it."""

    def talks_document(self, slug: str) -> tuple[int, str] | None:
        """The version of talks ``slug`` and its current view as stored, JSON
        text exactly as ``talks`` would give it parsed: for front ends that
        pass it on unread."""

    def has_talks(self, slug: str) -> bool: ...

    def talks_list(self) -> list[TalksRow]:
        """Every talks, in the order opened."""

    def actors(self) -> list[ActorView]:
        """Every registered actor, by key."""

    def sources(self) -> list[SourceView]:
        """Every source entries may cite, by key, with every grade it had."""

    def entries(
        self, clocks: Clocks = NOW, *, slug: str | None = None,
        slugs: Sequence[str] | None = None, actor: str | None = None,
        tag: str | None = None, kind: str | None = None, limit: int | None = None,
        offset: int = 0,
    ) -> list[EntryRow]:  # fmt: skip
        """Entries standing by ``clocks``, in timeline order: dated ones by
        their first day, undated ones last, each group in the order recorded;
        of talks ``slug`` (or of any of ``slugs``), concerning ``actor``,
        filed under ``tag``, of ``kind``; at most ``limit`` of them (None or
        0: all), after the first ``offset``."""

    def count_entries(
        self, clocks: Clocks = NOW, *, slug: str | None = None,
        slugs: Sequence[str] | None = None, actor: str | None = None,
        tag: str | None = None, kind: str | None = None,
    ) -> int:  # fmt: skip
        """How many entries :meth:`entries` gives without a limit."""

    def links(self, slug: str, clocks: Clocks = NOW) -> list[EntryRow]:
        """The links standing by ``clocks`` from talks ``slug`` or to them."""

    def linked_talks(self, slug: str, clocks: Clocks = NOW) -> list[LinkedTalks]:
        """Every link standing by ``clocks`` between talks ``slug`` and others,
        read from talks ``slug``."""

    def stances(
        self, slug: str, actor: str | None = None, clocks: Clocks = NOW
    ) -> list[EntryRow]:
        """Every stance of talks ``slug`` that stood, retracted ones flagged."""

    def scenarios(self, slug: str) -> list[EntryRow]: ...

    def changes(
        self, slug: str, after: str, until: str
    ) -> list[tuple[EntryRow, EntryRow | None]]:
        """Each version recorded after ``after`` and by ``until``, with the
        version it superseded."""

    def talks_version_at(self, slug: str, as_of: str) -> int:
        """The version talks ``slug`` had at record time ``as_of`` (0: none)."""

    def first_recorded(self) -> str | None:
        """When the first talks was opened (None: empty)."""

    def search(
        self, query: str, slug: str | None = None, *, tag: str | None = None,
        clocks: Clocks = NOW,
    ) -> list[SearchHit]:  # fmt: skip
        """Entries matching ``query`` (see :func:`projections.rows.parse_search`),
        best first: in talks ``slug``, carrying ``tag``, dated within
        ``clocks.since`` and ``clocks.until`` (its other clocks are not read:
        the view holds entries as they stand now)."""

    def snapshot(self, slug: str | None = None) -> Snapshot:
        """Every view of talks ``slug`` (or all), read at one position."""

    def actor_name(self, code: str) -> str: ...


class StoredEvents(Protocol):
    """Reads of the event store's own records, as plain rows (their states
    as stored: see :attr:`unseal`)."""

    unseal: Callable[[bytes], bytes] | None
    """Decrypts a stored state, on an encrypted store."""

    def after(self, position: int, limit: int) -> list[StoredRow]: ...

    def stream(self, originator_id: UUID) -> list[StoredRow]: ...

    def back(
        self, originator_id: UUID, version: int, limit: int
    ) -> list[StoredRow]: ...

    def last_events(self, position: int) -> list[StoredRow]:
        """The last stored event of each aggregate, at or before ``position``."""

    def head(self) -> int: ...

    def count(self) -> int:
        """How many events are stored (less than the head where positions
        have gaps, as PostgreSQL's may)."""

    def recorded_at(self, position: int) -> str:
        """When the event at ``position`` was recorded, with microseconds;
        NotFound if no event is stored there."""

    def created_at(self, originator_ids: list[UUID]) -> int:
        """The latest position where one of these aggregates was created."""
