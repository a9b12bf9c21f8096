"""The composition root: the only place that decides which store to open.

:func:`open_service` gives a front end everything it offers, over the store
the settings name; :func:`open_record` and :func:`open_queries` open its two
halves alone.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic

from events.errors import NotFound, StoreError
from projections.sqlite import storefile
from timeline.encryption import check_store, cipher_env, unsealer
from timeline.settings import (
    Backend,
    PostgresSchema,
    Settings,
    SQLiteFile,
    StoreLocation,
)

if TYPE_CHECKING:
    from projections.queries import Queries, Records
    from timeline.access import Access
    from timeline.application import DiplomaticRecord  # loads the event models
    from timeline.service import ProgressBar, Service


SQLITE = Backend(
    views="projections.sqlite.views:SQLiteViews",
    stored="projections.sqlite.store:SQLiteStoredEvents",
)
"""The SQLite store; recording alone never loads its views."""
POSTGRES = Backend(
    views="projections.postgres.views:PostgresViews",
    stored="projections.postgres.store:PostgresStoredEvents",
)
"""A PostgreSQL store: the library's postgres persistence, and views beside it."""

LOCK_TIMEOUT = 30  # seconds a writer waits for another writer's transaction
log = logging.getLogger(__name__)
INSTALL_POSTGRES = (
    "a postgresql:// store needs the PostgreSQL driver:"
    " pip install 'diplomatic-timeline[postgres]'"
)


def open_service(
    db: str | Path | None = None,
    author: str | None = None,
    *,
    progress: ProgressBar | None = None,
    opened: Callable[[], object] | None = None,
    create: bool = True,
) -> Service:
    """The service over the store ``db`` names (a SQLite file, or a
    ``postgresql://`` URL; default: as the CLI finds it, from ``TIMELINE_DB``
    or the user data directory), recording as ``author`` (default:
    ``TIMELINE_AUTHOR``, else the OS user). Nothing is opened until first
    used; ``progress`` reports long tasks, and ``opened`` is called once the
    application (with the event models) is open.

    A store that is not there yet (a SQLite file that does not exist, a
    PostgreSQL schema that does not exist) is made on first use; with
    ``create=False``, as the CLI's queries open it, first use raises
    NotFound (``no timeline store at ...``) and nothing is made: so a
    mistyped location is an error, never a new empty store."""
    from timeline.service import Service

    settings = Settings.resolve(None if db is None else str(db), author)
    return Service(
        open_record=lambda: open_record(settings, create=create),
        open_queries=lambda catch_up, records: open_queries(
            settings, catch_up, records, create=create
        ),
        where=settings.store.shown(),
        progress=progress,
        opened=opened,
        backend=settings.store.backend,
        open_access=lambda: open_access(settings, create=create),
    )


def open_record(settings: Settings, *, create: bool = True) -> DiplomaticRecord:
    """Open the store the settings name, for recording; made if it is not
    there, unless not to ``create`` it (see :func:`open_service`)."""
    from timeline.application import DiplomaticRecord

    store = settings.store
    with _store_errors(store):
        _require(store, create)
        if isinstance(store, SQLiteFile):
            file = _sqlite_file(store)
            env = {
                "PERSISTENCE_MODULE": storefile.FACTORY,
                "SQLITE_DBNAME": file.uri,
                "SQLITE_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
                storefile.READ_ONLY_KEY: "y" if file.read_only else "n",
                "CREATE_TABLE": "n" if file.read_only else "y",
                **settings.cipher_env(),
            }
            record = DiplomaticRecord(env=env, author=settings.author, backend=SQLITE)
        else:
            _postgres().prepare(store)
            env = postgres_env(store, settings.cipher_key)
            record = DiplomaticRecord(env=env, author=settings.author, backend=POSTGRES)
        try:
            check_store(record.stored, settings.cipher_key, store.shown())
        except BaseException:
            record.close()
            raise
        return record


def postgres_env(
    store: PostgresSchema, cipher_key: str | None = None
) -> dict[str, str]:
    """The library's settings for a PostgreSQL store, its events sealed
    with ``cipher_key`` if one is given."""
    return {
        **cipher_env(cipher_key),
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": store.dbname,
        "POSTGRES_HOST": store.host,
        "POSTGRES_PORT": str(store.port),
        "POSTGRES_USER": store.user,
        "POSTGRES_PASSWORD": store.password,
        "POSTGRES_SCHEMA": store.schema,
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "1",  # a command needs one connection; a
        "POSTGRES_MAX_OVERFLOW": "4",  # follower, one more for its subscription
        "CREATE_TABLE": "n",  # made once, by prepare(): see there
    }


def open_queries(
    settings: Settings, catch_up: Callable[[int], object], records: Records,
    *, create: bool = True,
) -> Queries:  # fmt: skip
    """Open the views alone: a query that finds them current loads nothing more.

    ``catch_up(lag)`` is called (and may open the full application) only when
    the store holds ``lag`` events the views have not applied yet; ``records``
    only when a talks must be folded again from its events (``show --as-of``).
    ``create`` as for :func:`open_service`.
    """
    from projections.queries import Queries

    store = settings.store
    with _store_errors(store):
        _require(store, create)
        if isinstance(store, SQLiteFile):
            datastore = _sqlite_datastore(store)
            if not datastore.read_only:
                SQLiteApplicationRecorder(datastore).create_table()
            views = resolve_topic(SQLITE.views)(datastore)
            views.create_table()  # on a read-only store: checked, not made
            stored = resolve_topic(SQLITE.stored)(datastore)
            if datastore.read_only:  # answered as they are: see _lagging
                catch_up = _lagging(store.shown())
        else:
            views, stored, read_only = _postgres().open_read(store)
            if read_only:  # a role that may only read: as on a read-only file
                catch_up = _lagging(store.shown())
        try:
            check_store(stored, settings.cipher_key, store.shown())
        except BaseException:
            views.close()
            raise
        views.unseal = stored.unseal = unsealer(settings.cipher_key)
        return Queries(views, stored, catch_up, records)


def open_access(settings: Settings, *, create: bool = True) -> Access:
    """Open the store's access tokens, sessions and idempotency keys (their
    tables made if missing), managed by the settings' author; ``create`` as
    for :func:`open_service`."""
    from timeline.access import Access

    store = settings.store
    with _store_errors(store):
        _require(store, create)
        if isinstance(store, SQLiteFile):
            from projections.sqlite.access import SQLiteAccess

            keys = SQLiteAccess(_sqlite_datastore(store))
            try:
                keys.create_table()
            except BaseException:
                keys.close()
                raise
            return Access(keys, settings.author)
        _postgres()  # the driver, or what to install
        from projections.postgres.access import open_access as open_postgres

        return Access(open_postgres(store), settings.author)


def _require(store: StoreLocation, create: bool) -> None:
    """Unless the caller may ``create`` it, a store that is not there is an
    error, raised before anything is made."""
    if create:
        return
    if isinstance(store, SQLiteFile):
        missing = not store.path.exists()
    else:
        missing = not _postgres().has_schema(store)
    if missing:
        raise NotFound(
            f"no timeline store at {store.shown()}; record something or check --db"
        )


def _sqlite_file(store: SQLiteFile) -> storefile.StoreFile:
    """The store's file, checked to be a timeline store this program
    understands before anything is written to it; made (private) if it is
    missing, stamped if it is new or older (see
    :mod:`projections.sqlite.storefile`)."""
    return storefile.open_file(store.path, store.shown(), LOCK_TIMEOUT)


def _sqlite_datastore(store: SQLiteFile) -> storefile.StoreDatastore:
    file = _sqlite_file(store)
    return storefile.StoreDatastore(
        file.uri, read_only=file.read_only, lock_timeout=LOCK_TIMEOUT
    )


def _lagging(shown: str) -> Callable[[int], object]:
    """In place of catching the views up, on a store that cannot be written:
    a warning (once) that the answers are the views' as they are, ``lag``
    events behind the store."""
    warned = False

    def warn(lag: int) -> None:
        nonlocal warned
        if not warned:
            warned = True
            log.warning(
                "Warning: the views of %r lag %s behind the store, which is"
                " read-only: answering from the views as they are",
                shown, f"{lag:,} event" + ("" if lag == 1 else "s"),
            )  # fmt: skip

    return warn


def _postgres() -> ModuleType:
    """The PostgreSQL backend's module of connections, imported only when a
    URL asks for it."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError(INSTALL_POSTGRES) from None
    import projections.postgres.connect

    return projections.postgres.connect


@contextmanager
def _store_errors(store: StoreLocation) -> Iterator[None]:
    """Errors of opening a store as one line naming it (never its password)."""
    shown = store.shown()
    if isinstance(store, SQLiteFile) and store.path.is_dir():
        raise StoreError(f"database path {shown!r} is a directory")
    try:
        yield
    except Exception as error:
        driver = type(error).__module__.startswith(("psycopg", "psycopg_pool"))
        if not driver and not isinstance(
            error, OSError | PersistenceError | sqlite3.Error
        ):
            raise
        why = " ".join(str(error).split())  # the server's hints on one line
        raise StoreError(f"cannot open database {shown!r}: {why}") from None
