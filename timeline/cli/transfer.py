"""Commands that move a record: exports, imports, copies between stores, and
the schemas of the files."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
    min_grade_option,
    pass_recording,
    pass_session,
    progress_bar,
)
from timeline.cli.read import db
from timeline.service import EXPORT_FORMATS

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from timeline.application import CaseRecorded
    from timeline.service import Service

SUFFIXES = {
    ".timeline.json": "timelinejs", ".md": "markdown", ".json": "json",
    ".jsonl": "jsonl", ".csv": "csv", ".html": "html", ".ics": "ical",
}  # fmt: skip
"""The format of an export to a file of each suffix (the longest first)."""
STDIN = "<stdin>"
"""How messages name standard input, read by ``import -``."""


@cli.command()
@click.argument("slug", required=False)
@click.option(
    "--format", "format_", type=click.Choice(EXPORT_FORMATS),
    help="Output format.  [default: from the suffix of -o FILE, else markdown]",
)  # fmt: skip
@click.option(
    "-o", "--output", metavar="FILE",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write to FILE instead of stdout (- is stdout).",
)  # fmt: skip
@as_of_option
@click.option(
    "--sign", is_flag=True,
    help="Sign FILE with your key (`timeline key create`): FILE.sig beside it.",
)  # fmt: skip
@min_grade_option
@pass_session
def export(
    session: Session, /, slug: str | None, format_: str | None,
    output: Path | None, as_of: str | None, sign: bool, min_grade: str | None,
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
    recorded by then). Every format but jsonl gives each entry's grade (B2)
    and what it cites, graded as the sources stood then; --min-grade keeps
    only the entries backed by a citation graded that well.

    Without --format, the suffix of -o FILE names the format: .md, .json,
    .jsonl, .csv, .html, .ics (ical), .timeline.json (timelinejs); any
    other is an error. To stdout, the default is markdown.

    \b
    Examples:
      timeline export beijing-talks -o brief.md
      timeline export -o timeline.html
      timeline export -o backup.jsonl
      timeline export -o timeline.timeline.json
      timeline export beijing-talks --format json --as-of 2024-03-01
      timeline export beijing-talks -o brief.md --sign
      timeline export beijing-talks -o sourced.md --min-grade B3

    With --sign, FILE.sig is written beside FILE: a detached Ed25519
    signature over its exact bytes, which `timeline verify-export FILE`
    (or openssl) checks.
    """
    if output is not None and str(output) == "-":
        output = None
    if sign and output is None:
        raise click.UsageError("--sign needs -o FILE: the signature goes beside it")
    chosen = format_ or _format_of(output)
    signer = _signer() if sign else None  # no key: fail before anything is written
    service = session.service
    clocks = service.clocks(as_of=as_of)
    chunks, position, head = service.exported(chosen, slug, clocks, min_grade)
    _write(chunks, output)
    if output is not None:
        info(f"Wrote {output}.")
    if signer is not None and output is not None:
        from timeline.signing import sign_file

        info(f"Signed it: {sign_file(output, signer, position, head)}.")


def _signer() -> Ed25519PrivateKey:
    from timeline.signing import key_files, private_key

    return private_key(key_files())


def _format_of(output: Path | None) -> str:
    """The format an export to ``output`` is written in, by its suffix
    (stdout: markdown); a suffix of no format is a usage error."""
    if output is None:
        return "markdown"
    for suffix, format_name in SUFFIXES.items():
        if output.name.lower().endswith(suffix):
            return format_name
    by_format = sorted(SUFFIXES.items(), key=lambda item: EXPORT_FORMATS.index(item[1]))
    known = ", ".join(f"{suffix} ({name})" for suffix, name in by_format)
    why = (
        f"no format has the suffix {output.suffix!r}"
        if output.suffix
        else "it has no suffix to tell the format by"
    )
    raise click.BadParameter(
        f"{str(output)!r}: {why}; give --format, or one of {known}",
        param_hint="'-o'",
    )


@cli.command("import")
@click.argument(
    "file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
)
@click.option(
    "--format", "format_", type=click.Choice(["jsonl", "case"]),
    help="jsonl: an event log from `export --format jsonl`; case: a YAML or "
    "JSON case file. [default: from the file's suffix; needed for -]",
)  # fmt: skip
@click.option(
    "--dry-run", is_flag=True,
    help="Case file: say what would be recorded, amended and retracted; write"
    " nothing.",
)  # fmt: skip
@click.option(
    "--retract-missing", is_flag=True,
    help="Case file: retract the recorded entries the file no longer holds.",
)  # fmt: skip
@json_option
@pass_recording
def import_(
    session: Session, /, file: Path, format_: str | None, dry_run: bool,
    retract_missing: bool, as_json: bool,
) -> None:  # fmt: skip
    """Import FILE into the store; a bad line anywhere writes nothing.

    An event log (jsonl) keeps every event's record time and author; events
    the store holds already are skipped, so importing twice adds nothing, and
    an event that conflicts with the store is an error naming its line. The
    log is read a line at a time, twice: every line is checked, then the new
    events are written in order, a batch per transaction; if that is
    interrupted, importing the file again writes the rest.

    A case file (see `timeline schema case`) records a whole talks, as
    `timeline demo` does, all or nothing. If its talks are recorded already,
    the file updates them: entries it adds are recorded, fields it changes
    are amended (with the reason "case file FILE updated"), and entries it
    no longer holds are kept, or retracted with --retract-missing. Entries
    are matched by key (agenda items, scenarios, recommendations, links), by
    actor and order (stances, motivations, a scenario's assessments) and by
    order (developments). --dry-run prints the plan and writes nothing.

    FILE - reads standard input, in the --format given.

    \b
    Examples:
      timeline import backup.jsonl
      timeline import geneva.yaml --format case
      timeline import geneva.yaml --dry-run
      timeline import geneva.yaml --retract-missing --json
      timeline --db old.sqlite export --format jsonl | timeline import - --format jsonl
    """
    stdin = str(file) == "-"
    if stdin and format_ is None:
        raise click.UsageError(
            "import - reads standard input, which has no suffix to tell its"
            " format by: give --format jsonl or --format case"
        )
    name = STDIN if stdin else str(file)
    kind = format_ or ("jsonl" if file.suffix == ".jsonl" else "case")
    if kind == "case":
        case = _import_case(session.service, file, dry_run, retract_missing)
        _report_case(case, name, dry_run, as_json)
        return
    if dry_run or retract_missing:
        raise click.UsageError("--dry-run and --retract-missing are for case files")
    with _log_file(file) as log:
        imported = session.service.import_log(log, name=name)
    info(f"Imported {imported.added:,} events from {name} "
         f"({imported.present:,} were already stored).")  # fmt: skip
    if as_json:
        echo_json({"format": "jsonl", "read": imported.read,
                   "added": imported.added, "present": imported.present})  # fmt: skip


def _import_case(
    service: Service, file: Path, dry_run: bool, retract_missing: bool
) -> CaseRecorded:
    """Record the case file at ``file``, or read whole from standard input (-)."""
    if str(file) != "-":
        return service.import_case(
            file, dry_run=dry_run, retract_missing=retract_missing
        )
    from timeline.casefile import parse_case

    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"{STDIN}: cannot read it as UTF-8 text: {error}"
        raise click.ClickException(message) from None
    return service.record_case(
        parse_case(text, STDIN), STDIN, update=True, dry_run=dry_run,
        retract_missing=retract_missing,
    )  # fmt: skip


@contextmanager
def _log_file(file: Path) -> Iterator[Path]:
    """The event log at ``file``; standard input (-) first copied, a line
    at a time, to a private temporary file, which the import reads twice."""
    if str(file) != "-":
        yield file
        return
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="timeline-import-") as copy:
        for number, line in enumerate(sys.stdin.buffer, start=1):
            try:  # here, where its line can be named as the user knows it
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                message = f"cannot read {STDIN!r}: line {number}: {error}"
                raise click.ClickException(message) from None
            copy.write(line)
        copy.flush()
        yield Path(copy.name)


def _report_case(case: CaseRecorded, file: str, dry_run: bool, as_json: bool) -> None:
    """Say what recording a case file did (or would do): a line per change."""
    from collections import Counter

    done = Counter(step.action for step in case.steps)
    written = not dry_run and (case.opened or done.keys() - {"keep"})
    if as_json:
        echo_json({
            "format": "case", "talks": case.slug, "recorded": bool(written),
            "opened": case.opened, "dry_run": dry_run, "actors": case.actors,
            "steps": [step._asdict() for step in case.steps],
        })  # fmt: skip
    if case.opened:
        entries = f"{len(case.steps) - 1:,} entries"
        info(f"Would record talks {case.slug} from {file}, with {entries}; nothing"
             " was written (--dry-run)." if dry_run else
             f"Recorded talks {case.slug} from {file}, with {entries}.")  # fmt: skip
        return
    for step in case.steps:
        fields = f" ({', '.join(step.fields)})" if step.fields else ""
        info(f"  {_WORDS[step.action]} {step.ref}{fields}")
    changed = done["record"] + done["amend"] + done["retract"]
    if not changed:
        info(f"Talks {case.slug} are already recorded as {file} has them;"
             " nothing added.")  # fmt: skip
        return
    info(
        f"Talks {case.slug} {'would be ' if dry_run else ''}updated from {file}:"
        f" {done['record']:,} recorded, {done['amend']:,} amended,"
        f" {done['retract']:,} retracted"
        + (f"; {done['keep']:,} kept (--retract-missing retracts them)"
           if done["keep"] else "")
        + ("; nothing was written (--dry-run)." if dry_run else ".")
    )  # fmt: skip


_WORDS = {
    "record": "record ",
    "amend": "amend  ",
    "retract": "retract",
    "keep": "keep   ",
}


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

    def opened(location: str, create: bool) -> Service:
        return open_service(
            location, session.author, progress=progress_bar, create=create
        )

    with opened(source, False) as origin, opened(dest, True) as target:
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
