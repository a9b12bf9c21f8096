"""The installed command on a file that is not its store, and on a store it
may only read: one error naming the store, and nothing written.

The tests run as root, who may write any file whatever its mode: a store
read-only to its owner is read here by a process without root's
capabilities (``setpriv`` empties its bounding set), so the file's mode
binds it as it binds any user.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.postgres import server
from tests.support import TIMELINE, installed
from timeline.settings import PostgresSchema, resolve_store

CASE = Path(__file__).parents[2] / "timeline" / "data" / "beijing-talks.yaml"
READS = [
    ["talks", "list"],
    ["show", "beijing-talks"],
    ["history", "beijing-talks"],
    ["search", "Beijing"],
    ["db", "info"],
    ["token", "list"],
    ["export", "beijing-talks", "--format", "jsonl"],
]
OPEN = ["talks", "open", "geneva", "--title", "Geneva", "--location", "Geneva"]
WRITES = [
    ["develop", "beijing-talks", "--on", "2024-07", "Talks resume"],
    [*OPEN, "--party", "CHN", "--party", "UKR"],
    ["projections", "rebuild"],
    ["token", "create", "ci", "--role", "reader"],
]
EVERY = [*READS, *WRITES, ["demo"], ["import", str(CASE)]]


def files(path: Path) -> dict[str, bytes]:
    """The store's file and any beside it of its name, with their bytes."""
    return {
        p.name: p.read_bytes()
        for p in sorted(path.parent.iterdir())
        if p.name.startswith(path.name)
    }


def one_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "TIMELINE_AUTHOR": "tester"}


def foreign(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        for statement in statements:
            connection.execute(statement)


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "statements",
    [
        ("PRAGMA journal_mode = WAL", "CREATE TABLE notes (x)",
         "INSERT INTO notes VALUES (1)"),
        ("CREATE TABLE stored_events (id INTEGER PRIMARY KEY, body TEXT)",
         "INSERT INTO stored_events (body) VALUES ('theirs')"),
    ],
    ids=["no stored_events", "their stored_events"],
)  # fmt: skip
def test_another_applications_file_is_never_written(
    tmp_path: Path, env: dict[str, str], statements: tuple[str, ...]
) -> None:
    other = tmp_path / "other.sqlite"
    foreign(other, *statements)
    before = files(other)
    for args in EVERY:
        result = installed("--db", str(other), *args, env=env)
        one_error(result, repr(str(other)), "is not a timeline store")
        assert files(other) == before, args  # its bytes, and no -wal or -shm


@pytest.mark.sqlite_only
def test_a_store_of_a_newer_format_is_refused(
    tmp_path: Path, env: dict[str, str]
) -> None:
    newer = tmp_path / "newer.sqlite"
    made = installed("--db", str(newer), "demo", env=env)
    assert made.returncode == 0, made.stderr
    foreign(newer, "PRAGMA user_version = 2")
    before = files(newer)
    for args in EVERY:
        one_error(installed("--db", str(newer), *args, env=env), "format 2, newer")
        assert files(newer) == before, args


@pytest.mark.sqlite_only
def test_a_new_store_and_its_directories_are_private(
    tmp_path: Path, env: dict[str, str]
) -> None:
    where = tmp_path / "data" / "timeline" / "store.sqlite"
    made = installed("--db", str(where), "demo", env=env)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(where.parent.parent.stat().st_mode) == 0o700
    with closing(sqlite3.connect(where)) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == (
            int.from_bytes(b"TMLN", "big")
        )
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1


# -- read-only ----------------------------------------------------------------


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory the unprivileged user may reach (pytest's are 0700)."""
    made = Path(tempfile.mkdtemp(prefix="timeline-ro-", dir="/tmp"))
    made.chmod(0o755)
    try:
        yield made
    finally:
        for path in [made, *made.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(made)


def as_reader(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed command as a user who may not write what root may: as
    root, without any capability (so no override of a file's mode)."""
    if os.geteuid() != 0:
        return installed(*args, env=env)
    command = ["setpriv", "--bounding-set=-all", "--inh-caps=-all",
               "--no-new-privs", str(TIMELINE), *args]  # fmt: skip
    return subprocess.run(
        command, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=60, check=False,
    )  # fmt: skip


def read_only_store(directory: Path, env: dict[str, str], *, lag: bool) -> Path:
    store = directory / "store" / "timeline.sqlite"
    store.parent.mkdir()
    made = installed("--db", str(store), "demo", env=env)
    assert made.returncode == 0, made.stderr
    if lag:  # recorded, the views not caught up
        made = installed("--db", str(store), *WRITES[0], env=env)
        assert made.returncode == 0, made.stderr
    probe = as_reader("--version", env=env)
    if probe.returncode != 0:
        why = f"cannot run {TIMELINE} without privileges: {probe.stderr}"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return store


@pytest.mark.sqlite_only
@pytest.mark.parametrize("read_only", ["file", "directory"])
def test_a_read_only_store_reads_and_refuses_every_write(
    shared_dir: Path, env: dict[str, str], read_only: str
) -> None:
    store = read_only_store(shared_dir, env, lag=False)
    if read_only == "file":
        store.chmod(0o444)
    else:  # as on read-only media: no -wal or -shm can be made beside it
        store.parent.chmod(0o555)
    before = files(store)
    env = {**env, "TIMELINE_DB": str(store)}
    for args in READS:
        result = as_reader(*args, env=env)
        assert result.returncode == 0, (args, result.stderr)
        assert "Error" not in result.stderr, args
        assert "Warning" not in result.stderr, args
        assert files(store) == before, args
    assert "China and Ukraine" in as_reader("show", "beijing-talks", env=env).stdout
    for args in WRITES:
        one_error(as_reader(*args, env=env), repr(str(store)), "is read-only")
        assert files(store) == before, args
    assert sorted(p.name for p in store.parent.iterdir()) == [store.name]


@pytest.mark.sqlite_only
def test_read_only_views_that_lag_answer_as_they_are_and_say_so(
    shared_dir: Path, env: dict[str, str]
) -> None:
    store = read_only_store(shared_dir, env, lag=True)
    store.parent.chmod(0o555)
    before = files(store)
    result = as_reader("--db", str(store), "show", "beijing-talks", env=env)
    assert result.returncode == 0, result.stderr
    assert "Talks resume" not in result.stdout  # the views as they stood
    assert result.stderr.splitlines() == [
        f"Warning: the views of {str(store)!r} lag 1 event behind the store,"
        " which is read-only: answering from the views as they are"
    ]
    assert files(store) == before


# -- PostgreSQL ---------------------------------------------------------------


@pytest.mark.postgresql_only
def test_a_role_that_may_only_read_reads_and_its_writes_fail_cleanly(
    store: str, env: dict[str, str]
) -> None:
    env = {**env, "TIMELINE_DB": store}
    made = installed("demo", env=env)
    assert made.returncode == 0, made.stderr
    assert (
        installed("token", "create", "ci", "--role", "reader", env=env).returncode == 0
    )
    lagging = installed(*WRITES[0], env=env)
    assert lagging.returncode == 0, lagging.stderr
    where = resolve_store(store)
    assert isinstance(where, PostgresSchema)
    role = f"reader_{uuid.uuid4().hex[:8]}"
    import psycopg

    with psycopg.connect(server(), autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {role} LOGIN")
        connection.execute(f"GRANT USAGE ON SCHEMA {where.schema} TO {role}")
        connection.execute(
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {where.schema} TO {role}"
        )
    try:
        reader = where._replace(user=role, password="")
        env = {**env, "TIMELINE_DB": reader.shown()}
        shown = installed("show", "beijing-talks", env=env)
        assert shown.returncode == 0, shown.stderr
        assert "Talks resume" not in shown.stdout
        assert "lag 1 event behind the store, which is read-only" in shown.stderr
        for args in [["history", "beijing-talks"], ["token", "list"]]:
            result = installed(*args, env=env)
            assert result.returncode == 0, (args, result.stderr)
        head = installed("db", "info", "--json", env=env).stdout
        for args in (WRITES[0], WRITES[1]):
            one_error(installed(*args, env=env), "read-only", "permission denied")
        one_error(installed(*WRITES[3], env=env), "permission denied")
        assert installed("db", "info", "--json", env=env).stdout == head
    finally:
        with psycopg.connect(server(), autocommit=True) as connection:
            connection.execute(f"DROP OWNED BY {role}")
            connection.execute(f"DROP ROLE {role}")
