"""What the views answer with: plain rows, the same on every backend.

A backend's queries return these shapes; the queries, the front ends and the
exporters read nothing else of it.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, NotRequired

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
    grade: NotRequired[str | None]
    """Its best citation's grade (``B2``; None: it cites nothing), where a
    reader graded it."""


class TalksRow(TypedDict):
    slug: str
    title: str
    location: str
    on: str | None
    """When the talks were held (valid time, as recorded; None: undated)."""
    opened_at: str
    """When they were opened (record time)."""
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


class SearchWord(NamedTuple):
    """A word of a search as typed between blanks (``trade``, ``follow-up``,
    ``1.5``), without the punctuation around it. A backend quotes it whole:
    its tokenizer reads it as it read the text, so it matches what was
    written the same way."""

    text: str
    prefix: bool
    """Typed with a ``*`` after it: matches every word it begins (``trad*``)."""


SearchTerm = tuple[SearchWord, ...]
"""One word, or a quoted phrase: its words one after another."""
SearchQuery = list[list[SearchTerm]]
"""What a search asks: every group must match; a group is its terms joined
by ``OR``, any of which may."""

SEARCH_TOKEN = re.compile(r'"([^"]*)"?|[^\s"]+')
"""A quoted phrase (to the end of the query if its quote is not closed), or
what stands between blanks and quotes."""
LETTERS = re.compile(r"[^\W_](?:.*[^\W_])?", re.DOTALL)
"""A word less the punctuation around it: its first letter or digit to its last."""


def parse_search(query: str) -> SearchQuery:
    """The terms of a user's search: words, ``word*`` prefixes and
    ``"quoted phrases"``; all must match, except terms joined by the word
    ``OR`` (upper case), any of which may. Nothing else is syntax, and no
    input is an error: punctuation alone is no word, an ``OR`` with no term
    on one side joins nothing, and a query with no word has no group."""
    groups: SearchQuery = []
    joined = False
    for token in SEARCH_TOKEN.finditer(query):
        if token[0] == "OR":
            joined = bool(groups)
            continue
        pieces = token[0].split() if token[1] is None else token[1].split()
        term = tuple(word for piece in pieces if (word := search_word(piece)))
        if not term:
            continue  # punctuation alone: an OR before it joins the next term
        if joined:
            groups[-1].append(term)
        else:
            groups.append([term])
        joined = False
    return groups


def search_word(piece: str) -> SearchWord | None:
    """A piece of a query between blanks as a word (None: no letter or digit)."""
    letters = LETTERS.search(piece)
    if letters is None:
        return None
    return SearchWord(letters[0], "*" in piece[letters.end() :])
