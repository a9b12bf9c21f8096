"""Pydantic domain events on eventsourcing aggregates.

Every stored event is a contract forever: each concrete event class carries an
explicit, stable ``TOPIC`` (``diplomatic-timeline/<Name>``), so moving a class
to another module never orphans what is stored. Schema changes add a
``class_version`` and ``upcast_vX_vY`` static methods.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Self
from uuid import UUID, uuid5

from eventsourcing.domain import (
    Aggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
)
from eventsourcing.utils import register_topic
from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator

from events.errors import InvalidInput, excerpt
from events.policy import checked
from events.values import PartialDate

NAMESPACE = UUID("6f3c2d52-9a0e-4f4b-8d59-3c1c1f0a7d21")
TOPIC_PREFIX = "diplomatic-timeline/"


def stable_id(kind: str, key: str) -> UUID:
    """Deterministic aggregate id from a human key: ``uuid5(namespace, kind:key)``."""
    return uuid5(NAMESPACE, f"{kind}:{key}")


class DomainEvent(BaseModel):
    """Immutable, typed event; the store gives position, the library the time."""

    # Models are built on first use: a command that touches three event types
    # does not pay for building all of them at start-up.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime

    @classmethod
    def type_name(cls) -> str:
        """The stable name of this kind of event: ``StanceRecorded``."""
        return cls.TOPIC.removeprefix(TOPIC_PREFIX)


class OutdatedSnapshot(Exception):
    """A snapshot of an aggregate's state of an earlier shape, which cannot be
    brought up to date without the aggregate's events: fold those instead."""


class AggregateSnapshot(DomainEvent, CanSnapshotAggregate[UUID]):
    """Snapshot of an aggregate's state; its state is plain JSON data."""

    TOPIC: ClassVar[str] = TOPIC_PREFIX + "Snapshot"

    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Any) -> Self:
        """A snapshot of ``aggregate``'s state, without what it keeps in
        memory only (its class's ``unsnapshotted`` attributes)."""
        snapshot = super().take(aggregate)
        for name in getattr(type(aggregate), "unsnapshotted", {}):
            snapshot.state.pop(name, None)
        return snapshot

    def mutate(self, _: None) -> Any:
        aggregate = super().mutate(None)
        for name in ("_created_on", "_modified_on"):
            value = getattr(aggregate, name)
            if isinstance(value, str):
                object.__setattr__(aggregate, name, datetime.fromisoformat(value))
        for name, make in getattr(type(aggregate), "unsnapshotted", {}).items():
            object.__setattr__(aggregate, name, make())  # as new: nothing in memory
        return aggregate


class RecordedAggregate(Aggregate):
    """Base of our aggregates: every event says who recorded it."""

    Snapshot = AggregateSnapshot  # type: ignore[assignment]  # pydantic, not dataclass

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        recorded_by: str

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str

    # Who records is checked by the input policy as every other text is:
    # here, where every event of every command is made.

    @classmethod
    def _create(cls, event_class: type[CanInitAggregate[UUID]], **kwargs: Any) -> Self:
        _check_author(kwargs.get("recorded_by"))
        return super()._create(event_class, **kwargs)

    def trigger_event(
        self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any
    ) -> None:
        _check_author(kwargs.get("recorded_by"))
        super().trigger_event(event_class, **kwargs)


def _check_author(author: object) -> None:
    if not isinstance(author, str) or not author.strip():
        raise InvalidInput("an author must be given: --author or TIMELINE_AUTHOR")
    _checked_author(author)


@lru_cache(maxsize=64)  # a store has few authors, each checked once
def _checked_author(author: str) -> None:
    checked(author, "author")


def register_event_topics(aggregate_class: type[Aggregate]) -> None:
    """Make the explicit topics of an aggregate's event classes resolvable."""
    for value in vars(aggregate_class).values():
        topic = getattr(value, "TOPIC", None)
        if isinstance(value, type) and topic and topic.startswith(TOPIC_PREFIX):
            register_topic(topic, value)


register_topic(AggregateSnapshot.TOPIC, AggregateSnapshot)


def _validate_date(value: Any) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, str):
        return PartialDate.parse(value)
    raise InvalidInput(f"date {excerpt(value)} must be text such as '2024-07'")


ValidDate = Annotated[
    PartialDate,
    PlainValidator(_validate_date),
    PlainSerializer(lambda value: value.text, return_type=str),
]
"""A :class:`PartialDate` field, stored as its original text."""
