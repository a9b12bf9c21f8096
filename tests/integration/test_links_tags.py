"""Links between talks, tags, the actors of developments and confidence, read
back through the views of a real store (both backends)."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from events import InvalidInput, NotFound
from timeline.service import Service


@pytest.fixture
def process(app: Service) -> Service:
    """The Minsk process: the Protocol, Minsk II superseding it, a round that
    is part of Minsk II, and unrelated talks."""
    app.register_actor("osce", "OSCE", "organization")
    app.open_talks("minsk-protocol", "Minsk Protocol", "Minsk", ["UKR", "RUS", "osce"],
                   on="2014-09-05", tags=["ceasefire"])  # fmt: skip
    app.open_talks("minsk-ii", "Minsk II", "Minsk", ["UKR", "RUS", "DEU", "FRA"],
                   on="2015-02-11/2015-02-12")  # fmt: skip
    app.open_talks("tcg-2016", "Trilateral Contact Group", "Minsk", ["UKR", "RUS"],
                   on="2016")  # fmt: skip
    app.open_talks("istanbul", "Istanbul talks", "Istanbul", ["UKR", "RUS"])
    app.link_talks("minsk-ii", "minsk-protocol", "supersedes", "Package of measures")
    app.link_talks("tcg-2016", "minsk-ii", "part-of", on="2016")
    recognition = "Russia recognises the DPR and LPR"
    app.record_development(
        "minsk-ii", "2022-02-21", recognition, actors=["RUS"], tags=["recognition"]
    )
    app.record_development("minsk-ii", "2015-02-15", "Ceasefire begins",
                           tags=["ceasefire"])  # fmt: skip
    app.record_development("istanbul", "2022-03-29", "Talks in Istanbul",
                           actors=["RUS", "UKR"], tags=["ceasefire"])  # fmt: skip
    return app


def texts(rows: list[dict[str, object]]) -> list[object]:
    return [row["text"] for row in rows]


def test_developments_are_found_by_the_actors_they_name(process: Service) -> None:
    found = process.entries(actor="RUS", kind="development")
    assert texts(found) == ["Russia recognises the DPR and LPR", "Talks in Istanbul"]
    process.amend("minsk-ii", "development:1", {"actors": ["RUS", "osce"]}, "OSCE too")
    assert texts(process.entries(actor="osce", kind="development")) == [
        "Russia recognises the DPR and LPR"
    ]
    with pytest.raises(NotFound, match="actor 'dpr' is not registered"):
        process.record_development("minsk-ii", "2022", "x", actors=["dpr"])


def test_entries_are_found_by_tag_alone_or_with_other_filters(
    process: Service,
) -> None:
    ceasefire = process.entries(tag="ceasefire")
    assert texts(ceasefire) == [
        "Minsk Protocol",
        "Ceasefire begins",
        "Talks in Istanbul",
    ]
    assert process.count_entries(tag="ceasefire") == 3
    assert texts(process.entries(tag="ceasefire", actor="UKR", limit=2)) == [
        "Minsk Protocol", "Talks in Istanbul",
    ]  # fmt: skip
    assert texts(process.entries(tag="ceasefire", slug="minsk-ii")) == [
        "Ceasefire begins"
    ]
    process.amend("minsk-ii", "development:2", {"tags": ["truce"]}, "Refiled")
    assert process.count_entries(tag="ceasefire") == 2
    assert texts(process.entries(tag="truce")) == ["Ceasefire begins"]
    with pytest.raises(InvalidInput):
        process.entries(tag="bad\x00tag")


def test_a_process_is_read_whole_from_any_of_its_talks(process: Service) -> None:
    whole = {"minsk-protocol", "minsk-ii", "tcg-2016"}
    for start in whole:
        rows = process.entries(slug=start, with_linked=True)
        assert {row["slug"] for row in rows} == whole, start
        dated = [row["valid_lower"] for row in rows if row["valid_lower"]]
        assert dated == sorted(dated)  # one timeline, in valid-time order
    assert {r["slug"] for r in process.entries(slug="istanbul", with_linked=True)} == {
        "istanbul"
    }
    assert process.count_entries(slug="minsk-ii", with_linked=True) == len(
        process.entries(slug="minsk-ii", with_linked=True)
    )
    with pytest.raises(InvalidInput, match="--talks"):
        process.entries(with_linked=True)


def test_links_are_read_from_both_ends(process: Service) -> None:
    protocol = process.talks_view("minsk-protocol")
    assert [
        (lt["relation"], lt["talks"], lt["title"]) for lt in protocol["linked"]
    ] == [("superseded by", "minsk-ii", "Minsk II")]
    minsk = process.talks_view("minsk-ii")
    assert [(lt["relation"], lt["talks"]) for lt in minsk["linked"]] == [
        ("supersedes", "minsk-protocol"), ("has part", "tcg-2016"),
    ]  # fmt: skip
    assert minsk["linked"][0]["note"] == "Package of measures"
    assert [link["target"] for link in minsk["links"]] == ["minsk-protocol"]
    _, document = process.talks_document("minsk-protocol")
    assert orjson.loads(document)["linked"] == protocol["linked"]
    snapshot = process.snapshot()
    assert [view["linked"] for view in snapshot["talks"]] == [
        process.talks_view(view["slug"])["linked"] for view in snapshot["talks"]
    ]


def test_an_unlinked_talks_is_linked_no_more_but_as_of_then(process: Service) -> None:
    time.sleep(0.002)
    before = process.clocks(as_of=process.history("minsk-ii")[-1]["recorded_at"])
    process.retract("minsk-ii", "link:minsk-protocol", "Recorded in error")
    assert process.talks_view("minsk-protocol")["linked"] == []
    alone = process.entries(slug="minsk-protocol", with_linked=True)
    assert {r["slug"] for r in alone} == {"minsk-protocol"}
    past = process.talks_view("minsk-protocol", before)
    assert [lt["talks"] for lt in past["linked"]] == ["minsk-ii"]
    process.link_talks("minsk-ii", "minsk-protocol", "follows")
    assert (
        process.talks_view("minsk-protocol")["linked"][0]["relation"] == "followed by"
    )


def test_a_link_needs_both_talks(process: Service) -> None:
    with pytest.raises(NotFound, match="no talks 'minsk-iii'"):
        process.link_talks("minsk-ii", "minsk-iii", "follows")
    with pytest.raises(NotFound, match="no talks 'minsk-iii'"):
        process.link_talks("minsk-iii", "minsk-ii", "follows")


def test_confidence_is_shown_beside_the_likelihood(process: Service) -> None:
    process.add_scenario("minsk-ii", "collapse", "Collapse", "War resumes")
    process.assess_scenario("minsk-ii", "collapse", "likely", confidence="moderate")
    (row,) = process.entries(kind="assessment")
    assert row["text"] == "likely, moderate confidence"
    brief = "".join(process.export("markdown", "minsk-ii"))
    assert "| Collapse | War resumes | likely (55-80%), moderate confidence |" in brief


@pytest.mark.sqlite_only
def test_a_snapshot_of_the_earlier_state_is_passed_over(db_path: Path) -> None:
    """A talks snapshotted by an earlier version of the program (its state
    without fingerprints) is folded from its events: its commands check
    what they must."""
    import sqlite3
    from contextlib import closing

    from timeline.bootstrap import open_service

    with open_service(db_path, "tester") as app:
        app.open_talks("long", "Long talks", "Geneva", ["UKR"])
        for n in range(1, 205):
            app.record_development("long", "2024", f"Step {n}")
    with closing(sqlite3.connect(db_path)) as db, db:
        ((state,),) = db.execute("SELECT state FROM stored_snapshots").fetchall()
        snapshot = orjson.loads(state)
        del snapshot["state"]["class_version"]  # as version 1 stored it
        db.execute("UPDATE stored_snapshots SET state = ?", (orjson.dumps(snapshot),))
    with open_service(db_path, "tester") as app:
        with pytest.raises(InvalidInput, match="nothing would change"):
            app.amend("long", "development:3", {"text": "Step 3"}, "Same")
        app.amend("long", "development:204", {"text": "Last step"}, "Renamed")
        assert app.talks_view("long")["developments"][-1]["text"] == "Last step"
