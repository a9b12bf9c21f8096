"""The registry of non-state actors, as a read model."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from events import Actor


class ActorView(BaseModel):
    key: str
    name: str
    kind: str
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def registered(cls, event: Actor.Registered) -> ActorView:
        return cls(
            key=event.key,
            name=event.name,
            kind=event.kind.value,
            recorded_at=event.timestamp,
            recorded_by=event.recorded_by,
        )
