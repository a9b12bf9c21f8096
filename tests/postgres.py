"""A real PostgreSQL server for the tests: a schema of its own per test.

The server's address comes from ``TIMELINE_TEST_POSTGRES`` (default: the
project machines' server, ``postgresql://postgres@127.0.0.1:5432/postgres``).
Where it cannot be reached the tests that need it skip, with the reason;
with ``TIMELINE_REQUIRE_POSTGRES=1`` (set by CI) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest

SERVER_ENV = "TIMELINE_TEST_POSTGRES"
REQUIRE_ENV = "TIMELINE_REQUIRE_POSTGRES"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


@cache
def unreachable() -> str | None:
    """Why no server can be used (None: one can)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed: pip install -e '.[dev]'"
    try:
        with psycopg.connect(server(), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"no PostgreSQL server at {server()}: {error}".splitlines()[0]
    return None


def require_server() -> None:
    """Skip (or, where required, fail) the calling test when there is no server."""
    why = unreachable()
    if why is None:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {why}", pytrace=False)
    pytest.skip(why)


@contextmanager
def fresh_schema() -> Iterator[str]:
    """The URL of an empty store: a schema made for the caller, dropped after."""
    import psycopg

    require_server()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server(), autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{server()}?schema={schema}"
    finally:
        with psycopg.connect(server(), autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
