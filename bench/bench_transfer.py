"""Export and import throughput, and the size of each export format.

On a copy of the benchmark store (views current), each format is exported
through the CLI's own functions (snapshot read plus rendering, or the event
log) and timed; the figure is the store's events per second. The
reference, in the same run: reading every stored event with plain
``sqlite3`` and writing it out as a JSON line, which is the least an export
of the whole log must do.

Import: the exported event log into an empty store (every line parsed,
validated, checked against the domain's commands, then written in one
transaction), events per second; reference: the library's recorder
inserting the same stored events, with no checks, in the same run.

Usage (from the project's root):
  python -m bench.bench_transfer [--events 100000] [--smoke]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

import orjson

from bench.store import ensure_store
from timeline.bootstrap import open_record, open_service
from timeline.exporters import FORMATS, exporter
from timeline.settings import Settings, SQLiteFile
from timeline.transfer import LoggedEvent, event_log


def raw_log(path: Path, target: Path) -> float:
    """The reference export: every stored row as a JSON line, nothing more."""
    started = time.perf_counter()
    with closing(sqlite3.connect(path)) as connection, target.open("wb") as out:
        rows = connection.execute(
            "SELECT rowid, originator_id, originator_version, topic, state"
            " FROM stored_events ORDER BY rowid"
        )
        for position, aggregate, version, topic, state in rows:
            out.write(orjson.dumps({
                "position": position, "aggregate_id": aggregate, "version": version,
                "topic": topic, "payload": orjson.loads(state),
            }) + b"\n")  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    events = 2_000 if args.smoke else args.events
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.sqlite"
        shutil.copy(ensure_store(events), store)
        app = open_service(store, "bench")
        count = app.record.event_count()
        print(f"store: {count:,} events")
        reference = raw_log(store, Path(tmp) / "raw.jsonl")
        print(f"  reference, raw rows as JSON lines: {count / reference:,.0f} events/s")
        log = Path(tmp) / "log.jsonl"
        started = time.perf_counter()
        with log.open("w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in event_log(app.record.stored))
        seconds = time.perf_counter() - started
        print(f"  export jsonl: {count / seconds:,.0f} events/s "
              f"({reference / seconds:.2f}x the reference), "
              f"{log.stat().st_size / 2**20:,.1f} MB")  # fmt: skip
        for name in FORMATS:
            started = time.perf_counter()
            document = exporter(name)(app.snapshot())
            seconds = time.perf_counter() - started
            size = len(document.encode())
            print(f"  export {name}: {count / seconds:,.0f} events/s "
                  f"({seconds:.2f} s), {size / 2**20:,.1f} MB")  # fmt: skip
        app.close()

        lines = log.read_text(encoding="utf-8").splitlines()
        target = open_record(Settings(SQLiteFile(Path(tmp) / "new.sqlite"), author="b"))
        started = time.perf_counter()
        imported = target.import_log(enumerate(lines, start=1), "log.jsonl")
        seconds = time.perf_counter() - started
        target.close()
        bare = open_record(Settings(SQLiteFile(Path(tmp) / "bare.sqlite"), author="b"))
        stored = [LoggedEvent.model_validate_json(t).stored_event() for t in lines]
        started = time.perf_counter()
        bare.recorder.insert_events(stored)
        reference = time.perf_counter() - started
        bare.close()
        print(f"  import jsonl into an empty store: {imported.added / seconds:,.0f} "
              f"events/s; reference, the library's recorder inserting the same "
              f"events unchecked: {len(stored) / reference:,.0f} events/s "
              f"({reference / seconds:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
