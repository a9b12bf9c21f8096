"""Moving a record between stores as an event log: out as JSON lines, and
back in (copying a store directly is :mod:`timeline.copying`).

Each line of the log is one stored event, exactly as stored: its position,
the aggregate and version that identify it, its type, its record time, its
author and its payload. It is the lossless backup and migration format.

Importing reads the file twice, a line at a time, so that memory does not
grow with the file (only with the number of aggregates it touches):

1. Checking: every line is checked before anything is written, with the
   same rules as ever:

   - a line must parse, name a known event type and validate as that event;
   - an event the store already holds (same aggregate and version) must be
     identical to it, and is then skipped: importing twice adds nothing;
   - a new event must follow its aggregate's last version, and the domain
     must accept it: the command that records it is issued again on the
     aggregate as it stands (with the same checks as the CLI's), and must
     produce the same event;
   - an actor a new event names must be a state or be registered (in the
     store, or earlier in the file).

   A bad line is an error naming it, and nothing is written.
2. Writing: the file is read again and its new events are stored in the
   order of the file, a batch per transaction, with their original record
   times and authors. Each batch is written only if the lines up to its
   last are, byte for byte, those the first pass checked (their digest is
   kept at every batch's end): a file changed in between is an error.

So an import either fails before writing anything, or writes the log's new
events in order: if the second pass is interrupted (or another writer takes
a version first), the store holds the events of a first part of the log,
each batch whole, and importing the same file again checks what is stored,
skips it, and writes the rest.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events import Actor, InvalidInput, Talks, TimelineError
from events.base import AggregateSnapshot, RecordedAggregate
from events.errors import excerpt
from events.kinds import BY_EVENT
from events.sources import Source
from events.talks import talks_id
from projections.records import dashed, fixed_time
from timeline.chain import GENESIS, canonical, link, opened, sealed
from timeline.exporters.inert import escape_json_controls

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder

    from projections.rows import StoredRow
    from projections.views import StoredEvents
    from timeline.serialization import PydanticMapper

MAX_LINE = 8_000_000
"""Characters at most of one line: more than any event the input policy
lets through (:mod:`events.policy`), checked before the line is parsed."""
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
        """The event as stored: as hashed, its hash first (see
        :mod:`timeline.chain`); as before, if the line has no hash."""
        state = {**self.payload, "timestamp": self.recorded_at,
                 "recorded_by": self.recorded_by}  # fmt: skip
        hashed = state.pop("chain", None)
        data = (
            sealed(canonical(state), hashed)
            if isinstance(hashed, str) and len(hashed) == 64
            else orjson.dumps({**state, "chain": hashed} if hashed else state)
        )
        return StoredEvent(
            originator_id=self.aggregate_id,
            originator_version=self.version,
            topic=self.topic,
            state=data,
        )


def event_log(
    stored: StoredEvents, slug: str | None = None, as_of: str | None = None
) -> Iterator[str]:
    """Every stored event as a line of JSON, in the order stored: of the whole
    store, or of talks ``slug`` and every registered actor; with ``as_of``,
    only those recorded by then."""
    position = 0
    while rows := stored.after(position, 10_000):
        position = rows[-1][0]
        for line in log_lines(rows, slug, as_of, stored.unseal):
            yield line.text


class LogLine(NamedTuple):
    position: int
    type: str
    text: str
    """The event as one line of JSON, as the ``jsonl`` export writes it."""


def log_lines(
    rows: Iterable[StoredRow], slug: str | None = None, as_of: str | None = None,
    unseal: Callable[[bytes], bytes] | None = None,
) -> Iterator[LogLine]:  # fmt: skip
    """Stored rows as lines of the event log: of every aggregate, or of
    talks ``slug`` and every registered actor and source; with ``as_of``,
    only those recorded by then."""
    wanted = talks_id(slug).hex if slug else None
    for position, aggregate, version, topic, state in rows:
        event_class = resolve_topic(topic)
        if wanted and aggregate != wanted and event_class not in _SHARED:
            continue
        data = orjson.loads(unseal(state) if unseal else state)  # as it was hashed
        recorded_at, recorded_by = data.pop("timestamp"), data.pop("recorded_by")
        if as_of and fixed_time(recorded_at) > as_of:
            continue
        dashed_id = dashed(aggregate)
        type_name = event_class.type_name()
        yield LogLine(position, type_name, escape_json_controls(orjson.dumps({
            "position": position, "id": f"{dashed_id}/{version}",
            "aggregate_id": dashed_id, "version": version,
            "type": type_name, "topic": topic,
            "recorded_at": recorded_at, "recorded_by": recorded_by,
            "payload": data,
        }).decode()))  # fmt: skip


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
    """As it stands after the lines accepted so far (None: new, or packed)."""
    in_store: int
    """The aggregate's version in the store before the import."""
    version: int
    """Its version after the lines accepted so far."""
    packed: bytes | None = None
    """The aggregate as a compressed snapshot, while it is not in use."""
    chain: str = GENESIS
    """The hash of its last event (see :mod:`timeline.chain`)."""
    chained: bool = False
    """Whether an event of it so far carried its hash."""


LIVE = 64
"""Aggregates kept whole while a log is checked; the others are packed as
compressed snapshots (a talks of 1,000 events: 2.5 KB, not 45 KB), so the
memory of an import grows little with the number of talks in the log."""


class Store(Protocol):
    """What checking a log reads of the store: the application's own parts
    (:class:`timeline.application.DiplomaticRecord` is one)."""

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def mapper(self) -> PydanticMapper: ...

    def aggregate(self, aggregate_id: UUID) -> Any: ...

    def require_actor(self, code: str, pending: Iterable[str] = ()) -> None: ...

    def require_source(self, key: str) -> None: ...

    def exists(self, aggregate_id: UUID) -> bool: ...

    def chain_before(self, aggregate_id: UUID, version: int) -> str: ...


class LogImport:
    """An event log imported in two passes over its numbered lines:
    :meth:`check` each line, writing nothing, then :meth:`finish`; then
    :meth:`batches` reads the lines again and gives the new events to store,
    a batch at a time."""

    def __init__(self, record: Store, source: str, batch: int) -> None:
        self.record = record
        self.source = source
        self.batch = batch
        """New events per batch."""
        self.imported = Imported()
        self.streams: dict[UUID, _Stream] = {}
        self._live: OrderedDict[UUID, _Stream] = OrderedDict()
        """The streams whose aggregate is whole, least recently used first."""
        self.actors: set[str] = set()
        """Actors registered in the store, or earlier in the file."""
        self.sources: set[str] = set()
        """Sources recorded in the store, or earlier in the file."""
        self._digest = _digest()
        self._marks: list[bytes] = []
        """The digest of the lines read up to each batch's last, then of all."""

    def check(self, number: int, text: str) -> None:
        """Accept line ``number``, or raise InvalidInput naming it."""
        _read(self._digest, text)
        if not text.strip():
            return
        self.imported.read += 1
        if len(text) > MAX_LINE:
            raise InvalidInput(
                f"{self.source}: line {number} is {len(text):,} characters long;"
                f" an event's line is at most {MAX_LINE:,}"
            )
        try:
            line = _parse(text)
            stream = self.streams.get(line.aggregate_id) or self._open(line)
            self.streams[line.aggregate_id] = stream
            if line.version <= stream.in_store:
                self._require_same(line)
                self.imported.present += 1
                return
            self._accept(stream, line, line.stored_event())
        except (TimelineError, ValidationError) as error:
            raise InvalidInput(
                f"{self.source}: line {number}: {_message(error)}"
            ) from None
        self.imported.added += 1
        if self.imported.added % self.batch == 0:
            self._marks.append(self._digest.digest())

    def finish(self) -> None:
        """Every line has passed: the aggregates are no longer needed."""
        self._marks.append(self._digest.digest())
        for stream in self.streams.values():
            stream.aggregate = stream.packed = None
        self._live.clear()

    def batches(self, lines: Iterable[tuple[int, str]]) -> Iterator[list[StoredEvent]]:
        """The new events of the lines, read again, exactly as they give them,
        in batches: each only once the lines up to it are those checked."""
        digest, batch, marks = _digest(), [], iter(self._marks)
        for _, text in lines:
            _read(digest, text)
            if not text.strip():
                continue
            try:
                line = LoggedEvent.model_validate_json(text)
                stream = self.streams[line.aggregate_id]
            except (ValidationError, KeyError):
                raise self._changed() from None
            if line.version > stream.in_store:
                batch.append(self.record.mapper.sealed(line.stored_event()))
                if len(batch) == self.batch:
                    if digest.digest() != next(marks, None):
                        raise self._changed()
                    yield batch
                    batch = []
        if digest.digest() != next(marks, None) or next(marks, None) is not None:
            raise self._changed()
        if batch:
            yield batch

    def _changed(self) -> InvalidInput:
        return InvalidInput(
            f"{self.source} changed while it was imported; what was written of "
            "it is a first part of the log: import the file again"
        )

    def _open(self, line: LoggedEvent) -> _Stream:
        """The line's aggregate as stored now (None if new), with its version."""
        recorder = self.record.recorder
        last = recorder.select_events(line.aggregate_id, desc=True, limit=1)
        if not last:
            return _Stream(aggregate=None, in_store=0, version=0)
        aggregate: RecordedAggregate = self.record.aggregate(line.aggregate_id)
        version = last[0].originator_version
        stream = _Stream(aggregate=aggregate, in_store=version, version=version,
                         chain=self.record.chain_before(line.aggregate_id, version + 1),
                         chained=True)  # fmt: skip
        self._keep(line.aggregate_id, stream)
        return stream

    def _require_same(self, line: LoggedEvent) -> None:
        """An event the store holds already must be the one the line describes."""
        stored = self.record.recorder.select_events(
            line.aggregate_id, gt=line.version - 1, lte=line.version
        )
        plain = self.record.mapper.plain
        if not stored or orjson.loads(plain(stored[0].state)) != orjson.loads(
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
        self._require_link(stream, line, stored)
        event: Any = self.record.mapper.from_plain(stored)
        kind = BY_EVENT.get(event.type_name())
        if kind is not None:
            for code in kind.named_actors(vars(event)):  # the fields, as given
                self._require_actor(code)
            for cite in event.cites:
                self._require_source(cite["source"])
        elif isinstance(event, Talks.EntryAmended):
            changes = event.model_dump(mode="json")["changes"]
            for code in _amended_actors(changes):
                self._require_actor(code)
            for cite in changes.get("cites") or ():
                self._require_source(cite["source"])
        if isinstance(event, Talks.TalksLinked):
            self._require_talks(event.target)
        stream.aggregate = _reissued(self._unpacked(stream), event)
        self._keep(line.aggregate_id, stream)
        if isinstance(stream.aggregate, Actor):
            self.actors.add(stream.aggregate.key)
        if isinstance(stream.aggregate, Source):
            self.sources.add(stream.aggregate.key)
        stream.version = line.version

    @staticmethod
    def _require_link(stream: _Stream, line: LoggedEvent, stored: StoredEvent) -> None:
        """The line's hash must be that of its content and of the line
        before it (a line of a log written before hashing has none, unless
        one before it of its aggregate had)."""
        hashed, body = opened(stored.state)
        expected = link(stream.chain, line.topic, line.aggregate_id.hex,
                        line.version, body)  # fmt: skip
        if hashed is None and stream.chained:
            raise InvalidInput(f"event {line.id} has no hash, as those before it do")
        if hashed is not None and hashed != expected:
            raise InvalidInput(
                f"event {line.id}: its hash does not verify: the line, or one"
                " before it of its talks, was changed"
            )
        stream.chain, stream.chained = expected, hashed is not None

    def _unpacked(self, stream: _Stream) -> RecordedAggregate | None:
        """The stream's aggregate, whole (None: new), unpacked if it was packed."""
        if stream.packed is not None:
            state = orjson.loads(zlib.decompress(stream.packed))
            stream.aggregate = AggregateSnapshot.model_validate(state).mutate(None)
            stream.packed = None
        return stream.aggregate

    def _keep(self, aggregate_id: UUID, stream: _Stream) -> None:
        """Count the stream's aggregate as the one used last; pack the least
        recently used of the others if too many are whole."""
        self._live[aggregate_id] = stream
        self._live.move_to_end(aggregate_id)
        if len(self._live) > LIVE:
            _, oldest = self._live.popitem(last=False)
            assert oldest.aggregate is not None  # whole while in _live
            snapshot = AggregateSnapshot.take(oldest.aggregate)
            oldest.packed = zlib.compress(
                orjson.dumps(snapshot.model_dump(mode="json")), 1
            )
            oldest.aggregate = None

    def _require_talks(self, slug: str) -> None:
        """Talks ``slug`` are stored, or opened earlier in the file."""
        stream = self.streams.get(talks_id(slug))
        if (stream is None or not stream.version) and not self.record.exists(
            talks_id(slug)
        ):
            raise InvalidInput(f"a link to talks {slug!r}, which are not recorded")

    def _require_source(self, key: str) -> None:
        if key not in self.sources:
            self.record.require_source(key)
            self.sources.add(key)

    def _require_actor(self, code: str) -> None:
        if code not in self.actors:
            self.record.require_actor(code)
            self.actors.add(code)


def _reissued(aggregate: RecordedAggregate | None, event: Any) -> RecordedAggregate:
    """The aggregate after ``event``, which the domain must record again as
    it is: a new aggregate is created anew, a talks has the command redone.
    The aggregate keeps the event's original record time."""
    if isinstance(event, Actor.Registered | Talks.Opened | Source.Added):
        if aggregate is not None:
            raise InvalidInput(f"{event.type_name()} of an aggregate that exists")
        again = _created(event)
        _require_equal(again.collect_events()[-1], event)
        return cast(RecordedAggregate, event.mutate(None))  # as the store rebuilds it
    if isinstance(event, Source.Regraded):
        if not isinstance(aggregate, Source):
            raise InvalidInput(f"{event.type_name()} before its source was added")
        aggregate.regrade(event.reliability, event.reason, event.recorded_by,
                          on=event.on)  # fmt: skip
    elif not isinstance(aggregate, Talks):
        raise InvalidInput(f"{event.type_name()} before its talks were opened")
    else:
        aggregate.redo(event)
    _require_equal(aggregate.collect_events()[-1], event)
    aggregate.modified_on = event.timestamp  # the original record time, not now
    return aggregate


_SHARED = (Actor.Registered, Source.Added, Source.Regraded)
"""Events of aggregates every talks may name: a talks' log carries them all."""


def _created(event: Any) -> RecordedAggregate:
    """The aggregate the domain creates from what ``event`` says."""
    if isinstance(event, Actor.Registered):
        return Actor.register(event.key, event.name, event.kind, event.recorded_by)
    if isinstance(event, Source.Added):
        return Source.add(
            event.key, event.title, event.recorded_by, publisher=event.publisher,
            url=event.url, published=event.published,
            reliability=event.reliability, note=event.note,
        )  # fmt: skip
    return Talks.open(
        slug=event.slug, title=event.title, location=event.location,
        parties=event.parties, on=event.on, summary=event.summary,
        sources=event.sources, recorded_by=event.recorded_by, tags=event.tags,
        cites=event.cites,
    )  # fmt: skip


def _amended_actors(changes: dict[str, Any]) -> list[str]:
    """The actors an amendment names: an audience, a development's actors."""
    audience, actors = changes.get("audience"), changes.get("actors") or []
    return ([audience] if audience else []) + list(actors)


def _require_equal(reissued: Any, event: Any) -> None:
    logged, again = _fields(event), _fields(reissued)
    if logged != again:
        name = next(k for k in {**logged, **again} if logged.get(k) != again.get(k))
        raise InvalidInput(
            f"event {event.originator_id}/{event.originator_version} is not what"
            f" the domain records for it: its {name} is {excerpt(logged.get(name))}"
            f" where the domain records {excerpt(again.get(name))}"
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


def _digest() -> blake2b:
    return blake2b(digest_size=16)


def _read(digest: blake2b, text: str) -> None:
    digest.update(text.encode())
    digest.update(b"\n")


class LogFile:
    """The numbered lines of an event log file, read from the disk each time
    they are iterated, never held whole; each without its line ending."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self) -> int:
        """How many lines the file has."""
        count, last = 0, b"\n"
        try:
            with self.path.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    count += chunk.count(b"\n")
                    last = chunk[-1:]
        except OSError as error:
            raise self._unreadable(error) from None
        return count + (last != b"\n")

    def __iter__(self) -> Iterator[tuple[int, str]]:
        try:
            with self.path.open("rb") as stream:
                for number, raw in enumerate(stream, start=1):
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError as error:
                        raise InvalidInput(
                            f"cannot read {str(self.path)!r}: line {number}: {error}"
                        ) from None
                    yield number, text.rstrip("\r\n")
        except OSError as error:
            raise self._unreadable(error) from None

    def _unreadable(self, error: OSError) -> InvalidInput:
        return InvalidInput(f"cannot read {str(self.path)!r}: {error}")
