"""The two clocks in memory: record times from the command line, the world
on a valid date, likelihood terms, and what a version changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from events import AlreadyRetracted, InvalidInput, NotFound, PartialDate, Talks
from events.likelihood import RANGES, TERMS, as_likelihood, describe
from projections.changes import change_of
from projections.clocks import record_time, stored_time
from projections.records import EventRecord, fixed_time
from projections.rows import EntryRow
from projections.talks import at_date, current, latest, rebuild

BY = "analyst"
NOW = datetime(2026, 11, 28, 10, 30, 15, 123456, tzinfo=UTC)


# -- record time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T12:00:00Z", "2024-03-01T12:00:00.000000Z"),
        ("2024-03-01T12:00", "2024-03-01T12:00:00.000000Z"),  # no zone: UTC
        ("2024-03-01T14:00:00+02:00", "2024-03-01T12:00:00.000000Z"),
        ("2024-03-01T12:00:00.5Z", "2024-03-01T12:00:00.500000Z"),
        ("2024-03-01", "2024-03-01T23:59:59.999999Z"),  # the end of that day
        (" 2024-03-01 ", "2024-03-01T23:59:59.999999Z"),
        ("2026-11-28", "2026-11-28T10:30:15.123456Z"),  # today: now
    ],
)
def test_record_times_are_read_as_utc(text: str, expected: str) -> None:
    assert record_time(text, "--as-of", NOW) == expected


def test_a_bare_date_after_today_stays_in_the_future() -> None:
    assert record_time("2026-11-29", "--as-of", NOW) > stored_time(NOW)


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "", "1 March 2024"])
def test_unreadable_record_times_are_errors(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"--as-of .* must be an ISO 8601 time"):
        record_time(text, "--as-of", NOW)


def test_stored_record_times_all_sort_as_text() -> None:
    whole = fixed_time("2024-07-23T10:00:00Z")
    assert whole == "2024-07-23T10:00:00.000000Z"
    assert whole < fixed_time("2024-07-23T10:00:00.000001Z")
    assert fixed_time("2024-07-23T10:00:00.5Z") == "2024-07-23T10:00:00.5Z"[:-1] + "Z"


# -- likelihood ----------------------------------------------------------------


def test_likelihood_terms_are_icd_203_in_order() -> None:
    assert TERMS == (
        "almost no chance", "very unlikely", "unlikely", "roughly even chance",
        "likely", "very likely", "almost certain",
    )  # fmt: skip
    lows = [RANGES[t][0] for t in TERMS]
    assert lows == sorted(lows)
    assert describe("likely") == "likely (55-80%)"


@pytest.mark.parametrize(
    ("text", "term"),
    [("Very-Likely", "very likely"), ("  almost   certain ", "almost certain"),
     ("roughly_even_chance", "roughly even chance")],
)  # fmt: skip
def test_likelihood_spelling_is_forgiven(text: str, term: str) -> None:
    assert as_likelihood(text) == term


@pytest.mark.parametrize("text", ["probable", "", "likely-ish", "50%"])
def test_unknown_likelihood_is_an_error_listing_the_terms(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"ICD 203 terms: almost no chance \(1-5%\)"):
        as_likelihood(text)


# -- assessments in the domain -----------------------------------------------------


@pytest.fixture
def talks() -> Talks:
    talks = Talks.open(
        slug="geneva", title="Geneva", location="Geneva", parties=["CHN", "UKR"],
        on=None, summary=None, sources=[], recorded_by=BY,
    )  # fmt: skip
    talks.add_scenario("truce", "Truce", "Calm", BY)
    return talks


def test_only_a_standing_scenario_is_assessed(talks: Talks) -> None:
    with pytest.raises(NotFound, match="no scenario:war"):
        talks.assess_scenario("war", "likely", None, None, BY)
    talks.retract("scenario:truce", "Unsourced", BY)
    with pytest.raises(AlreadyRetracted):
        talks.assess_scenario("truce", "likely", None, None, BY)


def test_an_assessment_is_amended_and_retracted_by_its_scenario(talks: Talks) -> None:
    with pytest.raises(NotFound, match="no assessment:truce"):
        talks.retract("assessment:truce", "None yet", BY)
    talks.assess_scenario("truce", "likely", "Both sides", None, BY)
    talks.amend("assessment:truce", {"likelihood": "Unlikely"}, "Misread", BY)
    with pytest.raises(InvalidInput, match="ICD 203"):
        talks.amend("assessment:truce", {"likelihood": "sure"}, "Misread", BY)
    with pytest.raises(InvalidInput, match="assessment entries have no field"):
        talks.amend("assessment:truce", {"outcome": "x"}, "Misread", BY)
    talks.retract("assessment:truce", "Withdrawn", BY)
    with pytest.raises(AlreadyRetracted):
        talks.retract("assessment:truce", "Again", BY)
    view = fold(talks)
    [assessment] = view["scenarios"][0]["assessments"]
    assert assessment["likelihood"] == "unlikely"
    assert assessment["retracted"]
    assert latest(view["scenarios"][0]["assessments"]) is None


# -- the world on a date -----------------------------------------------------------


def fold(talks: Talks) -> Any:
    events = talks.collect_events()
    records = [EventRecord.of(p, e) for p, e in enumerate(events, start=1)]
    return rebuild(records, lambda code: code)


def test_at_a_date_later_entries_leave_and_the_stance_then_in_force_holds(
    talks: Talks,
) -> None:
    def on(text: str) -> PartialDate:
        return PartialDate.parse(text)

    talks.record_stance("CHN", "Undated", [], None, BY)
    talks.record_stance("CHN", "Firm", [], on("2024-05"), BY)
    talks.record_stance("CHN", "Hesitant", [], on("2024-01"), BY)  # backfilled
    talks.record_stance("UKR", "Later", [], on("2024-09~"), BY)
    talks.assess_scenario("truce", "likely", None, on("2024-02"), BY)
    talks.assess_scenario("truce", "unlikely", None, on("2024-08"), BY)
    talks.record_development(on("2024-06-01/2024-06-30"), "June round", [], BY)
    talks.record_development(on("2024-07"), "July round", [], BY)
    talks.add_agenda_item("aid", "Aid", None, BY, on=on("2025"))
    view = fold(talks)

    june = at_date(view, "2024-06-30")
    assert [s["position"] for s in current(june["stances"])] == ["Firm"]
    assert [d["text"] for d in june["developments"]] == ["June round"]
    assert june["agenda"] == []
    assert latest(june["scenarios"][0]["assessments"])["likelihood"] == "likely"  # type: ignore[index]
    march = at_date(view, "2024-03-31")
    assert [s["position"] for s in current(march["stances"])] == ["Hesitant"]
    assert at_date(view, "2023-12-31")["stances"][0]["position"] == "Undated"
    later = at_date(view, "2024-12-31")
    assert [s["position"] for s in current(later["stances"])] == ["Firm", "Later"]
    assert latest(later["scenarios"][0]["assessments"])["likelihood"] == "unlikely"  # type: ignore[index]
    # now: the latest recorded stands, whatever its date
    assert current(view["stances"])[0]["position"] == "Hesitant"
    assert len(view["developments"]) == 2  # the view itself is left as it was


# -- what a version changed -------------------------------------------------------


def row(**fields: Any) -> EntryRow:
    base: dict[str, Any] = {
        "entry_id": 5, "version_from": 5, "version_to": None, "talks_id": "t",
        "slug": "geneva", "kind": "stance", "ref": "stance:CHN",
        "valid_text": None, "valid_lower": None, "valid_upper": None,
        "sort_key": "~", "text": "Firm", "retracted": False, "reason": None,
        "fields": {"actor": "CHN", "position": "Firm", "interests": [], "on": None},
        "recorded_at": "2024-01-01T00:00:00.000000Z", "recorded_by": BY,
        "superseded_at": None,
    }  # fmt: skip
    return EntryRow(**{**base, **fields})  # type: ignore[typeddict-item]


def test_changes_are_named_by_what_they_did() -> None:
    first = row()
    assert change_of(first, None)["change"] == "added"
    later = row(entry_id=9, version_from=9, text="Soft",
                fields={**first["fields"], "position": "Soft"})  # fmt: skip
    replaced = change_of(later, first)
    assert replaced["change"] == "stance changed"
    assert replaced["before"] == "Firm"
    assert replaced["fields"] == {"position": {"before": "Firm", "after": "Soft"}}
    firmer = {**first["fields"], "position": "Firmer"}
    amended = change_of(
        row(version_from=12, text="Firmer", reason="Typo", fields=firmer), first
    )
    assert (amended["change"], amended["reason"], amended["position"]) == (
        "amended", "Typo", 12,
    )  # fmt: skip
    retracted = change_of(row(version_from=13, retracted=True, reason="No"), first)
    assert (retracted["change"], retracted["fields"]) == ("retracted", {})
    assessed = row(kind="assessment", ref="assessment:truce", text="likely")
    assert change_of(assessed, assessed)["change"] == "likelihood changed"
