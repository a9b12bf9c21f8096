"""Catching up when other processes apply the same batches first: a conflict
in which the views moved on is progress, not failure; a conflict in which
nothing moved is counted, and enough of them end in one clear error."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from eventsourcing.persistence import IntegrityError

from events.errors import ConcurrencyConflict
from projections.catchup import ATTEMPTS, catch_up
from projections.records import EventRecord

HEAD = 100


def read(after: int, limit: int) -> Sequence[EventRecord]:
    stop = min(after + limit, HEAD)
    return [
        EventRecord(n, "id", n, "TalksOpened", "2024-01-01", "tester", {})
        for n in range(after + 1, stop + 1)
    ]


class RacedViews:
    """Views that another process moves on by one event whenever this
    process tries to apply a batch, ``races`` times in all."""

    def __init__(self, races: int) -> None:
        self.position = 0
        self.races = races
        self.applied: list[int] = []

    def positions(self) -> dict[str, int]:
        return {"talks": self.position}

    def apply(self, positions: dict[str, int], batch: Sequence[EventRecord]) -> None:
        if self.races:
            self.races -= 1
            self.position += 1  # the other process got there first
            raise IntegrityError("moved")
        assert positions["talks"] == self.position
        self.applied.extend(record.position for record in batch)
        self.position = batch[-1].position


class StuckViews(RacedViews):
    """Views that refuse every batch while never moving."""

    def apply(self, positions: dict[str, int], batch: Sequence[EventRecord]) -> None:
        raise IntegrityError("refused")


def test_conflicts_in_which_the_views_moved_on_never_give_up() -> None:
    views = RacedViews(races=ATTEMPTS * 3)
    catch_up(views, read, batch_size=10)
    assert views.position == HEAD
    assert views.applied == list(range(ATTEMPTS * 3 + 1, HEAD + 1))


def test_conflicts_in_which_nothing_moved_end_in_one_clear_error() -> None:
    with pytest.raises(ConcurrencyConflict, match="would not take this batch"):
        catch_up(StuckViews(races=0), read, batch_size=10)
