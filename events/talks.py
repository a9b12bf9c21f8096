"""The Talks aggregate: one diplomatic talks and everything recorded about it.

Public command methods validate and raise before anything happens, then
trigger one event; each event's ``apply()`` only changes state, because it
runs again on every replay. Nothing is ever deleted: corrections are
:class:`Talks.EntryAmended` and :class:`Talks.EntryRetracted` events that name
the entry they correct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID

from events.base import (
    TOPIC_PREFIX,
    RecordedAggregate,
    ValidDate,
    register_event_topics,
    stable_id,
)
from events.errors import (
    AlreadyExists,
    AlreadyRetracted,
    InvalidInput,
    NotFound,
    excerpt,
)
from events.kinds import KINDS, parse_ref
from events.likelihood import Likelihood, as_likelihood
from events.values import (
    PartialDate,
    as_actor_code,
    as_slug,
    optional_text,
    required_text,
    required_texts,
)

ACTIVE = "active"
RETRACTED = "retracted"

FieldValue = str | list[str] | None
"""An amended field's new value, as stored."""


def talks_id(slug: str) -> UUID:
    return stable_id("talks", slug)


class Talks(RecordedAggregate):
    """A diplomatic talks, identified by a slug such as ``beijing-talks``."""

    Event = RecordedAggregate.Event
    Created = RecordedAggregate.Created
    # Named here, the base events keep the library from defining a subclass
    # of every event below for this aggregate: half the pydantic models to
    # build when the command line starts.

    class Opened(RecordedAggregate.Created):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "TalksOpened"
        slug: str
        title: str
        location: str
        parties: list[str]
        on: ValidDate | None
        summary: str | None
        sources: list[str]

        def apply(self, talks: Talks) -> None:
            talks.slug = self.slug
            talks.entries["talks"] = ACTIVE

    class AgendaItemAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "AgendaItemAdded"
        key: str
        title: str
        detail: str | None
        on: ValidDate | None

        class_version: ClassVar[int] = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        def apply(self, talks: Talks) -> None:
            talks.entries[f"agenda:{self.key}"] = ACTIVE

    class StanceRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "StanceRecorded"
        actor: str
        position: str
        interests: list[str]
        on: ValidDate | None

        def apply(self, talks: Talks) -> None:
            talks.count_actor_entry(f"stance:{self.actor}", +1)

    class MotivationRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "MotivationRecorded"
        actor: str
        text: str
        on: ValidDate | None

        class_version: ClassVar[int] = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        def apply(self, talks: Talks) -> None:
            talks.count_actor_entry(f"motive:{self.actor}", +1)

    class ScenarioAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "ScenarioAdded"
        key: str
        outcome: str
        impact: str
        on: ValidDate | None

        class_version: ClassVar[int] = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        def apply(self, talks: Talks) -> None:
            talks.entries[f"scenario:{self.key}"] = ACTIVE

    class ScenarioAssessed(RecordedAggregate.Event):
        """How likely scenario ``key`` is, in ICD 203 terms; a later one supersedes."""

        TOPIC: ClassVar[str] = TOPIC_PREFIX + "ScenarioAssessed"
        key: str
        likelihood: Likelihood
        note: str | None
        on: ValidDate | None

        def apply(self, talks: Talks) -> None:
            talks.count_actor_entry(f"assessment:{self.key}", +1)

    class RecommendationAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "RecommendationAdded"
        key: str
        title: str
        outcome: str | None
        detail: str | None
        audience: str | None
        on: ValidDate | None

        class_version: ClassVar[int] = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        def apply(self, talks: Talks) -> None:
            talks.entries[f"recommendation:{self.key}"] = ACTIVE

    class DevelopmentRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "DevelopmentRecorded"
        number: int
        on: ValidDate
        text: str
        sources: list[str]

        def apply(self, talks: Talks) -> None:
            talks.developments = self.number
            talks.entries[f"development:{self.number}"] = ACTIVE

    class EntryAmended(RecordedAggregate.Event):
        """Changes what an entry says; whether it stands is unchanged."""

        TOPIC: ClassVar[str] = TOPIC_PREFIX + "EntryAmended"
        ref: str
        changes: dict[str, FieldValue]
        reason: str

    class EntryRetracted(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "EntryRetracted"
        ref: str
        reason: str

        def apply(self, talks: Talks) -> None:
            if self.ref in talks.actor_entries:
                talks.count_actor_entry(self.ref, -1)
            else:
                talks.entries[self.ref] = RETRACTED

    def __init__(self) -> None:
        # The state commands validate against; set by the events' apply().
        self.slug = ""
        self.entries: dict[str, str] = {}  # "agenda:KEY" -> active or retracted
        # "stance:CHN", "assessment:KEY" -> how many of them stand
        self.actor_entries: dict[str, int] = {}
        self.developments = 0

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
        return cls._create(
            cls.Opened,
            slug=slug,
            title=required_text(title, "title"),
            location=required_text(location, "location"),
            parties=[as_actor_code(party) for party in parties],
            on=on,
            summary=optional_text(summary, "summary"),
            sources=required_texts(sources, "source"),
            recorded_by=recorded_by,
        )

    # -- commands: validate, then trigger -------------------------------------

    def add_agenda_item(
        self,
        key: str,
        title: str,
        detail: str | None,
        recorded_by: str,
        *,
        on: PartialDate | None = None,
    ) -> None:
        self._claim_key("agenda", key)
        self.trigger_event(
            self.AgendaItemAdded,
            key=key,
            title=required_text(title, "title"),
            detail=optional_text(detail, "detail"),
            on=on,
            recorded_by=recorded_by,
        )

    def record_stance(
        self,
        actor: str,
        position: str,
        interests: list[str],
        on: PartialDate | None,
        recorded_by: str,
    ) -> None:
        self.trigger_event(
            self.StanceRecorded,
            actor=as_actor_code(actor),
            position=required_text(position, "position"),
            interests=required_texts(interests, "interest"),
            on=on,
            recorded_by=recorded_by,
        )

    def record_motivation(
        self, actor: str, text: str, recorded_by: str, *, on: PartialDate | None = None
    ) -> None:
        self.trigger_event(
            self.MotivationRecorded,
            actor=as_actor_code(actor),
            text=required_text(text, "motivation"),
            on=on,
            recorded_by=recorded_by,
        )

    def add_scenario(
        self,
        key: str,
        outcome: str,
        impact: str,
        recorded_by: str,
        *,
        on: PartialDate | None = None,
    ) -> None:
        self._claim_key("scenario", key)
        self.trigger_event(
            self.ScenarioAdded,
            key=key,
            outcome=required_text(outcome, "outcome"),
            impact=required_text(impact, "potential impact"),
            on=on,
            recorded_by=recorded_by,
        )

    def assess_scenario(
        self,
        key: str,
        likelihood: str,
        note: str | None,
        on: PartialDate | None,
        recorded_by: str,
    ) -> None:
        self._require_active(f"scenario:{as_slug(key)}")
        self.trigger_event(
            self.ScenarioAssessed,
            key=key,
            likelihood=as_likelihood(likelihood),
            note=optional_text(note, "note"),
            on=on,
            recorded_by=recorded_by,
        )

    def add_recommendation(
        self,
        key: str,
        title: str,
        outcome: str | None,
        detail: str | None,
        audience: str | None,
        recorded_by: str,
        *,
        on: PartialDate | None = None,
    ) -> None:
        self._claim_key("recommendation", key)
        self.trigger_event(
            self.RecommendationAdded,
            key=key,
            title=required_text(title, "title"),
            outcome=optional_text(outcome, "outcome"),
            detail=optional_text(detail, "detail"),
            audience=as_actor_code(audience) if audience else None,
            on=on,
            recorded_by=recorded_by,
        )

    def record_development(
        self, on: PartialDate, text: str, sources: list[str], recorded_by: str
    ) -> int:
        self.trigger_event(
            self.DevelopmentRecorded,
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
            fields = ", ".join(f"--{name}" for name in KINDS[kind].amendable)
            raise InvalidInput(f"nothing to amend: give at least one of {fields}")
        self.trigger_event(
            self.EntryAmended,
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
        self.trigger_event(
            self.EntryRetracted,
            ref=ref,
            reason=required_text(reason, "reason"),
            recorded_by=recorded_by,
        )

    def redo(self, event: RecordedAggregate.Event) -> None:
        """Issue again the command that recorded ``event`` (read from another
        store), on the talks as they stand: the same checks decide whether it
        is accepted, and the event it triggers must be the same."""
        command = _REDO.get(type(event))
        if command is None:
            raise InvalidInput(f"{event.type_name()} of talks that exist")
        command(self, event)

    # -- guards ---------------------------------------------------------------

    def count_actor_entry(self, ref: str, change: int) -> None:
        self.actor_entries[ref] = self.actor_entries.get(ref, 0) + change

    def _claim_key(self, kind: str, key: str) -> None:
        ref = f"{kind}:{as_slug(key)}"
        if ref in self.entries:
            raise AlreadyExists(f"{ref} already exists in talks {self.slug!r}")

    def _require_active(self, ref: str) -> None:
        kind, _ = parse_ref(ref)
        if KINDS[kind].repeated:
            if ref not in self.actor_entries:
                raise NotFound(f"no {ref} in talks {self.slug!r}")
            if self.actor_entries[ref] == 0:
                raise AlreadyRetracted(
                    f"every {ref} in talks {self.slug!r} is already retracted"
                )
            return
        status = self.entries.get(ref)
        if status is None:
            raise NotFound(f"no {ref} in talks {self.slug!r}")
        if status == RETRACTED:
            raise AlreadyRetracted(f"{ref} in talks {self.slug!r} is already retracted")


def _amended(kind: str, name: str, value: Any) -> FieldValue:
    """Validate one amended field of an entry of ``kind``, by its rule."""
    rule = KINDS[kind].amendable.get(name)
    if rule is None:
        allowed = ", ".join(KINDS[kind].amendable)
        raise InvalidInput(
            f"{kind} entries have no field {excerpt(name)}; amend: {allowed}"
        )
    if rule == "text":
        return required_text(str(value), name)
    if rule == "texts":
        return required_texts([value] if isinstance(value, str) else list(value), name)
    if rule == "required_date" or (rule == "date" and value):
        return PartialDate.parse(str(value)).text
    if rule == "date":
        return None
    if rule == "actor":
        return as_actor_code(str(value)) if value else None
    if rule == "likelihood":
        return as_likelihood(str(value))
    return optional_text(value, name)


_REDO: dict[type, Callable[[Talks, Any], object]] = {
    # each event type: the command that records it, from the event's fields
    Talks.AgendaItemAdded: lambda t, e: t.add_agenda_item(
        e.key, e.title, e.detail, e.recorded_by, on=e.on
    ),
    Talks.StanceRecorded: lambda t, e: t.record_stance(
        e.actor, e.position, e.interests, e.on, e.recorded_by
    ),
    Talks.MotivationRecorded: lambda t, e: t.record_motivation(
        e.actor, e.text, e.recorded_by, on=e.on
    ),
    Talks.ScenarioAdded: lambda t, e: t.add_scenario(
        e.key, e.outcome, e.impact, e.recorded_by, on=e.on
    ),
    Talks.ScenarioAssessed: lambda t, e: t.assess_scenario(
        e.key, e.likelihood, e.note, e.on, e.recorded_by
    ),
    Talks.RecommendationAdded: lambda t, e: t.add_recommendation(
        e.key, e.title, e.outcome, e.detail, e.audience, e.recorded_by, on=e.on
    ),
    Talks.DevelopmentRecorded: lambda t, e: t.record_development(
        e.on, e.text, e.sources, e.recorded_by
    ),
    Talks.EntryAmended: lambda t, e: t.amend(
        e.ref, e.model_dump(mode="json")["changes"], e.reason, e.recorded_by
    ),
    Talks.EntryRetracted: lambda t, e: t.retract(e.ref, e.reason, e.recorded_by),
}

register_event_topics(Talks)
