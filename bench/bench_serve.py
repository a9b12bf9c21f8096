"""The HTTP service under load, beside Datasette serving the same SQLite file.

``timeline serve`` (the installed script, 1 and 2 worker processes) over a
copy of the benchmark store of --events events (bench.store; POSTs write to
the copy), on SQLite and on PostgreSQL (the same events copied with
``timeline db copy`` into a scratch schema, dropped after), driven by Debian's
``wrk`` (one thread; not Python) with a Lua script that sends the token
(role analyst), makes each POST body unique, counts non-2xx answers and
prints p50/p99 latency and requests/s. At 1, 16 and 64 connections, --duration
seconds each:

- ``GET /v1/talks/talks-1`` (the talks view: ~230 kB of JSON at 100,000 events);
- ``GET /v1/events?actor=CHN`` (the first page: 100 entries);
- ``GET /v1/search?q=prisoner+exchange``;
- ``POST /v1/talks/talks-1/developments`` (one development each).

The peer: Datasette serving its own copy of the same SQLite file, immutable
(``-i``: Datasette at its fastest; our copy is written by the POSTs, so it
gets one of its own), asked for the same talks' row of the ``talks_view``
table as JSON (``/store/talks_view.json?slug=talks-1&_shape=array``: the
row, its ``document`` column being the view our server answers with). It is
measured next to each of our ``GET /v1/talks`` runs, in the same run, so
both meet the machine in the same state. Datasette is SQLite-only: the
PostgreSQL lines are compared with the SQLite Datasette figures of the same
run. Targets: our ``GET /v1/talks/{slug}`` at least 2x Datasette's
requests/s at 16 connections with p99 under 50 ms.

Stream delivery: one client of ``GET /v1/stream`` while 4 writers (wrk
connections) POST developments for --duration seconds; each event's delay
from its ``recorded_at`` (stamped as it is recorded, just before commit) to
its arrival at the client. Target: p99 under 250 ms.

Needs ``wrk`` (apt-get install -y wrk) and the bench extra (Datasette).

Usage (from the project's root):
  python -m bench.bench_serve [--events 100000] [--duration 10] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import orjson

from bench.serve_load import (
    Load,
    Wrk,
    free_port,
    get,
    percentile,
    require_wrk,
    server,
    stream_delivery,
    temp_dir,
)
from bench.store import (
    drop_schema,
    ensure_store,
    postgres_server,
    print_machine,
    reset_schema,
)

SLUG = "talks-1"
TIMELINE = Path(sys.executable).with_name("timeline")
DATASETTE = Path(sys.executable).with_name("datasette")
DATASETTE_THREADS = 3  # its default num_sql_threads
WORKERS = (1, 2)
WRITERS = 4
TALKS = f"GET /v1/talks/{SLUG}"
READS = {
    TALKS: f"/v1/talks/{SLUG}",
    "GET /v1/events?actor=CHN": "/v1/events?actor=CHN",
    "GET /v1/search?q=prisoner+exchange": "/v1/search?q=prisoner+exchange",
}
POST = f"POST /v1/talks/{SLUG}/developments"
POST_PATH = f"/v1/talks/{SLUG}/developments"
BODY = orjson.dumps({"text": "Bench development {n}", "on": "2024-05",
                     "sources": ["https://example.org/bench"]}).decode()  # fmt: skip
PEER = f"/store/talks_view.json?slug={SLUG}&_shape=array"
TARGET_RATIO, TARGET_P99, TARGET_STREAM = 2.0, 50.0, 250.0
SCHEMA = "bench_serve_w{workers}"
PEER_WHO = "datasette (peer, on the SQLite file)"


def timeline(db: str, *argv: str) -> str:
    done = subprocess.run(
        [str(TIMELINE), "--db", db, "--author", "bench", *argv],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def token(db: str) -> str:
    created = orjson.loads(timeline(db, "token", "create", "bench", "--role",
                                    "analyst", "--json"))  # fmt: skip
    secret: str = created["token"]
    return secret


@contextmanager
def ours(db: str, workers: int, logs: Path) -> Iterator[str]:
    """``timeline serve`` over ``db`` with ``workers`` processes: its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(TIMELINE), "--db", db, "serve", "--port", str(port),
            "--workers", str(workers)]  # fmt: skip
    with server(argv, f"{base}/healthz", logs / f"serve-{port}.log"):
        yield base


@contextmanager
def datasette(path: Path, logs: Path) -> Iterator[str]:
    """Datasette over ``path`` (immutable, its defaults otherwise): its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(DATASETTE), "serve", "-i", str(path), "--port", str(port),
            "--setting", "num_sql_threads", str(DATASETTE_THREADS)]  # fmt: skip
    with server(argv, f"{base}/-/versions.json", logs / f"datasette-{port}.log"):
        yield base


def warm(base: str, paths: list[str], secret: str | None) -> None:
    for path in paths:
        for _ in range(3):
            get(base + path, secret)


def label(backend: str, what: str, connections: int) -> str:
    return f"{backend} {what}, {connections} connection{'s' * (connections > 1)}"


def measure_backend(
    backend: str,
    stores: dict[int, str],
    peer: str,
    wrk: Wrk,
    args: argparse.Namespace,
    logs: Path,
    figures: dict[tuple[str, str, int, str], Load],
) -> list[str]:
    """Every run on one backend (our servers over ``stores``, by workers;
    Datasette at ``peer`` beside each GET of the talks); lines of the
    stream delivery figures."""
    with ExitStack() as stack:
        secrets = {w: token(db) for w, db in stores.items()}
        bases = {w: stack.enter_context(ours(db, w, logs)) for w, db in stores.items()}
        for workers, base in bases.items():
            warm(base, list(READS.values()), secrets[workers])
        warm(peer, [PEER], None)
        print(f"{backend}: servers ready ({', '.join(_workers(w) for w in bases)});"
              f" {args.duration:g} s per run", flush=True)  # fmt: skip
        for what, path in READS.items():
            for connections in args.connections:
                runs: dict[str, Load] = {}
                for workers, base in bases.items():
                    runs[f"ours, {_workers(workers)}"] = wrk.run(
                        base + path, connections, args.duration, secrets[workers]
                    )
                if what == TALKS:
                    runs[PEER_WHO] = wrk.run(peer + PEER, connections, args.duration)
                _print_runs(backend, what, connections, runs, figures)
        for connections in args.connections:
            runs = {
                f"ours, {_workers(workers)}": wrk.run(
                    base + POST_PATH, connections, args.duration, secrets[workers],
                    BODY,
                )
                for workers, base in bases.items()
            }  # fmt: skip
            _print_runs(backend, POST, connections, runs, figures)
        lines = []
        for workers, base in bases.items():
            delays, load = stream_delivery(wrk, base, secrets[workers], POST_PATH,
                                           BODY, WRITERS, args.duration)  # fmt: skip
            line = (f"{backend} stream delivery, commit to client, 1 client while"
                    f" {WRITERS} writers POST, ours, {_workers(workers)}: p50 "
                    f"{percentile(delays, 0.5):.0f} ms, p99 "
                    f"{percentile(delays, 0.99):.0f} ms, max "
                    f"{max(delays, default=float('nan')):.0f} ms ({len(delays):,} "
                    f"events "
                    f"delivered; writers {load.rps:.1f} req/s, {load.requests:,} "
                    f"answered in time, non-2xx {load.non2xx}) (target p99 < "
                    f"{TARGET_STREAM:.0f} ms)")  # fmt: skip
            print(line, flush=True)
            figures[(backend, "stream", workers, "")] = load
            lines.append(
                f"{'met' if percentile(delays, 0.99) < TARGET_STREAM else 'MISSED'}:"
                f" {backend} stream delivery p99 {percentile(delays, 0.99):.0f} ms"
                f" < {TARGET_STREAM:.0f} ms ({_workers(workers)})"
            )
    return lines


def _workers(n: int) -> str:
    return f"{n} worker{'s' * (n > 1)}"


def _print_runs(
    backend: str,
    what: str,
    connections: int,
    runs: dict[str, Load],
    figures: dict[tuple[str, str, int, str], Load],
) -> None:
    for who, load in runs.items():
        print(f"{label(backend, what, connections)}: {who}: {load.shown()}",
              flush=True)  # fmt: skip
        figures[(backend, what, connections, who)] = load
    if PEER_WHO in runs:
        peer = runs[PEER_WHO].rps
        ratios = ", ".join(
            f"{load.rps / peer:.2f}x ({who.removeprefix('ours, ')})"
            for who, load in runs.items() if who.startswith("ours")
        )  # fmt: skip
        print(f"{label(backend, what, connections)}: ratio ours/datasette req/s "
              f"{ratios}", flush=True)  # fmt: skip


def targets(
    figures: dict[tuple[str, str, int, str], Load], connections: int
) -> list[str]:
    """The talks targets at ``connections``: against the same run's
    Datasette (SQLite's, for PostgreSQL too)."""
    peer = figures.get(("sqlite", TALKS, connections, PEER_WHO))
    lines = []
    for (backend, what, conns, who), load in figures.items():
        if what != TALKS or conns != connections or not who.startswith("ours"):
            continue
        peers = [figures.get((backend, TALKS, connections, PEER_WHO)), peer]
        rps = next((p.rps for p in peers if p is not None), float("nan"))
        ratio = load.rps / rps
        met = ratio >= TARGET_RATIO and load.p99_ms < TARGET_P99
        lines.append(
            f"{'met' if met else 'MISSED'}: {backend} {TALKS} at {connections}"
            f" connections, {who}: {ratio:.2f}x Datasette's req/s (target >="
            f" {TARGET_RATIO:g}x), p99 {load.p99_ms:.1f} ms (target < "
            f"{TARGET_P99:g} ms)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of each wrk run")  # fmt: skip
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.duration, args.connections = 2_000, 1.0, [1, 16]
    wrk_path = require_wrk()
    if not DATASETTE.exists():
        raise SystemExit(f"{DATASETTE} is missing: pip install -e '.[bench]'")
    print_machine()
    version = subprocess.run([wrk_path, "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]  # fmt: skip
    store = ensure_store(args.events)
    print(
        f"store: {args.events:,} events ({store.stat().st_size / 2**20:,.0f} MB);"
        f" load: {version.split(' [')[0]}, 1 thread, --timeout 30s",
        flush=True,
    )
    print(
        f"peer: Datasette {_datasette_version()} -i (immutable) on its own copy, "
        f"num_sql_threads={DATASETTE_THREADS}, asked GET {PEER}",
        flush=True,
    )
    figures: dict[tuple[str, str, int, str], Load] = {}
    stream_lines: list[str] = []
    with temp_dir() as tmp:
        work = Path(tmp)
        wrk = Wrk(work)
        peer_copy = work / "store.sqlite"  # Datasette names the database "store"
        shutil.copy(store, peer_copy)
        stores = {}
        for workers in WORKERS:
            stores[workers] = str(work / f"ours-w{workers}.sqlite")
            shutil.copy(store, stores[workers])
        with datasette(peer_copy, work) as peer:
            stream_lines += measure_backend("sqlite", stores, peer, wrk, args, work,
                                            figures)  # fmt: skip
            for copy in stores.values():
                Path(copy).unlink()
            try:
                pg = {w: _postgres_copy(store, SCHEMA.format(workers=w))
                      for w in WORKERS}  # fmt: skip
            except Exception as error:
                print(f"postgresql: skipped, PostgreSQL unreachable at "
                      f"{postgres_server()}: {error}", flush=True)  # fmt: skip
                pg = {}
            try:
                if pg:
                    stream_lines += measure_backend("postgresql", pg, peer, wrk,
                                                    args, work, figures)  # fmt: skip
            finally:
                for workers in pg:
                    drop_schema(SCHEMA.format(workers=workers))
    bad = sum(load.non2xx + load.socket_errors for load in figures.values())
    print(f"non-2xx answers and socket errors, all runs: {bad}", flush=True)
    print("targets (the peer: Datasette on SQLite, same run):")
    for line in [*targets(figures, 16), *stream_lines]:
        print(f"  {line}", flush=True)
    if bad:
        raise SystemExit(f"{bad} requests failed (non-2xx or socket errors)")


def _postgres_copy(store: Path, schema: str) -> str:
    """The store's events copied into a new schema ``schema``: its URL."""
    reset_schema(schema)
    url = f"{postgres_server()}?schema={schema}"
    timeline(url, "db", "copy", str(store), url)
    return url


def _datasette_version() -> str:
    done = subprocess.run([str(DATASETTE), "--version"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout.split()[-1]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
