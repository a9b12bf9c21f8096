"""The current view of one talks, and the pure fold that builds it from events.

A view is plain JSON-shaped data (typed with ``TypedDict``), so reading one
back from the store is a single ``orjson.loads``: answering a query needs
neither the event models nor pydantic.

:func:`evolve` is the only place that knows how each event changes the view.
It does no I/O and owns the view it is given: it updates it in place and
returns it (a new one for ``TalksOpened``). The SQLite view applies it
incrementally, batch by batch; :func:`rebuild` applies it to a whole history.
Both must always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import (
    Any,
    Literal,
    NotRequired,  # pydantic reads them on 3.11
    TypeVar,
    cast,
)

from typing_extensions import TypedDict

from events.grades import Citation
from events.kinds import BY_EVENT, KINDS
from projections.records import EventRecord
from projections.rows import EntryRow

Data = dict[str, Any]
ActorNames = Callable[[str], str]
"""Display name of an actor code: ``CHN`` -> ``China``."""


class Correction(TypedDict):
    """An amendment or retraction of an entry, with its reason."""

    action: Literal["amended", "retracted"]
    reason: str
    changes: dict[str, Any]
    previous: dict[str, Any]
    """The values the amendment replaced: what the view held before it."""
    store_position: int
    recorded_at: str
    recorded_by: str


class Entry(TypedDict):
    """What every recorded entry carries: where and when it was recorded, by whom."""

    store_position: int
    recorded_at: str
    recorded_by: str
    retracted: bool
    corrections: list[Correction]


class Party(TypedDict):
    code: str
    name: str


class AgendaItem(Entry):
    key: str
    title: str
    detail: str | None
    on: str | None
    tags: list[str]
    cites: list[Citation]


class Stance(Entry):
    actor: str
    actor_name: str
    position: str
    interests: list[str]
    on: str | None
    tags: list[str]
    cites: list[Citation]


class Motivation(Entry):
    actor: str
    actor_name: str
    text: str
    on: str | None
    tags: list[str]
    cites: list[Citation]


class Assessment(Entry):
    """How likely a scenario is, in ICD 203 terms: ``likely`` (55-80%), and
    the analyst's confidence in that judgement (low, moderate, high)."""

    likelihood: str
    confidence: str | None
    note: str | None
    on: str | None
    tags: list[str]
    cites: list[Citation]


class Scenario(Entry):
    key: str
    outcome: str
    impact: str
    on: str | None
    tags: list[str]
    cites: list[Citation]
    assessments: list[Assessment]
    """Every assessment in the order recorded; the latest that stands holds."""


class Recommendation(Entry):
    key: str
    title: str
    outcome: str | None
    detail: str | None
    audience: str | None
    audience_name: str | None
    on: str | None
    tags: list[str]
    cites: list[Citation]


class Development(Entry):
    number: int
    on: str
    text: str
    sources: list[str]
    actors: list[Party]
    """The actors it concerns, each with its name."""
    tags: list[str]
    cites: list[Citation]


class Link(Entry):
    """These talks stand in ``relation`` to talks ``target``."""

    target: str
    relation: str
    note: str | None
    on: str | None
    tags: list[str]
    cites: list[Citation]


class LinkedTalks(TypedDict):
    """A link between these talks and others, recorded on either, read from
    this end: ``relation`` is what these talks are to the others
    (``supersedes``, or ``superseded by`` for a link recorded on them)."""

    talks: str
    """Slug of the other talks."""
    title: str
    relation: str
    recorded_on: str
    """Slug of the talks the link is an entry of (``link:TARGET`` there)."""
    note: str | None
    on: str | None
    entry_id: int


class TalksView(TypedDict):
    """Everything known now about one talks; retracted entries stay, flagged."""

    slug: str
    title: str
    location: str
    parties: list[Party]
    on: str | None
    summary: str | None
    sources: list[str]
    tags: list[str]
    cites: list[Citation]
    opened: Entry
    agenda: list[AgendaItem]
    stances: list[Stance]
    motivations: list[Motivation]
    scenarios: list[Scenario]
    recommendations: list[Recommendation]
    developments: list[Development]
    links: list[Link]
    """The links recorded on these talks, to others."""
    linked: NotRequired[list[LinkedTalks]]
    """Every link standing between these talks and others, recorded on
    either, as the view is read (added then: other talks' events make some),
    in the order recorded."""
    version: int
    """Version of the talks' event stream this view reflects."""
    last_position: int
    """Store position of the last event applied."""


E = TypeVar("E", Stance, Motivation)
S = TypeVar("S", AgendaItem, Scenario, Assessment, Recommendation, Development, Link)


def standing(entries: list[S]) -> list[S]:
    """The entries that are not retracted, in recorded order."""
    return [entry for entry in entries if not entry["retracted"]]


def latest(assessments: list[Assessment]) -> Assessment | None:
    """The assessment that holds: the latest recorded that stands."""
    standing = [a for a in assessments if not a["retracted"]]
    return standing[-1] if standing else None


def current(entries: list[E]) -> list[E]:
    """Each actor's latest entry that stands (a newer one supersedes).

    Actors keep the order in which they first appear.
    """
    latest: dict[str, E] = {}
    for entry in entries:
        if not entry["retracted"]:
            latest[entry["actor"]] = entry
    order = dict.fromkeys(entry["actor"] for entry in entries)
    return [latest[actor] for actor in order if actor in latest]


def evolve(view: TalksView | None, record: EventRecord, names: ActorNames) -> TalksView:
    """Return the view after the event ``record`` is applied."""
    d = record.data
    entry = Entry(
        store_position=record.position,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        retracted=False,
        corrections=[],
    )
    if record.type == "TalksOpened":
        return TalksView(
            slug=d["slug"],
            title=d["title"],
            location=d["location"],
            parties=[Party(code=code, name=names(code)) for code in d["parties"]],
            on=d["on"],
            summary=d["summary"],
            sources=list(d["sources"]),
            tags=list(d["tags"]),
            cites=list(d["cites"]),
            opened=entry,
            agenda=[],
            stances=[],
            motivations=[],
            scenarios=[],
            recommendations=[],
            developments=[],
            links=[],
            version=record.version,
            last_position=record.position,
        )
    assert view is not None, f"{record.type} before the talks were opened"
    _APPLY[record.type](view, d, entry, names)
    view["version"] = record.version
    view["last_position"] = record.position
    return view


def at_date(view: TalksView, day: str) -> TalksView:
    """The view of the world on ``day`` (ISO), as known now.

    Entries dated after that day are left out; undated ones stay, as nothing
    places them later. Of an actor's stances or motivations, and of a
    scenario's assessments, the one in force is then the latest dated
    (undated ones count as older; among equals, the latest recorded).
    """

    def by_day(entries: list[Any]) -> list[Any]:
        kept = [e for e in entries if e["on"] is None or first_day(e["on"]) <= day]
        return sorted(kept, key=lambda e: (first_day(e["on"]) if e["on"] else "",
                                           e["store_position"]))  # fmt: skip

    def in_time(entries: list[Any]) -> list[Any]:
        return [e for e in entries if e["on"] is None or first_day(e["on"]) <= day]

    result = cast(dict[str, Any], dict(view))
    for kind in KINDS.values():
        if kind.collection:  # of repeated kinds, the one in force is the latest
            keep = by_day if kind.repeated else in_time
            result[kind.collection] = keep(result[kind.collection])
    result["scenarios"] = [  # assessments: of each scenario, in force that day
        cast(Scenario, {**s, "assessments": by_day(s["assessments"])})
        for s in result["scenarios"]
    ]
    if "linked" in result:
        result["linked"] = in_time(result["linked"])
    return cast(TalksView, result)


def linked_talks(
    slug: str, links: Iterable[EntryRow], title: Callable[[str], str]
) -> list[LinkedTalks]:
    """The links among ``links`` (link entries touching talks ``slug``), each
    read from talks ``slug``; ``title`` of the other talks' slug."""
    from events.links import INVERSE

    linked = []
    for row in links:
        fields, source = row["fields"], row["slug"]
        outgoing = source == slug
        other = fields["target"] if outgoing else source
        relation = fields["relation"]
        linked.append(LinkedTalks(
            talks=other, title=title(other),
            relation=relation if outgoing else INVERSE[relation],
            recorded_on=source, note=fields.get("note"), on=row["valid_text"],
            entry_id=row["entry_id"],
        ))  # fmt: skip
    return linked


def with_linked(document: str, links: list[LinkedTalks]) -> str:
    """A talks document as stored (JSON text, an object) with its links
    (``linked``) added, without parsing it."""
    import orjson

    return document[:-1] + ',"linked":' + orjson.dumps(links).decode() + "}"


def first_day(on: str) -> str:
    from events.values import PartialDate

    return PartialDate.parse(on).lower.isoformat()


def unfold(view: TalksView, later: Iterable[EventRecord]) -> TalksView | None:
    """The view as it was before ``later``, its latest events, latest first.

    The inverse of :func:`evolve`, one event at a time: an entry leaves its
    list, a correction leaves its entry and gives back what it replaced. A
    view as of a past record time costs the events since then, not all of
    them. Returns None if the talks were opened among ``later``. Updates
    ``view`` in place, except ``last_position``, which the caller knows.
    """
    for record in later:
        if record.type == "TalksOpened":
            return None
        _REVERT[record.type](view, record)
        view["version"] = record.version - 1
    return view


def _remove_entry(view: TalksView, record: EventRecord) -> None:
    entries = _entries_of(view, record)
    entries.pop(_index_of(entries, record.position))


def _remove_correction(view: TalksView, record: EventRecord) -> None:
    kind = record.data["ref"].partition(":")[0]
    candidates: list[Any]
    if kind == "talks":
        candidates = [view["opened"]]
    elif kind == "assessment":
        candidates = [a for s in view["scenarios"] for a in s["assessments"]]
    else:
        candidates = cast(Any, view)[KINDS[kind].collection]
    corrected = next(
        entry for entry in reversed(candidates)
        if entry["corrections"]
        and entry["corrections"][-1]["store_position"] == record.position
    )  # fmt: skip
    correction = corrected["corrections"].pop()
    if correction["action"] == "retracted":
        corrected["retracted"] = False
    else:
        target = view if kind == "talks" else corrected
        cast(dict[str, Any], target).update(correction["previous"])


def _entries_of(view: TalksView, record: EventRecord) -> list[Any]:
    if record.type == "ScenarioAssessed":
        key = record.data["key"]
        scenario = next(s for s in view["scenarios"] if s["key"] == key)
        return cast(list[Any], scenario["assessments"])
    return cast(list[Any], cast(Any, view)[BY_EVENT[record.type].collection])


def _index_of(entries: list[Any], position: int) -> int:
    """Where the entry recorded at ``position`` is: the end, when unfolding."""
    return next(i for i in range(len(entries) - 1, -1, -1)
                if entries[i]["store_position"] == position)  # fmt: skip


def rebuild(records: Iterable[EventRecord], names: ActorNames) -> TalksView | None:
    """Fold a whole history of one talks, from nothing."""
    view: TalksView | None = None
    for record in records:
        view = evolve(view, record, names)
    return view


# -- one function per event type ----------------------------------------------


def _agenda_item_added(view: TalksView, d: Data, entry: Entry, _: ActorNames) -> None:
    view["agenda"].append(
        AgendaItem(
            **entry, key=d["key"], title=d["title"], detail=d["detail"], on=d["on"],
            tags=list(d["tags"]), cites=list(d["cites"]),
        )
    )  # fmt: skip


def _stance_recorded(view: TalksView, d: Data, entry: Entry, names: ActorNames) -> None:
    view["stances"].append(
        Stance(
            **entry,
            actor=d["actor"],
            actor_name=names(d["actor"]),
            position=d["position"],
            interests=list(d["interests"]),
            on=d["on"],
            tags=list(d["tags"]),
            cites=list(d["cites"]),
        )
    )


def _motivation_recorded(
    view: TalksView, d: Data, entry: Entry, names: ActorNames
) -> None:
    view["motivations"].append(
        Motivation(
            **entry,
            actor=d["actor"],
            actor_name=names(d["actor"]),
            text=d["text"],
            on=d["on"],
            tags=list(d["tags"]),
            cites=list(d["cites"]),
        )
    )


def _scenario_added(view: TalksView, d: Data, entry: Entry, _: ActorNames) -> None:
    view["scenarios"].append(
        Scenario(
            **entry,
            key=d["key"],
            outcome=d["outcome"],
            impact=d["impact"],
            on=d["on"],
            tags=list(d["tags"]),
            cites=list(d["cites"]),
            assessments=[],
        )
    )


def _scenario_assessed(view: TalksView, d: Data, entry: Entry, _: ActorNames) -> None:
    scenario = next(s for s in view["scenarios"] if s["key"] == d["key"])
    scenario["assessments"].append(
        Assessment(
            **entry,
            likelihood=d["likelihood"],
            confidence=d["confidence"],
            note=d["note"],
            on=d["on"],
            tags=list(d["tags"]),
            cites=list(d["cites"]),
        )
    )


def _recommendation_added(
    view: TalksView, d: Data, entry: Entry, names: ActorNames
) -> None:
    view["recommendations"].append(
        Recommendation(
            **entry,
            key=d["key"],
            title=d["title"],
            outcome=d["outcome"],
            detail=d["detail"],
            audience=d["audience"],
            audience_name=names(d["audience"]) if d["audience"] else None,
            on=d["on"],
            tags=list(d["tags"]),
            cites=list(d["cites"]),
        )
    )


def _development_recorded(
    view: TalksView, d: Data, entry: Entry, names: ActorNames
) -> None:
    view["developments"].append(
        Development(
            **entry,
            number=d["number"],
            on=d["on"],
            text=d["text"],
            sources=list(d["sources"]),
            actors=[Party(code=code, name=names(code)) for code in d["actors"]],
            tags=list(d["tags"]),
            cites=list(d["cites"]),
        )
    )


def _talks_linked(view: TalksView, d: Data, entry: Entry, _: ActorNames) -> None:
    view["links"].append(
        Link(
            **entry, target=d["target"], relation=d["relation"], note=d["note"],
            on=d["on"], tags=list(d["tags"]), cites=list(d["cites"]),
        )
    )  # fmt: skip


def _entry_amended(view: TalksView, d: Data, entry: Entry, names: ActorNames) -> None:
    target = _target(view, d["ref"])
    changes = _copied(d["changes"])
    if "audience" in changes:
        audience = changes["audience"]
        changes["audience_name"] = names(audience) if audience else None
    if "actors" in changes:  # a development's: shown with their names
        changes["actors"] = [Party(code=c, name=names(c)) for c in changes["actors"]]
    previous = _copied({name: target.get(name) for name in changes})
    target.update(changes)
    corrected = view["opened"] if target is view else target  # talks: on "opened"
    correction = _correction("amended", d, entry, _copied(d["changes"]))
    correction["previous"] = previous
    corrected["corrections"].append(correction)


def _entry_retracted(view: TalksView, d: Data, entry: Entry, _: ActorNames) -> None:
    target = _target(view, d["ref"])
    target["retracted"] = True
    target["corrections"].append(_correction("retracted", d, entry, {}))


def _correction(
    action: Literal["amended", "retracted"],
    d: Data,
    entry: Entry,
    changes: dict[str, Any],
) -> Correction:
    return Correction(
        action=action,
        reason=d["reason"],
        changes=changes,
        previous={},
        store_position=entry["store_position"],
        recorded_at=entry["recorded_at"],
        recorded_by=entry["recorded_by"],
    )


def _copied(changes: dict[str, Any]) -> dict[str, Any]:
    """The view never shares a list with an event (or with itself)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in changes.items()}


def _target(view: TalksView, ref: str) -> dict[str, Any]:
    """The entry a ``kind:key`` reference names; actors name their latest entry."""
    kind, _, key = ref.partition(":")
    if kind == "talks":
        return cast(dict[str, Any], view)
    if kind == "assessment":
        scenario = next(s for s in view["scenarios"] if s["key"] == key)
        return cast(dict[str, Any], latest(scenario["assessments"]))
    entries: list[dict[str, Any]] = cast(Any, view)[KINDS[kind].collection]
    field = KINDS[kind].ref  # "actor", "key", "number" or "target"
    return next(  # the latest that stands: an actor's, or a link made again
        entry
        for entry in reversed(entries)
        if str(entry[field]) == key and not entry["retracted"]
    )


_REVERT: dict[str, Callable[[TalksView, EventRecord], None]] = {
    **dict.fromkeys(BY_EVENT, _remove_entry),
    "EntryAmended": _remove_correction,
    "EntryRetracted": _remove_correction,
}

_APPLY: dict[str, Callable[[TalksView, Data, Entry, ActorNames], None]] = {
    "AgendaItemAdded": _agenda_item_added,
    "StanceRecorded": _stance_recorded,
    "MotivationRecorded": _motivation_recorded,
    "ScenarioAdded": _scenario_added,
    "ScenarioAssessed": _scenario_assessed,
    "RecommendationAdded": _recommendation_added,
    "DevelopmentRecorded": _development_recorded,
    "TalksLinked": _talks_linked,
    "EntryAmended": _entry_amended,
    "EntryRetracted": _entry_retracted,
}
