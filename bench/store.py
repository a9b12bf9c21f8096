"""Synthetic stores for the benchmarks: many talks, many entries, varied text.

Each talks has ``talks_events`` events: stances of ten states, agenda items,
and developments dated at year, month or day precision, on ten topics, so
that search, actor filters and valid-time ordering have real work to do.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

from events import PartialDate, Talks
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_record
from timeline.casefile import demo_case
from timeline.catchup import catch_up
from timeline.settings import Settings, SQLiteFile

OUT = Path(__file__).parent / "out"
ACTORS = ("CHN", "UKR", "RUS", "USA", "FRA", "DEU", "TUR", "IND", "BRA", "ZAF")
TOPICS = (
    "grain corridor", "prisoner exchange", "ceasefire", "sanctions relief",
    "energy supply", "reconstruction", "nuclear safety", "trade routes",
    "humanitarian aid", "security guarantees",
)  # fmt: skip
TALKS_EVENTS = 1_000
LONG_TALKS_EVENTS = 10_000  # one talks of the store is this long
BATCH = 500  # events per save


def open_talks(index: int, size: int = TALKS_EVENTS) -> Talks:
    return Talks.open(
        slug=f"talks-{index}",
        title=f"Round {index} on {TOPICS[index % len(TOPICS)]}",
        location="Geneva",
        parties=[ACTORS[index % 10], ACTORS[(index + 3) % 10]],
        on=PartialDate.parse(f"{2020 + index % 6}"),
        summary=None,
        sources=[],
        recorded_by="bench",
    )


def add_entry(talks: Talks, index: int, n: int) -> None:
    """The n-th entry of talks ``index``: a fixed, varied mix."""
    topic = TOPICS[(index + n) % len(TOPICS)]
    actor = ACTORS[(index + n) % len(ACTORS)]
    match n % 4:
        case 0:
            talks.add_agenda_item(f"item-{n}", f"Item {n}: {topic}", "Detail", "bench")
        case 1:
            talks.record_stance(
                actor, f"Position {n} on {topic}", [topic], None, "bench"
            )
        case _:
            source = f"https://example.org/{index}/{n}"
            text = f"Development {n}: {topic}"
            talks.record_development(_date(index * 997 + n), text, [source], "bench")


def _date(seed: int) -> PartialDate:
    day = date(2022, 1, 1) + timedelta(days=seed % 1500)
    text = (day.isoformat(), day.isoformat()[:7], day.isoformat()[:4])[seed % 3]
    return PartialDate.parse(text)


def bulk_append(
    app: DiplomaticRecord, events: int, talks_events: int = TALKS_EVENTS, first: int = 0
) -> float:
    """Record ``events`` events in talks of ``talks_events``, BATCH per save."""
    started = time.perf_counter()
    for index in range(first, first + max(1, events // talks_events)):
        talks = open_talks(index)
        for n in range(talks_events - 1):
            add_entry(talks, index, n)
            if len(talks.pending_events) == BATCH:
                app.save(talks)
        app.save(talks)
    return time.perf_counter() - started


def long_talks_events(events: int) -> int:
    return min(LONG_TALKS_EVENTS, events // 2)


def regular_talks(events: int) -> int:
    return max(1, (events - long_talks_events(events)) // TALKS_EVENTS)


def long_talks_slug(events: int) -> str:
    """The slug of the store's one long talks."""
    return f"talks-{regular_talks(events)}"


def ensure_store(events: int) -> Path:
    """A store of about ``events`` events, views caught up: the demo, talks
    ``talks-0`` ... of TALKS_EVENTS each, and one last talks of
    LONG_TALKS_EVENTS (see :func:`long_talks_slug`).

    Built once under bench/out/ and reused: building a million events takes
    minutes.
    """
    path = OUT / f"store-{events}.sqlite"
    done = path.with_suffix(".done")
    if done.exists():  # built before: bring views whose tables changed up to date
        app = open_record(Settings(SQLiteFile(path), author="bench"))
        catch_up(app)
        app.close()
        return path
    OUT.mkdir(exist_ok=True)
    for stale in OUT.glob(path.name + "*"):  # an interrupted build
        stale.unlink()
    app = open_record(Settings(SQLiteFile(path), author="bench"))
    app.record_case(demo_case())
    regular = regular_talks(events)
    bulk_append(app, regular * TALKS_EVENTS)
    bulk_append(app, long_talks_events(events), talks_events=long_talks_events(events),
                first=regular)  # fmt: skip
    catch_up(app)
    app.close()
    done.touch()
    return path
