"""A change that changes nothing is refused, and writes nothing; a change of
some fields records those only. History read from elsewhere is taken as it
was recorded, rules made since notwithstanding."""

from __future__ import annotations

from typing import Any

import pytest

from events import InvalidInput, PartialDate, Talks
from events.base import OutdatedSnapshot

BY = "analyst"


@pytest.fixture
def talks() -> Talks:
    t = Talks.open(
        slug="vienna", title="Vienna round", location="Vienna", parties=["UKR"],
        on=PartialDate.parse("2024-05"), summary=None, sources=[], recorded_by=BY,
    )  # fmt: skip
    t.add_agenda_item("aid", "Aid", "Food", BY, on=PartialDate.parse("2024-05-02"))
    t.record_stance("UKR", "Ceasefire", ["energy", "grain"], None, BY, tags=["x"])
    t.add_scenario("truce", "Truce", "Calm", BY)
    t.assess_scenario("truce", "likely", "Both sides", None, BY, confidence="low")
    t.add_recommendation("talk", "Talk", None, None, "UKR", BY)
    t.record_development(PartialDate.parse("2024-06"), "Adjourned", [], BY)
    t.link("geneva", "follows", None, BY)
    t.collect_events()
    return t


SAME: list[tuple[str, dict[str, Any]]] = [
    ("talks", {"title": "Vienna round"}),
    ("talks", {"title": "  Vienna round ", "summary": ""}),  # as stored: stripped
    ("talks", {"on": "2024-05"}),
    ("agenda:aid", {"detail": "Food", "on": "2024-05-02"}),
    ("stance:UKR", {"interests": ["energy", "grain"], "tags": ["x"]}),
    ("scenario:truce", {"impact": "Calm"}),
    ("assessment:truce", {"likelihood": "Likely", "confidence": "low"}),
    ("recommendation:talk", {"audience": "UKR", "outcome": ""}),
    ("development:1", {"on": "2024-06", "actors": [""], "tags": [""]}),
    ("link:geneva", {"relation": "follows", "note": ""}),
]


@pytest.mark.parametrize(("ref", "changes"), SAME, ids=[s[0] for s in SAME])
def test_an_amendment_that_changes_nothing_is_refused(
    talks: Talks, ref: str, changes: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput, match=f"nothing would change: {ref} has th"):
        talks.amend(ref, changes, "Same again", BY)
    assert talks.pending_events == []


def test_an_amendment_records_only_the_fields_it_changes(talks: Talks) -> None:
    talks.amend("agenda:aid", {"title": "Aid", "detail": "Medicine"}, "Misread", BY)
    (event,) = talks.collect_events()
    assert event.changes == {"detail": "Medicine"}  # type: ignore[attr-defined]
    talks.amend("agenda:aid", {"detail": "Food"}, "Read again", BY)  # back: a change
    with pytest.raises(InvalidInput, match="nothing would change"):
        talks.amend("agenda:aid", {"detail": "Food"}, "Once more", BY)


def test_bad_input_is_bad_input_before_it_is_no_change(talks: Talks) -> None:
    with pytest.raises(InvalidInput, match="title must not be empty"):
        talks.amend("talks", {"title": " "}, "r", BY)
    with pytest.raises(InvalidInput, match="reason must not be empty"):
        talks.amend("agenda:aid", {"detail": "Medicine"}, " ", BY)
    with pytest.raises(InvalidInput, match="U\\+0000"):
        talks.assess_scenario("truce", "likely", "a\x00b", None, BY, confidence="low")


def test_an_assessment_repeating_the_standing_one_is_refused(talks: Talks) -> None:
    with pytest.raises(InvalidInput, match="nothing would change: scenario 'truce'"):
        talks.assess_scenario("truce", "likely", "New note", None, BY, confidence="low")
    talks.assess_scenario("truce", "likely", None, None, BY, confidence="high")
    talks.assess_scenario("truce", "unlikely", None, None, BY, confidence="high")
    assert len(talks.collect_events()) == 2
    talks.retract("assessment:truce", "Too soon", BY)  # likely, high stands again
    with pytest.raises(InvalidInput, match="nothing would change"):
        talks.assess_scenario("truce", "likely", None, None, BY, confidence="high")


def test_the_standing_entry_of_a_repeated_ref_is_compared(talks: Talks) -> None:
    talks.record_stance("UKR", "Withdrawal", [], None, BY)
    with pytest.raises(InvalidInput, match="nothing would change"):
        talks.amend("stance:UKR", {"position": "Withdrawal"}, "r", BY)
    talks.retract("stance:UKR", "Not said", BY)  # the first stance stands again
    with pytest.raises(InvalidInput, match="nothing would change"):
        talks.amend("stance:UKR", {"position": "Ceasefire"}, "r", BY)
    talks.amend("stance:UKR", {"position": "Withdrawal"}, "r", BY)


def test_history_from_elsewhere_is_redone_as_it_was_recorded(talks: Talks) -> None:
    """An event log written before the rule may hold an amendment that
    changed nothing, or a repeated assessment: importing it redoes them."""
    noop = Talks.EntryAmended(
        originator_id=talks.id, originator_version=talks.version + 1,
        timestamp=talks.modified_on, ref="agenda:aid",
        changes={"title": "Aid", "detail": "Food"}, reason="Checked", recorded_by=BY,
    )  # fmt: skip
    talks.redo(noop)
    repeat = Talks.ScenarioAssessed(
        originator_id=talks.id, originator_version=talks.version + 1,
        timestamp=talks.modified_on, key="truce", likelihood="likely",
        confidence="low", note=None, on=None, tags=[], cites=[], recorded_by=BY,
    )  # fmt: skip
    talks.redo(repeat)
    amended, assessed = talks.collect_events()
    assert amended.changes == {"title": "Aid", "detail": "Food"}  # type: ignore[attr-defined]
    assert assessed.likelihood == "likely"  # type: ignore[attr-defined]


def test_an_entry_s_fields_are_what_its_events_say(talks: Talks) -> None:
    talks.amend("agenda:aid", {"detail": "Water", "on": "2024-05"}, "Misread", BY)
    [versions] = talks.standing("agenda:aid")
    assert len(versions) == 2  # recorded, then amended
    assert talks.fields(versions) == {
        "title": "Aid", "detail": "Water", "on": "2024-05", "tags": [], "cites": [],
    }  # fmt: skip


def test_a_talks_from_a_snapshot_reads_the_events_it_needs(talks: Talks) -> None:
    """A snapshot keeps the versions of each entry's events, not the events:
    a talks restored from one reads an entry's events when it needs them,
    those only, and compares what they say."""
    talks.amend("stance:UKR", {"position": "Truce first"}, "Misread", BY)
    events = dict(talks._recorded)  # as the store would give them back
    snapshot = Talks.Snapshot.take(talks)
    assert "_recorded" not in snapshot.state
    restored = snapshot.mutate(None)
    versions = list(restored.standing("stance:UKR")[0])
    with pytest.raises(LookupError):
        restored.fields(versions)  # nothing in memory, and no reader given
    read: list[int] = []

    def reader(version: int) -> Any:
        read.append(version)
        return events[version]

    with pytest.raises(InvalidInput, match="nothing would change"):
        restored.amend(
            "stance:UKR", {"position": "Truce first"}, "Again", BY, read=reader
        )
    assert read == versions  # the stance's events, no others
    restored.amend("stance:UKR", {"position": "Truce now"}, "Again", BY, read=reader)
    assert read == versions  # read once, then kept
    assert restored.standing("stance:UKR")[0] == [*versions, restored.version]


def test_a_snapshot_of_the_earlier_state_is_not_upcast() -> None:
    """Version 1 of the talks' state knew no entry's events: its events are
    needed to find them, so a snapshot of it cannot be used."""
    with pytest.raises(OutdatedSnapshot):
        Talks.upcast_v1_v2({"slug": "vienna", "entries": {"talks": "active"}})
