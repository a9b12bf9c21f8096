"""Choosing the store: a file or a PostgreSQL URL, `db info`, and a password
never shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import fresh_schema, server
from tests.support import installed
from timeline.settings import resolve_store

SECRET = "not-for-your-eyes"


def with_password(url: str) -> str:
    """The URL with a password in it (a trust-auth server ignores it)."""
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@")


def env_with(db: str) -> dict[str, str]:
    return {**os.environ, "TIMELINE_DB": db}


def test_db_info_names_the_backend_the_location_and_what_it_holds(store: str) -> None:
    assert installed("demo", env=env_with(store)).returncode == 0
    result = installed("db", "info", "--json", env=env_with(store))
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    expected = resolve_store(store)
    assert info["backend"] == expected.backend
    assert info["location"] == expected.shown()
    assert info["events"] >= 10
    assert info["head"] >= info["events"]  # PostgreSQL's positions may have gaps
    assert {view["name"] for view in info["views"]} >= {"talks", "search"}
    text = installed("db", "info", env=env_with(store)).stdout
    assert f"backend:  {expected.backend}" in text
    assert "views:    current" in text


@pytest.mark.own_stores
def test_a_password_is_never_shown() -> None:
    with fresh_schema() as url:
        secret_url = with_password(url)
        outputs = [
            installed("demo", env=env_with(secret_url)),
            installed("db", "info", env=env_with(secret_url)),
            installed("db", "path", env=env_with(secret_url)),
            installed("--db", secret_url, "db", "info", "--json", env=dict(os.environ)),
            installed("show", "no-such-talks", env=env_with(secret_url)),
        ]
    unreachable = with_password(server()).replace(":5432/", ":1/")
    outputs.append(installed("db", "info", env=env_with(unreachable)))
    bad = installed("--db", f"postgresql://postgres:{SECRET}@h:x/db", "db", "info",
                    env=dict(os.environ))  # fmt: skip
    outputs.append(bad)
    assert "postgres:***@" in outputs[2].stdout
    for result in outputs:
        assert SECRET not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    for result in outputs[-3:]:
        assert result.returncode == 1
        assert result.stderr.startswith("Error: ")
        assert len(result.stderr.splitlines()) == 1


@pytest.mark.own_stores
def test_two_schemas_of_one_database_are_two_stores() -> None:
    with fresh_schema() as first, fresh_schema() as second:
        assert installed("demo", env=env_with(first)).returncode == 0
        listed = installed("talks", "list", "--json", env=env_with(second))
        assert json.loads(listed.stdout) == []
        one = json.loads(installed("db", "info", "--json", env=env_with(first)).stdout)
        other = json.loads(
            installed("db", "info", "--json", env=env_with(second)).stdout
        )
        assert one["events"] > 0
        assert other["events"] == 0


@pytest.mark.own_stores
def test_a_sqlite_command_never_imports_the_postgresql_driver(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from timeline.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['--db', {str(tmp_path / 't.sqlite')!r},"
        " 'demo'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.startswith(('psycopg',"
        " 'eventsourcing.postgres', 'projections.postgres'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.own_stores
def test_a_url_without_the_driver_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # as if it were not installed\n"
        "from timeline.cli import main\n"
        "sys.argv = ['timeline', '--db', 'postgresql://me:pw@localhost/db',"
        " 'talks', 'list']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: a postgresql:// store needs the PostgreSQL driver:"
        " pip install 'diplomatic-timeline[postgres]'\n"
    )
