"""Graded sources with the command as installed: ``source add/regrade/list/
show``, ``--cite`` on recording commands and ``amend``, ``--min-grade`` on
the reads, the evidence table of ``show``, ``lint``'s exit status, bad input
refused cleanly, and the demo's talks citing their article ungraded."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from tests.badinput import refusal_problems
from tests.support import installed, stored_events_if_any

SLUG = "geneva"


def timeline(store: str, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "TIMELINE_DB": store,
        "TIMELINE_AUTHOR": "analyst",
        "COLUMNS": "250",  # tables wide enough that no cell is folded
    }
    done = installed(*args, env=env)
    return done.returncode, done.stdout, done.stderr


def ok(store: str, *args: str) -> str:
    """Run a command that must succeed; its stdout."""
    code, out, err = timeline(store, *args)
    assert code == 0, (args, err)
    assert "Traceback" not in err
    return out


def as_json(store: str, *args: str) -> Any:
    return json.loads(ok(store, *args, "--json"))


def grades(store: str, *args: str) -> dict[str, str | None]:
    """Each entry ``events`` lists, by ref, with its grade."""
    found = as_json(store, "events", "--limit", "0", *args)
    return {entry["ref"]: entry["grade"] for entry in found["entries"]}


def record_cited_talks(store: str) -> None:
    """Source ``un-report`` (B) and talks citing it at 2."""
    ok(store, "source", "add", "un-report", "--title", "UN OCHA situation report 12",
       "--publisher", "UN OCHA", "--url", "https://example.org/r12",
       "--published", "2024-07", "--reliability", "b")  # fmt: skip
    ok(store, "talks", "open", SLUG, "--title", "Geneva round",
       "--location", "Geneva", "--party", "UKR", "--party", "RUS",
       "--cite", "un-report:2")  # fmt: skip


def test_a_source_is_added_listed_and_shown(store: str) -> None:
    record_cited_talks(store)
    listed = as_json(store, "source", "list")
    assert [(s["key"], s["reliability"]) for s in listed] == [("un-report", "B")]
    shown = as_json(store, "source", "show", "un-report")
    assert shown == listed[0]
    assert (shown["title"], shown["publisher"], shown["url"], shown["published"]) == (
        "UN OCHA situation report 12", "UN OCHA", "https://example.org/r12",
        "2024-07",
    )  # fmt: skip
    assert [(g["reliability"], g["recorded_by"]) for g in shown["grades"]] == [
        ("B", "analyst")
    ]
    table = ok(store, "source", "list")
    assert "un-report" in table
    assert "B (usually reliable)" in table


def test_a_regrade_holds_from_its_day_and_its_record_time(store: str) -> None:
    record_cited_talks(store)
    before = as_json(store, "history", SLUG)[-1]["recorded_at"]
    time.sleep(0.002)
    ok(store, "source", "regrade", "un-report", "D", "--reason", "Retracted a claim",
       "--on", "2024-09")  # fmt: skip
    assert as_json(store, "source", "show", "un-report")["reliability"] == "D"
    assert grades(store) == {"talks": "D2"}
    assert grades(store, "--min-grade", "B2") == {}
    assert grades(store, "--min-grade", "B2", "--as-of", before) == {"talks": "B2"}
    assert grades(store, "--min-grade", "B2", "--at", "2024-08") == {"talks": "B2"}
    assert grades(store, "--min-grade", "B2", "--at", "2024-10") == {}
    then = as_json(store, "source", "show", "un-report", "--as-of", before)
    assert (then["reliability"], len(then["grades"])) == ("B", 1)
    august = as_json(store, "source", "list", "--at", "2024-08")
    assert [s["reliability"] for s in august] == ["B"]


def test_a_cited_stance_is_graded_in_events_search_and_export(store: str) -> None:
    record_cited_talks(store)
    ok(store, "stance", "record", SLUG, "UKR", "--position", "Seeks a ceasefire",
       "--cite", "un-report:2@p.4")  # fmt: skip
    ok(store, "develop", SLUG, "--on", "2024-08", "--source",
       "https://example.org/news", "Round two set")  # fmt: skip
    assert grades(store) == {"development:1": "F6", "talks": "B2", "stance:UKR": "B2"}
    found = as_json(store, "events", "--kind", "stance")["entries"]
    assert found[0]["fields"]["cites"] == [
        {"source": "un-report", "credibility": 2, "locator": "p.4"}
    ]
    assert grades(store, "--min-grade", "B2") == {"talks": "B2", "stance:UKR": "B2"}
    assert grades(store, "--min-grade", "A2") == {}
    assert grades(store, "--min-grade", "F6") == grades(store)
    hits = as_json(store, "search", "ceasefire", "--min-grade", "B2")
    assert [hit["ref"] for hit in hits] == ["stance:UKR"]
    assert as_json(store, "search", "ceasefire", "--min-grade", "B1") == []
    exported = json.loads(ok(store, "export", SLUG, "--format", "json",
                             "--min-grade", "B3"))  # fmt: skip
    assert [(e["ref"], e["grade"], e["cited"]) for e in exported["timeline"]] == [
        ("talks", "B2", ["un-report B2"]),
        ("stance:UKR", "B2", ["un-report B2 (p.4)"]),
    ]
    assert [s["key"] for s in exported["sources"]] == ["un-report"]


def test_every_recording_command_cites_a_source(store: str) -> None:
    record_cited_talks(store)
    ok(store, "talks", "open", "vienna", "--title", "Vienna", "--location", "Vienna",
       "--party", "UKR", "--cite", "un-report:1",
       "--source", "https://example.org")  # fmt: skip
    for args in [
        ("agenda", "add", SLUG, "aid", "--title", "Aid", "--cite", "un-report:1"),
        ("stance", "record", SLUG, "UKR", "--position", "Firm",
         "--cite", "un-report:2"),
        ("scenario", "add", SLUG, "truce", "--outcome", "Truce", "--impact", "Quiet",
         "--cite", "un-report:4"),
        ("scenario", "assess", SLUG, "truce", "--likelihood", "likely",
         "--cite", "un-report:5@para. 3"),
        ("recommend", "add", SLUG, "monitor", "--title", "Monitor",
         "--cite", "un-report:6"),
        ("develop", SLUG, "--on", "2024-08", "--cite", "un-report", "Round two"),
        ("talks", "link", SLUG, "vienna", "--as", "follows", "--cite", "un-report:3"),
    ]:  # fmt: skip
        ok(store, *args)
    assert grades(store, "--talks", SLUG) == {
        "development:1": "B6", "talks": "B2", "agenda:aid": "B1", "stance:UKR": "B2",
        "scenario:truce": "B4", "assessment:truce": "B5",
        "recommendation:monitor": "B6", "link:vienna": "B3",
    }  # fmt: skip
    assert grades(store, "--talks", "vienna") == {"talks": "B1"}
    assert grades(store, "--min-grade", "B1") == {"agenda:aid": "B1", "talks": "B1"}


def test_a_motive_cites_a_source(store: str) -> None:
    record_cited_talks(store)
    ok(store, "motive", "record", SLUG, "RUS", "Keep the land", "--cite",
       "un-report:3@p.2")  # fmt: skip
    assert grades(store, "--kind", "motive") == {"motive:RUS": "B3"}


def test_amend_cites_and_uncites(store: str) -> None:
    record_cited_talks(store)
    ok(store, "source", "add", "blog", "--title", "A blog", "--reliability", "E")
    ok(store, "stance", "record", SLUG, "UKR", "--position", "Firm",
       "--cite", "blog:3")  # fmt: skip
    assert grades(store, "--kind", "stance") == {"stance:UKR": "E3"}
    ok(store, "amend", SLUG, "stance:UKR", "--cite", "un-report:2@p.4",
       "--uncite", "blog", "--reason", "Confirmed by the report")  # fmt: skip
    assert grades(store, "--kind", "stance") == {"stance:UKR": "B2"}
    ok(store, "amend", SLUG, "stance:UKR", "--cite", "un-report:4",
       "--reason", "Less sure")  # fmt: skip
    assert grades(store, "--kind", "stance") == {"stance:UKR": "B4"}
    ok(store, "amend", SLUG, "stance:UKR", "--uncite", "un-report",
       "--reason", "Withdrawn")  # fmt: skip
    assert grades(store, "--kind", "stance") == {"stance:UKR": None}


def test_show_prints_the_evidence_and_marks_the_unsourced(store: str) -> None:
    record_cited_talks(store)
    ok(store, "stance", "record", SLUG, "UKR", "--position", "Firm",
       "--cite", "un-report:3@p.4")  # fmt: skip
    ok(store, "develop", SLUG, "--on", "2024-08", "Round two set")
    out = ok(store, "show", SLUG)
    assert "Evidence" in out
    evidence = out[out.index("Evidence") :]
    lines = {line.split("│")[1].strip(): line for line in evidence.splitlines()
             if line.count("│") >= 3}  # fmt: skip
    assert "B2" in lines["talks"]
    assert "un-report B3 (p.4)" in lines["stance:UKR"]
    assert "unsourced" in lines["development:1"]
    assert "unsourced" not in lines["stance:UKR"]
    sourced = ok(store, "show", SLUG, "--min-grade", "B2")
    assert "Round two set" not in sourced
    assert "development:1" not in sourced


def test_lint_exits_1_while_an_entry_is_unsourced(store: str) -> None:
    record_cited_talks(store)
    code, out, err = timeline(store, "lint", SLUG)
    assert (code, err) == (0, ""), err
    assert "cites a source graded better than F6" in out

    ok(store, "source", "add", "rumour", "--title", "Rumour")  # F: cannot be judged
    ok(store, "stance", "record", SLUG, "UKR", "--position", "Firm",
       "--cite", "rumour")  # fmt: skip
    ok(store, "scenario", "add", SLUG, "truce", "--outcome", "Truce",
       "--impact", "Quiet")  # fmt: skip
    code, out, _ = timeline(store, "lint", SLUG)
    assert code == 1
    assert "stance:UKR" in out
    assert "scenario:truce" in out
    code, out, _ = timeline(store, "lint", SLUG, "--json")
    assert code == 1
    found = json.loads(out)
    assert [(e["ref"], e["grade"]) for e in found["unsourced"]] == [
        ("stance:UKR", "F6"), ("scenario:truce", None),
    ]  # fmt: skip
    assert [e["ref"] for e in found["judgements_without_source"]] == ["scenario:truce"]

    ok(store, "amend", SLUG, "stance:UKR", "--cite", "un-report:3",
       "--reason", "Confirmed")  # fmt: skip
    ok(store, "amend", SLUG, "scenario:truce", "--cite", "un-report:5",
       "--reason", "Sourced")  # fmt: skip
    code, _, err = timeline(store, "lint", SLUG)
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("stance", "record", SLUG, "UKR", "--position", "Firm", "--cite", "nope"),
         "Error: source 'nope' is not recorded"),
        (("stance", "record", SLUG, "UKR", "--position", "Firm",
          "--cite", "un-report:9"), "Error: credibility '9' must be 1-6"),
        (("develop", SLUG, "--on", "2024", "--cite", "un-report:2@", "Step"),
         "Error: citation 'un-report:2@': nothing after '@'"),
        (("amend", SLUG, "talks", "--uncite", "nope", "--reason", "x"),
         "Error: talks does not cite source 'nope'"),
        (("amend", SLUG, "talks", "--cite", "un-report:2", "--reason", "x"),
         "Error: nothing would change"),
        (("source", "regrade", "un-report", "B", "--reason", "x"),
         "Error: nothing would change: source 'un-report' is graded B"),
        (("source", "regrade", "nope", "A", "--reason", "x"),
         "Error: source 'nope' is not recorded"),
        (("source", "add", "un-report", "--title", "Again"), "Error: "),
        (("source", "show", "nope"), "Error: no source 'nope'"),
        (("events", "--min-grade", "Z9"), "Error: --min-grade 'Z9' must be"),
        (("show", SLUG, "--min-grade", "B7"), "Error: --min-grade 'B7' must be"),
        (("search", "geneva", "--min-grade", "G1"), "Error: --min-grade 'G1'"),
        (("export", SLUG, "--format", "json", "--min-grade", "Z9"),
         "Error: --min-grade 'Z9' must be"),
        (("export", "--format", "jsonl", "--min-grade", "B2"),
         "Error: --min-grade cannot filter the event log"),
    ],
)  # fmt: skip
def test_bad_input_is_one_error_line_and_writes_nothing(
    store: str, args: tuple[str, ...], said: str
) -> None:
    record_cited_talks(store)
    before = stored_events_if_any(store)
    code, out, err = timeline(store, *args)
    assert code == 1, err
    assert refusal_problems(code, out, err, usage_ok=False) == []
    assert err.startswith(said), err
    assert stored_events_if_any(store) == before


def test_a_grade_not_a_to_f_is_a_usage_error_and_writes_nothing(store: str) -> None:
    record_cited_talks(store)
    before = stored_events_if_any(store)
    for args in [
        ("source", "add", "x", "--title", "T", "--reliability", "G"),
        ("source", "regrade", "un-report", "G", "--reason", "x"),
    ]:
        code, out, err = timeline(store, *args)
        assert code == 2, err
        assert refusal_problems(code, out, err) == [], err
        assert err.splitlines()[-1].startswith("Error: Invalid value"), err
    assert stored_events_if_any(store) == before
    code, _, _ = timeline(store, "source", "show", "x")
    assert code == 1


def test_the_demo_cites_its_article_ungraded(store: str) -> None:
    out = ok(store, "demo")
    for table in ["Agenda", "Stances", "Motivations", "Outcome scenarios",
                  "Recommendations", "Evidence", "Humanitarian Aid"]:  # fmt: skip
        assert table in out, table
    found = as_json(store, "events", "--talks", "beijing-talks", "--limit", "0")
    entries = found["entries"]
    assert len(entries) == found["total"] > 1
    assert {entry["grade"] for entry in entries} == {"F6"}
    assert all(
        [c["source"] for c in entry["fields"]["cites"]] == ["beijing-article"]
        for entry in entries
    )
    (article,) = as_json(store, "source", "list")
    assert (article["key"], article["reliability"]) == ("beijing-article", "F")
    assert grades(store, "--min-grade", "E6") == {}
    code, _, _ = timeline(store, "lint", "beijing-talks")
    assert code == 1
