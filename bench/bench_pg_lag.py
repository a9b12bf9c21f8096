"""Follower lag under load on PostgreSQL: from each commit to its view rows.

In a fresh store (a schema of its own), 4 writer processes record --events
events between them as fast as they can (or, with --rate, at most that many
events/s together), each in talks of its own, --batch events per save (one
transaction). Each writer notes the wall time at which each of its inserts
committed (when the recorder's insert returns) and the insert's last
position. Meanwhile a follower keeps the views current:
``timeline projections follow`` where the command exists, else a process
running the catch-up loop (``timeline.catchup.catch_up`` again as soon as it
returns, pausing 5 ms when there was nothing new). This process looks at the
views' positions every 5 ms; an event's rows are visible once every view's
position has reached it. The lag of a batch is the time from its commit to
the first look that finds it visible (the looks add up to 5 ms). When the
writers outpace the follower, the lag grows through the run: the two halves
of the run are printed apart, and the follower's own rate beside the
writers'.

The reference, in the same run under the same load: the library's own
subscription to the store (``recorder.subscribe``, LISTEN/NOTIFY) read by
another process, which notes when each event reaches it: the delay before
any follower could even start on an event. Target: p99 under 250 ms.

Usage (from the project's root):
  python -m bench.bench_pg_lag [--events N] [--batch 100] [--rate N] [--smoke]
"""

from __future__ import annotations

import argparse
import bisect
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.store import (
    TALKS_EVENTS,
    add_entry,
    drop_schema,
    open_talks,
    postgres_server,
    print_machine,
    reset_schema,
)
from timeline.bootstrap import open_record
from timeline.settings import PostgresSchema, Settings

SCHEMA = "bench_lag"
WRITERS = 4
LOOK = 0.005  # seconds between looks at the views' positions
OPENING: Any = None
"""Held by a process while it opens the store: the library's create_table
(CREATE OR REPLACE FUNCTION) can fail in two processes at the same moment."""


# -- in other processes --------------------------------------------------------------


def reporting(work: Callable[..., None], opening: Any, *args: Any) -> None:
    """Run ``work(*args, ready, results)``; if it fails, say so to the
    others (ready: the barrier, results: the queue) rather than leave them
    waiting. ``opening`` is held while a process opens the store."""
    global OPENING
    OPENING = opening
    *_, ready, results = args
    try:
        work(*args)
    except BaseException as error:
        ready.abort()
        results.put(("error", repr(error)))
        raise


def writer(store: PostgresSchema, index: int, events: int, batch: int,
           pause: float, ready: Any, results: Any) -> None:  # fmt: skip
    """Record ``events`` events in talks of this writer's own, ``batch`` per
    save, a save every ``pause`` seconds at most; put [(commit wall time,
    last position)] of every insert."""
    with OPENING:
        app = open_record(Settings(store, author="bench"))
    recorder: Any = app.recorder
    insert = recorder.insert_events
    commits: list[tuple[float, int]] = []

    def noted(stored: Any, **kwargs: Any) -> Any:
        positions = insert(stored, **kwargs)
        if positions:  # a save with nothing new inserts nothing
            commits.append((time.time(), max(positions)))
        return positions

    recorder.insert_events = noted
    talks_count = max(1, events // TALKS_EVENTS)
    ready.wait()
    due = time.perf_counter()
    for number in range(talks_count):
        talks_index = index * talks_count + number
        talks = open_talks(talks_index)
        for n in range(TALKS_EVENTS - 1):
            add_entry(talks, talks_index, n)
            if len(talks.pending_events) >= batch:
                due += pause
                time.sleep(max(0.0, due - time.perf_counter()))
                app.save(talks)
        app.save(talks)
    app.close()
    results.put(("writer", commits))


def catch_up_loop(store: PostgresSchema, stop: Any, started: Any) -> None:
    """The follower when ``timeline projections follow`` is not there: catch
    up again as soon as the last catch-up returns."""
    from timeline.catchup import catch_up

    app = open_record(Settings(store, author="bench"))
    catch_up(app)
    started.set()
    while not stop.is_set():
        if not catch_up(app):
            time.sleep(0.005)
    app.close()


def subscriber(store: PostgresSchema, after: int, expected: int, ready: Any,
               results: Any) -> None:  # fmt: skip
    """The library's subscription: when each of ``expected`` events arrives."""
    with OPENING:
        app = open_record(Settings(store, author="bench"))
    arrived: list[tuple[float, int]] = []
    with app.recorder.subscribe(gt=after) as subscription:
        ready.wait()
        for notification in subscription:
            arrived.append((time.time(), notification.id))
            if len(arrived) == expected:
                break
    app.close()
    results.put(("subscriber", arrived))


# -- in this process -----------------------------------------------------------------


def follow_command_exists() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "timeline", "projections", "follow", "--help"],
        capture_output=True,
    )
    return done.returncode == 0


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(share: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return f"p50 {at(0.5):.0f} ms, p99 {at(0.99):.0f} ms, max {at(1.0):.0f} ms"


def visible_after(
    commits: list[tuple[float, int]], looks: list[tuple[float, int]]
) -> list[float]:
    """Each commit's lag: to the first look that found its last position."""
    positions = [position for _, position in looks]
    lags = []
    for committed, position in commits:
        found = bisect.bisect_left(positions, position)
        if found < len(looks):
            lags.append(max(0.0, looks[found][0] - committed))
    return lags


@contextmanager
def following(store: PostgresSchema, context: Any) -> Iterator[str]:
    """A follower keeping the views of ``store`` current, started (its
    subscription listening) before the block and stopped after; what it is."""
    if follow_command_exists():
        env = {**os.environ, "TIMELINE_DB": f"{postgres_server()}?schema={SCHEMA}",
               "TIMELINE_AUTHOR": "bench"}  # fmt: skip
        with tempfile.TemporaryFile() as said:
            command = subprocess.Popen(
                [sys.executable, "-m", "timeline", "projections", "follow", "--json"],
                env=env, stdout=said, stderr=subprocess.DEVNULL,
            )  # fmt: skip

            def has_started() -> bool:
                said.seek(0)
                return b'"started"' in said.read()

            try:
                while not has_started():
                    if command.poll() is not None:
                        raise RuntimeError("timeline projections follow failed")
                    time.sleep(0.05)
                time.sleep(0.5)  # the subscription settles (timeline.follow.SETTLE)
                yield "timeline projections follow"
            finally:
                command.send_signal(signal.SIGTERM)
                command.wait(timeout=30)
        return
    stop, started = context.Event(), context.Event()
    loop = context.Process(target=catch_up_loop, args=(store, stop, started))
    loop.start()
    try:
        if not started.wait(timeout=120):
            raise RuntimeError("the catch-up loop did not start")
        yield "the catch-up loop (timeline projections follow is not there yet)"
    finally:
        stop.set()
        loop.join(timeout=30)
        if loop.is_alive():
            loop.terminate()


def measure(
    store: PostgresSchema, each: int, batch: int, pause: float
) -> dict[str, Any]:
    """Writers, the follower and the subscription at work; what they noted."""
    app = open_record(Settings(store, author="bench"))
    views = app.views
    head = views.head()
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(WRITERS + 2)
    results = context.Queue()
    opening = context.Lock()
    expected = WRITERS * (max(1, each // TALKS_EVENTS) * TALKS_EVENTS)
    processes = [
        *(context.Process(target=reporting, args=(writer, opening, store, w, each,
                                                  batch, pause, ready, results))
          for w in range(WRITERS)),
        context.Process(target=reporting, args=(subscriber, opening, store, head,
                                                expected, ready, results)),
    ]  # fmt: skip
    looks: list[tuple[float, int]] = []
    watching = threading.Event()

    def look() -> None:
        while not watching.is_set():
            looks.append((time.time(), min(views.positions().values())))
            time.sleep(LOOK)

    watcher = threading.Thread(target=look, daemon=True)
    with following(store, context) as how:
        try:
            for process in processes:
                process.start()
            ready.wait(timeout=300)
            started = time.time()
            watcher.start()
            gathered = [results.get(timeout=1800) for _ in processes]
            failed = [found for kind, found in gathered if kind == "error"]
            if failed:
                raise RuntimeError(f"a writer or the subscriber failed: {failed[0]}")
            written = time.time()
            final = app.recorder.max_notification_id() or 0
            while min(views.positions().values()) < final:  # the follower finishes
                time.sleep(LOOK)
                if time.time() - written > 600:
                    raise RuntimeError("the follower did not reach the head in 10 min")
            caught_up = time.time()
        finally:
            watching.set()
            if watcher.ident is not None:
                watcher.join()
            for process in processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.terminate()
    app.close()
    looks.append((caught_up, final))  # the look that found the head
    return {"how": how, "gathered": gathered, "looks": looks, "started": started,
            "written": written, "caught_up": caught_up}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--batch", type=int, default=100, help="events per save")
    parser.add_argument(
        "--rate", type=int, default=0,
        help="events/s of the 4 writers together (default: as fast as they can)",
    )  # fmt: skip
    parser.add_argument("--smoke", action="store_true", help="small size, for CI")
    args = parser.parse_args()
    events = 8_000 if args.smoke else args.events
    each = max(TALKS_EVENTS, events // WRITERS)
    print_machine()
    try:
        pause = WRITERS * args.batch / args.rate if args.rate else 0.0
        run = measure(reset_schema(SCHEMA), each, args.batch, pause)
    finally:
        drop_schema(SCHEMA)
    gathered, looks, how = run["gathered"], run["looks"], run["how"]
    started, caught_up = run["started"], run["caught_up"]
    arrived = next(found for kind, found in gathered if kind == "subscriber")
    commits = sorted(c for kind, found in gathered if kind == "writer" for c in found)
    recorded, last = len(arrived), commits[-1][0]
    pace = f"at most {args.rate:,} events/s" if args.rate else "as fast as they can"
    print(f"{WRITERS} writers ({pace}), {recorded:,} events, {args.batch} per save: "
          f"{recorded / (last - started):,.0f} events/s over {last - started:.1f} s; "
          f"follower: {how}, at the head after {caught_up - started:.1f} s "
          f"({recorded / (caught_up - started):,.0f} events/s)",
          flush=True)  # fmt: skip
    lags = visible_after(commits, looks)
    arrival = {position: at for at, position in arrived}
    delivered = [arrival[p] - at for at, p in commits if p in arrival]
    half = len(commits) // 2
    print(f"lag from commit to every view's rows (postgresql, {len(lags):,} "
          f"inserts): {percentiles(lags)} (target p99 under 250 ms)",
          flush=True)  # fmt: skip
    print(f"  reference, the library's subscription delivering the same events: "
          f"{percentiles(delivered)}", flush=True)  # fmt: skip
    print(f"  first half of the inserts {percentiles(lags[:half])}; second half "
          f"{percentiles(lags[half:])}; views at the head "
          f"{1000 * (caught_up - last):.0f} ms after the last commit",
          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
