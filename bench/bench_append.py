"""Bulk append through the application, against the library's own batched append.

Prints events/s for:
- ours: Talks commands through the application, one save per 500 events
  (pydantic events, orjson, snapshots every 200 versions);
- reference: the eventsourcing library on its own, in the same run: a plain
  library Aggregate whose ``@event`` methods trigger its dataclass events,
  saved 500 at a time by a plain library Application to its SQLite recorder;
- for information, the library's recorder alone inserting already-mapped
  stored events (no events built at all).

Usage (from the project's root): python -m bench.bench_append [--events N] [--smoke]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.store import BATCH, TALKS_EVENTS, add_entry, bulk_append, open_talks
from timeline.bootstrap import open_record
from timeline.settings import Settings, SQLiteFile


class Meeting(Aggregate):
    """The library's own style: dataclass events from decorated methods."""

    @event("Opened")
    def __init__(self, title: str) -> None:
        self.title = title
        self.entries: list[str] = []

    @event("EntryRecorded")
    def record(self, kind: str, text: str, detail: str) -> None:
        self.entries.append(kind)


def library_append(path: Path, events: int) -> float:
    app = Application[object](
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    )
    started = time.perf_counter()
    for index in range(max(1, events // TALKS_EVENTS)):
        meeting = Meeting(f"Round {index}")
        for n in range(TALKS_EVENTS - 1):
            meeting.record("development", f"Development {n}", "Detail text")
            if len(meeting.pending_events) == BATCH:
                app.save(meeting)
        app.save(meeting)
    elapsed = time.perf_counter() - started
    app.close()
    return elapsed


def recorder_insert(path: Path, events: int) -> float:
    ours = open_record(Settings(SQLiteFile(path), author="bench"))
    batches = []
    for index in range(max(1, events // TALKS_EVENTS)):
        talks = open_talks(index)
        for n in range(TALKS_EVENTS - 1):
            add_entry(talks, index, n)
        stored = [ours.mapper.to_stored_event(e) for e in talks.collect_events()]
        batches += [stored[i : i + BATCH] for i in range(0, len(stored), BATCH)]
    started = time.perf_counter()
    for batch in batches:
        ours.recorder.insert_events(batch)
    elapsed = time.perf_counter() - started
    ours.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="small size, for CI")
    args = parser.parse_args()
    events = 5_000 if args.smoke else args.events
    with tempfile.TemporaryDirectory() as tmp:
        app = open_record(Settings(SQLiteFile(Path(tmp) / "ours.sqlite"), author="b"))
        ours = events / bulk_append(app, events)
        app.close()
        library = events / library_append(Path(tmp) / "library.sqlite", events)
        recorder = events / recorder_insert(Path(tmp) / "recorder.sqlite", events)
    print(f"events: {events:,}, {BATCH} per save, talks of {TALKS_EVENTS:,} events")
    print(f"application (ours): {ours:,.0f} events/s")
    print(f"library application, dataclass events (reference): {library:,.0f} events/s")
    print(f"ratio ours/reference: {ours / library:.2f} (target 0.80)")
    print(f"library recorder alone, pre-mapped events: {recorder:,.0f} events/s "
          f"(ours at {ours / recorder:.2f} of it)")  # fmt: skip


if __name__ == "__main__":
    main()
