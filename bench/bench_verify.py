"""The hash chain's cost: appending with hashing beside without, and
``timeline verify`` beside the raw read of the same events.

Prints, for a store of N events (talks of 1,000, 500 events per save):
- bulk append through the application with each event hashed (as stored),
  and again with hashing turned off, alternating rounds; the median ratio
  (target: hashing at most 10% slower, a ratio of at least 0.90);
- verify of the whole store (every hash recomputed and compared), in
  events/s (target 200,000), beside reading the same stored rows and
  nothing more, in the same run.

Usage (from the project's root):
  python -m bench.bench_verify [--events N] [--rounds R] [--smoke]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from eventsourcing.application import Application

from bench.store import bulk_append
from timeline.application import DiplomaticRecord
from timeline.bootstrap import open_record
from timeline.settings import Settings, SQLiteFile


def append(path: Path, events: int, hashed: bool) -> float:
    """Seconds to append ``events`` events, hashed or not."""
    app = open_record(Settings(SQLiteFile(path), author="bench"))
    if not hashed:  # the library's own _record: no link set, nothing hashed
        app._record = lambda event: Application._record(app, event)  # type: ignore[method-assign]
    seconds = bulk_append(app, events)
    app.close()
    return seconds


def raw_read(app: DiplomaticRecord) -> tuple[int, float]:
    """Every stored row read as verify reads them, and nothing done with them."""
    started, count, position = time.perf_counter(), 0, 0
    while rows := app.stored.after(position, 10_000):
        count += len(rows)
        position = rows[-1][0]
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="small size, for CI")
    args = parser.parse_args()
    events = 5_000 if args.smoke else args.events
    rounds = 1 if args.smoke else args.rounds
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(1, rounds + 1):
            kept = Path(tmp) / "hashed.sqlite"
            kept.unlink(missing_ok=True)
            with_hash = events / append(kept, events, hashed=True)
            without = events / append(Path(tmp) / f"plain-{round_}.sqlite", events,
                                      hashed=False)  # fmt: skip
            ratios.append(with_hash / without)
            print(f"round {round_}: append hashed {with_hash:,.0f} events/s;"
                  f" not hashed {without:,.0f} events/s;"
                  f" ratio {with_hash / without:.2f}")  # fmt: skip
        print(f"append, hashed/not hashed, median of {rounds}: {median(ratios):.2f}"
              " (target at least 0.90: at most 10% slower)")  # fmt: skip
        app: Any = open_record(Settings(SQLiteFile(kept), author="bench"))
        count, read = raw_read(app)
        started = time.perf_counter()
        report = app.verify()
        checked = time.perf_counter() - started
        app.close()
    if not report.ok or report.events != count:
        raise SystemExit(f"verify failed on the store it was given: {report}")
    print(
        f"verify of {count:,} events: {count / checked:,.0f} events/s (target 200,000)"
    )
    print(
        f"reference, reading the same rows and nothing more: {count / read:,.0f}"
        f" events/s; verify at {read / checked:.2f} of it"
    )


if __name__ == "__main__":
    main()
