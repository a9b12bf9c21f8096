"""Appends from 1, 2 and 4 writer processes, PostgreSQL beside SQLite, each
against the library's own application doing the same in the same run.

For each writer count and each backend, in a fresh store (a schema of its own
on the server; a new file for SQLite):
- ours: Talks commands through the application, 500 events per save, as
  bench.bench_append records them; the writers share the events equally,
  each writer in talks of its own (no two writers touch the same talks);
  the share of its time spent storing snapshots (a transaction of their
  own, every 200 versions of a talks) is printed beside it;
- reference: the eventsourcing library's own Application with a plain
  library Aggregate and its dataclass events (no snapshots), the same
  number of events per writer, 500 per save, in aggregates of its own per
  writer.
The rate is every writer's events over the time from the moment all of them
start (they wait for each other, ready) until the last one is done.

Then what the library's PostgreSQL table lock costs: its recorder alone,
inserting events its application mapped beforehand, 500 at a time, with 1
and with 4 writers, as the library does (``LOCK TABLE ... IN EXCLUSIVE
MODE`` in each insert's transaction) and the same inserts with that one
statement left out. While they run, the server's activity is sampled every
10 ms: the share of the writers' time spent waiting for the lock.

Usage (from the project's root):
  python -m bench.bench_pg_append [--events N] [--smoke]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.bench_append import Meeting
from bench.store import (
    BATCH,
    TALKS_EVENTS,
    bulk_append,
    postgres_sql,
    print_machine,
    reset_schema,
    scratch_schema,
)
from timeline.bootstrap import open_record, postgres_env
from timeline.settings import PostgresSchema, Settings, SQLiteFile, StoreLocation

WRITERS = (1, 2, 4)
LOCK_WRITERS = (1, 4)
SAMPLE = 0.01  # seconds between samples of the server's activity
APPNAME = "timeline_bench_lock"
Work = Callable[..., dict[str, Any]]
OPENING: Any = None
"""Held by a writer while it opens the store: the library's create_table
(CREATE OR REPLACE FUNCTION) fails in two processes at the same moment."""


# -- in each writer process -------------------------------------------------------


def library_env(store: StoreLocation) -> dict[str, str]:
    if isinstance(store, SQLiteFile):
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(store.path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    return {**postgres_env(store), "CREATE_TABLE": "y"}  # its own tables


def ours(store: StoreLocation, writer: int, events: int, ready: Any) -> dict[str, Any]:
    """Record ``events`` events through the application, in this writer's talks."""
    with OPENING:
        app = open_record(Settings(store, author="bench"))
    first = writer * max(1, events // TALKS_EVENTS)
    snapshots: Any = app.snapshots
    put = snapshots.put
    spent = [0.0]

    def timed_put(*args: Any, **kwargs: Any) -> Any:
        before = time.perf_counter()
        try:
            return put(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - before

    snapshots.put = timed_put
    ready.wait()
    started = time.time()
    bulk_append(app, events, first=first)
    ended = time.time()
    app.close()
    return {"started": started, "ended": ended, "snapshots": spent[0]}


def library(
    store: StoreLocation, writer: int, events: int, ready: Any
) -> dict[str, Any]:
    """The same through the library's own Application and aggregate."""
    from eventsourcing.application import Application

    with OPENING:
        app = Application[Any](env=library_env(store))
    ready.wait()
    started = time.time()
    for index in range(max(1, events // TALKS_EVENTS)):
        meeting = Meeting(f"Round {writer}-{index}")
        for n in range(TALKS_EVENTS - 1):
            meeting.record("development", f"Development {n}", "Detail text")
            if len(meeting.pending_events) == BATCH:
                app.save(meeting)
        app.save(meeting)
    ended = time.time()
    app.close()
    return {"started": started, "ended": ended}


def inserts(
    store: StoreLocation, writer: int, events: int, ready: Any, *, lock: bool
) -> dict[str, Any]:
    """The library's recorder alone inserting this writer's events, mapped
    beforehand by the library's application, BATCH per transaction;
    ``lock=False`` leaves out its LOCK TABLE statement."""
    from eventsourcing.application import Application

    os.environ["PGAPPNAME"] = APPNAME  # its sessions, as the sampler finds them
    with OPENING:
        app = Application[Any](env=library_env(store))
    recorder: Any = app.recorder
    if not lock:
        recorder.lock_table_statements = [
            s for s in recorder.lock_table_statements if "LOCK" not in s.as_string()
        ]
    batches = []
    for index in range(max(1, events // TALKS_EVENTS)):
        meeting = Meeting(f"Round {writer}-{index}")
        for n in range(TALKS_EVENTS - 1):
            meeting.record("development", f"Development {n}", "Detail text")
        stored = [app.mapper.to_stored_event(e) for e in meeting.collect_events()]
        batches += [stored[i : i + BATCH] for i in range(0, len(stored), BATCH)]
    ready.wait()
    started = time.time()
    calls = []
    for batch in batches:
        before = time.perf_counter()
        recorder.insert_events(batch)
        calls.append(time.perf_counter() - before)
    ended = time.time()
    app.close()
    return {"started": started, "ended": ended, "calls": calls,
            "events": sum(len(b) for b in batches)}  # fmt: skip


def _writer(work: Work, args: tuple[Any, ...], kwargs: dict[str, Any],
            ready: Any, results: Any, opening: Any) -> None:  # fmt: skip
    global OPENING
    OPENING = opening
    try:
        results.put(work(*args, ready, **kwargs))
    except BaseException as error:
        ready.abort()
        results.put({"error": repr(error)})
        raise


# -- in this process ---------------------------------------------------------------


def run_writers(
    work: Work, store: StoreLocation, writers: int, events: int, **kwargs: Any
) -> dict[str, Any]:
    """``writers`` processes doing ``work`` at once, ``events / writers`` each;
    their events per second from the first start to the last end."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(writers + 1)
    results = context.Queue()
    opening = context.Lock()
    each = events // writers
    processes = [
        context.Process(target=_writer, args=(work, (store, w, each), kwargs, ready,
                                              results, opening))
        for w in range(writers)
    ]  # fmt: skip
    for process in processes:
        process.start()
    ready.wait(timeout=300)
    done = [results.get(timeout=1800) for _ in processes]
    for process in processes:
        process.join()
    errors = [d["error"] for d in done if "error" in d]
    if errors:
        raise RuntimeError(f"a writer failed: {errors[0]}")
    seconds = max(d["ended"] for d in done) - min(d["started"] for d in done)
    calls = [c for d in done for c in d.get("calls", [])]
    written = sum(d.get("events", each) for d in done)
    snapshots = sum(d.get("snapshots", 0.0) for d in done) / (writers * seconds)
    return {"rate": written / seconds, "seconds": seconds, "calls": calls,
            "snapshots": snapshots}  # fmt: skip


@contextmanager
def lock_waits() -> Iterator[dict[str, float]]:
    """Sample the server's backends every SAMPLE seconds while the block
    runs: the seconds they spent waiting for a table lock, each sample
    standing for the time since the one before."""
    import psycopg

    from bench.store import postgres_server

    found = {"waiting": 0.0}
    stop = threading.Event()
    query = (
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'"
        " AND wait_event = 'relation') FROM pg_stat_activity"
        f" WHERE application_name = '{APPNAME}' AND datname = current_database()"
    )

    def sample() -> None:
        with psycopg.connect(postgres_server(), autocommit=True) as connection:
            last = time.perf_counter()
            while not stop.is_set():
                row = connection.execute(query).fetchone()
                now = time.perf_counter()
                assert row is not None
                found["waiting"] += row[0] * (now - last)  # since the last sample
                last = now
                stop.wait(SAMPLE)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()


def fresh_store(backend: str, name: str, tmp: Path) -> StoreLocation:
    """A new empty store, its tables made (writers starting together must
    not race to create them)."""
    if backend == "sqlite":
        store: StoreLocation = SQLiteFile(tmp / f"{name}.sqlite")
    else:
        store = reset_schema(f"bench_append_{name}")
    open_record(Settings(store, author="bench")).close()
    from eventsourcing.application import Application

    Application[Any](env=library_env(store)).close()
    return store


def forget(store: StoreLocation) -> None:
    if isinstance(store, PostgresSchema):
        postgres_sql(f"DROP SCHEMA IF EXISTS {store.schema} CASCADE")
    else:
        for path in store.path.parent.glob(store.path.name + "*"):
            path.unlink()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--lock-events", type=int, default=200_000,
        help="events of each run of the table-lock measurement",
    )  # fmt: skip
    parser.add_argument("--smoke", action="store_true", help="small size, for CI")
    args = parser.parse_args()
    events = 4_000 if args.smoke else args.events
    lock_events = 4_000 if args.smoke else min(args.lock_events, events)
    print_machine()
    print(f"events per run: {events:,} shared equally by the writers, each in talks "
          f"(aggregates) of its own, {BATCH} per save, talks of {TALKS_EVENTS:,} "
          "events; a fresh store per run", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for writers in WRITERS:
            for backend in ("postgresql", "sqlite"):
                runs = {}
                for name, work in (("ours", ours), ("library", library)):
                    store = fresh_store(backend, f"{name}_{writers}", Path(tmp))
                    try:
                        runs[name] = run_writers(work, store, writers, events)
                    finally:
                        forget(store)
                rates = {name: run["rate"] for name, run in runs.items()}
                ratio = rates["ours"] / rates["library"]
                print(f"{backend} append, {writers} writer(s): application (ours) "
                      f"{rates['ours']:,.0f} events/s; library application, "
                      f"dataclass events (reference) {rates['library']:,.0f} "
                      f"events/s; ratio {ratio:.2f} (target 0.80); ours spent "
                      f"{100 * runs['ours']['snapshots']:.0f}% of its time "
                      "storing snapshots", flush=True)  # fmt: skip
    print(f"the library's PostgreSQL table lock: its recorder alone inserting "
          f"{lock_events:,} pre-mapped events, {BATCH} per transaction",
          flush=True)  # fmt: skip
    from eventsourcing.application import Application

    base = None
    for writers in LOCK_WRITERS:
        measured = {}
        for lock in (True, False):
            with scratch_schema(f"bench_lock_{writers}") as store:
                Application[Any](env=library_env(store)).close()
                with lock_waits() as waits:
                    result = run_writers(inserts, store, writers, lock_events,
                                         lock=lock)  # fmt: skip
            measured[lock] = result, waits
        (locked, waits), (free, _) = measured[True], measured[False]
        base = base or locked["rate"]
        calls = locked["calls"]
        writer_seconds = writers * locked["seconds"]
        print(f"  {writers} writer(s), LOCK TABLE as the library takes it: "
              f"{locked['rate']:,.0f} events/s ({locked['rate'] / base:.2f}x one "
              f"writer's); per insert median {1000 * statistics.median(calls):.1f} "
              f"ms, p99 {1000 * percentile(calls, 0.99):.1f} ms; waiting for the "
              f"lock {waits['waiting']:.2f} s of {writer_seconds:.2f} "
              f"writer-seconds ({100 * waits['waiting'] / writer_seconds:.0f}%)",
              flush=True)  # fmt: skip
        print(f"  {writers} writer(s), the same inserts without LOCK TABLE: "
              f"{free['rate']:,.0f} events/s; with the lock at "
              f"{locked['rate'] / free['rate']:.2f} of that", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
