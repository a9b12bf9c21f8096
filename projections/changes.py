"""What changed in a talks between two record times, from its entry versions.

Every change to an entry made a version (see :class:`projections.rows.EntryRow`):
a new entry, an amendment or a retraction. Each version recorded in the
interval, read with the version it superseded, is one change.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from typing_extensions import TypedDict  # pydantic reads it on Python 3.11

from events.kinds import KINDS
from projections.rows import EntryRow

ChangeKind = Literal[
    "added",
    "amended",
    "retracted",
    "stance changed",
    "motivation changed",
    "likelihood changed",
]


class FieldChange(TypedDict):
    before: Any
    after: Any


class Change(TypedDict):
    change: ChangeKind
    kind: str
    ref: str
    entry_id: int
    position: int
    """Store position of the event that made the change."""
    text: str
    """The entry's main text after the change (before it, if retracted)."""
    before: str | None
    """The main text of what it replaced: the version amended or retracted,
    or the actor's stance (the scenario's assessment) that stood before."""
    date: str | None
    fields: dict[str, FieldChange]
    """Amended fields, or every field that differs from what stood before."""
    reason: str | None
    recorded_at: str
    recorded_by: str


def change_of(version: EntryRow, before: EntryRow | None) -> Change:
    """The change ``version`` made, given the version that stood before it."""
    if version["version_from"] != version["entry_id"]:
        kind: ChangeKind = "retracted" if version["retracted"] else "amended"
    elif before is not None:
        kind = cast(ChangeKind, KINDS[version["kind"]].replaced)
    else:
        kind = "added"
    return Change(
        change=kind,
        kind=version["kind"],
        ref=version["ref"],
        entry_id=version["entry_id"],
        position=version["version_from"],
        text=version["text"],
        before=before["text"] if before else None,
        date=version["valid_text"],
        fields=_differences(before["fields"] if before else {}, version["fields"])
        if before and kind != "retracted"
        else {},
        reason=version["reason"],
        recorded_at=version["recorded_at"],
        recorded_by=version["recorded_by"],
    )


def _differences(old: dict[str, Any], new: dict[str, Any]) -> dict[str, FieldChange]:
    skip = {"actor", "key", "number"}  # what names the entry, never changed
    return {
        name: FieldChange(before=old.get(name), after=value)
        for name, value in new.items()
        if name not in skip and old.get(name) != value
    }
