"""Pydantic events to stored bytes and back: topics, round trips, upcasting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

import orjson
import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import register_topic

from events import Actor, AggregateSnapshot, PartialDate, Talks
from events.base import TOPIC_PREFIX, DomainEvent
from timeline.serialization import OrjsonTranscoder, PydanticMapper

BY = "analyst"


@pytest.fixture(params=[None, ZlibCompressor()], ids=["plain", "zlib"])
def mapper(request: pytest.FixtureRequest) -> PydanticMapper:
    return PydanticMapper(transcoder=OrjsonTranscoder(), compressor=request.param)


def every_talks_event() -> list[Any]:
    talks = Talks.open(
        slug="beijing-talks", title="Beijing talks", location="Beijing",
        parties=["CHN", "UKR"], on=PartialDate.parse("2024-07"), summary=None,
        sources=["Xinhua"], recorded_by=BY,
    )  # fmt: skip
    talks.add_agenda_item("aid", "Aid", "Food", BY, on=PartialDate.parse("2024-07"))
    talks.record_stance("CHN", "Ceasefire", ["trade"], PartialDate.parse("2024"), BY)
    talks.record_stance("UKR", "Withdrawal", [], None, BY)
    talks.record_motivation("UKR", "Security", BY)
    talks.add_scenario("truce", "Truce", "Calm", BY)
    talks.assess_scenario("truce", "very likely", "Both sides", None, BY)
    talks.add_recommendation("talk", "Talk", "Peace", None, "CHN", BY)
    talks.record_development(PartialDate.parse("2024-08-01"), "Truce", ["AP"], BY)
    talks.link("minsk-protocol", "supersedes", None, BY, tags=["ceasefire"])
    talks.amend("stance:CHN", {"interests": ["a", "b"], "on": ""}, "r", BY)
    talks.amend("talks", {"title": "Beijing round"}, "r", BY)
    talks.retract("scenario:truce", "Unsourced", BY)
    return list(talks.collect_events())


def every_event() -> list[Any]:
    actor = Actor.register("western-nations", "Western nations", "group", BY)
    return every_talks_event() + list(actor.collect_events())


def test_every_event_class_is_covered() -> None:
    classes = {type(event) for event in every_event()}
    expected = {
        value
        for owner in (Talks, Actor)
        for value in vars(owner).values()
        if isinstance(value, type) and getattr(value, "TOPIC", "")
    }
    assert classes == expected
    assert len(expected) == 12


@pytest.mark.parametrize("event", every_event(), ids=lambda e: type(e).__name__)
def test_round_trip(mapper: PydanticMapper, event: Any) -> None:
    stored = mapper.to_stored_event(event)
    assert stored.topic == type(event).TOPIC
    assert stored.topic.startswith(TOPIC_PREFIX)
    assert (stored.originator_id, stored.originator_version) == (
        event.originator_id, event.originator_version,
    )  # fmt: skip
    restored = mapper.to_domain_event(stored)
    assert type(restored) is type(event)
    assert restored == event


def test_topics_are_distinct_and_stable() -> None:
    topics = {type(e).__name__: type(e).TOPIC for e in every_event()}
    assert len(set(topics.values())) == len(topics)
    assert topics["Opened"] == "diplomatic-timeline/TalksOpened"
    assert topics["Registered"] == "diplomatic-timeline/ActorRegistered"
    assert topics["EntryAmended"] == "diplomatic-timeline/EntryAmended"
    assert AggregateSnapshot.TOPIC == "diplomatic-timeline/Snapshot"


def test_stored_state_is_plain_json() -> None:
    mapper = PydanticMapper(transcoder=OrjsonTranscoder())
    opened = every_talks_event()[0]
    state = orjson.loads(mapper.to_stored_event(opened).state)
    assert "originator_id" not in state
    assert "originator_version" not in state
    assert state["class_version"] == 3  # which upcasts it needs, if any, later
    assert state["on"] == "2024-07"
    assert state["parties"] == ["CHN", "UKR"]
    assert state["recorded_by"] == BY


def test_snapshot_with_plain_state_round_trips(mapper: PydanticMapper) -> None:
    snapshot = AggregateSnapshot(
        originator_id=uuid4(), originator_version=7,
        timestamp=datetime(2024, 7, 23, 12, tzinfo=UTC), topic="events.talks:Talks",
        state={"slug": "x", "entries": {"talks": "active"}, "developments": 0},
    )  # fmt: skip
    stored = mapper.to_stored_event(snapshot)
    assert stored.topic == "diplomatic-timeline/Snapshot"
    restored = mapper.to_domain_event(stored)
    assert type(restored) is AggregateSnapshot
    assert restored == snapshot


def test_snapshot_taken_from_talks_restores_them(mapper: PydanticMapper) -> None:
    events = every_talks_event()
    talks: Any = None
    for event in events:
        talks = event.mutate(talks)
    snapshot = AggregateSnapshot.take(talks)
    restored = mapper.to_domain_event(mapper.to_stored_event(snapshot))
    assert isinstance(restored, AggregateSnapshot)
    assert restored.model_dump(mode="json") == snapshot.model_dump(mode="json")
    aggregate = restored.mutate(None)
    assert type(aggregate) is Talks
    kept = {k: v for k, v in vars(talks).items() if k != "_recorded"}
    assert vars(aggregate) == {**kept, "_recorded": {}}  # events: in memory only
    assert aggregate.version == len(events)


@pytest.mark.parametrize(
    "corrupt", [lambda b: b"not json", lambda b: b[:-3], lambda b: b"\xff" + b]
)
def test_corrupted_state_raises_deserialisation_error(
    mapper: PydanticMapper, corrupt: Any
) -> None:
    stored = mapper.to_stored_event(every_talks_event()[1])
    broken = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=corrupt(stored.state),
    )
    with pytest.raises(MapperDeserialisationError):
        mapper.to_domain_event(broken)
    row = (1, stored.originator_id.hex, 1, stored.topic, broken.state)
    with pytest.raises(MapperDeserialisationError):
        mapper.records_of([row])


def test_transcoder_refuses_registrations() -> None:
    with pytest.raises(TypeError):
        OrjsonTranscoder().register(object())  # type: ignore[arg-type]


# -- upcasting --------------------------------------------------------------------


class Ratified(DomainEvent):
    """Test-only event at version 3: v2 added ``signatories``, v3 renamed ``treaty``."""

    TOPIC: ClassVar[str] = "diplomatic-timeline-tests/test_mapper/Ratified"
    class_version: ClassVar[int] = 3

    title: str
    signatories: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["signatories"] = 0

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["title"] = state.pop("treaty")


register_topic(Ratified.TOPIC, Ratified)

WHEN = "2024-07-23T12:00:00Z"


def stored_ratified(state: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=uuid4(), originator_version=4, topic=Ratified.TOPIC,
        state=orjson.dumps({"timestamp": WHEN, **state}),
    )  # fmt: skip


def test_stored_v1_is_upcast_on_read() -> None:
    mapper = PydanticMapper(transcoder=OrjsonTranscoder())
    stored = stored_ratified({"treaty": "Beijing accord"})
    event = mapper.to_domain_event(stored)
    assert isinstance(event, Ratified)
    assert (event.title, event.signatories) == ("Beijing accord", 0)
    assert event.originator_id == stored.originator_id
    assert event.originator_version == 4


def test_stored_v2_is_upcast_only_from_v2() -> None:
    mapper = PydanticMapper(transcoder=OrjsonTranscoder())
    state = {"class_version": 2, "treaty": "Beijing accord", "signatories": 5}
    event = mapper.to_domain_event(stored_ratified(state))
    assert isinstance(event, Ratified)
    assert (event.title, event.signatories) == ("Beijing accord", 5)


def test_current_version_is_stored_with_its_class_version() -> None:
    mapper = PydanticMapper(transcoder=OrjsonTranscoder())
    event = Ratified(
        originator_id=uuid4(), originator_version=1,
        timestamp=datetime(2024, 7, 23, tzinfo=UTC), title="Accord", signatories=2,
    )  # fmt: skip
    stored = mapper.to_stored_event(event)
    assert stored.topic == Ratified.TOPIC
    assert orjson.loads(stored.state)["class_version"] == 3
    assert mapper.to_domain_event(stored) == event


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("AgendaItemAdded", {"key": "aid", "title": "Aid", "detail": None}),
        ("MotivationRecorded", {"actor": "UKR", "text": "Security"}),
        ("ScenarioAdded", {"key": "truce", "outcome": "Truce", "impact": "Calm"}),
        ("RecommendationAdded", {"key": "talk", "title": "Talk", "outcome": None,
                                 "detail": None, "audience": None}),
    ],
)  # fmt: skip
def test_entries_stored_before_valid_dates_read_as_undated(
    mapper: PydanticMapper, name: str, fields: dict[str, Any]
) -> None:
    """Version 1 of these events had no ``on``: read back, they are undated."""
    cls = getattr(Talks, name)
    state = {"timestamp": "2024-07-01T00:00:00Z", "recorded_by": BY, **fields}
    stored = StoredEvent(
        originator_id=uuid4(), originator_version=2, topic=cls.TOPIC,
        state=mapper._seal(orjson.dumps(state)),
    )  # fmt: skip
    event = mapper.to_domain_event(stored)
    assert type(event) is cls
    assert event.on is None
    row = (1, stored.originator_id.hex, 2, cls.TOPIC, stored.state)
    record = mapper.record_of(*row)
    assert record.data["on"] is None
    assert record.originator_id == str(stored.originator_id)
    assert mapper.records_of([row]) == [record]  # as a replay reads them
    assert mapper.to_stored_event(event).state != stored.state  # now with its version
