"""Queries over the views, which are caught up first whenever the store moved on.

Checking the lag is two indexed lookups; only when there are new events is the
full application (event models, mapper) loaded to apply them. So a query on a
current view needs neither pydantic nor the event models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from events.errors import InvalidInput, NotFound, no_talks, not_yet
from events.grades import Grade, Reliability
from projections.actors import ActorView
from projections.changes import Change, change_of
from projections.clocks import record_time, stored_time, valid_date
from projections.records import EventRecord
from projections.rows import (
    NOW,
    Clocks,
    EntryRow,
    SearchHit,
    TalksRow,
    ViewStatus,
    parse_search,
)
from projections.snapshot import SCHEMA_VERSION, Snapshot, timeline_entry
from projections.sources import SourceView, reliability
from projections.talks import TalksView, at_date, rebuild, unfold

if TYPE_CHECKING:  # protocols: no class of theirs to build on start-up
    from projections.views import StoredEvents, Views

Records = Callable[[str, int], Iterator[EventRecord]]
"""The events of talks SLUG from version V back, latest first, as plain data
(loads the event models)."""


class StanceRow(EntryRow):
    """A stance as ``stance history`` lists it: its version standing, with
    when the stance was first recorded and, if a later stance of its actor
    that stands replaced it, when that one was (both record times)."""

    first_recorded_at: str
    replaced_at: str | None


def _empty(change: Change) -> bool:
    """A version that changed no field: an amendment recorded before such were
    refused, or a stance recorded again as it stood."""
    return change["change"] not in ("added", "retracted") and not change["fields"]


class Queries:
    """Every read the front ends offer, over a backend's views."""

    def __init__(
        self,
        views: Views,
        stored: StoredEvents,
        catch_up: Callable[[int], object],
        records: Records,
    ) -> None:
        self.views = views
        self.stored = stored
        self._catch_up = catch_up
        self._records = records

    def clocks(
        self,
        *,
        as_of: str | None = None,
        at: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Clocks:
        """The clocks a query reads by, from the user's text, checked."""
        # An empty value is an error (an unset shell variable), never "not given".
        lower = upper = None
        if since is not None:
            lower = valid_date(since, "--since").lower.isoformat()
        if until is not None:
            upper = valid_date(until, "--until").upper.isoformat()
        if lower and upper and lower > upper:
            raise InvalidInput(f"--since {since} is after --until {until}")
        return Clocks(
            as_of=None if as_of is None else self.record_time(as_of, "--as-of"),
            at=None if at is None else valid_date(at, "--at").upper.isoformat(),
            since=lower,
            until=upper,
        )

    def record_time(self, text: str, option: str, *, before_start: bool = False) -> str:
        """A record time the store can answer for: not in the future, and
        (unless ``before_start``) not before the first entry was recorded."""
        self.refresh()
        now = datetime.now(UTC)
        moment = record_time(text, option, now)
        if moment > stored_time(now):
            raise InvalidInput(f"{option} {text} is in the future")
        first = self.views.first_recorded()
        if not before_start and (first is None or moment < first):
            began = f"began at {first}" if first else "is empty"
            raise InvalidInput(f"{option} {text} is before the record: it {began}")
        return moment

    def talks_view(self, slug: str, clocks: Clocks = NOW) -> TalksView:
        """The view of talks ``slug``; as of a record time, as it stood then:
        a talks changed since is folded again from its events up to then."""
        self.refresh()
        view = self.views.talks(slug)
        if view is None:
            raise no_talks(slug)
        if clocks.as_of:
            if self.stored.recorded_at(view["last_position"]) > clocks.as_of:
                view = self._as_of(view, clocks.as_of)
            # other talks' links to these may have changed since, even if not these
            view["linked"] = self.views.linked_talks(slug, Clocks(as_of=clocks.as_of))
        return at_date(view, clocks.at) if clocks.at else view

    def talks_document(self, slug: str) -> tuple[int, str]:
        """The version of talks ``slug`` and its current view as JSON text."""
        self.refresh()
        stored = self.views.talks_document(slug)
        if stored is None:
            raise no_talks(slug)
        return stored

    def _as_of(self, view: TalksView, as_of: str) -> TalksView:
        """The view as it stood at ``as_of``, from whichever end is nearer:
        its events up to then folded, or its events since then undone."""
        slug = view["slug"]
        then = self.views.talks_version_at(slug, as_of)
        if then == 0:
            raise not_yet(slug, as_of)
        if then <= view["version"] - then:
            earlier = list(self._records(slug, then))[::-1]
            past = rebuild(earlier, cache(self.views.actor_name))
            assert past is not None, "a talks' first event opens it"
        else:
            since = view["version"] - then  # events recorded after as_of
            *later, last = islice(self._records(slug, view["version"]), since + 1)
            unfolded = unfold(view, later)
            assert unfolded is not None, "the talks were opened before as_of"
            past = unfolded
            past["last_position"] = last.position  # the event at version ``then``
        return past

    def talks_list(self) -> list[TalksRow]:
        self.refresh()
        return self.views.talks_list()

    def sources(self) -> list[SourceView]:
        self.refresh()
        return self.views.sources()

    def reliability(self, clocks: Clocks = NOW) -> Reliability:
        """Each source's reliability on ``clocks``, by key."""
        return reliability(self.sources(), clocks)

    def actors(self) -> list[ActorView]:
        self.refresh()
        return self.views.actors()

    def entries(
        self, clocks: Clocks = NOW, *, slug: str | None = None,
        actor: str | None = None, tag: str | None = None, kind: str | None = None,
        limit: int | None = None, offset: int = 0, with_linked: bool = False,
    ) -> list[EntryRow]:  # fmt: skip
        """The timeline: of talks ``slug`` (and, ``with_linked``, of every
        talks linked to them), concerning ``actor``, filed under ``tag``; at
        most ``limit`` of them, after the first ``offset``."""
        return self.views.entries(
            clocks, limit=limit, offset=offset,
            **self._filters(clocks, slug, with_linked), actor=actor, tag=tag,
            kind=kind,
        )  # fmt: skip

    def count_entries(
        self, clocks: Clocks = NOW, *, slug: str | None = None,
        actor: str | None = None, tag: str | None = None, kind: str | None = None,
        with_linked: bool = False,
    ) -> int:  # fmt: skip
        """How many entries :meth:`entries` gives without a limit."""
        return self.views.count_entries(
            clocks, **self._filters(clocks, slug, with_linked), actor=actor,
            tag=tag, kind=kind,
        )  # fmt: skip

    def linked(self, slug: str, clocks: Clocks = NOW) -> list[str]:
        """Talks ``slug`` and every talks linked to them, directly or through
        others, either way (a whole process), in the order found."""
        found, pending = [slug], [slug]
        while pending:
            for row in self.views.links(pending.pop(), clocks):
                for other in (row["slug"], row["fields"]["target"]):
                    if other not in found:
                        found.append(other)
                        pending.append(other)
        return found

    def _filters(
        self, clocks: Clocks, slug: str | None, with_linked: bool
    ) -> dict[str, Any]:
        """Which talks a timeline read keeps: one, linked ones, or all."""
        self._require_talks(slug)
        if slug and with_linked:
            return {"slugs": self.linked(slug, clocks)}
        if with_linked:
            raise InvalidInput("--with-linked needs --talks: the talks to start from")
        return {"slug": slug}

    def stances(
        self, slug: str, actor: str | None = None, clocks: Clocks = NOW
    ) -> list[StanceRow]:
        """Every stance recorded in talks ``slug`` (of ``actor``), with its
        valid and record time, retracted ones flagged; each with when it was
        first recorded and when a later stance of its actor replaced it."""
        self._require_talks(slug, clocks)
        rows = self.views.stances(slug, actor, clocks)
        stances = [
            StanceRow(**row, first_recorded_at=self._first_recorded(row),
                      replaced_at=None)
            for row in rows
        ]  # fmt: skip
        standing: dict[str, str] = {}  # ref: when its latest standing stance began
        for stance in sorted(stances, key=lambda s: s["entry_id"], reverse=True):
            stance["replaced_at"] = standing.get(stance["ref"])
            if not stance["retracted"]:
                standing[stance["ref"]] = stance["first_recorded_at"]
        return stances

    def _first_recorded(self, row: EntryRow) -> str:
        """When the entry of version ``row`` was first recorded."""
        if row["version_from"] == row["entry_id"]:
            return row["recorded_at"]
        return self.stored.recorded_at(row["entry_id"])

    def changes(self, slug: str, since: str, until: str | None = None) -> list[Change]:
        """What changed in talks ``slug`` after record time ``since`` and by
        ``until`` (default: now), in the order recorded."""
        self._require_talks(slug)
        after = self.record_time(since, "--from")  # as show --as-of would
        upto = (
            stored_time(datetime.now(UTC))
            if until is None
            else self.record_time(until, "--to", before_start=True)
        )
        if after > upto:
            raise InvalidInput(f"--from {since} is after --to {until}")
        changes = [change_of(v, b) for v, b in self.views.changes(slug, after, upto)]
        return [change for change in changes if not _empty(change)]

    def search(
        self, query: str, slug: str | None = None, *, tag: str | None = None,
        clocks: Clocks = NOW,
    ) -> list[SearchHit]:  # fmt: skip
        """Entries matching ``query``, best first; in talks ``slug``, carrying
        ``tag``, dated within ``clocks.since`` and ``clocks.until``."""
        if not parse_search(query):
            raise InvalidInput("search needs at least one word")
        self._require_talks(slug)
        return self.views.search(query, slug, tag=tag, clocks=clocks)

    def snapshot(
        self, slug: str | None = None, clocks: Clocks = NOW,
        least: Grade | None = None,
    ) -> Snapshot:  # fmt: skip
        """Talks ``slug`` (or every talks) as the views hold them now, whole;
        or as they stood at record time ``clocks.as_of``; each entry graded
        (with ``least``, only those graded that well, see
        :func:`projections.evidence.graded_snapshot`)."""
        from projections.evidence import graded_snapshot  # exports only

        return graded_snapshot(self._snapshot(slug, clocks), clocks, least)

    def _snapshot(self, slug: str | None, clocks: Clocks) -> Snapshot:
        self._require_talks(slug)
        if not clocks.as_of:
            return self.views.snapshot(slug)
        talks = []
        for row in self.views.talks_list():  # in the order opened
            if slug in (None, row["slug"]):
                with suppress(NotFound):  # a talks opened later is left out
                    talks.append(self.talks_view(row["slug"], clocks))
        if slug and not talks:
            raise not_yet(slug, clocks.as_of)
        from events import actor_id

        actors = [a for a in self.views.actors() if a["recorded_at"] <= clocks.as_of]
        sources = [s for s in self.views.sources() if s["recorded_at"] <= clocks.as_of]
        registered = self.stored.created_at([actor_id(a["key"]) for a in actors])
        graded = [g["position"] for s in sources for g in s["grades"]
                  if g["recorded_at"] <= clocks.as_of]  # fmt: skip
        return Snapshot(
            schema_version=SCHEMA_VERSION,
            head=None,
            heads={},
            # the last event it reflects: of its talks, an actor's, a source's
            position=max(
                [registered, *graded, *(view["last_position"] for view in talks)]
            ),
            recorded_at=clocks.as_of,
            as_of=clocks.as_of,
            actors=actors,
            sources=sources,
            talks=talks,
            timeline=[timeline_entry(e) for e in self.views.entries(clocks, slug=slug)],
        )

    def status(self) -> list[ViewStatus]:
        return self.views.status()

    def _require_talks(self, slug: str | None, clocks: Clocks = NOW) -> None:
        """Catch up; an unknown talks (or one not recorded yet at
        ``clocks.as_of``) is an error, not an empty answer."""
        self.refresh()
        if slug and not self.views.has_talks(slug):
            raise no_talks(slug)
        if (
            slug
            and clocks.as_of
            and not self.views.entries(
                Clocks(as_of=clocks.as_of), slug=slug, kind="talks", limit=1
            )
        ):
            raise not_yet(slug, clocks.as_of)

    def refresh(self) -> None:
        """Apply whatever was recorded since the views were last caught up."""
        if lag := self.views.lag():
            self._catch_up(lag)
