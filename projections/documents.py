"""The document views' rows, built alike on every backend (no SQL): each
talks folded into its JSON document, and actors' names as the documents
show them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import orjson

from projections.entries import Applied
from projections.records import EventRecord
from projections.sources import is_source
from projections.talks import TalksView, evolve

Registered = Callable[[str], str | None]
"""The name the actors view holds for a key (None: not registered)."""


def talks_rows(
    batch: Sequence[Applied],
    read: Sequence[Applied],
    stored: Callable[[str], TalksView | None],
    registered: Registered,
) -> list[tuple[Any, ...]]:
    """The batch's talks, folded onto their ``stored`` documents and written
    out as rows: talks id, slug, title, location, opened at, version, JSON.

    Actor names are those registered by the batch's end: in the actors view
    (at least as far as the view furthest behind), or in the events ``read``
    since, as if the actors view, applied first in the same transaction, had
    applied them already."""
    in_batch = {i.record.data["key"]: i.record.data["name"]
                for i in read if is_actor(i.record)}  # fmt: skip

    @cache
    def names(code: str) -> str:
        return actor_name(code, registered, in_batch)

    talks: dict[str, TalksView] = {}
    for item in batch:
        if is_actor(item.record) or is_source(item.record):
            continue
        view = talks.get(item.talks_id) or stored(item.talks_id)
        talks[item.talks_id] = evolve(view, item.record, names)
    return [
        (i, v["slug"], v["title"], v["location"], v["opened"]["recorded_at"],
         v["version"], dump(v))
        for i, v in talks.items()
    ]  # fmt: skip


def actor_name(
    code: str, registered: Registered, registering: Mapping[str, str] | None = None
) -> str:
    """A state's name from ISO 3166; anyone else's from ``registering``
    (names being registered, by key) or the registry, else the code itself."""
    from events import country_name, is_country_code

    if is_country_code(code):
        return country_name(code)
    if registering and code in registering:
        return registering[code]
    return registered(code) or code


def is_actor(record: EventRecord) -> bool:
    return record.type == "ActorRegistered"


def load(document: str) -> Any:
    return orjson.loads(document)


def dump(document: Any) -> str:
    """JSON text (not bytes): any client of the store shows it as text."""
    return orjson.dumps(document).decode()
