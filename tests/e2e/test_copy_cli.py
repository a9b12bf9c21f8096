"""``timeline db copy`` end to end: the installed command, in processes of
its own, between SQLite files and PostgreSQL schemas."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.store import bulk_append
from tests.postgres import fresh_schema
from tests.support import installed, shown, stored_events_if_any
from timeline.bootstrap import open_service
from timeline.casefile import demo_case

pytestmark = pytest.mark.own_stores

EVENTS = 6_000  # enough for every progress bar to show
DEMO = "beijing-talks"


def timeline(*args: str) -> tuple[str, str]:
    """Run the installed command, which must succeed: its stdout and stderr."""
    done = installed(*args, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def refused(*args: str) -> str:
    """Run the installed command, which must fail with one error line."""
    done = installed(*args, env=dict(os.environ))
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the demo and EVENTS events more, built once for the module."""
    path = tmp_path_factory.mktemp("built") / "source.sqlite"
    with open_service(path, "builder") as service:
        assert service.record_case(demo_case())
        bulk_append(service.record, EVENTS)
    return path


@pytest.fixture
def source(built: Path, tmp_path: Path) -> Path:
    """A copy of the built store's file, for the test alone."""
    path = tmp_path / "source.sqlite"
    shutil.copyfile(built, path)
    return path


@pytest.fixture
def server() -> Iterator[str]:
    """An empty schema, as a URL with a password (which trust auth ignores)."""
    with fresh_schema() as url:
        assert "://postgres@" in url, url
        yield url.replace("://postgres@", "://postgres:secret@", 1)


def export(db: str | Path, format_: str) -> str:
    stdout, _ = timeline("--db", str(db), "export", "--format", format_)
    return stdout


def without_positions(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: without_positions(v) for k, v in data.items() if k != "position"}
    if isinstance(data, list):
        return [without_positions(item) for item in data]
    return data


def snapshot(db: str | Path) -> Any:
    """``export --format json``, apart from store positions."""
    return without_positions(json.loads(export(db, "json")))


def event_log(db: str | Path) -> Any:
    """``export --format jsonl`` (the event log), apart from store positions."""
    return [
        without_positions(json.loads(line)) for line in export(db, "jsonl").splitlines()
    ]


def test_copy_between_sqlite_files(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest.sqlite"
    events = stored_events_if_any(source)

    stdout, stderr = timeline("db", "copy", str(source), str(dest), "--json")

    assert json.loads(stdout) == {
        "copied": events, "skipped": 0, "source": str(source), "dest": str(dest),
    }  # fmt: skip
    assert "Copying events" in stderr
    assert "Updating views" in stderr
    assert f"Copied {events:,} events from {source} to {dest}" in stderr
    assert export(dest, "jsonl") == export(source, "jsonl")
    assert export(dest, "json") == export(source, "json")
    assert export(dest, "markdown") == export(source, "markdown")


def test_sqlite_to_postgresql_and_back(
    source: Path, server: str, tmp_path: Path
) -> None:
    back = tmp_path / "back.sqlite"
    events = stored_events_if_any(source)
    masked = shown(server)
    assert ":***@" in masked

    there, there_err = timeline("db", "copy", str(source), server, "--json")
    home, home_err = timeline("db", "copy", server, str(back), "--json")
    info, info_err = timeline("--db", server, "db", "info", "--json")

    assert json.loads(there)["copied"] == json.loads(home)["copied"] == events
    assert json.loads(there)["dest"] == json.loads(home)["source"] == masked
    for text in (there, there_err, home, home_err, info, info_err):
        assert "secret" not in text
    assert json.loads(info)["events"] == events
    assert snapshot(server) == snapshot(back) == snapshot(source)
    assert event_log(server) == event_log(back) == event_log(source)
    assert export(back, "jsonl") == export(source, "jsonl")


def test_a_dest_holding_the_start_of_the_source_gets_only_the_rest(
    source: Path, server: str, tmp_path: Path
) -> None:
    first = json.loads(timeline("db", "copy", str(source), server, "--json")[0])
    timeline("--db", str(source), "develop", DEMO, "--on", "2025-01", "Talks resume")
    timeline("--db", str(source), "develop", DEMO, "--on", "2025-02", "Talks end")

    again, stderr = timeline("db", "copy", str(source), server, "--json")

    assert json.loads(again)["copied"] == 2
    assert json.loads(again)["skipped"] == first["copied"]
    assert "Comparing events" in stderr
    assert "secret" not in again + stderr
    assert event_log(server) == event_log(source)
    assert snapshot(server) == snapshot(source)


def test_a_dest_holding_something_else_is_refused(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest.sqlite"
    timeline("--db", str(dest), "demo")  # the same talks, recorded apart
    before = dest.read_bytes()

    error = refused("db", "copy", str(source), str(dest))

    assert "is not a copy of the start of the source" in error
    assert "event number 1 is " in error
    assert "ActorRegistered" in error
    assert dest.read_bytes() == before


def test_a_postgresql_dest_holding_something_else_is_refused(
    source: Path, server: str
) -> None:
    timeline("--db", server, "demo")
    before = event_log(server)
    error = refused("db", "copy", str(source), server)
    assert "nothing was copied" in error
    assert "secret" not in error
    assert event_log(server) == before


def test_copying_onto_itself_is_refused(source: Path, server: str) -> None:
    assert "onto itself" in refused("db", "copy", str(source), str(source))
    error = refused("db", "copy", server, server.replace(":secret@", "@"))
    assert "onto itself" in error
    assert "secret" not in error


def test_a_missing_source_is_refused(tmp_path: Path) -> None:
    missing, dest = tmp_path / "missing.sqlite", tmp_path / "dest.sqlite"
    assert str(missing) in refused("db", "copy", str(missing), str(dest))
    assert not missing.exists()
    assert not dest.exists()


def test_copy_has_help_with_examples() -> None:
    stdout, _ = timeline("db", "copy", "--help")
    assert "Usage: timeline db copy [OPTIONS] SOURCE DEST" in stdout
    assert "Examples:" in stdout
    assert "timeline db copy record.sqlite postgresql://" in stdout
    assert "copy" in timeline("db", "--help")[0]
