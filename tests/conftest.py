"""Every test runs with its own HOME, data dir and store: never the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline.bootstrap import open_service
from timeline.service import Service

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    db = tmp_path / "timeline.sqlite"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("TIMELINE_DB", str(db))
    monkeypatch.setenv("TIMELINE_AUTHOR", "tester")
    for name in ("PERSISTENCE_MODULE", "SQLITE_DBNAME", "TIMELINE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return db


@pytest.fixture
def db_path(isolated_env: Path) -> Path:
    """The SQLite file the CLI and ``app`` use in this test."""
    return isolated_env


@pytest.fixture
def app(db_path: Path) -> Iterator[Service]:
    """The application on a real SQLite file in the test's tmp dir."""
    timeline = open_service(db_path, "tester")
    yield timeline
    timeline.close()
