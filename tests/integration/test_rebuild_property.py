"""The core invariant: every incrementally kept view equals a rebuild from zero.

Random command sequences run through the real application on a fresh SQLite
store per example; failed commands must write nothing; the views catch up at
random points in random batch sizes, one view may be reset and replay alone
while the others are current, and a projection may crash in the middle of a
catch-up (the batch being applied rolls back, the earlier ones stay). At the
end each view's tables must equal the same view rebuilt from the events alone.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import KINDS, Talks, TimelineError, talks_id
from events.base import DomainEvent
from projections import catchup
from projections.entries import main_text
from projections.records import EventRecord
from projections.rows import Clocks
from projections.talks import TalksView, rebuild, standing
from timeline.bootstrap import open_service
from timeline.catchup import catch_up
from timeline.catchup import rebuild as rebuild_views
from timeline.service import Service

SLUG = "beijing-talks"
OTHER = "geneva-talks"
NAMES = {
    "CHN": "China",
    "UKR": "Ukraine",
    "western-nations": "Western nations",
    "un": "United Nations",
}

# Small alphabets, so that keys collide; the invalid values ("Bad", "",
# "2024-13", "XXX", ...) make some commands fail.
KEYS = ["a", "b", "Bad", "a", "b"]
ACTORS = ["CHN", "UKR", "XXX", "un", "western-nations"]
TEXTS = ["Ceasefire", " Trade ", "", "Peace"]
BAD_REFS = ["agenda:zzz", "stance:RUS", "development:9", "talks:x", "bogus", "stance:"]

VALUES: dict[str, list[Any]] = {
    "title": ["New title", " Padded ", "", "Other"],
    "location": ["Shanghai", "", "Geneva"],
    "summary": ["Summary", ""],
    "detail": ["Detail", ""],
    "position": ["Revised", "Again", "", "Later"],
    "interests": [["x"], [], [""], ["y", " z "]],
    "text": ["Revised", "", "Again"],
    "outcome": ["Outcome", "", "Other"],
    "impact": ["Impact", "", "Other"],
    "on": ["2024", "2024-07-23", "", "2024-13", "2025-01"],
    "audience": ["CHN", "un", "", "western-nations"],
    "likelihood": ["likely", "Very unlikely", "probable", "almost-certain"],
    "confidence": ["low", "", "High", "sure"],
    "note": ["Note", ""],
    "relation": ["follows", "part-of", "after"],
    "actors": [["CHN"], [""], ["un", "UKR"], ["XXX"]],
    "tags": [["ceasefire"], [""], ["Bad"], ["grain-deal", "ceasefire"]],
    "cites": [["wire:2"], [], ["wire:1@p.4", "agency"], ["missing:3"], ["wire:9"]],
    "bogus": ["x"],
}
TAGS = [[], ["ceasefire"], ["grain-deal", "ceasefire"], ["Bad tag"]]

Command = tuple[Any, ...]

# A ref is a number: mostly an index into the refs recorded so far, counted
# from the latest (resolved when the command runs, so that most amendments and
# retractions hit an entry); from BAD on, a ref that names nothing.
BAD = 90
refs = st.integers(0, BAD + len(BAD_REFS) - 1)
# Changes are (field index, value index) pairs, resolved against the fields the
# ref's kind allows; "bogus" adds an unknown field, "nothing" drops them all.
changes = st.tuples(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=2),
    st.sampled_from(["", "", "", "bogus", "", "nothing", "", ""]),
)

DATES = ["", "2024-07", "2023", "2024-13"]
commands = st.one_of(
    st.tuples(
        st.just("agenda"),
        st.sampled_from(KEYS),
        st.sampled_from(TEXTS),
        st.sampled_from(DATES),
        st.sampled_from(TAGS),
    ),
    st.tuples(
        st.just("assess"),
        st.sampled_from(KEYS),
        st.sampled_from(VALUES["likelihood"]),
        st.sampled_from(DATES),
        st.sampled_from(["", "moderate", "low"]),
    ),
    st.tuples(st.just("scenario"), st.sampled_from(KEYS), st.sampled_from(TEXTS)),
    st.tuples(
        st.just("recommendation"), st.sampled_from(KEYS), st.sampled_from([*ACTORS, ""])
    ),
    st.tuples(st.just("stance"), st.sampled_from(ACTORS), st.sampled_from(TEXTS)),
    st.tuples(st.just("motive"), st.sampled_from(ACTORS), st.sampled_from(TEXTS)),
    st.tuples(
        st.just("development"),
        st.sampled_from(["2024-08", "2024-02-30", "2024-09-01"]),
        st.sampled_from([[], ["CHN"], ["un"], ["XXX"]]),
        st.sampled_from(TAGS),
    ),
    st.tuples(
        st.just("link"),
        st.sampled_from(["follows", "supersedes", "after"]),
        st.sampled_from(["", "Note"]),
    ),
    st.tuples(st.just("unlink"), st.sampled_from(["Wrong", ""])),
    st.tuples(st.just("register"), st.sampled_from(["un", "western-nations"])),
    st.tuples(st.just("other"), st.sampled_from(KEYS)),
    st.tuples(
        st.just("amend"),
        refs,
        changes,
        st.sampled_from(["Misquoted", "Error", " ", "Typo"]),
    ),
    st.tuples(
        st.just("retract"),
        refs,
        st.sampled_from(["Wrong", "No", "", "Unsourced"]),
    ),
    st.tuples(st.just("catch_up")),
    st.tuples(st.just("catch_up_in"), st.integers(1, 5)),
    # view index, the call of its apply that crashes, batch size, crash after
    # the projection wrote (True) or before
    st.tuples(
        st.just("crash"),
        st.integers(0, 5),
        st.integers(1, 3),
        st.integers(1, 5),
        st.booleans(),
    ),
    st.tuples(st.just("reset"), st.integers(0, 5)),
)
VIEW_COMMANDS = ("catch_up", "catch_up_in", "crash", "reset")

# The tables of each view; the search view's FTS5 index is compared through
# searches, and its content rows without their ids (a rebuild may number
# them differently).
TABLES = {
    "actors": ["actors_view"],
    "sources": ["sources_view"],
    "talks": ["talks_view"],
    **{
        name: [name, f"{name}_actors", f"{name}_tags", f"{name}_talks"]
        for name in ("timeline", "stances", "scenarios")
    },
    "search": ["search_talks"],
}
SEARCH_COLUMNS = "talks_id, slug, kind, ref, entry_id, fields, text"
SEARCHES = [
    "Ceasefire", "trade", "Peace", "Revised", "Truce AP", "tra*", "Beijing",
    "Elsewhere", "Outcome Impact", "talks", "Again", "Other Shanghai",
]  # fmt: skip


class SimulatedCrash(Exception):
    pass


def resolve(ref: int, known: list[str]) -> str:
    return known[-1 - ref % len(known)] if ref < BAD else BAD_REFS[ref - BAD]


def resolve_changes(
    ref: str, spec: tuple[list[tuple[int, int]], str]
) -> dict[str, Any]:
    picks, extra = spec
    kind = KINDS.get(ref.partition(":")[0])
    fields = list(kind.amendable if kind else VALUES)
    result = {}
    for i, j in picks:
        name = fields[i % len(fields)]
        result[name] = VALUES[name][j % len(VALUES[name])]
    if extra == "bogus":
        result["bogus"] = "x"
    return {} if extra == "nothing" else result


def run(app: Service, command: Command, known: list[str]) -> str | None:
    """Run one command; return the ref of the entry it recorded, if any."""
    match command:
        case ("agenda", key, title, on, tags):
            app.add_agenda_item(SLUG, key, title, on=on or None, tags=tags)
            return f"agenda:{key}"
        case ("assess", key, likelihood, on, confidence):
            app.assess_scenario(
                SLUG, key, likelihood, "Note", on=on or None,
                confidence=confidence or None,
            )  # fmt: skip
            return f"assessment:{key}"
        case ("scenario", key, outcome):
            app.add_scenario(SLUG, key, outcome, "Impact")
            return f"scenario:{key}"
        case ("recommendation", key, audience):
            app.add_recommendation(SLUG, key, "Talk", audience=audience or None)
            return f"recommendation:{key}"
        case ("stance", actor, position):
            app.record_stance(SLUG, actor, position, ["trade"], "2024-07")
            return f"stance:{actor}"
        case ("motive", actor, text):
            app.record_motivation(SLUG, actor, text)
            return f"motive:{actor}"
        case ("development", on, actors, tags):
            number = app.record_development(SLUG, on, "Truce", ["AP"], actors, tags)
            return f"development:{number}"
        case ("link", relation, note):
            app.link_talks(SLUG, OTHER, relation, note or None)
            return f"link:{OTHER}"
        case ("unlink", reason):
            app.retract(SLUG, f"link:{OTHER}", reason)
        case ("register", key):
            app.register_actor(key, NAMES[key], "organization")
        case ("other", key):
            app.add_agenda_item(OTHER, key, "Elsewhere")
        case ("amend", ref, spec, reason):
            target = resolve(ref, known)
            app.amend(SLUG, target, resolve_changes(target, spec), reason)
        case ("retract", ref, reason):
            app.retract(SLUG, resolve(ref, known[1:] or known), reason)
        case ("catch_up",):
            catch_up(app.record)
        case ("catch_up_in", size):
            catchup.catch_up(app.record.views, app.record.read_records, batch_size=size)
        case ("crash", index, nth, size, after):
            projection = app.record.views.projections[index]
            with crashing(projection, nth, after), suppress(SimulatedCrash):
                catchup.catch_up(
                    app.record.views, app.record.read_records, batch_size=size
                )
        case ("reset", index):
            app.record.views.reset([app.record.views.names()[index]])
        case _:
            raise AssertionError(command)
    return None


@contextmanager
def crashing(projection: Any, nth: int, after: bool) -> Iterator[None]:
    """Make the ``nth`` call of the projection's apply raise, once."""
    real = projection.apply
    calls = 0

    def apply(c: Any, batch: Any, replaying: bool, prepared: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == nth and not after:
            raise SimulatedCrash
        real(c, batch, replaying, prepared)
        if calls == nth:
            raise SimulatedCrash  # after writing: the transaction must roll back

    projection.apply = apply
    try:
        yield
    finally:
        del projection.apply


def history(app: Service, slug: str) -> Iterator[EventRecord]:
    """Every event of the talks ``slug``, read from the whole store in batches
    and decoded into the validated event models (not the views' fast path)."""
    start = 0
    while notifications := app.record.recorder.select_notifications(
        start, 4, inclusive_of_start=False
    ):
        for notification in notifications:
            event = app.record.mapper.to_domain_event(notification)
            if isinstance(event, Talks.Event) and event.originator_id == talks_id(slug):
                yield EventRecord.of(notification.id, cast(DomainEvent, event))
        start = notifications[-1].id


def check(app: Service, script: list[Command]) -> None:
    app.register_actor("western-nations", "Western nations", "group")
    app.add_source("wire", "A wire report", reliability="B")
    app.add_source("agency", "An agency")
    app.regrade_source("agency", "C", "Checked", on="2024-08")
    app.open_talks(SLUG, "Beijing talks", "Beijing", ["CHN", "UKR"], on="2024-07")
    app.open_talks(OTHER, "Geneva talks", "Geneva", ["western-nations"])
    known = ["talks"]
    for command in script:
        before = app.record.event_count()
        writes = command[0] not in VIEW_COMMANDS
        try:
            recorded = run(app, command, known)
        except TimelineError:
            assert app.record.event_count() == before, command
        else:
            assert app.record.event_count() == before + writes, command
            if recorded and recorded not in known:
                known.append(recorded)
    for slug in (SLUG, OTHER):
        incremental = app.queries.talks_view(slug)
        rebuilt = rebuild(history(app, slug), lambda code: NAMES.get(code, code))
        assert rebuilt is not None
        assert incremental.pop("linked") == linked(app, slug)
        assert incremental == rebuilt
        assert (
            app.record.repository.get(talks_id(slug)).version == incremental["version"]
        )
        check_entries(app, incremental)
        check_as_of(app, slug)
    assert catch_up(app.record) == 0
    head = app.record.event_count()
    assert app.record.views.positions() == dict.fromkeys(app.record.views.names(), head)

    before = dump(app)
    found = searches(app)
    for name in app.record.views.names():
        rebuild_views(app.record, [name])
        assert app.record.views.positions() == dict.fromkeys(
            app.record.views.names(), head
        )
        after = dump(app)
        assert after[name] == before[name], name
        assert after == before, f"rebuilding {name} changed another view"
    assert searches(app) == found


def linked(app: Service, slug: str) -> list[dict[str, Any]]:
    """The links between the two talks, read from ``slug``, as the events
    alone say: those of SLUG to OTHER that stand."""
    view = rebuild(history(app, SLUG), lambda code: NAMES.get(code, code))
    other = OTHER if slug == SLUG else SLUG
    linked_view = rebuild(history(app, other), lambda code: NAMES.get(code, code))
    assert view is not None
    assert linked_view is not None
    from events.links import INVERSE as inverse

    return [
        {
            "talks": other,
            "title": linked_view["title"],  # as it stands: it may be amended
            "relation": link["relation"] if slug == SLUG
            else inverse.get(link["relation"], link["relation"]),
            "recorded_on": SLUG, "note": link["note"], "on": link["on"],
            "entry_id": link["store_position"],
        }
        for link in standing(view["links"])
    ]  # fmt: skip


def check_as_of(app: Service, slug: str) -> None:
    """The view as of each record time, undone from the current one, equals
    the fold of the events recorded by then."""
    records = list(history(app, slug))
    for record in records:
        then = [r for r in records if r.recorded_at <= record.recorded_at]
        expected = rebuild(then, lambda code: NAMES.get(code, code))
        past = app.queries.talks_view(slug, Clocks(as_of=record.recorded_at))
        past.pop("linked")
        assert past == expected


def dump(app: Service) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each view's tables, by view, in a stable order."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with app.record.views.datastore.transaction(commit=False) as c:
        c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in c.fetchall()}
        known = {t for names in TABLES.values() for t in names}
        assert tables - known == {
            "stored_events", "stored_snapshots", "tracking", "view_schemas",
            "view_replays", "search_entries",
            "search_index", "search_index_data", "search_index_idx",
            "search_index_docsize", "search_index_config",
        }  # fmt: skip
        for name, names in TABLES.items():
            rows: list[tuple[Any, ...]] = []
            for table in names:
                c.execute(f"SELECT * FROM {table} ORDER BY {columns(c, table)}")
                rows += [(table, *row) for row in c.fetchall()]
            result[name] = rows
        c.execute(f"SELECT {SEARCH_COLUMNS} FROM search_entries"
                  f" ORDER BY {SEARCH_COLUMNS}")  # fmt: skip
        result["search"] += [("search_entries", *row) for row in c.fetchall()]
    return result


def columns(c: Any, table: str) -> str:
    c.execute(f"PRAGMA table_info({table})")
    return ", ".join(row[1] for row in c.fetchall())


def searches(app: Service) -> list[list[Any]]:
    return [
        app.queries.search(query, slug) for query in SEARCHES for slug in (None, SLUG)
    ]


def entries(view: TalksView) -> dict[str, set[tuple[str, int, str]]]:
    """(ref, entry id, main text) of each kind of entry that stands, from the
    talks view: what the versioned tables and the search index must hold."""
    found: dict[str, set[tuple[str, int, str]]] = {
        "talks": {("talks", view["opened"]["store_position"], view["title"])}
    }
    for kind, key, collection in [
        ("agenda", "key", "agenda"),
        ("stance", "actor", "stances"),
        ("motive", "actor", "motivations"),
        ("scenario", "key", "scenarios"),
        ("recommendation", "key", "recommendations"),
        ("development", "number", "developments"),
        ("link", "target", "links"),
    ]:
        found[kind] = {
            (f"{kind}:{entry[key]}", entry["store_position"], main_text(kind, entry))
            for entry in standing(view[collection])  # type: ignore[literal-required]
        }
    found["assessment"] = {
        (f"assessment:{s['key']}", a["store_position"],
         main_text("assessment", cast(dict[str, Any], a)))
        for s in view["scenarios"]
        for a in standing(s["assessments"])
    }  # fmt: skip
    return found


def check_entries(app: Service, view: TalksView) -> None:
    """The versioned tables and the search index agree with the talks view."""
    slug = view["slug"]
    standing_now = entries(view)

    def triples(rows: list[Any]) -> set[tuple[str, int, str]]:
        return {(r["ref"], r["entry_id"], r["text"]) for r in rows}

    assert triples(app.record.views.entries(slug=slug)) == set().union(
        *standing_now.values()
    )
    dates = {(r["ref"], r["entry_id"]): r["valid_text"]
             for r in app.record.views.entries(slug=slug)}  # fmt: skip
    assert dates[("talks", view["opened"]["store_position"])] == (view["on"] or None)
    for stance in standing(view["stances"]):
        key = (f"stance:{stance['actor']}", stance["store_position"])
        assert dates[key] == (stance["on"] or None)
    for development in standing(view["developments"]):
        key = (f"development:{development['number']}", development["store_position"])
        assert dates[key] == development["on"]
    for item in standing(view["agenda"]):
        assert dates[(f"agenda:{item['key']}", item["store_position"])] == item["on"]

    stances = app.record.views.stances(slug)
    assert triples([r for r in stances if not r["retracted"]]) == standing_now["stance"]
    assert {r["entry_id"] for r in stances if r["retracted"]} == {
        s["store_position"] for s in view["stances"] if s["retracted"]
    }
    assert triples(app.record.views.scenarios(slug)) == (
        standing_now["scenario"] | standing_now["assessment"]
    )

    with app.record.views.datastore.transaction(commit=False) as c:
        c.execute("SELECT ref, entry_id FROM search_entries WHERE slug = ?", (slug,))
        indexed = [tuple(row) for row in c.fetchall()]
        # The FTS5 index holds exactly the content rows' text (raises if not).
        c.execute(
            "INSERT INTO search_index (search_index, rank)"
            " VALUES ('integrity-check', 1)"
        )
    assert sorted(indexed) == sorted(
        (ref, entry_id) for kind in standing_now.values() for ref, entry_id, _ in kind
    )


@pytest.mark.sqlite_only  # compares the SQLite file's view tables row by row
@settings(max_examples=120, deadline=None)
@given(
    st.lists(commands, min_size=10, max_size=50),
    st.sampled_from([0, 2, 8, 10**9]),
)
def test_incremental_view_equals_rebuild(script: list[Command], replay: int) -> None:
    """``replay``: how far behind a view must be to replay without its query
    indexes (the default is thousands of events; small values exercise it)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = open_service(Path(tmp) / "t.sqlite", "tester")
        app.record.views.replay_from = replay
        try:
            check(app, script)
            assert_whole(app)
        finally:
            app.close()


def assert_whole(app: Service) -> None:
    """Caught up, no view is left replaying, and every index of every view is
    there, exactly as a fresh view's tables have them."""
    with app.record.views.datastore.transaction(commit=False) as c:
        c.execute("SELECT name FROM view_replays")
        assert c.fetchall() == []
        c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        indexes = {row[0] for row in c.fetchall()}
    expected = {
        statement.split(" IF NOT EXISTS ")[1].split()[0]
        for projection in app.record.views.projections
        for statement in projection.create()
        if statement.startswith("CREATE INDEX")
    }
    assert expected <= indexes
