"""Helpers shared by the test modules: the CLI runner, plain SQL on the file."""

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

VIEW_NAMES = ["actors", "talks", "timeline", "stances", "scenarios", "search"]
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


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the file with the plain sqlite3 module, as any SQLite client would."""
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


def stored_events(path: Path) -> int:
    """Rows in the library's events table, which must exist."""
    count: int = rows(path, "SELECT COUNT(*) FROM stored_events")[0][0]
    return count


def stored_events_if_any(path: Path) -> int:
    """Rows in the library's events table; 0 if there is no file or no table yet."""
    if not path.exists():
        return 0
    if not rows(path, "SELECT 1 FROM sqlite_master WHERE name = 'stored_events'"):
        return 0
    return stored_events(path)


def head(path: Path) -> int:
    """The store's last position (the largest rowid of its events); 0 if none."""
    top: int = rows(path, "SELECT COALESCE(MAX(rowid), 0) FROM stored_events")[0][0]
    return top


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
