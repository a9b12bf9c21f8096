"""Bring a view up to the head of the event store by pulling notifications.

SQLite cannot push new events to a subscriber (eventsourcing 9.5 does not
implement ``subscribe()`` for it), so views pull: read the notifications after
the view's tracking position, decode them, apply them in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Mapper

from events.errors import ConcurrencyConflict

if TYPE_CHECKING:
    from events.base import DomainEvent

BATCH_SIZE = 500
ATTEMPTS = 20


class TrackedView(Protocol):
    def position(self, name: str) -> int: ...

    def apply(
        self, name: str, start: int, batch: list[tuple[int, DomainEvent]]
    ) -> None: ...


def catch_up(
    name: str,
    view: TrackedView,
    recorder: ApplicationRecorder,
    mapper: Mapper[Any],
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply every event the view ``name`` has not seen; return how many."""
    applied = conflicts = 0
    while True:
        start = view.position(name)
        notifications = recorder.select_notifications(
            start, batch_size, inclusive_of_start=False
        )
        if not notifications:
            return applied
        batch = [
            (n.id, cast("DomainEvent", mapper.to_domain_event(n)))
            for n in notifications
        ]
        try:
            view.apply(name, start, batch)
        except IntegrityError:
            conflicts += 1  # another process applied them first: read on from there
            if conflicts >= ATTEMPTS:
                raise ConcurrencyConflict(
                    f"view {name!r} kept moving under this process; try again"
                ) from None
            continue
        applied += len(batch)
        if progress:
            progress(len(batch))
