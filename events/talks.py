"""The Talks aggregate: one diplomatic talks and everything recorded about it.

Public command methods validate and raise before anything happens; the private
``@event`` methods only change state, because their bodies run again on every
replay. Nothing is ever deleted: corrections are :class:`Talks.EntryAmended`
and :class:`Talks.EntryRetracted` events that name the entry they correct.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from events.base import TOPIC_PREFIX, RecordedAggregate, register_event_topics, stable_id
from events.errors import AlreadyExists, AlreadyRetracted, InvalidInput, NotFound
from events.values import (
    PartialDate,
    ValidDate,
    as_actor_code,
    as_slug,
    optional_text,
    required_text,
    required_texts,
)

ACTIVE = "active"
RETRACTED = "retracted"

KEYED_KINDS = ("agenda", "scenario", "recommendation", "development")
ACTOR_KINDS = ("stance", "motive")
REF_KINDS = ("talks", "agenda", "stance", "motive", "scenario", "recommendation",
             "development")

AMENDABLE: dict[str, dict[str, str]] = {
    # kind -> field -> "text" (required), "optional" (may be cleared),
    # "date" (valid date, may be cleared), "required_date", "texts" (a list),
    # "actor" (an actor code, may be cleared)
    "talks": {"title": "text", "location": "text", "summary": "optional",
              "on": "date"},
    "agenda": {"title": "text", "detail": "optional"},
    "stance": {"position": "text", "interests": "texts", "on": "date"},
    "motive": {"text": "text"},
    "scenario": {"outcome": "text", "impact": "text"},
    "recommendation": {"title": "text", "outcome": "optional",
                       "detail": "optional", "audience": "actor"},
    "development": {"text": "text", "on": "required_date"},
}  # fmt: skip

Change = str | list[str] | None


def talks_id(slug: str) -> UUID:
    return stable_id("talks", slug)


def parse_ref(ref: str) -> tuple[str, str]:
    """Split ``kind:key`` (``stance:CHN``, ``agenda:humanitarian-aid``, ``talks``)."""
    kind, _, key = ref.partition(":")
    if kind == "talks" and not key:
        return kind, ""
    if kind not in REF_KINDS or not key:
        kinds = ", ".join(f"{k}:KEY" for k in REF_KINDS if k != "talks")
        raise InvalidInput(f"entry {ref!r} must be 'talks' or one of {kinds}")
    if kind in ACTOR_KINDS:
        as_actor_code(key)
    elif kind == "development":
        if not key.isdigit():
            raise InvalidInput(f"entry {ref!r}: developments are numbered, e.g. 1")
    else:
        as_slug(key)
    return kind, key


class Talks(RecordedAggregate):
    """A diplomatic talks, identified by a slug such as ``beijing-talks``."""

    class Opened(RecordedAggregate.Created):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "TalksOpened"
        slug: str
        title: str
        location: str
        parties: list[str]
        on: ValidDate | None
        summary: str | None
        sources: list[str]

    class AgendaItemAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "AgendaItemAdded"
        key: str
        title: str
        detail: str | None

    class StanceRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "StanceRecorded"
        actor: str
        position: str
        interests: list[str]
        on: ValidDate | None

    class MotivationRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "MotivationRecorded"
        actor: str
        text: str

    class ScenarioAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "ScenarioAdded"
        key: str
        outcome: str
        impact: str

    class RecommendationAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "RecommendationAdded"
        key: str
        title: str
        outcome: str | None
        detail: str | None
        audience: str | None

    class DevelopmentRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "DevelopmentRecorded"
        number: int
        on: ValidDate
        text: str
        sources: list[str]

    class EntryAmended(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "EntryAmended"
        ref: str
        changes: dict[str, Change]
        reason: str

    class EntryRetracted(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "EntryRetracted"
        ref: str
        reason: str

    @staticmethod
    def create_id(slug: str) -> UUID:
        return talks_id(slug)

    @classmethod
    def open(
        cls,
        *,
        slug: str,
        title: str,
        location: str,
        parties: list[str],
        on: PartialDate | None,
        summary: str | None,
        sources: list[str],
        recorded_by: str,
    ) -> Talks:
        as_slug(slug, "talks slug")
        if not parties:
            raise InvalidInput("talks need at least one party")
        if len(set(parties)) != len(parties):
            raise InvalidInput("each party may be named only once")
        return cls(
            slug=slug,
            title=required_text(title, "title"),
            location=required_text(location, "location"),
            parties=[as_actor_code(party) for party in parties],
            on=on,
            summary=optional_text(summary),
            sources=required_texts(sources, "source"),
            recorded_by=recorded_by,
        )

    @event(Opened)
    def __init__(
        self,
        slug: str,
        title: str,
        location: str,
        parties: list[str],
        on: PartialDate | None,
        summary: str | None,
        sources: list[str],
        recorded_by: str,
    ) -> None:
        self.slug = slug
        self.entries: dict[str, str] = {"talks": ACTIVE}
        self.actor_entries: dict[str, int] = {}  # "stance:CHN" -> active count
        self.developments = 0

    # -- commands: validate, then trigger -------------------------------------

    def add_agenda_item(
        self, key: str, title: str, detail: str | None, recorded_by: str
    ) -> None:
        self._claim_key("agenda", key)
        self._agenda_item_added(
            key=key, title=required_text(title, "title"), detail=optional_text(detail),
            recorded_by=recorded_by,
        )  # fmt: skip

    def record_stance(
        self,
        actor: str,
        position: str,
        interests: list[str],
        on: PartialDate | None,
        recorded_by: str,
    ) -> None:
        self._stance_recorded(
            actor=as_actor_code(actor),
            position=required_text(position, "position"),
            interests=required_texts(interests, "interest"),
            on=on,
            recorded_by=recorded_by,
        )

    def record_motivation(self, actor: str, text: str, recorded_by: str) -> None:
        self._motivation_recorded(
            actor=as_actor_code(actor), text=required_text(text, "motivation"),
            recorded_by=recorded_by,
        )  # fmt: skip

    def add_scenario(
        self, key: str, outcome: str, impact: str, recorded_by: str
    ) -> None:
        self._claim_key("scenario", key)
        self._scenario_added(
            key=key, outcome=required_text(outcome, "outcome"),
            impact=required_text(impact, "potential impact"), recorded_by=recorded_by,
        )  # fmt: skip

    def add_recommendation(
        self,
        key: str,
        title: str,
        outcome: str | None,
        detail: str | None,
        audience: str | None,
        recorded_by: str,
    ) -> None:
        self._claim_key("recommendation", key)
        self._recommendation_added(
            key=key,
            title=required_text(title, "title"),
            outcome=optional_text(outcome),
            detail=optional_text(detail),
            audience=as_actor_code(audience) if audience else None,
            recorded_by=recorded_by,
        )

    def record_development(
        self, on: PartialDate, text: str, sources: list[str], recorded_by: str
    ) -> int:
        self._development_recorded(
            number=self.developments + 1,
            on=on,
            text=required_text(text, "development"),
            sources=required_texts(sources, "source"),
            recorded_by=recorded_by,
        )
        return self.developments

    def amend(
        self, ref: str, changes: dict[str, Any], reason: str, recorded_by: str
    ) -> None:
        kind, _ = parse_ref(ref)
        self._require_active(ref)
        if not changes:
            fields = ", ".join(f"--{name}" for name in AMENDABLE[kind])
            raise InvalidInput(f"nothing to amend: give at least one of {fields}")
        self._entry_amended(
            ref=ref,
            changes={name: _amended(kind, name, v) for name, v in changes.items()},
            reason=required_text(reason, "reason"),
            recorded_by=recorded_by,
        )

    def retract(self, ref: str, reason: str, recorded_by: str) -> None:
        kind, _ = parse_ref(ref)
        if kind == "talks":
            raise InvalidInput("talks cannot be retracted; retract their entries")
        self._require_active(ref)
        self._entry_retracted(
            ref=ref, reason=required_text(reason, "reason"), recorded_by=recorded_by
        )

    # -- guards ---------------------------------------------------------------

    def _claim_key(self, kind: str, key: str) -> None:
        ref = f"{kind}:{as_slug(key)}"
        if ref in self.entries:
            raise AlreadyExists(f"{ref} already exists in talks {self.slug!r}")

    def _require_active(self, ref: str) -> None:
        kind, _ = parse_ref(ref)
        if kind in ACTOR_KINDS:
            if ref not in self.actor_entries:
                raise NotFound(f"no {ref} in talks {self.slug!r}")
            if self.actor_entries[ref] == 0:
                raise AlreadyRetracted(f"every {ref} in talks {self.slug!r} "
                                       "is already retracted")
            return
        status = self.entries.get(ref)
        if status is None:
            raise NotFound(f"no {ref} in talks {self.slug!r}")
        if status == RETRACTED:
            raise AlreadyRetracted(f"{ref} in talks {self.slug!r} is already retracted")

    # -- events: pure state changes -------------------------------------------

    @event(AgendaItemAdded)
    def _agenda_item_added(
        self, key: str, title: str, detail: str | None, recorded_by: str
    ) -> None:
        self.entries[f"agenda:{key}"] = ACTIVE

    @event(StanceRecorded)
    def _stance_recorded(
        self,
        actor: str,
        position: str,
        interests: list[str],
        on: PartialDate | None,
        recorded_by: str,
    ) -> None:
        ref = f"stance:{actor}"
        self.actor_entries[ref] = self.actor_entries.get(ref, 0) + 1

    @event(MotivationRecorded)
    def _motivation_recorded(self, actor: str, text: str, recorded_by: str) -> None:
        ref = f"motive:{actor}"
        self.actor_entries[ref] = self.actor_entries.get(ref, 0) + 1

    @event(ScenarioAdded)
    def _scenario_added(
        self, key: str, outcome: str, impact: str, recorded_by: str
    ) -> None:
        self.entries[f"scenario:{key}"] = ACTIVE

    @event(RecommendationAdded)
    def _recommendation_added(
        self,
        key: str,
        title: str,
        outcome: str | None,
        detail: str | None,
        audience: str | None,
        recorded_by: str,
    ) -> None:
        self.entries[f"recommendation:{key}"] = ACTIVE

    @event(DevelopmentRecorded)
    def _development_recorded(
        self,
        number: int,
        on: PartialDate,
        text: str,
        sources: list[str],
        recorded_by: str,
    ) -> None:
        self.developments = number
        self.entries[f"development:{number}"] = ACTIVE

    @event(EntryAmended)
    def _entry_amended(
        self, ref: str, changes: dict[str, Change], reason: str, recorded_by: str
    ) -> None:
        pass  # an amendment changes what the entry says, not whether it stands

    @event(EntryRetracted)
    def _entry_retracted(self, ref: str, reason: str, recorded_by: str) -> None:
        if ref in self.actor_entries:
            self.actor_entries[ref] -= 1
        else:
            self.entries[ref] = RETRACTED


def _amended(kind: str, name: str, value: Any) -> Change:
    """Validate one amended field of an entry of ``kind``."""
    rule = AMENDABLE[kind].get(name)
    if rule is None:
        allowed = ", ".join(AMENDABLE[kind])
        raise InvalidInput(f"{kind} entries have no field {name!r}; amend: {allowed}")
    if rule == "text":
        return required_text(str(value), name)
    if rule == "texts":
        return required_texts(list(value), name)
    if rule == "required_date" or (rule == "date" and value):
        return PartialDate.parse(str(value)).text
    if rule == "date":
        return None
    if rule == "actor":
        return as_actor_code(str(value)) if value else None
    return optional_text(value)


register_event_topics(Talks)
