"""Append throughput and CLI wall time on a store of many events.

Prints, for a fresh SQLite store of --events events (default 100,000):
- batched append through the application (Talks commands, one save per batch),
  against the library's bare batched append of the same stored events
  (the reference, measured in the same run);
- single commands through the application (load, command, save) in events/s;
- catching the views up from zero over the whole store;
- wall time of CLI processes on that store (median of --runs), against a bare
  `python -c pass` and an import of eventsourcing + pydantic + click.

Usage: python bench/bench_core.py [--events 100000] [--runs 7]
       python bench/bench_core.py --smoke      (small sizes, for CI)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from events import PartialDate, Talks
from timeline.application import Timeline
from timeline.bootstrap import open_timeline
from timeline.casefile import demo_case, record_case
from timeline.settings import Settings

TALKS_EVENTS = 1_000  # events per talks in the bulk store
BATCH = 500  # events per save


def open_talks(index: int) -> Talks:
    return Talks.open(
        slug=f"talks-{index}",
        title=f"Round {index}",
        location="Geneva",
        parties=["CHN", "UKR"],
        on=PartialDate.parse("2024"),
        summary=None,
        sources=[],
        recorded_by="bench",
    )


def add_entry(talks: Talks, n: int) -> None:
    """Stances, agenda items and developments, in a fixed mix."""
    match n % 4:
        case 0:
            talks.add_agenda_item(f"item-{n}", f"Item {n}", "Detail text", "bench")
        case 1:
            talks.record_stance(
                "CHN", f"Position {n}", ["Trade", "Stability"], None, "bench"
            )
        case _:
            talks.record_development(
                PartialDate.parse("2024-07-23"), f"Development {n}", [], "bench"
            )


def bulk_append(app: Timeline, events: int) -> float:
    """Record ``events`` events in talks of TALKS_EVENTS, saving BATCH at a time."""
    started = time.perf_counter()
    for index in range(events // TALKS_EVENTS):
        talks = open_talks(index)
        for n in range(TALKS_EVENTS - 1):
            add_entry(talks, n)
            if len(talks.pending_events) == BATCH:
                app.save(talks)
        app.save(talks)
    return time.perf_counter() - started


def bare_append(path: Path, app: Timeline, events: int) -> float:
    """The library alone: insert the same, already-mapped events in batches."""
    batches = []
    for index in range(events // TALKS_EVENTS):
        talks = open_talks(index)
        for n in range(TALKS_EVENTS - 1):
            add_entry(talks, n)
        stored = [app.mapper.to_stored_event(e) for e in talks.collect_events()]
        batches += [stored[i : i + BATCH] for i in range(0, len(stored), BATCH)]
    reference = open_timeline(Settings(db_path=path, author="bench"))
    started = time.perf_counter()
    for batch in batches:
        reference.recorder.insert_events(batch)
    elapsed = time.perf_counter() - started
    reference.close()
    return elapsed


def single_commands(app: Timeline, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        app.add_agenda_item("talks-0", f"single-{n}", f"Single {n}")
    return time.perf_counter() - started


def wall(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.singles, args.runs = 4_000, 50, 2

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        app = open_timeline(Settings(db_path=path, author="bench"))
        record_case(app, demo_case())
        bulk_seconds = bulk_append(app, args.events)
        bare_seconds = bare_append(Path(tmp) / "bare.sqlite", app, args.events)
        single_seconds = single_commands(app, args.singles)
        started = time.perf_counter()
        caught_up = app.catch_up()
        catch_up_seconds = time.perf_counter() - started
        total = app.event_count()
        app.close()

        bulk_rate = args.events / bulk_seconds
        bare_rate = args.events / bare_seconds
        print(f"store: {total:,} events in {path.stat().st_size / 1e6:.1f} MB")
        print(f"batched append via application: {bulk_rate:,.0f} events/s")
        print(f"batched append, library bare (reference): {bare_rate:,.0f} events/s")
        print(f"ratio application/reference: {bulk_rate / bare_rate:.2f}")
        print(
            f"single commands via application: {args.singles / single_seconds:,.0f}"
            f" events/s ({1000 * single_seconds / args.singles:.1f} ms each)"
        )
        print(
            f"views caught up from zero: {caught_up:,} events in "
            f"{catch_up_seconds:.1f} s ({caught_up / catch_up_seconds:,.0f} events/s)"
        )

        env = {**os.environ, "TIMELINE_DB": str(path), "TIMELINE_AUTHOR": "bench"}
        timeline = [sys.executable, "-m", "timeline"]
        python_pass = wall([sys.executable, "-c", "pass"], env, args.runs)
        imports = wall(
            [sys.executable, "-c", "import eventsourcing.application, pydantic, click"],
            env,
            args.runs,
        )
        print(
            f"CLI wall, median of {args.runs} (reference: python -c pass "
            f"{1000 * python_pass:.0f} ms; import eventsourcing+pydantic+click "
            f"{1000 * imports:.0f} ms):"
        )
        cases = {
            "show beijing-talks --json": ["show", "beijing-talks", "--json"],
            "show beijing-talks (table)": ["show", "beijing-talks"],
            f"show talks-1 --json ({TALKS_EVENTS:,} events)": [
                "show",
                "talks-1",
                "--json",
            ],
            "export beijing-talks": ["export", "beijing-talks"],
            "agenda add (one entry)": None,
            f"develop into talks-2 ({TALKS_EVENTS:,} events)": None,
        }
        for n, (label, command) in enumerate(cases.items()):
            if command is None and label.startswith("agenda"):
                runs = [
                    [
                        "agenda",
                        "add",
                        "beijing-talks",
                        f"bench-{n}-{r}",
                        "--title",
                        "Bench item",
                    ]
                    for r in range(args.runs)
                ]
            elif command is None:
                runs = [
                    ["develop", "talks-2", "--on", "2024", f"Bench {r}"]
                    for r in range(args.runs)
                ]
            else:
                runs = [command] * args.runs
            seconds = statistics.median(wall([*timeline, *one], env, 1) for one in runs)
            print(
                f"  {label}: {1000 * seconds:.0f} ms "
                f"({seconds / imports:.1f}x the bare imports)"
            )


if __name__ == "__main__":
    main()
