"""Where the store is: a file or a PostgreSQL URL, and a password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from events.errors import InvalidInput
from timeline.settings import PostgresSchema, SQLiteFile, resolve_store


def test_a_path_names_a_sqlite_file(tmp_path: Path) -> None:
    store = resolve_store(str(tmp_path / "t.sqlite"))
    assert store == SQLiteFile(tmp_path / "t.sqlite")
    assert store.backend == "sqlite"


def test_the_environment_names_the_store_when_no_flag_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIMELINE_DB", "postgresql://ana@db.example.org/talks")
    assert resolve_store() == PostgresSchema("db.example.org", 5432, "talks", "ana")
    assert resolve_store("/tmp/x.sqlite") == SQLiteFile(Path("/tmp/x.sqlite"))


def test_a_url_names_host_port_database_user_password_and_schema() -> None:
    store = resolve_store("postgresql://ana:s%40cret@db:6543/talks?schema=desk_2")
    assert store == PostgresSchema(
        host="db", port=6543, dbname="talks", user="ana", password="s@cret",
        schema="desk_2",
    )  # fmt: skip
    assert store.backend == "postgresql"
    assert resolve_store("postgres://ana@db/talks").schema == "public"


def test_a_url_is_shown_with_its_password_masked() -> None:
    store = resolve_store("postgresql://ana:hunter2@db:6543/talks?schema=desk")
    assert store.shown() == "postgresql://ana:***@db:6543/talks?schema=desk"
    plain = resolve_store("postgresql://ana@db/talks")
    assert plain.shown() == "postgresql://ana@db:5432/talks"
    assert "hunter2" not in repr(store.shown())


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql://db/talks", "needs a user, a host and a database"),
        ("postgresql://ana:hunter2@db", "needs a user, a host and a database"),
        ("postgresql://ana:hunter2@db:port/talks", "port is not a number"),
        ("postgresql://ana:hunter2@db/talks?sslmode=x", "unknown option 'sslmode'"),
        ("postgresql://ana:hunter2@db/talks?schema=a;drop", "a schema is a letter"),
        ("postgresql://ana:hunter2@db/talks?schema=1abc", "a schema is a letter"),
    ],
)
def test_a_bad_url_is_one_clear_error_without_its_password(url: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as raised:
        resolve_store(url)
    assert "hunter2" not in str(raised.value)
    assert "postgresql://user[:password]@host" in str(raised.value)
