"""Waiting for the store's write lock, on real SQLite files and processes.

A view that replayed builds its indexes in the transaction that brings it to
the head: minutes at millions of events, all under the write lock. A catch-up
waiting for that lock waits for as long as the process building them is alive
(and says what it waits for); a lock held by anything else past the lock
timeout is a one-line StoreError, for a catch-up and for a recording alike.
Lock timeouts here are a fraction of a second, the locks held a few seconds.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from events.errors import StoreBusy
from projections.sqlite import tracking
from tests.support import (
    as_json,
    everywhere,
    fails,
    head,
    ok,
    rows,
    stored_events,
    tracked,
)
from timeline import bootstrap, catchup
from timeline.bootstrap import open_service
from timeline.service import Service

SLUG = "geneva-talks"
HOLD = 2.0
"""Seconds the other process holds the write lock: many lock timeouts."""
VIEW_TIMEOUT = 0.3
"""Seconds a view transaction waits for a lock held by a process not finishing."""
RECORD_TIMEOUT = 1
"""Seconds a recording waits (the library takes whole seconds)."""
BUSY = "the store is busy: another process has held its write lock for more than"
LOGGER = "projections.sqlite.tracking"

# Holds the write lock for HOLD seconds, as another program could; with "finishing"
# it first says, as a view's finish does, that it is building the indexes of a view.
HOLDER = f"""
import os, sqlite3, sys, time
db, hold, finishing = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "finishing"
c = sqlite3.connect(db, isolation_level=None)
name = {tracking.FINISHING!r} + "timeline@" + str(os.getpid())
if finishing:
    c.execute("INSERT OR REPLACE INTO tracking VALUES (?, ?)", (name, os.getpid()))
c.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(hold)
c.execute("DELETE FROM tracking WHERE application_name = ?", (name,))
c.execute("COMMIT")
"""

# Catches up the views of one group, which replay (replay_from 0) and so build
# their indexes at the head, under the write lock: slowly, HOLD seconds.
FINISHER = """
import sys, time
from pathlib import Path
from projections.catchup import catch_up
from projections.sqlite.search import SearchIndex
from timeline.bootstrap import open_service

db, hold, signal = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
finished = SearchIndex.replay_finished

def slowly(self):
    signal.touch()  # the write lock is held: this runs in the finishing batch
    time.sleep(hold)
    return finished(self)

SearchIndex.replay_finished = slowly
service = open_service(db, "finisher")
views = service.record.views
views.replay_from = 0
catch_up(views, service.record.read_records,
         names=["actors", "sources", "talks", "search"])
service.close()
"""


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lock timeouts of a fraction of a second, looked at every tenth."""
    monkeypatch.setattr(bootstrap, "LOCK_TIMEOUT", RECORD_TIMEOUT)
    monkeypatch.setattr(tracking, "LOCK_TIMEOUT", VIEW_TIMEOUT, raising=False)
    monkeypatch.setattr(tracking, "LOCK_POLL", 0.1, raising=False)


@pytest.fixture
def service(db_path: Path) -> Iterator[Service]:
    """A store with talks and a few entries; its views are there, not caught up."""
    opened = open_service(db_path, "tester")
    opened.open_talks(SLUG, "Geneva Talks", "Geneva", ["UKR", "RUS"])
    opened.record_stance(SLUG, "UKR", "Ceasefire first")
    for n in range(5):
        opened.record_development(SLUG, "2024-07", f"Round {n}")
    assert opened.queries.views.lag() == 7  # the views' tables are made, empty
    yield opened
    opened.close()


def hold_lock(
    db_path: Path, *, finishing: bool, seconds: float = HOLD
) -> subprocess.Popen[str]:
    """Another process holding the store's write lock for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path), str(seconds),
         "finishing" if finishing else "plain"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    return holder


def ended(process: subprocess.Popen[str]) -> None:
    """The process ran to its end, successfully."""
    process.communicate(timeout=60)  # its pipes closed too
    assert process.returncode == 0


def said_by_the_dead(db_path: Path) -> None:
    """A row saying a view is being finished, by a process that has ended."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    assert dead.wait() == 0
    with closing(sqlite3.connect(db_path, isolation_level=None)) as connection:
        connection.execute(
            "INSERT INTO tracking VALUES (?, ?)",
            (f"{tracking.FINISHING}timeline@{dead.pid}", dead.pid),
        )


def waited_for(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_a_query_waits_for_another_process_finishing_a_replay(
    service: Service, db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    said_by_the_dead(db_path)  # forgotten when the next finish is said
    signal = tmp_path / "finishing"
    finisher = subprocess.Popen(
        [sys.executable, "-c", FINISHER, str(db_path), str(HOLD), str(signal)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not signal.exists():
            assert finisher.poll() is None, finisher.communicate()[1]
            assert time.monotonic() < deadline, "the finisher never began"
            time.sleep(0.01)
        started = time.monotonic()
        view = service.talks_view(SLUG)  # catches every view up, waiting
        waited = time.monotonic() - started
    finally:
        _, stderr = finisher.communicate(timeout=60)
    assert finisher.returncode == 0, stderr

    assert waited > 4 * VIEW_TIMEOUT  # far past the lock timeout, and no error
    assert [d["text"] for d in view["developments"]] == [f"Round {n}" for n in range(5)]
    assert tracked(db_path) == everywhere(head(db_path))
    assert rows(db_path, "SELECT * FROM view_replays") == []
    assert rows(db_path, "SELECT * FROM tracking WHERE application_name LIKE ?",
                (tracking.FINISHING + "%",)) == []  # fmt: skip
    said = waited_for(caplog)
    assert said[0] == (
        f"waiting for the store's write lock: process {finisher.pid} is building"
        " the indexes of actors, search, sources, talks"
    )
    assert said[-1] == "the store's write lock is free again; going on"
    entries = service.entries(actor="UKR")
    assert [e["text"] for e in entries] == ["Geneva Talks", "Ceasefire first"]
    assert [hit["slug"] for hit in service.search("Round")] == [SLUG] * 5


def test_workers_side_by_side_wait_for_a_finish_then_finish(
    service: Service, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's failure: one worker's wait ran out while the other built
    indexes, and stopping both left the views behind for good."""
    monkeypatch.setattr(catchup, "PARALLEL_FROM", 1)
    monkeypatch.setattr(catchup, "usable_cores", lambda: 2)
    monkeypatch.setenv("PYTHONWARNINGS", "ignore")  # spawned workers' own
    holder = hold_lock(db_path, finishing=True)
    try:  # the workers wait with the store's lock timeout: RECORD_TIMEOUT
        view = service.talks_view(SLUG)
    finally:
        ended(holder)
    assert view["version"] == 7
    assert tracked(db_path) == everywhere(head(db_path))


def test_a_lock_held_by_anything_else_is_one_error_line_then_the_query_works(
    service: Service, db_path: Path
) -> None:
    service.talks_view(SLUG)  # the views open, and current
    service.record_development(SLUG, "2024-08", "Round 5")
    holder = hold_lock(db_path, finishing=False)
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusy, match=f"^{BUSY} {VIEW_TIMEOUT:g} s; try"):
            service.talks_view(SLUG)
        assert time.monotonic() - started < HOLD - 0.5  # it did not wait it out
        line = fails("show", SLUG, "--json")
        assert line == f"Error: {BUSY} {VIEW_TIMEOUT:g} s; try again"
    finally:
        ended(holder)
    shown = as_json("show", SLUG)
    assert [d["text"] for d in shown["developments"]][-1] == "Round 5"
    assert tracked(db_path) == everywhere(head(db_path))


def test_a_finisher_that_died_is_not_waited_for(
    service: Service, db_path: Path
) -> None:
    """A process killed while building indexes left its row: it is not alive,
    so a lock held by something else fails after the lock timeout."""
    service.talks_view(SLUG)
    service.record_development(SLUG, "2024-08", "Round 5")
    said_by_the_dead(db_path)
    holder = hold_lock(db_path, finishing=False)
    try:
        with pytest.raises(StoreBusy):
            service.talks_view(SLUG)
    finally:
        ended(holder)
    assert service.talks_view(SLUG)["version"] == 8


def test_a_recording_blocked_past_its_timeout_is_a_store_error(
    service: Service, db_path: Path
) -> None:
    before = stored_events(db_path)
    # A finish, even: recordings wait their own timeout, twice here.
    holder = hold_lock(db_path, finishing=True, seconds=4 * RECORD_TIMEOUT)
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusy) as caught:
            service.record_development(SLUG, "2024-08", "Round 5")
        assert time.monotonic() - started < 2 * RECORD_TIMEOUT
        assert str(caught.value) == f"{BUSY} {RECORD_TIMEOUT} s; try again"
        line = fails("develop", SLUG, "--on", "2024-08", "Round 5")
        assert line == f"Error: {BUSY} {RECORD_TIMEOUT} s; try again"
    finally:
        ended(holder)
    assert stored_events(db_path) == before  # nothing of either was written
    ok("develop", SLUG, "--on", "2024-08", "Round 5")
    assert stored_events(db_path) == before + 1
