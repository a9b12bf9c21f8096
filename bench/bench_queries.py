"""Query and command latency on a large store, in-process and as CLI processes.

In-process: median of --repeat calls of show, events --actor and search on
current views. CLI: median wall time of --runs processes of the same queries
and of recording one entry into a new talks and into the store's talks of
10,000 events, against `python -c pass` and a bare import of eventsourcing,
pydantic and click (the references, measured in the same run). Commands run
on a copy of the store, so the cached store stays as built, and from compiled
bytecode, as an installed package does (pip compiles it on install; a checkout
compiles it on first run, unless PYTHONDONTWRITEBYTECODE is set).

Usage (from the project's root):
  python -m bench.bench_queries [--events 1000000] [--runs 9] [--smoke]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.store import ensure_store, long_talks_slug
from timeline.bootstrap import open_queries
from timeline.settings import Settings, SQLiteFile

SLUG = "talks-1"
ROOT = Path(__file__).parent.parent
PACKAGES = [ROOT / "events", ROOT / "projections", ROOT / "timeline"]


def in_process(path: Path, repeat: int) -> dict[str, float]:
    queries = open_queries(
        Settings(SQLiteFile(path), author="bench"),
        catch_up=print,
        records=lambda slug, version: iter([]),
    )
    cases: dict[str, Callable[[], object]] = {
        f"show {SLUG}": lambda: queries.talks_view(SLUG),
        "events --actor CHN (first 100)": lambda: queries.entries(
            actor="CHN", limit=100
        ),
        f"events --talks {SLUG} --actor CHN (first 100)": lambda: queries.entries(
            slug=SLUG, actor="CHN", limit=100
        ),
        'search "prisoner exchange"': lambda: queries.search("prisoner exchange"),
        "search ceasefire --talks talks-1": lambda: queries.search("ceasefire", SLUG),
    }
    results = {}
    for label, query in cases.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            query()
            times.append(time.perf_counter() - started)
        results[label] = statistics.median(times)
    return results


def wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.runs, args.repeat = 8_000, 2, 5
    store = ensure_store(args.events)
    print(f"store: {args.events:,} events ({store.stat().st_size / 2**20:,.0f} MB)")
    for label, seconds in in_process(store, args.repeat).items():
        print(f"  in-process {label}: {1000 * seconds:.1f} ms (target 20 ms)")

    for package in PACKAGES:
        compileall.compile_dir(package, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.sqlite"
        shutil.copy(store, copy)
        env = {**os.environ, "TIMELINE_DB": str(copy), "TIMELINE_AUTHOR": "bench"}
        python = [sys.executable]
        timeline = [sys.executable, "-m", "timeline"]
        long_slug = long_talks_slug(args.events)
        subprocess.run([*timeline, "talks", "open", "fresh", "--title", "Fresh",
                        "--location", "Oslo", "--party", "NOR"],
                       env=env, check=True, capture_output=True)  # fmt: skip
        cases: dict[str, Callable[[int], list[str]]] = {
            "python -c pass (reference)": lambda r: [*python, "-c", "pass"],
            "import eventsourcing+pydantic+click (reference)": lambda r: [
                *python, "-c", "import eventsourcing.application, pydantic, click"
            ],
            f"show {SLUG} --json": lambda r: [*timeline, "show", SLUG, "--json"],
            f"show {SLUG} (tables, latest 25 rows each)": lambda r: [
                *timeline, "show", SLUG
            ],
            f"show {SLUG} --all (tables of 1,000 entries)": lambda r: [
                *timeline, "show", SLUG, "--all"
            ],
            "events --actor CHN --json": lambda r: [
                *timeline, "events", "--actor", "CHN", "--json"
            ],
            'search "prisoner exchange" --json': lambda r: [
                *timeline, "search", "prisoner exchange", "--json"
            ],
            f"events --talks {SLUG} --min-grade B3 --json": lambda r: [
                *timeline, "events", "--talks", SLUG, "--min-grade", "B3", "--json"
            ],
            "events --min-grade B3 --json (grades every entry)": lambda r: [
                *timeline, "events", "--min-grade", "B3", "--json"
            ],
            "develop into a new talks": lambda r: [
                *timeline, "develop", "fresh", "--on", "2024", f"Bench {r}"
            ],
            f"develop into {long_slug} (10,000 events)": lambda r: [
                *timeline, "develop", long_slug, "--on", "2024", f"Bench {r}"
            ],
        }  # fmt: skip
        medians = {}
        for label, argv in cases.items():
            wall(argv(-1), env)  # warm the page cache; a query also catches up
            medians[label] = statistics.median(
                wall(argv(run), env) for run in range(args.runs)
            )
    imports = medians["import eventsourcing+pydantic+click (reference)"]
    print(f"CLI wall, median of {args.runs} runs:")
    for label, seconds in medians.items():
        print(f"  {label}: {1000 * seconds:.0f} ms ({seconds / imports:.1f}x imports)")
    long = medians[f"develop into {long_slug} (10,000 events)"]
    print(f"recording into 10,000 events vs a new talks: "
          f"{long / medians['develop into a new talks']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
