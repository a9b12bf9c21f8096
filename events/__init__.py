"""Write side: domain events, aggregates and value objects. No I/O.

Names are loaded on first use, so that importing :mod:`events.errors` (as the
CLI does at start-up) does not build every event model.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_HOME = {
    "Actor": "events.actors",
    "ActorKind": "events.actors",
    "actor_id": "events.actors",
    "country_name": "events.actors",
    "is_country_code": "events.values",
    "AggregateSnapshot": "events.base",
    "DomainEvent": "events.base",
    "AlreadyExists": "events.errors",
    "AlreadyRetracted": "events.errors",
    "ConcurrencyConflict": "events.errors",
    "InvalidInput": "events.errors",
    "NotFound": "events.errors",
    "no_talks": "events.errors",
    "not_yet": "events.errors",
    "StaleVersion": "events.errors",
    "StoreError": "events.errors",
    "TimelineError": "events.errors",
    "KINDS": "events.kinds",
    "Kind": "events.kinds",
    "parse_ref": "events.kinds",
    "Talks": "events.talks",
    "talks_id": "events.talks",
    "PartialDate": "events.values",
}

__all__ = [
    "KINDS",
    "Actor",
    "ActorKind",
    "AggregateSnapshot",
    "AlreadyExists",
    "AlreadyRetracted",
    "ConcurrencyConflict",
    "DomainEvent",
    "InvalidInput",
    "Kind",
    "NotFound",
    "PartialDate",
    "StaleVersion",
    "StoreError",
    "Talks",
    "TimelineError",
    "actor_id",
    "country_name",
    "is_country_code",
    "no_talks",
    "not_yet",
    "parse_ref",
    "talks_id",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'events' has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)


if TYPE_CHECKING:
    from events.actors import Actor, ActorKind, actor_id, country_name
    from events.base import AggregateSnapshot, DomainEvent
    from events.errors import (
        AlreadyExists,
        AlreadyRetracted,
        ConcurrencyConflict,
        InvalidInput,
        NotFound,
        StaleVersion,
        StoreError,
        TimelineError,
        no_talks,
        not_yet,
    )
    from events.kinds import KINDS, Kind, parse_ref
    from events.talks import Talks, talks_id
    from events.values import PartialDate, is_country_code
