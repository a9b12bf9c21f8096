"""The benchmark scripts still run: a small smoke size of each, as CI does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import require_server, server

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.own_stores


@pytest.mark.parametrize(
    ("script", "figures"),
    [
        ("bench_append", ["application (ours)", "library application", "ratio"]),
        ("bench_rebuild", ["rebuild of every view", "peak RSS", "reference"]),
        ("bench_queries", ["in-process show", "in-process events --actor",
                           "in-process search", "develop into", "vs a new talks"]),
        ("bench_transfer", ["export jsonl", "export html", "export ical",
                            "import jsonl into an empty store", "reference"]),
        ("bench_clocks", ["events (first 100): current", "as of", "stance history",
                          "show talks-0", "events since undone", "worst case"]),
        ("bench_verify", ["append hashed", "not hashed", "verify of",
                          "reading the same rows"]),
    ],
)  # fmt: skip
def test_benchmark_smoke_prints_its_figures(script: str, figures: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{script}", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for figure in figures:
        assert figure in result.stdout


@pytest.mark.parametrize(
    ("script", "figures"),
    [
        ("bench_pg_append", ["postgresql append, 1 writer", "sqlite append, 4 writer",
                             "library application", "ratio", "without LOCK TABLE",
                             "waiting for the lock"]),
        ("bench_pg_rebuild", ["postgresql rebuild of every view",
                              "sqlite rebuild of every view", "peak RSS",
                              "the library's follower", "reading and decoding"]),
        ("bench_pg_lag", ["lag from commit to every view's rows", "p99",
                          "the library's subscription"]),
        ("bench_pg_queries", ["in-process show", "in-process events --actor",
                              "in-process search", "as of the middle event",
                              "sqlite (reference)"]),
        ("bench_pg_transfer", ["db copy sqlite->postgresql", "import jsonl into an "
                               "empty postgresql store", "peak RSS of import"]),
        ("bench_serve", ["sqlite GET /v1/talks/talks-1, 16 connections",
                         "sqlite GET /v1/events?actor=CHN", "sqlite GET /v1/search",
                         "sqlite POST /v1/talks/talks-1/developments",
                         "datasette (peer", "ratio ours/datasette",
                         "postgresql GET /v1/talks/talks-1",
                         "postgresql POST /v1/talks/talks-1/developments",
                         "sqlite stream delivery", "postgresql stream delivery",
                         "p99", "non-2xx answers and socket errors, all runs: 0",
                         "targets"]),
    ],
)  # fmt: skip
def test_postgresql_benchmark_smoke_prints_its_figures(
    script: str, figures: list[str]
) -> None:
    require_server()
    if script == "bench_serve":
        require_wrk()
    env = {**os.environ, "TIMELINE_BENCH_POSTGRES": server()}
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{script}", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL unreachable" not in result.stdout
    for figure in figures:
        assert figure in result.stdout


def require_wrk() -> None:
    """The service's benchmark loads it with Debian's wrk: skip without it,
    except under CI (``TIMELINE_REQUIRE_WRK=1``), where a missing wrk fails."""
    if shutil.which("wrk"):
        return
    if os.environ.get("TIMELINE_REQUIRE_WRK"):
        pytest.fail("wrk is required here (TIMELINE_REQUIRE_WRK) but absent")
    pytest.skip("wrk is not installed (Debian package wrk)")
