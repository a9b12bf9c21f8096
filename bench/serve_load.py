"""Load against HTTP servers for bench.bench_serve: ``wrk`` runs driven by a
Lua script, the servers as processes of their own, and a Server-Sent Events
client that times delivery from commit to client.

``wrk`` (Debian's package) is the load generator: it is not Python, so it
does not take the interpreter lock from anything measured, and one thread of
it keeps 64 connections busy on a fraction of a core.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import orjson

WRK_LUA = r"""
-- Set by bench.serve_load through the environment:
--   BENCH_TOKEN   sent as Authorization: Bearer (if set)
--   BENCH_METHOD  GET (default) or POST
--   BENCH_BODY    the POST body; each {n} becomes a number unique to the run
local token = os.getenv("BENCH_TOKEN")
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local threads = {}
non2xx = 0
sent = 0
thread_id = 0

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if method == "POST" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

if method == "POST" then
  function request()
    sent = sent + 1
    local text = string.gsub(body, "{n}", thread_id .. "-" .. sent)
    return wrk.format("POST", nil, nil, text)
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d"
      .. " non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    bad, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    """One wrk run's figures."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def shown(self) -> str:
        errors = f", socket errors {self.socket_errors}" if self.socket_errors else ""
        return (
            f"{self.rps:7.1f} req/s, p50 {self.p50_ms:6.1f} ms, p99 {self.p99_ms:6.1f}"
            f" ms ({self.requests:,} requests, non-2xx {self.non2xx}{errors})"
        )


def require_wrk() -> str:
    """The path of ``wrk``; exits with a clear message without it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "bench_serve needs the load generator wrk, which is not installed:"
            " apt-get install -y wrk"
        )
    return found


class Wrk:
    """Runs of ``wrk`` with :data:`WRK_LUA`, written once to a temp dir."""

    def __init__(self, directory: Path) -> None:
        self.binary = require_wrk()
        self.script = directory / "bench.lua"
        self.script.write_text(WRK_LUA)

    def run(
        self,
        url: str,
        connections: int,
        seconds: float,
        token: str | None = None,
        body: str | None = None,
    ) -> Load:
        """``connections`` connections on ``url`` for ``seconds``: GET, or POST
        of ``body`` (each ``{n}`` in it made unique)."""
        env = {**os.environ, "BENCH_TOKEN": token or "",
               "BENCH_METHOD": "POST" if body is not None else "GET",
               "BENCH_BODY": body or ""}  # fmt: skip
        argv = [self.binary, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                "--timeout", "30s", "-s", str(self.script), url]  # fmt: skip
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed on {url}: {done.stdout}{done.stderr}")
        fields = {k: int(v) for k, v in (f.split("=") for f in line.split()[1:])}
        return Load(
            requests=fields["requests"],
            seconds=fields["duration_us"] / 1e6,
            p50_ms=fields["p50_us"] / 1000,
            p90_ms=fields["p90_us"] / 1000,
            p99_ms=fields["p99_us"] / 1000,
            max_ms=fields["max_us"] / 1000,
            non2xx=fields["non2xx"],
            socket_errors=sum(
                fields[k] for k in ("connect", "read", "write", "timeout")
            ),
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str, token: str | None = None, timeout: float = 30) -> bytes:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        body: bytes = answer.read()
        return body


@contextmanager
def server(
    argv: list[str], ready: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process (in a session of its own, its output to ``log``),
    once ``ready`` (a URL) answers; stopped by SIGTERM after, as Ctrl-C would
    (its process group killed if it has not stopped within 20 s)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited: {log.read_text()[-2000:]}")
            with suppress(OSError):
                get(ready, timeout=5)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not answer {ready} within 90 s")
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def temp_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="bench-serve-")


def stream_delivery(
    wrk: Wrk,
    base: str,
    token: str,
    path: str,
    body: str,
    writers: int,
    seconds: float,
) -> tuple[list[float], Load]:
    """Delivery delays (ms) of the events ``writers`` connections POST to
    ``path`` for ``seconds``, to one client of ``GET /v1/stream``: from each
    event's ``recorded_at`` (stamped as it is recorded, just before commit)
    to its arrival at the client; and the writers' load."""
    delays: list[float] = []
    opened = threading.Event()
    stop = threading.Event()
    failed: list[BaseException] = []

    def listen() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(60.0)) as client,
                client.stream("GET", f"{base}/v1/stream", headers=headers) as answer,
            ):
                answer.raise_for_status()
                opened.set()
                for line in answer.iter_lines():
                    if stop.is_set():
                        return
                    if line.startswith("data: "):
                        arrived = time.time()
                        recorded = orjson.loads(line[6:])["recorded_at"]
                        at = datetime.fromisoformat(recorded).timestamp()
                        delays.append(1000 * (arrived - at))
        except BaseException as error:  # the server stopping ends it too
            if not stop.is_set():
                failed.append(error)
            opened.set()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    opened.wait(30)
    if failed:
        raise failed[0]
    time.sleep(0.3)  # the stream has read the head: it waits for new events
    load = wrk.run(base + path, writers, seconds, token, body)
    deadline = time.monotonic() + 10
    while len(delays) < load.requests - load.non2xx and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()  # the listener ends at its next line, or as the server stops
    if failed:
        raise failed[0]
    return list(delays), load


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` of 1) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
