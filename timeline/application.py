"""The application service: the only writer of the store.

Each command loads one aggregate, calls one domain method and saves; a
concurrent writer's conflict is retried on a fresh copy, for a bounded
time. Recording a case file is a command too: all or nothing, through the same
save path, which snapshots each talks whose version passed a multiple of the
interval. Importing an event log, or copying another store's events, stores
them a batch per transaction and snapshots the same way. Reads of the views go through
:class:`timeline.service.Service`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent, Transcoder
from eventsourcing.utils import Environment, resolve_topic
from typing_extensions import TypedDict  # pydantic reads it on Python 3.11

from events import (
    Actor,
    AlreadyExists,
    ConcurrencyConflict,
    NotFound,
    PartialDate,
    StaleVersion,
    Talks,
    actor_id,
    country_name,
    is_country_code,
    no_talks,
    not_yet,
    talks_id,
)
from events.base import AggregateSnapshot, OutdatedSnapshot
from events.errors import InvalidInput
from events.grades import Citation, as_citations
from events.sources import Source, source_id
from events.talks import Reader
from events.values import as_actor_code, as_slug, optional_date, slugify
from timeline import chain
from timeline.serialization import OrjsonTranscoder, PydanticMapper
from timeline.writing import WRITE, author_now

if TYPE_CHECKING:
    from projections.records import EventRecord
    from projections.views import StoredEvents, Views
    from timeline.casefile import Case, CaseSource, CaseTalks
    from timeline.caseupdate import Step
    from timeline.settings import Backend
    from timeline.transfer import Imported, LogImport

    OpenedWith = tuple[dict[str, str], str, Backend]
    """What opens the same application again, in a worker process."""

SAVE_PATIENCE = 30.0
"""Seconds a command keeps retrying on a fresh copy while other writers
change the same talks: with many writers at once a command may lose many
times, but it never waits in vain for longer than this."""
SAVE_PAUSE_CAP = 0.1  # the longest random pause between two tries, in seconds
PAGE = 100  # events read at a time when reading a talks backwards
R = TypeVar("R")


class HistoryEntry(TypedDict):
    """One stored event as the history shows it."""

    position: int
    version: int
    type: str
    recorded_at: str
    recorded_by: str
    payload: dict[str, Any]


class CaseRecorded(NamedTuple):
    """What recording a case file did, or in a dry run would do."""

    slug: str
    opened: bool
    """Whether the talks were new: opened from the file."""
    actors: list[str]
    """The actors the file registers (new ones only)."""
    steps: list[Step]
    """Each entry recorded, amended or retracted, and each kept though the
    file no longer holds it."""


class DiplomaticRecord(Application[UUID]):
    """Records talks and everything said about them, and reads their events."""

    name = "timeline"  # stored: the library's followers track under it
    snapshot_interval: ClassVar[int] = 200
    """A talks is snapshotted each time its version passes a multiple of this."""

    def __init__(self, env: Mapping[str, str], author: str, backend: Backend) -> None:
        super().__init__(env=dict(env))
        self.mapper: PydanticMapper
        self.opened_with: OpenedWith = dict(env), author, backend
        self._author = author
        self.backend = backend
        """Where the classes of the views and the store reads are: they load
        on first use, so a command that only records never imports the views."""

    @property
    def author(self) -> str:
        """Who records: the request's author, or the application's."""
        return author_now(self._author)

    @cached_property
    def views(self) -> Views:
        """The read models, in the store's own database."""
        views_class = resolve_topic(self.backend.views)
        views = cast("Views", self.factory.tracking_recorder(views_class))
        views.unseal = self.mapper.plain if self.mapper.cipher else None
        return views

    @cached_property
    def stored(self) -> StoredEvents:
        """Reads of the stored events, as plain rows."""
        reads_class = resolve_topic(self.backend.stored)
        stored = cast("StoredEvents", reads_class(cast(Any, self.recorder).datastore))
        stored.unseal = self.mapper.plain if self.mapper.cipher else None
        return stored

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Only the settings decide where events go: a stray PERSISTENCE_MODULE
        # or SQLITE_DBNAME in the user's shell must never redirect storage.
        return Environment(name, {"IS_SNAPSHOTTING_ENABLED": "y", **(env or {})})

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()

    def construct_mapper(self) -> PydanticMapper:
        return cast(
            PydanticMapper,
            self.factory.mapper(
                transcoder=self.construct_transcoder(), mapper_class=PydanticMapper
            ),
        )

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save the aggregates' new events in one transaction, then snapshot
        the talks that crossed an interval."""
        crossing = self._crossing(
            [(o, o.version - len(o.pending_events)) for o in objs]
        )
        with self._lock_waits():
            recordings = super().save(*objs, **kwargs)
        self._snapshot(crossing)
        return recordings

    def _record(self, processing_event: Any) -> Any:
        """Store the events, each hashed with the last of its aggregate
        (:mod:`timeline.chain`): that link is read once per aggregate."""
        first: dict[UUID, int] = {}
        for event in processing_event.events:
            first.setdefault(event.originator_id, event.originator_version)
        heads = {key: self.chain_before(key, version) for key, version in first.items()}
        token = chain.HEADS.set(heads)
        try:
            return super()._record(processing_event)
        finally:
            chain.HEADS.reset(token)

    def chain_before(self, aggregate_id: UUID, version: int) -> str:
        """The hash the event ``version`` of an aggregate links to: its
        previous event's, computed (once) for events stored before chaining."""
        if version == 1:
            return chain.GENESIS
        [row] = self.stored.back(aggregate_id, version - 1, 1)
        hashed, _ = chain.opened(self.mapper.plain(row[4]))
        if hashed is not None:
            return hashed
        walk = chain.Walk(self.mapper.plain)
        walk.rows(self.stored.stream(aggregate_id)[: version - 1])
        return walk.last[aggregate_id.hex][1]

    def verify(self, slug: str | None = None, head: str | None = None) -> chain.Report:
        """Check every hash of the store (or of talks ``slug``) against what
        is stored, up to the first that fails; and, given a head published
        earlier (``POSITION:HASH``, or ``VERSION:HASH`` of the talks), that
        what it fixed is all still there."""
        upto = _head_place(head)
        if slug is not None:
            walk, found = self._walk_talks(slug, upto)
        else:
            walk, found = self._walk_store(upto)
        unchained = {walk.names.get(a, a): n for a, n in walk.unchained.items()}
        return chain.Report(walk.checked, len(walk.last), found, unchained,
                            walk.broken, head, walk.names)  # fmt: skip

    def head_at(self, position: int) -> str:
        """The store's head (``POSITION:HASH``) at ``position``: from the last
        hash of each aggregate by then, or, where one was stored before
        hashing began, from its events hashed again."""
        unseal = self.mapper.plain
        heads = [
            (aggregate_hex, chain.opened(unseal(state))[0])
            for _, aggregate_hex, _, _, state in self.stored.last_events(position)
        ]
        if all(last is not None for _, last in heads):
            return chain.store_head(cast(list[tuple[str, str]], heads), position)
        return self._walk_store(position)[1]

    def talks_head(self, slug: str, version: int) -> str:
        """The head (``VERSION:HASH``) of talks ``slug`` at ``version``."""
        rows = self.stored.back(talks_id(slug), version, 1)
        last = chain.opened(self.mapper.plain(rows[0][4]))[0] if rows else None
        if last is not None:
            return f"{version}:{last}"
        return self._walk_talks(slug, version)[1]

    def _walk_talks(self, slug: str, upto: int | None) -> tuple[chain.Walk, str]:
        """Talks ``slug``'s chain checked (to version ``upto``), and its head."""
        walk = chain.Walk(self.mapper.plain)
        rows = self.stored.stream(talks_id(slug))
        if not rows:
            raise no_talks(slug)
        walk.rows(rows if upto is None else rows[:upto])
        version, last = walk.last.get(talks_id(slug).hex, (0, chain.GENESIS))
        return walk, f"{version}:{last}"

    def _walk_store(self, upto: int | None) -> tuple[chain.Walk, str]:
        """Every chain of the store checked (to position ``upto``), and its head."""
        walk = chain.Walk(self.mapper.plain)
        position = 0
        while (rows := self.stored.after(position, 10_000)) and (
            upto is None or position < upto
        ):
            rows = [r for r in rows if upto is None or r[0] <= upto]
            if not walk.rows(rows):
                break
            position = rows[-1][0]
        return walk, walk.head(position if upto is None else upto)

    @contextmanager
    def _lock_waits(self) -> Iterator[None]:
        """A write that waited in vain for another process's write lock, or
        that the database does not let this user make, fails as a
        StoreError (nothing of it written), not a traceback."""
        from eventsourcing.persistence import OperationalError, ProgrammingError

        try:
            yield
        except OperationalError as error:
            from events.errors import store_busy
            from projections.sqlite.tracking import lock_timed_out

            if not lock_timed_out(error):
                raise
            pool = cast(Any, self.recorder).datastore.pool
            raise store_busy(pool.lock_timeout) from None
        except ProgrammingError as error:
            # SQLSTATE 42501, insufficient privilege: a role that may only read
            if getattr(error.__cause__, "sqlstate", None) != "42501":
                raise
            from events.errors import StoreReadOnly

            why = " ".join(str(error).split())
            raise StoreReadOnly(
                f"the store is read-only for this user ({why}): nothing was written"
            ) from None

    @property
    def insert_batch(self) -> int:
        """Events stored per transaction when storing another store's events:
        PostgreSQL's driver has hung on inserts of many thousands at once."""
        persistence = self.env.get("PERSISTENCE_MODULE") or ""
        return 1_000 if persistence.endswith("postgres") else 5_000

    def insert_stored(self, stored: Sequence[StoredEvent]) -> None:
        """Save events as another store recorded them (record time and all),
        in one transaction, each following its aggregate's last stored
        version; then snapshot, as :meth:`save` does, each talks whose
        version they took past a multiple of the interval (loaded again: a
        talks is not in hand here)."""
        if not stored:
            return
        first: dict[UUID | str, int] = {}
        last: dict[UUID | str, int] = {}
        for event in stored:
            first.setdefault(event.originator_id, event.originator_version)
            last[event.originator_id] = event.originator_version
        with self._lock_waits():
            self.recorder.insert_events(stored)
        interval = self.snapshot_interval
        crossed = [
            UUID(str(aggregate)) for aggregate, version in last.items()
            if (first[aggregate] - 1) // interval < version // interval
        ]  # fmt: skip
        if crossed and self.snapshots is not None:
            loaded: list[Aggregate] = [self.aggregate(i) for i in crossed]
            self._snapshot([talks for talks in loaded if isinstance(talks, Talks)])

    def _crossing(self, changed: Iterable[tuple[Aggregate, int]]) -> list[Talks]:
        """The talks whose version passed a multiple of the interval since
        the version given with each: each is snapshotted, from the copy in
        hand, once stored (the library would load it again)."""
        interval = self.snapshot_interval
        return [
            talks for talks, before in changed if isinstance(talks, Talks)
            and before // interval < talks.version // interval
        ]  # fmt: skip

    def _snapshot(self, crossing: list[Talks]) -> None:
        if crossing and self.snapshots is not None:
            self.snapshots.put([AggregateSnapshot.take(talks) for talks in crossing])

    # -- commands -------------------------------------------------------------

    def register_actor(self, key: str, name: str, kind: str) -> None:
        actor = Actor.register(key, name, kind, self.author)
        self._save_new(actor, what=f"actor {key!r}")

    def add_source(
        self, key: str, title: str, publisher: str | None = None,
        url: str | None = None, published: str | None = None,
        reliability: str = "F", note: str | None = None,
    ) -> None:  # fmt: skip
        source = Source.add(
            key, title, self.author, publisher=publisher, url=url,
            published=optional_date(published), reliability=reliability, note=note,
        )  # fmt: skip
        self._save_new(source, what=f"source {key!r}")

    def regrade_source(
        self, key: str, reliability: str, reason: str, on: str | None = None
    ) -> None:
        date = optional_date(on)
        source = self._source(key)
        source.regrade(reliability, reason, self.author, on=date)
        self.save(source)
        _wrote(source.version)

    def open_talks(
        self,
        slug: str,
        title: str,
        location: str,
        parties: list[str],
        on: str | None = None,
        summary: str | None = None,
        sources: Iterable[str] = (),
        tags: Iterable[str] = (),
        cites: Iterable[str] = (),
    ) -> None:
        self._require_actors(parties)
        cited = self._cited(cites)
        talks = Talks.open(
            slug=slug,
            title=title,
            location=location,
            parties=list(parties),
            on=optional_date(on),
            summary=summary,
            sources=_texts(sources),
            tags=_texts(tags),
            cites=cited,
            recorded_by=self.author,
        )
        self._save_new(talks, what=f"talks {slug!r}")

    def add_agenda_item(
        self, slug: str, key: str, title: str, detail: str | None = None,
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        date, tagged, cited = optional_date(on), _texts(tags), self._cited(cites)
        self._update(slug, lambda t: t.add_agenda_item(
            key, title, detail, self.author, on=date, tags=tagged,
            cites=cited))  # fmt: skip

    def record_stance(
        self, slug: str, actor: str, position: str, interests: Iterable[str] = (),
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self._require_actors([actor])
        date, tagged, cited = optional_date(on), _texts(tags), self._cited(cites)
        self._update(slug, lambda t: t.record_stance(
            actor, position, _texts(interests), date, self.author, tags=tagged,
            cites=cited))  # fmt: skip

    def record_motivation(
        self, slug: str, actor: str, text: str, on: str | None = None,
        tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self._require_actors([actor])
        date, tagged, cited = optional_date(on), _texts(tags), self._cited(cites)
        self._update(slug, lambda t: t.record_motivation(
            actor, text, self.author, on=date, tags=tagged, cites=cited))  # fmt: skip

    def add_scenario(
        self, slug: str, key: str, outcome: str, impact: str, on: str | None = None,
        tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        date, tagged, cited = optional_date(on), _texts(tags), self._cited(cites)
        self._update(slug, lambda t: t.add_scenario(
            key, outcome, impact, self.author, on=date, tags=tagged,
            cites=cited))  # fmt: skip

    def assess_scenario(
        self, slug: str, key: str, likelihood: str, note: str | None = None,
        on: str | None = None, confidence: str | None = None,
        tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        date, tagged, cited = optional_date(on), _texts(tags), self._cited(cites)
        self._update(slug, lambda t: t.assess_scenario(
            key, likelihood, note, date, self.author, confidence=confidence,
            tags=tagged, cites=cited, read=self._reader(t)))  # fmt: skip

    def add_recommendation(
        self, slug: str, key: str, title: str, outcome: str | None = None,
        detail: str | None = None, audience: str | None = None,
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self._require_actors([audience] if audience else [])
        date, tagged, cited = optional_date(on), _texts(tags), self._cited(cites)
        self._update(slug, lambda t: t.add_recommendation(
            key, title, outcome, detail, audience, self.author, on=date,
            tags=tagged, cites=cited))  # fmt: skip

    def record_development(
        self, slug: str, on: str, text: str, sources: Iterable[str] = (),
        actors: Iterable[str] = (), tags: Iterable[str] = (),
        cites: Iterable[str] = (),
    ) -> int:  # fmt: skip
        date, named, tagged = PartialDate.parse(on), _texts(actors), _texts(tags)
        self._require_actors(named)
        cited = self._cited(cites)
        return self._update(slug, lambda t: t.record_development(
            date, text, _texts(sources), self.author, actors=named, tags=tagged,
            cites=cited))  # fmt: skip

    def link_talks(
        self, slug: str, target: str, relation: str, note: str | None = None,
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self._require_talks(target)
        date, tagged, cited = optional_date(on), _texts(tags), self._cited(cites)
        self._update(slug, lambda t: t.link(
            target, relation, note, self.author, on=date, tags=tagged,
            cites=cited))  # fmt: skip

    def amend(
        self, slug: str, ref: str, changes: dict[str, Any], reason: str, *,
        cite: Iterable[str] = (), uncite: Iterable[str] = (),
    ) -> None:  # fmt: skip
        """Amend entry ``ref``; ``cite`` adds citations (``KEY[:CRED][@LOC]``)
        to those it has, ``uncite`` withdraws some by source key."""
        self._require_actors(_named_actors(changes))
        self._cited(changes.get("cites") or ())
        cited, withdrawn = self._cited(cite), list(uncite)
        self._update(slug, lambda t: t.amend(
            ref, changes, reason, self.author, cite=cited, uncite=withdrawn,
            read=self._reader(t)))  # fmt: skip

    def retract(self, slug: str, ref: str, reason: str) -> None:
        self._update(slug, lambda t: t.retract(ref, reason, self.author))

    def record_case(
        self, case: Case, source: str = "", *, update: bool = False,
        dry_run: bool = False, retract_missing: bool = False,
    ) -> CaseRecorded:  # fmt: skip
        """Record a case file's talks and actors in one transaction. Talks
        recorded already are left as they are, or with ``update`` brought to
        what the file says (see :mod:`timeline.caseupdate`), the amendments
        giving as their reason that the file ``source`` was updated. A bad
        entry anywhere records nothing; so does a ``dry_run``, which says
        what would be done."""
        from timeline.caseupdate import Step, ref_of, update_steps

        # Every entry is checked first, even of talks recorded already: bad
        # input is refused, never passed over as "nothing to add".
        built = case_talks(case.talks, self.author)
        wanted = built.collect_events()
        slug = case.talks.slug
        people, registered = self._case_actors(case)
        sources = self._case_sources(case)

        def actors() -> list[Actor | Source]:
            return [*people(), *sources()]

        if not self.exists(built.id):
            if not dry_run:  # recorded anew: actors first, in time as in order
                new = actors()
                again = case_talks(case.talks, self.author)
                self._save_new(*new, again, what=f"talks {slug!r}")
            steps = [Step("record", ref_of(event)) for event in wanted]
            return CaseRecorded(slug, True, registered, steps)
        if not update:
            return CaseRecorded(slug, False, [], [])
        reason = f"case file {source or slug} updated"

        def bring(talks: Talks) -> list[Step]:
            return update_steps(talks, wanted, self.author, reason,
                                retract_missing=retract_missing,
                                read=self._reader(talks))  # fmt: skip

        if dry_run:
            return CaseRecorded(slug, False, registered, bring(self.load(slug)))
        return CaseRecorded(slug, False, registered,
                            self._update(slug, bring, also=actors))  # fmt: skip

    def _case_actors(self, case: Case) -> tuple[Callable[[], list[Actor]], list[str]]:
        """The case file's actors that are not registered yet, checked: made
        anew by each call (a save takes their events), and their keys. Those
        registered already must be as the file says; every actor the talks
        name must be known, and every talks they link to recorded."""
        for actor in case.actors:
            Actor.register(actor.key, actor.name, actor.kind, self.author)
            if self.exists(actor_id(actor.key)):
                known: Actor = self.aggregate(actor_id(actor.key))
                if (known.name, known.kind) != (actor.name.strip(), actor.kind):
                    raise InvalidInput(
                        f"actor {actor.key!r} is registered as {known.name!r}"
                        f" ({known.kind}); a registered actor cannot be changed"
                    )
        new = [actor for actor in case.actors if not self.exists(actor_id(actor.key))]
        pending = {actor.key for actor in new}
        for code in case.actor_codes():
            self.require_actor(code, pending)
        for target in case.linked_talks():
            self._require_talks(target)
        return lambda: [
            Actor.register(actor.key, actor.name, actor.kind, self.author)
            for actor in new
        ], [actor.key for actor in new]

    def _case_sources(self, case: Case) -> Callable[[], list[Source]]:
        """The case file's sources that are not recorded yet, checked (made
        anew by each call); every source its entries cite must be known."""

        def maker(spec: CaseSource) -> Callable[[], Source]:
            return lambda: Source.add(
                spec.key, spec.title, self.author, publisher=spec.publisher,
                url=spec.url, published=optional_date(spec.published),
                reliability=spec.reliability, note=spec.note,
            )  # fmt: skip

        made = {spec.key: maker(spec) for spec in case.sources}
        for make in made.values():
            make()  # checked, whether recorded or not
        new = [key for key in made if not self.exists(source_id(key))]
        for key in case.cited_sources():
            if key not in made:
                self.require_source(key)
        return lambda: [made[key]() for key in new]

    def import_log(
        self,
        lines: Iterable[tuple[int, str]],
        source: str,
        progress: Callable[[int], None] | None = None,
    ) -> Imported:
        """Import numbered lines of an event log (see :mod:`timeline.transfer`):
        every line is checked, then the new events are stored in the order
        given, a batch per transaction, with their original record times and
        authors. ``lines`` is read twice: give a collection, or a
        :class:`timeline.transfer.LogFile`, which reads its file again (an
        iterator is held in memory whole)."""
        if isinstance(lines, Iterator):  # read once only: kept for the second pass
            lines = list(lines)
        log = self.check_log(lines, source, progress)
        self.write_log(log, lines)
        return log.imported

    def check_log(
        self,
        lines: Iterable[tuple[int, str]],
        source: str,
        progress: Callable[[int], None] | None = None,
    ) -> LogImport:
        """The first pass of an import: every line checked, nothing written;
        InvalidInput naming the first bad line."""
        from timeline.transfer import LogImport

        if isinstance(lines, Iterator):
            raise TypeError("an import reads its lines twice: give a collection")
        log = LogImport(self, source, self.insert_batch)
        for number, text in lines:
            if progress:
                progress(1)
            log.check(number, text)
        log.finish()
        return log

    def write_log(
        self,
        log: LogImport,
        lines: Iterable[tuple[int, str]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """The second pass of an import: the checked lines read again, and
        their new events stored, a batch per transaction."""
        written = 0
        for batch in log.batches(lines):
            try:
                self.insert_stored(batch)
            except IntegrityError:
                raise ConcurrencyConflict(
                    "the store changed while importing; "
                    + (f"the first {written:,} new events of the log were written, "
                       "import it again to continue" if written
                       else "nothing was written, try again")
                ) from None  # fmt: skip
            written += len(batch)
            if progress:
                progress(len(batch))

    # -- reads of the stored events ---------------------------------------------

    def read_records(self, after: int, limit: int) -> list[EventRecord]:
        """Up to ``limit`` stored events after position ``after``, as plain data."""
        return self.mapper.records_of(self.stored.after(after, limit))

    def talks_records_back(self, slug: str, version: int) -> Iterator[EventRecord]:
        """The events of talks ``slug`` from ``version`` back to the first,
        read a page at a time: the latest are often all a caller needs."""
        while version > 0:
            rows = self.stored.back(talks_id(slug), version, PAGE)
            yield from (self.mapper.record_of(*row) for row in rows)
            version = rows[-1][2] - 1 if rows else 0

    def talks_records(self, slug: str) -> list[EventRecord]:
        """Every stored event of talks ``slug``, as the views read events."""
        rows = self.stored.stream(talks_id(slug))
        return [self.mapper.record_of(*row) for row in rows]

    def history(self, slug: str, as_of: str | None = None) -> list[HistoryEntry]:
        """Every event of talks ``slug`` (recorded by ``as_of``), in order."""
        records = self.talks_records(slug)
        if not records:
            raise no_talks(slug)
        found = [r for r in records if as_of is None or r.recorded_at <= as_of]
        if not found:
            raise not_yet(slug, str(as_of))
        return [_history_entry(r) for r in found]

    def event_count(self) -> int:
        return self.recorder.max_notification_id() or 0

    def exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def require_actor(self, code: str, pending: Iterable[str] = ()) -> None:
        """A state must be a real ISO 3166-1 code; anyone else must be registered."""
        if is_country_code(code):
            country_name(code)
        elif as_actor_code(code) not in pending and not self.exists(actor_id(code)):
            raise NotFound(
                f"actor {code!r} is not registered; "
                f"add it first: timeline actor add {code} --name NAME"
            )

    # -- helpers --------------------------------------------------------------

    def _require_actors(self, codes: Iterable[str]) -> None:
        for code in codes:
            self.require_actor(code)

    def _cited(self, cites: Iterable[Any]) -> list[Citation]:
        """Citations, checked, of sources that are recorded."""
        cited = as_citations(cites)
        for cite in cited:
            self.require_source(cite["source"])
        return cited

    def require_source(self, key: str) -> None:
        if not self.exists(source_id(key)):
            raise NotFound(
                f"source {key!r} is not recorded; add it first:"
                f" timeline source add {key} --title TITLE"
            )

    def _source(self, key: str) -> Source:
        self.require_source(as_slug(key, "source key"))
        source: Source = self.aggregate(source_id(key))
        return source

    def _require_talks(self, slug: str) -> None:
        """Talks ``slug`` must be recorded (a link's target)."""
        if not self.exists(talks_id(as_slug(slug, "linked talks"))):
            raise no_talks(slug)

    def _save_new(self, *aggregates: Aggregate, what: str) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise AlreadyExists(f"{what} already exists") from None
        _wrote(aggregates[-1].version)

    def load(self, slug: str) -> Talks:
        """Talks ``slug`` as stored."""
        try:
            talks: Talks = self.aggregate(talks_id(slug))
        except AggregateNotFoundError:
            raise no_talks(slug) from None
        return talks

    def aggregate(self, aggregate_id: UUID) -> Any:
        """An aggregate as stored, from its latest snapshot and the events
        since (from every event, if that snapshot is of an earlier shape)."""
        try:
            return self.repository.get(aggregate_id, projector_func=_folded)
        except OutdatedSnapshot:
            found = _folded(None, self.repository.event_store.get(aggregate_id))
            if found is None:
                raise AggregateNotFoundError(aggregate_id) from None
            return found

    def _reader(self, talks: Talks) -> Reader:
        """Reads the stored event of ``talks`` of a version (see
        :meth:`events.talks.Talks.fields`)."""

        def read(version: int) -> Any:
            store = self.repository.event_store
            return next(iter(store.get(talks.id, gt=version - 1, lte=version)))

        return read

    def _update(
        self, slug: str, command: Callable[[Talks], R],
        also: Callable[[], Sequence[Aggregate]] = list,
    ) -> R:  # fmt: skip
        """Run ``command`` on talks ``slug`` and save it (with the aggregates
        ``also`` makes, in the same transaction); a concurrent writer's
        conflict is retried on a fresh copy."""
        deadline = time.monotonic() + SAVE_PATIENCE
        attempt = 0
        while True:
            talks = self.load(slug)
            _expect(slug, talks.version)
            result = command(talks)
            try:
                self.save(talks, *also())
            except IntegrityError:
                # Another writer got there first: redo on a fresh copy, after a
                # random pause (growing, up to a cap) so that writers that
                # collided do not collide again in step.
                attempt += 1
                if time.monotonic() > deadline:
                    break
                time.sleep(random.uniform(0, min(0.005 * 2**attempt, SAVE_PAUSE_CAP)))
                continue
            _wrote(talks.version)
            return result
        raise ConcurrencyConflict(
            f"talks {slug!r} kept changing under this command ({attempt} tries in"
            f" {SAVE_PATIENCE:.0f} s); nothing was written"
        )


def _expect(slug: str, version: int) -> None:
    """Refuse to change a talks that is not at the version the request named."""
    write = WRITE.get()
    if write and write.expected_version not in (None, version):
        raise StaleVersion(
            f"talks {slug!r} are at version {version}, not"
            f" {write.expected_version}; nothing was written"
        )


def _wrote(version: int) -> None:
    if write := WRITE.get():
        write.version = version


def _folded(aggregate: Any, events: Iterable[Any]) -> Any:
    """An aggregate with events applied in turn: the library's projector
    checks each event against a runtime protocol, a third of the time of
    loading a long talks."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _named_actors(changes: dict[str, Any]) -> list[str]:
    """The actors an amendment names (a recommendation's audience, a
    development's actors), which must be states or registered."""
    named: list[str] = []
    for name in ("audience", "actors"):
        value = changes.get(name)
        named += [] if not value else _texts(value)
    return [code for code in named if code]


def _texts(values: Iterable[str]) -> list[str]:
    """A list of texts; one text given alone is one item, not its letters."""
    return [values] if isinstance(values, str) else list(values)


def _history_entry(record: EventRecord) -> HistoryEntry:
    return HistoryEntry(
        position=record.position,
        version=record.version,
        type=record.type,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        payload=record.data,
    )


def case_talks(spec: CaseTalks, by: str) -> Talks:
    """A new talks with every entry of a case file, through the domain's
    commands: the same checks as the CLI's single entries."""
    talks = Talks.open(
        slug=spec.slug, title=spec.title, location=spec.location,
        parties=spec.parties, on=optional_date(spec.on), summary=spec.summary,
        sources=spec.sources, recorded_by=by, tags=spec.tags, cites=spec.cites,
    )  # fmt: skip
    for item in spec.agenda:
        talks.add_agenda_item(
            item.key or slugify(item.title), item.title, item.detail, by,
            on=optional_date(item.on), tags=item.tags, cites=item.cites,
        )  # fmt: skip
    for stance in spec.stances:
        talks.record_stance(stance.actor, stance.position, stance.interests,
                            optional_date(stance.on), by, tags=stance.tags,
                            cites=stance.cites)  # fmt: skip
    for motive in spec.motivations:
        talks.record_motivation(
            motive.actor,
            motive.text,
            by,
            on=optional_date(motive.on),
            tags=motive.tags,
            cites=motive.cites,
        )
    for scenario in spec.scenarios:
        key = scenario.key or slugify(scenario.outcome)
        talks.add_scenario(
            key, scenario.outcome, scenario.impact, by,
            on=optional_date(scenario.on), tags=scenario.tags,
            cites=scenario.cites,
        )  # fmt: skip
        for assessment in scenario.assessments:
            talks.assess_scenario(
                key, assessment.likelihood, assessment.note,
                optional_date(assessment.on), by, confidence=assessment.confidence,
                tags=assessment.tags, cites=assessment.cites,
            )  # fmt: skip
    for rec in spec.recommendations:
        talks.add_recommendation(
            rec.key or slugify(rec.title), rec.title, rec.outcome, rec.detail,
            rec.audience, by, on=optional_date(rec.on), tags=rec.tags,
            cites=rec.cites,
        )  # fmt: skip
    for development in spec.developments:
        talks.record_development(
            PartialDate.parse(development.on), development.text,
            development.sources, by, actors=development.actors,
            tags=development.tags, cites=development.cites,
        )  # fmt: skip
    for link in spec.links:
        talks.link(link.target, link.relation, link.note, by,
                   on=optional_date(link.on), tags=link.tags,
                   cites=link.cites)  # fmt: skip
    return talks


def _head_place(head: str | None) -> int | None:
    """The position (or version) a published head was taken at."""
    if head is None:
        return None
    place, _, digest = head.partition(":")
    if (
        not place.isdigit()
        or len(digest) != 64
        or not all(c in "0123456789abcdef" for c in digest)
    ):
        raise InvalidInput(
            f"head {head[:80]!r} must be POSITION:HASH as an export names it,"
            " such as 1234:9f86d08188… (64 hex digits)"
        )
    return int(place)
