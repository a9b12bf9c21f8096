"""The installed ``timeline`` executable, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.support import TIMELINE, installed, make_store, stored_events

ARTICLE = Path(__file__).parent.parent / "fixtures" / "beijing-talks.txt"


@pytest.fixture
def env(store: str) -> dict[str, str]:
    return {**os.environ, "TIMELINE_DB": store}


timeline = installed  # every command here runs the installed one


def test_the_command_is_installed() -> None:
    assert TIMELINE.is_file()
    assert os.access(TIMELINE, os.X_OK)


def test_demo_then_export(env: dict[str, str], store: str, tmp_path: Path) -> None:
    demo = timeline("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    assert "China and Ukraine Forge Diplomatic Dialogue" in demo.stdout
    assert "Recorded the demo talks beijing-talks" in demo.stderr
    assert stored_events(store) == 20  # the source, the actor, the talks' events
    assert not (tmp_path / "home" / ".local" / "share" / "diplomatic-timeline").exists()

    exported = timeline("export", "beijing-talks", env=env)
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    article = ARTICLE.read_text(encoding="utf-8").splitlines()
    start = article.index("| Recommendation | Outcome |")
    table = article[start : start + 5]
    assert table[-1].startswith("| Boost International Support for Reforms |")
    at = lines.index(table[0])
    assert lines[at : at + len(table)] == table


def test_a_mistake_is_one_error_line_without_traceback(
    env: dict[str, str], store: str
) -> None:
    make_store(store)
    result = timeline("show", "nope", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "nope" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_usage_error_exits_2(env: dict[str, str]) -> None:
    result = timeline("develop", "beijing-talks", "Text", env=env)
    assert result.returncode == 2
    assert "Error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_of_the_command_and_of_the_module(env: dict[str, str]) -> None:
    expected = version("diplomatic-timeline")
    command = timeline("--version", env=env)
    assert command.returncode == 0, command.stderr
    assert expected in command.stdout

    module = subprocess.run(
        [sys.executable, "-m", "timeline", "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert module.returncode == 0, module.stderr
    assert expected in module.stdout
    assert "Traceback" not in module.stderr
