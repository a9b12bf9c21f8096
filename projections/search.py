"""The rows of the full-text search view, the same on every backend.

The view holds the current text of each entry that stands: an amendment
replaces it, a retraction removes it. How a backend indexes and ranks it is
in its own ``search`` module.
"""

from __future__ import annotations

from typing import Any

import orjson

from projections.entries import Applied, searchable_text


def hex_id(talks_id: str) -> str:
    """A talks id as the search view keeps it: ``str(UUID)`` without its dashes."""
    return talks_id.replace("-", "")


def search_row(
    slug: str, item: Applied, entry_id: int, fields: dict[str, Any],
    fields_json: str = "",
) -> tuple[Any, ...]:  # fmt: skip
    """A row of ``search_entries``: id, talks id, slug, kind, ref, entry id,
    fields, text. Its id is the position of the event that made this version
    of the entry, so it is unique and needs no lookup."""
    assert item.change is not None
    return (
        item.position, hex_id(item.talks_id), slug, item.change.kind,
        item.change.ref, entry_id, fields_json or orjson.dumps(fields).decode(),
        searchable_text(item.change.kind, fields),
    )  # fmt: skip
