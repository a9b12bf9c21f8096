"""Shell completion of talks slugs and entry refs (click's mechanism: see
*Shell completion* in docs/cli.md), read from the store the line names.

It runs on every TAB, so it catches the views up only when they lag a
little (what was just recorded), never makes a store, and whatever goes
wrong it offers nothing: a completion never prints an error.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from projections.queries import Queries

TALKS = ("slug", "target")
"""The parameters that name talks recorded (``SLUG``, ``--talks``, ``TARGET``)."""
NEW_TALKS = "talks open"
"""The command whose SLUG names talks not recorded yet: nothing to offer."""
CATCH_UP = 1_000
"""The most events a completion applies to the views first; more, and it
offers what the views hold (the next query catches them up)."""


class Completed(click.types.StringParamType):
    """Text, as a parameter takes it, with the values the store offers."""

    def __init__(self, offer: Callable[[click.Context], list[str]]) -> None:
        self.offer = offer

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return [
            CompletionItem(value)
            for value in self.offer(ctx)
            if value.startswith(incomplete)
        ]


def complete_names(group: click.Group, path: str = "") -> None:
    """Give every parameter of the commands under ``group`` that names
    recorded talks their slugs, and every REF the entries of its talks."""
    for name, command in group.commands.items():
        where = f"{path} {name}".strip()
        if isinstance(command, click.Group):
            complete_names(command, where)
            continue
        for param in command.params:
            if param.name in TALKS and where != NEW_TALKS:
                param.type = Completed(talks_slugs)
            elif param.name == "ref":
                param.type = Completed(entry_refs)


def talks_slugs(ctx: click.Context) -> list[str]:
    return _read(ctx, lambda queries: [r["slug"] for r in queries.views.talks_list()])


def entry_refs(ctx: click.Context) -> list[str]:
    """The refs of the entries that stand in the talks named earlier on the
    line (``talks`` itself cannot be retracted)."""
    slug = ctx.params.get("slug")
    if not slug:
        return []
    refs = _read(ctx, lambda q: [row["ref"] for row in q.views.entries(slug=slug)])
    retracting = ctx.command.name == "retract"
    return [ref for ref in dict.fromkeys(refs) if not (retracting and ref == "talks")]


def _read(ctx: click.Context, read: Callable[[Queries], list[str]]) -> list[str]:
    """What ``read`` finds in the views of the store the line names (its
    --db, else TIMELINE_DB, else the default); nothing if that fails, and
    never a word on stderr (a warning would land amid the command line)."""
    from timeline.bootstrap import open_service

    db = ctx.find_root().params.get("db")
    try:
        with (
            redirect_stderr(io.StringIO()),
            open_service(db, "completion", create=False) as service,
        ):
            queries = service.queries
            if queries.views.lag() <= CATCH_UP:
                queries.refresh()
            return read(queries)
    except Exception:  # a completion offers nothing rather than fail
        return []
