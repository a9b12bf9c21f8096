"""The composition root: the only place that decides which store to open."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from events.errors import StoreError
from timeline.settings import Settings

if TYPE_CHECKING:
    from timeline.application import Timeline  # loads the event models: lazily
    from timeline.queries import Queries, Records

VIEWS = "projections.sqlite:SQLiteViews"
"""The views of the SQLite store; recording alone never loads them."""

LOCK_TIMEOUT = 30  # seconds a writer waits for another writer's transaction


def open_timeline(settings: Settings) -> Timeline:
    """Open (creating if needed) the store the settings name, for recording."""
    from timeline.application import Timeline

    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.db_path),
        "SQLITE_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
    }
    with _store_errors(settings.db_path):
        return Timeline(env=env, author=settings.author, views_topic=VIEWS)


def open_queries(
    settings: Settings, catch_up: Callable[[int], object], records: Records
) -> Queries:
    """Open the views alone: a query that finds them current loads nothing more.

    ``catch_up(lag)`` is called (and may open the full application) only when
    the store holds ``lag`` events the views have not applied yet; ``records``
    only when a talks must be folded again from its events (``show --as-of``).
    """
    from projections.sqlite import SQLiteViews
    from timeline.queries import Queries

    with _store_errors(settings.db_path):
        datastore = SQLiteDatastore(str(settings.db_path), lock_timeout=LOCK_TIMEOUT)
        SQLiteApplicationRecorder(datastore).create_table()
        views = SQLiteViews(datastore)
        views.create_table()
        return Queries(views, catch_up, records)


@contextmanager
def _store_errors(path: Path) -> Iterator[None]:
    if path.is_dir():
        raise StoreError(f"database path {str(path)!r} is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
    except (OSError, PersistenceError, sqlite3.Error) as error:
        raise StoreError(f"cannot open database {str(path)!r}: {error}") from None
