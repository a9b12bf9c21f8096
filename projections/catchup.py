"""Bring the views up to the head of the event store by pulling notifications.

SQLite cannot push new events to a subscriber (eventsourcing 9.5 does not
implement ``subscribe()`` for it), so views pull: read the events after the
furthest-behind view's position (``read(after, limit)``, each decoded once),
and apply each batch to every view that has not seen it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from eventsourcing.persistence import IntegrityError

from events.errors import ConcurrencyConflict
from projections.records import EventRecord

BATCH_SIZE = 10_000  # events per transaction: fewer commits, bounded memory
ATTEMPTS = 20


class TrackedViews(Protocol):
    def positions(self) -> dict[str, int]: ...

    def apply(self, positions: dict[str, int], batch: Sequence[EventRecord]) -> None:
        """Apply ``batch`` to the views named in ``positions``, read after
        those positions; raise IntegrityError if any of them moved meanwhile."""


def catch_up(
    views: TrackedViews,
    read: Callable[[int, int], Sequence[EventRecord]],
    *,
    names: Collection[str] | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply every event some view (of ``names``, default all) has not seen;
    return how many were read."""
    with cycle_collector_paused():
        return _catch_up(views, read, names, batch_size, progress)


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector paused. A batch makes hundreds of thousands
    of objects, none in reference cycles, and collections triggered by their
    number would walk them again and again: a sixth of a rebuild's time. They
    are freed by reference counting as each batch ends; a test checks that
    catching up leaves no cycle behind."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _catch_up(
    views: TrackedViews,
    read: Callable[[int, int], Sequence[EventRecord]],
    names: Collection[str] | None,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> int:
    applied = conflicts = 0
    previous: dict[str, int] = {}
    while True:
        positions = {name: position for name, position in views.positions().items()
                     if names is None or name in names}  # fmt: skip
        if conflicts and positions != previous:
            conflicts = 0  # another process applied them first: read on from there
        previous = positions
        start = min(positions.values())
        batch = read(start, batch_size)
        if not batch:
            return applied
        try:
            views.apply(positions, batch)
        except IntegrityError:
            conflicts += 1  # counts only conflicts in which no view moved on
            if conflicts >= ATTEMPTS:
                raise ConcurrencyConflict(
                    "the views stopped moving yet would not take this batch; try again"
                ) from None
            continue
        applied += len(batch)
        if progress:
            progress(len(batch))
