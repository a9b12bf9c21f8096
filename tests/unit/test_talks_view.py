"""The pure fold from Talks events to the current view: evolve and rebuild."""

from __future__ import annotations

from typing import Any, cast

import orjson
import pytest

from events import PartialDate, Talks
from projections.records import EventRecord
from projections.talks import (
    Correction,
    TalksView,
    current,
    evolve,
    rebuild,
    standing,
)

BY = "analyst"
NAMES = {"CHN": "China", "UKR": "Ukraine", "western-nations": "Western nations"}


def names(code: str) -> str:
    return NAMES.get(code, code)


@pytest.fixture
def talks() -> Talks:
    return Talks.open(
        slug="beijing-talks", title="Beijing talks", location="Beijing",
        parties=["CHN", "UKR"], on=PartialDate.parse("2024-07"), summary="Talks",
        sources=["Xinhua"], recorded_by=BY,
    )  # fmt: skip


def view_of(talks: Talks, first_position: int = 1) -> TalksView:
    """Rebuild the view from every event the aggregate triggered so far."""
    events = talks.collect_events()
    view = rebuild(records(events, first_position), names)
    assert view is not None
    return view


def records(events: list[Any], first_position: int = 1) -> list[EventRecord]:
    """The events as the views read them back from the store."""
    return [EventRecord.of(p, e) for p, e in enumerate(events, start=first_position)]


def collection(view: TalksView, kind: str) -> list[Any]:
    """One of the view's lists of entries, named at run time."""
    return cast("dict[str, list[Any]]", view)[kind]


def test_rebuild_of_nothing_is_nothing() -> None:
    assert rebuild([], names) is None


def test_opened(talks: Talks) -> None:
    (event,) = talks.pending_events
    view = view_of(talks)
    assert (
        view["slug"], view["title"], view["location"], view["on"], view["summary"]
    ) == ("beijing-talks", "Beijing talks", "Beijing", "2024-07", "Talks")  # fmt: skip
    assert [(p["code"], p["name"]) for p in view["parties"]] == [
        ("CHN", "China"), ("UKR", "Ukraine"),
    ]  # fmt: skip
    assert view["sources"] == ["Xinhua"]
    assert view["opened"]["store_position"] == 1
    assert view["opened"]["recorded_by"] == BY
    assert view["opened"]["recorded_at"] == event.model_dump(mode="json")["timestamp"]
    assert (view["version"], view["last_position"]) == (1, 1)


def test_positions_and_versions_are_tracked_apart(talks: Talks) -> None:
    talks.add_agenda_item("aid", "Aid", None, BY)
    talks.add_scenario("truce", "Truce", "Calm", BY)
    view = view_of(talks, first_position=101)
    assert (view["version"], view["last_position"]) == (3, 103)
    assert view["agenda"][0]["store_position"] == 102
    assert view["scenarios"][0]["store_position"] == 103


def test_entries_are_recorded(talks: Talks) -> None:
    talks.add_agenda_item("aid", "Aid", "Food", BY)
    talks.record_motivation("western-nations", "Stability", BY)
    talks.add_recommendation("talk", "Talk", None, None, "western-nations", BY)
    talks.record_development(PartialDate.parse("2024-08-01"), "Truce", ["AP"], BY)
    view = view_of(talks)
    assert [(a["key"], a["title"], a["detail"]) for a in view["agenda"]] == [
        ("aid", "Aid", "Food")
    ]
    assert view["motivations"][0]["actor_name"] == "Western nations"
    assert view["recommendations"][0]["audience_name"] == "Western nations"
    development = view["developments"][0]
    assert (development["number"], development["on"], development["sources"]) == (
        1, "2024-08-01", ["AP"],
    )  # fmt: skip
    assert all(e["recorded_by"] == BY and not e["corrections"] for e in view["agenda"])


def test_newer_stance_supersedes(talks: Talks) -> None:
    talks.record_stance("CHN", "First", [], None, BY)
    talks.record_stance("UKR", "Other", ["security"], PartialDate.parse("2024"), BY)
    talks.record_stance("CHN", "Second", ["trade"], None, BY)
    view = view_of(talks)
    assert [s["position"] for s in view["stances"]] == ["First", "Other", "Second"]
    stances = current(view["stances"])
    assert [(s["actor"], s["actor_name"], s["position"]) for s in stances] == [
        ("CHN", "China", "Second"), ("UKR", "Ukraine", "Other"),
    ]  # fmt: skip
    assert stances[1]["on"] == "2024"
    assert stances[1]["interests"] == ["security"]


def test_retracted_stance_leaves_current_but_stays_flagged(talks: Talks) -> None:
    talks.record_stance("CHN", "First", [], None, BY)
    talks.record_stance("UKR", "Other", [], None, BY)
    talks.record_stance("CHN", "Second", [], None, BY)
    talks.retract("stance:CHN", "Misquoted", BY)
    view = view_of(talks)
    assert [s["position"] for s in current(view["stances"])] == ["First", "Other"]
    second = view["stances"][2]
    assert second["retracted"]
    (correction,) = second["corrections"]
    assert correction == Correction(
        action="retracted", reason="Misquoted", changes={}, previous={},
        store_position=5,
        recorded_at=correction["recorded_at"], recorded_by=BY,
    )  # fmt: skip
    assert not view["stances"][0]["retracted"]


def test_every_stance_retracted_leaves_no_current_stance(talks: Talks) -> None:
    talks.record_stance("CHN", "First", [], None, BY)
    talks.record_stance("UKR", "Other", [], None, BY)
    talks.retract("stance:CHN", "Wrong", BY)
    view = view_of(talks)
    assert [s["actor"] for s in current(view["stances"])] == ["UKR"]
    assert len(view["stances"]) == 2


def test_current_motivations(talks: Talks) -> None:
    talks.record_motivation("UKR", "Security", BY)
    talks.record_motivation("CHN", "Trade", BY)
    talks.record_motivation("UKR", "Survival", BY)
    talks.retract("motive:CHN", "Unsourced", BY)
    view = view_of(talks)
    assert [(m["actor"], m["text"]) for m in current(view["motivations"])] == [
        ("UKR", "Survival"),
    ]


@pytest.mark.parametrize(
    ("kind", "ref"),
    [("agenda", "agenda:aid"), ("scenarios", "scenario:truce"),
     ("recommendations", "recommendation:talk"), ("developments", "development:1")],
)  # fmt: skip
def test_retraction_hides_from_standing(talks: Talks, kind: str, ref: str) -> None:
    talks.add_agenda_item("aid", "Aid", None, BY)
    talks.add_scenario("truce", "Truce", "Calm", BY)
    talks.add_recommendation("talk", "Talk", None, None, None, BY)
    talks.record_development(PartialDate.parse("2024-08"), "Truce", [], BY)
    talks.retract(ref, "Not discussed", BY)
    view = view_of(talks)
    assert standing(collection(view, kind)) == []
    (entry,) = collection(view, kind)
    assert entry["retracted"]
    corrections = entry["corrections"]
    assert [(c["action"], c["reason"], c["store_position"]) for c in corrections] == [
        ("retracted", "Not discussed", 6),
    ]
    others = {"agenda", "scenarios", "recommendations", "developments"} - {kind}
    assert all(len(standing(collection(view, other))) == 1 for other in others)


def test_amendment_changes_field_and_records_correction(talks: Talks) -> None:
    talks.add_scenario("truce", "Truce", "Calm", BY)
    talks.amend("scenario:truce", {"impact": "Regional war"}, "Misquoted", BY)
    view = view_of(talks)
    (scenario,) = standing(view["scenarios"])
    assert (scenario["outcome"], scenario["impact"]) == ("Truce", "Regional war")
    (correction,) = scenario["corrections"]
    assert (correction["action"], correction["reason"], correction["changes"]) == (
        "amended", "Misquoted", {"impact": "Regional war"},
    )  # fmt: skip
    assert (correction["store_position"], correction["recorded_by"]) == (3, BY)
    assert not scenario["retracted"]


def test_amended_audience_renames(talks: Talks) -> None:
    talks.add_recommendation("talk", "Talk", None, None, "CHN", BY)
    talks.amend("recommendation:talk", {"audience": "western-nations"}, "Who", BY)
    view = view_of(talks)
    assert view["recommendations"][0]["audience"] == "western-nations"
    assert view["recommendations"][0]["audience_name"] == "Western nations"
    talks.amend("recommendation:talk", {"audience": ""}, "Nobody", BY)
    (event,) = talks.collect_events()
    cleared = evolve(view, EventRecord.of(4, event), names)
    assert cleared["recommendations"][0]["audience"] is None
    assert cleared["recommendations"][0]["audience_name"] is None
    assert len(cleared["recommendations"][0]["corrections"]) == 2


def test_amended_stance_is_latest_standing_one(talks: Talks) -> None:
    talks.record_stance("CHN", "First", ["a"], None, BY)
    talks.record_stance("CHN", "Second", ["b"], None, BY)
    talks.record_stance("CHN", "Third", ["c"], None, BY)
    talks.retract("stance:CHN", "Wrong", BY)
    talks.amend("stance:CHN", {"position": "Second, corrected", "on": "2024"}, "r", BY)
    view = view_of(talks)
    first, second, third = view["stances"]
    assert (first["position"], first["corrections"]) == ("First", [])
    assert (second["position"], second["on"]) == ("Second, corrected", "2024")
    assert [c["action"] for c in second["corrections"]] == ["amended"]
    assert (third["position"], third["retracted"]) == ("Third", True)
    assert [c["action"] for c in third["corrections"]] == ["retracted"]
    assert current(view["stances"]) == [second]


def test_amendment_after_new_stance_targets_the_new_one(talks: Talks) -> None:
    talks.record_stance("CHN", "First", [], None, BY)
    talks.amend("stance:CHN", {"interests": ["x"]}, "r", BY)
    talks.record_stance("CHN", "Second", [], None, BY)
    talks.amend("stance:CHN", {"interests": ["y", "z"]}, "r", BY)
    view = view_of(talks)
    assert [s["interests"] for s in view["stances"]] == [["x"], ["y", "z"]]


def test_talks_level_amendment(talks: Talks) -> None:
    talks.amend("talks", {"title": "Beijing round", "on": "2024-07-23"}, "Date", BY)
    view = view_of(talks)
    assert (view["title"], view["on"]) == ("Beijing round", "2024-07-23")
    talks.amend("talks", {"on": "", "summary": "", "location": "Shanghai"}, "r", BY)
    (event,) = talks.collect_events()
    view = evolve(view, EventRecord.of(3, event), names)
    assert (view["on"], view["summary"], view["location"]) == (None, None, "Shanghai")
    assert (view["version"], view["last_position"]) == (3, 3)


def test_incremental_evolve_equals_rebuild(talks: Talks) -> None:
    talks.add_agenda_item("aid", "Aid", None, BY)
    talks.record_stance("CHN", "First", [], None, BY)
    talks.retract("stance:CHN", "Wrong", BY)
    talks.amend("agenda:aid", {"detail": "Food"}, "More", BY)
    events = talks.collect_events()
    view: TalksView | None = None
    for record in records(events):
        view = evolve(view, record, names)
        view = orjson.loads(orjson.dumps(view))  # as stored
    rebuilt = rebuild(records(events), names)
    assert view is not None
    assert rebuilt is not None
    assert view == rebuilt
