"""``timeline token create|list|revoke``: access tokens of the HTTP service,
through the command, on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import as_json, fails, installed, make_store, ok, run
from timeline.access import digest


def test_create_prints_the_token_once_and_list_never_shows_it(store: str) -> None:
    created = ok("token", "create", "newsroom", "--role", "reader")
    token = created.stdout.strip()
    assert created.stdout == token + "\n"  # stdout is the token alone
    assert token.startswith("tl_")
    assert "not shown again" in created.stderr
    assert token not in created.stderr
    listed = ok("token", "list")
    assert "newsroom" in listed.stdout
    assert "reader" in listed.stdout
    assert "tester" in listed.stdout
    for output in (listed.output, json.dumps(as_json("token", "list"))):
        assert token not in output
        assert digest(token) not in output


def test_create_json_gives_name_role_and_token(store: str) -> None:
    created = as_json("token", "create", "ci-bot", "--role", "analyst")
    assert set(created) == {"name", "role", "token"}
    assert created["name"] == "ci-bot"
    assert created["role"] == "analyst"
    assert created["token"].startswith("tl_")
    [listed] = as_json("token", "list")
    assert listed["name"] == "ci-bot"
    assert listed["role"] == "analyst"
    assert listed["created_by"] == "tester"
    assert listed["revoked_at"] is None
    assert "token" not in listed
    assert "token_hash" not in listed


def test_a_duplicate_name_is_refused_and_nothing_written(store: str) -> None:
    ok("token", "create", "newsroom", "--role", "reader")
    before = as_json("token", "list")
    error = fails("token", "create", "newsroom", "--role", "admin")
    assert "newsroom" in error
    assert "exists" in error
    assert as_json("token", "list") == before


@pytest.mark.parametrize(
    "args",
    [["bad name", "--role", "reader"], ["x" * 65, "--role", "reader"],
     ["ok", "--role", "owner"], ["ok", "--role", "Admin"]],
)  # fmt: skip
def test_a_bad_name_or_role_is_refused(store: str, args: list[str]) -> None:
    error = fails("token", "create", *args)
    assert "name" in error or "role" in error
    assert as_json("token", "list") == []


def test_a_role_is_required(store: str) -> None:
    result = run("token", "create", "newsroom")
    assert result.exit_code == 2
    assert "--role" in result.stderr


def test_revoke_then_list_shows_when_and_by_whom(store: str) -> None:
    ok("--author", "alice", "token", "create", "newsroom", "--role", "admin")
    ok("--author", "alice", "token", "create", "desk", "--role", "reader")
    revoked = ok("--author", "bob", "token", "revoke", "newsroom")
    assert revoked.stdout == ""
    assert "revoked" in revoked.stderr
    newsroom, desk = as_json("token", "list")
    assert (newsroom["created_by"], newsroom["revoked_by"]) == ("alice", "bob")
    assert newsroom["revoked_at"] >= newsroom["created_at"]
    assert (desk["revoked_at"], desk["revoked_by"]) == (None, None)
    table = ok("token", "list").stdout
    assert "Revoked by" in table
    assert "bob" in table


def test_revoking_an_unknown_or_revoked_token_fails(store: str) -> None:
    make_store(store)
    assert "nobody" in fails("token", "revoke", "nobody")
    ok("token", "create", "newsroom", "--role", "reader")
    ok("token", "revoke", "newsroom")
    before = as_json("token", "list")
    assert "newsroom" in fails("token", "revoke", "newsroom")
    assert as_json("token", "list") == before
    again = as_json("token", "create", "newsroom", "--role", "analyst")
    assert again["role"] == "analyst"  # a revoked token's name is free


def test_the_author_comes_from_the_environment_too(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_AUTHOR", "carol")
    ok("token", "create", "newsroom", "--role", "reader")
    assert as_json("token", "list")[0]["created_by"] == "carol"


def test_list_says_when_there_are_none(store: str) -> None:
    make_store(store)
    listed = ok("token", "list")
    assert listed.stdout == ""
    assert "No tokens yet" in listed.stderr
    assert as_json("token", "list") == []


def test_tokens_are_neither_events_nor_exported(demo: str, tmp_path: Path) -> None:
    events = as_json("db", "info")["events"]
    log = ok("export", "--format", "jsonl").stdout
    token = as_json("token", "create", "newsroom", "--role", "admin")["token"]
    ok("token", "revoke", "newsroom")
    assert as_json("db", "info")["events"] == events
    exported = ok("export", "--format", "jsonl").stdout
    assert exported == log
    for secret in (token, digest(token), "newsroom"):
        assert secret not in exported
    backup = tmp_path / "backup.jsonl"
    ok("export", "--format", "jsonl", "-o", str(backup))
    assert token not in backup.read_text(encoding="utf-8")


def test_the_installed_command_issues_and_revokes(store: str) -> None:
    env = {**os.environ, "TIMELINE_DB": store, "TIMELINE_AUTHOR": "ops"}
    created = installed("token", "create", "ci", "--role", "analyst", "--json",
                        env=env)  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)["token"]
    listed = installed("token", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "ci" in listed.stdout
    assert token not in listed.stdout
    duplicate = installed("token", "create", "ci", "--role", "reader", env=env)
    assert duplicate.returncode == 1
    assert duplicate.stdout == ""
    assert duplicate.stderr.startswith("Error: ")
    assert len(duplicate.stderr.splitlines()) == 1
    revoked = installed("token", "revoke", "ci", env=env)
    assert revoked.returncode == 0, revoked.stderr


@pytest.mark.own_stores
def test_sqlite_token_commands_never_import_the_postgresql_driver(
    tmp_path: Path,
) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from timeline.cli import cli\n"
        f"db = {str(tmp_path / 't.sqlite')!r}\n"
        "for args in (['token', 'create', 'a', '--role', 'reader'],"
        " ['token', 'list'], ['token', 'revoke', 'a']):\n"
        "    result = CliRunner().invoke(cli, ['--db', db, *args])\n"
        "    assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.startswith(('psycopg',"
        " 'eventsourcing.postgres', 'projections.postgres'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
