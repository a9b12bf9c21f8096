"""What each event does to the entries of a talks, as data the views store.

Every entry (the talks themselves, an agenda item, a stance, a motivation, a
scenario, a recommendation, a development) is identified in the views by the
store position of the event that recorded it, its ``entry_id``. An amendment
or a retraction makes a new *version* of an entry; the versioned tables keep
every version with the positions where it began and ended, so a view "as of"
a position is a lookup, not a replay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

import orjson

from events.kinds import BY_EVENT, KINDS
from projections.records import EventRecord


# Named tuples: a rebuild makes millions of these, and they cost a tenth of
# a frozen dataclass to create.
class NewEntry(NamedTuple):
    kind: str
    ref: str
    fields: dict[str, Any]


class Amended(NamedTuple):
    kind: str
    ref: str
    changes: dict[str, Any]


class Retracted(NamedTuple):
    kind: str
    ref: str


EntryChange = NewEntry | Amended | Retracted


class Applied(NamedTuple):
    """One stored event as the views apply it: interpreted once for all views."""

    position: int
    record: EventRecord
    talks_id: str
    change: EntryChange | None
    fields_json: str
    """A new entry's fields as JSON text (written by several views), else ""."""

    @classmethod
    def of(cls, record: EventRecord) -> Applied:
        change = entry_change(record)
        fields = ""
        if isinstance(change, NewEntry):
            fields = orjson.dumps(change.fields).decode()
        return cls(record.position, record, record.originator_id, change, fields)


def opened_talks(batch: Iterable[Applied]) -> dict[str, str]:
    """The slugs of the talks a batch opens, by talks id."""
    return {
        item.talks_id: change.fields["slug"]
        for item in batch
        if isinstance(change := item.change, NewEntry) and change.kind == "talks"
    }


def entry_change(record: EventRecord) -> EntryChange | None:
    """The change an event makes to the entries of its talks (None: no entry)."""
    d = record.data
    if record.type == "EntryAmended":
        return Amended(_kind_of(d["ref"]), d["ref"], dict(d["changes"]))
    if record.type == "EntryRetracted":
        return Retracted(_kind_of(d["ref"]), d["ref"])
    kind = BY_EVENT.get(record.type)
    if kind is None:
        return None
    return NewEntry(kind.name, kind.ref_of(d), d)


_MAIN = {name: kind.main for name, kind in KINDS.items()}
_TEXT = {name: kind.text for name, kind in KINDS.items()}
_LISTED = {
    name: (kind.listed, tuple(re.findall(r"\{(\w+)\}", kind.listed)))
    for name, kind in KINDS.items() if kind.listed
}  # fmt: skip
# (looked up by name as plain dicts: a replay asks for every version's)


def main_text(kind: str, fields: dict[str, Any]) -> str:
    """What the timeline lists an entry by: its main field, or its kind's
    wording of several (``likely, moderate confidence``) when all are given."""
    listed = _LISTED.get(kind)
    if listed and all(fields.get(name) for name in listed[1]):
        return listed[0].format_map(fields)
    return str(fields.get(_MAIN[kind]) or "")


def searchable_text(kind: str, fields: dict[str, Any]) -> str:
    """Every text an entry holds, one per line, for the full-text index."""
    parts: list[str] = []
    for name in _TEXT[kind]:
        value = fields.get(name)
        if isinstance(value, list):
            parts.extend(str(item) for item in value)
        elif value:
            parts.append(str(value))
    return "\n".join(parts)


def _kind_of(ref: str) -> str:
    return ref.partition(":")[0]
