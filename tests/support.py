"""Helpers shared by the test modules: the CLI runner, plain SQL on the file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
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


def tracked(path: Path) -> dict[str, int]:
    """Every view's tracking row ("view:NAME"), by view name."""
    found = rows(path, "SELECT application_name, notification_id FROM tracking")
    return {name.removeprefix("view:"): position for name, position in found
            if name.startswith("view:")}  # fmt: skip


def everywhere(position: int) -> dict[str, int]:
    """Every view at ``position``."""
    return dict.fromkeys(VIEW_NAMES, position)
