"""``timeline serve`` as a command: the server's libraries stay out of every
other command, and without them ``serve`` says what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SERVER_MODULES = ("fastapi", "uvicorn", "starlette", "prometheus_client",
                  "timeline.server")  # fmt: skip


@pytest.mark.own_stores
def test_no_other_command_imports_the_server(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from timeline.cli import cli\n"
        f"db = {str(tmp_path / 't.sqlite')!r}\n"
        "for args in (['demo'], ['show', 'beijing-talks'], ['token', 'list'],"
        " ['serve', '--help']):\n"
        "    result = CliRunner().invoke(cli, ['--db', db, *args])\n"
        "    assert result.exit_code == 0, result.output\n"
        f"print(sorted(m for m in sys.modules if m.startswith({SERVER_MODULES!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.own_stores
@pytest.mark.parametrize("missing", ["uvicorn", "fastapi"])
def test_serve_without_the_extra_says_what_to_install(
    tmp_path: Path, missing: str
) -> None:
    code = (
        "import sys\n"
        f"sys.modules[{missing!r}] = None  # as if it were not installed\n"
        "from timeline.cli import main\n"
        f"sys.argv = ['timeline', '--db', {str(tmp_path / 't.sqlite')!r}, 'serve']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: serving needs the server extra ({missing} is missing):"
        " pip install 'diplomatic-timeline[server]'\n"
    )
    assert not (tmp_path / "t.sqlite").exists()
