"""Copying a store into another, of either backend: the stored rows
themselves, topic and state bytes unchanged (so record times and authors
too), a batch per transaction.

:func:`common_prefix` first checks that the destination holds nothing, or
the source's first events in the same order; :func:`copy_rows` then inserts
the rest. A copy interrupted between batches leaves the destination holding
a longer first part of the source, and copying again goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from events import InvalidInput, NotFound
from projections.records import dashed

if TYPE_CHECKING:
    from projections.rows import StoredRow
    from projections.views import StoredEvents


@dataclass
class Copied:
    """What a copy did."""

    copied: int = 0
    skipped: int = 0
    """Events the destination held already, the source's first ones."""


COMPARED = 2_000
"""Stored rows read at a time while comparing two stores."""


def stored_rows(stored: StoredEvents, after: int = 0) -> Iterator[StoredRow]:
    """Every stored event after position ``after``, in order, read in pages."""
    while rows := stored.after(after, COMPARED):
        yield from rows
        after = rows[-1][0]


def common_prefix(
    source: StoredEvents, dest: StoredEvents, progress: Callable[[int], None] | None
) -> tuple[int, int]:
    """How many events ``dest`` holds, which must be the first of
    ``source``'s, in the same order (same aggregate, version, topic and
    state), and the source's position of the last of them; InvalidInput
    naming the first event that differs otherwise."""
    theirs = stored_rows(source)
    held = position = 0
    for mine in stored_rows(dest):
        other = next(theirs, None)
        held += 1
        if other is None or not _same_row(mine, other):
            where = "the source has no such event" if other is None else (
                f"the source's is {_row_name(other)}"
            )  # fmt: skip
            raise InvalidInput(
                f"the destination is not a copy of the start of the source: its "
                f"event number {held:,} is {_row_name(mine)}, {where}; nothing "
                "was copied"
            )
        position = other[0]
        if progress and held % COMPARED == 0:
            progress(COMPARED)
    if progress:
        progress(held % COMPARED)
    return held, position


def copy_rows(
    source: StoredEvents,
    after: int,
    insert: Callable[[list[StoredEvent]], None],
    batch: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Insert every event of ``source`` after position ``after``, topic and
    state bytes as stored, ``batch`` at a time; how many."""
    copied = 0
    while rows := source.after(after, batch):
        insert([
            StoredEvent(originator_id=_uuid(aggregate), originator_version=version,
                        topic=topic, state=bytes(state))
            for _, aggregate, version, topic, state in rows
        ])  # fmt: skip
        copied += len(rows)
        after = rows[-1][0]
        if progress:
            progress(len(rows))
    return copied


def same_store(one: str, other: str) -> bool:
    """Whether two locations (as shown: a file, or a URL with its password
    masked) name the same store."""
    from timeline.settings import PostgresSchema, resolve_store

    first, second = resolve_store(one), resolve_store(other)
    if isinstance(first, PostgresSchema) or isinstance(second, PostgresSchema):
        if not (
            isinstance(first, PostgresSchema) and isinstance(second, PostgresSchema)
        ):
            return False
        hosts = {first.host, second.host}
        same_host = len(hosts) == 1 or hosts <= {"localhost", "127.0.0.1", "::1"}
        where = (first.port, first.dbname, first.schema)
        return same_host and where == (second.port, second.dbname, second.schema)
    if first.path.exists() and second.path.exists():
        return first.path.samefile(second.path)
    return first.path.resolve() == second.path.resolve()


def require_store(location: str) -> None:
    """A SQLite file to copy from must exist (opening it would create it)."""
    from timeline.settings import SQLiteFile, resolve_store

    store = resolve_store(location)
    if isinstance(store, SQLiteFile) and not store.path.is_file():
        raise NotFound(f"no store at {location!r}")


def _same_row(mine: StoredRow, theirs: StoredRow) -> bool:
    if _hex(mine[1]) != _hex(theirs[1]) or mine[2:4] != theirs[2:4]:
        return False
    return bytes(mine[4]) == bytes(theirs[4]) or orjson.loads(mine[4]) == (
        orjson.loads(theirs[4])
    )


def _row_name(row: StoredRow) -> str:
    position, aggregate, version, topic, _ = row
    try:
        kind = resolve_topic(topic).type_name()
    except Exception:
        kind = topic
    return f"{dashed(_hex(aggregate))}/{version} ({kind}, at position {position:,})"


def _hex(aggregate: object) -> str:
    if isinstance(aggregate, UUID):
        return aggregate.hex
    text = str(aggregate)
    return text if len(text) == 32 else UUID(text).hex


def _uuid(aggregate: object) -> UUID:
    return aggregate if isinstance(aggregate, UUID) else UUID(str(aggregate))
