"""The registry of non-state actors, as a read model."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from events import Actor


class ActorView(TypedDict):
    key: str
    name: str
    kind: str
    recorded_at: str
    recorded_by: str


def registered(event: Actor.Registered) -> ActorView:
    return ActorView(
        key=event.key,
        name=event.name,
        kind=event.kind.value,
        recorded_at=event.timestamp.isoformat(),
        recorded_by=event.recorded_by,
    )
