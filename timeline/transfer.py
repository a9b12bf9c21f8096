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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events import Actor, InvalidInput, Talks, TimelineError
from events.base import RecordedAggregate
from events.kinds import BY_EVENT
from events.talks import talks_id
from projections.records import dashed, fixed_time

if TYPE_CHECKING:
    from eventsourcing.application import Repository
    from eventsourcing.persistence import ApplicationRecorder, Mapper

    from projections.views import StoredEvents

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
    stored: StoredEvents, slug: str | None = None, as_of: str | None = None
) -> Iterator[str]:
    """Every stored event as a line of JSON, in the order stored: of the whole
    store, or of talks ``slug`` and every registered actor; with ``as_of``,
    only those recorded by then."""
    wanted = talks_id(slug).hex if slug else None
    position = 0
    while rows := stored.after(position, 10_000):
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
    """As it stands after the lines accepted so far."""
    in_store: int
    """The aggregate's version in the store before the import."""
    version: int
    """Its version after the lines accepted so far."""


class Store(Protocol):
    """What checking a log reads of the store: the application's own parts
    (:class:`timeline.application.DiplomaticRecord` is one)."""

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def repository(self) -> Repository[UUID]: ...

    @property
    def mapper(self) -> Mapper[UUID]: ...

    def require_actor(self, code: str, pending: Iterable[str] = ()) -> None: ...


class LogImport:
    """The lines of an event log checked against a store, writing nothing:
    the application stores :attr:`new` when every line has passed."""

    def __init__(self, record: Store, source: str) -> None:
        self.record = record
        self.source = source
        self.imported = Imported()
        self.new: list[StoredEvent] = []
        """The events to store, exactly as the lines give them."""
        self.streams: dict[UUID, _Stream] = {}
        self.actors: set[str] = set()
        """Actors registered in the store, or earlier in the file."""

    def check(self, number: int, text: str) -> None:
        """Accept line ``number``, or raise InvalidInput naming it."""
        if not text.strip():
            return
        self.imported.read += 1
        try:
            line = _parse(text)
            stream = self.streams.get(line.aggregate_id) or self._open(line)
            self.streams[line.aggregate_id] = stream
            if line.version <= stream.in_store:
                self._require_same(line)
                self.imported.present += 1
                return
            stored = line.stored_event()
            self._accept(stream, line, stored)
        except (TimelineError, ValidationError) as error:
            raise InvalidInput(
                f"{self.source}: line {number}: {_message(error)}"
            ) from None
        self.new.append(stored)
        self.imported.added += 1

    def changed(self) -> list[tuple[RecordedAggregate, int]]:
        """Each aggregate the new events change, as it will stand, with its
        version in the store before them."""
        return [
            (stream.aggregate, stream.in_store)
            for stream in self.streams.values()
            if stream.aggregate is not None and stream.version > stream.in_store
        ]

    def _open(self, line: LoggedEvent) -> _Stream:
        """The line's aggregate as stored now (None if new), with its version."""
        recorder = self.record.recorder
        last = recorder.select_events(line.aggregate_id, desc=True, limit=1)
        if not last:
            return _Stream(aggregate=None, in_store=0, version=0)
        aggregate: RecordedAggregate = self.record.repository.get(line.aggregate_id)
        version = last[0].originator_version
        return _Stream(aggregate=aggregate, in_store=version, version=version)

    def _require_same(self, line: LoggedEvent) -> None:
        """An event the store holds already must be the one the line describes."""
        stored = self.record.recorder.select_events(
            line.aggregate_id, gt=line.version - 1, lte=line.version
        )
        if not stored or orjson.loads(stored[0].state) != orjson.loads(
            line.stored_event().state
        ):
            raise InvalidInput(
                f"event {line.id} conflicts with the one this store holds; "
                "it cannot be imported here"
            )

    def _accept(self, stream: _Stream, line: LoggedEvent, stored: StoredEvent) -> None:
        """Accept the line as the next event of its aggregate, or raise: the
        domain must record the same event again, on the aggregate as it stands."""
        if line.version <= stream.version:
            raise InvalidInput(f"event {line.id} is in the file twice")
        if line.version != stream.version + 1:
            raise InvalidInput(
                f"event {line.id} does not follow version {stream.version} "
                "of its aggregate (lines must come in the order stored)"
            )
        event: Any = self.record.mapper.to_domain_event(stored)
        kind = BY_EVENT.get(event.type_name())
        if kind is not None:
            for code in kind.named_actors(vars(event)):  # the fields, as given
                self._require_actor(code)
        elif isinstance(event, Talks.EntryAmended) and (
            audience := event.model_dump(mode="json")["changes"].get("audience")
        ):
            self._require_actor(audience)
        stream.aggregate = _reissued(stream.aggregate, event)
        if isinstance(stream.aggregate, Actor):
            self.actors.add(stream.aggregate.key)
        stream.version = line.version

    def _require_actor(self, code: str) -> None:
        if code not in self.actors:
            self.record.require_actor(code)
            self.actors.add(code)


def _reissued(aggregate: RecordedAggregate | None, event: Any) -> RecordedAggregate:
    """The aggregate after ``event``, which the domain must record again as
    it is: a new aggregate is created anew, a talks has the command redone.
    The aggregate keeps the event's original record time."""
    if isinstance(event, Actor.Registered | Talks.Opened):
        if aggregate is not None:
            raise InvalidInput(f"{event.type_name()} of an aggregate that exists")
        again = (
            Actor.register(event.key, event.name, event.kind, event.recorded_by)
            if isinstance(event, Actor.Registered)
            else Talks.open(
                slug=event.slug, title=event.title, location=event.location,
                parties=event.parties, on=event.on, summary=event.summary,
                sources=event.sources, recorded_by=event.recorded_by,
            )
        )  # fmt: skip
        _require_equal(again.collect_events()[-1], event)
        return cast(RecordedAggregate, event.mutate(None))  # as the store rebuilds it
    if not isinstance(aggregate, Talks):
        raise InvalidInput(f"{event.type_name()} before its talks were opened")
    aggregate.redo(event)
    _require_equal(aggregate.collect_events()[-1], event)
    aggregate.modified_on = event.timestamp  # the original record time, not now
    return aggregate


def _require_equal(reissued: Any, event: Any) -> None:
    if _fields(reissued) != _fields(event):
        raise InvalidInput(
            f"event {event.originator_id}/{event.originator_version} is not what "
            f"the domain records for it: {_fields(event)} against {_fields(reissued)}"
        )


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


def _fields(event: Any) -> dict[str, Any]:
    data: dict[str, Any] = event.model_dump(mode="json", exclude={"timestamp"})
    return data


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(error)
