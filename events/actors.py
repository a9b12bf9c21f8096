"""Actors: states by ISO 3166-1 alpha-3 code, everyone else registered first."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import ClassVar
from uuid import UUID

from events.base import (
    TOPIC_PREFIX,
    RecordedAggregate,
    register_event_topics,
    stable_id,
)
from events.errors import InvalidInput, excerpt
from events.values import as_slug, required_text


class ActorKind(StrEnum):
    STATE = "state"
    GROUP = "group"
    ORGANIZATION = "organization"
    PERSON = "person"


def country_name(code: str) -> str:
    """Display name of an ISO 3166-1 alpha-3 code, current or historic (SUN, YUG)."""
    name = _countries().get(code)
    if name is None:
        raise InvalidInput(f"unknown country code {excerpt(code)} (ISO 3166-1 alpha-3)")
    return name


@cache
def _countries() -> dict[str, str]:
    """pycountry's ISO 3166-1 and 3166-3 data, read directly.

    Importing pycountry builds its whole object model (about 45 ms, on every
    CLI command that names a country); its JSON files alone load in about 1 ms.
    """
    import orjson

    spec = find_spec("pycountry")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("pycountry is required to name countries")
    databases = Path(spec.origin).parent / "databases"
    names: dict[str, str] = {}
    for file, key in (("iso3166-3.json", "3166-3"), ("iso3166-1.json", "3166-1")):
        for country in orjson.loads((databases / file).read_bytes())[key]:
            if "alpha_3" in country:
                names[country["alpha_3"]] = country.get("common_name", country["name"])
    return names


class Actor(RecordedAggregate):
    """A non-state actor (group, organization, person) registered by key."""

    Event = RecordedAggregate.Event  # so the library defines no subclasses (Talks)
    Created = RecordedAggregate.Created

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
            raise InvalidInput(f"actor kind {excerpt(kind)} must be one of: {choices}")
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
