"""The benchmark scripts still run: a small smoke size of each, as CI does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench"


def test_core_benchmark_smoke_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "bench_core.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    for figure in (
        "batched append via application",
        "ratio application/reference",
        "single commands via application",
        "views caught up from zero",
        "show beijing-talks --json",
        "agenda add (one entry)",
    ):
        assert figure in result.stdout
    assert "events/s" in result.stdout
