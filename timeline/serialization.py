"""How domain events become stored bytes and back: pydantic models as JSON.

The library's default JSON transcoder rejects dates and enums it does not know;
pydantic already knows how to dump and validate every field, so the mapper
hands it plain JSON data and orjson encodes it.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

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
        return self.record_of(
            notification.id,
            str(notification.originator_id),
            notification.originator_version,
            notification.topic,
            notification.state,
        )

    def record_of(
        self, position: int, originator_id: str, version: int, topic: str, data: bytes
    ) -> EventRecord:
        """An event read straight from a stored row, as plain data for the views."""
        cls, type_name = self._types.get(topic) or self._resolve(topic)
        state = self._state(originator_id, version, cls, data)
        return EventRecord.from_state(position, originator_id, version, type_name,
                                      state)  # fmt: skip

    @cached_property
    def _types(self) -> dict[str, tuple[Any, str]]:
        return {}

    def _resolve(self, topic: str) -> tuple[Any, str]:
        cls = resolve_topic(topic)
        self._types[topic] = cls, cls.type_name()
        return self._types[topic]

    def _upcast_state(self, stored_event: StoredEvent) -> tuple[Any, dict[str, Any]]:
        """The event class and its stored state, brought up to its class_version."""
        cls = resolve_topic(stored_event.topic)
        state = self._state(
            stored_event.originator_id,
            stored_event.originator_version,
            cls,
            stored_event.state,
        )
        return cls, state

    def _state(
        self, originator_id: Any, version: int, cls: Any, data: bytes
    ) -> dict[str, Any]:
        try:
            state: dict[str, Any] = self.transcoder.decode(self._unseal(data))
        except Exception as error:
            raise MapperDeserialisationError(
                f"stored event {originator_id} v{version} cannot be read: {error}"
            ) from error
        stored_version = state.pop("class_version", 1)
        while stored_version < cls.class_version:
            getattr(cls, f"upcast_v{stored_version}_v{stored_version + 1}")(state)
            stored_version += 1
        return state

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
