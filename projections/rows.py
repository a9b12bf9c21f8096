"""What the views answer with: plain rows, the same on every backend.

A backend's queries return these shapes; the queries, the front ends and the
exporters read nothing else of it.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from typing_extensions import TypedDict  # pydantic reads it on Python 3.11


class Clocks(NamedTuple):
    """Which versions a query reads: as they stand now, or as they stood at
    record time ``as_of``; with ``at``, the world as of that valid day."""

    as_of: str | None = None
    """RFC 3339 UTC with microseconds, as the rows keep record times."""
    at: str | None = None
    """An ISO day: entries dated later are left out; of an actor's stances
    (a scenario's assessments) the one in force then is kept."""
    since: str | None = None
    """An ISO day: only entries dated on or after it (undated ones are left out)."""
    until: str | None = None
    """An ISO day: only entries dated on or before it (undated ones are left out)."""


NOW = Clocks()
"""The views as they stand now."""


class EntryRow(TypedDict):
    """One version of an entry, as the versioned views keep it."""

    entry_id: int
    version_from: int
    version_to: int | None
    talks_id: str
    slug: str
    kind: str
    ref: str
    valid_text: str | None
    valid_lower: str | None
    valid_upper: str | None
    sort_key: str
    """``valid_lower``, or "~" when undated: the timeline's order."""
    text: str
    fields: dict[str, Any]
    retracted: bool
    recorded_at: str
    recorded_by: str
    reason: str | None
    """Why an amendment or a retraction made this version."""
    superseded_at: str | None


class TalksRow(TypedDict):
    slug: str
    title: str
    location: str
    opened_at: str
    version: int


class SearchHit(TypedDict):
    slug: str
    kind: str
    ref: str
    entry_id: int
    snippet: str
    rank: float


class ViewStatus(TypedDict):
    name: str
    position: int
    head: int
    lag: int


StoredRow = tuple[int, str, int, str, bytes]
"""A stored event as the event store keeps it: position, aggregate id (32 hex
digits, see :func:`projections.records.dashed`), version, topic, state."""


def search_words(query: str) -> list[tuple[str, bool]]:
    """The words of a user's search, each with whether it asks for a prefix
    (``trad*``). Every backend matches all of them; none parses user text
    as query syntax."""
    words = []
    for word in re.findall(r"[\w*]+", query):
        prefix = word.endswith("*")
        word = word.strip("*")
        if word:
            words.append((word, prefix))
    return words
