"""Rebuild of every view, PostgreSQL beside SQLite, each against two
references measured in the same run on the same store.

For each backend, on a store of --events events (the same talks on both,
built as bench.store builds them; the SQLite store is rebuilt on a copy),
each in a fresh process:
- rebuild: every view emptied and every event replayed into it, as
  ``timeline projections rebuild`` does (from 50,000 events, a worker process
  per group of views); events/s and the peak RSS of the process and its
  workers (the largest worker's peak counted once per worker; the server's
  own processes are not counted);
- reference (a), the library's follower: an eventsourcing
  ``ProcessApplication`` following the store with a policy that keeps
  nothing, decoding with the same mapper, one event per transaction, its
  tracking in the same backend (on PostgreSQL in a schema of its own beside
  the store's); the first 20,000 events at most;
- reference (b), the floor of a rebuild: reading and decoding every event
  once, as each worker of the rebuild does (``stored.after`` in batches of
  the catch-up's size, then ``mapper.records_of``), writing nothing. It
  moves with the CPU and the server, so the ratio says what the views' own
  writing costs.

Usage (from the project's root):
  python -m bench.bench_pg_rebuild [--events N] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.store import (
    drop_schema,
    ensure_postgres_store,
    ensure_store,
    postgres_server,
    postgres_store,
    print_machine,
    reset_schema,
)
from timeline.settings import PostgresSchema, Settings, StoreLocation, resolve_store

FOLLOWER_SCHEMA = "bench_follower"
FOLLOWED = 20_000  # the library's follower takes one event per transaction: slow


# -- in a child process --------------------------------------------------------------


def peak_rss(workers: int = 0) -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"peak_rss": own + workers * worker, "own_rss": own,
            "worker_rss": worker, "workers": workers}  # fmt: skip


def rebuild(store: StoreLocation) -> dict[str, float]:
    """Rebuild every view, as ``timeline projections rebuild`` does."""
    from timeline.bootstrap import open_record
    from timeline.catchup import PARALLEL_FROM, rebuild

    app = open_record(Settings(store, author="bench"))
    names = app.views.names()
    started = time.perf_counter()
    events = rebuild(app, names)
    seconds = time.perf_counter() - started
    workers = len(app.views.replay_groups(names)) if events >= PARALLEL_FROM else 0
    app.close()
    return {"events": events, "seconds": seconds, **peak_rss(workers)}


def read(store: StoreLocation) -> dict[str, float]:
    """Read and decode every stored event once, as a rebuild's worker does."""
    from projections.catchup import BATCH_SIZE, cycle_collector_paused
    from timeline.bootstrap import open_record

    app = open_record(Settings(store, author="bench"))
    events = position = 0
    started = time.perf_counter()
    with cycle_collector_paused():
        while rows := app.stored.after(position, BATCH_SIZE):
            events += len(app.mapper.records_of(rows))
            position = rows[-1][0]
    seconds = time.perf_counter() - started
    app.close()
    return {"events": events, "seconds": seconds, **peak_rss()}


def follow(store: StoreLocation, events: int) -> dict[str, float]:
    """The library's follower, keeping nothing, through the first ``events``."""
    from eventsourcing.system import ProcessApplication

    from timeline.application import DiplomaticRecord
    from timeline.bootstrap import open_record, postgres_env

    class LibraryFollower(ProcessApplication[Any]):
        construct_transcoder = DiplomaticRecord.construct_transcoder
        construct_mapper = DiplomaticRecord.construct_mapper

        def policy(self, domain_event: Any, processing_event: Any) -> None:
            pass  # a projection that keeps nothing but its position

    leader = open_record(Settings(store, author="bench"))
    if isinstance(store, PostgresSchema):
        env = {**postgres_env(postgres_store(FOLLOWER_SCHEMA)), "CREATE_TABLE": "y"}
    else:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
               "SQLITE_DBNAME": str(store.path)}  # fmt: skip
    follower = LibraryFollower(env=env)
    follower.follow(leader.name, leader.notification_log)
    started = time.perf_counter()
    follower.pull_and_process(leader.name, stop=events)
    seconds = time.perf_counter() - started
    done = follower.recorder.max_tracking_id(leader.name) or 0
    follower.close()
    leader.close()
    return {"events": done, "seconds": seconds, **peak_rss()}


# -- in this process -----------------------------------------------------------------


def measure(location: str, task: str, *options: str) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.bench_pg_rebuild", "--child", task,
               "--store", location, *options]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True)
    if output.returncode:
        raise RuntimeError(f"the {task} process failed:\n{output.stderr[-3000:]}")
    result: dict[str, float] = json.loads(output.stdout.splitlines()[-1])
    return result


def rate(result: dict[str, float]) -> float:
    return result["events"] / result["seconds"]


def megabytes(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def backend_figures(backend: str, location: str, events: int) -> None:
    """Print the rebuild of the store at ``location`` and its two references."""
    followed = min(events, FOLLOWED)
    if backend == "postgresql":
        reset_schema(FOLLOWER_SCHEMA)
    floor = measure(location, "read")
    built = measure(location, "rebuild")
    follower = measure(location, "follow", "--follow", str(followed))
    processes = (
        f"{megabytes(built['own_rss'])} + {built['workers']:.0f} workers of at "
        f"most {megabytes(built['worker_rss'])}"
        if built["workers"]
        else "1 process"
    )
    print(f"{backend} rebuild of every view, {built['events']:,.0f} events: "
          f"{rate(built):,.0f} events/s, peak RSS {megabytes(built['peak_rss'])} "
          f"({processes})", flush=True)  # fmt: skip
    print(f"  reference (a), the library's follower (empty policy, one event per "
          f"transaction, first {follower['events']:,.0f} events): "
          f"{rate(follower):,.0f} events/s; the rebuild at "
          f"{rate(built) / rate(follower):.1f}x (target 7x)",
          flush=True)  # fmt: skip
    print(f"  reference (b), reading and decoding every event once "
          f"({floor['events']:,.0f} events, one process, peak RSS "
          f"{megabytes(floor['peak_rss'])}): {rate(floor):,.0f} events/s; the "
          f"rebuild at {rate(built) / rate(floor):.2f} of it", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="small size, for CI")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--follow", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store = resolve_store(args.store)
        tasks = {"rebuild": lambda: rebuild(store), "read": lambda: read(store),
                 "follow": lambda: follow(store, args.follow)}  # fmt: skip
        print(json.dumps(tasks[args.child]()))
        return
    events = 2_000 if args.smoke else args.events
    print_machine()
    pg = ensure_postgres_store(events)
    sqlite = ensure_store(events)
    print(f"store: {events:,} events, the same talks on both backends", flush=True)
    try:
        backend_figures("postgresql", f"{postgres_server()}?schema={pg.schema}", events)
    finally:
        drop_schema(FOLLOWER_SCHEMA)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.sqlite"
        shutil.copy(sqlite, copy)
        backend_figures("sqlite", str(copy), events)


if __name__ == "__main__":
    main()
