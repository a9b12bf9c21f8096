"""The ``timeline`` command end to end, in process, on a real store of each
backend."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import click
import pytest
from click.testing import Result

from tests.support import (
    as_json,
    fails,
    make_store,
    ok,
    run,
    shown,
    stored_events_if_any,
)
from timeline.cli import cli

ARTICLE = Path(__file__).parent.parent / "fixtures" / "beijing-talks.txt"
DEMO = "beijing-talks"
SEED_HEADERS = [
    "| Country | Diplomatic Stance | Key Interests |",
    "| Outcome | Potential Impact |",
    "| Recommendation | Outcome |",
]


def article_tables() -> list[list[str]]:
    """The Markdown tables of the seed article: runs of lines starting with '|'."""
    tables: list[list[str]] = []
    previous_was_row = False
    for line in ARTICLE.read_text(encoding="utf-8").splitlines():
        is_row = line.startswith("|")
        if is_row and not previous_was_row:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous_was_row = is_row
    return tables


def article_bullets() -> list[tuple[str, str]]:
    """The article's ``- Name: text`` bullets: agenda, motivations, priorities."""
    bullets = []
    for line in ARTICLE.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"- ([^:]+): (.+)", line):
            bullets.append((match[1], match[2]))
    return bullets


# -- the demo and its export -------------------------------------------------


def test_demo_records_the_seed_case_and_prints_it(store: str) -> None:
    assert stored_events_if_any(store) == 0
    result = ok("demo")
    assert "Recorded the demo talks beijing-talks" in result.stderr
    assert shown(store) in result.stderr
    assert "China and Ukraine Forge Diplomatic Dialogue" in result.stdout
    assert "Humanitarian Aid" in result.stdout
    history = as_json("history", DEMO)
    types = [entry["type"] for entry in history]
    assert types[0] == "TalksOpened"
    assert types.count("AgendaItemAdded") == 3
    assert types.count("StanceRecorded") == 2
    assert types.count("MotivationRecorded") == 3
    assert types.count("ScenarioAdded") == 3
    assert types.count("RecommendationAdded") == 6
    # + the actor registered and the source the talks cite
    assert stored_events_if_any(store) == len(history) + 2


def test_demo_twice_adds_nothing(store: str, demo_printout: Result) -> None:
    events = stored_events_if_any(store)
    history = as_json("history", DEMO)

    again = ok("demo")

    assert "already recorded" in again.stderr
    assert "Recorded the demo" not in again.stderr
    assert as_json("history", DEMO) == history
    assert stored_events_if_any(store) == events
    assert again.stdout == demo_printout.stdout


def test_demo_json_is_the_show_document(demo: str) -> None:
    assert json.loads(ok("demo", "--json").stdout) == as_json("show", DEMO)


def test_export_contains_the_three_seed_tables_verbatim(demo: str) -> None:
    exported = ok("export", DEMO, "--format", "markdown").stdout.splitlines()
    tables = article_tables()
    assert [table[0] for table in tables] == SEED_HEADERS
    for table in tables:
        assert len(table) >= 4  # header, separator, at least two rows
        for line in table:
            assert line in exported, line
        start = exported.index(table[0])
        assert exported[start : start + len(table)] == table  # same rows, same order


def test_export_has_the_agenda_motivations_and_priorities(demo: str) -> None:
    exported = ok("export", DEMO).stdout
    lines = exported.splitlines()
    bullets = article_bullets()
    names = [name for name, _ in bullets]
    assert names == [
        "Humanitarian Aid",
        "Economic Cooperation",
        "Regional Security",
        "China",
        "Ukraine",
        "Western Nations",
        "Strengthening Alliances",
        "Diversifying Trade Partners",
        "Promoting Cultural Diplomacy",
    ]
    for name, text in bullets:
        assert f"- **{name}**: {text}" in lines
    for heading in (
        "## Agenda",
        "## Motivations of key players",
        "## Strategic priorities for Ukraine",
    ):
        assert heading in lines
    title = ARTICLE.read_text(encoding="utf-8").splitlines()[1]
    assert title.startswith("China and Ukraine Forge Diplomatic Dialogue")
    assert lines[0].startswith("*Snapshot of the record at store position ")
    assert lines[2] == f"# {title}"


def test_export_invents_no_date(demo: str) -> None:
    exported = ok("export", DEMO).stdout
    assert "- **Date:** not recorded" in exported.splitlines()
    header, brief = exported.split("\n---\n")[0].split("\n", 1)
    assert header.startswith("*Snapshot of the record at store position ")
    assert not re.search(r"\b(19|20)\d\d-\d\d", brief)
    view = as_json("show", DEMO)
    assert view["on"] is None
    assert [stance["on"] for stance in view["stances"]] == [None, None]


def test_export_to_a_file_writes_the_same_text(demo: str, tmp_path: Path) -> None:
    printed = ok("export", DEMO).stdout
    target = tmp_path / "brief.md"
    result = ok("export", DEMO, "--format", "markdown", "-o", str(target))
    assert result.stdout == ""
    assert str(target) in result.stderr
    assert target.read_text(encoding="utf-8") == printed


# -- JSON documents ------------------------------------------------------------


def test_json_outputs_are_single_documents_with_the_expected_keys(
    demo: str,
) -> None:
    view = as_json("show", DEMO)
    assert {
        "slug", "title", "location", "parties", "on", "summary", "sources", "opened",
        "agenda", "stances", "motivations", "scenarios", "recommendations",
        "developments", "version", "last_position",
    } <= set(view)  # fmt: skip
    assert view["slug"] == DEMO
    assert view["parties"] == [
        {"code": "CHN", "name": "China"},
        {"code": "UKR", "name": "Ukraine"},
    ]
    assert [m["actor_name"] for m in view["motivations"]] == [
        "China", "Ukraine", "Western Nations",
    ]  # fmt: skip

    talks = as_json("talks", "list")
    assert isinstance(talks, list)
    assert len(talks) == 1
    assert {"slug", "title", "location", "opened_at", "version"} <= set(talks[0])
    assert talks[0]["slug"] == DEMO
    assert talks[0]["version"] == view["version"]

    history = as_json("history", DEMO)
    assert isinstance(history, list)
    for entry in history:
        assert {"position", "version", "type", "recorded_at", "recorded_by",
                "payload"} <= set(entry)  # fmt: skip
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))
    positions = [e["position"] for e in history]
    assert positions == sorted(set(positions))
    assert history[-1]["position"] == view["last_position"]
    assert len(history) == view["version"]

    actors = as_json("actor", "list")
    assert isinstance(actors, list)
    assert len(actors) == 1
    assert {"key", "name", "kind", "recorded_at", "recorded_by"} <= set(actors[0])
    assert (actors[0]["key"], actors[0]["name"], actors[0]["kind"]) == (
        "western-nations", "Western Nations", "group",
    )  # fmt: skip
    assert actors[0]["recorded_by"] == "tester"


def test_empty_store_lists_nothing(store: str) -> None:
    make_store(store)
    assert as_json("talks", "list") == []
    assert as_json("actor", "list") == []


# -- recording through the commands ------------------------------------------


def test_full_recording_flow(store: str) -> None:
    slug = "geneva-talks"
    ok("actor", "add", "mediators", "--name", "Mediators Group",
       "--kind", "organization")  # fmt: skip
    ok("talks", "open", slug, "--title", "Geneva Talks", "--location", "Geneva",
       "--party", "CHN", "--party", "UKR", "--party", "mediators", "--on", "2024-07",
       "--summary", "A second round.", "--source", "https://example.org/a")  # fmt: skip
    ok("agenda", "add", slug, "grain-corridor", "--title", "Grain Corridor",
       "--detail", "Reopening exports")  # fmt: skip
    ok("stance", "record", slug, "CHN", "--position", "Hesitant", "--interest",
       "Trade", "--on", "2024-07-01")  # fmt: skip
    ok("stance", "record", slug, "CHN", "--position", "Committed", "--interest",
       "Stability", "--interest", "Trade")  # fmt: skip
    ok("motive", "record", slug, "mediators", "Wants credit for a deal")
    ok("scenario", "add", slug, "ceasefire", "--outcome", "Ceasefire",
       "--impact", "Fewer casualties")  # fmt: skip
    ok("recommend", "add", slug, "open-ports", "--title", "Open the ports",
       "--outcome", "More exports", "--for", "UKR")  # fmt: skip
    recorded = ok("develop", slug, "Second round announced", "--on", "2024-08",
                  "--source", "https://example.org/b",
                  "--source", "Reuters")  # fmt: skip
    assert "development:1" in recorded.stderr
    ok("amend", slug, "scenario:ceasefire", "--impact", "Talks resume",
       "--reason", "Misquoted")  # fmt: skip
    ok("--author", "editor", "retract", slug, "agenda:grain-corridor",
       "--reason", "Not discussed")  # fmt: skip

    history = as_json("history", slug)
    assert [e["type"] for e in history] == [
        "TalksOpened", "AgendaItemAdded", "StanceRecorded", "StanceRecorded",
        "MotivationRecorded", "ScenarioAdded", "RecommendationAdded",
        "DevelopmentRecorded", "EntryAmended", "EntryRetracted",
    ]  # fmt: skip
    assert [e["recorded_by"] for e in history] == ["tester"] * 9 + ["editor"]
    stances = [e["payload"] for e in history if e["type"] == "StanceRecorded"]
    assert [(s["actor"], s["position"], s["on"]) for s in stances] == [
        ("CHN", "Hesitant", "2024-07-01"),
        ("CHN", "Committed", None),
    ]
    assert history[8]["payload"] == {
        "ref": "scenario:ceasefire",
        "changes": {"impact": "Talks resume"},
        "reason": "Misquoted",
    }
    assert history[9]["payload"] == {
        "ref": "agenda:grain-corridor",
        "reason": "Not discussed",
    }
    assert stored_events_if_any(store) == len(history) + 1  # + the actor

    view = as_json("show", slug)
    assert view["on"] == "2024-07"
    assert view["summary"] == "A second round."
    assert view["sources"] == ["https://example.org/a"]
    assert view["parties"][2] == {"code": "mediators", "name": "Mediators Group"}
    assert view["opened"]["recorded_by"] == "tester"
    assert view["version"] == len(history)
    [item] = view["agenda"]
    assert item["retracted"] is True
    corrections = [(c["action"], c["reason"], c["recorded_by"])
                   for c in item["corrections"]]  # fmt: skip
    assert corrections == [("retracted", "Not discussed", "editor")]
    assert [(s["position"], s["interests"]) for s in view["stances"]] == [
        ("Hesitant", ["Trade"]),
        ("Committed", ["Stability", "Trade"]),
    ]
    [motive] = view["motivations"]
    assert (motive["actor_name"], motive["text"]) == (
        "Mediators Group", "Wants credit for a deal",
    )  # fmt: skip
    [scenario] = view["scenarios"]
    assert scenario["impact"] == "Talks resume"
    assert scenario["outcome"] == "Ceasefire"
    assert scenario["corrections"][0]["action"] == "amended"
    assert scenario["corrections"][0]["changes"] == {"impact": "Talks resume"}
    [recommendation] = view["recommendations"]
    assert (recommendation["audience"], recommendation["audience_name"]) == (
        "UKR", "Ukraine",
    )  # fmt: skip
    [development] = view["developments"]
    assert development["number"] == 1
    assert development["on"] == "2024-08"
    assert development["sources"] == ["https://example.org/b", "Reuters"]

    page = ok("show", slug).stdout
    assert "Committed" in page
    assert "Hesitant" not in page  # superseded by the later stance
    assert "Grain Corridor" not in page  # retracted
    assert "Talks resume" in page
    assert "Fewer casualties" not in page  # amended

    exported = ok("export", slug).stdout
    assert "- **Date:** 2024-07" in exported.splitlines()
    assert "| Ceasefire | Talks resume |" in exported.splitlines()
    assert "| China | Committed | Stability, Trade |" in exported.splitlines()


def test_retracting_the_later_stance_brings_back_the_earlier(demo: str) -> None:
    ok("stance", "record", DEMO, "CHN", "--position", "Wavering")
    page = ok("show", DEMO).stdout
    assert "Wavering" in page
    ok("retract", DEMO, "stance:CHN", "--reason", "Misreported")
    exported = ok("export", DEMO).stdout.splitlines()
    original = next(line for line in article_tables()[0] if line.startswith("| China"))
    assert original in exported
    assert not any("Wavering" in line for line in exported)


def test_amending_the_talks_changes_every_view_of_them(demo: str) -> None:
    ok("amend", DEMO, "talks", "--title", "Beijing round", "--on", "2024-05",
       "--reason", "Headline was the article's")  # fmt: skip
    assert as_json("talks", "list")[0]["title"] == "Beijing round"
    exported = ok("export", DEMO).stdout.splitlines()
    assert exported[2] == "# Beijing round"  # after the snapshot line
    assert "- **Date:** 2024-05" in exported

    ok("amend", DEMO, "talks", "--on", "", "--reason", "Date unknown after all")
    assert "- **Date:** not recorded" in ok("export", DEMO).stdout.splitlines()
    view = as_json("show", DEMO)
    assert view["on"] is None
    assert [c["reason"] for c in view["opened"]["corrections"]] == [
        "Headline was the article's", "Date unknown after all",
    ]  # fmt: skip
    types = [e["type"] for e in as_json("history", DEMO)]
    assert types[-2:] == ["EntryAmended", "EntryAmended"]


def test_author_comes_from_flag_then_environment(
    demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("develop", DEMO, "One", "--on", "2024")
    ok("--author", "  someone  ", "develop", DEMO, "Two", "--on", "2024")
    monkeypatch.setenv("TIMELINE_AUTHOR", "from-env")
    ok("develop", DEMO, "Three", "--on", "2024")
    developments = [
        e for e in as_json("history", DEMO) if e["type"] == "DevelopmentRecorded"
    ]
    assert [e["recorded_by"] for e in developments] == ["tester", "someone", "from-env"]


# -- where the store is --------------------------------------------------------


def test_db_path_prints_timeline_db(store: str) -> None:
    assert ok("db", "path").stdout == f"{shown(store)}\n"


def test_db_flag_overrides_timeline_db(store: str, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    assert ok("--db", str(other), "db", "path").stdout == f"{other}\n"
    ok("--db", str(other), "demo")
    assert stored_events_if_any(other) > 0
    assert stored_events_if_any(store) == 0


def test_relative_db_flag_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = ok("--db", "rel.sqlite", "db", "path").stdout
    assert printed == f"{tmp_path / 'rel.sqlite'}\n"


def test_default_db_is_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIMELINE_DB")
    data_home = tmp_path / "home" / ".local" / "share"
    assert os.environ["XDG_DATA_HOME"] == str(data_home)
    expected = data_home / "diplomatic-timeline" / "timeline.sqlite"
    assert ok("db", "path").stdout == f"{expected}\n"
    ok("demo")
    assert stored_events_if_any(expected) > 0


# -- mistakes ------------------------------------------------------------------

OPEN = ["talks", "open", "new-talks", "--title", "T", "--location", "L"]

BAD_INPUT = [
    pytest.param([], [*OPEN, "--party", "XXX"], id="unknown-country-party"),
    pytest.param([], ["stance", "record", DEMO, "XXX", "--position", "P"],
                 id="unknown-country-stance"),
    pytest.param([], ["stance", "record", DEMO, "nobody", "--position", "P"],
                 id="unregistered-actor-stance"),
    pytest.param([], [*OPEN, "--party", "CHN", "--party", "nobody"],
                 id="unregistered-actor-party"),
    pytest.param([], ["motive", "record", DEMO, "nobody", "Text"],
                 id="unregistered-actor-motive"),
    pytest.param([], ["recommend", "add", DEMO, "k", "--title", "T", "--for", "nobody"],
                 id="unregistered-actor-audience"),
    pytest.param([], ["stance", "record", DEMO, "China!", "--position", "P"],
                 id="malformed-actor"),
    pytest.param([], ["agenda", "add", "nope", "k", "--title", "T"],
                 id="unknown-talks-agenda"),
    pytest.param([], ["develop", "nope", "Text", "--on", "2024"],
                 id="unknown-talks-develop"),
    pytest.param([], ["show", "nope"], id="unknown-talks-show"),
    pytest.param([], ["history", "nope"], id="unknown-talks-history"),
    pytest.param([], ["export", "nope"], id="unknown-talks-export"),
    pytest.param([], ["agenda", "add", DEMO, "humanitarian-aid", "--title", "T"],
                 id="duplicate-agenda-key"),
    pytest.param([], ["scenario", "add", DEMO, "neutral-stance", "--outcome", "O",
                      "--impact", "I"], id="duplicate-scenario-key"),
    pytest.param([], ["develop", DEMO, "Text", "--on", "2024-13"], id="date-2024-13"),
    pytest.param([], ["develop", DEMO, "Text", "--on", "2024-02-30"],
                 id="date-2024-02-30"),
    pytest.param([], ["develop", DEMO, "Text", "--on", "yesterday"],
                 id="date-yesterday"),
    pytest.param([], ["stance", "record", DEMO, "CHN", "--position", "P",
                      "--on", "2024-13"], id="stance-date-2024-13"),
    pytest.param([], [*OPEN, "--party", "CHN", "--on", "yesterday"],
                 id="talks-date-yesterday"),
    pytest.param([], ["agenda", "add", DEMO, "k", "--title", ""], id="empty-title"),
    pytest.param([], ["talks", "open", "new-talks", "--title", "  ", "--location",
                      "L", "--party", "CHN"], id="blank-talks-title"),
    pytest.param([], ["develop", DEMO, "", "--on", "2024"], id="empty-development"),
    pytest.param([], ["actor", "add", "k", "--name", ""], id="empty-actor-name"),
    pytest.param([], ["stance", "record", DEMO, "CHN", "--position", "P",
                      "--interest", ""], id="empty-interest"),
    pytest.param([["retract", DEMO, "agenda:humanitarian-aid", "--reason", "R"]],
                 ["retract", DEMO, "agenda:humanitarian-aid", "--reason", "R"],
                 id="retract-twice"),
    pytest.param([["retract", DEMO, "stance:CHN", "--reason", "R"]],
                 ["retract", DEMO, "stance:CHN", "--reason", "R"],
                 id="retract-stance-twice"),
    pytest.param([["retract", DEMO, "agenda:humanitarian-aid", "--reason", "R"]],
                 ["amend", DEMO, "agenda:humanitarian-aid", "--title", "T",
                  "--reason", "R"], id="amend-retracted"),
    pytest.param([], ["amend", DEMO, "scenario:neutral-stance", "--reason", "R"],
                 id="amend-nothing"),
    pytest.param([], ["amend", DEMO, "scenario:neutral-stance", "--title", "T",
                      "--reason", "R"], id="amend-field-of-another-kind"),
    pytest.param([], ["amend", DEMO, "agenda:nope", "--title", "T", "--reason", "R"],
                 id="amend-unknown-entry"),
    pytest.param([], ["retract", DEMO, "development:1", "--reason", "R"],
                 id="retract-unknown-development"),
    pytest.param([], ["retract", DEMO, "talks", "--reason", "R"],
                 id="retract-talks"),
    pytest.param([], ["retract", DEMO, "agenda", "--reason", "R"], id="ref-no-key"),
    pytest.param([], ["retract", DEMO, "colour:red", "--reason", "R"],
                 id="ref-unknown-kind"),
    pytest.param([], ["retract", DEMO, "development:one", "--reason", "R"],
                 id="ref-development-not-a-number"),
    pytest.param([], ["amend", DEMO, "agenda:Humanitarian Aid", "--title", "T",
                      "--reason", "R"], id="ref-key-not-a-slug"),
    pytest.param([], ["retract", DEMO, "agenda:humanitarian-aid", "--reason", " "],
                 id="blank-reason"),
    pytest.param([], ["talks", "open", DEMO, "--title", "T", "--location", "L",
                      "--party", "CHN"], id="duplicate-talks-slug"),
    pytest.param([], ["talks", "open", "Bad Slug", "--title", "T", "--location", "L",
                      "--party", "CHN"], id="malformed-talks-slug"),
    pytest.param([], [*OPEN, "--party", "CHN", "--party", "CHN"],
                 id="party-named-twice"),
    pytest.param([], ["actor", "add", "western-nations", "--name", "W"],
                 id="duplicate-actor-key"),
    pytest.param([], ["actor", "add", "Western Nations", "--name", "W"],
                 id="malformed-actor-key"),
    pytest.param([], ["export", DEMO, "-o", "/nonexistent-dir/brief.md"],
                 id="export-unwritable"),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "command"), BAD_INPUT)
def test_bad_input_is_one_error_line_and_changes_nothing(
    store: str, demo: str, setup: list[list[str]], command: list[str]
) -> None:
    for step in setup:
        ok(*step)
    before = stored_events_if_any(store)
    history = as_json("history", DEMO)

    fails(*command)

    assert stored_events_if_any(store) == before
    assert as_json("history", DEMO) == history


@pytest.mark.parametrize("kind", ["directory", "not-a-database"])
def test_unusable_store_is_one_error_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path
    if kind == "not-a-database":
        path = tmp_path / "junk.sqlite"
        path.write_text("not SQLite " * 20)
    before = path.read_bytes() if path.is_file() else None
    result = run("--db", str(path), "talks", "list")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    if before is not None:
        assert path.read_bytes() == before


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["agenda", "add", DEMO, "k"], id="missing-required-option"),
        pytest.param(["develop", DEMO, "Text"], id="missing-date"),
        pytest.param(["stance", "record", DEMO], id="missing-argument"),
        pytest.param(["actor", "add", "k", "--name", "N", "--kind", "state"],
                     id="bad-choice"),
        pytest.param(["no-such-command"], id="unknown-command"),
    ],
)  # fmt: skip
def test_usage_error_exits_2(store: str, demo: str, command: list[str]) -> None:
    before = stored_events_if_any(store)
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert "Error:" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert stored_events_if_any(store) == before


# -- help and version ----------------------------------------------------------


def command_paths(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command and group under ``group``, as the words that invoke it."""
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


COMMANDS = [(), *command_paths(cli)]


def test_every_command_is_covered_by_the_help_test() -> None:
    assert {
        "talks open", "talks list", "agenda add", "stance record", "motive record",
        "scenario add", "recommend add", "develop", "amend", "retract", "actor add",
        "actor list", "show", "history", "export", "demo", "db path",
        "talks", "agenda", "stance", "motive", "scenario", "recommend", "actor", "db",
    } <= {" ".join(path) for path in COMMANDS}  # fmt: skip


@pytest.mark.parametrize(
    "path", COMMANDS, ids=lambda path: " ".join(path) or "timeline"
)
def test_help_of_every_command_has_an_example(path: tuple[str, ...]) -> None:
    result = ok(*path, "--help")
    assert "Example" in result.stdout
    assert result.stdout.startswith("Usage: ")


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = ok(flag)
    assert version("diplomatic-timeline") in result.stdout
    assert re.search(r"\d+\.\d+", result.stdout)
