"""The edges of the command line an analyst meets in the first hour: export
formats from suffixes, ``-`` for stdout and stdin, queries of a store that
is not there, paging through ``events``, tables that never split a word,
the pager, which clock a time column shows, ``diff`` from before the record,
and ``timeline`` alone."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import timeline
from tests.postgres import server
from tests.support import (
    TIMELINE,
    as_json,
    fails,
    installed,
    is_postgres,
    ok,
    pg_rows,
    run,
    shown,
    stored_events_if_any,
)
from timeline.cli import cli

DEMO = "beijing-talks"
CASE = Path(timeline.__file__).parent / "data" / "beijing-talks.yaml"
"""The demo's case file, as the package ships it."""
SUFFIXES = {
    "brief.md": "markdown", "snapshot.json": "json", "backup.jsonl": "jsonl",
    "timeline.csv": "csv", "page.html": "html", "calendar.ics": "ical",
    "story.timeline.json": "timelinejs",
}  # fmt: skip


def minsk() -> None:
    """Two talks whose slugs and dates a narrow table used to fold."""
    ok("talks", "open", "minsk-protocol", "--title", "Minsk Protocol", "--location",
       "Minsk", "--party", "UKR", "--party", "RUS", "--on", "2014-09-05")  # fmt: skip
    ok("talks", "open", "minsk-ii", "--title", "Package of Measures",
       "--location", "Minsk", "--party", "UKR", "--party", "RUS")  # fmt: skip
    ok("talks", "link", "minsk-ii", "minsk-protocol", "--as", "supersedes")
    ok("develop", "minsk-ii", "--on", "2015-02-11/2015-02-12",
       "Leaders of the Normandy format agree a package of measures after"
       " seventeen hours of negotiations in the Independence Palace")  # fmt: skip


def env_of(store: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "TIMELINE_DB": store, **extra}


# -- 1. export takes its format from the suffix ----------------------------------------


@pytest.mark.parametrize(("name", "format_name"), SUFFIXES.items())
def test_export_takes_its_format_from_the_suffix(
    demo: str, tmp_path: Path, name: str, format_name: str
) -> None:
    target = tmp_path / name
    result = ok("export", "-o", str(target))
    assert result.stderr == f"Wrote {target}.\n"
    assert target.read_text() == ok("export", "--format", format_name).stdout


@pytest.mark.parametrize("name", ["brief.txt", "brief", "brief.JSONX"])
def test_an_unknown_suffix_is_a_usage_error_naming_it_and_the_known_ones(
    demo: str, tmp_path: Path, name: str
) -> None:
    result = run("export", "-o", str(tmp_path / name))
    assert result.exit_code == 2, result.output
    error = result.stderr.splitlines()[-1]
    assert error.startswith("Error: Invalid value for '-o':")
    suffix = Path(name).suffix
    assert (f"'{suffix}'" if suffix else "no suffix") in error
    for suffix, format_name in {".md": "markdown", ".ics": "ical",
                                ".timeline.json": "timelinejs"}.items():  # fmt: skip
        assert f"{suffix} ({format_name})" in error
    assert "--format" in error
    assert not any("brief" in p.name for p in tmp_path.iterdir())


def test_format_given_wins_over_the_suffix(demo: str, tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    ok("export", "-o", str(target), "--format", "json")
    assert json.loads(target.read_text())["schema_version"]
    ok("export", "-o", str(tmp_path / "notes.txt"), "--format", "csv")
    assert (tmp_path / "notes.txt").read_text().startswith("date,lower,upper,")


def test_without_o_the_export_is_markdown_on_stdout(demo: str) -> None:
    assert ok("export").stdout.startswith("*Snapshot of the record at store position")


# -- 2. - is stdout and stdin --------------------------------------------------------


def test_o_dash_is_stdout(
    demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = ok("export", "-o", "-")
    assert result.stdout == ok("export").stdout
    assert result.stderr == ""
    assert ok("export", "-o", "-", "--format", "csv").stdout.startswith("date,")
    assert not (tmp_path / "-").exists()


def test_import_dash_needs_a_format(store: str) -> None:
    result = CliRunner().invoke(cli, ["import", "-"], input="{}\n")
    assert result.exit_code == 2
    assert "standard input" in result.stderr
    assert "--format jsonl or --format case" in result.stderr
    assert stored_events_if_any(store) == 0


def test_import_dash_reads_an_event_log_from_stdin(demo: str, tmp_path: Path) -> None:
    log = ok("export", "--format", "jsonl").stdout
    other = tmp_path / "other.sqlite"
    result = CliRunner().invoke(
        cli, ["--db", str(other), "import", "-", "--format", "jsonl", "--json"],
        input=log,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == len(log.splitlines())
    assert "from <stdin>" in result.stderr
    mine = as_json("show", DEMO)
    theirs = as_json("--db", str(other), "show", DEMO)
    assert theirs == mine


def test_import_dash_reads_a_case_file_from_stdin(store: str) -> None:
    case = CASE.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "-", "--format", "case"], input=case)
    assert result.exit_code == 0, result.output
    assert f"Recorded talks {DEMO} from <stdin>" in result.stderr
    assert as_json("show", DEMO)["title"].startswith("China and Ukraine")


def test_stdin_that_is_not_utf8_is_refused_naming_its_line(store: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["import", "-", "--format", "jsonl"], input=b"{}\n{\xff}\n"
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot read '<stdin>': line 2: ")
    assert stored_events_if_any(store) == 0


def test_an_event_log_piped_between_installed_commands(
    demo: str, store: str, tmp_path: Path
) -> None:
    other = tmp_path / "piped.sqlite"
    exporting = subprocess.Popen(
        [str(TIMELINE), "export", "--format", "jsonl"], env=env_of(store),
        stdout=subprocess.PIPE,
    )  # fmt: skip
    importing = subprocess.run(
        [str(TIMELINE), "--db", str(other), "import", "-", "--format", "jsonl"],
        env=env_of(store), stdin=exporting.stdout, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert exporting.stdout is not None
    exporting.stdout.close()
    assert exporting.wait(timeout=60) == 0
    assert importing.returncode == 0, importing.stderr
    assert "Imported 20 events from <stdin>" in importing.stderr
    listed = installed("--db", str(other), "talks", "list", "--json", env=env_of(store))
    assert [row["slug"] for row in json.loads(listed.stdout)] == [DEMO]


def test_a_reader_that_stops_early_is_no_error(demo: str, store: str) -> None:
    for _ in range(3):  # enough events that the log outgrows a pipe's buffer
        ok("develop", DEMO, "--on", "2024-07", "x" * 30_000)
    shell = f"{TIMELINE} export --format jsonl | head -c 10"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], env=env_of(store),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.stdout == '{"position'
    assert result.stderr == ""
    assert result.returncode == 141  # as any command killed by SIGPIPE


# -- 3. a query never makes a store ----------------------------------------------------

QUERIES = [
    ["show", DEMO], ["events"], ["history", DEMO], ["search", "ceasefire"],
    ["diff", DEMO, "--from", "2024-01-01"], ["export"], ["export", "-o", "brief.md"],
    ["talks", "list"], ["actor", "list"], ["stance", "history", DEMO],
    ["scenario", "list", DEMO], ["db", "info"], ["projections", "status"],
    ["projections", "rebuild"], ["projections", "follow"], ["serve", "--port", "0"],
    ["token", "list"],
]  # fmt: skip
CHANGES = [
    ["develop", DEMO, "--on", "2024", "Text"],
    ["agenda", "add", DEMO, "k", "--title", "T"],
    ["amend", DEMO, "stance:CHN", "--position", "P", "--reason", "R"],
    ["retract", DEMO, "agenda:k", "--reason", "R"], ["token", "revoke", "desk"],
    ["talks", "link", DEMO, "other", "--as", "follows"],
]  # fmt: skip
"""Writes that change what a store holds: with no store, nothing to change."""


@pytest.mark.sqlite_only
@pytest.mark.parametrize("query", QUERIES + CHANGES, ids=" ".join)
def test_a_query_of_a_store_that_is_not_there_is_an_error_and_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "typo" / "reserch.sqlite"
    line = fails("--db", str(missing), *query)
    assert line == (
        f"Error: no timeline store at {missing}; record something or check --db"
    )
    monkeypatch.setenv("TIMELINE_DB", str(missing))
    assert fails(*query) == line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


@pytest.mark.sqlite_only
def test_db_path_only_prints_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "x.sqlite"
    assert ok("--db", str(missing), "db", "path").stdout == f"{missing}\n"
    assert not missing.parent.exists()


RECORDINGS = [
    ["talks", "open", "geneva", "--title", "Geneva", "--location", "Geneva",
     "--party", "UKR"],
    ["actor", "add", "western-nations", "--name", "Western Nations"],
    ["demo"],
    ["token", "create", "desk", "--role", "reader"],
]  # fmt: skip


@pytest.mark.sqlite_only
@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda args: " ".join(args[:2]))
def test_a_recording_command_makes_the_store(
    tmp_path: Path, recording: list[str]
) -> None:
    new = tmp_path / "new" / "record.sqlite"
    ok("--db", str(new), *recording)
    assert new.is_file()
    ok("--db", str(new), "db", "info")


@pytest.mark.sqlite_only
def test_import_makes_the_store(tmp_path: Path) -> None:
    new = tmp_path / "new.sqlite"
    ok("--db", str(new), "import", str(CASE))
    assert ok("--db", str(new), "talks", "list").stdout.count(DEMO) == 1


@pytest.mark.sqlite_only
def test_db_copy_makes_its_dest_but_never_its_source(tmp_path: Path) -> None:
    source, dest = tmp_path / "source.sqlite", tmp_path / "copy" / "dest.sqlite"
    line = fails("db", "copy", str(source), str(dest))
    assert str(source) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
    ok("--db", str(source), "demo")
    ok("db", "copy", str(source), str(dest))
    assert dest.is_file()


@pytest.mark.postgresql_only
def test_a_query_of_a_schema_that_is_not_there_is_an_error_and_makes_nothing() -> None:
    url = f"{server()}?schema=typo_{os.getpid()}_{time.monotonic_ns()}"
    schema = url.rsplit("=", 1)[1]
    line = fails("--db", url, "talks", "list")
    assert line == (
        f"Error: no timeline store at {shown(url)}; record something or check --db"
    )
    found = pg_rows(url, "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    assert found == []


@pytest.mark.sqlite_only
def test_the_python_api_makes_a_store_unless_told_not_to(tmp_path: Path) -> None:
    from events.errors import NotFound
    from timeline.bootstrap import open_service

    missing = tmp_path / "missing.sqlite"
    service = open_service(missing, "analyst", create=False)
    with service, pytest.raises(NotFound, match="no timeline store at"):
        service.talks_list()
    assert not missing.exists()
    with open_service(missing, "analyst") as service:
        assert service.talks_list() == []
    assert missing.is_file()


# -- 4. errors name options as they are spelled ----------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [("--for", "UKR"), ("--as", "follows"), ("--actor", "UKR"), ("--title", "New")],
)
def test_an_amendment_of_a_field_an_entry_has_not_got_names_the_option(
    demo: str, option: str, value: str
) -> None:
    line = fails("amend", DEMO, "stance:CHN", option, value, "--reason", "why")
    assert line == (
        f"Error: stance entries have no {option} to amend; they take"
        " --position, --interest, --on, --tag, --cite"
    )


# -- 5. events says where it stopped ---------------------------------------------------


def test_events_says_when_it_stops_at_the_limit(demo: str) -> None:
    total = len(as_json("events", "--limit", "0")["entries"])
    stopped = ok("events", "--limit", "5")
    assert stopped.stderr == f"showing 5 of {total:,}; --limit 0 for all\n"
    assert ok("events", "--limit", "0").stderr == ""
    assert ok("events", "--limit", str(total)).stderr == ""
    later = ok("events", "--limit", "5", "--offset", "5")
    assert later.stderr == f"showing 6 to 10 of {total:,}; --offset 10 for the next\n"


def test_events_json_pages_with_its_total_and_next_offset(demo: str) -> None:
    everything = as_json("events", "--limit", "0")
    total = everything["total"]
    assert everything["next"] is None
    assert len(everything["entries"]) == total > 10
    pages, offset = [], 0
    while offset is not None:
        page = as_json("events", "--limit", "7", "--offset", str(offset))
        assert page["total"] == total
        pages += page["entries"]
        offset = page["next"]
    assert pages == everything["entries"]
    past = as_json("events", "--offset", str(total + 5))
    assert past == {"entries": [], "total": total, "next": None}


# -- 6. tables, history, the pager -----------------------------------------------------


def words_whole(output: str, *words: str) -> None:
    """Each of ``words`` is in ``output`` whole, on one line."""
    for word in words:
        assert any(word in line for line in output.splitlines()), (word, output)


@pytest.mark.parametrize("columns", ["40", "60", "80", None])
def test_piped_tables_never_split_a_word(
    store: str, monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    minsk()
    if columns:
        monkeypatch.setenv("COLUMNS", columns)
    else:
        monkeypatch.delenv("COLUMNS", raising=False)
    words_whole(ok("events").stdout, "minsk-protocol", "2015-02-11/2015-02-12",
                "link:minsk-protocol", "development:1", "2014-09-05")  # fmt: skip
    words_whole(ok("talks", "list").stdout, "minsk-protocol", "minsk-ii", "2014-09-05")
    words_whole(
        ok("show", "minsk-ii").stdout, "minsk-protocol", "2015-02-11/2015-02-12"
    )
    words_whole(
        ok("history", "minsk-ii").stdout, "minsk-protocol", "DevelopmentRecorded"
    )


def test_piped_tables_fit_120_columns_or_columns(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    minsk()
    monkeypatch.delenv("COLUMNS", raising=False)
    lines = ok("events").stdout.splitlines()
    assert max(map(len, lines)) == 120  # the long development fills the width
    monkeypatch.setenv("COLUMNS", "125")
    assert max(map(len, ok("events").stdout.splitlines())) == 125
    monkeypatch.setenv("COLUMNS", "60")  # narrower than its longest words need
    assert max(map(len, ok("events").stdout.splitlines())) > 60


def test_history_shows_payloads_as_field_lines(demo: str) -> None:
    ok("amend", DEMO, "stance:CHN", "--interest", "Stability", "--interest", "Trade",
       "--reason", "Paraphrased")  # fmt: skip
    history = ok("history", DEMO).stdout
    for line in ("slug: beijing-talks", "parties: CHN, UKR", "ref: stance:CHN",
                 "changes:", "  interests: Stability, Trade",
                 "reason: Paraphrased"):  # fmt: skip
        assert any(cell(row).startswith(line) for row in history.splitlines()), line
    assert "{'" not in history


def cell(row: str) -> str:
    """The last cell of a table's row, as printed (its indent kept)."""
    parts = row.split("│")
    return parts[-2][1:].rstrip() if len(parts) > 2 else ""


def in_terminal(
    *args: str, env: dict[str, str], rows: int = 24, columns: int = 100
) -> str:
    """Run the installed command on a pseudo-terminal of that size; what it showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [str(TIMELINE), *args], stdin=slave, stdout=slave, stderr=slave, env=env,
        close_fds=True,
    )  # fmt: skip
    os.close(slave)
    shown_ = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        shown_ += chunk
    os.close(master)
    assert process.wait(timeout=60) == 0, shown_
    return shown_.decode()


@pytest.fixture
def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A pager that records what it is given (and its LESS), shows nothing."""
    paged = tmp_path / "paged.txt"
    return f'cat > {paged}; echo "LESS=$LESS" >> {paged}', paged


def test_long_output_on_a_terminal_goes_through_the_pager(
    demo: str, store: str, recorder: tuple[str, Path]
) -> None:
    command, paged = recorder
    env = env_of(store, TIMELINE_PAGER=command)
    env.pop("LESS", None)
    screen = in_terminal("events", "--limit", "0", env=env)
    given = paged.read_text()
    assert "humanitarian-aid" in given
    assert given.endswith("LESS=FRX\n")
    assert "humanitarian-aid" not in screen  # it went to the pager alone
    screen = in_terminal("events", "--limit", "0", "--json", env=env)
    assert '"entries"' in paged.read_text()
    assert '"entries"' not in screen


def test_output_that_fits_the_screen_is_not_paged(
    demo: str, store: str, recorder: tuple[str, Path]
) -> None:
    command, paged = recorder
    screen = in_terminal("talks", "list", env=env_of(store, TIMELINE_PAGER=command))
    assert DEMO in screen
    assert not paged.exists()


@pytest.mark.parametrize("how", ["--no-pager", "TIMELINE_PAGER=cat", "piped"])
def test_the_pager_is_turned_off(
    demo: str, store: str, recorder: tuple[str, Path], how: str
) -> None:
    command, paged = recorder
    args = ["events", "--limit", "0"]
    if how == "piped":
        result = installed(*args, env=env_of(store, TIMELINE_PAGER=command))
        assert "humanitarian-aid" in result.stdout
    elif how == "--no-pager":
        screen = in_terminal(
            "--no-pager", *args, env=env_of(store, TIMELINE_PAGER=command)
        )
        assert "humanitarian-aid" in screen
    else:
        screen = in_terminal(
            *args, env=env_of(store, TIMELINE_PAGER="cat", PAGER=command)
        )
        assert "humanitarian-aid" in screen
    assert not paged.exists()


def test_pager_falls_back_to_pager_then_less(
    demo: str, store: str, tmp_path: Path
) -> None:
    paged = tmp_path / "by-pager.txt"
    env = env_of(store, PAGER=f"cat > {paged}")
    env.pop("TIMELINE_PAGER", None)
    in_terminal("events", "--limit", "0", env=env)
    assert "humanitarian-aid" in paged.read_text()


# -- 7. which clock a time column shows ------------------------------------------------


def test_talks_list_gives_the_talks_date_beside_when_they_were_recorded(
    store: str,
) -> None:
    minsk()
    table = ok("talks", "list").stdout
    assert "Date (in the world)" in table
    assert "Recorded at (UTC)" in table
    row = next(line for line in table.splitlines() if "minsk-protocol" in line)
    assert "2014-09-05" in row
    row = next(line for line in table.splitlines() if "minsk-ii" in line)
    assert "undated" in row
    assert {r["slug"]: r["on"] for r in as_json("talks", "list")} == {
        "minsk-protocol": "2014-09-05", "minsk-ii": None,
    }  # fmt: skip


def test_stance_history_says_when_each_stance_was_first_recorded_and_replaced(
    demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = as_json("stance", "history", DEMO, "CHN")[0]
    ok("amend", DEMO, "stance:CHN", "--position", "Calls for talks", "--reason", "x")
    ok("stance", "record", DEMO, "CHN", "--position", "Calls for a ceasefire")
    earlier, later = as_json("stance", "history", DEMO, "CHN")
    assert earlier["text"] == "Calls for talks"
    assert earlier["recorded_at"] > first["recorded_at"]  # the amendment's
    assert earlier["first_recorded_at"] == first["recorded_at"]
    assert earlier["replaced_at"] == later["first_recorded_at"] == later["recorded_at"]
    assert later["replaced_at"] is None
    ok("retract", DEMO, "stance:CHN", "--reason", "Not said")
    earlier, later = as_json("stance", "history", DEMO, "CHN")
    assert earlier["replaced_at"] is None  # the later one no longer stands
    monkeypatch.setenv("COLUMNS", "400")  # wide enough for headers on one line
    table = ok("stance", "history", DEMO).stdout
    for header in (
        "Date (in the world)",
        "First recorded at (UTC)",
        "Replaced at (UTC)",
    ):
        assert header in table


def test_events_and_diff_say_which_clock_their_times_are(
    demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # wide enough for headers on one line
    for args in (
        ["events"],
        ["diff", DEMO, "--from", as_json("history", DEMO)[0]["recorded_at"]],
    ):
        table = ok(*args).stdout
        assert "Recorded at (UTC)" in table
    assert "Date (in the world)" in ok("events").stdout


# -- 8. diff from before the record ----------------------------------------------------


def test_diff_from_before_the_record_is_the_error_show_as_of_gives(demo: str) -> None:
    shown_error = fails("show", DEMO, "--as-of", "2000-01-01")
    diff_error = fails("diff", DEMO, "--from", "2000-01-01")
    assert re.fullmatch(
        r"Error: --from 2000-01-01 is before the record: it began at \S+", diff_error
    )
    assert diff_error.replace("--from", "--as-of") == shown_error


# -- 9. timeline alone -----------------------------------------------------------------


def test_timeline_alone_prints_the_help(store: str) -> None:
    result = CliRunner().invoke(cli, [], prog_name="timeline")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: timeline [OPTIONS]")
    assert "Commands:" in result.stdout
    assert installed(env=env_of(store)).returncode == 0
    assert stored_events_if_any(store) == 0
    if not is_postgres(store):
        assert not Path(store).exists()
