"""The rows of the versioned entry tables (``timeline``, ``stances``,
``scenarios``), the same on every backend.

Each row is one version of one entry. ``version_from`` is the store position
of the event that made the version, ``version_to`` that of the event that
superseded it (None while it is current); ``recorded_at`` and
``superseded_at`` are the record times of those two events. How a backend
stores and queries them is in its own ``versions`` module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, cast

import orjson

from events.kinds import KINDS
from projections.entries import Applied, NewEntry, main_text, opened_talks
from projections.records import EventRecord
from projections.rows import EntryRow

COLUMNS = (
    "entry_id, version_from, version_to, talks_id, slug, kind, ref, "
    "valid_text, valid_lower, valid_upper, sort_key, text, fields, retracted, "
    "recorded_at, recorded_by, reason, superseded_at"
)
"""Every column of an entry table, in order."""
WRITTEN = COLUMNS.removesuffix(", superseded_at")
"""The columns a new version is written with (``superseded_at`` comes later)."""
UNDATED = "~"  # sort key of undated entries: after every date, as "~" > "9"
INDEXED = ("actors", "tags")
"""The tables beside an entry table that index its versions by a value they
name (``*_actors``, ``*_tags``): value, slug, sort key, entry id, versions."""


class Version(NamedTuple):
    """One version of an entry, as the rows that store it."""

    values: tuple[Any, ...]
    """Its row of the entry table, in the order of :data:`WRITTEN`."""
    actors: list[tuple[Any, ...]]
    """Its rows of the ``*_actors`` table: actor, slug, sort key, entry id,
    version_from."""
    tags: list[tuple[Any, ...]]
    """Its rows of the ``*_tags`` table: tag, slug, sort key, entry id,
    version_from."""


def version(
    entry_id: int, version_from: int, talks_id: str, slug: str, kind: str,
    ref: str, fields: dict[str, Any], fields_json: str, retracted: bool,
    e: EventRecord,
) -> Version:  # fmt: skip
    """The rows of a version (built as tuples: a replay makes millions)."""
    on = fields.get("on")
    lower, upper = bounds(on) if on else (None, None)
    sort_key = lower or UNDATED
    values = (
        entry_id, version_from, None, talks_id, slug, kind, ref, on or None, lower,
        upper, sort_key, main_text(kind, fields), fields_json, int(retracted),
        e.recorded_at, e.recorded_by, e.data.get("reason"),
    )  # fmt: skip
    actors = [(actor, slug, sort_key, entry_id, version_from)
              for actor in KINDS[kind].named_actors(fields)]  # fmt: skip
    tags = [(tag, slug, sort_key, entry_id, version_from)
            for tag in fields.get("tags") or ()]  # fmt: skip
    return Version(values, actors, tags)


@lru_cache(maxsize=4096)
def bounds(text: str) -> tuple[str, str]:
    """First and last day a valid date can mean, as ISO text (it sorts)."""
    from events.values import PartialDate

    date = PartialDate.parse(text)
    return date.lower.isoformat(), date.upper.isoformat()


def entry_row(row: Mapping[str, Any]) -> EntryRow:
    """A stored row as the queries answer it: fields decoded, flags as bools."""
    entry = dict(row)
    entry["fields"] = orjson.loads(entry["fields"])
    entry["retracted"] = bool(entry["retracted"])
    return cast(EntryRow, entry)


def new_versions(
    batch: Sequence[Applied], kinds: frozenset[str], slug_of: Callable[[str], str]
) -> dict[int, Version]:
    """The first versions of the batch's new entries of ``kinds``, by
    position (``slug_of`` finds the slug of a talks opened before the batch)."""
    opened = opened_talks(batch)
    return {
        item.position: version(
            item.position, item.position, item.talks_id,
            opened.get(item.talks_id) or slug_of(item.talks_id),
            change.kind, change.ref, change.fields, item.fields_json, False,
            item.record,
        )
        for item in batch
        if isinstance(change := item.change, NewEntry) and change.kind in kinds
    }  # fmt: skip
