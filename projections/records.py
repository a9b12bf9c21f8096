"""Stored events as the views read them: plain data, decoded once, not validated.

Events were validated when they were recorded; the views only need their
fields. Reading them as JSON data (after any upcasting) instead of rebuilding
the pydantic models makes catching up several times faster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from events.base import DomainEvent

META = ("timestamp", "recorded_by", "originator_topic")
"""Keys of a stored event's state that are not the event's own fields."""


@dataclass(frozen=True, slots=True)
class EventRecord:
    position: int
    """Position of the event in the whole store (its notification id)."""
    originator_id: UUID
    version: int
    """Position of the event in its aggregate's stream."""
    type: str
    """Stable name of the event type: ``StanceRecorded``."""
    recorded_at: str
    """When it was recorded, RFC 3339 UTC, as the store keeps it."""
    recorded_by: str
    data: dict[str, Any]
    """The event's own fields, as JSON data."""

    @classmethod
    def from_state(
        cls,
        position: int,
        originator_id: UUID,
        version: int,
        type_name: str,
        state: dict[str, Any],
    ) -> EventRecord:
        """From the stored state of an event (already upcast to its version)."""
        return cls(
            position=position,
            originator_id=originator_id,
            version=version,
            type=type_name,
            recorded_at=state["timestamp"],
            recorded_by=state.get("recorded_by", ""),
            data={k: v for k, v in state.items() if k not in META},
        )

    @classmethod
    def of(cls, position: int, event: DomainEvent) -> EventRecord:
        """From an event in memory, exactly as it would be read back."""
        meta = {"originator_id", "originator_version"}
        state = event.model_dump(mode="json", exclude=meta)
        return cls.from_state(
            position, event.originator_id, event.originator_version,
            event.type_name(), state,
        )  # fmt: skip
