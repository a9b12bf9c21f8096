"""Full rebuild of every view: events/s and peak memory, at two store sizes.

For each size, a fresh process opens a copy of the benchmark store and
rebuilds every view as ``timeline projections rebuild`` does: it empties them
and replays all events into them, in a large store with a worker process per
group of views. It reports events/s and the peak RSS of all its processes
together. Memory must not grow with the store: compare the two peaks.

The reference, measured in the same run on the smaller store: the library's
own follower (an eventsourcing ``ProcessApplication`` following the store,
decoding with the same mapper) with an empty policy, which processes one
event per transaction and so only records its tracking position. It does far
less than our six views; the target is seven times its rate. A second
reference shows what batching buys: our views applied one event per
transaction, against our batches on the same small store.

Usage (from the project's root):
  python -m bench.bench_rebuild [--sizes 100000 1000000] [--smoke]
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

from bench.store import ensure_store
from projections.catchup import BATCH_SIZE


def rebuild(path: str, batch_size: int) -> None:
    """In this process: rebuild every view of the store at ``path``, as
    ``timeline projections rebuild`` does (in a large store, a process per
    group of views); print JSON. Memory is that of every process: this one's
    peak plus, per worker, the largest worker's peak."""
    from projections.catchup import catch_up
    from timeline.bootstrap import open_record
    from timeline.catchup import PARALLEL_FROM, rebuild
    from timeline.settings import Settings, SQLiteFile

    app = open_record(Settings(SQLiteFile(Path(path)), author="bench"))
    names = app.views.names()
    started = time.perf_counter()
    if batch_size == BATCH_SIZE:
        events = rebuild(app, names)
    else:  # the one-event-per-transaction reference
        app.views.reset(names)
        events = catch_up(app.views, app.read_records, batch_size=batch_size)
    seconds = time.perf_counter() - started
    workers = len(app.views.replay_groups(names)) if events >= PARALLEL_FROM else 0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"events": events, "seconds": seconds, "workers": workers,
                      "peak_rss": own + workers * worker, "own_rss": own,
                      "worker_rss": worker}))  # fmt: skip


def follow(path: str, events: int) -> None:
    """In this process: the library's follower processes the first ``events``
    events of the store at ``path``, one per transaction; print JSON."""
    from typing import Any

    from eventsourcing.system import ProcessApplication

    from timeline.application import DiplomaticRecord
    from timeline.bootstrap import open_record
    from timeline.settings import Settings, SQLiteFile

    class LibraryFollower(ProcessApplication[Any]):
        construct_transcoder = DiplomaticRecord.construct_transcoder
        construct_mapper = DiplomaticRecord.construct_mapper

        def policy(self, domain_event: Any, processing_event: Any) -> None:
            pass  # a projection that keeps nothing but its position

    leader = open_record(Settings(SQLiteFile(Path(path)), author="bench"))
    follower = LibraryFollower(env={
        "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
    })  # fmt: skip
    follower.follow(leader.name, leader.notification_log)
    started = time.perf_counter()
    follower.pull_and_process(leader.name, stop=events)
    seconds = time.perf_counter() - started
    done = follower.recorder.max_tracking_id(leader.name) or 0
    print(json.dumps({"events": done, "seconds": seconds, "peak_rss": 0}))


def measure(store: Path, *options: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.sqlite"
        shutil.copy(store, copy)
        command = [sys.executable, "-m", "bench.bench_rebuild", "--child", str(copy),
                   *options]  # fmt: skip
        output = subprocess.run(
            command, check=True, capture_output=True, text=True
        ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def rate(result: dict[str, float]) -> float:
    return result["events"] / result["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help=argparse.SUPPRESS
    )
    parser.add_argument("--follow", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.follow:
            follow(args.child, args.follow)
        else:
            rebuild(args.child, args.batch_size)
        return
    sizes = [2_000, 8_000] if args.smoke else sorted(args.sizes)
    results = {}
    for size in sizes:
        r = results[size] = measure(ensure_store(size))
        processes = (
            f"{r['own_rss'] / 2**20:,.0f} MB + {r['workers']:.0f} workers of at most "
            f"{r['worker_rss'] / 2**20:,.0f} MB"
            if r["workers"]
            else "1 process"
        )
        print(f"rebuild of every view, {r['events']:,.0f} events: "
              f"{rate(r):,.0f} events/s, peak RSS {r['peak_rss'] / 2**20:,.0f} MB "
              f"({processes})", flush=True)  # fmt: skip
    followed = min(sizes[0], 20_000)  # one event per transaction: slow
    follower = rate(measure(ensure_store(sizes[0]), "--follow", str(followed)))
    largest = rate(results[sizes[-1]])
    print(f"reference, the library's follower (empty policy, one event per "
          f"transaction, first {followed:,} events): {follower:,.0f} events/s; "
          f"our rebuild at {sizes[-1]:,} events: {largest / follower:.1f}x "
          "(target: 7x)", flush=True)  # fmt: skip
    small_store = min(sizes[0], 4_000)  # one by one is slow: a small store
    one_by_one = rate(measure(ensure_store(small_store), "--batch-size", "1"))
    batched = rate(measure(ensure_store(small_store)))
    print(f"our views one event per transaction ({small_store:,}-event store): "
          f"{one_by_one:,.0f} events/s; batched on the same store {batched:,.0f} "
          f"events/s: {batched / one_by_one:.1f}x")  # fmt: skip
    small, large = results[sizes[0]]["peak_rss"], results[sizes[-1]]["peak_rss"]
    print(f"peak RSS {sizes[-1]:,} vs {sizes[0]:,} events: {large / small:.2f}x "
          "(targets: at least 40,000 events/s, under 300 MB, not growing)")  # fmt: skip


if __name__ == "__main__":
    main()
