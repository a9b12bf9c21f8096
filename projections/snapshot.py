"""A snapshot: the views read at one store position, whole, for export.

Every export format renders a snapshot, so the same store gives the same
bytes, and each output names the position (and its record time) it reflects.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict  # pydantic reads it on Python 3.11

from events.grades import Citation
from events.kinds import KINDS
from projections.actors import ActorView
from projections.rows import EntryRow
from projections.sources import SourceView
from projections.talks import TalksView

SCHEMA_VERSION = 4
"""Version of the snapshot's JSON shape; it changes whenever the shape does
(3: tags, links between talks, developments' actors, confidence; 4: sources,
and each entry's citations and grade)."""


class TimelineEntry(TypedDict):
    """One entry of the timeline across talks: the talks themselves, a stance
    or a development, as it stands now."""

    talks: str
    """Slug of the talks the entry belongs to."""
    kind: str
    """``talks``, ``agenda``, ``stance``, ``motive``, ``scenario``,
    ``assessment``, ``recommendation``, ``development`` or ``link``."""
    ref: str
    """How commands name the entry: ``stance:CHN``, ``development:3``."""
    entry_id: int
    """Store position of the event that recorded the entry."""
    date: str | None
    """The date as recorded: ``2024``, ``2024-07~``, ``2024-07-23/2024-07-26``"""
    lower: str | None
    """First day the date can mean (ISO 8601)."""
    upper: str | None
    """Last day the date can mean (ISO 8601)."""
    text: str
    actors: list[str]
    """Codes of the actors the entry concerns (the parties, for talks; those
    a development names)."""
    sources: list[str]
    """Free-text sources it names (read as ungraded citations)."""
    cites: list[Citation]
    """The recorded sources it cites, each with its credibility."""
    grade: str | None
    """Its best citation's grade (``B2``), by the sources' grades on the
    snapshot's clocks; None: it cites nothing."""
    cited: list[str]
    """Its citations of recorded sources as listed, each graded on the
    snapshot's clocks: ``mfa-readout B2 (para. 3)``."""
    tags: list[str]
    recorded_at: str
    recorded_by: str


class Snapshot(TypedDict):
    """Every talks (or one), the actors and the timeline at one position."""

    schema_version: int
    position: int
    """Store position of the last event the snapshot reflects (0: empty)."""
    head: str | None
    """The store's head at ``position`` (``POSITION:HASH``): the hash of every
    chain's last hash, which ``timeline verify --head`` checks the store
    still holds (None where the snapshot was not given one)."""
    heads: dict[str, str]
    """Each talks' head at the version the snapshot reflects
    (``VERSION:HASH``), by slug."""
    recorded_at: str | None
    """Record time of the event at ``position`` (RFC 3339, UTC)."""
    as_of: str | None
    """The record time asked for: the views as they stood then (None: now)."""
    actors: list[ActorView]
    sources: list[SourceView]
    """Every source, with its grades as they stood on the snapshot's clocks."""
    talks: list[TalksView]
    """In the order opened."""
    timeline: list[TimelineEntry]
    """Dated entries by their first day, then undated ones, in recorded order."""


def timeline_entry(row: EntryRow) -> TimelineEntry:
    """A current version as the snapshot lists it."""
    fields: dict[str, Any] = row["fields"]
    return TimelineEntry(
        talks=row["slug"],
        kind=row["kind"],
        ref=row["ref"],
        entry_id=row["entry_id"],
        date=row["valid_text"],
        lower=row["valid_lower"],
        upper=row["valid_upper"],
        text=row["text"],
        actors=KINDS[row["kind"]].concerned_actors(fields),
        sources=list(fields.get("sources") or []),
        cites=list(fields.get("cites") or []),
        grade=None,
        cited=[],
        tags=list(fields.get("tags") or []),
        recorded_at=row["recorded_at"],
        recorded_by=row["recorded_by"],
    )
