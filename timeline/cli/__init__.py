"""The ``timeline`` command: a thin shell over :class:`timeline.service.Service`.

Commands parse, call one method of the service and render. Data goes to stdout,
messages to stderr. Every mistake a user can make ends in one ``Error: ...``
line and exit status 1 (2 for usage errors); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from events.errors import EXCERPT, TimelineError, ascii_safe, one_line

if TYPE_CHECKING:
    from timeline.service import Service

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Session:
    """What every command shares: the service over the store, once opened."""

    def __init__(
        self, db: str | None, author: str | None, debug: bool, paging: bool = True
    ) -> None:
        self.db = db
        self.author = author
        self.debug = debug
        self.paging = paging
        """Whether long output on a terminal may go through a pager."""
        self.records = False
        """Whether the command records: only then may a new store be made."""

    @cached_property
    def service(self) -> Service:
        from timeline.bootstrap import open_service

        # What opening the application built (event models, the mapper) lives
        # until exit: frozen, full collections do not trace it again (see main).
        return open_service(
            self.db, self.author, progress=progress_bar, opened=gc.freeze,
            create=self.records,
        )  # fmt: skip

    def close(self) -> None:
        if "service" in vars(self):
            self.service.close()


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr, so stdout stays data."""
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


class TimelineGroup(click.Group):
    """Turns a user's mistake into one line on stderr instead of a traceback,
    and any other failure too, unless ``--debug`` asks for the traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Python hands over bytes that are not UTF-8 as lone surrogates: no
        # command could store, look up or print them. (Completing a line
        # parses it too, and must never fail: completion offers nothing.)
        for number, arg in enumerate([] if ctx.resilient_parsing else args, start=1):
            if any("\ud800" <= char <= "\udfff" for char in arg):
                raise click.ClickException(
                    f"argument {number} ({ascii_safe(repr(arg)[:EXCERPT])}) is"
                    " not valid UTF-8"
                )
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as error:
            raise _shown(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # what reads stdout stopped (`| head`), as is
            _quiet_stdout()  # its right: stop, with no message, as cat would
            raise click.exceptions.Exit(141) from None  # 128 + SIGPIPE
        except click.ClickException as error:  # a usage error quotes the input
            raise _shown(error) from None
        except Exception as error:
            session = ctx.find_object(Session)
            if session is not None and session.debug:
                raise
            raise click.ClickException(one_line(_message(error, session))) from None


def _quiet_stdout() -> None:
    """Send what is left of stdout nowhere: flushing it at exit would fail
    again on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _shown(error: click.ClickException) -> click.ClickException:
    """Click's own error, as every error is shown: one short line, no control
    character raw (it may quote what was typed)."""
    # Final in click's annotations, a plain attribute in fact: kept so that
    # the error keeps its kind (a usage error still shows its usage line).
    # What click puts before it ("Invalid value for '--format': ") is short.
    if isinstance(error, click.MissingParameter):  # it words its message itself
        return click.UsageError(one_line(error.format_message(), 400), error.ctx)
    error.message = one_line(error.message, 400)  # type: ignore[misc]
    return error


def _message(error: Exception, session: Session | None) -> str:
    from eventsourcing.persistence import PersistenceError

    if isinstance(error, TimelineError):
        return str(error)
    why = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, PersistenceError):
        # The store failed under a command (a lost connection, a full disk):
        # each transaction is whole or not there at all.
        return (
            f"the store failed during this command ({why}); each of its"
            " writes was stored whole or not at all: see `timeline history`"
        )
    return (
        f"unexpected {type(error).__name__} ({why}) on the store"
        f" {_where(session)}; each write is stored whole or not at all; run"
        " again with --debug to see the traceback"
    )


def _where(session: Session | None) -> str:
    from timeline.settings import resolve_store

    try:
        return resolve_store(session.db if session else None).shown()
    except Exception:
        return "(cannot be named)"


@click.group(
    cls=TimelineGroup, context_settings=CONTEXT_SETTINGS, invoke_without_command=True
)
@click.option(
    "--db",
    metavar="PATH|URL",
    help="The store: a SQLite file, or postgresql://user@host/dbname[?schema=S]"
    " [env TIMELINE_DB; default: a file in the user data dir].",
)
@click.option(
    "--author",
    metavar="NAME",
    help="Who records the entries [env TIMELINE_AUTHOR; default: OS user].",
)
@click.option(
    "--no-pager", is_flag=True,
    help="Never page long output (on a terminal it goes through $TIMELINE_PAGER,"
    " else $PAGER, else less -FRX; TIMELINE_PAGER=cat turns it off too).",
)  # fmt: skip
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(None, "--version", "-V", package_name="diplomatic-timeline")
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, author: str | None, no_pager: bool,
    debug: bool,
) -> None:  # fmt: skip
    """Keep an evidence-grade, event-sourced record of diplomatic talks.

    Every entry is an immutable event; views and exports are rebuilt from
    them, and corrections are recorded, never overwritten.

    \b
    Example:
      timeline demo
      timeline show beijing-talks
      timeline develop beijing-talks --on 2024-07 "Follow-up meeting announced"
    """
    if ctx.invoked_subcommand is None:  # `timeline` alone: what it can do
        click.echo(ctx.get_help())
        ctx.exit()
    session = ctx.obj = Session(db, author, debug, paging=not no_pager)
    ctx.call_on_close(session.close)


pass_session = click.make_pass_decorator(Session)


def pass_recording(func: F) -> F:
    """Pass the session to a command that records: the only kind of command
    that may make a new store (a query of a store that is not there is an
    error naming it, so a mistyped --db never makes an empty store)."""

    @wraps(func)
    def recording(session: Session, /, *args: Any, **kwargs: Any) -> Any:
        session.records = True
        return func(session, *args, **kwargs)

    return cast(F, pass_session(recording))


def json_option(func: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document on stdout."
    )(func)


def as_of_option(func: F) -> F:
    return click.option(
        "--as-of", metavar="TIME",
        help="As it was recorded by TIME (record time): ISO 8601, such as "
        "2024-03-01T12:00Z; a bare date means the end of that day (UTC).",
    )(func)  # fmt: skip


def at_option(func: F) -> F:
    return click.option(
        "--at", metavar="DATE",
        help="The world on DATE (valid time, as known now): entries dated "
        "later are left out; stances and assessments are those in force then.",
    )(func)  # fmt: skip


def min_grade_option(func: F) -> F:
    return click.option(
        "--min-grade", metavar="GRADE",
        help="Only entries backed by a citation graded GRADE or better on both"
        " scales: B3 keeps A1-A3 and B1-B3 (Admiralty: reliability A-F,"
        " credibility 1-6).",
    )(func)  # fmt: skip


def echo_json(data: Any) -> None:
    """``data`` as JSON on stdout, with no character a terminal acts on raw."""
    from timeline.exporters.inert import json_text

    page(json_text(data) + "\n")


def pager() -> str | None:
    """The command long output goes through, as git chooses one: only on a
    terminal and without --no-pager; $TIMELINE_PAGER, else $PAGER, else
    ``less -FRX`` (None for ``cat`` or empty: no pager)."""
    session = click.get_current_context().find_object(Session)
    if (session is not None and not session.paging) or not sys.stdout.isatty():
        return None
    command = os.environ.get("TIMELINE_PAGER", os.environ.get("PAGER", "less -FRX"))
    return None if command.strip() in ("", "cat") else command


def page(text: str) -> None:
    """Print ``text`` on stdout; on a terminal, through the pager if it is
    longer than the screen."""
    import shutil

    command = pager()
    if command is None or text.count("\n") < shutil.get_terminal_size().lines:
        click.echo(text, nl=False)
        return
    import signal
    import subprocess

    # As git does: less quits when the text fits (F), keeps colours (R) and
    # leaves the screen as it was (X), unless LESS says otherwise.
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    sys.stdout.flush()
    # Ctrl-C is the pager's to handle while it runs, not a reason to quit.
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with subprocess.Popen(
            command, shell=True, stdin=subprocess.PIPE, env=env
        ) as run:
            run.communicate(text.encode())
    finally:
        signal.signal(signal.SIGINT, interrupt)
    if run.returncode == 127:  # the shell found no such pager: print it here
        click.echo(text, nl=False)


def info(message: str) -> None:
    """A message for the person, on stderr, so stdout stays data."""
    click.echo(message, err=True)


def main() -> None:
    # What start-up builds (modules, classes, models) lives until exit: frozen,
    # it is not traced again by each full collection, which cost a twentieth
    # of a short command's time.
    gc.freeze()
    try:
        cli(prog_name="timeline")
    except Exception as error:  # outside any command (closing the store...)
        if "--debug" in sys.argv:
            raise
        click.echo(f"Error: {one_line(_message(error, None))}", err=True)
        sys.exit(1)


from timeline.cli import (  # noqa: E402
    keys,
    read,
    record,
    serve,
    sources,
    tokens,
    transfer,
    verify,
    views,
)
from timeline.cli.complete import complete_names  # noqa: E402

complete_names(cli)

__all__ = [
    "cli",
    "keys",
    "main",
    "read",
    "record",
    "serve",
    "sources",
    "tokens",
    "transfer",
    "verify",
    "views",
]

if __name__ == "__main__":  # pragma: no cover
    main()
