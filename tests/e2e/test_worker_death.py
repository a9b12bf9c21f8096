"""A catch-up's worker processes die with their parent: ``kill -9`` of a
``timeline projections rebuild`` far behind (two workers, one per group of
views) ends its workers at once, prints nothing of them, and the next
command catches the views up to what a clean rebuild makes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bench.store import bulk_append
from tests.support import (
    TIMELINE,
    VIEW_NAMES,
    VIEW_TABLES,
    head,
    installed,
    rows,
    table_rows,
    tracked,
)
from timeline.bootstrap import open_service
from timeline.catchup import PARALLEL_FROM, usable_cores

pytestmark = [
    pytest.mark.sqlite_only,  # reads the view tables of the SQLite file
    pytest.mark.skipif(sys.platform != "linux", reason="finds processes in /proc"),
    pytest.mark.skipif(usable_cores() < 2, reason="one core: no worker processes"),
]

EVENTS = 100_000  # a rebuild of this many takes a worker about 2 s
NAMES = VIEW_NAMES
TABLES = VIEW_TABLES
STARTED = "Rebuilding " + ", ".join(NAMES)


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return False


def applied(db: Path) -> int:
    """The events applied by the view furthest ahead; 0 while none is tracked."""
    try:
        with closing(sqlite3.connect(db, timeout=5)) as connection:
            found = connection.execute(
                "SELECT MAX(notification_id) FROM tracking"
                " WHERE application_name LIKE 'view:%'"
            ).fetchone()
    except sqlite3.OperationalError:  # not made yet, or locked
        return 0
    return int(found[0] or 0)


def wait_for(test: Any, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, f"no {what} in {seconds} s"
        time.sleep(0.01)


def answers(env: dict[str, str]) -> dict[str, str]:
    """What the views answer, through the installed command (each query
    catches the views up first)."""
    asked = {
        "show": ["show", "talks-0", "--json"],
        "events": ["events", "--talks", "talks-1", "--json"],
        "search": ["search", "corridor", "--json"],
        "actors": ["actor", "list", "--json"],
    }
    found = {}
    for name, args in asked.items():
        done = installed(*args, env=env)
        assert done.returncode == 0, done.stderr
        found[name] = done.stdout
    return found


def test_killing_a_rebuild_kills_its_workers_and_the_next_command_catches_up(
    db_path: Path,
) -> None:
    with open_service(db_path, "tester") as service:
        bulk_append(service.record, EVENTS)
    events = head(db_path)
    assert events >= PARALLEL_FROM  # far behind: caught up in two workers
    env = dict(os.environ)

    rebuild = subprocess.Popen(
        [str(TIMELINE), "projections", "rebuild"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )  # fmt: skip
    try:
        wait_for(lambda: len({p for p in children(rebuild.pid) if is_worker(p)}) == 2,
                 "two workers", 20)  # fmt: skip
        wait_for(lambda: applied(db_path) > 0, "batch applied", 20)  # they work
        spawned = children(rebuild.pid)  # the workers and the resource tracker
        rebuild.send_signal(signal.SIGKILL)  # the parent alone
        killed = time.monotonic()
        while any(alive(pid) for pid in spawned) and time.monotonic() - killed < 10:
            time.sleep(0.005)
        lived = time.monotonic() - killed
        out, err = rebuild.communicate(timeout=30)  # EOF: every writer is gone
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
            rebuild.communicate()
    assert lived < 1, f"processes of the rebuild lived {lived:.2f} s after it"
    assert rebuild.returncode == -signal.SIGKILL
    assert out == ""
    assert err.splitlines() == [STARTED], err  # no traceback, no leaked semaphore
    assert min(tracked(db_path).values()) < events  # stopped part way

    # the views are as their last committed batches left them; the next
    # command catches them up
    status = installed("projections", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    recovered = answers(env)
    assert tracked(db_path) == dict.fromkeys(NAMES, events)
    assert rows(db_path, "SELECT * FROM view_replays") == []
    caught_up = table_rows(db_path, TABLES)

    clean = installed("projections", "rebuild", env=env)
    assert clean.returncode == 0, clean.stderr
    assert table_rows(db_path, TABLES) == caught_up
    assert answers(env) == recovered
