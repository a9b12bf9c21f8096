"""The rows of the full-text search view, the same on every backend.

The view holds the current text of each entry that stands, with its date
and tags to filter by: an amendment replaces them, a retraction removes
them. How a backend indexes and ranks them is in its own ``search`` module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from projections.entries import Applied, NewEntry, opened_talks, searchable_text
from projections.versions import bounds


def hex_id(talks_id: str) -> str:
    """A talks id as the search view keeps it: ``str(UUID)`` without its dashes."""
    return talks_id.replace("-", "")


def search_row(
    slug: str, item: Applied, entry_id: int, fields: dict[str, Any],
    fields_json: str = "",
) -> tuple[Any, ...]:  # fmt: skip
    """A row of ``search_entries``: id, talks id, slug, kind, ref, entry id,
    fields, text, the first and last day of its date (None: undated) and its
    tags (a list: each backend stores them its own way). Its id is the
    position of the event that made this version of the entry, so it is
    unique and needs no lookup."""
    assert item.change is not None
    on = fields.get("on")
    lower, upper = bounds(on) if on else (None, None)
    return (
        item.position, hex_id(item.talks_id), slug, item.change.kind,
        item.change.ref, entry_id, fields_json or orjson.dumps(fields).decode(),
        searchable_text(item.change.kind, fields), lower, upper,
        fields.get("tags") or [],
    )  # fmt: skip


def new_search_rows(
    batch: Sequence[Applied], slug_of: Callable[[str], str]
) -> dict[int, tuple[Any, ...]]:
    """The rows of the batch's new entries, by position (``slug_of`` finds
    the slug of a talks opened before the batch)."""
    opened = opened_talks(batch)
    return {
        item.position: search_row(
            opened.get(item.talks_id) or slug_of(item.talks_id), item,
            item.position, change.fields, item.fields_json,
        )
        for item in batch
        if isinstance(change := item.change, NewEntry)
    }  # fmt: skip
