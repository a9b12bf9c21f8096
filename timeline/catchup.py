"""Keeping the views up: catching up, in worker processes when far behind,
and rebuilding.

Catching up reads the stored events each view has not applied, decoded by
the application's mapper, and applies them (:mod:`projections.catchup`).
Far behind, each group of views is caught up by a process of its own, so
their work runs on separate cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timeline.application import DiplomaticRecord, OpenedWith

PARALLEL_FROM = 50_000
"""Events the views must lag by before a second process is worth starting."""

Progress = Callable[[int], None]
"""Told how many more events were applied."""


def catch_up(
    record: DiplomaticRecord,
    progress: Progress | None = None,
    names: Collection[str] | None = None,
) -> int:
    """Apply new events to the views (of ``names``, default all); return
    how many events were read. Views that lag by PARALLEL_FROM events or
    more are caught up by a worker process per group of views."""
    from projections.catchup import catch_up as apply_new

    views = record.views
    chosen = list(names or views.names())
    groups = views.replay_groups(chosen)
    positions = views.positions()
    lag = views.head() - min(positions[name] for name in chosen)
    if len(groups) > 1 and usable_cores() > 1 and lag >= PARALLEL_FROM:
        return _side_by_side(record, groups, progress)
    return apply_new(views, record.read_records, names=chosen, progress=progress)


def rebuild(
    record: DiplomaticRecord, names: Iterable[str], progress: Progress | None = None
) -> int:
    """Empty the named views and replay every event into them."""
    chosen = list(names)
    record.views.reset(chosen)
    return catch_up(record, progress, chosen)


def _side_by_side(
    record: DiplomaticRecord, groups: list[list[str]], progress: Progress | None
) -> int:
    """Each group of views caught up by a process of its own; they take
    turns at the store's write lock. Progress follows the furthest-behind
    view. If a worker fails, or this process is interrupted, the workers are
    stopped: a worker stopped mid-batch writes nothing of it."""
    import multiprocessing

    names = [name for group in groups for name in group]

    def reached() -> int:
        positions = record.views.positions()
        return min(positions[name] for name in names)

    shown = reached()
    context = multiprocessing.get_context("spawn")  # no copied connections
    with context.Pool(len(groups)) as pool:  # leaving it stops the workers
        results = [pool.apply_async(_catch_up_alone, (record.opened_with, group))
                   for group in groups]  # fmt: skip
        while not all(result.ready() for result in results):
            next(r for r in results if not r.ready()).wait(0.2)
            if any(r.ready() and not r.successful() for r in results):
                break  # get() below raises its error
            if progress:
                now = reached()
                progress(now - shown)
                shown = now
        read = max(result.get() for result in results)
    if progress:
        progress(reached() - shown)
    return read


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _catch_up_alone(opened_with: OpenedWith, names: list[str]) -> int:
    """In a process of its own: catch the named views up; how many events read."""
    from timeline.application import DiplomaticRecord

    record = DiplomaticRecord(*opened_with)
    try:
        return catch_up(record, names=names)
    finally:
        record.close()
