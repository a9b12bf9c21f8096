"""The application service: command methods that record, and the history.

Each command loads one aggregate, calls one domain method and saves; a
concurrent writer's conflict is retried on a fresh copy, a bounded number of
times. Reads of the views go through :attr:`Timeline.queries`.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Transcoder
from eventsourcing.utils import Environment, resolve_topic

from events import (
    Actor,
    AlreadyExists,
    ConcurrencyConflict,
    NotFound,
    PartialDate,
    Talks,
    actor_id,
    country_name,
    is_country_code,
    no_talks,
    not_yet,
    talks_id,
)
from events.base import AggregateSnapshot
from events.values import as_actor_code, optional_date
from timeline.serialization import OrjsonTranscoder, PydanticMapper

if TYPE_CHECKING:
    from projections.records import EventRecord
    from projections.sqlite import SQLiteViews
    from timeline.queries import Queries

SAVE_ATTEMPTS = 10
PAGE = 100  # events read at a time when reading a talks backwards
PARALLEL_FROM = 50_000
"""Events the views must lag by before a second process is worth starting."""
R = TypeVar("R")


class HistoryEntry(TypedDict):
    """One stored event as the history shows it."""

    position: int
    version: int
    type: str
    recorded_at: str
    recorded_by: str
    payload: dict[str, Any]


class Timeline(Application[UUID]):
    """Records talks and everything said about them; answers from the views."""

    name = "timeline"
    snapshot_interval: ClassVar[int] = 200
    """A talks is snapshotted each time its version passes a multiple of this."""

    def __init__(self, env: Mapping[str, str], author: str, views_topic: str) -> None:
        super().__init__(env=dict(env))
        self.mapper: PydanticMapper
        self.opened_with = dict(env), author, views_topic
        self.author = author
        self.views_topic = views_topic
        """Where the class of the views is (``module:Class``): it is loaded
        on first use, so a command that only records never imports the views."""

    @cached_property
    def views(self) -> SQLiteViews:
        """The read models, in the store's own database."""
        views_class = resolve_topic(self.views_topic)
        return cast("SQLiteViews", self.factory.tracking_recorder(views_class))

    @cached_property
    def queries(self) -> Queries:
        """The queries over the views, caught up first when they lag."""
        from timeline.queries import Queries

        return Queries(self.views, lambda _: self.catch_up(), self.talks_records_back)

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
        """Save, then snapshot each talks whose version passed a multiple of the
        interval, from the copy in hand: the library would load it again."""
        crossed = [
            obj
            for obj in objs
            if isinstance(obj, Talks)
            and (obj.version - len(obj.pending_events)) // self.snapshot_interval
            < obj.version // self.snapshot_interval
        ]
        recordings = super().save(*objs, **kwargs)
        if crossed and self.snapshots is not None:
            self.snapshots.put([AggregateSnapshot.take(talks) for talks in crossed])
        return recordings

    # -- commands -------------------------------------------------------------

    def register_actor(self, key: str, name: str, kind: str) -> None:
        actor = Actor.register(key, name, kind, self.author)
        self._save_new(actor, what=f"actor {key!r}")

    def open_talks(
        self,
        slug: str,
        title: str,
        location: str,
        parties: list[str],
        on: str | None = None,
        summary: str | None = None,
        sources: Iterable[str] = (),
    ) -> None:
        self._require_actors(parties)
        talks = Talks.open(
            slug=slug,
            title=title,
            location=location,
            parties=list(parties),
            on=optional_date(on),
            summary=summary,
            sources=list(sources),
            recorded_by=self.author,
        )
        self._save_new(talks, what=f"talks {slug!r}")

    def add_agenda_item(
        self, slug: str, key: str, title: str, detail: str | None = None,
        on: str | None = None,
    ) -> None:  # fmt: skip
        date = optional_date(on)
        self._update(
            slug, lambda t: t.add_agenda_item(key, title, detail, self.author, on=date)
        )

    def record_stance(
        self,
        slug: str,
        actor: str,
        position: str,
        interests: Iterable[str] = (),
        on: str | None = None,
    ) -> None:
        self._require_actors([actor])
        self._update(
            slug,
            lambda t: t.record_stance(
                actor, position, list(interests), optional_date(on), self.author
            ),
        )

    def record_motivation(
        self, slug: str, actor: str, text: str, on: str | None = None
    ) -> None:
        self._require_actors([actor])
        date = optional_date(on)
        self._update(
            slug, lambda t: t.record_motivation(actor, text, self.author, on=date)
        )

    def add_scenario(
        self, slug: str, key: str, outcome: str, impact: str, on: str | None = None
    ) -> None:
        date = optional_date(on)
        self._update(
            slug, lambda t: t.add_scenario(key, outcome, impact, self.author, on=date)
        )

    def assess_scenario(
        self, slug: str, key: str, likelihood: str, note: str | None = None,
        on: str | None = None,
    ) -> None:  # fmt: skip
        date = optional_date(on)
        self._update(
            slug,
            lambda t: t.assess_scenario(key, likelihood, note, date, self.author),
        )

    def add_recommendation(
        self,
        slug: str,
        key: str,
        title: str,
        outcome: str | None = None,
        detail: str | None = None,
        audience: str | None = None,
        on: str | None = None,
    ) -> None:
        self._require_actors([audience] if audience else [])
        date = optional_date(on)
        self._update(
            slug,
            lambda t: t.add_recommendation(
                key, title, outcome, detail, audience, self.author, on=date
            ),
        )

    def record_development(
        self, slug: str, on: str, text: str, sources: Iterable[str] = ()
    ) -> int:
        date = PartialDate.parse(on)
        return self._update(
            slug, lambda t: t.record_development(date, text, list(sources), self.author)
        )

    def amend(self, slug: str, ref: str, changes: dict[str, Any], reason: str) -> None:
        if changes.get("audience"):
            self._require_actors([changes["audience"]])
        self._update(slug, lambda t: t.amend(ref, changes, reason, self.author))

    def retract(self, slug: str, ref: str, reason: str) -> None:
        self._update(slug, lambda t: t.retract(ref, reason, self.author))

    def record_all(self, actors: list[Actor], talks: Talks) -> None:
        """Save new actors and a new talks with all its entries in one transaction."""
        self._save_new(*actors, talks, what=f"talks {talks.slug!r}")

    # -- queries --------------------------------------------------------------

    def catch_up(
        self,
        progress: Callable[[int], None] | None = None,
        names: Collection[str] | None = None,
    ) -> int:
        """Apply new events to the views (of ``names``, default all); return
        how many events were read. Views that lag by PARALLEL_FROM events or
        more are caught up by a worker process per group of views."""
        from projections.catchup import catch_up

        chosen = list(names or self.views.names())
        groups = self.views.replay_groups(chosen)
        positions = self.views.positions()
        lag = self.views.head() - min(positions[name] for name in chosen)
        if len(groups) > 1 and usable_cores() > 1 and lag >= PARALLEL_FROM:
            return self._catch_up_side_by_side(groups, progress)
        return catch_up(self.views, self.read_records, names=chosen, progress=progress)

    def read_records(self, after: int, limit: int) -> list[EventRecord]:
        """Up to ``limit`` stored events after position ``after``, as plain data."""
        return self.mapper.records_of(self.views.stored_after(after, limit))

    def rebuild(
        self, names: Iterable[str], progress: Callable[[int], None] | None = None
    ) -> int:
        """Empty the named views and replay every event into them."""
        chosen = list(names)
        self.views.reset(chosen)
        return self.catch_up(progress, chosen)

    def _catch_up_side_by_side(
        self, groups: list[list[str]], progress: Callable[[int], None] | None
    ) -> int:
        """Each group of views caught up by a process of its own, so their
        work runs on separate cores; they take turns at SQLite's write lock.
        Progress follows the furthest-behind view. If a worker fails, or this
        process is interrupted, the workers are stopped: a worker stopped
        mid-batch writes nothing of it."""
        import multiprocessing

        names = [name for group in groups for name in group]

        def reached() -> int:
            positions = self.views.positions()
            return min(positions[name] for name in names)

        shown = reached()
        context = multiprocessing.get_context("spawn")  # no copied connections
        with context.Pool(len(groups)) as pool:  # leaving it stops the workers
            results = [pool.apply_async(_catch_up_alone, (self.opened_with, group))
                       for group in groups]  # fmt: skip
            while not all(result.ready() for result in results):
                next(r for r in results if not r.ready()).wait(0.2)
                if any(r.ready() and not r.successful() for r in results):
                    break  # get() below raises its error
                if progress:
                    now = reached()
                    progress(now - shown)
                    shown = now
            read = max(result.get() for result in results)
        if progress:
            progress(reached() - shown)
        return read

    def talks_records_back(self, slug: str, version: int) -> Iterator[EventRecord]:
        """The events of talks ``slug`` from ``version`` back to the first,
        read a page at a time: the latest are often all a caller needs."""
        while version > 0:
            rows = self.views.stored_back(talks_id(slug), version, PAGE)
            yield from (self.mapper.record_of(*row) for row in rows)
            version = rows[-1][2] - 1 if rows else 0

    def talks_records(self, slug: str) -> list[EventRecord]:
        """Every stored event of talks ``slug``, as the views read events."""
        rows = self.views.stored_stream(talks_id(slug))
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

    def _save_new(self, *aggregates: Actor | Talks, what: str) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise AlreadyExists(f"{what} already exists") from None

    def _update(self, slug: str, command: Callable[[Talks], R]) -> R:
        for attempt in range(SAVE_ATTEMPTS):
            try:
                talks: Talks = self.repository.get(talks_id(slug))
            except AggregateNotFoundError:
                raise no_talks(slug) from None
            result = command(talks)
            try:
                self.save(talks)
            except IntegrityError:
                # Another writer got there first: redo on a fresh copy, after a
                # random, growing pause so that the same writer does not win again
                # while this one waits for the lock.
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
                continue
            return result
        raise ConcurrencyConflict(
            f"talks {slug!r} kept changing under this command; nothing was written"
        )


def _history_entry(record: EventRecord) -> HistoryEntry:
    return HistoryEntry(
        position=record.position,
        version=record.version,
        type=record.type,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        payload=record.data,
    )


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _catch_up_alone(
    opened_with: tuple[dict[str, str], str, str], names: list[str]
) -> int:
    """In a process of its own: catch the named views up; how many events read."""
    app = Timeline(*opened_with)
    try:
        return app.catch_up(names=names)
    finally:
        app.close()
