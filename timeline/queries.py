"""Queries over the views, which are caught up first whenever the store moved on.

Checking the lag is two indexed lookups; only when there are new events is the
full application (event models, mapper) loaded to apply them. So a query on a
current view needs neither pydantic nor the event models.
"""

from __future__ import annotations

from collections.abc import Callable

from events.errors import NotFound
from projections.actors import ActorView
from projections.sqlite import SQLiteViews, TalksRow
from projections.talks import TalksView

VIEWS = "current-views"
"""Tracking name of the current views (talks and actors)."""


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

    def refresh(self) -> None:
        """Apply whatever was recorded since the views were last caught up."""
        if lag := self.views.lag(VIEWS):
            self._catch_up(lag)


def no_talks(slug: str) -> NotFound:
    return NotFound(f"no talks {slug!r}; see: timeline talks list")
