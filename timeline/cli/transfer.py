"""Commands that move a record: exports, imports, copies between stores, and
the schemas of the files."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from timeline.cli import (
    Session,
    as_of_option,
    cli,
    echo_json,
    info,
    json_option,
    progress_bar,
)
from timeline.cli.read import db
from timeline.service import EXPORT_FORMATS

if TYPE_CHECKING:
    from timeline.service import Service

pass_session = click.make_pass_decorator(Session)


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
@pass_session
def export(
    session: Session, /, slug: str | None, format_: str, output: Path | None,
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
    service = session.service
    _write(service.export(format_, slug, service.clocks(as_of=as_of)), output)
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
@pass_session
def import_(
    session: Session, /, file: Path, format_: str | None, as_json: bool
) -> None:
    """Import FILE into the store; a bad line anywhere writes nothing.

    An event log (jsonl) keeps every event's record time and author; events
    the store holds already are skipped, so importing twice adds nothing, and
    an event that conflicts with the store is an error naming its line. The
    log is read a line at a time, twice: every line is checked, then the new
    events are written in order, a batch per transaction; if that is
    interrupted, importing the file again writes the rest. A case file (see
    `timeline schema case`) records a whole talks, as `timeline demo` does,
    all or nothing.

    \b
    Examples:
      timeline import backup.jsonl
      timeline import geneva.yaml --format case
    """
    kind = format_ or ("jsonl" if file.suffix == ".jsonl" else "case")
    summary: dict[str, object]
    if kind == "case":
        slug, added = session.service.import_case(file)
        summary = {"format": "case", "talks": slug, "recorded": added}
        message = f"Recorded talks {slug} from {file}." if added else (
            f"Talks {slug} are already recorded; nothing added."
        )  # fmt: skip
    else:
        imported = session.service.import_log(file)
        summary = {"format": "jsonl", "read": imported.read,
                   "added": imported.added, "present": imported.present}  # fmt: skip
        message = (f"Imported {imported.added:,} events from {file} "
                   f"({imported.present:,} were already stored).")  # fmt: skip
    info(message)
    if as_json:
        echo_json(summary)


@db.command("copy")
@click.argument("source")
@click.argument("dest")
@json_option
@pass_session
def db_copy(session: Session, /, source: str, dest: str, as_json: bool) -> None:
    """Copy every stored event of store SOURCE into store DEST.

    Each is a SQLite file or a PostgreSQL URL (as --db takes them), so this
    moves a record from SQLite to PostgreSQL and back (--db is not used).
    Events keep their record time and author, stored exactly as they are,
    a batch per transaction. DEST must be empty or hold the first events of
    SOURCE, in the same order: then only the rest is copied, so a copy that
    was interrupted continues where it stopped. Anything else is an error
    naming the first event that differs, and nothing is written. DEST's
    views are brought up to date at the end.

    \b
    Examples:
      timeline db copy record.sqlite postgresql://analyst@db.example.org/timeline
      timeline db copy postgresql://analyst@db.example.org/timeline backup.sqlite --json
    """
    from timeline.bootstrap import open_service

    def opened(location: str) -> Service:
        return open_service(location, session.author, progress=progress_bar)

    with opened(source) as origin, opened(dest) as target:
        copied = origin.copy_to(target)
        summary = {"copied": copied.copied, "skipped": copied.skipped,
                   "source": origin.where, "dest": target.where}  # fmt: skip
    info(f"Copied {copied.copied:,} events from {summary['source']} to "
         f"{summary['dest']} ({copied.skipped:,} were there already).")  # fmt: skip
    if as_json:
        echo_json(summary)


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
