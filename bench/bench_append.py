"""Bulk append through the application, against the library's own batched append.

Prints events/s for:
- ours: Talks commands through the application, one save per 500 events
  (pydantic events, orjson, snapshots every 200 versions);
- reference: the eventsourcing library on its own, in the same run: a plain
  library Aggregate whose ``@event`` methods trigger its dataclass events,
  saved 500 at a time by a plain library Application to its SQLite recorder;
- for information, the library's recorder alone inserting already-mapped
  stored events (no events built at all).

Usage (from the project's root):
  python -m bench.bench_append [--events N] [--rounds R] [--smoke]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from statistics import median

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
    parser.add_argument(
        "--rounds", type=int, default=3,
        help="runs of each, alternating; the median ratio is the figure",
    )  # fmt: skip
    parser.add_argument("--smoke", action="store_true", help="small size, for CI")
    args = parser.parse_args()
    events = 5_000 if args.smoke else args.events
    rounds = 1 if args.smoke else args.rounds
    print(f"events: {events:,}, {BATCH} per save, talks of {TALKS_EVENTS:,} events")
    ratios = []
    for round_ in range(1, rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(SQLiteFile(Path(tmp) / "ours.sqlite"), author="b")
            app = open_record(settings)
            ours = events / bulk_append(app, events)
            app.close()
            library = events / library_append(Path(tmp) / "library.sqlite", events)
            recorder = events / recorder_insert(Path(tmp) / "recorder.sqlite", events)
        ratios.append(ours / library)
        print(f"round {round_}: application (ours) {ours:,.0f} events/s;"
              f" library application, dataclass events (reference)"
              f" {library:,.0f} events/s; ratio {ours / library:.2f};"
              f" library recorder alone, pre-mapped events {recorder:,.0f}"
              f" events/s")  # fmt: skip
    print(f"ratio ours/reference, median of {rounds}: {median(ratios):.2f}"
          " (target 0.80)")  # fmt: skip


if __name__ == "__main__":
    main()
