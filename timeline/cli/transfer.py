"""Commands that move a record: exports, imports, and the schemas of both."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from timeline.cli import (
    PROGRESS_FROM,
    State,
    as_of_option,
    cli,
    echo_json,
    info,
    json_option,
)

if TYPE_CHECKING:
    from timeline.transfer import Imported

pass_state = click.make_pass_decorator(State)

EXPORT_FORMATS = ["markdown", "json", "jsonl", "csv", "html", "timelinejs", "ical"]


@cli.command()
@click.argument("slug", required=False)
@click.option(
    "--format", "format_", type=click.Choice(EXPORT_FORMATS), default="markdown",
    show_default=True, help="Output format.",
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)  # fmt: skip
@as_of_option
@pass_state
def export(
    state: State, /, slug: str | None, format_: str, output: Path | None,
    as_of: str | None,
) -> None:  # fmt: skip
    """Export talks SLUG, or every talks, as a snapshot.

    A snapshot is the views read whole at one store position, which every
    format names: the same store gives the same bytes. Formats: markdown (the
    brief), json (the whole snapshot; see `timeline schema snapshot`), jsonl
    (the event log itself, one stored event per line: the lossless backup,
    read back by `timeline import`), csv (one row per dated entry), html (one
    self-contained page with a visual timeline), timelinejs (the JSON
    TimelineJS3 reads), ical (day-dated entries as all-day events). With
    --as-of, the snapshot is the record as it stood then (jsonl: the events
    recorded by then).

    \b
    Examples:
      timeline export beijing-talks --format markdown -o brief.md
      timeline export --format html -o timeline.html
      timeline export --format jsonl -o backup.jsonl
      timeline export beijing-talks --format json --as-of 2024-03-01
    """
    clocks = state.queries.state(as_of=as_of)
    if format_ == "jsonl":
        from timeline.transfer import event_log

        if slug:  # an unknown talks (or one not recorded yet) is an error
            state.queries.talks_view(slug, clocks)
        log = event_log(state.app, slug, clocks.as_of)
        _write((line + "\n" for line in log), output)
    else:
        from timeline.exporters import exporter

        _write([exporter(format_)(state.queries.snapshot(slug, clocks))], output)
    if output is not None:
        info(f"Wrote {output}.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "format_", type=click.Choice(["jsonl", "case"]),
    help="jsonl: an event log from `export --format jsonl`; case: a YAML or "
    "JSON case file. [default: from the file's suffix]",
)  # fmt: skip
@json_option
@pass_state
def import_(state: State, /, file: Path, format_: str | None, as_json: bool) -> None:
    """Import FILE into the store, all or nothing.

    An event log (jsonl) keeps every event's record time and author; events
    the store holds already are skipped, so importing twice adds nothing, and
    an event that conflicts with the store is an error naming its line. A
    case file (see `timeline schema case`) records a whole talks, as
    `timeline demo` does. Either way, a bad line anywhere writes nothing.

    \b
    Examples:
      timeline import backup.jsonl
      timeline import geneva.yaml --format case
    """
    kind = format_ or ("jsonl" if file.suffix == ".jsonl" else "case")
    if kind == "case":
        from timeline.casefile import load_case, record_case

        case = load_case(file)
        added = record_case(state.app, case)
        summary = {"format": "case", "talks": case.talks.slug, "recorded": added}
        message = f"Recorded talks {case.talks.slug} from {file}." if added else (
            f"Talks {case.talks.slug} are already recorded; nothing added."
        )  # fmt: skip
    else:
        imported = _import_log(state, file)
        summary = {"format": "jsonl", "read": imported.read,
                   "added": imported.added, "present": imported.present}  # fmt: skip
        message = (f"Imported {imported.added:,} events from {file} "
                   f"({imported.present:,} were already stored).")  # fmt: skip
    state.queries.refresh()
    info(message)
    if as_json:
        echo_json(summary)


def _import_log(state: State, file: Path) -> Imported:
    from timeline.transfer import import_log

    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read {str(file)!r}: {error}") from None
    numbered = list(enumerate(lines, start=1))
    imported: Imported
    if len(lines) < PROGRESS_FROM:
        imported = import_log(state.app, numbered, str(file))
    else:
        with click.progressbar(
            length=len(lines),
            label="Checking events",
            file=sys.stderr,
        ) as bar:
            imported = import_log(state.app, numbered, str(file), bar.update)
    return imported


@cli.group()
def schema() -> None:
    """JSON Schemas of the files the tool writes and reads.

    \b
    Example:
      timeline schema snapshot > snapshot.schema.json
    """


@schema.command("snapshot")
def schema_snapshot() -> None:
    """The schema of `export --format json`.

    \b
    Example:
      timeline schema snapshot
    """
    from timeline.schemas import snapshot_schema

    echo_json(snapshot_schema())


@schema.command("case")
def schema_case() -> None:
    """The schema of case files, read by `timeline import --format case`.

    \b
    Example:
      timeline schema case
    """
    from timeline.schemas import case_schema

    echo_json(case_schema())


@schema.command("event")
def schema_event() -> None:
    """The schema of one line of `export --format jsonl`.

    \b
    Example:
      timeline schema event
    """
    from timeline.schemas import event_schema

    echo_json(event_schema())


def _write(chunks: Iterable[str], output: Path | None) -> None:
    """Write text as UTF-8 bytes, line endings untouched: to stdout, or to
    ``output`` through a temporary file, so a failed export leaves no half."""
    if output is None:
        stdout = sys.stdout.buffer
        for chunk in chunks:
            stdout.write(chunk.encode())
        stdout.flush()
        return
    import tempfile  # only an export to a file needs it

    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(
            dir=output.resolve().parent, prefix=f".{output.name}."
        )
        with os.fdopen(fd, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk.encode())
        os.chmod(temporary, _file_mode(output))
        os.replace(temporary, output)
        temporary = None
    except OSError as error:
        message = f"cannot write {str(output)!r}: {error.strerror}"
        raise click.ClickException(message) from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _file_mode(path: Path) -> int:
    """The mode a new file gets from the umask (an existing one keeps its own):
    the temporary file it is written through is private until then."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
