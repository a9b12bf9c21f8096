"""Every test runs with its own HOME, data dir and store: never the user's.

The integration and end-to-end tests run on both backends: each test that
does not ask for ``db_path`` (a SQLite file, for tests that read the file
itself) is run once on a SQLite file and once on a PostgreSQL schema of its
own (see :mod:`tests.postgres`), with ``TIMELINE_DB`` naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import fresh_schema
from timeline.bootstrap import open_service
from timeline.service import Service

FIXTURES = Path(__file__).parent / "fixtures"
BACKENDS = ["sqlite", "postgresql"]
BOTH_IN = ("integration", "e2e")
"""The test directories whose tests run on every backend."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each behavioural test on every backend, unless it reads the
    SQLite file itself (it asks for ``db_path``) or is marked ``sqlite_only``
    or ``own_stores`` (it opens the stores it needs itself); one marked
    ``postgresql_only`` runs on PostgreSQL alone."""
    if metafunc.definition.path.parent.name not in BOTH_IN:
        return
    if "db_path" in metafunc.fixturenames:
        return
    if any(metafunc.definition.get_closest_marker(name)
           for name in ("sqlite_only", "own_stores")):  # fmt: skip
        return
    only = metafunc.definition.get_closest_marker("postgresql_only")
    backends = ["postgresql"] if only else BACKENDS
    metafunc.parametrize("store_backend", backends, indirect=True)


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    """The backend of the test's store: ``sqlite`` unless parametrised."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_backend: str
) -> Iterator[str]:
    """A HOME of its own, and ``TIMELINE_DB`` naming an empty store of the
    test's backend: its location, as ``--db`` takes it."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("TIMELINE_AUTHOR", "tester")
    for name in (
        "PERSISTENCE_MODULE", "SQLITE_DBNAME", "TIMELINE_DATABASE_URL",
        "TIMELINE_CIPHER_KEY", "TIMELINE_KEY_DIR", "TIMELINE_PAGER",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    if store_backend == "postgresql":
        with fresh_schema() as url:
            monkeypatch.setenv("TIMELINE_DB", url)
            yield url
        return
    db = tmp_path / "timeline.sqlite"
    monkeypatch.setenv("TIMELINE_DB", str(db))
    yield str(db)


@pytest.fixture
def store(isolated_env: str) -> str:
    """Where the CLI and ``app`` record in this test: a SQLite file or a
    PostgreSQL URL, as ``--db`` takes it."""
    return isolated_env


@pytest.fixture
def db_path(isolated_env: str) -> Path:
    """The SQLite file the CLI and ``app`` use in this test (SQLite only)."""
    return Path(isolated_env)


@pytest.fixture
def app(store: str) -> Iterator[Service]:
    """The application on a real store of the test's backend."""
    timeline = open_service(store, "tester")
    yield timeline
    timeline.close()
