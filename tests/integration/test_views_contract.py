"""The contract of a read-side backend: what every implementation of
:class:`projections.views.Views` and :class:`projections.views.StoredEvents`
answers, over a store the application records into.

The tests speak only the protocols and the neutral rows of
:mod:`projections.rows`; none knows how a backend stores anything. A new
backend joins by adding one entry to ``BACKENDS``: a fresh, empty store of
that backend, as a location ``--db`` takes. A recording application
(:class:`timeline.application.DiplomaticRecord`) is opened on it; its
``views`` and ``stored`` are then that backend's, and every test here runs
against it unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from events import actor_id, talks_id
from events.errors import NotFound
from projections.rows import Clocks, EntryRow
from projections.snapshot import SCHEMA_VERSION
from projections.views import StoredEvents, Views
from tests.postgres import fresh_schema
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_record
from timeline.catchup import catch_up
from timeline.settings import Settings

SLUG = "geneva-talks"
OTHER = "vienna-talks"
NAMES = ["actors", "sources", "talks", "timeline", "stances", "scenarios", "search"]
HEAD = 11
"""Events ``record_case`` stores."""
RECORD_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@contextmanager
def sqlite_file(where: Path) -> Iterator[str]:
    yield str(where / "timeline.sqlite")


def postgres_schema(where: Path) -> ContextManager[str]:
    return fresh_schema()


BACKENDS: dict[str, Callable[[Path], ContextManager[str]]] = {
    "sqlite": sqlite_file,
    "postgresql": postgres_schema,
}
"""Each backend's empty store, as a location ``--db`` takes."""


@dataclass
class Backend:
    """A recording application, and its backend's views and stored events."""

    record: DiplomaticRecord
    views: Views
    stored: StoredEvents

    def catch_up(self) -> int:
        return catch_up(self.record)


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with BACKENDS[request.param](tmp_path) as location:
        record = open_record(Settings.resolve(location, "tester"))
        try:
            yield Backend(record, record.views, record.stored)
        finally:
            record.views.close()
            record.close()


@pytest.fixture
def case(backend: Backend) -> Backend:
    """The backend with ``record_case`` recorded and caught up."""
    record_case(backend.record)
    assert backend.catch_up() == HEAD
    return backend


def record_case(record: DiplomaticRecord) -> None:
    """Two talks; stances, a scenario and its assessment, a development dated
    before the talks, an amendment and a retraction: positions 1 to 11."""
    record.register_actor("mediators", "Mediators", "group")  # 1
    record.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"], on="2024-07",
                      summary="A second round.")  # fmt: skip
    record.open_talks(OTHER, "Vienna Talks", "Vienna", ["mediators", "UKR"])  # 3
    record.record_stance(SLUG, "CHN", "Hesitant", ["Trade"], on="2024-07-01")  # 4
    record.record_stance(SLUG, "UKR", "Firm", ["Security"])  # 5
    record.record_stance(OTHER, "mediators", "Neutral observers")  # 6
    record.add_scenario(SLUG, "ceasefire", "Ceasefire holds", "Fewer casualties")  # 7
    record.assess_scenario(SLUG, "ceasefire", "likely", "Both tired", "2024-07")  # 8
    record.record_development(SLUG, "2024-06-15", "Preparatory round")  # 9
    resumed = {"impact": "Talks resume"}
    record.amend(SLUG, "scenario:ceasefire", resumed, "Misquoted")  # 10
    record.retract(SLUG, "stance:UKR", "Not said")  # 11


def refs(rows: list[EntryRow]) -> list[str]:
    return [row["ref"] for row in rows]


def hits(views: Views, query: str, slug: str | None = None) -> list[str]:
    return [hit["ref"] for hit in views.search(query, slug)]


def status(position: int, head: int) -> list[dict[str, Any]]:
    """Every view at ``position`` of a store at ``head``."""
    return [{"name": name, "position": position, "head": head,
             "lag": head - position} for name in NAMES]  # fmt: skip


def answers(views: Views) -> dict[str, Any]:
    """Every query's answer over the case."""
    return {
        "talks": views.talks(SLUG), "list": views.talks_list(),
        "actors": views.actors(), "entries": views.entries(),
        "stances": views.stances(SLUG), "scenarios": views.scenarios(SLUG),
        "search": views.search("ceasefire"), "snapshot": views.snapshot(),
        "first": views.first_recorded(),
    }  # fmt: skip


def test_an_empty_store_has_every_view_at_zero_and_nothing_to_show(
    backend: Backend,
) -> None:
    views, stored = backend.views, backend.stored
    assert views.names() == NAMES
    assert views.positions() == dict.fromkeys(NAMES, 0)
    assert (views.head(), views.lag(), stored.head()) == (0, 0, 0)
    assert views.status() == status(0, 0)
    assert backend.catch_up() == 0
    assert (views.talks_list(), views.actors(), views.entries()) == ([], [], [])
    assert views.first_recorded() is None
    assert stored.after(0, 10) == []
    empty = views.snapshot()
    assert (empty["position"], empty["talks"], empty["timeline"]) == (0, [], [])


def test_recording_moves_the_head_and_the_views_follow_when_caught_up(
    backend: Backend,
) -> None:
    views = backend.views
    record_case(backend.record)
    assert views.head() == backend.stored.head() == HEAD
    assert views.positions() == dict.fromkeys(NAMES, 0)
    assert views.lag() == HEAD
    assert views.status() == status(0, HEAD)
    assert views.entries() == []
    assert backend.catch_up() == HEAD
    assert views.positions() == dict.fromkeys(NAMES, HEAD)
    assert views.lag() == 0
    assert views.status() == status(HEAD, HEAD)
    backend.record.record_development(SLUG, "2024-09", "Third round")
    assert views.lag() == 1
    assert backend.catch_up() == 1


def test_apply_advances_only_the_named_views_to_the_end_of_the_batch(
    backend: Backend,
) -> None:
    record_case(backend.record)
    batch = backend.record.read_records(0, 4)
    assert [r.position for r in batch] == [1, 2, 3, 4]
    backend.views.apply({"timeline": 0, "actors": 0}, batch)
    assert backend.views.positions() == {
        **dict.fromkeys(NAMES, 0), "timeline": 4, "actors": 4}  # fmt: skip
    assert refs(backend.views.entries()) == ["talks", "stance:CHN", "talks"]
    assert [a["key"] for a in backend.views.actors()] == ["mediators"]
    assert backend.views.talks_list() == []  # the talks view was not named


def test_apply_is_exactly_once_and_a_stale_batch_writes_nothing(
    case: Backend,
) -> None:
    case.views.reset(["timeline"])
    batch = case.record.read_records(0, 100)
    with pytest.raises(IntegrityError):  # "actors" is at HEAD, not 0
        case.views.apply({"timeline": 0, "actors": 0}, batch)
    assert case.views.positions()["timeline"] == 0
    assert case.views.entries() == []
    case.views.apply({"timeline": 0}, batch)  # read for the right positions
    rows = case.views.entries()
    assert len(rows) == 7
    with pytest.raises(IntegrityError):  # the same batch again
        case.views.apply({"timeline": 0}, batch)
    assert case.views.positions() == dict.fromkeys(NAMES, HEAD)
    assert case.views.entries() == rows


def test_reset_empties_the_named_views_and_their_positions(case: Backend) -> None:
    before = answers(case.views)
    case.views.reset(["talks", "timeline", "search"])
    emptied = {"talks": 0, "timeline": 0, "search": 0}
    assert case.views.positions() == {**dict.fromkeys(NAMES, HEAD), **emptied}
    assert case.views.lag() == HEAD  # that of the furthest behind
    assert case.views.talks_list() == []
    assert not case.views.has_talks(SLUG)
    assert case.views.entries() == []
    assert case.views.search("ceasefire") == []
    assert case.views.actors() == before["actors"]  # not named: kept
    assert case.views.stances(SLUG) == before["stances"]
    assert case.catch_up() == HEAD
    assert answers(case.views) == before


def test_resetting_every_view_and_catching_up_gives_identical_answers(
    case: Backend,
) -> None:
    before = answers(case.views)
    case.views.create_table()  # again: changes nothing
    assert case.views.positions() == dict.fromkeys(NAMES, HEAD)
    assert answers(case.views) == before
    case.views.reset(NAMES)
    assert case.views.positions() == dict.fromkeys(NAMES, 0)
    assert case.views.actors() == []
    case.catch_up()
    assert answers(case.views) == before


def test_replay_groups_hold_each_view_once_and_unknown_views_are_not_found(
    case: Backend,
) -> None:
    groups = case.views.replay_groups(NAMES)
    assert sorted(name for group in groups for name in group) == sorted(NAMES)
    assert all(groups)
    chosen = case.views.replay_groups(["search", "timeline"])
    assert sorted(name for group in chosen for name in group) == ["search", "timeline"]
    case.views.require(NAMES)  # every view: no error
    for call in (case.views.require, case.views.reset, case.views.replay_groups):
        with pytest.raises(NotFound, match="'nope'"):
            call(["timeline", "nope"])
    assert case.views.positions() == dict.fromkeys(NAMES, HEAD)
    assert len(case.views.entries()) == 7


def test_talks_and_has_talks(case: Backend) -> None:
    view = case.views.talks(SLUG)
    assert view is not None
    assert (view["title"], view["on"], view["version"], view["last_position"]) == (
        "Geneva Talks", "2024-07", 8, HEAD)  # fmt: skip
    assert [p["name"] for p in view["parties"]] == ["China", "Ukraine"]
    assert [(s["actor"], s["retracted"]) for s in view["stances"]] == [
        ("CHN", False), ("UKR", True)]  # fmt: skip
    assert view["scenarios"][0]["impact"] == "Talks resume"
    assert case.views.talks("nope") is None
    assert case.views.has_talks(OTHER)
    assert not case.views.has_talks("nope")


def test_talks_document_is_the_view_as_stored(case: Backend) -> None:
    stored = case.views.talks_document(SLUG)
    assert stored is not None
    version, document = stored
    assert version == 8
    assert json.loads(document) == case.views.talks(SLUG)
    assert case.views.talks_document("nope") is None


def test_talks_list_in_the_order_opened_and_first_recorded(case: Backend) -> None:
    assert case.views.first_recorded() == case.stored.recorded_at(2)  # not 1: actor
    assert case.views.talks_list() == [
        {"slug": SLUG, "title": "Geneva Talks", "location": "Geneva",
         "on": "2024-07", "opened_at": case.stored.recorded_at(2), "version": 8},
        {"slug": OTHER, "title": "Vienna Talks", "location": "Vienna",
         "on": None, "opened_at": case.stored.recorded_at(3), "version": 2},
    ]  # fmt: skip


def test_actors_are_listed_by_key_and_named(case: Backend) -> None:
    case.record.register_actor("african-union", "African Union", "organization")
    case.catch_up()
    actors = case.views.actors()
    assert [(a["key"], a["name"], a["kind"]) for a in actors] == [
        ("african-union", "African Union", "organization"),
        ("mediators", "Mediators", "group"),
    ]
    assert actors[1]["recorded_at"] == case.stored.recorded_at(1)
    assert actors[1]["recorded_by"] == "tester"
    assert case.views.actor_name("CHN") == "China"
    assert case.views.actor_name("mediators") == "Mediators"
    assert case.views.actor_name("unheard-of") == "unheard-of"


def test_entries_in_valid_time_order_undated_last(case: Backend) -> None:
    rows = case.views.entries()
    assert [(r["slug"], r["ref"], r["sort_key"]) for r in rows] == [
        (SLUG, "development:1", "2024-06-15"), (SLUG, "talks", "2024-07-01"),
        (SLUG, "stance:CHN", "2024-07-01"),
        (SLUG, "assessment:ceasefire", "2024-07-01"), (OTHER, "talks", "~"),
        (OTHER, "stance:mediators", "~"), (SLUG, "scenario:ceasefire", "~"),
    ]  # fmt: skip
    assert [rows[1]["valid_lower"], rows[1]["valid_upper"]] == [
        "2024-07-01", "2024-07-31"]  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "expected"),
    [({"slug": OTHER}, ["talks", "stance:mediators"]),
     ({"kind": "stance"}, ["stance:CHN", "stance:mediators"]),
     ({"actor": "mediators"}, ["talks", "stance:mediators"]),
     ({"actor": "CHN"}, ["talks", "stance:CHN"]),
     ({"slug": SLUG, "kind": "scenario"}, ["scenario:ceasefire"]),
     ({"limit": 2}, ["development:1", "talks"]),
     ({"limit": 0, "kind": "talks"}, ["talks", "talks"])],  # 0: no limit
)  # fmt: skip
def test_entries_filtered(case: Backend, filters: Any, expected: list[str]) -> None:
    assert refs(case.views.entries(**filters)) == expected


def test_entries_leave_out_retracted_ones_and_show_amendments(case: Backend) -> None:
    assert "stance:UKR" not in refs(case.views.entries())
    (scenario,) = case.views.entries(kind="scenario")
    assert scenario["fields"]["impact"] == "Talks resume"
    assert scenario["text"] == "Ceasefire holds"
    assert (scenario["entry_id"], scenario["version_from"]) == (7, 10)
    assert (scenario["version_to"], scenario["superseded_at"]) == (None, None)
    assert (scenario["reason"], scenario["recorded_by"]) == ("Misquoted", "tester")
    assert scenario["recorded_at"] == case.stored.recorded_at(10)
    assert not scenario["retracted"]


def test_entries_as_of_a_record_time_show_the_record_as_it_stood(
    case: Backend,
) -> None:
    then = Clocks(as_of=case.stored.recorded_at(9))
    rows = {row["ref"]: row for row in case.views.entries(then, slug=SLUG)}
    assert list(rows) == [
        "development:1", "talks", "stance:CHN", "assessment:ceasefire",
        "stance:UKR", "scenario:ceasefire"]  # fmt: skip
    scenario = rows["scenario:ceasefire"]
    assert scenario["fields"]["impact"] == "Fewer casualties"
    assert (scenario["version_from"], scenario["version_to"]) == (7, None)
    assert not rows["stance:UKR"]["retracted"]
    earlier = Clocks(as_of=case.stored.recorded_at(4))
    assert refs(case.views.entries(earlier)) == ["talks", "stance:CHN", "talks"]
    assert case.views.entries(Clocks(as_of="2000-01-01T00:00:00.000000Z")) == []


def test_entries_at_a_day_keep_the_stance_in_force_then(backend: Backend) -> None:
    record = backend.record
    record.open_talks(SLUG, "Geneva Talks", "Geneva", ["CHN", "UKR"])
    record.record_stance(SLUG, "CHN", "Hesitant", on="2024-07-01")
    record.record_stance(SLUG, "CHN", "Firm", on="2024-07-10")
    record.record_development(SLUG, "2024-08", "Second round")
    backend.catch_up()

    def texts(at: str) -> list[str]:
        return [r["text"] for r in backend.views.entries(Clocks(at=at), kind="stance")]

    assert texts("2024-06-30") == []
    assert texts("2024-07-05") == ["Hesitant"]
    assert texts("2024-07-15") == ["Firm"]
    later = refs(backend.views.entries(Clocks(at="2024-07-15")))
    assert later == ["stance:CHN", "talks"]  # not the development; undated last
    in_force = backend.views.stances(SLUG, "CHN", Clocks(at="2024-07-05"))
    assert [r["text"] for r in in_force] == ["Hesitant"]
    every = backend.views.stances(SLUG, "CHN")
    assert [r["text"] for r in every] == ["Hesitant", "Firm"]


def test_stances_include_retracted_ones_flagged_and_scenarios(case: Backend) -> None:
    rows = case.views.stances(SLUG)
    assert [(r["ref"], r["text"], r["retracted"]) for r in rows] == [
        ("stance:CHN", "Hesitant", False), ("stance:UKR", "Firm", True)]  # fmt: skip
    assert rows[1]["reason"] == "Not said"
    assert refs(case.views.stances(SLUG, "UKR")) == ["stance:UKR"]
    assert refs(case.views.stances(OTHER)) == ["stance:mediators"]
    before = Clocks(as_of=case.stored.recorded_at(10))
    assert [r["retracted"] for r in case.views.stances(SLUG, "UKR", before)] == [False]
    assert sorted((r["kind"], r["text"]) for r in case.views.scenarios(SLUG)) == [
        ("assessment", "likely"), ("scenario", "Ceasefire holds")]  # fmt: skip
    assert case.views.scenarios(OTHER) == []


def test_changes_pair_each_version_with_the_one_it_superseded(case: Backend) -> None:
    at = case.stored.recorded_at
    changes = case.views.changes(SLUG, at(9), at(HEAD))  # after 9, by 11
    assert [(new["ref"], new["version_from"]) for new, _ in changes] == [
        ("scenario:ceasefire", 10), ("stance:UKR", 11)]  # fmt: skip
    (amended, was), (retracted, stood) = changes
    assert was is not None
    assert stood is not None
    assert was["fields"]["impact"] == "Fewer casualties"
    assert amended["fields"]["impact"] == "Talks resume"
    assert (was["version_from"], was["version_to"], was["superseded_at"]) == (
        7, 10, at(10))  # fmt: skip
    assert (stood["retracted"], retracted["retracted"]) == (False, True)
    [(added, none)] = case.views.changes(SLUG, at(8), at(9))  # a new entry
    assert (added["ref"], none) == ("development:1", None)
    assert case.views.changes(SLUG, at(HEAD), at(HEAD)) == []
    assert case.views.changes(OTHER, at(9), at(HEAD)) == []


def test_talks_version_at_a_record_time(case: Backend) -> None:
    at = case.stored.recorded_at
    versions = [case.views.talks_version_at(SLUG, at(p)) for p in range(1, HEAD + 1)]
    assert versions == [0, 1, 1, 2, 3, 3, 4, 5, 6, 7, 8]
    assert case.views.talks_version_at(OTHER, at(HEAD)) == 2
    assert case.views.talks_version_at(SLUG, "2000-01-01T00:00:00.000000Z") == 0
    assert case.views.talks_version_at("nope", at(HEAD)) == 0


def test_search_finds_entries_holding_every_word_in_one_talks_or_all(
    case: Backend,
) -> None:
    (hit,) = case.views.search("ceasefire resume")
    assert (hit["slug"], hit["kind"], hit["ref"], hit["entry_id"]) == (
        SLUG, "scenario", "scenario:ceasefire", 7)  # fmt: skip
    assert isinstance(hit["rank"], float)
    assert "ceasefire" in hit["snippet"].lower()
    assert hits(case.views, "ceasefire elephant") == []
    assert hits(case.views, "hesitant trade") == ["stance:CHN"]
    assert {h["slug"] for h in case.views.search("talks")} == {SLUG, OTHER}
    assert hits(case.views, "talks", OTHER) == ["talks"]
    assert {h["slug"] for h in case.views.search("talks", SLUG)} == {SLUG}
    assert hits(case.views, "neutral", SLUG) == []
    assert hits(case.views, "neutral", OTHER) == ["stance:mediators"]


def test_search_by_prefix_and_of_entries_as_they_stand(case: Backend) -> None:
    assert hits(case.views, "hesi*") == ["stance:CHN"]
    assert hits(case.views, "hesi") == []  # a prefix only with a star
    assert hits(case.views, "prepar* roun*") == ["development:1"]
    assert hits(case.views, "resume") == ["scenario:ceasefire"]  # amended
    assert hits(case.views, "casualties") == []
    assert hits(case.views, "firm") == []  # retracted
    assert hits(case.views, "security") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [("NOT OR (", ["development:2"]), ('"war', ["development:2"]), ("war AND", []),
     ("war -peace", ["development:2"]), ("text:war", []),
     ("NEAR (war peace)", ["development:2"]), ("war; DROP TABLE x", []),
     ("NEAR(war peace)", [])],  # "near war", joined as typed: not in the text
)  # fmt: skip
def test_search_reads_query_syntax_as_plain_words(
    case: Backend, query: str, expected: list[str]
) -> None:
    case.record.record_development(SLUG, "2024-09", "War or peace, not yet (near)")
    case.catch_up()
    assert hits(case.views, query) == expected


def test_snapshot_reads_every_view_at_their_position(case: Backend) -> None:
    snapshot = case.views.snapshot()
    assert snapshot["schema_version"] == SCHEMA_VERSION
    assert snapshot["position"] == min(case.views.positions().values()) == HEAD
    assert snapshot["recorded_at"] == case.stored.recorded_at(HEAD)
    assert snapshot["as_of"] is None
    assert [a["key"] for a in snapshot["actors"]] == ["mediators"]
    assert [t["slug"] for t in snapshot["talks"]] == [SLUG, OTHER]
    assert [(e["talks"], e["ref"]) for e in snapshot["timeline"]] == [
        (r["slug"], r["ref"]) for r in case.views.entries()
    ]
    one = case.views.snapshot(OTHER)
    assert [t["slug"] for t in one["talks"]] == [OTHER]
    assert [e["ref"] for e in one["timeline"]] == ["talks", "stance:mediators"]
    assert one["timeline"][0]["actors"] == ["mediators", "UKR"]
    case.record.record_development(SLUG, "2024-09", "Third round")  # not applied
    assert case.views.snapshot()["position"] == HEAD


def test_after_reads_stored_rows_in_position_order(case: Backend) -> None:
    rows = case.stored.after(0, 100)
    assert [row[0] for row in rows] == list(range(1, HEAD + 1))
    assert all(re.fullmatch(r"[0-9a-f]{32}", row[1]) for row in rows)
    assert rows[0][1:3] == (actor_id("mediators").hex, 1)
    assert rows[1][1:3] == (talks_id(SLUG).hex, 1)
    assert rows[1][3].endswith("TalksOpened")
    assert isinstance(rows[1][4], bytes)
    assert [row[0] for row in case.stored.after(4, 3)] == [5, 6, 7]
    assert case.stored.after(HEAD, 10) == []
    records = case.record.read_records(0, 100)
    assert [(r.position, r.version) for r in records] == [(r[0], r[2]) for r in rows]


def test_stream_and_back_read_one_aggregate(case: Backend) -> None:
    stream = case.stored.stream(talks_id(SLUG))
    assert [row[0] for row in stream] == [2, 4, 5, 7, 8, 9, 10, 11]
    assert [row[2] for row in stream] == list(range(1, 9))
    assert {row[1] for row in stream} == {talks_id(SLUG).hex}
    back = case.stored.back(talks_id(SLUG), 8, 3)
    assert [row[2] for row in back] == [8, 7, 6]
    assert back == stream[:-4:-1]
    assert [row[2] for row in case.stored.back(talks_id(SLUG), 2, 10)] == [2, 1]
    assert case.stored.stream(talks_id("nope")) == []


def test_head_recorded_at_and_created_at(case: Backend) -> None:
    assert case.stored.head() == case.views.head() == HEAD
    times = [case.stored.recorded_at(p) for p in range(1, HEAD + 1)]
    assert all(RECORD_TIME.fullmatch(t) for t in times)
    assert times == sorted(times)
    records = case.record.read_records(0, 100)
    assert times == [r.recorded_at for r in records]
    assert case.stored.created_at([talks_id(SLUG)]) == 2
    assert case.stored.created_at([talks_id(SLUG), talks_id(OTHER)]) == 3
    assert case.stored.created_at([actor_id("mediators")]) == 1
    assert case.stored.created_at([talks_id("nope")]) == 0
    assert case.stored.created_at([]) == 0
    for missing in (0, HEAD + 1):
        with pytest.raises(NotFound, match=f"position {missing}"):
            case.stored.recorded_at(missing)
