"""Moving a record between stores: the event log out as JSON lines, and back in.

Each line of the log is one stored event, exactly as stored: its position,
the aggregate and version that identify it, its type, its record time, its
author and its payload. It is the lossless backup and migration format.

Importing checks every line before anything is written, and then writes all
new events in one transaction, with their original record times and
authors:

- a line must parse, name a known event type and validate as that event;
- an event the store already holds (same aggregate and version) must be
  identical to it, and is then skipped: importing twice adds nothing;
- a new event must follow its aggregate's last version, and the domain must
  accept it: the command that records it is issued again on the aggregate
  as it stands (with the same checks as the CLI's), and must produce the
  same event;
- an actor a new event names must be a state or be registered (in the
  store, or earlier in the file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.utils import resolve_topic
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events import Actor, ConcurrencyConflict, InvalidInput, Talks, TimelineError
from events.base import AggregateSnapshot, RecordedAggregate
from events.talks import talks_id
from projections.records import dashed, fixed_time

if TYPE_CHECKING:
    from timeline.application import Timeline

META = ("timestamp", "recorded_by")
"""Keys of a stored event's state that the log keeps outside the payload."""


class LoggedEvent(BaseModel):
    """One line of the event log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: int = Field(ge=1, description="Position in the exporting store.")
    id: str = Field(description="The event's identity: AGGREGATE_ID/VERSION.")
    aggregate_id: UUID
    version: int = Field(ge=1)
    type: str = Field(description="Stable name of the event type.")
    topic: str = Field(description="The stored topic, which resolves to the type.")
    recorded_at: str = Field(
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$",
        description="Record time, RFC 3339, UTC.",
    )
    recorded_by: str = Field(min_length=1)
    payload: dict[str, Any] = Field(description="Every other stored field.")

    def stored_event(self) -> StoredEvent:
        state = {**self.payload, "timestamp": self.recorded_at,
                 "recorded_by": self.recorded_by}  # fmt: skip
        return StoredEvent(
            originator_id=self.aggregate_id,
            originator_version=self.version,
            topic=self.topic,
            state=orjson.dumps(state),
        )


def event_log(
    app: Timeline, slug: str | None = None, as_of: str | None = None
) -> Iterator[str]:
    """Every stored event as a line of JSON, in the order stored: of the whole
    store, or of talks ``slug`` and every registered actor; with ``as_of``,
    only those recorded by then."""
    wanted = talks_id(slug).hex if slug else None
    position = 0
    while rows := app.views.stored_after(position, 10_000):
        for position, aggregate, version, topic, state in rows:
            event_class = resolve_topic(topic)
            if wanted and aggregate != wanted and event_class is not Actor.Registered:
                continue
            data = orjson.loads(state)
            recorded_at, recorded_by = data.pop("timestamp"), data.pop("recorded_by")
            if as_of and fixed_time(recorded_at) > as_of:
                continue
            aggregate = dashed(aggregate)
            yield orjson.dumps({
                "position": position, "id": f"{aggregate}/{version}",
                "aggregate_id": aggregate, "version": version,
                "type": event_class.type_name(), "topic": topic,
                "recorded_at": recorded_at, "recorded_by": recorded_by,
                "payload": data,
            }).decode()  # fmt: skip


@dataclass
class Imported:
    """What an import did."""

    read: int = 0
    added: int = 0
    present: int = 0


@dataclass
class _Stream:
    """The new events of one aggregate, checked one by one."""

    aggregate: RecordedAggregate | None
    in_store: int
    """The aggregate's version in the store before the import."""
    version: int
    """Its version after the lines accepted so far."""
    stored: list[StoredEvent] = field(default_factory=list)


def import_log(
    app: Timeline,
    lines: Iterable[tuple[int, str]],
    source: str,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Import numbered lines of an event log, all or nothing."""
    result = Imported()
    streams: dict[UUID, _Stream] = {}
    new: list[StoredEvent] = []
    actors = set(_registered(app))
    for number, text in lines:
        if progress:
            progress(1)
        if not text.strip():
            continue
        result.read += 1
        try:
            line = _parse(text)
            stream = streams.get(line.aggregate_id) or _open(app, line.aggregate_id)
            streams[line.aggregate_id] = stream
            if line.version <= stream.in_store:
                _require_same(app, line)
                result.present += 1
                continue
            _check(app, stream, line, actors)
        except (TimelineError, ValidationError) as error:
            raise InvalidInput(f"{source}: line {number}: {_message(error)}") from None
        new.append(stream.stored[-1])
    _write(app, new, streams.values())
    result.added = len(new)
    return result


def _parse(text: str) -> LoggedEvent:
    line = LoggedEvent.model_validate_json(text)
    if line.id != f"{line.aggregate_id}/{line.version}":
        raise InvalidInput(f"id {line.id!r} is not {line.aggregate_id}/{line.version}")
    try:
        event_class = resolve_topic(line.topic)
    except Exception:
        raise InvalidInput(f"unknown event topic {line.topic!r}") from None
    if not (
        isinstance(event_class, type)
        and issubclass(event_class, RecordedAggregate.Event)
        and event_class.type_name() == line.type
        and line.topic == event_class.TOPIC
    ):
        raise InvalidInput(f"topic {line.topic!r} is not that of type {line.type}")
    return line


def _open(app: Timeline, aggregate_id: UUID) -> _Stream:
    """The aggregate as stored now (None if new), with its version."""
    last = app.recorder.select_events(aggregate_id, desc=True, limit=1)
    if not last:
        return _Stream(aggregate=None, in_store=0, version=0)
    aggregate = cast(RecordedAggregate, app.repository.get(aggregate_id))
    version = last[0].originator_version
    return _Stream(aggregate=aggregate, in_store=version, version=version)


def _require_same(app: Timeline, line: LoggedEvent) -> None:
    """An event the store holds already must be the one the line describes."""
    stored = app.recorder.select_events(
        line.aggregate_id, gt=line.version - 1, lte=line.version
    )
    if not stored or orjson.loads(stored[0].state) != orjson.loads(
        line.stored_event().state
    ):
        raise InvalidInput(
            f"event {line.id} conflicts with the one this store holds; "
            "it cannot be imported here"
        )


def _check(app: Timeline, stream: _Stream, line: LoggedEvent, actors: set[str]) -> None:
    """Accept the line as the next event of its aggregate, or raise."""
    if line.version <= stream.version:
        raise InvalidInput(f"event {line.id} is in the file twice")
    if line.version != stream.version + 1:
        raise InvalidInput(
            f"event {line.id} does not follow version {stream.version} "
            "of its aggregate (lines must come in the order stored)"
        )
    stored = line.stored_event()
    event = app.mapper.to_domain_event(stored)
    for code in _actor_codes(event):
        app.require_actor(code, pending=actors)
    stream.aggregate = _reissue(stream.aggregate, event)
    reissued = stream.aggregate.collect_events()[-1]
    if _fields(reissued) != _fields(event):
        raise InvalidInput(
            f"event {line.id} is not what the domain records for it: "
            f"{_fields(event)} against {_fields(reissued)}"
        )
    recorded = cast(Any, event).timestamp  # the original record time, not now
    if line.version == 1:
        stream.aggregate._created_on = recorded
    stream.aggregate._modified_on = recorded
    if isinstance(stream.aggregate, Actor):
        actors.add(stream.aggregate.key)
    stream.version = line.version
    stream.stored.append(stored)


def _reissue(aggregate: RecordedAggregate | None, event: Any) -> RecordedAggregate:
    """Issue again the command that records ``event``, on the aggregate as it
    stands before it: the domain's own checks decide whether it is accepted."""
    by = event.recorded_by
    if isinstance(event, Actor.Registered):
        _require_new(aggregate, event)
        return Actor.register(event.key, event.name, event.kind, by)
    if isinstance(event, Talks.Opened):
        _require_new(aggregate, event)
        return Talks.open(
            slug=event.slug, title=event.title, location=event.location,
            parties=event.parties, on=event.on, summary=event.summary,
            sources=event.sources, recorded_by=by,
        )  # fmt: skip
    if not isinstance(aggregate, Talks):
        raise InvalidInput(f"{event.type_name()} before its talks were opened")
    talks = aggregate
    commands: dict[type, Callable[[], object]] = {
        Talks.AgendaItemAdded: lambda: talks.add_agenda_item(
            event.key, event.title, event.detail, by, on=event.on
        ),
        Talks.StanceRecorded: lambda: talks.record_stance(
            event.actor, event.position, event.interests, event.on, by
        ),
        Talks.MotivationRecorded: lambda: talks.record_motivation(
            event.actor, event.text, by, on=event.on
        ),
        Talks.ScenarioAdded: lambda: talks.add_scenario(
            event.key, event.outcome, event.impact, by, on=event.on
        ),
        Talks.ScenarioAssessed: lambda: talks.assess_scenario(
            event.key, event.likelihood, event.note, event.on, by
        ),
        Talks.RecommendationAdded: lambda: talks.add_recommendation(
            event.key, event.title, event.outcome, event.detail, event.audience, by,
            on=event.on,
        ),
        Talks.DevelopmentRecorded: lambda: talks.record_development(
            event.on, event.text, event.sources, by
        ),
        Talks.EntryAmended: lambda: talks.amend(
            event.ref, event.model_dump(mode="json")["changes"], event.reason, by
        ),
        Talks.EntryRetracted: lambda: talks.retract(event.ref, event.reason, by),
    }
    commands[type(event)]()
    return talks


def _require_new(aggregate: RecordedAggregate | None, event: Any) -> None:
    if aggregate is not None:
        raise InvalidInput(f"{event.type_name()} of an aggregate that exists")


def _fields(event: Any) -> dict[str, Any]:
    data: dict[str, Any] = event.model_dump(mode="json", exclude={"timestamp"})
    return data


def _actor_codes(event: Any) -> list[str]:
    """The actors an event names (as the CLI's commands check them)."""
    if isinstance(event, Talks.Opened):
        return list(event.parties)
    if isinstance(event, Talks.StanceRecorded | Talks.MotivationRecorded):
        return [event.actor]
    if isinstance(event, Talks.RecommendationAdded):
        return [event.audience] if event.audience else []
    if isinstance(event, Talks.EntryAmended):
        audience = event.model_dump(mode="json")["changes"].get("audience")
        return [audience] if audience else []
    return []


def _registered(app: Timeline) -> Iterator[str]:
    return (actor["key"] for actor in app.queries.actors())


def _write(app: Timeline, new: list[StoredEvent], streams: Iterable[_Stream]) -> None:
    """Store every new event in one transaction, then snapshot long talks."""
    if not new:
        return
    try:
        app.recorder.insert_events(new)
    except IntegrityError:
        raise ConcurrencyConflict(
            "the store changed while importing; nothing was written, try again"
        ) from None
    interval = app.snapshot_interval
    snapshots = [
        AggregateSnapshot.take(stream.aggregate)
        for stream in streams
        if isinstance(stream.aggregate, Talks) and stream.stored
        and (stream.version - len(stream.stored)) // interval
        < stream.version // interval
    ]  # fmt: skip
    if snapshots and app.snapshots is not None:
        app.snapshots.put(snapshots)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(error)
