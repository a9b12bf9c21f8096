"""The core invariant: the incrementally kept view equals a rebuild from history.

Random command sequences run through the real application on a fresh SQLite
store per example; failed commands must write nothing; the views catch up at
random points in random batch sizes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from events import AMENDABLE, Talks, TimelineError, talks_id
from events.base import DomainEvent
from projections import catchup
from projections.talks import rebuild
from timeline.application import VIEWS, Timeline
from timeline.bootstrap import open_timeline
from timeline.settings import Settings

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
    "bogus": ["x"],
}

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

commands = st.one_of(
    st.tuples(st.just("agenda"), st.sampled_from(KEYS), st.sampled_from(TEXTS)),
    st.tuples(st.just("scenario"), st.sampled_from(KEYS), st.sampled_from(TEXTS)),
    st.tuples(
        st.just("recommendation"), st.sampled_from(KEYS), st.sampled_from([*ACTORS, ""])
    ),
    st.tuples(st.just("stance"), st.sampled_from(ACTORS), st.sampled_from(TEXTS)),
    st.tuples(st.just("motive"), st.sampled_from(ACTORS), st.sampled_from(TEXTS)),
    st.tuples(
        st.just("development"), st.sampled_from(["2024-08", "2024-02-30", "2024-09-01"])
    ),
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
)


def resolve(ref: int, known: list[str]) -> str:
    return known[-1 - ref % len(known)] if ref < BAD else BAD_REFS[ref - BAD]


def resolve_changes(
    ref: str, spec: tuple[list[tuple[int, int]], str]
) -> dict[str, Any]:
    picks, extra = spec
    fields = list(AMENDABLE.get(ref.partition(":")[0], VALUES))
    result = {}
    for i, j in picks:
        name = fields[i % len(fields)]
        result[name] = VALUES[name][j % len(VALUES[name])]
    if extra == "bogus":
        result["bogus"] = "x"
    return {} if extra == "nothing" else result


def run(app: Timeline, command: Command, known: list[str]) -> str | None:
    """Run one command; return the ref of the entry it recorded, if any."""
    match command:
        case ("agenda", key, title):
            app.add_agenda_item(SLUG, key, title)
            return f"agenda:{key}"
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
        case ("development", on):
            return f"development:{app.record_development(SLUG, on, 'Truce', ['AP'])}"
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
            app.catch_up()
        case ("catch_up_in", size):
            catchup.catch_up(
                VIEWS, app.views, app.recorder, app.mapper, batch_size=size
            )
        case _:
            raise AssertionError(command)
    return None


def history(app: Timeline, slug: str) -> Iterator[tuple[int, DomainEvent]]:
    """Every event of the talks ``slug``, read from the whole store in batches."""
    start = 0
    while notifications := app.recorder.select_notifications(
        start, 4, inclusive_of_start=False
    ):
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, Talks.Event) and event.originator_id == talks_id(slug):
                yield notification.id, event  # type: ignore[misc]
        start = notifications[-1].id


def check(app: Timeline, script: list[Command]) -> None:
    app.register_actor("western-nations", "Western nations", "group")
    app.open_talks(SLUG, "Beijing talks", "Beijing", ["CHN", "UKR"], on="2024-07")
    app.open_talks(OTHER, "Geneva talks", "Geneva", ["western-nations"])
    known = ["talks"]
    for command in script:
        before = app.event_count()
        writes = command[0] not in ("catch_up", "catch_up_in")
        try:
            recorded = run(app, command, known)
        except TimelineError:
            assert app.event_count() == before, command
        else:
            assert app.event_count() == before + writes, command
            if recorded and recorded not in known:
                known.append(recorded)
    for slug in (SLUG, OTHER):
        incremental = app.queries.talks_view(slug)
        rebuilt = rebuild(history(app, slug), lambda code: NAMES.get(code, code))
        assert rebuilt is not None
        assert incremental == rebuilt
        assert app.repository.get(talks_id(slug)).version == incremental["version"]
    assert app.catch_up() == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(commands, min_size=10, max_size=50))
def test_incremental_view_equals_rebuild(script: list[Command]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = open_timeline(Settings(db_path=Path(tmp) / "t.sqlite", author="tester"))
        try:
            check(app, script)
        finally:
            app.close()
