"""Shell completion through the installed command, as bash, zsh and fish ask
for it (click's ``_TIMELINE_COMPLETE``): talks slugs and entry refs read
from the store the line names; never an error, never a new store."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.support import installed, ok, pg_rows

DEMO = "beijing-talks"


def minsk() -> None:
    ok("talks", "open", "minsk-protocol", "--title", "Minsk Protocol", "--location",
       "Minsk", "--party", "UKR", "--party", "RUS")  # fmt: skip
    ok("talks", "open", "minsk-ii", "--title", "Package of Measures", "--location",
       "Minsk", "--party", "UKR", "--party", "RUS")  # fmt: skip
    ok("talks", "link", "minsk-ii", "minsk-protocol", "--as", "supersedes")
    ok("stance", "record", "minsk-ii", "UKR", "--position", "Ceasefire first")
    ok("develop", "minsk-ii", "--on", "2015-02-12", "Package of measures signed")
    ok("agenda", "add", "minsk-ii", "heavy-weapons", "--title", "Heavy weapons")


def complete(line: str, store: str | None, shell: str = "bash") -> list[str]:
    """What the installed command offers for the last word of ``line``."""
    words = line.split(" ")
    env = {**os.environ, "_TIMELINE_COMPLETE": f"{shell}_complete",
           "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}  # fmt: skip
    if shell == "fish":
        env["COMP_CWORD"] = words[-1]
        env["COMP_WORDS"] = line
    env.pop("TIMELINE_DB", None)
    if store is not None:
        env["TIMELINE_DB"] = store
    result = installed(env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = [line for line in result.stdout.splitlines() if line]  # none: a blank
    if shell == "zsh":  # type, value and help, a line each
        return lines[1::3]
    return [line.partition(",")[2] for line in lines]  # type,value


@pytest.mark.parametrize(
    "line",
    ["timeline show ", "timeline events --talks ", "timeline amend ",
     "timeline history m", "timeline export ", "timeline stance history ",
     "timeline talks link minsk-ii ", "timeline diff ", "timeline search x --talks "],
)  # fmt: skip
def test_every_slug_completes_from_the_store(store: str, line: str) -> None:
    minsk()
    assert complete(line, store) == ["minsk-protocol", "minsk-ii"]


def test_a_slug_completes_from_what_is_typed(store: str) -> None:
    minsk()
    assert complete("timeline show minsk-p", store) == ["minsk-protocol"]
    assert complete("timeline show nothing-like-it", store) == []


def test_new_talks_are_not_completed(store: str) -> None:
    minsk()
    assert complete("timeline talks open ", store) == []


def test_refs_complete_from_the_talks_named_on_the_line(store: str) -> None:
    minsk()
    refs = complete("timeline amend minsk-ii ", store)
    assert sorted(refs) == ["agenda:heavy-weapons", "development:1",
                            "link:minsk-protocol", "stance:UKR", "talks"]  # fmt: skip
    assert complete("timeline amend minsk-ii dev", store) == ["development:1"]
    assert "talks" not in complete("timeline retract minsk-ii ", store)
    assert complete("timeline retract minsk-ii link", store) == ["link:minsk-protocol"]
    assert complete("timeline amend no-such-talks ", store) == []


def test_every_shell_gets_the_same(store: str) -> None:
    minsk()
    for shell in ("bash", "zsh", "fish"):
        assert complete("timeline show minsk", store, shell) == [
            "minsk-protocol", "minsk-ii",
        ]  # fmt: skip


def test_completion_reads_the_store_db_names_on_the_line(
    store: str, tmp_path: Path
) -> None:
    minsk()
    other = tmp_path / "other.sqlite"
    ok("--db", str(other), "demo")
    assert complete(f"timeline --db {other} show ", store) == [DEMO]
    assert complete("timeline show ", str(other)) == [DEMO]


@pytest.mark.sqlite_only
def test_completion_never_makes_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "x.sqlite"
    assert complete("timeline show ", str(missing)) == []
    assert complete(f"timeline --db {missing} amend x ", None) == []
    assert not missing.parent.exists()


@pytest.mark.postgresql_only
def test_completion_never_makes_a_schema(store: str) -> None:
    schema = f"typo_{os.getpid()}_{time.monotonic_ns()}"
    url = store.rsplit("=", 1)[0] + f"={schema}"
    assert complete("timeline show ", url) == []
    made = pg_rows(url, "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    assert made == []


@pytest.mark.parametrize(
    "line",
    ["timeline --db '' show ", "timeline --db postgresql://nobody show ",
     "timeline show \udcff", "timeline amend x \udcff"],
)  # fmt: skip
def test_completion_of_a_bad_line_offers_nothing_and_says_nothing(
    store: str, line: str
) -> None:
    minsk()
    env = {**os.environ, "_TIMELINE_COMPLETE": "bash_complete", "TIMELINE_DB": store,
           "COMP_WORDS": line, "COMP_CWORD": str(len(line.split(" ")) - 1)}  # fmt: skip
    result = installed(env=env)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.strip() == ""


def test_an_empty_timeline_db_offers_nothing(store: str) -> None:
    env = {**os.environ, "_TIMELINE_COMPLETE": "bash_complete", "TIMELINE_DB": " ",
           "COMP_WORDS": "timeline show ", "COMP_CWORD": "2"}  # fmt: skip
    result = installed(env=env)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_its_script(shell: str) -> None:
    env = {**os.environ, "_TIMELINE_COMPLETE": f"{shell}_source"}
    result = installed(env=env)
    assert result.returncode == 0
    assert "_TIMELINE_COMPLETE" in result.stdout
