"""The composition root: the only place that decides which store to open."""

from __future__ import annotations

import sqlite3

from eventsourcing.persistence import PersistenceError

from events import StoreError
from projections.sqlite import SQLiteViews
from timeline.application import Timeline
from timeline.settings import Settings


def open_timeline(settings: Settings) -> Timeline:
    """Open (creating if needed) the SQLite store the settings name."""
    path = settings.db_path
    if path.is_dir():
        raise StoreError(f"database path {str(path)!r} is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
        return Timeline(env=env, author=settings.author, views_class=SQLiteViews)
    except (OSError, PersistenceError, sqlite3.Error) as error:
        raise StoreError(f"cannot open database {str(path)!r}: {error}") from None
