"""Actors: states by ISO 3166-1 alpha-3 code, everyone else registered first."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import ClassVar
from uuid import UUID

from events.base import (
    TOPIC_PREFIX,
    RecordedAggregate,
    register_event_topics,
    stable_id,
)
from events.errors import InvalidInput
from events.values import COUNTRY_CODE, as_slug, required_text


class ActorKind(StrEnum):
    STATE = "state"
    GROUP = "group"
    ORGANIZATION = "organization"
    PERSON = "person"


def is_country_code(code: str) -> bool:
    return bool(COUNTRY_CODE.match(code))


@cache
def country_name(code: str) -> str:
    """Display name of an ISO 3166-1 alpha-3 code, current or historic (SUN, YUG)."""
    import pycountry  # loading its database costs ~40 ms: only when a code is seen

    country = pycountry.countries.get(alpha_3=code) or pycountry.historic_countries.get(
        alpha_3=code
    )
    if country is None:
        raise InvalidInput(f"unknown country code {code!r} (ISO 3166-1 alpha-3)")
    return str(getattr(country, "common_name", None) or country.name)


class Actor(RecordedAggregate):
    """A non-state actor (group, organization, person) registered by key."""

    class Registered(RecordedAggregate.Created):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "ActorRegistered"
        key: str
        name: str
        kind: ActorKind

        def apply(self, actor: Actor) -> None:
            actor.key, actor.name, actor.kind = self.key, self.name, self.kind

    @staticmethod
    def create_id(key: str) -> UUID:
        return actor_id(key)

    @classmethod
    def register(cls, key: str, name: str, kind: str, recorded_by: str) -> Actor:
        as_slug(key, "actor key")
        if kind == ActorKind.STATE or kind not in set(ActorKind):
            choices = ", ".join(k.value for k in ActorKind if k != ActorKind.STATE)
            raise InvalidInput(f"actor kind {kind!r} must be one of: {choices}")
        name = required_text(name, "actor name")
        return cls._create(
            cls.Registered,
            key=key,
            name=name,
            kind=ActorKind(kind),
            recorded_by=recorded_by,
        )

    def __init__(self) -> None:
        self.key = self.name = ""
        self.kind = ActorKind.GROUP


def actor_id(key: str) -> UUID:
    return stable_id("actor", key)


register_event_topics(Actor)
