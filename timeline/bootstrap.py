"""The composition root: the only place that decides which store to open.

:func:`open_service` gives a front end everything it offers, over the store
the settings name; :func:`open_record` and :func:`open_queries` open its two
halves alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from eventsourcing.utils import resolve_topic

from events.errors import StoreError
from timeline.settings import Backend, Settings

if TYPE_CHECKING:
    from projections.queries import Queries, Records
    from timeline.application import DiplomaticRecord  # loads the event models
    from timeline.service import ProgressBar, Service


SQLITE = Backend(
    views="projections.sqlite.views:SQLiteViews",
    stored="projections.sqlite.store:SQLiteStoredEvents",
)
"""The SQLite store; recording alone never loads its views."""

LOCK_TIMEOUT = 30  # seconds a writer waits for another writer's transaction


def open_service(
    db: str | Path | None = None,
    author: str | None = None,
    *,
    progress: ProgressBar | None = None,
    opened: Callable[[], object] | None = None,
) -> Service:
    """The service over the store at ``db`` (a SQLite file; default: as the
    CLI finds it, from ``TIMELINE_DB`` or the user data directory), recording
    as ``author`` (default: ``TIMELINE_AUTHOR``, else the OS user). Nothing is
    opened until first used; ``progress`` reports long tasks, and ``opened``
    is called once the application (with the event models) is open."""
    from timeline.service import Service

    settings = Settings.resolve(None if db is None else str(db), author)
    return Service(
        open_record=lambda: open_record(settings),
        open_queries=lambda catch_up, records: open_queries(
            settings, catch_up, records
        ),
        where=str(settings.db_path),
        progress=progress,
        opened=opened,
    )


def open_record(settings: Settings) -> DiplomaticRecord:
    """Open (creating if needed) the store the settings name, for recording."""
    from timeline.application import DiplomaticRecord

    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.db_path),
        "SQLITE_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
    }
    with _store_errors(settings.db_path):
        return DiplomaticRecord(env=env, author=settings.author, backend=SQLITE)


def open_queries(
    settings: Settings, catch_up: Callable[[int], object], records: Records
) -> Queries:
    """Open the views alone: a query that finds them current loads nothing more.

    ``catch_up(lag)`` is called (and may open the full application) only when
    the store holds ``lag`` events the views have not applied yet; ``records``
    only when a talks must be folded again from its events (``show --as-of``).
    """
    from projections.queries import Queries

    with _store_errors(settings.db_path):
        datastore = SQLiteDatastore(str(settings.db_path), lock_timeout=LOCK_TIMEOUT)
        SQLiteApplicationRecorder(datastore).create_table()
        views = resolve_topic(SQLITE.views)(datastore)
        views.create_table()
        stored = resolve_topic(SQLITE.stored)(datastore)
        return Queries(views, stored, catch_up, records)


@contextmanager
def _store_errors(path: Path) -> Iterator[None]:
    if path.is_dir():
        raise StoreError(f"database path {str(path)!r} is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
    except (OSError, PersistenceError, sqlite3.Error) as error:
        raise StoreError(f"cannot open database {str(path)!r}: {error}") from None
