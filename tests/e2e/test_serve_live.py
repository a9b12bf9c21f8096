"""``timeline serve`` live, on each backend: the installed command in its own
process, with writers (processes of the installed CLI and threads posting
through the API) recording while a client reads ``GET /v1/stream``, then
stopped by a signal with requests in flight.

The stream is read here as any Server-Sent Events client would: frames split
by a blank line, ``id:``, ``event:`` and ``data:`` fields, comments ignored.
What it gives is checked against the store itself: the lines ``timeline
export --format jsonl`` writes, by position.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import Server, free_port, serving
from tests.support import TIMELINE, VIEW_NAMES, head, installed, make_store, ok

SLUG = "beijing-talks"
"""The demo talks."""
OTHER = "geneva-talks"
READ_TIMEOUT = 5.0
"""Seconds a stream may stay silent while an event is awaited: a deadline."""


# -- a Server-Sent Events client -----------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One event of the stream."""

    id: int
    event: str
    data: str

    @property
    def line(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.data)
        return parsed

    @property
    def text(self) -> str | None:
        text: str | None = self.line["payload"].get("text")
        return text


def frames(response: httpx.Response) -> Iterator[Frame]:
    """The events of a stream as they arrive; comments, and frames without
    data (such as the ``retry:`` advice), are not events."""
    fields: dict[str, list[str]] = {}
    for line in response.iter_lines():
        if line == "":
            if "data" in fields:
                yield Frame(
                    int(fields["id"][-1]),
                    fields["event"][-1],
                    "\n".join(fields["data"]),
                )
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))


@contextmanager
def opened(
    server: Server,
    token: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Iterator[Iterator[Frame]]:
    """``GET /v1/stream``, open until the block ends: its events."""
    timeout = httpx.Timeout(10, read=READ_TIMEOUT)
    asked = {"Authorization": f"Bearer {token}", **(headers or {})}
    with (
        httpx.Client(base_url=server.url, timeout=timeout) as client,
        client.stream("GET", "/v1/stream", params=params, headers=asked) as answer,
    ):
        assert answer.status_code == 200, answer.read()
        assert answer.headers["content-type"].startswith("text/event-stream")
        yield frames(answer)


def stream_status(
    server: Server, token: str, headers: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    """The answer to ``GET /v1/stream`` (its body read only if it is not a
    stream: a stream would never end)."""
    timeout = httpx.Timeout(10, read=READ_TIMEOUT)
    auth = {"Authorization": f"Bearer {token}", **(headers or {})}
    with (
        httpx.Client(base_url=server.url, timeout=timeout) as client,
        client.stream("GET", "/v1/stream", params=params, headers=auth) as answer,
    ):
        if not answer.headers["content-type"].startswith("text/event-stream"):
            answer.read()
        return answer


def take(events: Iterator[Frame], count: int) -> list[Frame]:
    """The next ``count`` events; fewer if the stream goes silent for
    :data:`READ_TIMEOUT` (or ends) first."""
    taken: list[Frame] = []
    try:
        while len(taken) < count:
            taken.append(next(events))
    except (httpx.ReadTimeout, StopIteration):
        pass
    return taken


def take_until(events: Iterator[Frame], last: Callable[[Frame], bool]) -> list[Frame]:
    """The events up to the first that is ``last`` (included)."""
    taken: list[Frame] = []
    for frame in events:
        taken.append(frame)
        if last(frame):
            return taken
    raise AssertionError(f"the stream ended after {taken}")


# -- the store, as the installed command reads it -----------------------------------


def env() -> dict[str, str]:
    return dict(os.environ)


def exported() -> dict[int, str]:
    """Every line of ``timeline export --format jsonl``, by position."""
    result = installed("export", "--format", "jsonl", env=env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return {json.loads(line)["position"]: line for line in lines}


def as_json(*args: str) -> Any:
    result = installed(*args, "--json", env=env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def develop(client: httpx.Client | Server, token: str, text: str,
            slug: str = SLUG) -> httpx.Response:  # fmt: skip
    body = {"text": text, "on": "2024-08"}
    path = f"/v1/talks/{slug}/developments"
    if isinstance(client, Server):
        return client.post(path, token, json=body)
    return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# -- 1, 2. every event exactly once, across reconnections; at once -----------------

N = 8
"""Developments each writer through the API records."""
N_CLI = 4
"""Developments each writer through the installed CLI records (a process each)."""
FIRST = 10
"""Events read before the first stream is closed."""


def cli_writer(name: str) -> list[str]:
    """Record N_CLI developments, one installed ``timeline develop`` each."""
    texts = []
    for i in range(N_CLI):
        text = f"{name} {i}"
        made = installed("--author", name, "develop", SLUG, text, "--on", "2024-08",
                         env=env())  # fmt: skip
        assert made.returncode == 0, made.stderr
        texts.append(text)
    return texts


def http_writer(server: Server, token: str, name: str,
                resumed: threading.Event) -> list[str]:  # fmt: skip
    """Record N developments through the API: half, then (once the reader
    has come back) the other half."""
    texts = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for i in range(N):
            if i == N // 2:
                assert resumed.wait(timeout=30), "the reader never came back"
            text = f"{name} {i}"
            answer = develop(client, token, text)
            assert answer.status_code == 201, answer.text
            texts.append(text)
    return texts


def test_the_stream_gives_every_event_once_across_a_reconnection(
    store: str, tmp_path: Path
) -> None:
    """Writers record (two installed CLIs, two API clients) while the stream
    is read; it is closed partway, one more event is recorded, and it is
    opened again (by ``Last-Event-ID``, and by ``?after=``): what it gave is
    every event stored since it was first opened, once each, in order, as
    the ``jsonl`` export writes them."""
    ok("demo")
    with serving(tmp_path) as server, ThreadPoolExecutor(4) as pool:
        reader, analyst = server.tokens["reader"], server.tokens["analyst"]
        start = head(store)
        resumed = threading.Event()
        try:
            with opened(server, reader) as events:
                writers = [pool.submit(cli_writer, f"cli{w}") for w in (1, 2)] + [
                    pool.submit(http_writer, server, analyst, f"http{w}", resumed)
                    for w in (1, 2)
                ]
                first = take(events, FIRST)
            assert len(first) == FIRST, first
            # recorded while nobody is listening
            assert develop(server, analyst, "unheard").status_code == 201
            last_seen = str(first[-1].id)
            with (
                opened(server, reader, headers={"Last-Event-ID": last_seen}) as again,
                opened(server, reader, params={"after": last_seen}) as after,
            ):
                resumed.set()
                texts = {text for w in writers for text in w.result()}
                # then a last one: nothing else comes before it
                assert develop(server, analyst, "last").status_code == 201
                rest = 2 * N_CLI + 2 * N + 2 - FIRST
                by_header, by_query = take(again, rest), take(after, rest)
        finally:
            resumed.set()
        assert by_query == by_header
        received = first + by_header

        lines = exported()
        stored_after = [position for position in sorted(lines) if position > start]
        assert [frame.id for frame in received] == stored_after
        for frame in received:
            assert frame.data == lines[frame.id]
            assert frame.event == frame.line["type"]
        assert sorted(frame.text or "" for frame in received) == sorted(
            texts | {"unheard", "last"}
        )

        # from a position: everything stored after it, at once
        with opened(server, reader, params={"after": start}) as replayed:
            assert take(replayed, len(stored_after)) == received


def test_a_stream_of_one_talks_gives_its_events_and_actors_only(
    store: str, tmp_path: Path
) -> None:
    """``?talks=SLUG``, live and from a position; and, on a stream of every
    talks open beside it, each write arrives well within 2 s of its 201
    (a sanity bound, not a benchmark)."""
    ok("demo")
    with serving(tmp_path) as server:
        reader, analyst = server.tokens["reader"], server.tokens["analyst"]
        unknown = stream_status(server, reader, talks=OTHER)
        assert unknown.status_code == 404, unknown.text
        assert unknown.json()["title"]
        garbled = stream_status(server, reader, headers={"Last-Event-ID": "soon"})
        assert garbled.status_code == 422, garbled.text
        start = head(store)
        opening = {"slug": OTHER, "title": "Geneva Talks", "location": "Geneva",
                   "parties": ["UKR"]}  # fmt: skip
        assert server.post("/v1/talks", analyst, json=opening).status_code == 201
        with (
            opened(server, reader, params={"talks": OTHER}) as events,
            opened(server, reader) as everything,
        ):
            for i in range(3):
                for text, slug in ((f"beijing {i}", SLUG), (f"geneva {i}", OTHER)):
                    answer = develop(server, analyst, text, slug)
                    answered = time.monotonic()
                    assert answer.status_code == 201, answer.text
                    frame = next(everything)
                    arrived = time.monotonic()  # or before: it may have waited
                    assert frame.text == text
                    assert arrived - answered < 2.0
            actor = {"key": "osce", "name": "OSCE"}
            registered = server.post("/v1/actors", analyst, json=actor)
            assert registered.status_code == 201, registered.text
            assert develop(server, analyst, "beijing last").status_code == 201
            assert develop(server, analyst, "geneva last", OTHER).status_code == 201
            live = take_until(events, lambda frame: frame.text == "geneva last")
        with opened(server, reader, params={"talks": OTHER, "after": start}) as events:
            replayed = take_until(events, lambda frame: frame.text == "geneva last")

    raw = exported()
    lines = {p: json.loads(line) for p, line in raw.items() if p > start}
    geneva = next(line["aggregate_id"] for line in lines.values()
                  if line["type"] == "TalksOpened")  # fmt: skip
    wanted = [
        position
        for position, line in sorted(lines.items())
        if line["aggregate_id"] == geneva or line["type"] == "ActorRegistered"
    ]
    assert [frame.id for frame in replayed] == wanted
    assert [frame.id for frame in live] == wanted[1:]  # opened after the opening
    assert [frame.text for frame in live] == [
        "geneva 0", "geneva 1", "geneva 2", None, "geneva last"
    ]  # fmt: skip
    assert live[3].event == "ActorRegistered"
    for frame in replayed:
        assert frame.data == raw[frame.id]


# -- 3. stopping with requests in flight ----------------------------------------------

POSTERS = 6
EXPORTERS = 2
ANSWERED_BEFORE_STOP = 20


@dataclass
class Outcome:
    text: str
    status: int | None = None
    body: Any = None
    error: str | None = None


@dataclass
class Reading:
    """What one stream gave, and how it ended ("ended": as a response ends)."""

    frames: list[Frame]
    end: str | None = None


class Load:
    """Threads posting developments and reading exports until the server is
    gone, and open streams (by ``token``, after ``after`` if given): what
    each request got."""

    def __init__(
        self,
        server: Server,
        posters: int = POSTERS,
        exporters: int = EXPORTERS,
        streams: int = 1,
        token: str | None = None,
        after: int | None = None,
    ) -> None:
        self.server = server
        self.token = token or server.tokens["reader"]
        self.after = after
        self.posts: list[Outcome] = []
        self.exports: list[Outcome] = []
        self.readings = [Reading([]) for _ in range(streams)]
        self.crashed: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._guarded, args=(self._post, f"post{i}"))
            for i in range(posters)
        ] + [
            threading.Thread(target=self._guarded, args=(self._export, f"export{i}"))
            for i in range(exporters)
        ]
        self.threads += [
            threading.Thread(target=self._guarded, args=(self._stream, str(i)))
            for i in range(streams)
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for thread in self.threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in self.threads)

    def answered(self) -> int:
        return sum(outcome.status == 201 for outcome in self.posts)

    def _guarded(self, work: Callable[[str], None], name: str) -> None:
        try:
            work(name)
        except BaseException as error:  # reported by the test, not lost
            self.crashed.append(error)

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=30)

    def _post(self, name: str) -> None:
        token = self.server.tokens["analyst"]
        deadline = time.monotonic() + 30
        with self._client() as client:
            for i in range(10_000):
                outcome = Outcome(f"{name} {i}")
                self.posts.append(outcome)
                try:
                    answer = develop(client, token, outcome.text)
                except httpx.TransportError as error:
                    outcome.error = repr(error)
                    return
                outcome.status, outcome.body = answer.status_code, answer.text
                if time.monotonic() > deadline:
                    return

    def _export(self, name: str) -> None:
        token = self.server.tokens["reader"]
        deadline = time.monotonic() + 30
        with self._client() as client:
            while time.monotonic() < deadline:
                outcome = Outcome(name)
                self.exports.append(outcome)
                try:
                    answer = client.get(
                        "/v1/export",
                        params={"format": "jsonl"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.TransportError as error:
                    outcome.error = repr(error)
                    return
                outcome.status, outcome.body = answer.status_code, answer.text

    def _stream(self, name: str) -> None:
        reading = self.readings[int(name)]
        auth = {"Authorization": f"Bearer {self.token}"}
        params = {} if self.after is None else {"after": self.after}
        with (
            httpx.Client(base_url=self.server.url, timeout=30) as client,
            client.stream("GET", "/v1/stream", params=params, headers=auth) as answer,
        ):
            assert answer.status_code == 200
            try:
                for frame in frames(answer):
                    reading.frames.append(frame)
            except httpx.TransportError as error:
                reading.end = f"cut: {error!r}"
                return
            reading.end = "ended"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_stops_the_server_cleanly_with_requests_in_flight(
    store: str, tmp_path: Path, stop: signal.Signals
) -> None:
    """Writes, exports and a stream running when the signal comes: the
    server exits 0 at once, the stream ends (not cut), each request is
    answered whole or not taken, and the store is whole afterwards."""
    ok("demo")
    with serving(tmp_path) as server, Load(server) as load:
        wait_for(
            lambda: (
                bool(load.crashed)
                or (
                    load.answered() >= ANSWERED_BEFORE_STOP
                    and len(load.readings[0].frames) >= 3
                    and any(outcome.status == 200 for outcome in load.exports)
                )
            ),
            f"{ANSWERED_BEFORE_STOP} developments answered, 3 streamed, 1 export",
        )
        asked = time.monotonic()
        status = server.stop(stop, timeout=30)
        took = time.monotonic() - asked
    assert load.crashed == []
    assert status == 0, server.log.read_text()
    assert took < 8, took  # well within the grace of 10 s in-flight work gets
    assert load.readings[0].end == "ended"  # the stream ended, not cut
    assert not listening(int(server.url.rsplit(":", 1)[1]))

    # every answer is a whole one; what was not answered was not taken
    answered = {}
    for outcome in load.posts:
        if outcome.error is None:
            assert outcome.status == 201, outcome
            body = json.loads(outcome.body)
            assert body["talks"] == SLUG
            assert body["entry"].startswith("development:")
            answered[outcome.text] = int(body["entry"].split(":")[1])
    assert len(answered) >= ANSWERED_BEFORE_STOP
    assert sum(outcome.error is not None for outcome in load.posts) == POSTERS
    exported_whole = 0
    for outcome in load.exports:
        if outcome.error is None:
            assert outcome.status == 200, outcome
            lines = [json.loads(line) for line in outcome.body.splitlines()]
            assert [line["position"] for line in lines][:1] == [1]
            assert lines == sorted(lines, key=lambda line: line["position"])
            exported_whole += 1
    assert exported_whole > 0

    # each answered development stored once; nothing else, nothing half-written
    history = as_json("history", SLUG)
    stored = {
        entry["payload"]["text"]: entry["payload"]["number"]
        for entry in history
        if entry["type"] == "DevelopmentRecorded"
    }
    texts = Counter(
        entry["payload"]["text"]
        for entry in history
        if entry["type"] == "DevelopmentRecorded"
    )
    assert max(texts.values()) == 1
    assert {text: stored[text] for text in answered} == answered
    assert set(stored) <= {outcome.text for outcome in load.posts}
    assert sorted(stored.values()) == list(range(1, len(stored) + 1))
    # what the stream gave before it ended: the events stored after it was
    # opened, in order, each once (those recorded as it ended may be left out)
    lines = exported()
    streamed = [frame.id for frame in load.readings[0].frames]
    assert streamed != []
    first = sorted(lines).index(streamed[0])
    assert streamed == sorted(lines)[first : first + len(streamed)]
    for frame in load.readings[0].frames:
        assert frame.data == lines[frame.id]
    assert as_json("show", SLUG)["version"] == len(history)
    top = head(store)
    assert as_json("projections", "status") == [
        {"name": name, "position": top, "head": top, "lag": 0} for name in VIEW_NAMES
    ]
    assert installed("history", SLUG, env=env()).returncode == 0


# -- 4. beyond loopback only with a token --------------------------------------------


def serve_beyond_loopback(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TIMELINE), "serve", "--host", "0.0.0.0", "--port", str(port)],
        env=env(), capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip


def assert_refused(port: int) -> None:
    refused = serve_beyond_loopback(port)
    assert refused.returncode == 1, refused.stderr
    lines = refused.stderr.splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith("Error: ")
    assert "token" in lines[0]
    assert "Traceback" not in refused.stderr
    assert refused.stdout == ""
    assert not listening(port)


def test_serving_beyond_loopback_needs_a_token(store: str, tmp_path: Path) -> None:
    """``--host 0.0.0.0`` is refused (one Error: line, nothing listening)
    until an active token exists; then the server starts."""
    port = free_port()
    make_store(store)
    assert_refused(port)

    made = installed("token", "create", "gone", "--role", "admin", env=env())
    assert made.returncode == 0, made.stderr
    assert installed("token", "revoke", "gone", env=env()).returncode == 0
    assert_refused(port)  # a revoked token is no token

    made = installed("token", "create", "desk", "--role", "reader", "--json", env=env())
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)["token"]
    with serving(tmp_path, "--host", "0.0.0.0", tokens=False) as server:
        assert server.get("/v1/talks", token).status_code == 200
        assert server.stop() == 0


# -- 5, 6. two worker processes; revoking a token ----------------------------------


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else int(fields[1])


def scrape_pid(url: str, token: str) -> str:
    """The pid of the worker that answered one /metrics, on a connection of its own."""
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    for line in answer.text.splitlines():
        if line.startswith("timeline_events_recorded_total{"):
            return line.split('pid="', 1)[1].split('"', 1)[0]
    raise AssertionError(answer.text)


def test_two_workers_answer_refuse_a_revoked_token_and_stop_together(
    store: str, tmp_path: Path
) -> None:
    """``--workers 2``: both processes answer (each /metrics names its pid),
    writes through both lose nothing, a revoked token is refused at its next
    request whichever answers, and SIGTERM ends both, streams and all."""
    ok("demo")
    with serving(tmp_path, "--workers", "2") as server, ThreadPoolExecutor(8) as pool:
        reader, analyst = server.tokens["reader"], server.tokens["analyst"]
        pids: set[str] = set()
        deadline = time.monotonic() + 20
        while len(pids) < 2 and time.monotonic() < deadline:
            pids |= set(pool.map(lambda _: scrape_pid(server.url, reader), range(16)))
        assert len(pids) == 2, pids
        workers = {int(pid) for pid in pids}
        assert {parent_of(pid) for pid in workers} == {server.process.pid}

        def write(i: int) -> httpx.Response:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                return develop(client, analyst, f"worker {i}")

        answers = list(pool.map(write, range(24)))
        assert [answer.status_code for answer in answers] == [201] * 24
        numbers = sorted(int(a.json()["entry"].split(":")[1]) for a in answers)
        assert numbers == list(range(1, 25))

        # 6. a token revoked (by the CLI, or through one worker) is refused by
        # both workers from the next request on
        def reads(token: str) -> set[int]:
            def read(_: int) -> int:
                with httpx.Client(base_url=server.url, timeout=30) as client:
                    auth = {"Authorization": f"Bearer {token}"}
                    return client.get("/v1/talks", headers=auth).status_code

            return set(pool.map(read, range(16)))

        assert reads(reader) == {200}
        revoked = installed("token", "revoke", "reader", env=env())
        assert revoked.returncode == 0, revoked.stderr
        assert reads(reader) == {401}
        refused = server.get("/v1/talks", reader)
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert stream_status(server, reader).status_code == 401

        admin = server.tokens["admin"]
        assert reads(analyst) == {200}
        gone = server.request("DELETE", "/v1/tokens/analyst", admin)
        assert gone.status_code == 204, gone.text
        assert reads(analyst) == {401}
        assert develop(server, analyst, "too late").status_code == 401
        assert reads(admin) == {200}

        # SIGTERM ends the open streams, whichever worker serves them
        after = head(store)
        with Load(server, 0, 0, streams=4, token=admin, after=after) as load:
            assert develop(server, admin, "streamed").status_code == 201
            wait_for(
                lambda: (
                    all(reading.frames for reading in load.readings)
                    or bool(load.crashed)
                ),
                "an event streamed",
            )
            port = int(server.url.rsplit(":", 1)[1])
            assert server.stop() == 0
        assert load.crashed == []
        for reading in load.readings:
            assert [frame.text for frame in reading.frames] == ["streamed"]
            assert reading.end == "ended"
    wait_for(lambda: all(parent_of(pid) is None for pid in workers), "workers gone", 10)
    assert not listening(port)
