"""As-of queries (record time) against the same queries on current views.

On the 100,000-event store, each query runs --repeat times in-process and
its median is compared with the current-state query measured in the same
run; the target is within 2x. The record time asked for is that of the
event in the middle of the store, so half the entries were recorded later.
On a copy of the store, entries of talks-1 are first amended and retracted,
so that as-of reads meet superseded versions, and talks-1 must be shown as
it stood before them: its events since then are undone from the current
view (or, when fewer, those up to then folded; the worst case is half).

Usage (from the project's root):
  python -m bench.bench_clocks [--events 100000] [--repeat 25] [--smoke]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.store import ensure_store
from timeline.bootstrap import open_service

SLUG = "talks-1"


def median_seconds(query: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        query()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.repeat = 8_000, 3
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.sqlite"
        shutil.copy(ensure_store(args.events), path)
        app = open_service(path, "bench")
        for n in range(1, 40, 3):  # corrections, so that versions are superseded
            app.amend(SLUG, f"development:{n}", {"text": f"Corrected {n}"}, "Typo")
            app.retract(SLUG, f"agenda:item-{4 * n}", "Duplicate")
        queries = app.queries
        stored = queries.stored
        middle = stored.head() // 2
        as_of = queries.clocks(as_of=stored.recorded_at(middle))
        opened = queries.talks_view(SLUG)["opened"]["store_position"]
        half = queries.talks_view(SLUG)["version"] // 2
        middle_of_talks = queries.clocks(as_of=stored.recorded_at(opened + half - 1))
        after = (
            queries.talks_view(SLUG)["version"]
            - queries.talks_view(SLUG, as_of)["version"]
        )
        print(f"store: {stored.head():,} events; as of the record time of "
              f"event {middle:,} ({as_of.as_of})")  # fmt: skip
        cases: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
            "events (first 100)": (
                lambda: queries.entries(limit=100),
                lambda: queries.entries(as_of, limit=100),
            ),
            "events --actor CHN (first 100)": (
                lambda: queries.entries(actor="CHN", limit=100),
                lambda: queries.entries(as_of, actor="CHN", limit=100),
            ),
            f"events --talks {SLUG} (all)": (
                lambda: queries.entries(slug=SLUG),
                lambda: queries.entries(as_of, slug=SLUG),
            ),
            f"stance history {SLUG}": (
                lambda: queries.stances(SLUG),
                lambda: queries.stances(SLUG, None, as_of),
            ),
            "show talks-0 (unchanged since then: the stored view)": (
                lambda: queries.talks_view("talks-0"),
                lambda: queries.talks_view("talks-0", as_of),
            ),
            f"show {SLUG} (corrected since then: the {after} events since undone)": (
                lambda: queries.talks_view(SLUG),
                lambda: queries.talks_view(SLUG, as_of),
            ),
            f"show {SLUG} as of its {half}th event (half of it folded: worst case)": (
                lambda: queries.talks_view(SLUG),
                lambda: queries.talks_view(SLUG, middle_of_talks),
            ),
        }
        for label, (current, past) in cases.items():
            now = median_seconds(current, args.repeat)
            then = median_seconds(past, args.repeat)
            print(f"  {label}: current {1000 * now:.2f} ms, as of {1000 * then:.2f} ms"
                  f" ({then / now:.2f}x; target 2x)", flush=True)  # fmt: skip
        app.close()


if __name__ == "__main__":
    main()
