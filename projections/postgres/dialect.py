"""What PostgreSQL says differently from SQLite, in one place.

- Names: a store is a schema, and every table, index and text-search
  configuration of it is qualified with that schema (:func:`qualified`): a
  checked identifier, always double-quoted, so two schemas of one database
  are two independent stores and nothing is made in ``public``.
- Placeholders: ``%s`` and ``%(name)s`` (SQLite: ``?`` and ``:name``). A
  literal ``%`` would have to be doubled: patterns are passed as parameters.
- Bulk writes: ``COPY ... FROM STDIN`` (:func:`copy_rows`), where SQLite
  uses ``executemany``; one statement instead of one round trip per row.
- Upserts: ``INSERT ... ON CONFLICT ... DO UPDATE``, the words both share;
  SQLite's ``INSERT OR REPLACE`` is written that way here.
- Text order: every text column that is compared or sorted is
  ``COLLATE "C"`` (:data:`TEXT`), so it orders by code point as SQLite's
  columns do, whatever the database's collation: "~" (undated) after "9",
  record times and days compared as text exactly.
- Flags are ``boolean`` columns (SQLite: 0 or 1); JSON documents are kept as
  text on both and decoded in Python; a list parameter is an array
  (``= ANY(%s)``), not ``json_each``.
- Full text: a ``tsvector`` column with a GIN index, ``ts_rank`` and
  ``ts_headline`` (see :mod:`projections.postgres.search`), where SQLite has
  FTS5 with bm25 and ``snippet``.
- Consistent reads over several statements: a ``REPEATABLE READ`` transaction
  (SQLite: any transaction).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar, cast

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow

PgCursor = Cursor[DictRow]
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
TEXT = 'text COLLATE "C"'
"""A text column that orders by code point, as SQLite's do."""

P = ParamSpec("P")
R = TypeVar("R")


def quoted(name: str) -> str:
    """An identifier written so that PostgreSQL reads it exactly (case
    kept); only letters, digits and ``_`` are accepted, so no quoting trick
    can pass through."""
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def qualified(schema: str, name: str) -> str:
    """``"schema"."name"``: a table (or index, or configuration) of one store."""
    return f"{quoted(schema)}.{quoted(name)}"


def copy_rows(
    c: PgCursor, table: str, columns: str, rows: Sequence[Sequence[Any]]
) -> None:
    """Write ``rows`` into ``table`` in one ``COPY`` (nothing if there are none)."""
    if not rows:
        return
    with c.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def reconnecting(func: Callable[P, R]) -> Callable[P, R]:
    """The library's retry for a read: a lost connection is tried again on
    a new one (a read changes nothing, so trying twice is harmless)."""
    again = retry((InterfaceError, OperationalError), max_attempts=3, wait=0.2)
    return cast(Callable[P, R], again(func))
