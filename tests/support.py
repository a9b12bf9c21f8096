"""Helpers shared by the test modules: the CLI runner, plain SQL on the store
(a SQLite file, or a PostgreSQL schema)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from timeline.cli import cli
from timeline.settings import PostgresSchema, resolve_store

VIEW_NAMES = [
    "actors",
    "sources",
    "talks",
    "timeline",
    "stances",
    "scenarios",
    "search",
]
VIEW_TABLES = [
    "actors_view", "sources_view", "talks_view",
    "timeline", "timeline_actors", "timeline_tags", "timeline_talks",
    "stances", "stances_actors", "stances_tags", "stances_talks",
    "scenarios", "scenarios_actors", "scenarios_tags", "scenarios_talks",
    "search_entries", "search_talks",
]  # fmt: skip
"""The tables of every view (a SQLite store's), in the views' order."""
TIMELINE = Path(sys.executable).parent / "timeline"
"""The installed command, beside the interpreter running the tests."""


def installed(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the installed ``timeline`` command in its own process."""
    return subprocess.run(
        [str(TIMELINE), *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> Result:
    """Run a command that must succeed."""
    result = run(*args)
    assert result.exception is None, result.output
    assert result.exit_code == 0, result.output
    return result


def fails(*args: str) -> str:
    """Run a command that must fail with one error line; return that line."""
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert result.stdout == ""
    assert "Traceback" not in result.output
    return lines[0]


def as_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json").stdout)


def rehashed(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Event-log lines with each hash made again from the lines as they are,
    as a forger who knows the form hashed (:mod:`timeline.chain`) would: what
    the import's other checks must then catch. A line too broken to hash is
    left as it is."""
    from uuid import UUID

    from timeline.chain import GENESIS, canonical, link

    last: dict[str, str] = {}
    made = []
    for line in lines:
        try:
            payload = {k: v for k, v in line["payload"].items() if k != "chain"}
            state = {**payload, "timestamp": line["recorded_at"],
                     "recorded_by": line["recorded_by"]}  # fmt: skip
            key = UUID(line["aggregate_id"]).hex
            hashed = link(last.get(key, GENESIS), line["topic"], key,
                          int(line["version"]), canonical(state))  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError):
            made.append(line)
            continue
        last[key] = hashed
        made.append({**line, "payload": {**payload, "chain": hashed}})
    return made


def make_store(location: str) -> None:
    """Make the (empty) store at ``location``, as a first recording would:
    a query of a store that is not there is an error."""
    from timeline.bootstrap import open_service

    with open_service(location, "tester") as service:
        assert service.record.event_count() == 0


def listed(*args: str) -> Any:
    """The entries ``events ARGS --json`` prints (its page of them)."""
    return as_json("events", *args)["entries"]


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the file with the plain sqlite3 module, as any SQLite client would."""
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


Location = str | Path
"""A store as ``--db`` takes it: a SQLite file, or a ``postgresql://`` URL."""


def is_postgres(location: Location) -> bool:
    return isinstance(location, str) and resolve_store(location).backend != "sqlite"


def shown(location: Location) -> str:
    """The location as the CLI shows it: a URL with its password masked and
    its port explicit; a file as its absolute path."""
    return resolve_store(str(location)).shown()


def pg_rows(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the store's schema of a PostgreSQL URL with plain psycopg, as any
    client would: ``sql`` names its tables unqualified."""
    import psycopg

    where = resolve_store(url)
    assert isinstance(where, PostgresSchema)
    with psycopg.connect(
        host=where.host, port=where.port, dbname=where.dbname, user=where.user,
        password=where.password or None, autocommit=True,
        options=f"-c search_path={where.schema}",
    ) as connection:  # fmt: skip
        return connection.execute(sql, params).fetchall()


def _events_table(location: Location) -> tuple[str, str]:
    """The events table of the store, and its position column."""
    if is_postgres(location):
        return "timeline_events", "notification_id"
    return "stored_events", "rowid"


def _count(location: Location, sql: str) -> int:
    found = (
        pg_rows(str(location), sql)
        if is_postgres(location)
        else rows(Path(location), sql)
    )
    value: int = found[0][0]
    return value


def stored_events(location: Location) -> int:
    """Rows in the library's events table, which must exist."""
    table, _ = _events_table(location)
    return _count(location, f"SELECT COUNT(*) FROM {table}")


def stored_events_if_any(location: Location) -> int:
    """Rows in the library's events table; 0 if there is no store or no table yet."""
    table, _ = _events_table(location)
    if is_postgres(location):
        if not pg_rows(str(location), f"SELECT to_regclass('{table}')")[0][0]:
            return 0
    else:
        path = Path(location)
        if not path.exists():
            return 0
        if not rows(path, "SELECT 1 FROM sqlite_master WHERE name = ?", (table,)):
            return 0
    return stored_events(location)


def head(location: Location) -> int:
    """The store's last position (the largest position of its events); 0 if none."""
    table, position = _events_table(location)
    return _count(location, f"SELECT COALESCE(MAX({position}), 0) FROM {table}")


def stored_snapshots(location: Location) -> list[tuple[str, int]]:
    """(originator id as hex, version) of every stored snapshot, by version."""
    if is_postgres(location):
        found = pg_rows(
            str(location),
            "SELECT originator_id, originator_version FROM timeline_snapshots"
            " ORDER BY originator_version",
        )
        return [(originator.hex, version) for originator, version in found]
    found = rows(
        Path(location),
        "SELECT originator_id, originator_version FROM stored_snapshots"
        " ORDER BY originator_version",
    )
    return [(originator, version) for originator, version in found]


def table_rows(path: Path, tables: Iterable[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each of ``tables``, ordered by all its columns: a stable order."""
    with closing(sqlite3.connect(path)) as connection:
        dump = {}
        for table in tables:
            columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
            dump[table] = connection.execute(
                f"SELECT * FROM {table} ORDER BY {', '.join(columns)}"
            ).fetchall()
        return dump


def tracked(path: Path) -> dict[str, int]:
    """Every view's tracking row ("view:NAME"), by view name."""
    found = rows(path, "SELECT application_name, notification_id FROM tracking")
    return {name.removeprefix("view:"): position for name, position in found
            if name.startswith("view:")}  # fmt: skip


def everywhere(position: int) -> dict[str, int]:
    """Every view at ``position``."""
    return dict.fromkeys(VIEW_NAMES, position)
