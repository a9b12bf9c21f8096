"""The registry of non-state actors, as a read model."""

from __future__ import annotations

from typing_extensions import TypedDict  # pydantic reads it on Python 3.11

from projections.records import EventRecord


class ActorView(TypedDict):
    key: str
    name: str
    kind: str
    recorded_at: str
    recorded_by: str


def registered(record: EventRecord) -> ActorView:
    """The view of an actor from its ``ActorRegistered`` event."""
    return ActorView(
        key=record.data["key"],
        name=record.data["name"],
        kind=record.data["kind"],
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
    )
