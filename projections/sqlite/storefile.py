"""A store's SQLite file: recognised as this program's before anything is
written to it, made private, and opened read-only where it cannot be written.

**Identity.** A store carries two fields of SQLite's file header:
``PRAGMA application_id`` is :data:`APPLICATION_ID`, 0x544D4C4E (the ASCII
bytes ``TMLN``), and ``PRAGMA user_version`` is the store's format,
:data:`FORMAT` (1). Both are set when the store is made and checked whenever
it is opened, before anything is written to it. A file that is not a SQLite
database, or is another application's (another application_id, or a
user_version or tables that are not this program's), is refused
(:class:`events.errors.NotAStore`), and so is a store of a newer format than
this program understands (:class:`events.errors.StoreTooNew`). A missing or
empty (0-byte) file is a new store. A store made before the stamp
(application_id 0) is recognised by its tables: the library's
``stored_events`` with its own columns, holding this program's events (or
none, and then only tables this program makes); it is stamped the first
time it is opened where it can be written, and read as it is where it
cannot.

The check reads the file through SQLite, which sees what is still in the
write-ahead log (the header in the file itself may be older), but opens it
read-only and, when there is no ``-wal`` file beside it, immutable: SQLite
then takes no lock and makes no ``-wal`` or ``-shm`` file, so a file that is
refused is left exactly as it was found.

**Permissions.** A store this program makes is readable and writable by its
owner only (0600), as key files are, and so are its ``-wal`` and ``-shm``
files, which SQLite makes with the main file's permissions; a directory made
for it is 0700. A store is shared deliberately by giving its file the
permissions it should have: an empty file is a new store and keeps its
permissions, so ``install -m 660 /dev/null shared.sqlite`` before the first
command makes a store its group can use too (the group also needs to write
the directory, where SQLite makes the ``-wal`` and ``-shm`` files); or
``chmod g+rw`` an existing store.

**Read-only.** A store this process cannot write (a read-only file, or a
read-only directory without the ``-wal`` and ``-shm`` files, as on read-only
media) is opened read-only: reads work, and a write raises
:class:`events.errors.StoreReadOnly` before it writes anything. Without a
``-wal`` file it is opened immutable, since no ``-shm`` could be made beside
it: that assumes no other process writes the store meanwhile.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import quote, unquote

from eventsourcing.persistence import PersistenceError
from eventsourcing.sqlite import SQLiteConnection, SQLiteDatastore, SQLiteFactory
from eventsourcing.utils import Environment, EnvType, strtobool

from events.errors import NotAStore, StoreReadOnly, StoreTooNew

APPLICATION_ID = 0x544D4C4E
"""``PRAGMA application_id`` of a timeline store: the ASCII bytes ``TMLN``."""
FORMAT = 1
"""``PRAGMA user_version`` of a timeline store: the format of its tables.
Raised when a change of the tables would mislead an older program."""
EVENTS = "stored_events"
EVENT_COLUMNS = ["originator_id", "originator_version", "topic", "state"]
"""The library's columns of its events table."""
TOPIC_PREFIX = "diplomatic-timeline/"
"""How the topic of every event of this program begins (``events.base``)."""
OWN_TABLES = {EVENTS, "stored_snapshots", "tracking", "view_schemas", "view_replays"}
"""The tables of the library and of the views' tracking; the views' own and
the access tables are read from their CREATE statements."""
FTS5_SHADOWS = ("_config", "_content", "_data", "_docsize", "_idx")
READ_ONLY_KEY = "SQLITE_READ_ONLY"
"""The application's setting that opens a store read-only."""
FACTORY = "projections.sqlite.storefile:StoreFactory"
"""The topic of :class:`StoreFactory`, as ``PERSISTENCE_MODULE`` names it."""

Found = Literal["new", "old", "current"]
"""A file that is no store yet, a store made before the stamp (or stamped
with an older format), and a stamped store of this format."""


class StoreFile(NamedTuple):
    """A store's file, checked: how SQLite is to open it."""

    uri: str
    """A ``file:`` URI, read-write or read-only."""
    read_only: bool


def open_file(path: Path, shown: str, lock_timeout: float = 5.0) -> StoreFile:
    """The store at ``path`` (``shown`` as the user named it), checked to be
    a timeline store of a format this program understands; made if missing,
    stamped if it is new or older and can be written. Raises NotAStore,
    StoreTooNew or StoreReadOnly (a new store that cannot be made), each
    before anything is written."""
    if not path.exists():
        _create(path, shown)
    writable = _writable(path)
    found: Found = "new" if path.stat().st_size == 0 else _check(path, shown)
    if writable:
        if found != "current":
            _stamp(path, shown, lock_timeout)
        return StoreFile(uri(path, "rw"), read_only=False)
    if found == "new":
        raise StoreReadOnly(f"cannot make a store in {shown!r}: it is read-only")
    return StoreFile(_read_only_uri(path), read_only=True)


def uri(path: Path, mode: str, *options: str) -> str:
    """SQLite's URI of a file, opened in ``mode`` (``ro``, ``rw``)."""
    query = "&".join([f"mode={mode}", *options])
    return f"file:{quote(str(path), safe='/')}?{query}"


def path_of(uri_or_path: str) -> str:
    """The file a URI of :func:`uri` (or a plain path) names."""
    if not uri_or_path.startswith("file:"):
        return uri_or_path
    return unquote(uri_or_path.removeprefix("file:").partition("?")[0])


def read_only(shown: str) -> StoreReadOnly:
    """The error of a write to a store that cannot be written."""
    return StoreReadOnly(f"the store {shown!r} is read-only: nothing was written")


def is_read_only_error(error: BaseException) -> bool:
    """Whether ``error`` (SQLite's, or the library's made of it) is SQLite
    refusing to write a read-only database."""
    cause = error if isinstance(error, sqlite3.Error) else error.__cause__
    return (
        isinstance(cause, sqlite3.Error)
        and getattr(cause, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_READONLY
    )


class StoreDatastore(SQLiteDatastore):
    """The library's datastore over a store's file; on a read-only store, a
    write is refused before it begins (:class:`events.errors.StoreReadOnly`)."""

    def __init__(self, db_name: str, *, read_only: bool = False, **kwargs: Any):
        super().__init__(db_name, **kwargs)
        self.read_only = read_only
        self.shown = path_of(db_name)

    @contextmanager
    def get_connection(self, *, commit: bool) -> Iterator[SQLiteConnection]:
        if commit and self.read_only:
            raise read_only(self.shown)
        try:
            with super().get_connection(commit=commit) as connection:
                yield connection
        except (sqlite3.Error, PersistenceError) as error:
            if commit and is_read_only_error(error):  # found so only now
                raise read_only(self.shown) from None
            raise


class StoreFactory(SQLiteFactory):
    """The library's SQLite persistence over a :class:`StoreDatastore`:
    ``SQLITE_READ_ONLY`` says whether the store is read-only."""

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        made = self.datastore
        self.datastore = StoreDatastore(
            made.pool.db_name,
            read_only=bool(strtobool(self.env.get(READ_ONLY_KEY, "n") or "n")),
            lock_timeout=made.pool.lock_timeout,
            single_row_tracking=made.single_row_tracking,
            originator_id_type=made.originator_id_type,
        )
        made.close()  # never connected


# -- the check ----------------------------------------------------------------


def _check(path: Path, shown: str) -> Found:
    """What the file at ``path`` is, read without writing anything.

    Read through SQLite only: a descriptor of the file opened and closed
    beside SQLite's would drop the locks this process's connections hold on
    it (POSIX locks belong to the process, and any close releases them)."""
    with closing(sqlite3.connect(_read_only_uri(path), uri=True)) as connection:
        try:
            return identify(connection, shown)
        except sqlite3.DatabaseError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_NOTADB:
                raise
            raise not_a_store(shown, "it is not a SQLite database") from None


def identify(connection: sqlite3.Connection, shown: str) -> Found:
    """What the database of ``connection`` is; raises NotAStore or StoreTooNew."""
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if application_id == APPLICATION_ID:
        if version > FORMAT:
            raise StoreTooNew(
                f"{shown!r} is a timeline store of format {version}, newer than"
                f" this program understands (format {FORMAT}): upgrade"
                " diplomatic-timeline to open it"
            )
        return "current" if version == FORMAT else "old"
    if application_id != 0:
        raise not_a_store(
            shown, "it is another application's SQLite database"
            f" (application_id {application_id & 0xFFFFFFFF:#010x})",
        )  # fmt: skip
    if version != 0:
        raise not_a_store(
            shown, "it is another application's SQLite database"
            f" (user_version {version})",
        )  # fmt: skip
    tables = {
        str(name) for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        )
    }  # fmt: skip
    if not tables:
        return "new"
    if why := _foreign(connection, tables):
        raise not_a_store(shown, why)
    return "old"


def not_a_store(shown: str, why: str) -> NotAStore:
    return NotAStore(
        f"{shown!r} is not a timeline store: {why}; nothing was written to it"
    )


def _foreign(connection: sqlite3.Connection, tables: set[str]) -> str | None:
    """Why a database without the stamp is not a store of this program made
    before the stamp (None: it is one)."""
    if EVENTS in tables:
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({EVENTS})")]
        if columns != EVENT_COLUMNS:
            return f"its table {EVENTS!r} is not the one this program keeps events in"
        first = connection.execute(
            f"SELECT topic FROM {EVENTS} ORDER BY rowid LIMIT 1"
        ).fetchone()
        if first is not None:
            if str(first[0]).startswith(TOPIC_PREFIX):
                return None
            return f"its events are another application's ({first[0]!r})"
    others = sorted(name for name in tables if not _own_table(name))
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        return f"its tables are another application's ({shown})"
    return None


def _own_table(name: str) -> bool:
    own = _own_tables()
    return name in own or any(
        name.endswith(suffix) and name.removesuffix(suffix) in own
        for suffix in FTS5_SHADOWS
    )


def _own_tables() -> set[str]:
    """Every table this program makes in a store (read from its CREATE
    statements; imported only for a database without the stamp or events)."""
    from projections.sqlite.access import CREATE
    from projections.sqlite.views import SQLiteViews

    statements = [*CREATE, *(s for p in SQLiteViews.projections for s in p.create())]
    made = re.compile(
        r"CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I
    )
    return OWN_TABLES | {m[1] for s in statements for m in made.finditer(s)}


# -- making and stamping --------------------------------------------------------


def _create(path: Path, shown: str) -> None:
    """An empty file for a new store, private (0600), in directories made
    private (0700) if missing; another process making it first is fine."""
    try:
        _directories(path.parent)
        descriptor = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
            0o600,
        )  # fmt: skip
    except FileExistsError:
        return
    except PermissionError:
        raise StoreReadOnly(
            f"cannot make a store in {shown!r}: its directory cannot be written"
        ) from None
    except OSError as error:
        if error.errno != getattr(os, "EROFS", None) and "Read-only" not in str(error):
            raise
        raise StoreReadOnly(
            f"cannot make a store in {shown!r}: it is on a read-only file system"
        ) from None
    os.close(descriptor)


def _directories(directory: Path) -> None:
    """Make ``directory`` and its missing parents, each readable by its
    owner only."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    for made in reversed(missing):
        with suppress(FileExistsError):
            os.mkdir(made, 0o700)


def _stamp(path: Path, shown: str, lock_timeout: float) -> None:
    """Set the store's application_id and format, under the write lock,
    once the file is found (again, now that no one else can write) to be no
    store yet or a store of this program."""
    with closing(
        sqlite3.connect(
            uri(path, "rw"), uri=True, isolation_level=None, timeout=lock_timeout
        )
    ) as connection:
        connection.execute("BEGIN IMMEDIATE")
        try:
            if identify(connection, shown) != "current":
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                connection.execute(f"PRAGMA user_version = {FORMAT}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


# -- read-only ----------------------------------------------------------------


def _writable(path: Path) -> bool:
    """Whether this process can write the store: its file, and either its
    directory (where SQLite makes the -wal and -shm files) or those files."""
    if not _access(path, os.W_OK):
        return False
    if _access(path.parent, os.W_OK | os.X_OK):
        return True
    return all(_access(side, os.W_OK) for side in _sidecars(path))


def _read_only_uri(path: Path) -> str:
    """How to read a store without writing: read-only, and immutable unless
    a -wal file is there (no lock is taken, no -wal or -shm file made)."""
    wal, _ = _sidecars(path)
    return uri(path, "ro") if wal.exists() else uri(path, "ro", "immutable=1")


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _access(path: Path, mode: int) -> bool:
    effective = os.access in os.supports_effective_ids
    return os.access(path, mode, effective_ids=effective)
