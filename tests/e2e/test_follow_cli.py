"""``timeline projections follow`` end to end: the installed command in real
processes, a follower and the writers beside it, on each backend."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
from typing import IO, Any

import pytest

from tests.support import TIMELINE, installed

DEMO = "beijing-talks"
DEADLINE = 1.0
"""Seconds within which a follower applies a new event, and stops."""


class Follower:
    """A ``timeline projections follow --json`` running in its own process,
    its lines of output read as they come, each with when it came."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [str(TIMELINE), "projections", "follow", "--json", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.errors: list[str] = []
        assert self.process.stdout
        assert self.process.stderr
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout,)),
            threading.Thread(target=self._read_errors, args=(self.process.stderr,)),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put((time.monotonic(), json.loads(line)))

    def _read_errors(self, stream: IO[str]) -> None:
        self.errors.extend(stream)

    def next(self, event: str, timeout: float = 20) -> tuple[float, dict[str, Any]]:
        """The next line of this event (when it came, and the line); the
        lines of other events before it are passed over."""
        end = time.monotonic() + timeout
        while True:
            try:
                came, line = self.lines.get(timeout=max(end - time.monotonic(), 0))
            except queue.Empty:
                raise AssertionError(
                    f"no {event!r} line in {timeout} s; stderr: {''.join(self.errors)}"
                ) from None
            if line["event"] == event:
                return came, line

    def stop(self, number: int = signal.SIGTERM) -> tuple[float, int]:
        """Send the signal; how long the process took to end, and its status."""
        sent = time.monotonic()
        self.process.send_signal(number)
        status = self.process.wait(timeout=10)
        took = time.monotonic() - sent
        self._close()
        return took, status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close()

    def _close(self) -> None:
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


@pytest.fixture
def env(store: str) -> dict[str, str]:
    """The environment of the test's processes: its store, its HOME."""
    return dict(os.environ)


@pytest.fixture
def demo(env: dict[str, str]) -> dict[str, str]:
    """The demo talks recorded, in another process."""
    ran = installed("demo", env=env)
    assert ran.returncode == 0, ran.stderr
    return env


def timeline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    ran = installed(*args, env=env)
    assert ran.returncode == 0, ran.stderr
    return ran


def develop(env: dict[str, str], text: str) -> None:
    timeline(env, "develop", DEMO, "--on", "2024-05-01", text)


def status(env: dict[str, str]) -> list[dict[str, Any]]:
    views: list[dict[str, Any]] = json.loads(
        timeline(env, "projections", "status", "--json").stdout
    )
    return views


def head(env: dict[str, str]) -> int:
    head_: int = status(env)[0]["head"]
    return head_


def following(env: dict[str, str]) -> Follower:
    follower = Follower(env)
    follower.next("started")
    return follower


def test_status_does_not_catch_up(demo: dict[str, str]) -> None:
    """Without a follower the views wait for a query: what the follower's
    tests see in ``projections status`` is the follower's doing."""
    develop(demo, "Talks resumed")
    assert {view["lag"] for view in status(demo)} == {1}
    assert {view["lag"] for view in status(demo)} == {1}
    timeline(demo, "events")  # a query catches up by itself
    assert {view["lag"] for view in status(demo)} == {0}


def test_an_entry_recorded_elsewhere_is_applied_within_a_second(
    demo: dict[str, str],
) -> None:
    develop(demo, "Recorded before the follower started")
    top = head(demo)
    follower = Follower(demo)
    try:
        _, started = follower.next("started")
        assert started["position"] in (top - 1, top)  # it may have applied it
        _, applied = follower.next("applied")
        assert applied == {"event": "applied", "events": 1, "position": top}

        for number in range(3):
            develop(demo, f"Development {number}")
            recorded = time.monotonic()
            came, applied = follower.next("applied", timeout=5)
            assert came - recorded < DEADLINE
            assert applied == {
                "event": "applied", "events": 1, "position": top + number + 1
            }  # fmt: skip
            views = status(demo)  # no query ran in between
            assert {(view["lag"], view["position"]) for view in views} == {
                (0, top + number + 1)
            }
    finally:
        took, exit_status = follower.stop()
    assert exit_status == 0
    assert took < DEADLINE


@pytest.mark.parametrize(
    "number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_stops_it_cleanly_within_a_second(
    demo: dict[str, str], number: signal.Signals
) -> None:
    follower = following(demo)
    try:
        time.sleep(0.5)  # waiting, on a subscription or between looks
        took, exit_status = follower.stop(number)
    finally:
        follower.kill()
    assert exit_status == 0
    assert took < DEADLINE
    _, stopped = follower.next("stopped", timeout=1)
    assert stopped == {"event": "stopped", "position": head(demo)}
    assert follower.lines.empty()  # the last line
    assert "Traceback" not in "".join(follower.errors)


def test_a_restart_goes_on_from_the_views_positions(demo: dict[str, str]) -> None:
    follower = following(demo)
    develop(demo, "Seen by the first follower")
    _, applied = follower.next("applied")
    assert follower.stop(signal.SIGINT)[1] == 0
    _, stopped = follower.next("stopped", timeout=1)
    assert stopped["position"] == applied["position"] == head(demo)

    develop(demo, "Recorded while no follower ran")
    assert {view["lag"] for view in status(demo)} == {1}
    again = Follower(demo)
    try:
        _, started = again.next("started")
        assert started["position"] == stopped["position"]  # not from the start
        _, applied = again.next("applied")
        assert applied == {
            "event": "applied", "events": 1, "position": stopped["position"] + 1
        }  # fmt: skip
        assert {view["lag"] for view in status(demo)} == {0}
    finally:
        assert again.stop()[1] == 0


def test_text_lines(demo: dict[str, str]) -> None:
    with subprocess.Popen(
        [str(TIMELINE), "projections", "follow"],
        env=demo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        out, err = _follow_one(demo, process)
    assert process.returncode == 0
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("following ")
    top = head(demo)
    assert f"applied 1 event, views at position {top:,}" in lines
    assert lines[-1] == f"stopped; views at position {top:,}"


def _follow_one(env: dict[str, str], process: subprocess.Popen[str]) -> tuple[str, str]:
    """Record an entry while ``process`` follows, then stop it; its output."""
    try:
        deadline = time.monotonic() + 20
        while status(env)[0]["lag"] and time.monotonic() < deadline:
            time.sleep(0.1)  # started and caught up
        develop(env, "Shown as a line")
        while status(env)[0]["lag"] and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=10)


def test_help_has_examples_and_a_service() -> None:
    ran = subprocess.run(
        [str(TIMELINE), "projections", "follow", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "timeline projections follow" in ran.stdout
    assert "Examples" in ran.stdout
    assert "systemd" in ran.stdout
    assert "SIGTERM" in ran.stdout


@pytest.mark.postgresql_only  # a SQLite file has no connection to lose
def test_a_lost_connection_is_one_line_and_retried(demo: dict[str, str]) -> None:
    follower = following(demo)
    try:
        assert disconnect(follower.process.pid) > 0
        _, lost = follower.next("lost", timeout=5)
        assert set(lost) == {"event", "error", "retry_in"}
        _, back = follower.next("back", timeout=10)
        assert back == {"event": "back", "position": head(demo)}
        develop(demo, "Recorded after the connection came back")
        _, applied = follower.next("applied", timeout=5)
        assert applied["position"] == head(demo)
    finally:
        took, exit_status = follower.stop()
    assert exit_status == 0
    assert took < DEADLINE
    assert "Traceback" not in "".join(follower.errors)


def disconnect(pid: int) -> int:
    """End, from the server's side, every connection of process ``pid``;
    how many."""
    import psycopg

    from tests.postgres import server

    sockets = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
            if link.startswith("socket:["):
                sockets.add(link[len("socket:[") : -1])
    ports = []
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}", encoding="ascii") as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[9] in sockets:
                    ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    with psycopg.connect(server(), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE client_port = ANY(%s) AND pid <> pg_backend_pid()",
            (ports,),
        ).fetchone()
    return int(row[0]) if row else 0
