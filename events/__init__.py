"""Write side: domain events, aggregates and value objects. No I/O."""

from events.actors import Actor, ActorKind, actor_id, country_name, is_country_code
from events.base import AggregateSnapshot, DomainEvent
from events.errors import (
    AlreadyExists,
    AlreadyRetracted,
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    StoreError,
    TimelineError,
)
from events.talks import AMENDABLE, Talks, parse_ref, talks_id
from events.values import PartialDate

__all__ = [
    "AMENDABLE",
    "Actor",
    "ActorKind",
    "AggregateSnapshot",
    "AlreadyExists",
    "AlreadyRetracted",
    "ConcurrencyConflict",
    "DomainEvent",
    "InvalidInput",
    "NotFound",
    "PartialDate",
    "StoreError",
    "Talks",
    "TimelineError",
    "actor_id",
    "country_name",
    "is_country_code",
    "parse_ref",
    "talks_id",
]
