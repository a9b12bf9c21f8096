"""OS processes recording into one store at once, on each backend: into the
same talks, and into talks of their own; through the Python API in a loop, and
through the installed command. Every entry is stored exactly once, the views
end up complete, and no writer ever sees an error."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support import (
    VIEW_NAMES,
    as_json,
    head,
    installed,
    listed,
    ok,
    stored_events,
    stored_events_if_any,
)
from timeline.bootstrap import open_service

WRITERS = ("alpha", "beta", "gamma", "delta")
N = 250
"""Developments each writer records."""
READ_EVERY = 50
"""A writer reads its talks (catching the views up) after this many entries."""

# Each writer opens the store, says it is ready, waits for the start signal,
# then records N developments as fast as it can, reading the talks view now
# and then (so that views catch up while the others write), and finally once
# more. It prints the numbers it was given, as JSON.
WRITER = """
import json, sys, time
from pathlib import Path
from timeline.bootstrap import open_service

store, name, slug, n, every, signals = sys.argv[1:7]
n, every, signals = int(n), int(every), Path(signals)
app = open_service(store, name)
app.talks_list()  # opened: the views exist before the race starts
(signals / f"ready-{name}").touch()
deadline = time.monotonic() + 60
while not (signals / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.001)
numbers = []
for i in range(n):
    try:
        numbers.append(app.record_development(slug, "2024-08", f"{name} {i}"))
        if (i + 1) % every == 0:
            app.talks_view(slug)
    except Exception as error:
        sys.exit(f"{name}: development {i + 1} of {n} failed: {error!r}")
app.talks_view(slug)
app.close()
print(json.dumps(numbers))
"""


def run_writers(
    store: str, slugs: dict[str, str], signals: Path
) -> dict[str, list[int]]:
    """Start a writer process per name (into ``slugs[name]``), let them go
    together, and return the numbers each was given."""
    signals.mkdir()
    writers = {
        name: subprocess.Popen(
            [sys.executable, "-c", WRITER, store, name, slug, str(N),
             str(READ_EVERY), str(signals)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name, slug in slugs.items()
    }  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not all((signals / f"ready-{name}").exists() for name in writers):
            assert all(w.poll() is None for w in writers.values()), [
                w.communicate()[1] for w in writers.values() if w.poll() is not None
            ]
            assert time.monotonic() < deadline, "writers never got ready"
            time.sleep(0.005)
        (signals / "go").touch()
        outputs = {name: w.communicate(timeout=300) for name, w in writers.items()}
    finally:
        for writer in writers.values():
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    for name, (_, stderr) in outputs.items():
        assert writers[name].returncode == 0, stderr
        assert stderr == "", stderr
    return {name: json.loads(stdout) for name, (stdout, _) in outputs.items()}


def developments(slug: str) -> list[dict[str, Any]]:
    return [e for e in as_json("history", slug) if e["type"] == "DevelopmentRecorded"]


def assert_views_complete(store: str) -> None:
    """Every view at the head of the store, as ``projections status`` says;
    reading it first applies nothing, then every view is caught up already."""
    top = head(store)
    assert as_json("projections", "status") == [
        {"name": name, "position": top, "head": top, "lag": 0} for name in VIEW_NAMES
    ]


def test_four_processes_recording_into_the_same_talks_lose_nothing(
    store: str, tmp_path: Path
) -> None:
    slug = "geneva-talks"
    with open_service(store, "tester") as app:
        app.open_talks(slug, title="Geneva Talks", location="Geneva", parties=["UKR"])

    returned = run_writers(store, dict.fromkeys(WRITERS, slug), tmp_path / "signals")

    assert all(len(numbers) == N for numbers in returned.values())
    everyone = [number for numbers in returned.values() for number in numbers]
    assert sorted(everyone) == list(range(1, len(WRITERS) * N + 1))
    for numbers in returned.values():
        assert numbers == sorted(numbers)  # each writer's in the order it recorded
    assert stored_events(store) == 1 + len(WRITERS) * N
    assert_views_complete(store)

    stored = developments(slug)
    assert [e["payload"]["number"] for e in stored] == sorted(everyone)
    assert [e["version"] for e in stored] == list(range(2, len(everyone) + 2))
    assert {e["payload"]["text"] for e in stored} == {
        f"{name} {i}" for name in WRITERS for i in range(N)
    }
    for e in stored:
        writer = e["recorded_by"]
        assert e["payload"]["text"].startswith(writer + " ")
        assert e["payload"]["number"] in returned[writer]

    view = as_json("show", slug)
    assert view["version"] == len(everyone) + 1
    assert [
        (d["number"], d["text"], d["recorded_by"]) for d in view["developments"]
    ] == [
        (e["payload"]["number"], e["payload"]["text"], e["recorded_by"]) for e in stored
    ]
    assert view["last_position"] == stored[-1]["position"] == head(store)
    timeline = listed("--kind", "development", "--limit", "0")
    assert sorted(r["ref"] for r in timeline) == sorted(
        f"development:{number}" for number in everyone
    )
    assert [h["ref"] for h in as_json("search", "alpha", "--talks", slug)] != []


def test_four_processes_recording_into_talks_of_their_own_lose_nothing(
    store: str, tmp_path: Path
) -> None:
    slugs = {name: f"{name}-talks" for name in WRITERS}
    with open_service(store, "tester") as app:
        for slug in slugs.values():
            app.open_talks(slug, slug.title(), "Geneva", ["UKR"])

    returned = run_writers(store, slugs, tmp_path / "signals")

    assert returned == {name: list(range(1, N + 1)) for name in WRITERS}
    assert stored_events(store) == len(WRITERS) * (1 + N)
    assert_views_complete(store)
    for name, slug in slugs.items():
        stored = developments(slug)
        assert [e["payload"]["number"] for e in stored] == list(range(1, N + 1))
        assert [e["payload"]["text"] for e in stored] == [
            f"{name} {i}" for i in range(N)
        ]
        assert {e["recorded_by"] for e in stored} == {name}
        view = as_json("show", slug)
        assert [d["number"] for d in view["developments"]] == list(range(1, N + 1))
        assert view["last_position"] == stored[-1]["position"]
    timeline = listed("--kind", "development", "--limit", "0")
    assert sorted((r["slug"], r["ref"]) for r in timeline) == sorted(
        (slug, f"development:{n}") for slug in slugs.values() for n in range(1, N + 1)
    )


CLI_ENTRIES = 3
"""Developments each command-line writer records into the shared talks."""


def test_commands_run_at_once_on_a_new_store_all_succeed(store: str) -> None:
    """Four users at once: the first commands on a store nobody opened yet
    (each opens talks of its own), then developments into the same talks."""
    assert stored_events_if_any(store) == 0

    def user(name: str, *commands: list[str]) -> list[str]:
        printed = []
        for command in commands:
            result = installed("--author", name, *command, env=dict(os.environ))
            assert result.returncode == 0, result.stderr
            assert "Traceback" not in result.stderr
            printed.append(result.stderr)
        return printed

    def at_once(commands: dict[str, list[list[str]]]) -> dict[str, list[str]]:
        with ThreadPoolExecutor(len(commands)) as pool:
            running = {
                name: pool.submit(user, name, *steps)
                for name, steps in commands.items()
            }
            return {name: future.result() for name, future in running.items()}

    at_once({
        name: [["talks", "open", f"{name}-talks", "--title", name.title(),
                "--location", "Geneva", "--party", "UKR"]]
        for name in WRITERS
    })  # fmt: skip
    assert sorted(t["slug"] for t in as_json("talks", "list")) == sorted(
        f"{name}-talks" for name in WRITERS
    )

    shared = f"{WRITERS[0]}-talks"
    printed = at_once({
        name: [["develop", shared, f"{name} {i}", "--on", "2024-08"]
               for i in range(CLI_ENTRIES)]
        for name in WRITERS
    })  # fmt: skip

    def number(line: str) -> int:
        told = re.fullmatch(rf"Recorded development:(\d+) in {shared}\.\n", line)
        assert told, line
        return int(told[1])

    told = sorted(number(line) for lines in printed.values() for line in lines)
    everyone = len(WRITERS) * CLI_ENTRIES
    assert told == list(range(1, everyone + 1))
    assert stored_events(store) == len(WRITERS) + everyone
    ok("events")
    assert_views_complete(store)
    stored = developments(shared)
    assert sorted(e["payload"]["text"] for e in stored) == sorted(
        f"{name} {i}" for name in WRITERS for i in range(CLI_ENTRIES)
    )
    assert {(e["recorded_by"], e["payload"]["text"].split()[0]) for e in stored} == {
        (name, name) for name in WRITERS
    }
