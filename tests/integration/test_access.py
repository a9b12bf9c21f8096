"""Access tokens, browser sessions and idempotency keys of the HTTP service
(:mod:`timeline.access`), through the service, on both backends."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from events.errors import AlreadyExists, InvalidInput, NotFound
from tests.support import is_postgres, pg_rows, rows
from timeline.access import ROLES, Claimed, allows, digest
from timeline.bootstrap import open_service
from timeline.service import Service

TABLES = ("timeline_tokens", "timeline_token_log", "timeline_sessions",
          "timeline_idempotency")  # fmt: skip


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def service(store: str) -> Iterator[Service]:
    with open_service(store, "tester") as opened:
        yield opened


@pytest.fixture
def clock(service: Service) -> Clock:
    moved = Clock()
    service.access.clock = moved
    return moved


def table(store: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of the store's own tables, read as any client would."""
    return pg_rows(store, sql) if is_postgres(store) else rows(Path(store), sql)


def everything(store: str) -> dict[str, list[tuple[Any, ...]]]:
    return {name: table(store, f"SELECT * FROM {name}") for name in TABLES}


# -- tokens -----------------------------------------------------------------------


def test_a_token_is_random_and_stored_only_as_its_sha256(
    store: str, service: Service
) -> None:
    token = service.create_token("newsroom", "reader")
    other = service.create_token("desk", "reader")
    assert token.startswith("tl_")
    assert len(token) == 46
    assert token != other
    stored = table(store, "SELECT name, token_hash FROM timeline_tokens ORDER BY id")
    assert stored == [
        ("newsroom", hashlib.sha256(token.encode()).hexdigest()),
        ("desk", digest(other)),
    ]
    dumped = repr(everything(store))
    assert token not in dumped
    assert other not in dumped
    assert token not in repr(service.tokens())


def test_tokens_lists_each_token_without_the_token(service: Service) -> None:
    service.create_token("newsroom", "reader")
    service.create_token("ci", "analyst")
    listed = service.tokens()
    assert [(t["name"], t["role"], t["created_by"]) for t in listed] == [
        ("newsroom", "reader", "tester"), ("ci", "analyst", "tester"),
    ]  # fmt: skip
    assert set(listed[0]) == {"name", "role", "created_at", "created_by",
                              "revoked_at", "revoked_by"}  # fmt: skip
    assert listed[0]["revoked_at"] is None
    assert listed[0]["created_at"].endswith("Z")
    assert datetime.fromisoformat(listed[0]["created_at"]).tzinfo is not None


def test_the_holder_of_a_token_until_it_is_revoked(service: Service) -> None:
    token = service.create_token("newsroom", "analyst")
    assert service.token_holder(token) == ("newsroom", "analyst")
    assert service.token_holder(token + "x") is None
    assert service.token_holder("") is None
    assert service.token_holder(digest(token)) is None  # the hash is no token
    service.revoke_token("newsroom")
    assert service.token_holder(token) is None
    [row] = service.tokens()
    assert row["revoked_by"] == "tester"
    assert row["revoked_at"] is not None
    assert row["revoked_at"] >= row["created_at"]


def test_a_name_with_an_active_token_is_refused_and_nothing_written(
    store: str, service: Service
) -> None:
    first = service.create_token("newsroom", "reader")
    before = everything(store)
    with pytest.raises(AlreadyExists, match="newsroom"):
        service.create_token("newsroom", "admin")
    assert everything(store) == before
    service.revoke_token("newsroom")
    second = service.create_token("newsroom", "admin")  # the name is free again
    assert service.token_holder(first) is None
    assert service.token_holder(second) == ("newsroom", "admin")
    assert [t["role"] for t in service.tokens()] == ["reader", "admin"]


@pytest.mark.parametrize(
    ("name", "role"),
    [("", "reader"), ("two words", "reader"), ("a" * 65, "reader"),
     ("semi;colon", "reader"), ("ok", "owner"), ("ok", "Reader"), ("ok", "")],
)  # fmt: skip
def test_a_bad_name_or_role_is_refused_and_nothing_written(
    store: str, service: Service, name: str, role: str
) -> None:
    with pytest.raises(InvalidInput):
        service.create_token(name, role)
    assert all(not found for found in everything(store).values())


def test_names_may_have_dots_at_signs_and_dashes(service: Service) -> None:
    name = "ci-bot.eu_1@example.org"
    token = service.create_token(name, "reader")
    assert service.token_holder(token) == (name, "reader")
    assert service.create_token("a" * 64, "reader")


def test_revoking_an_unknown_or_revoked_token_is_not_found(
    store: str, service: Service
) -> None:
    with pytest.raises(NotFound):
        service.revoke_token("nobody")
    service.create_token("newsroom", "reader")
    service.revoke_token("newsroom")
    before = everything(store)
    with pytest.raises(NotFound):
        service.revoke_token("newsroom")
    with pytest.raises(InvalidInput):
        service.revoke_token("no such name")
    assert everything(store) == before


def test_the_log_records_who_issued_and_revoked_each_token(store: str) -> None:
    with open_service(store, "alice") as alice:
        alice.create_token("newsroom", "reader")
        alice.create_token("ci", "admin")
    with open_service(store, "bob") as bob:
        bob.revoke_token("newsroom")
        log = bob.token_log()
        listed = bob.tokens()
    assert [(r["action"], r["name"], r["role"], r["author"]) for r in log] == [
        ("issued", "newsroom", "reader", "alice"),
        ("issued", "ci", "admin", "alice"),
        ("revoked", "newsroom", "reader", "bob"),
    ]
    assert [r["at"] for r in log] == sorted(r["at"] for r in log)
    assert log[2]["at"] == listed[0]["revoked_at"]
    assert (listed[0]["created_by"], listed[0]["revoked_by"]) == ("alice", "bob")


def test_tokens_are_not_events(store: str, service: Service) -> None:
    service.record_demo()
    events = service.store_info()["events"]
    log = "".join(service.export("jsonl"))
    token = service.create_token("newsroom", "reader")
    service.revoke_token("newsroom")
    assert service.store_info()["events"] == events
    exported = "".join(service.export("jsonl"))
    assert exported == log
    assert token not in exported
    assert digest(token) not in exported
    assert "newsroom" not in exported


def test_the_tables_are_made_once_by_whichever_service_opens_first(
    store: str,
) -> None:
    with open_service(store, "one") as one, open_service(store, "two") as two:
        token = one.create_token("newsroom", "reader")
        assert two.token_holder(token) == ("newsroom", "reader")
    with open_service(store, "three") as three:
        assert [t["name"] for t in three.tokens()] == ["newsroom"]


def test_a_service_that_never_touches_tokens_makes_no_token_tables(
    store: str,
) -> None:
    with open_service(store, "tester") as service:
        service.record_demo()
    if is_postgres(store):
        found = table(store, "SELECT to_regclass('timeline_tokens')")
        assert found == [(None,)]
    else:
        assert not table(
            store, "SELECT 1 FROM sqlite_master WHERE name = 'timeline_tokens'"
        )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("reader", {"read"}), ("analyst", {"read", "write"}),
     ("admin", {"read", "write", "admin"})],
)  # fmt: skip
def test_roles_allow_what_the_lower_ones_do_and_more(
    role: str, allowed: set[str]
) -> None:
    assert {a for a in ("read", "write", "admin") if allows(role, a)} == allowed


def test_allows_refuses_an_unknown_role_or_action() -> None:
    assert ROLES == ("reader", "analyst", "admin")
    with pytest.raises(InvalidInput):
        allows("owner", "read")
    with pytest.raises(InvalidInput):
        allows("admin", "delete")


# -- browser sessions -------------------------------------------------------------


def test_a_session_names_its_token_until_it_expires(
    store: str, service: Service, clock: Clock
) -> None:
    service.create_token("newsroom", "analyst")
    secret = service.access.open_session("newsroom")
    assert secret.startswith("tls_")
    assert service.access.session(secret) == "newsroom"
    assert table(store, "SELECT session_hash FROM timeline_sessions") == [
        (digest(secret),)
    ]
    assert secret not in repr(everything(store))
    clock.now += timedelta(hours=12) - timedelta(seconds=1)
    assert service.access.session(secret) == "newsroom"
    clock.now += timedelta(seconds=1)
    assert service.access.session(secret) is None


def test_a_session_may_be_shorter(service: Service, clock: Clock) -> None:
    service.create_token("newsroom", "reader")
    secret = service.access.open_session("newsroom", ttl=timedelta(minutes=5))
    clock.now += timedelta(minutes=4)
    assert service.access.session(secret) == "newsroom"
    clock.now += timedelta(minutes=1)
    assert service.access.session(secret) is None


def test_a_session_dies_with_its_token(store: str, service: Service) -> None:
    service.create_token("newsroom", "reader")
    service.create_token("desk", "reader")
    secret = service.access.open_session("newsroom")
    other = service.access.open_session("desk")
    service.revoke_token("newsroom")
    assert service.access.session(secret) is None
    assert service.access.session(other) == "desk"
    service.create_token("newsroom", "reader")  # a new token of the same name
    assert service.access.session(secret) is None
    assert table(store, "SELECT session_hash FROM timeline_sessions") == [
        (digest(other),)
    ]


def test_signing_out_ends_the_session_alone(store: str, service: Service) -> None:
    service.create_token("newsroom", "reader")
    secret = service.access.open_session("newsroom")
    kept = service.access.open_session("newsroom")
    service.access.close_session(secret)
    assert service.access.session(secret) is None
    assert service.access.session(kept) == "newsroom"
    assert [t["revoked_at"] for t in service.tokens()] == [None]
    assert table(store, "SELECT session_hash FROM timeline_sessions") == [
        (digest(kept),)
    ]


def test_no_session_without_an_active_token(store: str, service: Service) -> None:
    with pytest.raises(NotFound):
        service.access.open_session("nobody")
    service.create_token("newsroom", "reader")
    service.revoke_token("newsroom")
    with pytest.raises(NotFound):
        service.access.open_session("newsroom")
    assert table(store, "SELECT * FROM timeline_sessions") == []


def test_an_unknown_secret_or_a_token_is_no_session(service: Service) -> None:
    token = service.create_token("newsroom", "reader")
    secret = service.access.open_session("newsroom")
    assert service.access.session(token) is None
    assert service.access.session(secret + "x") is None
    assert service.access.session(digest(secret)) is None
    assert service.access.session("") is None


def test_opening_a_session_forgets_expired_ones(
    store: str, service: Service, clock: Clock
) -> None:
    service.create_token("newsroom", "reader")
    service.access.open_session("newsroom", ttl=timedelta(hours=1))
    clock.now += timedelta(hours=2)
    fresh = service.access.open_session("newsroom")
    assert table(store, "SELECT session_hash FROM timeline_sessions") == [
        (digest(fresh),)
    ]


# -- idempotency keys -------------------------------------------------------------


def test_a_claim_is_new_then_pending_then_replayed(service: Service) -> None:
    access = service.access
    assert access.claim("ci", "key-1", "hash-a") == Claimed("new")
    assert access.claim("ci", "key-1", "hash-a") == Claimed("pending")
    assert access.claim("ci", "key-1", "hash-b") == Claimed("mismatch")
    body = b'{"recorded": true}\x00\xff'
    headers = {"Content-Type": "application/json", "Location": "/talks/x"}
    access.complete("ci", "key-1", 201, body, headers)
    replay = access.claim("ci", "key-1", "hash-a")
    assert replay == Claimed("replay", 201, body, headers)
    assert isinstance(replay.body, bytes)
    assert access.claim("ci", "key-1", "hash-b") == Claimed("mismatch")


def test_keys_are_per_token(service: Service) -> None:
    access = service.access
    assert access.claim("ci", "key-1", "hash-a").state == "new"
    assert access.claim("desk", "key-1", "hash-b").state == "new"
    access.complete("desk", "key-1", 200, b"desk", {})
    assert access.claim("ci", "key-1", "hash-a").state == "pending"
    assert access.claim("desk", "key-1", "hash-b") == Claimed("replay", 200, b"desk")


def test_a_released_claim_keeps_nothing(store: str, service: Service) -> None:
    access = service.access
    access.claim("ci", "key-1", "hash-a")
    access.release("ci", "key-1")
    assert table(store, "SELECT * FROM timeline_idempotency") == []
    assert access.claim("ci", "key-1", "hash-b").state == "new"
    access.release("ci", "never-claimed")  # nothing to forget: no error


def test_completing_what_was_not_claimed_is_not_found(service: Service) -> None:
    access = service.access
    with pytest.raises(NotFound):
        access.complete("ci", "key-1", 200, b"", {})
    access.claim("ci", "key-1", "hash-a")
    access.complete("ci", "key-1", 200, b"first", {})
    with pytest.raises(NotFound):  # a completed response is never replaced
        access.complete("ci", "key-1", 500, b"second", {})
    assert access.claim("ci", "key-1", "hash-a") == Claimed("replay", 200, b"first")


def test_claims_older_than_a_day_are_forgotten(
    store: str, service: Service, clock: Clock
) -> None:
    access = service.access
    access.claim("ci", "done", "hash-a")
    access.complete("ci", "done", 201, b"ok", {})
    access.claim("ci", "stuck", "hash-b")
    clock.now += timedelta(hours=23)
    assert access.claim("ci", "done", "hash-a").state == "replay"
    assert access.claim("ci", "stuck", "hash-b").state == "pending"
    clock.now += timedelta(hours=1, seconds=1)
    assert access.claim("ci", "done", "hash-c").state == "new"
    assert table(store, "SELECT request_key FROM timeline_idempotency") == [("done",)]


@pytest.mark.parametrize("key", ["", "a b", "x" * 256, "naïve", "tab\there"])
def test_a_bad_key_is_refused(service: Service, key: str) -> None:
    with pytest.raises(InvalidInput):
        service.access.claim("ci", key, "hash")


def test_one_of_many_requests_claiming_a_key_at_once_gets_it(store: str) -> None:
    services = [open_service(store, f"worker-{n}") for n in range(4)]
    for opened in services:  # open before the race: it is about the claim
        opened.access.tokens()
    start = threading.Barrier(len(services))
    states: list[str] = []

    def claim(opened: Service) -> None:
        start.wait()
        states.append(opened.access.claim("ci", "key-1", "hash-a").state)

    threads = [threading.Thread(target=claim, args=(s,)) for s in services]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for opened in services:
            opened.close()
    assert sorted(states) == ["new", "pending", "pending", "pending"]
