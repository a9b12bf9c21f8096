"""Moving events into PostgreSQL: ``db copy`` from SQLite and a streamed
``import``, rate and peak memory at two sizes.

At each size, from the benchmark store of that many events (bench.store),
each command as a process of its own, timed from start to exit (views
brought up to date at the end included, as the commands do), its peak RSS
read when it exits (the server's processes are not counted):
- ``timeline db copy STORE.sqlite postgresql://...?schema=bench_copy``;
- reference: the same command from SQLite into a new SQLite file;
- ``timeline import LOG.jsonl`` into an empty PostgreSQL store (the event log
  exported from the same store, every line checked);
- reference: the library's PostgreSQL recorder inserting the same events
  unchecked, 10,000 per transaction (only the inserts timed).
Memory must not grow with the store: the two sizes' peaks are compared.
Without a ``timeline db copy`` command, its lines say it was skipped.

Usage (from the project's root):
  python -m bench.bench_pg_transfer [--sizes 100000 1000000] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.store import (
    drop_schema,
    ensure_store,
    postgres_server,
    print_machine,
    reset_schema,
)
from timeline.bootstrap import open_record, open_service
from timeline.settings import Settings
from timeline.transfer import LoggedEvent, event_log

COPY_SCHEMA, IMPORT_SCHEMA, BARE_SCHEMA = "bench_copy", "bench_import", "bench_bare"
INSERTS = 10_000  # events per transaction of the reference


def timeline(*argv: str, db: str | None = None) -> tuple[float, float]:
    """Run ``timeline ARGV`` as a process; its wall seconds and peak RSS."""
    env = {**os.environ, "TIMELINE_AUTHOR": "bench"}
    if db:
        env["TIMELINE_DB"] = db
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "timeline", *argv],
            env=env, stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise RuntimeError(f"timeline {argv[0]} failed: {message}")
    return seconds, usage.ru_maxrss * 1024


def has_copy() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "timeline", "db", "copy", "--help"],
        capture_output=True,
    )
    return done.returncode == 0


def url(schema: str) -> str:
    return f"{postgres_server()}?schema={schema}"


def bare_inserts(log: Path) -> float:
    """Seconds the library's recorder takes to insert the log's events into
    an empty PostgreSQL store, INSERTS per transaction, unchecked."""
    store = reset_schema(BARE_SCHEMA)
    bare = open_record(Settings(store, author="bench"))
    seconds = 0.0
    with log.open(encoding="utf-8") as lines:
        while True:
            chunk = [line for _, line in zip(range(INSERTS), lines, strict=False)]
            batch = [LoggedEvent.model_validate_json(t).stored_event() for t in chunk]
            if not batch:
                break
            started = time.perf_counter()
            bare.recorder.insert_events(batch)
            seconds += time.perf_counter() - started
    bare.close()
    drop_schema(BARE_SCHEMA)
    return seconds


def size_figures(events: int, copying: bool, tmp: Path) -> dict[str, float]:
    """Print one size's figures; their peak RSS by name."""
    source = tmp / "source.sqlite"
    shutil.copy(ensure_store(events), source)
    service = open_service(source, "bench")
    count = service.record.event_count()
    log = tmp / "log.jsonl"
    with log.open("w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in event_log(service.record.stored))
    service.close()
    peaks = {}
    print(f"store of {count:,} events ({source.stat().st_size / 2**20:,.0f} MB; "
          f"its event log {log.stat().st_size / 2**20:,.0f} MB)",
          flush=True)  # fmt: skip
    if copying:
        reset_schema(COPY_SCHEMA)
        try:
            seconds, peaks["copy"] = timeline("db", "copy", str(source),
                                              url(COPY_SCHEMA))  # fmt: skip
        finally:
            drop_schema(COPY_SCHEMA)
        target = tmp / "copy.sqlite"
        reference, peak = timeline("db", "copy", str(source), str(target))
        target.unlink()
        print(f"  db copy sqlite->postgresql: {count / seconds:,.0f} events/s, "
              f"peak RSS {peaks['copy'] / 2**20:,.0f} MB; reference, db copy "
              f"sqlite->sqlite: {count / reference:,.0f} events/s, peak RSS "
              f"{peak / 2**20:,.0f} MB (postgresql at {reference / seconds:.2f} "
              "of it)", flush=True)  # fmt: skip
    else:
        print("  db copy sqlite->postgresql: skipped, this checkout has no "
              "`timeline db copy` command", flush=True)  # fmt: skip
    reset_schema(IMPORT_SCHEMA)
    try:
        seconds, peaks["import"] = timeline("import", str(log), db=url(IMPORT_SCHEMA))
    finally:
        drop_schema(IMPORT_SCHEMA)
    reference = bare_inserts(log)
    print(f"  import jsonl into an empty postgresql store: {count / seconds:,.0f} "
          f"events/s, peak RSS {peaks['import'] / 2**20:,.0f} MB; reference, the "
          f"library's recorder inserting the same events unchecked, {INSERTS:,} "
          f"per transaction: {count / reference:,.0f} events/s (ours "
          f"{reference / seconds:.2f}x)", flush=True)  # fmt: skip
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[100_000, 1_000_000])
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    small, large = sorted([2_000, 8_000] if args.smoke else args.sizes)
    print_machine()
    copying = has_copy()
    peaks = {}
    for events in (small, large):
        with tempfile.TemporaryDirectory() as tmp:
            peaks[events] = size_figures(events, copying, Path(tmp))
    for name, label in (("copy", "db copy"), ("import", "import")):
        if name in peaks[small]:
            growth = peaks[large][name] / peaks[small][name]
            print(f"peak RSS of {label}, {large:,} vs {small:,} events: "
                  f"{growth:.2f}x (target: flat)")  # fmt: skip


if __name__ == "__main__":
    main()
