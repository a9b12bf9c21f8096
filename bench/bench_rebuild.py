"""Full rebuild of every view: events/s and peak memory, at two store sizes.

For each size, a fresh process opens a copy of the benchmark store, empties
every view and replays all events into them, and reports events/s and its
peak RSS. The reference, in the same run on a store of at most 4,000 events:
the same views applied one event per transaction, as the library's own
follower does, against our batches on that same store.
Memory must not grow with the store: compare the two peaks.

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


def rebuild(path: str, batch_size: int) -> None:
    """In this process: rebuild every view of the store at ``path``; print JSON."""
    from projections.catchup import catch_up
    from timeline.bootstrap import open_timeline
    from timeline.settings import Settings

    app = open_timeline(Settings(db_path=Path(path), author="bench"))
    app.views.reset(app.views.names())
    started = time.perf_counter()
    events = catch_up(app.views, app.recorder, app.mapper.to_record,
                      batch_size=batch_size)  # fmt: skip
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"events": events, "seconds": seconds, "peak_rss": peak}))


def measure(store: Path, batch_size: int, limit: int | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.sqlite"
        shutil.copy(store, copy)
        command = [sys.executable, "-m", "bench.bench_rebuild", "--child", str(copy),
                   "--batch-size", str(batch_size)]  # fmt: skip
        output = subprocess.run(
            command, check=True, capture_output=True, text=True, timeout=limit
        ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=2_000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        rebuild(args.child, args.batch_size)
        return
    sizes = [2_000, 8_000] if args.smoke else sorted(args.sizes)
    results = {}
    for size in sizes:
        r = results[size] = measure(ensure_store(size), 2_000)
        print(f"rebuild of every view, {r['events']:,.0f} events: "
              f"{r['events'] / r['seconds']:,.0f} events/s, "
              f"peak RSS {r['peak_rss'] / 2**20:,.0f} MB", flush=True)  # fmt: skip
    reference_size = min(sizes[0], 4_000)  # one by one is slow: a small store
    one_by_one = measure(ensure_store(reference_size), 1)
    batched = measure(ensure_store(reference_size), 2_000)
    reference = one_by_one["events"] / one_by_one["seconds"]
    ours = batched["events"] / batched["seconds"]
    print(f"reference, one event per transaction ({reference_size:,}-event store): "
          f"{reference:,.0f} events/s; batched on the same store {ours:,.0f} "
          f"events/s: {ours / reference:.1f}x")  # fmt: skip
    small, large = results[sizes[0]]["peak_rss"], results[sizes[-1]]["peak_rss"]
    print(f"peak RSS {sizes[-1]:,} vs {sizes[0]:,} events: {large / small:.2f}x "
          "(targets: at least 40,000 events/s, under 300 MB, not growing)")  # fmt: skip


if __name__ == "__main__":
    main()
