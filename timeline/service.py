"""The service: every read and write the front ends offer, as plain Python.

The CLI (and any other front end) parses its input, makes one call here and
renders what comes back; the checks, the errors (:mod:`events.errors`) and
the orchestration are all here, so every front end gives the same answers.
Open one with :func:`timeline.bootstrap.open_service`::

    from timeline.bootstrap import open_service

    with open_service(db="record.sqlite", author="analyst") as service:
        service.open_talks("geneva-round", "Geneva round", "Geneva", ["UKR", "RUS"])
        service.record_development("geneva-round", "2024-07", "Second round set")
        view = service.talks_view("geneva-round")

It opens lazily: recording never opens the views, and a query on views that
are up to date never loads the event models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from events.errors import ConcurrencyConflict, InvalidInput, NotFound
from events.grades import as_grade, best, meets
from events.policy import TextForm, checked

if TYPE_CHECKING:
    from events.grades import Reliability
    from projections.actors import ActorView
    from projections.changes import Change
    from projections.queries import Queries, Records, StanceRow
    from projections.records import EventRecord
    from projections.rows import Clocks, EntryRow, SearchHit, TalksRow, ViewStatus
    from projections.snapshot import Snapshot
    from projections.sources import SourceView
    from projections.talks import Scenario, TalksView
    from timeline.access import Access, Holder, TokenLogRow, TokenRow
    from timeline.application import CaseRecorded, DiplomaticRecord, HistoryEntry
    from timeline.casefile import Case
    from timeline.chain import Report
    from timeline.copying import Copied
    from timeline.follow import Followed
    from timeline.transfer import Imported
    from timeline.writing import Write

Progress = Callable[[int], None]
"""Told how many more items of a long task are done."""
ProgressBar = Callable[[str, int], AbstractContextManager[Progress]]
"""Opens the report of a long task: its label and how many items it has."""
PROGRESS_FROM = 5_000
"""Items a task must have before its progress is worth reporting."""


T = TypeVar("T", str, str | None)
LOOKUP = TextForm(1_000, lines=False)
"""What a looked-up value (a slug, an actor, a search) may be."""


class Rebuilt(TypedDict):
    rebuilt: list[str]
    events: int
    views: list[ViewStatus]


class StoreInfo(TypedDict):
    backend: str
    """``sqlite`` or ``postgresql``."""
    location: str
    """The file, or the URL with its password masked."""
    events: int
    head: int
    """The position of the last stored event (PostgreSQL's may have gaps)."""
    views: list[ViewStatus]


class Service:
    """The application and the queries over its views, opened on first use."""

    def __init__(
        self,
        open_record: Callable[[], DiplomaticRecord],
        open_queries: Callable[[Callable[[int], object], Records], Queries],
        where: str,
        progress: ProgressBar | None = None,
        opened: Callable[[], object] | None = None,
        backend: str = "sqlite",
        open_access: Callable[[], Access] | None = None,
    ) -> None:
        self._open_record = open_record
        self._open_queries = open_queries
        self.where = where
        """Where the store is, as the user may be shown it (never a password)."""
        self.backend = backend
        """Which kind of store: ``sqlite`` or ``postgresql``."""
        self._progress = progress
        self._opened = opened
        self._open_access = open_access

    @cached_property
    def record(self) -> DiplomaticRecord:
        """The application, for recording (loads the event models)."""
        record = self._open_record()
        if self._opened:
            self._opened()
        return record

    @cached_property
    def queries(self) -> Queries:
        """The views, for reading; the application loads only if they lag."""
        return self._open_queries(self._catch_up, self._records_back)

    @cached_property
    def access(self) -> Access:
        """The access tokens, browser sessions and idempotency keys of the
        store (see :mod:`timeline.access`), managed by the service's author."""
        if self._open_access is None:
            from events.errors import StoreError

            raise StoreError(f"no access tokens in {self.where!r}")
        return self._open_access()

    def close(self) -> None:
        if "access" in vars(self):
            self.access.close()
        if "queries" in vars(self):
            self.queries.views.close()
        if "record" in vars(self):
            self.record.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:  # fmt: skip
        self.close()

    # -- writes -------------------------------------------------------------------

    @contextmanager
    def writing(
        self, author: str | None = None, expected_version: int | None = None
    ) -> Iterator[Write]:
        """The writes made within, as one request of a front end: recorded
        by ``author``; refused (StaleVersion, nothing written) unless the
        talks they change are at ``expected_version``; the :class:`Write`
        then holds the version they left."""
        from timeline.writing import WRITE, Write

        write = Write(author, expected_version)
        token = WRITE.set(write)
        try:
            yield write
        finally:
            WRITE.reset(token)

    def register_actor(self, key: str, name: str, kind: str = "group") -> None:
        self.record.register_actor(key, name, kind)

    def add_source(
        self, key: str, title: str, publisher: str | None = None,
        url: str | None = None, published: str | None = None,
        reliability: str = "F", note: str | None = None,
    ) -> None:  # fmt: skip
        """Record a source entries may cite, graded A-F for reliability."""
        self.record.add_source(key, title, publisher, url, published, reliability,
                               note)  # fmt: skip

    def regrade_source(
        self, key: str, reliability: str, reason: str, on: str | None = None
    ) -> None:
        """Grade source ``key`` anew (from ``on``, in the world), with a reason."""
        self.record.regrade_source(key, reliability, reason, on)

    def open_talks(
        self, slug: str, title: str, location: str, parties: Sequence[str],
        on: str | None = None, summary: str | None = None,
        sources: Iterable[str] = (), tags: Iterable[str] = (),
        cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.record.open_talks(slug, title, location, list(parties), on, summary,
                               sources, tags, cites)  # fmt: skip

    def add_agenda_item(
        self, slug: str, key: str, title: str, detail: str | None = None,
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.record.add_agenda_item(slug, key, title, detail, on, tags, cites)

    def record_stance(
        self, slug: str, actor: str, position: str, interests: Iterable[str] = (),
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.record.record_stance(slug, actor, position, interests, on, tags, cites)

    def record_motivation(
        self, slug: str, actor: str, text: str, on: str | None = None,
        tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.record.record_motivation(slug, actor, text, on, tags, cites)

    def add_scenario(
        self, slug: str, key: str, outcome: str, impact: str, on: str | None = None,
        tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.record.add_scenario(slug, key, outcome, impact, on, tags, cites)

    def assess_scenario(
        self, slug: str, key: str, likelihood: str, note: str | None = None,
        on: str | None = None, confidence: str | None = None,
        tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        """Assess how likely scenario ``key`` is (an ICD 203 term), with the
        analyst's ``confidence`` (low, moderate, high) beside it."""
        self.record.assess_scenario(slug, key, likelihood, note, on, confidence, tags,
                                    cites)  # fmt: skip

    def add_recommendation(
        self, slug: str, key: str, title: str, outcome: str | None = None,
        detail: str | None = None, audience: str | None = None,
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        self.record.add_recommendation(slug, key, title, outcome, detail, audience,
                                       on, tags, cites)  # fmt: skip

    def record_development(
        self, slug: str, on: str, text: str, sources: Iterable[str] = (),
        actors: Iterable[str] = (), tags: Iterable[str] = (),
        cites: Iterable[str] = (),
    ) -> int:  # fmt: skip
        """Record a later development, naming the ``actors`` it concerns;
        its number."""
        return self.record.record_development(slug, on, text, sources, actors, tags,
                                              cites)  # fmt: skip

    def link_talks(
        self, slug: str, target: str, relation: str, note: str | None = None,
        on: str | None = None, tags: Iterable[str] = (), cites: Iterable[str] = (),
    ) -> None:  # fmt: skip
        """Record that talks ``slug`` stand in ``relation`` (follows,
        supersedes, part-of, related) to talks ``target``; ``unlink`` is the
        retraction of ``link:TARGET``."""
        self.record.link_talks(slug, target, relation, note, on, tags, cites)

    def amend(
        self, slug: str, ref: str, changes: dict[str, Any], reason: str, *,
        cite: Iterable[str] = (), uncite: Iterable[str] = (),
    ) -> None:  # fmt: skip
        """Amend entry ``ref``; ``cite`` adds citations, ``uncite`` withdraws
        some by source key."""
        self.record.amend(slug, ref, changes, reason, cite=cite, uncite=uncite)

    def retract(self, slug: str, ref: str, reason: str) -> None:
        self.record.retract(slug, ref, reason)

    def record_case(
        self, case: Case, source: str = "case file", *, update: bool = False,
        dry_run: bool = False, retract_missing: bool = False,
    ) -> CaseRecorded:  # fmt: skip
        """Record a case file's talks; with ``update``, bring talks recorded
        already to what it says (see :meth:`import_case`)."""
        recorded = self.record.record_case(
            case, source, update=update, dry_run=dry_run,
            retract_missing=retract_missing,
        )  # fmt: skip
        if not dry_run:
            self.queries.refresh()
        return recorded

    def record_demo(self) -> tuple[str, bool]:
        """Record the seed case, talks in Beijing; its slug, and whether it
        was recorded now (False: it was already)."""
        from timeline.casefile import demo_case

        recorded = self.record_case(demo_case(), "beijing-talks.yaml")
        return recorded.slug, recorded.opened

    def import_case(
        self, path: str | Path, *, dry_run: bool = False,
        retract_missing: bool = False,
    ) -> CaseRecorded:  # fmt: skip
        """Record the case file at ``path``: its talks opened, or, recorded
        already, brought to what the file says: entries added, fields that
        differ amended (reason: "case file PATH updated"), entries no longer
        in the file retracted only with ``retract_missing``. With
        ``dry_run``, nothing is written: the steps say what would be done."""
        from timeline.casefile import load_case

        return self.record_case(
            load_case(Path(path)), str(path), update=True, dry_run=dry_run,
            retract_missing=retract_missing,
        )  # fmt: skip

    def import_log(self, path: str | Path, *, name: str | None = None) -> Imported:
        """Import the event log at ``path``: every line is checked first (a
        bad one writes nothing), then the new events are stored a batch per
        transaction, reading the file a line at a time (see
        :mod:`timeline.transfer`). Errors name the log ``name`` (default:
        its path)."""
        from timeline.transfer import LogFile

        lines = LogFile(Path(path))
        with self._report("Checking events", lines.count()) as progress:
            log = self.record.check_log(lines, name or str(path), progress)
        with self._report("Importing events", log.imported.added) as progress:
            self.record.write_log(log, lines, progress)
        self.queries.refresh()
        return log.imported

    def copy_to(self, dest: Service) -> Copied:
        """Copy every stored event of this store into ``dest`` (record times,
        authors, topics and state bytes unchanged), a batch per transaction,
        then bring its views up. ``dest`` must be empty or hold the first
        events of this store, in the same order: only the rest is copied.
        Anything else is InvalidInput naming the first event that differs,
        and nothing is written."""
        from eventsourcing.persistence import IntegrityError

        from timeline.copying import (
            Copied,
            common_prefix,
            copy_rows,
            require_store,
            same_store,
        )

        if same_store(self.where, dest.where):
            raise InvalidInput(f"cannot copy {self.where!r} onto itself")
        require_store(self.where)
        source, target = self.record.stored, dest.record.stored
        with self._report("Comparing events", target.count()) as progress:
            held, position = common_prefix(source, target, progress)
        rest = max(source.count() - held, 0)
        with self._report("Copying events", rest, always=True) as progress:
            try:
                copied = copy_rows(source, position, dest.record.insert_stored,
                                   dest.record.insert_batch, progress)  # fmt: skip
            except IntegrityError:
                raise ConcurrencyConflict(
                    f"{dest.where!r} changed while copying; what was copied is a "
                    "first part of the source: copy again to continue"
                ) from None
        dest.queries.refresh()
        return Copied(copied=copied, skipped=held)

    # -- reads --------------------------------------------------------------------

    def clocks(
        self, *, as_of: str | None = None, at: str | None = None,
        since: str | None = None, until: str | None = None,
    ) -> Clocks:  # fmt: skip
        """The clocks a read goes by, from the user's text, checked: record
        time ``as_of``, valid day ``at``, valid dates ``since`` and ``until``."""
        return self.queries.clocks(as_of=as_of, at=at, since=since, until=until)

    def talks_list(self) -> list[TalksRow]:
        return self.queries.talks_list()

    def actors(self) -> list[ActorView]:
        return self.queries.actors()

    def sources(self, clocks: Clocks | None = None) -> list[SourceView]:
        """Every source, by key, as it stood on ``clocks`` (now: as it stands)."""
        from projections.sources import sourced

        clocks = _or_now(clocks)
        return [
            sourced(view, clocks)
            for view in self.queries.sources()
            if not clocks.as_of or view["recorded_at"] <= clocks.as_of
        ]

    def source(self, key: str, clocks: Clocks | None = None) -> SourceView:
        """Source ``key`` as it stood on ``clocks``; NotFound if not recorded."""
        found = [s for s in self.sources(clocks) if s["key"] == _looked_up(key)]
        if not found:
            raise NotFound(f"no source {key!r}; timeline source list names them")
        return found[0]

    def reliability(self, clocks: Clocks | None = None) -> Reliability:
        """Each source's reliability on ``clocks``, by key."""
        return self.queries.reliability(_or_now(clocks))

    def talks_view(
        self, slug: str, clocks: Clocks | None = None, min_grade: str | None = None
    ) -> TalksView:
        """The view of talks ``slug``: now, or by ``clocks``; with
        ``min_grade``, only the entries backed by a citation graded that well."""
        clocks = _or_now(clocks)
        view = self.queries.talks_view(_looked_up(slug), clocks)
        if min_grade is None:
            return view
        from projections.evidence import at_least

        return at_least(view, as_grade(min_grade), self.reliability(clocks))

    def talks_document(self, slug: str) -> tuple[int, str]:
        """The version of talks ``slug`` and its current view as JSON text, as
        stored: what ``talks_view`` gives, for passing on without parsing."""
        return self.queries.talks_document(_looked_up(slug))

    def scenarios(self, slug: str, clocks: Clocks | None = None) -> list[Scenario]:
        """The scenarios of talks ``slug`` that stand, each with its assessments."""
        from projections.talks import standing

        return standing(self.talks_view(slug, clocks)["scenarios"])

    def history(self, slug: str, as_of: str | None = None) -> list[HistoryEntry]:
        """Every stored event of talks ``slug``, recorded by ``as_of`` (text)."""
        moment = None if as_of is None else self.queries.record_time(as_of, "--as-of")
        return self.record.history(_looked_up(slug), moment)

    def verify(self, slug: str | None = None, head: str | None = None) -> Report:
        """The hash chain of the stored events (of talks ``slug``), checked:
        see :mod:`timeline.chain`."""
        return self.record.verify(_looked_up(slug), head)

    def stance_history(
        self, slug: str, actor: str | None = None, clocks: Clocks | None = None
    ) -> list[StanceRow]:
        return self.queries.stances(
            _looked_up(slug), _looked_up(actor, "actor"), _or_now(clocks)
        )

    def entries(
        self, clocks: Clocks | None = None, *, slug: str | None = None,
        actor: str | None = None, tag: str | None = None, kind: str | None = None,
        limit: int | None = None, offset: int = 0, with_linked: bool = False,
        min_grade: str | None = None,
    ) -> list[EntryRow]:  # fmt: skip
        """The timeline across talks, in valid-time order: of talks ``slug``
        (``with_linked``: and of every talks linked to them), concerning
        ``actor``, filed under ``tag``, of ``kind``, backed by a citation
        graded ``min_grade`` or better; at most ``limit``, after the first
        ``offset`` (see :meth:`count_entries` for how many there are). Each
        row carries its best citation's ``grade`` on the same clocks."""
        clocks = _or_now(clocks)
        lookups: dict[str, Any] = {**_lookups(slug, actor, tag, kind),
                                   "with_linked": with_linked}  # fmt: skip
        reliability = self.reliability(clocks)
        if min_grade is None:
            rows = self.queries.entries(clocks, limit=limit, offset=offset, **lookups)
        else:
            graded = self._at_least(clocks, min_grade, reliability, lookups)
            rows = graded[offset : offset + limit if limit else None]
        for row in rows:
            found = best(row["fields"], reliability)
            row["grade"] = str(found) if found else None
        return rows

    def _at_least(
        self, clocks: Clocks, min_grade: str, reliability: Reliability,
        lookups: dict[str, Any],
    ) -> list[EntryRow]:  # fmt: skip
        """Every entry :meth:`entries` reads, backed by a citation graded
        ``min_grade`` or better (read whole: grades are not in the views)."""
        least = as_grade(min_grade)
        rows = self.queries.entries(clocks, **lookups)
        return [row for row in rows if meets(row["fields"], least, reliability)]

    def count_entries(
        self, clocks: Clocks | None = None, *, slug: str | None = None,
        actor: str | None = None, tag: str | None = None, kind: str | None = None,
        with_linked: bool = False, min_grade: str | None = None,
    ) -> int:  # fmt: skip
        """How many entries :meth:`entries` gives without a limit."""
        clocks = _or_now(clocks)
        lookups: dict[str, Any] = {**_lookups(slug, actor, tag, kind),
                                   "with_linked": with_linked}  # fmt: skip
        if min_grade is not None:
            graded = self._at_least(
                clocks, min_grade, self.reliability(clocks), lookups
            )
            return len(graded)
        return self.queries.count_entries(clocks, **lookups)

    def search(
        self, query: str, slug: str | None = None, *, tag: str | None = None,
        clocks: Clocks | None = None, min_grade: str | None = None,
    ) -> list[SearchHit]:  # fmt: skip
        """Entries matching ``query``, best first; in talks ``slug``, carrying
        ``tag``, dated within ``clocks.since`` and ``clocks.until``; with
        ``min_grade``, only those backed by a citation graded that well."""
        clocks = _or_now(clocks)
        hits = self.queries.search(
            _looked_up(query, "search"), _looked_up(slug),
            tag=_tag_looked_up(tag), clocks=clocks,
        )  # fmt: skip
        if min_grade is None:
            return hits
        least, reliability = as_grade(min_grade), self.reliability(clocks)
        fields = {
            row["entry_id"]: row["fields"]
            for found in {hit["slug"] for hit in hits}
            for row in self.queries.entries(clocks, slug=found)
        }  # fmt: skip
        return [
            hit for hit in hits
            if meets(fields.get(hit["entry_id"], {}), least, reliability)
        ]  # fmt: skip

    def changes(self, slug: str, since: str, until: str | None = None) -> list[Change]:
        """What changed in talks ``slug`` between two record times (text)."""
        return self.queries.changes(_looked_up(slug), since, until)

    def snapshot(
        self, slug: str | None = None, clocks: Clocks | None = None,
        min_grade: str | None = None,
    ) -> Snapshot:  # fmt: skip
        """Talks ``slug`` (or all) whole, on ``clocks``; with ``min_grade``,
        only entries backed by a citation graded that well or better."""
        least = as_grade(min_grade) if min_grade is not None else None
        return self.queries.snapshot(_looked_up(slug), _or_now(clocks), least)

    def export(
        self, format_name: str, slug: str | None = None, clocks: Clocks | None = None,
        min_grade: str | None = None,
    ) -> Iterator[str]:  # fmt: skip
        """Talks ``slug`` (or all) in a format of :data:`EXPORT_FORMATS`, as
        chunks of text: the event log line by line (read them while the
        service is open), any other format whole."""
        return self.exported(format_name, slug, clocks, min_grade)[0]

    def exported(
        self, format_name: str, slug: str | None = None, clocks: Clocks | None = None,
        min_grade: str | None = None,
    ) -> tuple[Iterator[str], int | None, str | None]:  # fmt: skip
        """As :meth:`export`, with the store position and head the snapshot
        reflects (None for the event log, whose lines name their own).
        ``min_grade`` keeps only entries graded that well (not of the event
        log, which is the record whole)."""
        if format_name not in EXPORT_FORMATS:
            formats = ", ".join(EXPORT_FORMATS)
            raise InvalidInput(f"no export format {format_name!r}; formats: {formats}")
        if format_name == "jsonl" and min_grade is not None:
            raise InvalidInput(
                "--min-grade cannot filter the event log (jsonl): it is the"
                " record whole; export another format"
            )
        if format_name == "jsonl":
            from timeline.transfer import event_log

            if slug:  # an unknown talks (or one not recorded yet) is an error
                self.talks_view(slug, clocks)
            as_of = clocks.as_of if clocks else None
            lines = event_log(self.record.stored, slug, as_of)
            return (line + "\n" for line in lines), None, None
        from timeline.exporters import exporter

        snapshot = self.snapshot(slug, clocks, min_grade)
        position, record = snapshot["position"], self.record
        snapshot["head"] = record.head_at(position)
        snapshot["heads"] = {
            view["slug"]: record.talks_head(view["slug"], view["version"])
            for view in snapshot["talks"]
        }
        text = exporter(format_name)(snapshot)
        return iter([text]), position, snapshot["head"]

    def status(self) -> list[ViewStatus]:
        return self.queries.status()

    def store_info(self) -> StoreInfo:
        """Which store this is and what it holds; reads, never catches up."""
        stored = self.queries.stored
        return StoreInfo(
            backend=self.backend,
            location=self.where,
            events=stored.count(),
            head=stored.head(),
            views=self.queries.status(),
        )

    def rebuild(self, names: str | Sequence[str] = ()) -> Rebuilt:
        """Empty the named views (default: all) and replay every event into them."""
        from timeline.catchup import rebuild

        views = self.record.views
        chosen = [names] if isinstance(names, str) else list(names) or views.names()
        views.require(chosen)
        label = "Rebuilding " + ", ".join(chosen)
        with self._report(label, views.head(), always=True) as progress:
            replayed = rebuild(self.record, chosen, progress)
        return Rebuilt(rebuilt=chosen, events=replayed, views=views.status())

    def follow(
        self,
        report: Callable[[Followed], None],
        *,
        interval: float = 0.2,
        stop_on: Iterable[int] = (),
    ) -> int:
        """Keep every view current as events are recorded, until one of the
        signals ``stop_on`` arrives; the views' position then. Waits on the
        store's notifications (PostgreSQL) or looks at its head every
        ``interval`` seconds (SQLite); see :mod:`timeline.follow`."""
        from timeline.follow import Follower

        follower = Follower(
            self.record, report, backend=self.backend, interval=interval,
            progress_bar=self._report,
        )  # fmt: skip
        with follower.stopped_by(stop_on):
            return follower.run()

    # -- access tokens ------------------------------------------------------------

    def create_token(self, name: str, role: str) -> str:
        """Issue a token ``name`` of ``role`` (reader, analyst or admin), by the
        service's author; the token, shown this once (only its hash is kept)."""
        return self.access.create_token(name, role)

    def tokens(self) -> list[TokenRow]:
        """Every token issued, revoked ones too; never the tokens themselves."""
        return self.access.tokens()

    def token_log(self) -> list[TokenLogRow]:
        """Every issue and revocation of a token, with who did it."""
        return self.access.token_log()

    def revoke_token(self, name: str) -> None:
        """Revoke the active token ``name`` (and end its sessions)."""
        self.access.revoke_token(name)

    def token_holder(self, token: str) -> Holder | None:
        """The name and role of an active token; None if unknown or revoked."""
        return self.access.token_holder(token)

    # -- helpers ------------------------------------------------------------------

    def _catch_up(self, lag: int) -> None:
        """Apply new events to the views, reporting progress when there are many."""
        from timeline.catchup import catch_up

        with self._report("Updating views", lag) as progress:
            catch_up(self.record, progress)

    def _records_back(self, slug: str, version: int) -> Iterator[EventRecord]:
        return self.record.talks_records_back(slug, version)

    def _report(
        self, label: str, total: int, *, always: bool = False
    ) -> AbstractContextManager[Progress | None]:
        if self._progress is None or (total < PROGRESS_FROM and not always):
            return nullcontext()
        return self._progress(label, total)


def _looked_up(value: T, what: str = "talks") -> T:
    """A value a read looks up (a slug, an actor, a search), checked as the
    input policy checks one line of text: what no entry can hold is an
    error, the same on every backend, never sent to the store."""
    if isinstance(value, str):
        checked(value, what, LOOKUP)
    return value


def _lookups(
    slug: str | None, actor: str | None, tag: str | None, kind: str | None
) -> dict[str, str | None]:
    return {
        "slug": _looked_up(slug), "actor": _looked_up(actor, "actor"),
        "tag": _tag_looked_up(tag), "kind": _looked_up(kind, "kind"),
    }  # fmt: skip


def _tag_looked_up(tag: str | None) -> str | None:
    """A tag to look up, in the one case tags are recorded in (lowercase), so
    that ``--tag Ceasefire`` finds what was filed under ``ceasefire``."""
    return _looked_up(None if tag is None else tag.lower(), "tag")


def _or_now(clocks: Clocks | None) -> Clocks:
    from projections.rows import NOW  # not when the CLI starts

    return clocks or NOW


EXPORT_FORMATS = ["markdown", "json", "jsonl", "csv", "html", "timelinejs", "ical"]
"""Every format :meth:`Service.export` writes."""
