"""How domain events become stored bytes and back: pydantic models as JSON.

The library's default JSON transcoder rejects dates and enums it does not know;
pydantic already knows how to dump and validate every field, so the mapper
hands it plain JSON data and orjson encodes it.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    Notification,
    StoredEvent,
    Transcoder,
    Transcoding,
)
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

from projections.records import EventRecord


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, transcoding: Transcoding) -> None:
        raise TypeError("pydantic models serialise themselves; nothing to register")


class PydanticMapper(Mapper[Any]):
    """Maps pydantic domain events, running ``upcast_vX_vY`` on older versions."""

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        event = cast(BaseModel, domain_event)
        state = event.model_dump(
            mode="json", exclude={"originator_id", "originator_version"}
        )
        class_version = getattr(type(event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=self._seal(self.transcoder.encode(state)),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        cls, state = self._upcast_state(stored_event)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cast(DomainEventProtocol[Any], cls.model_validate(state))

    def to_record(self, notification: Notification) -> EventRecord:
        """The event as plain data for the views: decoded, upcast, not validated."""
        cls, state = self._upcast_state(notification)
        return EventRecord.from_state(
            notification.id,
            cast(UUID, notification.originator_id),
            notification.originator_version,
            cls.type_name(),
            state,
        )

    def _upcast_state(self, stored_event: StoredEvent) -> tuple[Any, dict[str, Any]]:
        """The event class and its stored state, brought up to its class_version."""
        cls = resolve_topic(stored_event.topic)
        try:
            state = self.transcoder.decode(self._unseal(stored_event.state))
        except Exception as error:
            raise MapperDeserialisationError(
                f"stored event {stored_event.originator_id} "
                f"v{stored_event.originator_version} cannot be read: {error}"
            ) from error
        version = state.pop("class_version", 1)
        while version < getattr(cls, "class_version", 1):
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        return cls, state

    def _seal(self, data: bytes) -> bytes:
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return data

    def _unseal(self, data: bytes) -> bytes:
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return data
