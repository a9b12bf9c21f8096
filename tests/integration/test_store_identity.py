"""A store is recognisably this program's: checked before anything is
written, stamped when made, older stores adopted; refused otherwise with
nothing written. A new SQLite store is private; a read-only one reads and
refuses writes (the permission cases through the installed command are in
``tests/e2e/test_store_guard_cli.py``)."""

from __future__ import annotations

import logging
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from events.base import TOPIC_PREFIX
from events.errors import NotAStore, StoreReadOnly, StoreTooNew
from projections.postgres import connect
from projections.sqlite import storefile
from tests.support import pg_rows, rows
from timeline.bootstrap import open_service
from timeline.service import Service

CASE = Path(__file__).parents[2] / "timeline" / "data" / "beijing-talks.yaml"


def execute(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        for statement in statements:
            connection.execute(statement)


def header(path: Path) -> tuple[int, int]:
    """The file's application_id and user_version, as SQLite reads them."""
    found = rows(path, "SELECT * FROM pragma_application_id, pragma_user_version")
    return found[0][0], found[0][1]


def snapshot(path: Path) -> dict[str, bytes]:
    """The store's file and any beside it of its name (``-wal``, ``-shm``,
    ``-journal``), with their bytes."""
    return {
        p.name: p.read_bytes()
        for p in sorted(path.parent.iterdir())
        if p.name.startswith(path.name)
    }


@pytest.fixture
def service(db_path: Path) -> Iterator[Callable[[], Service]]:
    """Services over the test's file, closed after."""
    opened: list[Service] = []

    def open_one() -> Service:
        opened.append(open_service(db_path, "tester"))
        return opened[-1]

    yield open_one
    for one in opened:
        one.close()


def every_use(app: Service) -> dict[str, Callable[[], Any]]:
    """One of each kind of opening: the views, the application, the tokens."""
    return {
        "talks list": app.talks_list,
        "show": lambda: app.talks_view("beijing-talks"),
        "demo": app.record_demo,
        "import": lambda: app.import_case(CASE),
        "history": lambda: app.history("beijing-talks"),
        "db info": app.store_info,
        "rebuild": app.rebuild,
        "token list": app.tokens,
        "token create": lambda: app.create_token("ci", "reader"),
    }


def foreign(path: Path, *statements: str, wal: bool = False) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        if wal:
            connection.execute("PRAGMA journal_mode = WAL")
        for statement in statements:
            connection.execute(statement)


FOREIGN = {
    "notes": ("CREATE TABLE notes (x)", "INSERT INTO notes VALUES (1)"),
    "stored_events": (
        "CREATE TABLE stored_events (id INTEGER PRIMARY KEY, body TEXT)",
        "INSERT INTO stored_events (body) VALUES ('theirs')",
    ),
    "another eventsourcing app": (
        "CREATE TABLE stored_events (originator_id TEXT, originator_version"
        " INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id,"
        " originator_version))",
        "INSERT INTO stored_events VALUES ('a', 1, 'shop.domain:Order', x'00')",
    ),
    "application_id": ("PRAGMA application_id = 1179603021", "CREATE TABLE t (x)"),
    "user_version": ("PRAGMA user_version = 7",),
}


@pytest.mark.parametrize("wal", [False, True], ids=["rollback", "wal"])
@pytest.mark.parametrize("kind", list(FOREIGN))
def test_another_applications_file_is_refused_and_left_as_it_was(
    db_path: Path, service: Callable[[], Service], kind: str, wal: bool
) -> None:
    foreign(db_path, *FOREIGN[kind], wal=wal)
    before = snapshot(db_path)
    for name, use in every_use(service()).items():
        with pytest.raises(NotAStore) as refused:
            use()
        message = str(refused.value)
        assert str(db_path) in message, name
        assert "is not a timeline store" in message
        assert "\n" not in message
        assert snapshot(db_path) == before, name  # no -wal, no -shm


def test_a_file_that_is_not_a_database_is_refused(
    db_path: Path, service: Callable[[], Service]
) -> None:
    db_path.write_text("name,value\nx,1\n")
    for use in every_use(service()).values():
        with pytest.raises(NotAStore, match="it is not a SQLite database"):
            use()
    assert db_path.read_text() == "name,value\nx,1\n"
    assert list(snapshot(db_path)) == [db_path.name]


def test_a_store_of_a_newer_format_is_refused(
    db_path: Path, service: Callable[[], Service]
) -> None:
    execute(
        db_path,
        f"PRAGMA application_id = {storefile.APPLICATION_ID}",
        f"PRAGMA user_version = {storefile.FORMAT + 1}",
        "CREATE TABLE stored_events (originator_id TEXT, originator_version"
        " INTEGER, topic TEXT, state BLOB, moved_to TEXT)",  # a later format's
    )
    before = snapshot(db_path)
    for use in every_use(service()).values():
        with pytest.raises(StoreTooNew, match="format 2, newer than this program"):
            use()
    assert snapshot(db_path) == before


def test_a_new_store_is_stamped_and_private(tmp_path: Path, db_path: Path) -> None:
    where = tmp_path / "made" / "for" / "it" / "store.sqlite"
    app = open_service(where, "tester")
    try:
        app.record_demo()
        assert header(where) == (storefile.APPLICATION_ID, storefile.FORMAT)
        assert stat.S_IMODE(where.stat().st_mode) == 0o600
        for made in (where.parent, where.parent.parent, where.parent.parent.parent):
            assert stat.S_IMODE(made.stat().st_mode) == 0o700, made
        assert app.talks_list()  # the views open too, on the same file
        for side in ("-wal", "-shm"):  # SQLite gives them the file's permissions
            sidecar = where.with_name(where.name + side)
            assert sidecar.exists(), side
            assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600, side
    finally:
        app.close()
    assert storefile.APPLICATION_ID.to_bytes(4, "big") == b"TMLN"


def test_an_empty_file_is_a_new_store_that_keeps_its_permissions(
    db_path: Path, service: Callable[[], Service]
) -> None:
    db_path.touch()
    db_path.chmod(0o660)  # made to be shared with a group
    app = service()
    app.record_demo()
    assert header(db_path) == (storefile.APPLICATION_ID, storefile.FORMAT)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o660
    assert [row["slug"] for row in app.talks_list()] == ["beijing-talks"]


def unstamp(path: Path) -> None:
    execute(path, "PRAGMA application_id = 0", "PRAGMA user_version = 0")
    assert header(path) == (0, 0)


def test_a_store_made_before_the_stamp_is_read_written_and_stamped(
    db_path: Path, service: Callable[[], Service]
) -> None:
    app = service()
    app.record_demo()
    app.create_token("ci", "reader")
    app.close()
    unstamp(db_path)

    app = service()
    assert [row["slug"] for row in app.talks_list()] == ["beijing-talks"]
    assert header(db_path) == (storefile.APPLICATION_ID, storefile.FORMAT)
    unstamp(db_path)
    app.record_development("beijing-talks", "2024-07", "Talks resume")
    assert header(db_path) == (storefile.APPLICATION_ID, storefile.FORMAT)
    assert len(app.talks_view("beijing-talks")["developments"]) == 1
    assert [token["name"] for token in app.tokens()] == ["ci"]


def test_a_store_with_only_its_tokens_made_before_the_stamp_is_adopted(
    db_path: Path, service: Callable[[], Service]
) -> None:
    app = service()
    app.create_token("ci", "reader")  # the tokens' tables alone
    app.close()
    unstamp(db_path)
    app = service()
    assert app.talks_list() == []
    assert header(db_path) == (storefile.APPLICATION_ID, storefile.FORMAT)


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores found read-only, as a read-only file or medium is (the tests
    run as root, who may write any file: see the end-to-end tests)."""
    monkeypatch.setattr(storefile, "_writable", lambda path: False)


def recorded(db_path: Path, *, unstamped: bool = False) -> dict[str, bytes]:
    app = open_service(db_path, "tester")
    app.record_demo()
    app.talks_list()  # the views caught up
    app.close()
    if unstamped:
        unstamp(db_path)
    return snapshot(db_path)


@pytest.mark.parametrize("unstamped", [False, True], ids=["stamped", "older"])
def test_a_read_only_store_reads_and_refuses_writes_writing_nothing(
    db_path: Path,
    service: Callable[[], Service],
    monkeypatch: pytest.MonkeyPatch,
    unstamped: bool,
) -> None:
    before = recorded(db_path, unstamped=unstamped)
    monkeypatch.setattr(storefile, "_writable", lambda path: False)
    app = service()
    assert [row["slug"] for row in app.talks_list()] == ["beijing-talks"]
    assert app.talks_view("beijing-talks")["slug"] == "beijing-talks"
    assert app.history("beijing-talks")
    assert app.store_info()["events"] == 20  # the demo: its source, actor, talks
    assert app.tokens() == []  # never made: nothing to read
    assert app.search("Beijing")
    writes: dict[str, Callable[[], Any]] = {
        "develop": lambda: app.record_development("beijing-talks", "2024", "x"),
        "rebuild": app.rebuild,
        "token create": lambda: app.create_token("ci", "reader"),
        "open talks": lambda: app.open_talks(
            "other", "Other", "Geneva", ["CHN", "UKR"]
        ),
    }
    for name, write in writes.items():
        with pytest.raises(StoreReadOnly, match="is read-only: nothing was written"):
            write()
        assert snapshot(db_path) == before, name
    app.close()
    assert snapshot(db_path) == before
    assert header(db_path) == ((0, 0) if unstamped else (storefile.APPLICATION_ID, 1))


def test_read_only_views_that_lag_answer_as_they_are_with_a_warning(
    db_path: Path,
    service: Callable[[], Service],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorded(db_path)
    app = service()
    app.record_development("beijing-talks", "2024-07", "Talks resume")
    app.close()  # recorded; the views were not opened, so they lag
    monkeypatch.setattr(storefile, "_writable", lambda path: False)
    app = service()
    with caplog.at_level(logging.WARNING, logger="timeline.bootstrap"):
        view = app.talks_view("beijing-talks")
        app.talks_list()
    assert view["developments"] == []  # as the views stood
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings  # said once
    assert "lag 1 event behind the store, which is read-only" in warnings[0]


def test_a_read_only_store_without_views_says_so(
    db_path: Path, service: Callable[[], Service], read_only: None
) -> None:
    execute(db_path, "CREATE TABLE stored_events (originator_id TEXT,"
            " originator_version INTEGER, topic TEXT, state BLOB,"
            " PRIMARY KEY (originator_id, originator_version))")  # fmt: skip
    with pytest.raises(StoreReadOnly, match="not made yet, and the store is read-only"):
        service().talks_list()


def test_a_new_store_cannot_be_made_read_only(
    db_path: Path, service: Callable[[], Service], read_only: None
) -> None:
    db_path.touch()
    with pytest.raises(StoreReadOnly, match="cannot make a store"):
        service().talks_list()
    assert db_path.read_bytes() == b""


def test_both_backends_know_the_events_by_their_topic() -> None:
    assert storefile.TOPIC_PREFIX == connect.TOPIC_PREFIX == TOPIC_PREFIX


# -- PostgreSQL ---------------------------------------------------------------


def tables(url: str) -> list[str]:
    found = pg_rows(
        url,
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        " ORDER BY tablename",
    )
    return [str(name) for (name,) in found]


@pytest.mark.postgresql_only
def test_a_postgres_store_is_marked_and_an_unmarked_one_adopted(
    store: str, app: Service
) -> None:
    app.record_demo()
    assert pg_rows(store, "SELECT * FROM timeline_store") == [
        ("diplomatic-timeline", 1)
    ]
    app.close()
    _run(store, "DROP TABLE timeline_store")
    again = open_service(store, "tester")
    try:
        assert [row["slug"] for row in again.talks_list()] == ["beijing-talks"]
        assert pg_rows(store, "SELECT * FROM timeline_store") == [
            ("diplomatic-timeline", 1)
        ]
    finally:
        again.close()


POSTGRES_FOREIGN = {
    "their timeline_events": "CREATE TABLE timeline_events (id int, body text)",
    "another eventsourcing app": (
        "CREATE TABLE timeline_events (originator_id uuid NOT NULL,"
        " originator_version bigint NOT NULL, topic text, state bytea,"
        " notification_id bigserial, PRIMARY KEY (originator_id, originator_version));"
        " INSERT INTO timeline_events VALUES"
        " (gen_random_uuid(), 1, 'shop.domain:Order', '\\x00')"
    ),
    "their marker": "CREATE TABLE timeline_store (application text, format int);"
    " INSERT INTO timeline_store VALUES ('someone-else', 1)",
}


@pytest.mark.postgresql_only
@pytest.mark.parametrize("kind", list(POSTGRES_FOREIGN))
def test_another_applications_schema_is_refused_with_nothing_made(
    store: str, app: Service, kind: str
) -> None:
    for statement in POSTGRES_FOREIGN[kind].split(";"):
        _run(store, statement)
    before = tables(store)
    for name, use in every_use(app).items():
        with pytest.raises(NotAStore, match="is not a timeline store") as refused:
            use()
        assert app.where in str(refused.value), name
        assert tables(store) == before, name


@pytest.mark.postgresql_only
def test_a_postgres_store_of_a_newer_format_is_refused(
    store: str, app: Service
) -> None:
    app.record_demo()
    app.close()
    _run(store, "UPDATE timeline_store SET format = 2")
    again = open_service(store, "tester")
    try:
        for use in every_use(again).values():
            with pytest.raises(StoreTooNew, match="format 2, newer"):
                use()
    finally:
        again.close()


def _run(url: str, statement: str) -> None:
    """A statement that answers no rows, run as plain psycopg would."""
    import psycopg

    from timeline.settings import PostgresSchema, resolve_store

    where = resolve_store(url)
    assert isinstance(where, PostgresSchema)
    with psycopg.connect(
        host=where.host, port=where.port, dbname=where.dbname, user=where.user,
        password=where.password or None, autocommit=True,
        options=f"-c search_path={where.schema}",
    ) as connection:  # fmt: skip
        connection.execute(statement.encode())
