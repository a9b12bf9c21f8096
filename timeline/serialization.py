"""How domain events become stored bytes and back: pydantic models as JSON.

The library's default JSON transcoder rejects dates and enums it does not know;
pydantic already knows how to dump and validate every field, so the mapper
hands it plain JSON data and orjson encodes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from typing import Any, cast

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    Transcoding,
)
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

from events.base import AggregateSnapshot
from projections.records import EventRecord, dashed, fixed_time
from timeline import chain


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
        topic = get_topic(type(domain_event))
        heads = chain.HEADS.get()
        if heads is None or isinstance(event, AggregateSnapshot):  # not chained
            data = self.transcoder.encode(state)
        else:  # linked to the aggregate's last event: see timeline.chain
            aggregate = domain_event.originator_id
            version = domain_event.originator_version
            body = chain.canonical(state)
            heads[aggregate] = hashed = chain.link(
                heads[aggregate], topic, aggregate.hex, version, body
            )
            data = chain.sealed(body, hashed)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=self._seal(data),
        )

    def plain(self, data: bytes) -> bytes:
        """A stored state as it was before sealing (decrypted)."""
        return self._unseal(data)

    def sealed(self, stored: StoredEvent) -> StoredEvent:
        """An event whose state is plain (from an event log) as stored here:
        encrypted, on an encrypted store."""
        if not (self.cipher or self.compressor):
            return stored
        return replace(stored, state=self._seal(stored.state))

    def from_plain(self, stored: StoredEvent) -> DomainEventProtocol[Any]:
        """The domain event of a stored event whose state is plain."""
        cls = resolve_topic(stored.topic)
        try:
            state: dict[str, Any] = self.transcoder.decode(stored.state)
        except Exception as error:
            raise MapperDeserialisationError(
                f"event {stored.originator_id} v{stored.originator_version}"
                f" cannot be read: {error}"
            ) from error
        state.pop("chain", None)
        self._upcast(cls, state)
        state["originator_id"] = stored.originator_id
        state["originator_version"] = stored.originator_version
        return cast(DomainEventProtocol[Any], cls.model_validate(state))

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        cls, state = self._upcast_state(stored_event)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cast(DomainEventProtocol[Any], cls.model_validate(state))

    def record_of(
        self, position: int, hex_id: str, version: int, topic: str, data: bytes
    ) -> EventRecord:
        """An event read straight from a stored row (its aggregate id in hex),
        as plain data for the views."""
        cls, type_name = self._types.get(topic) or self._resolve(topic)
        originator_id = dashed(hex_id)
        state = self._state(originator_id, version, cls, data)
        return EventRecord.from_state(position, originator_id, version, type_name,
                                      state)  # fmt: skip

    def records_of(
        self, rows: Iterable[tuple[int, str, int, str, bytes]]
    ) -> list[EventRecord]:
        """Stored rows as :meth:`record_of` reads each, in one loop: a replay
        reads millions, and the calls per row were a tenth of reading them."""
        if self.cipher or self.compressor:
            return [self.record_of(*row) for row in rows]
        types, loads, fixed = self._types, orjson.loads, fixed_time
        records = []
        for position, hex_id, version, topic, data in rows:
            cls, type_name = types.get(topic) or self._resolve(topic)
            originator_id = dashed(hex_id)
            try:
                state = loads(data)
            except orjson.JSONDecodeError as error:
                raise MapperDeserialisationError(
                    f"stored event {originator_id} v{version} cannot be read: {error}"
                ) from error
            if cls.class_version > 1 or "class_version" in state:
                self._upcast(cls, state)
            state.pop("originator_topic", None)
            state.pop("chain", None)
            records.append(EventRecord(
                position, originator_id, version, type_name,
                fixed(state.pop("timestamp")), state.pop("recorded_by", ""), state,
            ))  # fmt: skip
        return records

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
        state.pop("chain", None)  # of the store, not of the event: timeline.chain
        self._upcast(cls, state)
        return state

    @staticmethod
    def _upcast(cls: Any, state: dict[str, Any]) -> None:
        """Bring ``state`` from its stored class_version up to ``cls``'s."""
        stored_version = state.pop("class_version", 1)
        while stored_version < cls.class_version:
            getattr(cls, f"upcast_v{stored_version}_v{stored_version + 1}")(state)
            stored_version += 1

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
