"""The Talks aggregate: one diplomatic talks and everything recorded about it.

Public command methods validate and raise before anything happens, then
trigger one event; each event's ``apply()`` only changes state, because it
runs again on every replay. Nothing is ever deleted: corrections are
:class:`Talks.EntryAmended` and :class:`Talks.EntryRetracted` events that name
the entry they correct.

The aggregate keeps what its checks need and no recorded text: which refs
exist and, for each entry that stands, the versions of the events that
recorded and amended it. A change that would change nothing is refused, and
a case file compared with what is recorded, by the entry's fields as those
events say (:meth:`Talks.fields`): the events applied in memory, or those a
reader given by the caller fetches from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, ClassVar
from uuid import UUID

from events.base import (
    TOPIC_PREFIX,
    DomainEvent,
    OutdatedSnapshot,
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
from events.grades import Citation, as_citations
from events.kinds import KINDS, parse_ref
from events.likelihood import (
    Confidence,
    Likelihood,
    as_confidence,
    as_likelihood,
    assessed,
)
from events.links import Relation, as_relation
from events.policy import checked_items
from events.tags import as_tags
from events.values import (
    PartialDate,
    as_actor_code,
    as_slug,
    optional_text,
    required_text,
    required_texts,
)

FieldValue = str | list[str] | list[Citation] | None
"""An amended field's new value, as stored."""
Versions = list[int]
"""The versions of the events that recorded an entry and amended it, in order."""
Reader = Callable[[int], DomainEvent]
"""Fetches the talks' event of a version from the store."""
IDENTITY = frozenset({
    "originator_id", "originator_version", "originator_topic", "timestamp",
    "recorded_by", "slug", "key", "actor", "number", "target",
})  # fmt: skip
"""Fields of a recording event that say who and what it is, not what it says."""


def talks_id(slug: str) -> UUID:
    return stable_id("talks", slug)


class Talks(RecordedAggregate):
    """A diplomatic talks, identified by a slug such as ``beijing-talks``."""

    Event = RecordedAggregate.Event
    Created = RecordedAggregate.Created
    # Named here, the base events keep the library from defining a subclass
    # of every event below for this aggregate: half the pydantic models to
    # build when the command line starts.

    class_version: ClassVar[int] = 2
    """Of the aggregate's state in snapshots: version 2 keeps the versions of
    each entry's events."""
    unsnapshotted: ClassVar[dict[str, Callable[[], Any]]] = {"_recorded": dict}

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot of version 1 knows no entry's events, and its events are
        needed to find them: the talks is folded from its events instead."""
        raise OutdatedSnapshot

    class Opened(RecordedAggregate.Created):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "TalksOpened"
        slug: str
        title: str
        location: str
        parties: list[str]
        on: ValidDate | None
        summary: str | None
        sources: list[str]
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["tags"] = []  # version 1 had no tags

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 2 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.slug = self.slug
            talks.stand("talks", self)

    class AgendaItemAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "AgendaItemAdded"
        key: str
        title: str
        detail: str | None
        on: ValidDate | None
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 4

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["tags"] = []  # version 2 had no tags

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 3 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.stand(f"agenda:{self.key}", self)

    class StanceRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "StanceRecorded"
        actor: str
        position: str
        interests: list[str]
        on: ValidDate | None
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["tags"] = []  # version 1 had no tags

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 2 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.stand(f"stance:{self.actor}", self)

    class MotivationRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "MotivationRecorded"
        actor: str
        text: str
        on: ValidDate | None
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 4

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["tags"] = []  # version 2 had no tags

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 3 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.stand(f"motive:{self.actor}", self)

    class ScenarioAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "ScenarioAdded"
        key: str
        outcome: str
        impact: str
        on: ValidDate | None
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 4

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["tags"] = []  # version 2 had no tags

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 3 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.stand(f"scenario:{self.key}", self)

    class ScenarioAssessed(RecordedAggregate.Event):
        """How likely scenario ``key`` is, in ICD 203 terms, and with what
        confidence; a later one supersedes it."""

        TOPIC: ClassVar[str] = TOPIC_PREFIX + "ScenarioAssessed"
        key: str
        likelihood: Likelihood
        confidence: Confidence | None
        note: str | None
        on: ValidDate | None
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["confidence"] = None  # version 1 did not record it
            state["tags"] = []

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 2 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.stand(f"assessment:{self.key}", self)

    class RecommendationAdded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "RecommendationAdded"
        key: str
        title: str
        outcome: str | None
        detail: str | None
        audience: str | None
        on: ValidDate | None
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 4

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["on"] = None  # version 1 had no valid date

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["tags"] = []  # version 2 had no tags

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 3 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.stand(f"recommendation:{self.key}", self)

    class DevelopmentRecorded(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "DevelopmentRecorded"
        number: int
        on: ValidDate
        text: str
        sources: list[str]
        actors: list[str]
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["actors"] = []  # version 1 named no actors, and had no tags
            state["tags"] = []

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 2 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.developments = self.number
            talks.stand(f"development:{self.number}", self)

    class TalksLinked(RecordedAggregate.Event):
        """These talks stand in ``relation`` to talks ``target``."""

        TOPIC: ClassVar[str] = TOPIC_PREFIX + "TalksLinked"
        target: str
        relation: Relation
        note: str | None
        on: ValidDate | None
        tags: list[str]
        cites: list[Citation]

        class_version: ClassVar[int] = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["cites"] = []  # version 1 cited no graded source

        def apply(self, talks: Talks) -> None:
            talks.stand(f"link:{self.target}", self)

    class EntryAmended(RecordedAggregate.Event):
        """Changes what an entry says; whether it stands is unchanged."""

        TOPIC: ClassVar[str] = TOPIC_PREFIX + "EntryAmended"
        ref: str
        changes: dict[str, FieldValue]
        reason: str

        def apply(self, talks: Talks) -> None:
            talks.entries[self.ref][-1].append(self.originator_version)
            talks._recorded[self.originator_version] = self

    class EntryRetracted(RecordedAggregate.Event):
        TOPIC: ClassVar[str] = TOPIC_PREFIX + "EntryRetracted"
        ref: str
        reason: str

        def apply(self, talks: Talks) -> None:
            for version in talks.entries[self.ref].pop():
                talks._recorded.pop(version, None)

    def __init__(self) -> None:
        # The state commands validate against; set by the events' apply().
        self.slug = ""
        self.entries: dict[str, list[Versions]] = {}
        """Each ref recorded: the versions of the events of its entries that stand,
        oldest first (one at most, but for an actor's stances and the like);
        empty once every entry of it is retracted."""
        self.developments = 0
        self._recorded: dict[int, DomainEvent] = {}
        """The events of the entries that stand, by version, of those applied
        in memory (not kept in snapshots: :meth:`fields` reads the rest)."""

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
        tags: Iterable[str] = (),
        cites: Iterable[Any] = (),
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
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )

    # -- commands: validate, then trigger -------------------------------------

    def add_agenda_item(
        self, key: str, title: str, detail: str | None, recorded_by: str, *,
        on: PartialDate | None = None, tags: Iterable[str] = (),
        cites: Iterable[Any] = (),
    ) -> None:  # fmt: skip
        self._claim_key("agenda", key)
        self.trigger_event(
            self.AgendaItemAdded,
            key=key,
            title=required_text(title, "title"),
            detail=optional_text(detail, "detail"),
            on=on,
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )

    def record_stance(
        self, actor: str, position: str, interests: list[str],
        on: PartialDate | None, recorded_by: str, *, tags: Iterable[str] = (),
        cites: Iterable[Any] = (),
    ) -> None:  # fmt: skip
        self.trigger_event(
            self.StanceRecorded,
            actor=as_actor_code(actor),
            position=required_text(position, "position"),
            interests=required_texts(interests, "interest"),
            on=on,
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )

    def record_motivation(
        self, actor: str, text: str, recorded_by: str, *,
        on: PartialDate | None = None, tags: Iterable[str] = (),
        cites: Iterable[Any] = (),
    ) -> None:  # fmt: skip
        self.trigger_event(
            self.MotivationRecorded,
            actor=as_actor_code(actor),
            text=required_text(text, "motivation"),
            on=on,
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )

    def add_scenario(
        self, key: str, outcome: str, impact: str, recorded_by: str, *,
        on: PartialDate | None = None, tags: Iterable[str] = (),
        cites: Iterable[Any] = (),
    ) -> None:  # fmt: skip
        self._claim_key("scenario", key)
        self.trigger_event(
            self.ScenarioAdded,
            key=key,
            outcome=required_text(outcome, "outcome"),
            impact=required_text(impact, "potential impact"),
            on=on,
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )

    def assess_scenario(
        self, key: str, likelihood: str, note: str | None, on: PartialDate | None,
        recorded_by: str, *, confidence: str | None = None,
        tags: Iterable[str] = (), cites: Iterable[Any] = (),
        as_recorded: bool = False, read: Reader | None = None,
    ) -> None:  # fmt: skip
        """Assess scenario ``key``; an assessment that repeats the likelihood
        and confidence standing is refused (unless ``as_recorded``: see
        :meth:`redo`). ``read`` as for :meth:`fields`."""
        self._require_active(f"scenario:{as_slug(key)}")
        term = as_likelihood(likelihood)
        level = as_confidence(confidence) if confidence else None
        fields = {
            "note": optional_text(note, "note"),
            "tags": as_tags(tags),
            "cites": as_citations(cites),
        }
        if not as_recorded:  # every value checked first: bad input is bad input
            self._require_new_assessment(key, term, level, read)
        self.trigger_event(
            self.ScenarioAssessed,
            key=key,
            likelihood=term,
            confidence=level,
            on=on,
            recorded_by=recorded_by,
            **fields,
        )

    def add_recommendation(
        self, key: str, title: str, outcome: str | None, detail: str | None,
        audience: str | None, recorded_by: str, *, on: PartialDate | None = None,
        tags: Iterable[str] = (), cites: Iterable[Any] = (),
    ) -> None:  # fmt: skip
        self._claim_key("recommendation", key)
        self.trigger_event(
            self.RecommendationAdded,
            key=key,
            title=required_text(title, "title"),
            outcome=optional_text(outcome, "outcome"),
            detail=optional_text(detail, "detail"),
            audience=as_actor_code(audience) if audience else None,
            on=on,
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )

    def record_development(
        self, on: PartialDate, text: str, sources: list[str], recorded_by: str, *,
        actors: Iterable[str] = (), tags: Iterable[str] = (),
        cites: Iterable[Any] = (),
    ) -> int:  # fmt: skip
        self.trigger_event(
            self.DevelopmentRecorded,
            number=self.developments + 1,
            on=on,
            text=required_text(text, "development"),
            sources=required_texts(sources, "source"),
            actors=_actor_codes(actors),
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )
        return self.developments

    def link(
        self, target: str, relation: str, note: str | None, recorded_by: str, *,
        on: PartialDate | None = None, tags: Iterable[str] = (),
        cites: Iterable[Any] = (),
    ) -> None:  # fmt: skip
        """Record that these talks stand in ``relation`` to talks ``target``
        (whose existence the application checks: the domain sees one talks)."""
        if target == self.slug:
            raise InvalidInput(f"talks {self.slug!r} cannot be linked to themselves")
        self._claim_key("link", target)
        self.trigger_event(
            self.TalksLinked,
            target=target,
            relation=as_relation(relation),
            note=optional_text(note, "note"),
            on=on,
            tags=as_tags(tags),
            cites=as_citations(cites),
            recorded_by=recorded_by,
        )

    def amend(
        self, ref: str, changes: dict[str, Any], reason: str, recorded_by: str, *,
        cite: Iterable[Any] = (), uncite: Iterable[str] = (),
        as_recorded: bool = False, read: Reader | None = None,
    ) -> None:  # fmt: skip
        """Change fields of entry ``ref``. Only the fields that would change
        are recorded; if none would, the amendment is refused (unless
        ``as_recorded``: every field given is recorded, see :meth:`redo`).
        ``cite`` adds citations to those the entry has (or regrades its
        citation of a source), ``uncite`` withdraws its citations of sources
        by key. ``read`` as for :meth:`fields`."""
        kind, _ = parse_ref(ref)
        versions = self._require_active(ref)
        cite, uncite = as_citations(cite), list(uncite)
        if cite or uncite:
            cited = self.fields(versions, read).get("cites", [])
            changes = {**changes, "cites": _recited(ref, cited, cite, uncite)}
        if not changes:
            fields = ", ".join(KINDS[kind].amendable)
            raise InvalidInput(f"nothing to amend: give at least one of {fields}")
        values = {name: _amended(kind, name, v) for name, v in changes.items()}
        if not as_recorded:
            values = _changed(ref, values, self.fields(versions, read))
        self.trigger_event(
            self.EntryAmended,
            ref=ref,
            changes=values,
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
        is accepted, and the event it triggers must be the same. Rules made
        after an event was recorded (that an amendment or assessment must
        change something) do not apply to it: it happened."""
        command = _REDO.get(type(event))
        if command is None:
            raise InvalidInput(f"{event.type_name()} of talks that exist")
        command(self, event)

    # -- what is recorded -------------------------------------------------------

    def standing(self, ref: str) -> list[Versions]:
        """The entries of ``ref`` that stand, oldest first, each as the
        versions of its events (none: never recorded, or retracted)."""
        return self.entries.get(ref, [])

    def stand(self, ref: str, event: DomainEvent) -> None:
        """The entry ``event`` records now stands (a repeated kind's on top of
        the earlier ones; any other's in place of its retracted one)."""
        versions = [event.originator_version]
        if KINDS[ref.partition(":")[0]].repeated:
            self.entries.setdefault(ref, []).append(versions)
        else:
            self.entries[ref] = [versions]
        self._recorded[event.originator_version] = event

    def fields(self, versions: Versions, read: Reader | None = None) -> dict[str, Any]:
        """The fields of the entry whose events are ``versions``, as it stands
        (values as stored: a date as its text): what the first recorded, with
        each amendment's changes made. Events not applied in memory (the
        talks were restored from a snapshot) are fetched with ``read``."""
        events = []
        for version in versions:
            event = self._recorded.get(version)
            if event is None:
                if read is None:
                    raise LookupError(f"event {version} of {self.slug!r} not read")
                event = self._recorded[version] = read(version)
            events.append(event)
        recorded, *amendments = events
        stored = recorded.model_dump(mode="json")
        found = {name: stored[name] for name in _content(type(recorded))}
        for amendment in amendments:
            found.update(amendment.model_dump(mode="json")["changes"])
        return found

    # -- guards ---------------------------------------------------------------

    def _claim_key(self, kind: str, key: str) -> None:
        ref = f"{kind}:{as_slug(key, 'linked talks' if kind == 'link' else 'key')}"
        if ref not in self.entries:
            return
        if not self.entries[ref] and KINDS[kind].reclaimable:
            return  # undone, so it may be made again
        raise AlreadyExists(f"{ref} already exists in talks {self.slug!r}")

    def _require_active(self, ref: str) -> Versions:
        """The versions of the entry ``ref`` names: the latest that stands."""
        kind, _ = parse_ref(ref)
        found = self.entries.get(ref)
        if found is None:
            raise NotFound(f"no {ref} in talks {self.slug!r}")
        if not found:
            if KINDS[kind].repeated:
                raise AlreadyRetracted(
                    f"every {ref} in talks {self.slug!r} is already retracted"
                )
            raise AlreadyRetracted(f"{ref} in talks {self.slug!r} is already retracted")
        return found[-1]

    def _require_new_assessment(
        self, key: str, likelihood: str, confidence: str | None, read: Reader | None
    ) -> None:
        standing = self.standing(f"assessment:{key}")
        found = self.fields(standing[-1], read) if standing else {}
        if found and (found["likelihood"], found["confidence"]) == (
            likelihood, confidence
        ):  # fmt: skip
            raise InvalidInput(
                f"nothing would change: scenario {key!r} is assessed"
                f" {assessed(likelihood, confidence)} already; to change the note"
                f" or date of that assessment, amend assessment:{key}"
            )


@cache
def _content(event_class: type[DomainEvent]) -> tuple[str, ...]:
    return tuple(name for name in event_class.model_fields if name not in IDENTITY)


def _changed(
    ref: str, values: dict[str, FieldValue], found: dict[str, Any]
) -> dict[str, Any]:
    """The amended fields whose values differ from the entry's ``found``
    fields; none is an error."""
    changed = {name: v for name, v in values.items() if found.get(name) != v}
    if not changed:
        given = ", ".join("citations" if name == "cites" else name for name in values)
        raise InvalidInput(
            f"nothing would change: {ref} has that {given} already"
            if len(values) == 1
            else f"nothing would change: {ref} has those values ({given}) already"
        )
    return changed


def _recited(
    ref: str, cited: list[Citation], cite: list[Citation], uncite: list[str]
) -> list[Citation]:
    """The citations of entry ``ref`` after ``uncite`` withdraws some of
    ``cited`` by source key and ``cite`` adds (or replaces) others."""
    keys = {c["source"] for c in cited}
    if missing := [key for key in uncite if key not in keys]:
        raise InvalidInput(f"{ref} does not cite source {missing[0]!r}")
    added = {c["source"]: c for c in cite}
    kept = [c for c in cited if c["source"] not in uncite]
    return [added.pop(c["source"], c) for c in kept] + list(added.values())


def _actor_codes(values: Iterable[str]) -> list[str]:
    """Actor codes, each named once; a single empty value means none."""
    given = [values] if isinstance(values, str) else list(values)
    if not given or given == [""]:
        return []
    checked_items(len(given), "actor")
    codes = [as_actor_code(value) for value in given]
    if len(set(codes)) != len(codes):
        raise InvalidInput("each actor may be named only once")
    return codes


def _amended(kind: str, name: str, value: Any) -> FieldValue:
    """Validate one amended field of an entry of ``kind``, by its rule."""
    rule = KINDS[kind].amendable.get(name)
    if rule is None:
        allowed = ", ".join(KINDS[kind].amendable)
        raise InvalidInput(
            f"{kind} entries have no field {excerpt(name)}; amend: {allowed}"
        )
    return _CHECKS[rule](name, value)


def _texts(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


_CHECKS: dict[str, Callable[[str, Any], FieldValue]] = {
    "text": lambda name, v: required_text(str(v), name),
    "optional": lambda name, v: optional_text(v, name),
    "texts": lambda name, v: required_texts(_texts(v), name),
    "required_date": lambda _, v: PartialDate.parse(str(v)).text,
    "date": lambda _, v: PartialDate.parse(str(v)).text if v else None,
    "actor": lambda _, v: as_actor_code(str(v)) if v else None,
    "actors": lambda _, v: _actor_codes(_texts(v)),
    "likelihood": lambda _, v: as_likelihood(str(v)),
    "confidence": lambda _, v: as_confidence(str(v)) if v else None,
    "relation": lambda _, v: as_relation(str(v)),
    "tags": lambda _, v: as_tags(_texts(v)),
    "citations": lambda _, v: as_citations(v),
}


_REDO: dict[type, Callable[[Talks, Any], object]] = {
    # each event type: the command that records it, from the event's fields
    Talks.AgendaItemAdded: lambda t, e: t.add_agenda_item(
        e.key, e.title, e.detail, e.recorded_by, on=e.on, tags=e.tags, cites=e.cites
    ),
    Talks.StanceRecorded: lambda t, e: t.record_stance(
        e.actor,
        e.position,
        e.interests,
        e.on,
        e.recorded_by,
        tags=e.tags,
        cites=e.cites,
    ),
    Talks.MotivationRecorded: lambda t, e: t.record_motivation(
        e.actor, e.text, e.recorded_by, on=e.on, tags=e.tags, cites=e.cites
    ),
    Talks.ScenarioAdded: lambda t, e: t.add_scenario(
        e.key, e.outcome, e.impact, e.recorded_by, on=e.on, tags=e.tags, cites=e.cites
    ),
    Talks.ScenarioAssessed: lambda t, e: t.assess_scenario(
        e.key,
        e.likelihood,
        e.note,
        e.on,
        e.recorded_by,
        confidence=e.confidence,
        tags=e.tags,
        cites=e.cites,
        as_recorded=True,
    ),
    Talks.RecommendationAdded: lambda t, e: t.add_recommendation(
        e.key,
        e.title,
        e.outcome,
        e.detail,
        e.audience,
        e.recorded_by,
        on=e.on,
        tags=e.tags,
        cites=e.cites,
    ),
    Talks.DevelopmentRecorded: lambda t, e: t.record_development(
        e.on,
        e.text,
        e.sources,
        e.recorded_by,
        actors=e.actors,
        tags=e.tags,
        cites=e.cites,
    ),
    Talks.TalksLinked: lambda t, e: t.link(
        e.target, e.relation, e.note, e.recorded_by, on=e.on, tags=e.tags, cites=e.cites
    ),
    Talks.EntryAmended: lambda t, e: t.amend(
        e.ref,
        e.model_dump(mode="json")["changes"],
        e.reason,
        e.recorded_by,
        as_recorded=True,
    ),
    Talks.EntryRetracted: lambda t, e: t.retract(e.ref, e.reason, e.recorded_by),
}

register_event_topics(Talks)
