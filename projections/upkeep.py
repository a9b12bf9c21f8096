"""What every backend's tracked views share, without SQL: their names and
replay groups, their lag and status from positions and the head, and which
events of a batch each view has not seen yet.

A backend's class (:class:`projections.sqlite.tracking.SQLiteTrackedViews`,
:class:`projections.postgres.tracking.PostgresTrackedViews`) puts this
before the library's tracking recorder and supplies ``positions``, ``head``
and the SQL of applying, resetting and creating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from events.errors import NotFound
from projections.entries import Applied
from projections.records import EventRecord
from projections.rows import ViewStatus

TRACKING = "view:"
"""Prefix of a view's name in the library's tracking table: the library's
own followers track under their leader's name ("timeline"); without it, one
following this application in the same store would share a view's row."""


class Named(Protocol):
    @property
    def name(self) -> str: ...


P = TypeVar("P", bound=Named)

Work = list[tuple[P, int, list[Applied]]]
"""Each view with events to apply: the view, the position its batch was read
after, and the events of the batch after that position."""


class ViewUpkeep(Generic[P]):
    """The backend-free part of a store's tracked views."""

    projections: tuple[P, ...]
    """Every view; order matters within a batch (talks documents read actor
    names)."""
    groups: tuple[tuple[str, ...], ...]
    """Views that separate processes can replay at the same time: a view that
    reads another's rows (talks reads actors) is in that view's group."""

    def positions(self) -> dict[str, int]:
        """Each view's position: the last stored event it applied."""
        raise NotImplementedError

    def head(self) -> int:
        """The position of the last stored event."""
        raise NotImplementedError

    def head_and_positions(self) -> tuple[int, dict[str, int]]:
        """The head and each view's position, read together (one round trip
        where the store is a server: every query asks this first)."""
        raise NotImplementedError

    def names(self) -> list[str]:
        return [projection.name for projection in self.projections]

    def replay_groups(self, names: Sequence[str]) -> list[list[str]]:
        """The named views, in the groups that can be replayed side by side."""
        self.require(names)
        found = [[name for name in group if name in names] for group in self.groups]
        return [group for group in found if group]

    def require(self, names: Sequence[str]) -> None:
        """Raise NotFound naming the first of ``names`` that is not a view."""
        if unknown := [name for name in names if name not in self.names()]:
            views = ", ".join(self.names())
            raise NotFound(f"no view {unknown[0]!r}; views: {views}")

    def lag(self) -> int:
        """How many stored events the furthest-behind view has not applied."""
        head, positions = self.head_and_positions()
        return head - min(positions.values())

    def status(self) -> list[ViewStatus]:
        head, positions = self.head_and_positions()
        return [
            ViewStatus(name=name, position=position, head=head, lag=head - position)
            for name, position in positions.items()
        ]

    def unseen(
        self, positions: dict[str, int], batch: Sequence[EventRecord]
    ) -> tuple[list[Applied], Work[P]]:
        """The batch as the views read it, and each view of ``positions``
        that has not seen all of it, with the events it has not seen."""
        stop = batch[-1].position
        applied = [Applied.of(record) for record in batch]
        work = [
            (projection, start, applied if start < batch[0].position else [
                a for a in applied if a.position > start
            ])
            for projection in self.projections
            if (start := positions.get(projection.name, stop)) < stop
        ]  # fmt: skip
        return applied, work
