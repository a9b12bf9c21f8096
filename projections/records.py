"""Stored events as the views read them: plain data, decoded once, not validated.

Events were validated when they were recorded; the views only need their
fields. Reading them as JSON data (after any upcasting) instead of rebuilding
the pydantic models makes catching up several times faster.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

if TYPE_CHECKING:
    from events.base import DomainEvent


def fixed_time(recorded_at: str) -> str:
    """A stored record time with microseconds, so that all sort as text:
    ``2024-07-23T10:00:00Z`` (whole seconds) -> ``2024-07-23T10:00:00.000000Z``."""
    if len(recorded_at) == 20:
        return recorded_at[:-1] + ".000000Z"
    return recorded_at


@lru_cache(maxsize=65_536)
def dashed(hex_id: str) -> str:
    """An aggregate id as ``str(UUID)`` writes it, from the 32 hex digits the
    store keeps. Few aggregates have many events: each id is written once."""
    return str(UUID(hex_id))


class EventRecord(NamedTuple):
    position: int
    """Position of the event in the whole store (its notification id)."""
    originator_id: str
    """The aggregate's id as text, ``8-4-4-4-12`` hex digits."""
    version: int
    """Position of the event in its aggregate's stream."""
    type: str
    """Stable name of the event type: ``StanceRecorded``."""
    recorded_at: str
    """When it was recorded, RFC 3339 UTC with microseconds: it sorts as text."""
    recorded_by: str
    data: dict[str, Any]
    """The event's own fields, as JSON data."""

    @classmethod
    def from_state(
        cls,
        position: int,
        originator_id: str,
        version: int,
        type_name: str,
        state: dict[str, Any],
    ) -> EventRecord:
        """From the stored state of an event (already upcast to its version);
        takes ``state`` over."""
        recorded_at = fixed_time(state.pop("timestamp"))
        recorded_by = state.pop("recorded_by", "")
        state.pop("originator_topic", None)
        return cls(position, originator_id, version, type_name, recorded_at,
                   recorded_by, state)  # fmt: skip

    @classmethod
    def of(cls, position: int, event: DomainEvent) -> EventRecord:
        """From an event in memory, exactly as it would be read back."""
        meta = {"originator_id", "originator_version"}
        state = event.model_dump(mode="json", exclude=meta)
        return cls.from_state(
            position, str(event.originator_id), event.originator_version,
            event.type_name(), state,
        )  # fmt: skip
