"""Queries over the views, which are caught up first whenever the store moved on.

Checking the lag is two indexed lookups; only when there are new events is the
full application (event models, mapper) loaded to apply them. So a query on a
current view needs neither pydantic nor the event models.
"""

from __future__ import annotations

from collections.abc import Callable

from events.errors import InvalidInput, NotFound
from projections.actors import ActorView
from projections.snapshot import Snapshot
from projections.sqlite import EntryRow, SearchHit, SQLiteViews, TalksRow, ViewStatus
from projections.sqlite.search import match_expression
from projections.talks import TalksView


class Queries:
    def __init__(self, views: SQLiteViews, catch_up: Callable[[int], object]) -> None:
        self.views = views
        self._catch_up = catch_up

    def talks_view(self, slug: str) -> TalksView:
        self.refresh()
        view = self.views.talks(slug)
        if view is None:
            raise no_talks(slug)
        return view

    def talks_list(self) -> list[TalksRow]:
        self.refresh()
        return self.views.talks_list()

    def actors(self) -> list[ActorView]:
        self.refresh()
        return self.views.actors()

    def timeline(
        self, *, slug: str | None = None, actor: str | None = None,
        kind: str | None = None, limit: int | None = None,
    ) -> list[EntryRow]:  # fmt: skip
        self._require_talks(slug)
        return self.views.timeline(slug=slug, actor=actor, kind=kind, limit=limit)

    def search(self, query: str, slug: str | None = None) -> list[SearchHit]:
        if not match_expression(query):
            raise InvalidInput("search needs at least one word")
        self._require_talks(slug)
        return self.views.search(query, slug)

    def snapshot(self, slug: str | None = None) -> Snapshot:
        """Talks ``slug`` (or every talks) as the views hold them now, whole."""
        self._require_talks(slug)
        return self.views.snapshot(slug)

    def status(self) -> list[ViewStatus]:
        return self.views.status()

    def _require_talks(self, slug: str | None) -> None:
        """Catch up; an unknown talks is an error, not an empty answer."""
        self.refresh()
        if slug and not self.views.has_talks(slug):
            raise no_talks(slug)

    def refresh(self) -> None:
        """Apply whatever was recorded since the views were last caught up."""
        if lag := self.views.lag():
            self._catch_up(lag)


def no_talks(slug: str) -> NotFound:
    return NotFound(f"no talks {slug!r}; see: timeline talks list")
