"""The benchmark scripts still run: a small smoke size of each, as CI does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
