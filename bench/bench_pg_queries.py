"""Query latency in-process on a large store, PostgreSQL beside SQLite.

The same queries as bench.bench_queries and bench.bench_clocks time
in-process (``show``, ``events --actor``, ``search``, and ``events`` as of a
past record time: that of the store's middle event), each the median of
--repeat calls, on two stores of the same events (the same talks, built the
same way on each backend; see bench.store). The queries are asked of both
backends in turn, so both meet the machine in the same state; SQLite is the
reference. The target is 20 ms for each.

Usage (from the project's root):
  python -m bench.bench_pg_queries [--events N] [--repeat 50] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench.store import ensure_postgres_store, ensure_store, print_machine
from projections.queries import Queries
from timeline.bootstrap import open_queries
from timeline.settings import Settings, SQLiteFile, StoreLocation

SLUG = "talks-1"
Cases = dict[str, Callable[[], object]]


def cases(store: StoreLocation) -> tuple[Queries, Cases]:
    """The queries timed, over the store's views (current: nothing to catch up)."""
    queries = open_queries(
        Settings(store, author="bench"),
        catch_up=print,
        records=lambda slug, version: iter([]),
    )
    stored = queries.stored
    middle = queries.clocks(as_of=stored.recorded_at(stored.head() // 2))
    timed: Cases = {
        f"show {SLUG}": lambda: queries.talks_view(SLUG),
        "events --actor CHN (first 100)": lambda: queries.entries(
            actor="CHN", limit=100
        ),
        'search "prisoner exchange"': lambda: queries.search("prisoner exchange"),
        "search ceasefire --talks talks-1": lambda: queries.search("ceasefire", SLUG),
        "events as of the middle event (first 100)": lambda: queries.entries(
            middle, limit=100
        ),
        "events --actor CHN as of the middle event (first 100)": (
            lambda: queries.entries(middle, actor="CHN", limit=100)
        ),
    }
    return queries, timed


def median_ms(query: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        query()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="small size, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.repeat = 2_000, 5
    print_machine()
    stores: dict[str, StoreLocation] = {
        "postgresql": ensure_postgres_store(args.events),
        "sqlite": SQLiteFile(ensure_store(args.events)),
    }
    opened = {name: cases(store) for name, store in stores.items()}
    heads = {name: q.stored.head() for name, (q, _) in opened.items()}
    print(f"stores: {args.events:,} events, the same talks on both backends "
          f"(heads: postgresql {heads['postgresql']:,}, sqlite "
          f"{heads['sqlite']:,}); median of {args.repeat} calls each",
          flush=True)  # fmt: skip
    for label in opened["sqlite"][1]:
        for _, timed in opened.values():
            timed[label]()  # once before timing: caches warm on both
        ms = {name: median_ms(timed[label], args.repeat)
              for name, (_, timed) in opened.items()}  # fmt: skip
        print(f"in-process {label}: postgresql {ms['postgresql']:.1f} ms, sqlite "
              f"(reference) {ms['sqlite']:.1f} ms, ratio "
              f"{ms['postgresql'] / ms['sqlite']:.1f}x (target 20 ms each)",
              flush=True)  # fmt: skip
    for queries, _ in opened.values():
        queries.views.close()


if __name__ == "__main__":
    main()
