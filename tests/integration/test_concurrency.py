"""Two OS processes recording into the same talks, in the same file, at once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from timeline.cli import cli
from timeline.service import Service

SLUG = "geneva-talks"
N = 30
WRITERS = ("alpha", "beta")

# Each writer opens the store, says it is ready, waits for the start signal, then
# records N developments as fast as it can and finally reads the view (so both
# also catch the view up at about the same time).
WRITER = """
import sys, time
from pathlib import Path
from timeline.bootstrap import open_service
from timeline.settings import Settings

db, name, signals = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[4])
n = int(sys.argv[3])
app = open_service(db, name)
(signals / f"ready-{name}").touch()
deadline = time.monotonic() + 30
while not (signals / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.001)
numbers = []
for i in range(n):
    try:
        numbers.append(app.record_development("geneva-talks", "2024-08", f"{name} {i}"))
    except Exception as error:
        sys.exit(f"{name}: development {i + 1} of {n} failed: {error!r}")
app.queries.talks_view("geneva-talks")
app.close()
print(" ".join(map(str, numbers)))
"""


def test_two_processes_recording_at_once_lose_nothing(
    app: Service, db_path: Path, tmp_path: Path
) -> None:
    app.open_talks(SLUG, title="Geneva Talks", location="Geneva", parties=["UKR"])
    signals = tmp_path / "signals"
    signals.mkdir()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db_path), name, str(N), str(signals)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in WRITERS
    ]
    try:
        deadline = time.monotonic() + 30
        while not all((signals / f"ready-{name}").exists() for name in WRITERS):
            assert all(w.poll() is None for w in writers), "a writer died at start"
            assert time.monotonic() < deadline, "writers never got ready"
            time.sleep(0.005)
        (signals / "go").touch()
        outputs = [w.communicate(timeout=60) for w in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()

    for writer, (_, stderr) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, stderr
        assert "Traceback" not in stderr
    returned = {
        name: [int(n) for n in stdout.split()]
        for name, (stdout, _) in zip(WRITERS, outputs, strict=True)
    }
    assert all(len(numbers) == N for numbers in returned.values())
    assert sorted(returned["alpha"] + returned["beta"]) == list(range(1, 2 * N + 1))

    result = CliRunner().invoke(cli, ["history", SLUG, "--json"])
    assert result.exit_code == 0, result.output
    developments = [
        e for e in json.loads(result.stdout) if e["type"] == "DevelopmentRecorded"
    ]
    assert len(developments) == 2 * N
    numbers = [e["payload"]["number"] for e in developments]
    assert numbers == list(range(1, 2 * N + 1))  # stored in order, no gap, no twin
    expected_texts = {f"{name} {i}" for name in WRITERS for i in range(N)}
    assert {e["payload"]["text"] for e in developments} == expected_texts
    for e in developments:
        writer = e["recorded_by"]
        assert e["payload"]["text"].startswith(writer + " ")
        assert e["payload"]["number"] in returned[writer]

    view = app.queries.talks_view(SLUG)
    assert view["version"] == 2 * N + 1
    assert [
        (d["number"], d["text"], d["recorded_by"]) for d in view["developments"]
    ] == [
        (e["payload"]["number"], e["payload"]["text"], e["recorded_by"])
        for e in developments
    ]
    assert view["last_position"] == developments[-1]["position"]
