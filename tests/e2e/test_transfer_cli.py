"""``export``, ``import`` and ``schema`` end to end, in process, on SQLite files."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest
import yaml
from jsonschema.validators import validator_for

from bench.store import bulk_append
from events.errors import InvalidInput
from tests.support import (
    as_json,
    fails,
    listed,
    ok,
    rehashed,
    rows,
    run,
    stored_events_if_any,
)
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_service
from timeline.casefile import demo_case

DEMO = "beijing-talks"
EVENT_KEYS = [
    "position", "id", "aggregate_id", "version", "type", "topic",
    "recorded_at", "recorded_by", "payload",
]  # fmt: skip
SEED_CASE = files("timeline") / "data" / "beijing-talks.yaml"


def renderer_missing(format_: str) -> bool:
    return find_spec(f"timeline.exporters.{format_}") is None


def formats(*names: str) -> list[Any]:
    """Export formats as parameters; one whose renderer module is not written
    yet is skipped (and says so), the others run."""
    return [
        pytest.param(
            name,
            id=name,
            marks=pytest.mark.skipif(
                name in {"csv", "html", "timelinejs", "ical"}
                and renderer_missing(name),
                reason=f"renderer timeline.exporters.{name} does not exist yet",
            ),
        )
        for name in names
    ]


ALL_FORMATS = ["markdown", "json", "jsonl", "csv", "html", "timelinejs", "ical"]


def log_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def write_log(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def validator(schema: dict[str, Any]) -> Any:
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def dated(db_path: Path) -> Path:
    """The demo plus a day-dated and a year-dated development and a dated
    stance: the default store."""
    ok("demo")
    ok("develop", DEMO, "--on", "2024-07-23", "Talks resume",
       "--source", "https://example.org/a")  # fmt: skip
    ok("develop", DEMO, "--on", "2023", "Envoys met in Kyiv")
    ok("stance", "record", DEMO, "CHN", "--position", "Committed to mediation",
       "--interest", "Stability", "--on", "2024-08")  # fmt: skip
    return db_path


# -- 1. every format ---------------------------------------------------------


def test_markdown_export_is_the_header_then_the_brief(dated: Path) -> None:
    snapshot = json.loads(ok("export", "--format", "json").stdout)
    lines = ok("export", "--format", "markdown").stdout.splitlines()
    assert lines[0] == (
        f"*Snapshot of the record at store position {stored_events_if_any(dated)}, "
        f"recorded {snapshot['recorded_at']}; store head `{snapshot['head']}`.*"
    )
    assert lines[2] == (
        "# China and Ukraine Forge Diplomatic Dialogue Amid Ongoing Russian Aggression"
    )
    assert "- **Parties:** China (CHN), Ukraine (UKR)" in lines
    assert "| 2024-07-23 | Talks resume | https://example.org/a |" in lines
    assert "| 2023 | Envoys met in Kyiv |  |" in lines
    assert "| China | Committed to mediation | Stability |" in lines
    scenario = "| Increased Diplomatic Engagement | Potential for mediation efforts"
    assert f"{scenario} and reduced tensions |" in lines


def test_json_export_is_the_snapshot_of_the_views(dated: Path) -> None:
    snapshot = json.loads(ok("export", "--format", "json").stdout)
    log = log_of(ok("export", "--format", "jsonl").stdout)

    assert list(snapshot) == [
        "schema_version", "head", "heads", "position", "recorded_at", "as_of",
        "actors", "sources", "talks", "timeline",
    ]  # fmt: skip
    assert snapshot["schema_version"] == 4
    assert snapshot["position"] == stored_events_if_any(dated) == log[-1]["position"]
    assert snapshot["recorded_at"] == log[-1]["recorded_at"]
    assert snapshot["talks"] == [as_json("show", DEMO)]
    assert [actor["key"] for actor in snapshot["actors"]] == ["western-nations"]
    events = listed("--limit", "0")
    assert [e["entry_id"] for e in snapshot["timeline"]] == [
        e["entry_id"] for e in events
    ]
    dated_texts = [e["text"] for e in snapshot["timeline"] if e["date"]]
    assert dated_texts == [
        "Envoys met in Kyiv",
        "Talks resume",
        "Committed to mediation",
    ]
    resume = next(e for e in snapshot["timeline"] if e["text"] == "Talks resume")
    assert resume["date"] == resume["lower"] == resume["upper"] == "2024-07-23"
    assert resume["sources"] == ["https://example.org/a"]
    assert resume["recorded_by"] == "tester"


def test_jsonl_export_is_every_stored_event_in_order(dated: Path) -> None:
    text = ok("export", "--format", "jsonl").stdout
    assert text.endswith("\n")
    log = log_of(text)
    assert len(log) == stored_events_if_any(dated)
    assert [line["position"] for line in log] == list(range(1, len(log) + 1))
    for line in log:
        assert list(line) == EVENT_KEYS
        assert line["id"] == f"{line['aggregate_id']}/{line['version']}"
        assert line["recorded_by"] == "tester"
        assert isinstance(line["payload"], dict)
        assert "timestamp" not in line["payload"]
    stored = rows(
        dated,
        "SELECT rowid, originator_id, originator_version, topic"
        " FROM stored_events ORDER BY rowid",
    )
    assert [(line["position"], line["version"], line["topic"]) for line in log] == [
        (rowid, version, topic) for rowid, _, version, topic in stored
    ]
    types = [line["type"] for line in log]
    assert types[:3] == ["ActorRegistered", "SourceAdded", "TalksOpened"]
    assert types[-3:] == [
        "DevelopmentRecorded", "DevelopmentRecorded", "StanceRecorded",
    ]  # fmt: skip
    assert log[-3]["payload"]["text"] == "Talks resume"
    assert log[-3]["payload"]["sources"] == ["https://example.org/a"]


@pytest.mark.parametrize("format_", formats("csv", "html", "timelinejs", "ical"))
def test_other_formats_carry_a_dated_entry(dated: Path, format_: str) -> None:
    result = ok("export", "--format", format_)
    assert result.stdout.strip()
    assert "Talks resume" in result.stdout


# -- 2. the same bytes, to stdout or to a file ---------------------------------


@pytest.mark.parametrize("format_", formats(*ALL_FORMATS))
def test_export_twice_and_to_a_file_gives_the_same_bytes(
    dated: Path, tmp_path: Path, format_: str
) -> None:
    first = ok("export", "--format", format_).stdout_bytes
    second = ok("export", "--format", format_).stdout_bytes
    assert first
    assert first == second

    target = tmp_path / f"out.{format_}"
    result = ok("export", "--format", format_, "-o", str(target))
    assert result.stdout_bytes == b""
    assert f"Wrote {target}" in result.stderr
    assert target.read_bytes() == first
    if format_ == "csv":
        assert b"\r\n" in first  # RFC 4180 line ends, kept in the file too
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_exported_file_gets_the_usual_permissions(
    dated: Path, tmp_path: Path
) -> None:
    """Written through a private temporary file, but readable as any new file
    is under the umask; a file that existed keeps its own mode."""
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "brief.md"
        ok("export", "-o", str(fresh))
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        kept = tmp_path / "kept.md"
        kept.write_text("old")
        kept.chmod(0o600)
        ok("export", "-o", str(kept))
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    finally:
        os.umask(umask)


@pytest.mark.parametrize("format_", ["markdown", "jsonl"])
def test_export_to_a_missing_directory_writes_nothing(
    dated: Path, tmp_path: Path, format_: str
) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    target = tmp_path / "missing" / "out.txt"
    error = fails("export", "--format", format_, "-o", str(target))
    assert str(target) in error
    assert not target.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_export_into_a_file_not_a_directory_writes_nothing(
    dated: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("keep me\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    fails("export", "-o", str(blocker / "out.md"))
    assert blocker.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_export_replaces_an_existing_file_whole(dated: Path, tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    target.write_text("x" * 100_000)
    ok("export", "-o", str(target))
    assert target.read_bytes() == ok("export").stdout_bytes


# -- 3. which talks -------------------------------------------------------------


@pytest.fixture
def two_talks(dated: Path) -> Path:
    ok("talks", "open", "geneva-round", "--title", "Geneva round",
       "--location", "Geneva", "--party", "USA", "--party", "RUS",
       "--on", "2025-02")  # fmt: skip
    ok("develop", "geneva-round", "--on", "2025-02-11", "Geneva opens")
    return dated


def test_export_without_slug_has_every_talks(two_talks: Path) -> None:
    snapshot = json.loads(ok("export", "--format", "json").stdout)
    assert [t["slug"] for t in snapshot["talks"]] == [DEMO, "geneva-round"]
    assert {e["talks"] for e in snapshot["timeline"]} == {DEMO, "geneva-round"}
    markdown = ok("export").stdout.splitlines()
    assert "# Geneva round" in markdown
    assert markdown[2].startswith("# China and Ukraine Forge Diplomatic Dialogue")
    log = log_of(ok("export", "--format", "jsonl").stdout)
    assert len(log) == stored_events_if_any(two_talks)


def test_export_with_slug_has_only_that_talks(two_talks: Path) -> None:
    snapshot = json.loads(ok("export", "geneva-round", "--format", "json").stdout)
    assert [t["slug"] for t in snapshot["talks"]] == ["geneva-round"]
    assert {e["talks"] for e in snapshot["timeline"]} == {"geneva-round"}
    assert snapshot["position"] == stored_events_if_any(two_talks)
    markdown = ok("export", "geneva-round").stdout
    assert "Geneva opens" in markdown
    assert "Talks resume" not in markdown

    log = log_of(ok("export", "geneva-round", "--format", "jsonl").stdout)
    talks_id = log_of(ok("export", "--format", "jsonl").stdout)[-2]["aggregate_id"]
    assert [line["type"] for line in log] == [
        "ActorRegistered", "SourceAdded", "TalksOpened", "DevelopmentRecorded",
    ]  # fmt: skip
    assert {line["aggregate_id"] for line in log[2:]} == {talks_id}
    positions = [line["position"] for line in log]
    assert positions == sorted(positions)


@pytest.mark.parametrize("format_", formats(*ALL_FORMATS))
def test_export_of_unknown_talks_is_an_error(
    dated: Path, tmp_path: Path, format_: str
) -> None:
    target = tmp_path / "out"
    error = fails("export", "nope", "--format", format_, "-o", str(target))
    assert "nope" in error
    assert not target.exists()
    assert "nope" in fails("export", "nope", "--format", format_)


# -- 4 and 5. a round trip of about 10,000 events ------------------------------


@dataclass
class RoundTrip:
    source: Path
    target: Path
    log: Path
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundTrip]:
    """A store of the demo, ten talks of 1,000 events and some corrections,
    exported as jsonl and imported into an empty store, once for the module."""
    root = tmp_path_factory.mktemp("round-trip")
    source, target, log = root / "a.sqlite", root / "b.sqlite", root / "a.jsonl"
    with pytest.MonkeyPatch.context() as env:
        home = root / "home"
        home.mkdir()
        env.setenv("HOME", str(home))
        env.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
        env.setenv("TIMELINE_DB", str(root / "unused.sqlite"))
        env.setenv("TIMELINE_AUTHOR", "importer")
        for name in ("PERSISTENCE_MODULE", "SQLITE_DBNAME", "TIMELINE_DATABASE_URL"):
            env.delenv(name, raising=False)

        app = open_service(source, "builder")
        try:
            assert app.record_case(demo_case())
            bulk_append(app.record, 10_000)
            app.amend(
                "talks-0", "agenda:item-0", {"title": "Item 0, corrected"}, "typo"
            )
            app.amend("talks-0", "development:1", {"on": "2021-03"}, "misdated")
            impact = {"impact": "Risk of a wider regional conflict"}
            app.amend(DEMO, "scenario:neutral-stance", impact, "misquoted")
            app.retract("talks-3", "development:2", "never happened")
            app.retract(DEMO, "agenda:regional-security", "not discussed")
        finally:
            app.close()

        ok("--db", str(source), "export", "--format", "jsonl", "-o", str(log))
        imported = ok("--db", str(target), "import", str(log), "--json")
        yield RoundTrip(source, target, log, json.loads(imported.stdout))


def test_round_trip_gives_the_same_exports(round_trip: RoundTrip) -> None:
    source, target = str(round_trip.source), str(round_trip.target)
    events = stored_events_if_any(round_trip.source)
    assert events > 10_000
    assert round_trip.summary == {
        "format": "jsonl", "read": events, "added": events, "present": 0,
    }  # fmt: skip
    assert stored_events_if_any(round_trip.target) == events

    for format_ in ("json", "markdown"):
        exported = ok("--db", source, "export", "--format", format_).stdout_bytes
        assert ok("--db", target, "export", "--format", format_).stdout_bytes == (
            exported
        ), format_
    snapshot = json.loads(ok("--db", target, "export", "--format", "json").stdout)
    assert snapshot["position"] == events
    assert len(snapshot["talks"]) == 11
    demo = snapshot["talks"][0]
    assert "regional-security" not in [
        item["key"] for item in demo["agenda"] if not item["retracted"]
    ]
    assert ok("--db", target, "export", "--format", "jsonl").stdout_bytes == (
        round_trip.log.read_bytes()
    )


def test_importing_the_same_log_again_adds_nothing(round_trip: RoundTrip) -> None:
    events = stored_events_if_any(round_trip.target)
    again = ok("--db", str(round_trip.target), "import", str(round_trip.log), "--json")
    assert json.loads(again.stdout) == {
        "format": "jsonl", "read": events, "added": 0, "present": events,
    }  # fmt: skip
    assert f"Imported 0 events from {round_trip.log}" in again.stderr
    assert stored_events_if_any(round_trip.target) == events


def test_round_trip_is_lossless(round_trip: RoundTrip) -> None:
    query = (
        "SELECT originator_id, originator_version, topic, state"
        " FROM stored_events ORDER BY rowid"
    )
    source, target = rows(round_trip.source, query), rows(round_trip.target, query)
    assert len(source) == len(target)
    assert [row[:3] for row in source] == [row[:3] for row in target]
    for mine, theirs in zip(source, target, strict=True):
        assert orjson.loads(mine[3]) == orjson.loads(theirs[3]), mine[:3]
    authors = {orjson.loads(row[3])["recorded_by"] for row in target}
    assert authors == {"builder", "bench"}  # not the importer's name


def test_imported_store_takes_further_corrections(round_trip: RoundTrip) -> None:
    """The imported talks (loaded from the snapshots the import took) accept
    and refuse the same commands as the originals."""
    for db in (round_trip.source, round_trip.target):
        error = fails("--db", str(db), "retract", "talks-3", "development:2",
                      "--reason", "twice")  # fmt: skip
        assert "already retracted" in error
    # a read-only check: the version each store reports for the long talks
    source = as_json("--db", str(round_trip.source), "show", "talks-9")
    target = as_json("--db", str(round_trip.target), "show", "talks-9")
    assert source == target


def test_round_trip_loads_the_same_aggregates(round_trip: RoundTrip) -> None:
    from events.talks import talks_id

    loaded = []
    for db in (round_trip.source, round_trip.target):
        app = open_service(db, "reader")
        try:
            talks = app.record.repository.get(talks_id("talks-3"))
            loaded.append(
                {k: v for k, v in vars(talks).items() if k != "_pending_events"}
            )
        finally:
            app.close()
    assert loaded[0] == loaded[1]


# -- 6. all or nothing ---------------------------------------------------------


@pytest.fixture
def source_log(dated: Path) -> list[dict[str, Any]]:
    """The dated store's log, ending with a stance and then an amendment."""
    ok("amend", DEMO, "agenda:humanitarian-aid", "--title", "Aid", "--reason", "short")
    log = log_of(ok("export", "--format", "jsonl").stdout)
    assert [line["type"] for line in log[-2:]] == ["StanceRecorded", "EntryAmended"]
    return log


def _invalid_json(log: list[dict[str, Any]]) -> list[Any]:
    return [*log[:-1], None]  # written as a truncated line


def _missing_position(log: list[dict[str, Any]]) -> list[Any]:
    stance = log[-2]
    del stance["payload"]["position"]
    return log[:-1]


def _empty_position(log: list[dict[str, Any]]) -> list[Any]:
    log[-2]["payload"]["position"] = "   "
    return log[:-1]


def _bad_date(log: list[dict[str, Any]]) -> list[Any]:
    log[-2]["payload"]["on"] = "2024-13"
    return log[:-1]


def _unknown_ref(log: list[dict[str, Any]]) -> list[Any]:
    log[-1]["payload"]["ref"] = "agenda:no-such-item"
    return log


def _version_gap(log: list[dict[str, Any]]) -> list[Any]:
    last = log[-1]
    last["version"] += 1
    last["id"] = f"{last['aggregate_id']}/{last['version']}"
    return log


def _unregistered_actor(log: list[dict[str, Any]]) -> list[Any]:
    log[-2]["payload"]["actor"] = "atlantis-league"
    return log[:-1]


def _unknown_state(log: list[dict[str, Any]]) -> list[Any]:
    log[-2]["payload"]["actor"] = "XYZ"
    return log[:-1]


def _unknown_type(log: list[dict[str, Any]]) -> list[Any]:
    log[-1]["topic"] = "diplomatic-timeline/NoSuchEvent"
    return log


def _wrong_id(log: list[dict[str, Any]]) -> list[Any]:
    log[-1]["id"] = f"{log[-1]['aggregate_id']}/1"
    return log


def _local_record_time(log: list[dict[str, Any]]) -> list[Any]:
    log[-1]["recorded_at"] = "2024-01-01T10:00:00+02:00"
    return log


def _no_author(log: list[dict[str, Any]]) -> list[Any]:
    log[-1]["recorded_by"] = ""
    return log


def _topic_as_code_path(log: list[dict[str, Any]]) -> list[Any]:
    log[-1]["topic"] = "events.talks:Talks.EntryAmended"  # resolves, not stable
    return log


def _line_twice(log: list[dict[str, Any]]) -> list[Any]:
    return [*log, dict(log[-1])]


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        pytest.param(_local_record_time, ["recorded_at"], id="record-time-not-utc"),
        pytest.param(_no_author, ["recorded_by"], id="no-author"),
        pytest.param(_topic_as_code_path, ["topic"], id="topic-not-the-stable-one"),
        pytest.param(_line_twice, ["twice"], id="line-twice"),
        pytest.param(_invalid_json, ["json"], id="invalid-json"),
        pytest.param(_missing_position, ["position"], id="payload-missing-field"),
        pytest.param(_empty_position, ["position"], id="payload-empty-text"),
        pytest.param(_bad_date, ["2024-13"], id="payload-bad-date"),
        pytest.param(_unknown_ref, ["agenda:no-such-item"], id="amend-unknown-ref"),
        pytest.param(_version_gap, ["does not follow"], id="version-gap"),
        pytest.param(_unregistered_actor, ["atlantis-league"], id="unregistered-actor"),
        pytest.param(_unknown_state, ["XYZ"], id="unknown-state"),
        pytest.param(_unknown_type, ["NoSuchEvent"], id="unknown-topic"),
        pytest.param(_wrong_id, ["id"], id="id-not-aggregate-version"),
    ],
)  # fmt: skip
def test_a_bad_last_line_writes_nothing(
    source_log: list[dict[str, Any]], tmp_path: Path, spoil: Any, words: list[str]
) -> None:
    lines = spoil(source_log)
    file = tmp_path / "spoiled.jsonl"
    good = [line for line in lines if line is not None]
    write_log(file, rehashed(good))  # what the domain's checks must refuse
    if lines[-1] is None:
        with file.open("a", encoding="utf-8") as stream:
            stream.write('{"position": 99, "id": "trunc\n')
    target = tmp_path / "target.sqlite"

    error = fails("--db", str(target), "import", str(file))

    assert f"{file}: line {len(lines)}: " in error
    for word in words:
        assert word.lower() in error.lower(), error
    assert stored_events_if_any(target) == 0


def test_a_line_conflicting_with_the_store_writes_nothing(
    source_log: list[dict[str, Any]], tmp_path: Path
) -> None:
    target = tmp_path / "target.sqlite"
    first = write_log(tmp_path / "first.jsonl", source_log[:-1])
    ok("--db", str(target), "import", str(first))
    held = stored_events_if_any(target)
    assert held == len(source_log) - 1

    source_log[4]["payload"]["position"] = "Something else"
    spoiled = write_log(tmp_path / "spoiled.jsonl", source_log)
    error = fails("--db", str(target), "import", str(spoiled))

    assert f"{spoiled}: line 5: " in error
    assert "conflicts" in error
    assert stored_events_if_any(target) == held
    assert as_json("--db", str(target), "show", DEMO)["agenda"][0]["title"] == (
        "Humanitarian Aid"
    )


def test_a_line_recorded_by_someone_else_conflicts(
    source_log: list[dict[str, Any]], tmp_path: Path
) -> None:
    target = tmp_path / "target.sqlite"
    ok("--db", str(target), "import", str(write_log(tmp_path / "a.jsonl", source_log)))
    held = stored_events_if_any(target)
    source_log[2]["recorded_by"] = "mallory"
    error = fails("--db", str(target), "import",
                  str(write_log(tmp_path / "b.jsonl", source_log)))  # fmt: skip
    assert "line 3: " in error
    assert stored_events_if_any(target) == held


def test_a_log_into_a_store_that_recorded_the_same_talks_is_refused(
    source_log: list[dict[str, Any]], tmp_path: Path
) -> None:
    """The same demo recorded independently is another record: its events
    have other record times, so the log conflicts from its first line."""
    target = tmp_path / "target.sqlite"
    ok("--db", str(target), "demo")
    held = stored_events_if_any(target)
    file = write_log(tmp_path / "log.jsonl", source_log)
    error = fails("--db", str(target), "import", str(file))
    assert f"{file}: line 1: " in error
    assert stored_events_if_any(target) == held


def test_blank_lines_are_skipped_and_line_numbers_count_them(
    source_log: list[dict[str, Any]], tmp_path: Path
) -> None:
    file = tmp_path / "gappy.jsonl"
    text = "".join(json.dumps(line) + "\n\n" for line in source_log[:-1])
    file.write_text(text + '{"broken"\n', encoding="utf-8")
    target = tmp_path / "target.sqlite"
    error = fails("--db", str(target), "import", str(file))
    assert f"line {2 * len(source_log) - 1}: " in error
    assert stored_events_if_any(target) == 0

    file.write_text(text, encoding="utf-8")
    summary = as_json("--db", str(target), "import", str(file))
    assert summary["read"] == summary["added"] == len(source_log) - 1


def test_a_jsonl_file_with_another_suffix_needs_the_format(
    source_log: list[dict[str, Any]], tmp_path: Path
) -> None:
    file = write_log(tmp_path / "backup.txt", source_log)
    target = tmp_path / "target.sqlite"
    summary = as_json("--db", str(target), "import", str(file), "--format", "jsonl")
    assert summary["added"] == len(source_log) == stored_events_if_any(target)


# -- 6b. a log read a line at a time, twice ------------------------------------


def exported_log(db: Path) -> list[dict[str, Any]]:
    return log_of(ok("--db", str(db), "export", "--format", "jsonl").stdout)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    """Imports store 4 events per transaction: a short log takes many."""
    monkeypatch.setattr(DiplomaticRecord, "insert_batch", property(lambda _: 4))
    return 4


def test_an_import_interrupted_after_some_batches_is_finished_by_running_it_again(
    source_log: list[dict[str, Any]], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, small_batches: int,
) -> None:  # fmt: skip
    file = write_log(tmp_path / "log.jsonl", source_log)
    target = tmp_path / "target.sqlite"
    insert = DiplomaticRecord.insert_stored
    calls: list[int] = []

    def interrupted(self: DiplomaticRecord, batch: Any) -> None:
        calls.append(len(batch))
        if len(calls) == 3:
            raise KeyboardInterrupt  # as a user's Ctrl-C would
        insert(self, batch)

    monkeypatch.setattr(DiplomaticRecord, "insert_stored", interrupted)
    assert run("--db", str(target), "import", str(file)).exit_code != 0
    written = 2 * small_batches
    assert stored_events_if_any(target) == written  # two whole batches
    held = rows(target, "SELECT originator_id, originator_version FROM stored_events"
                        " ORDER BY rowid")  # fmt: skip
    assert [(UUID(a), v) for a, v in held] == [
        (UUID(line["aggregate_id"]), line["version"]) for line in source_log[:written]
    ]

    monkeypatch.setattr(DiplomaticRecord, "insert_stored", insert)
    summary = as_json("--db", str(target), "import", str(file))
    assert summary == {
        "format": "jsonl", "read": len(source_log),
        "added": len(source_log) - written, "present": written,
    }  # fmt: skip
    assert exported_log(target) == source_log


def test_a_log_imported_in_part_first_then_whole_adds_the_rest(
    source_log: list[dict[str, Any]], tmp_path: Path, small_batches: int
) -> None:
    target = tmp_path / "target.sqlite"
    part = write_log(tmp_path / "part.jsonl", source_log[:7])
    whole = write_log(tmp_path / "whole.jsonl", source_log)
    assert as_json("--db", str(target), "import", str(part))["added"] == 7
    summary = as_json("--db", str(target), "import", str(whole))
    assert (summary["added"], summary["present"]) == (len(source_log) - 7, 7)
    assert exported_log(target) == source_log
    assert as_json("--db", str(target), "show", DEMO) == as_json("show", DEMO)


class ChangingLog:
    """Numbered lines that are others the second time they are read."""

    def __init__(self, first: list[str], second: list[str]) -> None:
        self.reads = [first, second]

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return enumerate(self.reads.pop(0), start=1)


def test_a_log_that_changes_between_its_two_readings_is_refused(
    source_log: list[dict[str, Any]], tmp_path: Path, small_batches: int
) -> None:
    """Each batch is written only if the lines up to it are those checked."""
    texts = [json.dumps(line) for line in source_log]
    spoiled = [dict(line) for line in source_log]
    spoiled[2] = {**spoiled[2], "recorded_by": "mallory"}
    target = tmp_path / "target.sqlite"
    with open_service(target, "importer") as service:
        with pytest.raises(InvalidInput, match="changed while it was imported"):
            service.record.import_log(
                ChangingLog(texts, [json.dumps(line) for line in spoiled]), "log"
            )
        assert service.record.event_count() == 0  # the first batch was spoiled

        later = ChangingLog(texts, texts[:-1])  # a line gone after two batches
        with pytest.raises(InvalidInput, match="changed while it was imported"):
            service.record.import_log(later, "log")
        assert service.record.event_count() == len(texts) - 1 - (
            (len(texts) - 1) % small_batches
        )
        with pytest.raises(TypeError, match="twice"):
            service.record.check_log(enumerate(texts, start=1), "log")
        held = service.record.event_count()  # an iterator is read once, and kept
        imported = service.record.import_log(enumerate(texts, start=1), "log")
        assert (imported.added, imported.present) == (len(texts) - held, held)


def test_an_import_reports_checking_then_importing(
    source_log: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import timeline.service
    from tests.integration.test_service import Bars

    file = tmp_path / "log.jsonl"
    write_log(file, source_log)
    with file.open("a", encoding="utf-8") as stream:
        stream.write("\n")  # a blank line is read, and counted
    monkeypatch.setattr(timeline.service, "PROGRESS_FROM", 1)
    bars = Bars()
    with open_service(tmp_path / "target.sqlite", "importer", progress=bars) as app:
        app.import_log(file)
    events = len(source_log)
    assert [(label, total, sum(done)) for label, total, done in bars.reports] == [
        ("Checking events", events + 1, events + 1),
        ("Importing events", events, events),
        ("Updating views", events, events),
    ]


# -- 7. case files ---------------------------------------------------------------


def test_import_of_a_yaml_case_records_the_talks(db_path: Path, tmp_path: Path) -> None:
    file = tmp_path / "beijing.yaml"
    file.write_text(SEED_CASE.read_text(encoding="utf-8"), encoding="utf-8")
    case = yaml.safe_load(file.read_text(encoding="utf-8"))["talks"]

    result = ok("import", str(file), "--json")
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("format", "talks", "recorded", "opened")} == {
        "format": "case", "talks": DEMO, "recorded": True, "opened": True,
    }  # fmt: skip
    assert summary["actors"] == ["western-nations"]
    assert summary["steps"][0] == {"action": "record", "ref": "talks", "fields": []}
    assert f"Recorded talks {DEMO} from {file}" in result.stderr
    view = as_json("show", DEMO)
    assert view["title"] == case["title"]
    assert view["location"] == case["location"]
    assert [p["code"] for p in view["parties"]] == case["parties"]
    assert [a["title"] for a in view["agenda"]] == [a["title"] for a in case["agenda"]]
    assert [s["position"] for s in view["stances"]] == [
        s["position"] for s in case["stances"]
    ]
    assert [r["title"] for r in view["recommendations"]] == [
        r["title"] for r in case["recommendations"]
    ]
    events = stored_events_if_any(db_path)

    again = ok("import", str(file), "--json")
    assert json.loads(again.stdout)["recorded"] is False
    assert "already recorded as" in again.stderr
    assert "has them; nothing added." in again.stderr
    assert stored_events_if_any(db_path) == events
    assert as_json("show", DEMO) == view


def test_import_of_a_json_case_records_the_talks(db_path: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(SEED_CASE.read_text(encoding="utf-8"))
    data["talks"]["slug"] = "beijing-copy"
    data["talks"]["developments"] = [
        {"on": "2024-07", "text": "Copy follow-up", "sources": ["https://e.org/c"]},
    ]
    file = tmp_path / "case.json"
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    summary = as_json("import", str(file), "--format", "case")
    assert (summary["talks"], summary["recorded"]) == ("beijing-copy", True)
    view = as_json("show", "beijing-copy")
    assert view["title"] == data["talks"]["title"]
    assert [(d["on"], d["text"]) for d in view["developments"]] == [
        ("2024-07", "Copy follow-up"),
    ]
    events = stored_events_if_any(db_path)
    assert as_json("import", str(file), "--format", "case")["recorded"] is False
    assert stored_events_if_any(db_path) == events


DATED_CASE = """\
talks:
  slug: geneva
  title: Geneva round
  location: Geneva
  parties: [CHN, UKR]
  on: 2024-07-23/2024-07-26
  agenda:
    - {title: Grain corridor, on: 2024-07~}
  stances:
    - {actor: UKR, position: Firm, on: 2024-07-24}
  motivations:
    - {actor: CHN, text: Stability, on: "2024?"}
  scenarios:
    - outcome: Truce
      impact: Calm
      on: 2024-08
      assessments:
        - {likelihood: unlikely, on: 2024-07}
        - {likelihood: Very-Likely, note: After the round, on: 2024-08}
  recommendations:
    - {title: Keep talking, for: UKR, on: 2024-09}
  developments:
    - {on: 2024, text: Announced}
"""


def test_a_case_file_dates_every_entry_and_assesses_scenarios(
    db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "geneva.yaml"
    file.write_text(DATED_CASE, encoding="utf-8")
    ok("import", str(file))
    view = as_json("show", "geneva")
    assert view["on"] == "2024-07-23/2024-07-26"
    assert view["agenda"][0]["on"] == "2024-07~"
    assert view["motivations"][0]["on"] == "2024?"
    [truce] = view["scenarios"]
    assert truce["on"] == "2024-08"
    assert [(a["likelihood"], a["note"]) for a in truce["assessments"]] == [
        ("unlikely", None), ("very likely", "After the round"),
    ]  # fmt: skip
    assert view["recommendations"][0]["on"] == "2024-09"
    # YAML 1.2 scalars: "on" is a key, dates and bare years stay as written
    assert view["stances"][0]["on"] == "2024-07-24"
    assert view["developments"][0]["on"] == "2024"
    rows = listed("--talks", "geneva")
    dated = [(r["ref"], r["valid_text"]) for r in rows]
    assert dated == [
        ("motive:CHN", "2024?"), ("development:1", "2024"),
        ("agenda:grain-corridor", "2024-07~"), ("assessment:truce", "2024-07"),
        ("talks", "2024-07-23/2024-07-26"), ("stance:UKR", "2024-07-24"),
        ("scenario:truce", "2024-08"), ("assessment:truce", "2024-08"),
        ("recommendation:keep-talking", "2024-09"),
    ]  # fmt: skip


def test_a_case_with_an_unknown_likelihood_records_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "geneva.yaml"
    file.write_text(DATED_CASE.replace("Very-Likely", "probable"), encoding="utf-8")
    before = stored_events_if_any(db_path)
    assert "likelihood 'probable' must be one of the ICD 203 terms" in fails(
        "import", str(file)
    )
    assert stored_events_if_any(db_path) == before


GENEVA_MISSING_POSITION = """\
talks:
  slug: geneva-round
  title: Geneva round
  location: Geneva
  parties: [UKR, RUS]
  stances:
    - actor: UKR
      position: Seeks guarantees
    - actor: RUS
      interests: [Sanctions relief]
"""


def test_a_case_missing_a_field_deep_inside_names_file_line_and_path(
    db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "geneva.yaml"
    file.write_text(GENEVA_MISSING_POSITION, encoding="utf-8")
    assert GENEVA_MISSING_POSITION.splitlines()[8] == "    - actor: RUS"

    error = fails("import", str(file))

    assert str(file) in error
    assert "line 9" in error
    assert "talks.stances.1.position" in error
    assert stored_events_if_any(db_path) == 0


def test_a_case_with_invalid_yaml_names_the_line(db_path: Path, tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(
        "talks:\n  slug: geneva-round\n  title: Geneva round\n"
        "  parties: [UKR, RUS\n  location: Geneva\n",
        encoding="utf-8",
    )
    error = fails("import", str(file))
    assert str(file) in error
    assert "line " in error
    assert stored_events_if_any(db_path) == 0


def test_a_case_with_an_unregistered_actor_writes_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "geneva.yaml"
    file.write_text(
        GENEVA_MISSING_POSITION.replace(
            "interests: [Sanctions relief]", "position: Wants relief"
        ).replace("actor: UKR", "actor: atlantis-league"),
        encoding="utf-8",
    )
    error = fails("import", str(file))
    assert "atlantis-league" in error
    assert stored_events_if_any(db_path) == 0


def test_a_case_file_not_in_utf8_is_one_error_line(
    db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "latin1.yaml"
    file.write_bytes("talks:\n  slug: caf\u00e9\n".encode("latin-1"))
    error = fails("import", str(file))
    assert str(file) in error
    assert stored_events_if_any(db_path) == 0


# -- 8. schemas ------------------------------------------------------------------


def test_snapshot_schema_validates_the_json_export(dated: Path) -> None:
    schema = json.loads(ok("schema", "snapshot").stdout)
    assert "snapshot" in schema["title"]
    check = validator(schema)
    document = json.loads(ok("export", "--format", "json").stdout)
    check.validate(document)

    for spoil in (
        lambda d: d.pop("talks"),
        lambda d: d.update(position="22"),
        lambda d: d["timeline"][0].pop("text"),
        lambda d: d["talks"][0].update(parties="CHN"),
    ):
        broken = json.loads(json.dumps(document))
        spoil(broken)
        assert not check.is_valid(broken)


def test_case_schema_validates_the_seed_case() -> None:
    schema = json.loads(ok("schema", "case").stdout)
    check = validator(schema)
    case = yaml.safe_load(SEED_CASE.read_text(encoding="utf-8"))
    check.validate(case)
    assert any("for" in r for r in case["talks"]["recommendations"])

    broken = yaml.safe_load(GENEVA_MISSING_POSITION)
    assert not check.is_valid(broken)
    errors = list(check.iter_errors(broken))
    assert [list(e.absolute_path) for e in errors] == [["talks", "stances", 1]]
    assert not check.is_valid({**case, "unexpected": 1})


def test_event_schema_validates_every_line_of_the_log(dated: Path) -> None:
    schema = json.loads(ok("schema", "event").stdout)
    check = validator(schema)
    log = log_of(ok("export", "--format", "jsonl").stdout)
    for line in log:
        check.validate(line)

    broken = dict(log[0])
    del broken["payload"]
    assert not check.is_valid(broken)
    assert not check.is_valid({**log[0], "version": 0})
    assert not check.is_valid({**log[0], "extra": True})
