"""The Talks and Actor aggregates in memory: validation, events, replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from events import (
    KINDS,
    Actor,
    ActorKind,
    AlreadyExists,
    AlreadyRetracted,
    InvalidInput,
    NotFound,
    PartialDate,
    Talks,
    actor_id,
    talks_id,
)
from events.base import stable_id

BY = "analyst"


def open_talks(**overrides: Any) -> Talks:
    fields: dict[str, Any] = {
        "slug": "beijing-talks",
        "title": "Beijing talks",
        "location": "Beijing",
        "parties": ["CHN", "UKR"],
        "on": PartialDate.parse("2024-07"),
        "summary": None,
        "sources": [],
        "recorded_by": BY,
    }
    return Talks.open(**{**fields, **overrides})


@pytest.fixture
def talks() -> Talks:
    """Open talks whose Opened event has already been collected."""
    opened = open_talks()
    opened.collect_events()
    return opened


# -- opening ----------------------------------------------------------------------


def test_open_triggers_opened_with_normalised_fields() -> None:
    opened = open_talks(title="  Beijing talks ", summary="   ", sources=[" a "])
    (event,) = opened.collect_events()
    assert type(event) is Talks.Opened
    assert isinstance(event, Talks.Opened)
    assert event.slug == "beijing-talks"
    assert event.title == "Beijing talks"
    assert event.parties == ["CHN", "UKR"]
    assert event.on == PartialDate.parse("2024-07")
    assert event.summary is None
    assert event.sources == ["a"]
    assert event.recorded_by == BY
    assert event.originator_version == 1
    assert opened.id == talks_id("beijing-talks") == event.originator_id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "Beijing Talks"}, "talks slug"),
        ({"parties": []}, "at least one party"),
        ({"parties": ["CHN", "UKR", "CHN"]}, "only once"),
        ({"parties": ["China"]}, "'China'"),
        ({"title": "  "}, "title must not be empty"),
        ({"location": ""}, "location must not be empty"),
        ({"sources": ["ok", " "]}, "source must not be empty"),
    ],
)
def test_open_rejects(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        open_talks(**overrides)


def test_ids_are_deterministic() -> None:
    assert talks_id("x") == talks_id("x") == stable_id("talks", "x")
    assert talks_id("x") != talks_id("y")
    assert talks_id("x") != actor_id("x")
    assert Talks.create_id("x") == talks_id("x")


# -- commands: exactly one event each --------------------------------------------

Command = Callable[[Talks], Any]

COMMANDS: list[tuple[Command, type[Any], dict[str, Any]]] = [
    (
        lambda t: t.add_agenda_item("aid", " Humanitarian aid ", "  ", BY),
        Talks.AgendaItemAdded,
        {"key": "aid", "title": "Humanitarian aid", "detail": None},
    ),
    (
        lambda t: t.record_stance(
            "CHN", " Ceasefire ", ["trade", " calm "], PartialDate.parse("2024"), BY
        ),
        Talks.StanceRecorded,
        {"actor": "CHN", "position": "Ceasefire", "interests": ["trade", "calm"],
         "on": PartialDate.parse("2024")},
    ),
    (
        lambda t: t.record_motivation("western-nations", "Stability", BY),
        Talks.MotivationRecorded,
        {"actor": "western-nations", "text": "Stability"},
    ),
    (
        lambda t: t.add_scenario("truce", "Truce holds", "Calm", BY),
        Talks.ScenarioAdded,
        {"key": "truce", "outcome": "Truce holds", "impact": "Calm"},
    ),
    (
        lambda t: t.add_recommendation("talk", "Keep talking", None, " ", "UKR", BY),
        Talks.RecommendationAdded,
        {"key": "talk", "title": "Keep talking", "outcome": None, "detail": None,
         "audience": "UKR"},
    ),
    (
        lambda t: t.add_recommendation("wait", "Wait", "Time", "Why", "", BY),
        Talks.RecommendationAdded,
        {"key": "wait", "outcome": "Time", "detail": "Why", "audience": None},
    ),
    (
        lambda t: t.record_development(
            PartialDate.parse("2024-08-01"), "Truce", ["Reuters"], BY
        ),
        Talks.DevelopmentRecorded,
        {"number": 1, "on": PartialDate.parse("2024-08-01"), "text": "Truce",
         "sources": ["Reuters"]},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("command", "event_class", "fields"), COMMANDS)
def test_command_triggers_one_event(
    talks: Talks, command: Command, event_class: type[Any], fields: dict[str, Any]
) -> None:
    command(talks)
    (event,) = talks.collect_events()
    assert type(event) is event_class
    assert event.recorded_by == BY
    assert event.originator_id == talks.id
    assert event.originator_version == talks.version == 2
    assert {name: getattr(event, name) for name in fields} == fields


KEYED: list[tuple[str, Command]] = [
    ("agenda", lambda t: t.add_agenda_item("aid", "Aid", None, BY)),
    ("scenario", lambda t: t.add_scenario("aid", "Outcome", "Impact", BY)),
    ("recommendation",
     lambda t: t.add_recommendation("aid", "Title", None, None, None, BY)),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "add"), KEYED)
def test_duplicate_key_is_refused_and_triggers_nothing(
    talks: Talks, kind: str, add: Command
) -> None:
    add(talks)
    pending = len(talks.pending_events)
    version = talks.version
    with pytest.raises(AlreadyExists, match=f"{kind}:aid"):
        add(talks)
    assert len(talks.pending_events) == pending == 1
    assert talks.version == version


def test_same_key_in_different_kinds_is_allowed(talks: Talks) -> None:
    for _, add in KEYED:
        add(talks)
    assert len(talks.collect_events()) == len(KEYED)


def test_bad_key_is_refused(talks: Talks) -> None:
    with pytest.raises(InvalidInput, match="'Humanitarian Aid'"):
        talks.add_agenda_item("Humanitarian Aid", "Aid", None, BY)
    assert talks.pending_events == []


def test_development_numbers_count_up(talks: Talks) -> None:
    numbers = [
        talks.record_development(PartialDate.parse("2024"), f"Event {n}", [], BY)
        for n in range(3)
    ]
    assert numbers == [1, 2, 3]
    assert [e.number for e in talks.collect_events()] == [1, 2, 3]  # type: ignore[attr-defined]


def test_failed_validation_triggers_nothing(talks: Talks) -> None:
    with pytest.raises(InvalidInput):
        talks.record_stance("CHN", " ", [], None, BY)
    with pytest.raises(InvalidInput):
        talks.record_motivation("China", "Stability", BY)
    with pytest.raises(InvalidInput):
        talks.record_development(PartialDate.parse("2024"), "", [], BY)
    assert talks.pending_events == []
    assert talks.version == 1


# -- amendments -------------------------------------------------------------------


@pytest.fixture
def filled(talks: Talks) -> Talks:
    talks.add_agenda_item("aid", "Aid", "Detail", BY)
    talks.record_stance("CHN", "Ceasefire", ["trade"], PartialDate.parse("2024"), BY)
    talks.record_motivation("UKR", "Security", BY)
    talks.add_scenario("truce", "Truce", "Calm", BY)
    talks.add_recommendation("talk", "Talk", None, None, None, BY)
    talks.record_development(PartialDate.parse("2024-08"), "Truce", [], BY)
    talks.collect_events()
    return talks


@pytest.mark.parametrize(
    ("ref", "changes", "expected"),
    [
        ("talks", {"title": " T2 ", "on": ""}, {"title": "T2", "on": None}),
        ("talks", {"summary": " Met twice "}, {"summary": "Met twice"}),
        ("agenda:aid", {"detail": ""}, {"detail": None}),
        ("stance:CHN", {"interests": ("a", " b ")}, {"interests": ["a", "b"]}),
        ("stance:CHN", {"on": "2024-07-23"}, {"on": "2024-07-23"}),
        ("motive:UKR", {"text": "Survival"}, {"text": "Survival"}),
        ("scenario:truce", {"impact": "War"}, {"impact": "War"}),
        ("recommendation:talk", {"audience": "CHN"}, {"audience": "CHN"}),
        (
            "recommendation:talk",
            {"audience": "", "title": "Talk more"},
            {"title": "Talk more"},
        ),  # the audience was none: not recorded
        ("development:1", {"on": "2024-09"}, {"on": "2024-09"}),
    ],
)
def test_amend_triggers_entry_amended(
    filled: Talks, ref: str, changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    filled.amend(ref, changes, " Misquoted ", BY)
    (event,) = filled.collect_events()
    assert type(event) is Talks.EntryAmended
    assert (event.ref, event.changes, event.reason, event.recorded_by) == (
        ref, expected, "Misquoted", BY,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("ref", "changes", "reason", "error", "message"),
    [
        ("agenda:aid", {"impact": "x"}, "r", InvalidInput, "no field 'impact'"),
        ("talks", {"parties": ["CHN"]}, "r", InvalidInput, "no field 'parties'"),
        ("agenda:aid", {}, "r", InvalidInput, "nothing to amend"),
        ("agenda:aid", {"title": "  "}, "r", InvalidInput, "title must not be empty"),
        ("development:1", {"on": ""}, "r", InvalidInput, "date ''"),
        ("stance:CHN", {"on": "2024-13"}, "r", InvalidInput, "'2024-13'"),
        ("agenda:aid", {"title": "x"}, " ", InvalidInput, "reason must not be empty"),
        ("agenda:missing", {"title": "x"}, "r", NotFound, "agenda:missing"),
        ("stance:RUS", {"position": "x"}, "r", NotFound, "stance:RUS"),
        ("development:2", {"text": "x"}, "r", NotFound, "development:2"),
        ("agenda", {"title": "x"}, "r", InvalidInput, "'agenda'"),
        ("agenda:Bad Key", {"title": "x"}, "r", InvalidInput, "'Bad Key'"),
        ("stance:China", {"position": "x"}, "r", InvalidInput, "'China'"),
        ("development:one", {"text": "x"}, "r", InvalidInput, "numbered"),
        ("treaty:x", {"title": "x"}, "r", InvalidInput, "'treaty:x'"),
    ],
)
def test_amend_rejects(
    filled: Talks,
    ref: str,
    changes: dict[str, Any],
    reason: str,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        filled.amend(ref, changes, reason, BY)
    assert filled.pending_events == []


# -- retractions ------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    ["agenda:aid", "scenario:truce", "recommendation:talk", "development:1",
     "stance:CHN", "motive:UKR"],
)  # fmt: skip
def test_retract_once_only(filled: Talks, ref: str) -> None:
    kind = ref.partition(":")[0]
    filled.retract(ref, " Not said ", BY)
    (event,) = filled.collect_events()
    assert type(event) is Talks.EntryRetracted
    assert (event.ref, event.reason, event.recorded_by) == (ref, "Not said", BY)
    with pytest.raises(AlreadyRetracted):
        filled.retract(ref, "Again", BY)
    with pytest.raises(AlreadyRetracted):
        filled.amend(ref, {next(iter(KINDS[kind].amendable)): "x"}, "Late", BY)
    assert filled.pending_events == []


def test_each_recorded_stance_can_be_retracted_once(talks: Talks) -> None:
    talks.record_stance("CHN", "First", [], None, BY)
    talks.record_stance("CHN", "Second", [], None, BY)
    talks.retract("stance:CHN", "Wrong", BY)
    talks.retract("stance:CHN", "Also wrong", BY)
    assert len(talks.collect_events()) == 4
    with pytest.raises(AlreadyRetracted, match="stance:CHN"):
        talks.retract("stance:CHN", "Third", BY)
    talks.record_stance("CHN", "Third", [], None, BY)
    talks.retract("stance:CHN", "Wrong again", BY)
    assert len(talks.collect_events()) == 2


def test_retract_unknown_actor_entry(talks: Talks) -> None:
    with pytest.raises(NotFound, match="motive:CHN"):
        talks.retract("motive:CHN", "Never said", BY)


def test_talks_cannot_be_retracted(talks: Talks) -> None:
    with pytest.raises(InvalidInput, match="cannot be retracted"):
        talks.retract("talks", "Never happened", BY)
    assert talks.pending_events == []


def test_retract_requires_a_reason(filled: Talks) -> None:
    with pytest.raises(InvalidInput, match="reason"):
        filled.retract("agenda:aid", "", BY)
    filled.amend("agenda:aid", {"title": "Still standing"}, "ok", BY)


# -- replay -----------------------------------------------------------------------


def test_replay_gives_the_same_state() -> None:
    live = open_talks()
    live.add_agenda_item("aid", "Aid", None, BY)
    live.record_stance("CHN", "One", ["a"], None, BY)
    live.record_stance("CHN", "Two", [], PartialDate.parse("2024"), BY)
    live.record_motivation("UKR", "Security", BY)
    live.add_scenario("truce", "Truce", "Calm", BY)
    live.add_recommendation("talk", "Talk", None, None, "CHN", BY)
    live.record_development(PartialDate.parse("2024-08"), "Truce", [], BY)
    live.record_development(PartialDate.parse("2024-09"), "War", [], BY)
    live.amend("stance:CHN", {"position": "Three"}, "Misquoted", BY)
    live.retract("stance:CHN", "Wrong", BY)
    live.retract("development:1", "Wrong", BY)
    live.retract("agenda:aid", "Wrong", BY)
    events = live.collect_events()
    replayed: Any = None
    for event in events:
        replayed = event.mutate(replayed)
    assert isinstance(replayed, Talks)
    assert replayed.version == live.version == len(events)
    assert vars(replayed) == vars(live)
    assert replayed.standing("agenda:aid") == []
    assert len(replayed.standing("stance:CHN")) == 1
    assert len(replayed.standing("motive:UKR")) == 1
    assert replayed.standing("development:1") == []
    assert len(replayed.standing("development:2")) == 1
    assert replayed.developments == 2


# -- actors -----------------------------------------------------------------------


def test_register_actor() -> None:
    actor = Actor.register("western-nations", " Western nations ", "group", BY)
    (event,) = actor.collect_events()
    assert type(event) is Actor.Registered
    assert (event.key, event.name, event.kind, event.recorded_by) == (
        "western-nations", "Western nations", ActorKind.GROUP, BY,
    )  # fmt: skip
    assert actor.id == actor_id("western-nations") == event.originator_id


@pytest.mark.parametrize(
    ("key", "name", "kind", "message"),
    [
        ("un", "United Nations", "state", "actor kind 'state'"),
        ("un", "United Nations", "nation", "actor kind 'nation'"),
        ("un", "United Nations", "", "actor kind ''"),
        ("United Nations", "United Nations", "organization", "actor key"),
        ("UNO", "United Nations", "organization", "actor key"),
        ("un", "  ", "organization", "actor name must not be empty"),
    ],
)
def test_register_actor_rejects(key: str, name: str, kind: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Actor.register(key, name, kind, BY)
