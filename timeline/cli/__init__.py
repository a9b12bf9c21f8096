"""The ``timeline`` command: a thin shell over :class:`timeline.service.Service`.

Commands parse, call one method of the service and render. Data goes to stdout,
messages to stderr. Every mistake a user can make ends in one ``Error: ...``
line and exit status 1 (2 for usage errors); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import click

from events.errors import EXCERPT, TimelineError, ascii_safe, one_line

if TYPE_CHECKING:
    from timeline.service import Service

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Session:
    """What every command shares: the service over the store, once opened."""

    def __init__(self, db: str | None, author: str | None, debug: bool) -> None:
        self.db = db
        self.author = author
        self.debug = debug

    @cached_property
    def service(self) -> Service:
        from timeline.bootstrap import open_service

        # What opening the application built (event models, the mapper) lives
        # until exit: frozen, full collections do not trace it again (see main).
        return open_service(
            self.db, self.author, progress=progress_bar, opened=gc.freeze
        )

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
        # command could store, look up or print them.
        for number, arg in enumerate(args, start=1):
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
        except click.ClickException as error:  # a usage error quotes the input
            raise _shown(error) from None
        except Exception as error:
            session = ctx.find_object(Session)
            if session is not None and session.debug:
                raise
            raise click.ClickException(one_line(_message(error, session))) from None


def _shown(error: click.ClickException) -> click.ClickException:
    """Click's own error, as every error is shown: one short line, no control
    character raw (it may quote what was typed)."""
    # Final in click's annotations, a plain attribute in fact: kept so that
    # the error keeps its kind (a usage error still shows its usage line).
    # What click puts before it ("Invalid value for '--format': ") is short.
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


@click.group(cls=TimelineGroup, context_settings=CONTEXT_SETTINGS)
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
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(None, "--version", "-V", package_name="diplomatic-timeline")
@click.pass_context
def cli(ctx: click.Context, db: str | None, author: str | None, debug: bool) -> None:
    """Keep an evidence-grade, event-sourced record of diplomatic talks.

    Every entry is an immutable event; views and exports are rebuilt from
    them, and corrections are recorded, never overwritten.

    \b
    Example:
      timeline demo
      timeline show beijing-talks
      timeline develop beijing-talks --on 2024-07 "Follow-up meeting announced"
    """
    session = ctx.obj = Session(db, author, debug)
    ctx.call_on_close(session.close)


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


def echo_json(data: Any) -> None:
    """``data`` as JSON on stdout, with no character a terminal acts on raw."""
    from timeline.exporters.inert import json_text

    click.echo(json_text(data))


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


from timeline.cli import read, record, serve, tokens, transfer, views  # noqa: E402

__all__ = ["cli", "main", "read", "record", "serve", "tokens", "transfer", "views"]

if __name__ == "__main__":  # pragma: no cover
    main()
