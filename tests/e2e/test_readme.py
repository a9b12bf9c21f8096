"""The README and docs/: the CLI reference is the commands' own --help, never a
stale copy; the quick start is what CI runs; every relative link resolves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

# A markdown link's target: `](path)`, `](path#fragment)` or `](path "title")`.
LINK = re.compile(r"\]\(([^)\s]+)")


def test_cli_reference_in_docs_matches_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", "docs/cli.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "docs/cli.md's CLI reference drifted; run: cog -r docs/cli.md\n"
        + result.stdout
        + result.stderr
    )


def test_quick_start_has_two_commands_demo_and_tests() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in quick_start.splitlines() if line.startswith("python3")]
    assert len(commands) == 2
    assert commands[0].endswith("timeline demo")
    assert commands[1].endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_relative_links_in_readme_and_docs_resolve() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert len(pages) > 1, "docs/ has no pages"
    broken = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            path = target.split("#", 1)[0]
            if not (page.parent / path).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "links to missing files:\n" + "\n".join(broken)


def test_python_api_example_runs_as_written(tmp_path: Path) -> None:
    """The README's Python API example, run in a process of its own."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    result = subprocess.run(
        [sys.executable, "-c", example],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Seeks a ceasefire line 2024-09",
        "2024-07 stance:UKR Seeks a ceasefire line",
        "2024-09 development:1 Round two set",
    ]
    assert (tmp_path / "geneva.sqlite").exists()


def test_every_test_the_bad_input_table_names_exists() -> None:
    """The README's "Bad input" tables name the tests that prove each row:
    each file and each test function they name is there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    files = set(re.findall(r"`(tests/[\w/]+\.py)", section))
    tests = set(re.findall(r"\b(test_\w+)`", section))
    assert files, "the section names no test file"
    assert tests, "the section names no test"
    missing = [name for name in files if not (ROOT / name).is_file()]
    sources = "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("*.py")
    )
    missing += [name for name in tests if f"def {name}(" not in sources]
    assert not missing, f"named in the README but not found: {missing}"
