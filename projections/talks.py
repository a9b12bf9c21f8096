"""The current view of one talks, and the pure fold that builds it from events.

:func:`evolve` is the only place that knows how each event changes the view.
The SQLite view applies it incrementally, batch by batch; :func:`rebuild`
applies it to a whole history. Both must always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from events import Talks
from events.base import DomainEvent

ActorNames = Callable[[str], str]
"""Display name of an actor code: ``CHN`` -> ``China``."""


class ViewModel(BaseModel):
    model_config = ConfigDict(defer_build=True)


class Correction(ViewModel):
    """An amendment or retraction of an entry, with its reason."""

    action: Literal["amended", "retracted"]
    reason: str
    changes: dict[str, Any] = Field(default_factory=dict)
    store_position: int
    recorded_at: datetime
    recorded_by: str


class Entry(ViewModel):
    """What every recorded entry carries: where and when it was recorded, by whom."""

    store_position: int
    recorded_at: datetime
    recorded_by: str
    retracted: bool = False
    corrections: list[Correction] = Field(default_factory=list)


class Party(ViewModel):
    code: str
    name: str


class AgendaItem(Entry):
    key: str
    title: str
    detail: str | None


class Stance(Entry):
    actor: str
    actor_name: str
    position: str
    interests: list[str]
    on: str | None


class Motivation(Entry):
    actor: str
    actor_name: str
    text: str


class Scenario(Entry):
    key: str
    outcome: str
    impact: str


class Recommendation(Entry):
    key: str
    title: str
    outcome: str | None
    detail: str | None
    audience: str | None
    audience_name: str | None


class Development(Entry):
    number: int
    on: str
    text: str
    sources: list[str]


E = TypeVar("E", Stance, Motivation)


class TalksView(ViewModel):
    """Everything known now about one talks; retracted entries stay, flagged."""

    slug: str
    title: str
    location: str
    parties: list[Party]
    on: str | None
    summary: str | None
    sources: list[str]
    opened: Entry
    agenda: list[AgendaItem] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)
    motivations: list[Motivation] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)
    developments: list[Development] = Field(default_factory=list)
    version: int
    """Version of the talks' event stream this view reflects."""
    last_position: int
    """Store position of the last event applied."""

    def current_stances(self) -> list[Stance]:
        """Each actor's latest stance that stands (a newer one supersedes)."""
        return _latest_per_actor(self.stances)

    def current_motivations(self) -> list[Motivation]:
        return _latest_per_actor(self.motivations)

    def standing(self, kind: str) -> list[Any]:
        """Entries of ``kind`` (agenda, scenarios, ...) that are not retracted."""
        return [entry for entry in getattr(self, kind) if not entry.retracted]


def _latest_per_actor(entries: list[E]) -> list[E]:
    latest: dict[str, E] = {}
    for entry in entries:
        if not entry.retracted:
            latest.pop(entry.actor, None)  # keep first-recorded order of actors
            latest[entry.actor] = entry
    order = list(dict.fromkeys(entry.actor for entry in entries))
    return [latest[actor] for actor in order if actor in latest]


def evolve(
    view: TalksView | None, event: DomainEvent, position: int, names: ActorNames
) -> TalksView:
    """Return the view after ``event`` (stored at ``position``) is applied."""
    common = {
        "store_position": position,
        "recorded_at": event.timestamp,
        "recorded_by": getattr(event, "recorded_by", ""),
    }
    if isinstance(event, Talks.Opened):
        return TalksView(
            slug=event.slug,
            title=event.title,
            location=event.location,
            parties=[Party(code=code, name=names(code)) for code in event.parties],
            on=event.on.text if event.on else None,
            summary=event.summary,
            sources=event.sources,
            opened=Entry(**common),
            version=event.originator_version,
            last_position=position,
        )
    assert view is not None, f"{type(event).__name__} before the talks were opened"
    _APPLY[type(event).__name__](view, event, common, names)
    view.version = event.originator_version
    view.last_position = position
    return view


def rebuild(
    events: Iterable[tuple[int, DomainEvent]], names: ActorNames
) -> TalksView | None:
    """Fold a whole history of one talks, from nothing."""
    view: TalksView | None = None
    for position, event in events:
        view = evolve(view, event, position, names)
    return view


# -- one function per event type ----------------------------------------------

Common = dict[str, Any]


def _agenda_item_added(view: TalksView, e: Any, common: Common, _: ActorNames) -> None:
    view.agenda.append(AgendaItem(key=e.key, title=e.title, detail=e.detail, **common))


def _stance_recorded(
    view: TalksView, e: Any, common: Common, names: ActorNames
) -> None:
    view.stances.append(
        Stance(
            actor=e.actor,
            actor_name=names(e.actor),
            position=e.position,
            interests=e.interests,
            on=e.on.text if e.on else None,
            **common,
        )
    )


def _motivation_recorded(
    view: TalksView, e: Any, common: Common, names: ActorNames
) -> None:
    view.motivations.append(
        Motivation(actor=e.actor, actor_name=names(e.actor), text=e.text, **common)
    )


def _scenario_added(view: TalksView, e: Any, common: Common, _: ActorNames) -> None:
    view.scenarios.append(
        Scenario(key=e.key, outcome=e.outcome, impact=e.impact, **common)
    )


def _recommendation_added(
    view: TalksView, e: Any, common: Common, names: ActorNames
) -> None:
    view.recommendations.append(
        Recommendation(
            key=e.key,
            title=e.title,
            outcome=e.outcome,
            detail=e.detail,
            audience=e.audience,
            audience_name=names(e.audience) if e.audience else None,
            **common,
        )
    )


def _development_recorded(
    view: TalksView, e: Any, common: Common, _: ActorNames
) -> None:
    view.developments.append(
        Development(
            number=e.number, on=e.on.text, text=e.text, sources=e.sources, **common
        )
    )


def _entry_amended(view: TalksView, e: Any, common: Common, names: ActorNames) -> None:
    target = _target(view, e.ref)
    for name, value in e.changes.items():
        setattr(target, name, value)
        if name == "audience":
            target.audience_name = names(value) if value else None
    entry = view.opened if target is view else target  # talks: kept on "opened"
    entry.corrections.append(
        Correction(action="amended", reason=e.reason, changes=e.changes, **common)
    )


def _entry_retracted(view: TalksView, e: Any, common: Common, _: ActorNames) -> None:
    target = _target(view, e.ref)
    assert isinstance(target, Entry)
    target.retracted = True
    target.corrections.append(Correction(action="retracted", reason=e.reason, **common))


def _target(view: TalksView, ref: str) -> Any:
    """The entry a ``kind:key`` reference names; actors name their latest entry."""
    kind, _, key = ref.partition(":")
    if kind == "talks":
        return view
    if kind in ("stance", "motive"):
        entries: list[Any] = getattr(view, _COLLECTIONS[kind])
        return next(
            entry
            for entry in reversed(entries)
            if entry.actor == key and not entry.retracted
        )
    collection: list[Any] = getattr(view, _COLLECTIONS[kind])
    field = "number" if kind == "development" else "key"
    return next(entry for entry in collection if str(getattr(entry, field)) == key)


_COLLECTIONS = {
    "agenda": "agenda",
    "stance": "stances",
    "motive": "motivations",
    "scenario": "scenarios",
    "recommendation": "recommendations",
    "development": "developments",
}

_APPLY: dict[str, Callable[[TalksView, Any, Common, ActorNames], None]] = {
    "AgendaItemAdded": _agenda_item_added,
    "StanceRecorded": _stance_recorded,
    "MotivationRecorded": _motivation_recorded,
    "ScenarioAdded": _scenario_added,
    "RecommendationAdded": _recommendation_added,
    "DevelopmentRecorded": _development_recorded,
    "EntryAmended": _entry_amended,
    "EntryRetracted": _entry_retracted,
}
