"""Graded sources and citations read back through the views of a real store
(both backends): the grade boundaries of ``min_grade``, regrades on both
clocks, citations amended, refusals that write nothing, the event log's
round trip and the grades in the snapshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from events import InvalidInput, NotFound, TimelineError
from tests.postgres import fresh_schema
from timeline.bootstrap import open_service
from timeline.service import Service

SLUG = "geneva"


@pytest.fixture
def talks(app: Service) -> Service:
    """Talks that cite nothing themselves (so only what a test records is graded)."""
    app.open_talks(SLUG, "Geneva round", "Geneva", ["UKR", "RUS"])
    return app


def refs(rows: list[Any]) -> list[str]:
    return [row["ref"] for row in rows]


def cited_stance(app: Service, reliability: str, credibility: int) -> None:
    """A stance citing source ``wire``, graded ``reliability``, at ``credibility``."""
    app.add_source("wire", "Wire report", reliability=reliability)
    app.record_stance(SLUG, "UKR", "Seeks a ceasefire", cites=[f"wire:{credibility}"])


# -- the grade boundaries of min_grade ------------------------------------------


@pytest.mark.parametrize(
    ("reliability", "credibility", "min_grade", "kept"),
    [
        ("B", 3, "A3", False),  # reliability one worse than asked
        ("B", 3, "B2", False),  # credibility one worse than asked
        ("B", 3, "B3", True),  # exactly the grade asked
        ("B", 3, "C4", True),  # better on both scales
        ("B", 3, "b3", True),  # a grade in lowercase is the same grade
        ("A", 1, "A1", True),  # the best grade meets the best
        ("A", 1, "F6", True),  # and the least
        ("F", 6, "F6", True),  # the worst meets only the least
        ("F", 6, "E6", False),
        ("F", 6, "F5", False),
        ("A", 6, "A5", False),  # the best source does not make it credible
        ("E", 1, "D6", False),  # nor a credible citation a reliable source
        ("D", 4, "D4", True),
    ],
)
def test_min_grade_keeps_entries_graded_at_or_above_it_on_both_scales(
    talks: Service, reliability: str, credibility: int, min_grade: str, kept: bool
) -> None:
    cited_stance(talks, reliability, credibility)
    found = talks.entries(min_grade=min_grade)
    assert refs(found) == (["stance:UKR"] if kept else [])
    assert [row["grade"] for row in found] == (
        [f"{reliability}{credibility}"] if kept else []
    )
    assert talks.count_entries(min_grade=min_grade) == len(found)


def test_every_read_keeps_a_b3_entry_at_b3_and_c4_not_at_a3_or_b2(
    talks: Service,
) -> None:
    cited_stance(talks, "B", 3)
    for min_grade, kept in [("A3", False), ("B2", False), ("B3", True), ("C4", True)]:
        stances = ["UKR"] if kept else []
        assert refs(talks.entries(min_grade=min_grade)) == (
            ["stance:UKR"] if kept else []
        ), min_grade
        assert talks.count_entries(slug=SLUG, min_grade=min_grade) == len(stances)
        view = talks.talks_view(SLUG, min_grade=min_grade)
        assert [s["actor"] for s in view["stances"]] == stances, min_grade
        hits = talks.search("ceasefire", min_grade=min_grade)
        assert [hit["ref"] for hit in hits] == (["stance:UKR"] if kept else [])
        timeline = talks.snapshot(SLUG, min_grade=min_grade)["timeline"]
        assert refs(timeline) == (["stance:UKR"] if kept else []), min_grade
    # Without a minimum, every entry, each with its grade (None: cites nothing).
    assert [(r["ref"], r["grade"]) for r in talks.entries()] == [
        ("talks", None), ("stance:UKR", "B3"),
    ]  # fmt: skip


def test_an_entry_meets_a_grade_by_one_citation_not_by_its_best_of_each(
    talks: Service,
) -> None:
    talks.add_source("insider", "Insider", reliability="E")
    talks.add_source("agency", "Agency", reliability="B")
    talks.record_stance(SLUG, "UKR", "Holds the line",
                        cites=["insider:1", "agency:5"])  # fmt: skip
    (row,) = talks.entries(kind="stance")
    assert row["grade"] == "B5"  # the best by reliability, then credibility
    assert talks.entries(min_grade="B3") == []  # neither citation is B3 or better
    assert refs(talks.entries(min_grade="E1")) == ["stance:UKR"]
    assert refs(talks.entries(min_grade="B5")) == ["stance:UKR"]


def test_limit_and_offset_page_the_graded_entries(talks: Service) -> None:
    talks.add_source("wire", "Wire", reliability="B")
    for n in range(1, 5):
        credibility = 2 if n % 2 else 5
        talks.record_development(SLUG, f"2024-0{n}", f"Step {n}",
                                 cites=[f"wire:{credibility}"])  # fmt: skip
    kept = ["development:1", "development:3"]
    assert refs(talks.entries(min_grade="B2")) == kept
    assert talks.count_entries(min_grade="B2") == 2
    assert refs(talks.entries(min_grade="B2", limit=1)) == kept[:1]
    assert refs(talks.entries(min_grade="B2", limit=1, offset=1)) == kept[1:]


def test_every_kind_of_entry_is_graded_by_what_it_cites(talks: Service) -> None:
    talks.add_source("wire", "Wire", reliability="C")
    talks.open_talks("vienna", "Vienna", "Vienna", ["UKR"], cites=["wire:1"])
    talks.add_agenda_item(SLUG, "aid", "Aid", cites=["wire:1"])
    talks.record_stance(SLUG, "UKR", "Firm", cites=["wire:2"])
    talks.record_motivation(SLUG, "RUS", "Keep the land", cites=["wire:3"])
    talks.add_scenario(SLUG, "truce", "Truce", "Quiet", cites=["wire:4"])
    talks.assess_scenario(SLUG, "truce", "likely", cites=["wire:5"])
    talks.add_recommendation(SLUG, "monitor", "Monitor", cites=["wire:6"])
    talks.record_development(SLUG, "2024-08", "Round two", cites=["wire"])
    talks.link_talks(SLUG, "vienna", "follows", cites=["wire:3@p.1"])
    assert {r["ref"]: r["grade"] for r in talks.entries(slug=SLUG)} == {
        "development:1": "C6", "talks": None, "agenda:aid": "C1",
        "stance:UKR": "C2", "motive:RUS": "C3", "scenario:truce": "C4",
        "assessment:truce": "C5", "recommendation:monitor": "C6",
        "link:vienna": "C3",
    }  # fmt: skip
    assert refs(talks.entries(min_grade="C3", slug=SLUG)) == [
        "agenda:aid", "stance:UKR", "motive:RUS", "link:vienna",
    ]  # fmt: skip
    view = talks.talks_view(SLUG, min_grade="C3")
    assert (len(view["agenda"]), len(view["stances"]), len(view["motivations"]),
            view["scenarios"], view["recommendations"], view["developments"],
            len(view["links"])) == (1, 1, 1, [], [], [], 1)  # fmt: skip


# -- a regrade, on both clocks ----------------------------------------------------


@pytest.fixture
def regraded(talks: Service) -> tuple[Service, str]:
    """Source ``wire`` added B, cited at 2 by a stance, then regraded D from
    September 2024 (in the world); the record time just before the regrade."""
    talks.add_source("wire", "Wire report", reliability="B")
    talks.record_stance(SLUG, "UKR", "Seeks a ceasefire", cites=["wire:2"])
    before = talks.history(SLUG)[-1]["recorded_at"]
    time.sleep(0.002)
    talks.regrade_source("wire", "D", "Caught inventing a quote", on="2024-09")
    return talks, before


def test_a_regrade_grades_the_entries_that_cite_the_source_anew(
    regraded: tuple[Service, str],
) -> None:
    app, _ = regraded
    assert app.entries(min_grade="B2") == []
    assert app.count_entries(min_grade="B2") == 0
    assert [(r["ref"], r["grade"]) for r in app.entries(kind="stance")] == [
        ("stance:UKR", "D2")
    ]
    assert refs(app.entries(min_grade="D2")) == ["stance:UKR"]
    wire = app.source("wire")
    assert wire["reliability"] == "D"
    assert [(g["reliability"], g["on"], g["reason"]) for g in wire["grades"]] == [
        ("B", None, None), ("D", "2024-09", "Caught inventing a quote"),
    ]  # fmt: skip


def test_a_view_as_of_before_the_regrade_grades_by_the_old_grade(
    regraded: tuple[Service, str],
) -> None:
    app, before = regraded
    then = app.clocks(as_of=before)
    assert refs(app.entries(then, min_grade="B2")) == ["stance:UKR"]
    assert app.count_entries(then, min_grade="B2") == 1
    assert [r["grade"] for r in app.entries(then, kind="stance")] == ["B2"]
    assert app.reliability(then)("wire") == "B"
    old = app.source("wire", then)
    assert (old["reliability"], len(old["grades"])) == ("B", 1)
    # As of the regrade's own record time, the new grade holds.
    regraded_at = app.source("wire")["grades"][-1]["recorded_at"]
    assert app.entries(app.clocks(as_of=regraded_at), min_grade="B2") == []


@pytest.mark.parametrize(
    ("at", "grade"),
    [("2024-08", "B2"), ("2024-08-31", "B2"), ("2024-09-01", "D2"),
     ("2024-10", "D2")],
)  # fmt: skip
def test_a_view_at_a_day_before_the_regrade_holds_grades_by_the_old_grade(
    regraded: tuple[Service, str], at: str, grade: str
) -> None:
    app, _ = regraded
    clocks = app.clocks(at=at)
    assert [r["grade"] for r in app.entries(clocks, kind="stance")] == [grade]
    kept = grade == "B2"
    assert refs(app.entries(clocks, min_grade="B2")) == (["stance:UKR"] if kept else [])
    assert app.count_entries(clocks, min_grade="B2") == int(kept)
    view = app.talks_view(SLUG, clocks, min_grade="B2")
    assert len(view["stances"]) == int(kept)
    assert app.source("wire", clocks)["reliability"] == grade[0]


def test_both_clocks_together_grade_by_what_was_known_of_that_day(
    regraded: tuple[Service, str],
) -> None:
    app, before = regraded
    # After September in the world, but as the record stood before the regrade.
    clocks = app.clocks(as_of=before, at="2024-10")
    assert refs(app.entries(clocks, min_grade="B2")) == ["stance:UKR"]


def test_a_regrade_to_the_grade_held_changes_nothing_and_is_refused(
    regraded: tuple[Service, str],
) -> None:
    app, _ = regraded
    count = app.record.event_count()
    with pytest.raises(InvalidInput, match=r"graded D .* already"):
        app.regrade_source("wire", "d", "Again")
    with pytest.raises(NotFound, match="source 'nope' is not recorded"):
        app.regrade_source("nope", "A", "Unknown")
    with pytest.raises(InvalidInput, match="reliability 'G'"):
        app.regrade_source("wire", "G", "No such grade")
    assert app.record.event_count() == count


# -- refusals write nothing --------------------------------------------------------


def test_citing_a_source_not_recorded_is_refused_and_writes_nothing(
    talks: Service,
) -> None:
    talks.add_source("wire", "Wire", reliability="B")
    count = talks.record.event_count()
    with pytest.raises(NotFound, match="source 'nope' is not recorded"):
        talks.record_stance(SLUG, "UKR", "Firm", cites=["wire:2", "nope:1"])
    with pytest.raises(TimelineError, match="'nope'"):
        talks.record_development(SLUG, "2024-08", "Step", cites=["nope"])
    with pytest.raises(NotFound, match="'nope'"):
        talks.open_talks("vienna", "Vienna", "Vienna", ["UKR"], cites=["nope"])
    assert talks.record.event_count() == count
    assert refs(talks.entries()) == ["talks"]


@pytest.mark.parametrize(
    ("cite", "said"),
    [
        ("wire:7", "credibility '7' must be 1-6"),
        ("wire:0", "credibility '0' must be 1-6"),
        ("wire:B2", "credibility 'B2' must be 1-6"),
        ("wire:", "nothing after ':'"),
        ("wire:2@", "nothing after '@'"),
        ("Wire Report", "cited source"),
    ],
)
def test_a_bad_citation_is_refused_and_writes_nothing(
    talks: Service, cite: str, said: str
) -> None:
    talks.add_source("wire", "Wire", reliability="B")
    count = talks.record.event_count()
    with pytest.raises(InvalidInput, match=said):
        talks.record_stance(SLUG, "UKR", "Firm", cites=[cite])
    assert talks.record.event_count() == count


def test_a_source_cited_twice_by_one_entry_is_refused(talks: Service) -> None:
    talks.add_source("wire", "Wire", reliability="B")
    with pytest.raises(InvalidInput, match="source 'wire' is cited twice"):
        talks.record_stance(SLUG, "UKR", "Firm", cites=["wire:2", "wire:3"])


@pytest.mark.parametrize("grade", ["B7", "G1", "B", "3", "B33", "", "BB"])
def test_a_bad_min_grade_is_refused_by_every_read(talks: Service, grade: str) -> None:
    with pytest.raises(InvalidInput, match="--min-grade"):
        talks.entries(min_grade=grade)
    with pytest.raises(InvalidInput, match="--min-grade"):
        talks.count_entries(min_grade=grade)
    with pytest.raises(InvalidInput, match="--min-grade"):
        talks.talks_view(SLUG, min_grade=grade)
    with pytest.raises(InvalidInput, match="--min-grade"):
        talks.search("geneva", min_grade=grade)
    with pytest.raises(InvalidInput, match="--min-grade"):
        list(talks.export("json", min_grade=grade))


def test_a_source_is_added_once_with_a_grade_a_to_f(app: Service) -> None:
    app.add_source("wire", "Wire", reliability="b")
    assert app.source("wire")["reliability"] == "B"
    count = app.record.event_count()
    with pytest.raises(TimelineError, match="'wire'"):
        app.add_source("wire", "Another wire")
    with pytest.raises(InvalidInput, match="reliability 'G'"):
        app.add_source("other", "Other", reliability="G")
    with pytest.raises(InvalidInput):
        app.add_source("other", "Other", published="not a date")
    assert app.record.event_count() == count
    with pytest.raises(NotFound, match="no source 'other'"):
        app.source("other")
    app.add_source("other", "Other")
    assert app.source("other")["reliability"] == "F"  # cannot be judged


# -- amending citations --------------------------------------------------------------


@pytest.fixture
def sourced(talks: Service) -> Service:
    talks.add_source("wire", "Wire", reliability="B")
    talks.add_source("blog", "Blog", reliability="E")
    talks.record_stance(SLUG, "UKR", "Firm", cites=["blog:3"])
    return talks


def stance_cites(app: Service) -> list[dict[str, Any]]:
    (row,) = app.entries(kind="stance")
    cites: list[dict[str, Any]] = row["fields"]["cites"]
    return cites


def test_a_citation_is_added_replaced_and_withdrawn_by_amendment(
    sourced: Service,
) -> None:
    sourced.amend(SLUG, "stance:UKR", {}, "Confirmed", cite=["wire:2@p.4"])
    assert stance_cites(sourced) == [
        {"source": "blog", "credibility": 3, "locator": None},
        {"source": "wire", "credibility": 2, "locator": "p.4"},
    ]
    assert refs(sourced.entries(min_grade="B2")) == ["stance:UKR"]

    # A citation of a source cited already replaces it, where it stands.
    sourced.amend(SLUG, "stance:UKR", {}, "Less sure", cite=["blog:5"])
    assert [(c["source"], c["credibility"]) for c in stance_cites(sourced)] == [
        ("blog", 5), ("wire", 2),
    ]  # fmt: skip

    sourced.amend(SLUG, "stance:UKR", {}, "Denied", uncite=["wire"])
    assert [c["source"] for c in stance_cites(sourced)] == ["blog"]
    assert sourced.entries(min_grade="B2") == []
    (row,) = sourced.entries(kind="stance")
    assert row["grade"] == "E5"

    sourced.amend(SLUG, "stance:UKR", {}, "Not a source", uncite=["blog"])
    (row,) = sourced.entries(kind="stance")
    assert (row["fields"]["cites"], row["grade"]) == ([], None)
    changes = [e["payload"] for e in sourced.history(SLUG)
               if e["type"] == "EntryAmended"]  # fmt: skip
    assert [c["reason"] for c in changes] == [
        "Confirmed", "Less sure", "Denied", "Not a source",
    ]  # fmt: skip


def test_an_amendment_of_citations_with_another_change_records_both(
    sourced: Service,
) -> None:
    sourced.amend(SLUG, "stance:UKR", {"position": "Flexible"}, "Reported",
                  cite=["wire:1"], uncite=["blog"])  # fmt: skip
    (row,) = sourced.entries(kind="stance")
    assert (row["text"], row["grade"]) == ("Flexible", "B1")
    assert [c["source"] for c in row["fields"]["cites"]] == ["wire"]


def test_amending_citations_wrongly_is_refused_and_writes_nothing(
    sourced: Service,
) -> None:
    count = sourced.record.event_count()
    with pytest.raises(InvalidInput, match="stance:UKR does not cite source 'wire'"):
        sourced.amend(SLUG, "stance:UKR", {}, "x", uncite=["wire"])
    with pytest.raises(InvalidInput, match="nothing would change"):
        sourced.amend(SLUG, "stance:UKR", {}, "x", cite=["blog:3"])
    with pytest.raises(NotFound, match="source 'nope' is not recorded"):
        sourced.amend(SLUG, "stance:UKR", {}, "x", cite=["nope:2"])
    with pytest.raises(InvalidInput, match="credibility '9'"):
        sourced.amend(SLUG, "stance:UKR", {}, "x", cite=["wire:9"])
    assert sourced.record.event_count() == count
    assert stance_cites(sourced) == [
        {"source": "blog", "credibility": 3, "locator": None}
    ]


def test_a_view_as_of_before_an_amendment_keeps_the_citations_it_had(
    sourced: Service,
) -> None:
    before = sourced.history(SLUG)[-1]["recorded_at"]
    time.sleep(0.002)
    sourced.amend(SLUG, "stance:UKR", {}, "Confirmed", cite=["wire:2"])
    then = sourced.clocks(as_of=before)
    assert sourced.entries(then, min_grade="B2") == []
    assert [r["grade"] for r in sourced.entries(then, kind="stance")] == ["E3"]
    assert refs(sourced.entries(min_grade="B2")) == ["stance:UKR"]


# -- free-text sources: ungraded --------------------------------------------------


def test_a_free_text_source_is_an_ungraded_f6_citation(talks: Service) -> None:
    talks.record_development(SLUG, "2024-08", "Round two set",
                             sources=["https://example.org/news"])  # fmt: skip
    (row,) = talks.entries(kind="development")
    assert row["grade"] == "F6"
    assert refs(talks.entries(min_grade="F6")) == ["development:1"]
    assert talks.entries(min_grade="E6") == []
    graded = evidence(talks)
    assert graded["development:1"] == ("F6", ["https://example.org/news (ungraded)"],
                                       True)  # fmt: skip
    assert graded["talks"] == (None, [], True)


def evidence(app: Service) -> dict[str, tuple[str | None, list[str], bool]]:
    """Each entry of the talks that stands: its grade, what it cites, and
    whether it is unsourced."""
    from projections.evidence import graded_entries

    return {
        e.ref: (str(e.grade) if e.grade else None, e.cited, e.unsourced)
        for e in graded_entries(app.talks_view(SLUG), app.reliability())
    }


def test_only_a_source_better_than_f6_makes_an_entry_sourced(talks: Service) -> None:
    talks.add_source("unjudged", "Unjudged")  # F by default
    talks.add_source("wire", "Wire", reliability="B")
    talks.record_stance(SLUG, "UKR", "Firm", cites=["unjudged"])  # F6
    talks.record_stance(SLUG, "RUS", "Firm", cites=["unjudged:5"])  # F5
    talks.add_scenario(SLUG, "truce", "Truce", "Quiet", cites=["wire:6"])  # B6
    graded = evidence(talks)
    assert graded["stance:UKR"] == ("F6", ["unjudged F6"], True)
    assert graded["stance:RUS"] == ("F5", ["unjudged F5"], False)
    assert graded["scenario:truce"] == ("B6", ["wire B6"], False)


def as_written_before(line: dict[str, Any]) -> dict[str, Any]:
    """A log line as the program wrote it before citations: no ``cites``,
    the class versions of then, and (as before hashes) no chain."""
    payload = {k: v for k, v in line["payload"].items()
               if k not in ("cites", "chain")}  # fmt: skip
    if "class_version" in payload:
        payload["class_version"] -= 1
    return {**line, "payload": payload}


def test_an_earlier_logs_free_text_source_reads_back_as_ungraded_f6(
    app: Service, tmp_path: Path
) -> None:
    with open_service(tmp_path / "earlier.sqlite", "analyst") as earlier:
        earlier.open_talks(SLUG, "Geneva round", "Geneva", ["UKR"],
                           sources=["Reuters"])  # fmt: skip
        earlier.record_development(SLUG, "2024-06", "Adjourned", ["AP"])
        earlier.record_stance(SLUG, "UKR", "Open")
        written = [as_written_before(orjson.loads(line))
                   for line in earlier.export("jsonl")]  # fmt: skip
    assert all("cites" not in line["payload"] for line in written)
    log = tmp_path / "earlier.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in written))

    assert app.import_log(log).added == 3
    assert [(r["ref"], r["grade"]) for r in app.entries()] == [
        ("development:1", "F6"), ("talks", "F6"), ("stance:UKR", None),
    ]  # fmt: skip
    assert app.talks_view(SLUG)["developments"][0]["cites"] == []
    assert {ref: e[2] for ref, e in evidence(app).items()} == {
        "talks": True, "stance:UKR": True, "development:1": True,
    }  # fmt: skip


# -- the snapshot and the exports ----------------------------------------------------


def test_the_json_export_carries_the_sources_and_each_entrys_grade(
    regraded: tuple[Service, str],
) -> None:
    app, before = regraded
    app.record_development(SLUG, "2024-10", "Round two",
                           sources=["https://example.org/b"])  # fmt: skip
    exported = orjson.loads("".join(app.export("json")))
    (wire,) = exported["sources"]
    assert (wire["key"], wire["title"], wire["reliability"]) == (
        "wire", "Wire report", "D"
    )  # fmt: skip
    assert [g["reliability"] for g in wire["grades"]] == ["B", "D"]
    graded = {e["ref"]: (e["grade"], e["cited"], e["cites"])
              for e in exported["timeline"]}  # fmt: skip
    assert graded == {
        "talks": (None, [], []),
        "stance:UKR": ("D2", ["wire D2"],
                       [{"source": "wire", "credibility": 2, "locator": None}]),
        "development:1": ("F6", [], []),
    }  # fmt: skip

    then = orjson.loads("".join(app.export("json", clocks=app.clocks(as_of=before))))
    (wire,) = then["sources"]
    assert (wire["reliability"], len(wire["grades"])) == ("B", 1)
    assert [(e["ref"], e["grade"], e["cited"]) for e in then["timeline"]] == [
        ("talks", None, []), ("stance:UKR", "B2", ["wire B2"]),
    ]  # fmt: skip

    kept = orjson.loads("".join(app.export("json", min_grade="D2")))
    assert refs(kept["timeline"]) == ["stance:UKR"]
    assert [s["actor"] for s in kept["talks"][0]["stances"]] == ["UKR"]
    assert kept["talks"][0]["developments"] == []
    assert kept["sources"] == exported["sources"]


def test_the_event_log_cannot_be_filtered_by_grade(talks: Service) -> None:
    with pytest.raises(InvalidInput, match="--min-grade cannot filter the event log"):
        list(talks.export("jsonl", min_grade="B2"))


@pytest.fixture
def other_store(store_backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty store of the test's backend, besides the test's own."""
    if store_backend == "postgresql":
        with fresh_schema() as url:
            yield url
        return
    yield str(tmp_path / "other.sqlite")


def test_the_event_log_carries_sources_regrades_and_citations_losslessly(
    regraded: tuple[Service, str], other_store: str, tmp_path: Path
) -> None:
    app, before = regraded
    app.add_source("agency", "Agency", publisher="AP", url="https://example.org/ap",
                   published="2024-07", reliability="A",
                   note="Wire service")  # fmt: skip
    app.record_development(SLUG, "2024-09-02", "Round two", ["https://example.org/b"],
                           cites=["agency:3@para. 2", "wire:1"])  # fmt: skip
    app.amend(SLUG, "stance:UKR", {}, "Confirmed", cite=["agency:2"])
    app.regrade_source("agency", "C", "Two errors", on="2024-09-01")
    log = "".join(app.export("jsonl"))
    # One talks' log carries every source and regrade too (this is the only one).
    assert "".join(app.export("jsonl", SLUG)) == log
    path = tmp_path / "backup.jsonl"
    path.write_bytes(log.encode())

    with open_service(other_store, "someone-else") as copy:
        imported = copy.import_log(path)
        assert imported.added == app.record.event_count()
        assert "".join(copy.export("jsonl")) == log
        assert copy.sources() == app.sources()
        for clocks in ({}, {"as_of": before}, {"at": "2024-08"}):
            ours, theirs = app.clocks(**clocks), copy.clocks(**clocks)
            assert graded_rows(copy, theirs) == graded_rows(app, ours), clocks
            assert copy.sources(theirs) == app.sources(ours), clocks
            for min_grade in ("A3", "B2", "C3", "D2"):
                assert refs(copy.entries(theirs, min_grade=min_grade)) == refs(
                    app.entries(ours, min_grade=min_grade)
                ), (clocks, min_grade)
        assert copy.talks_view(SLUG)["developments"][0]["cites"] == [
            {"source": "agency", "credibility": 3, "locator": "para. 2"},
            {"source": "wire", "credibility": 1, "locator": None},
        ]
        ours_json = orjson.loads("".join(app.export("json")))
        theirs_json = orjson.loads("".join(copy.export("json")))
        for name in ("sources", "timeline"):
            assert theirs_json[name] == ours_json[name], name


def graded_rows(app: Service, clocks: Any) -> list[tuple[str, Any, str | None]]:
    return [(r["ref"], r["fields"].get("cites"), r["grade"])
            for r in app.entries(clocks)]  # fmt: skip


def test_a_log_citing_a_source_it_does_not_add_is_refused_whole(
    talks: Service, other_store: str, tmp_path: Path
) -> None:
    talks.add_source("wire", "Wire", reliability="B")
    talks.record_stance(SLUG, "UKR", "Firm", cites=["wire:2"])
    lines = [orjson.loads(line) for line in talks.export("jsonl")]
    without = [line for line in lines if line["type"] != "SourceAdded"]
    assert len(without) == len(lines) - 1
    log = tmp_path / "without.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in without))
    with open_service(other_store, "someone-else") as copy:
        with pytest.raises(InvalidInput, match="source 'wire' is not recorded"):
            copy.import_log(log)
        assert copy.record.event_count() == 0
