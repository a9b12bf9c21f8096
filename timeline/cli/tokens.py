"""Commands over the access tokens of the HTTP service (see
:mod:`timeline.access`)."""

from __future__ import annotations

import click

from timeline.cli import (
    Session,
    cli,
    echo_json,
    info,
    json_option,
    pass_recording,
    pass_session,
)


@cli.group()
def token() -> None:
    """Access tokens of the HTTP service: issue, list, revoke.

    \b
    Each token has a name and a role:
      reader   reads
      analyst  also records, amends and retracts
      admin    also manages tokens and views
    A token is printed once, when it is created; only a hash of it is
    stored, in a table of its own (never in the event log, nor in an
    export). Who issued or revoked each token (--author) is logged.

    \b
    Examples:
      timeline token create newsroom --role reader
      timeline token list
      timeline token revoke newsroom
    """


@token.command("create")
@click.argument("name")
@click.option(
    "--role",
    metavar="reader|analyst|admin",
    required=True,
    help="What the token allows: reader, analyst or admin.",
)
@json_option
@pass_recording
def token_create(session: Session, /, name: str, role: str, as_json: bool) -> None:
    """Issue a new random token NAME with a role, and print it once.

    NAME is 1 to 64 letters, digits or . _ @ - and is unique among active
    tokens. The token is printed on stdout and never shown again: only its
    hash is kept. Lost? Revoke it and create another.

    \b
    Examples:
      timeline token create newsroom --role reader
      timeline --author ops token create ci-bot --role analyst --json
    """
    secret = session.service.create_token(name, role)
    if as_json:
        echo_json({"name": name, "role": role, "token": secret})
        return
    click.echo(secret)
    info(f"Token {name} ({role}) created; store it now: it is not shown again.")


@token.command("list")
@json_option
@pass_session
def token_list(session: Session, /, as_json: bool) -> None:
    """List every token issued: name, role, when and by whom it was created
    and, if revoked, when and by whom. Never the tokens themselves.

    \b
    Examples:
      timeline token list
      timeline token list --json
    """
    rows = session.service.tokens()
    if as_json:
        echo_json(rows)
        return
    if not rows:
        info("No tokens yet. Try: timeline token create NAME --role reader")
        return
    from timeline.cli.render import _table, console

    console.print(
        _table(
            "Tokens",
            ("Name", "Role", "Created", "Created by", "Revoked", "Revoked by"),
            (
                (r["name"], r["role"], _minute(r["created_at"]), r["created_by"],
                 _minute(r["revoked_at"]), r["revoked_by"])
                for r in rows
            ),
        )
    )  # fmt: skip


def _minute(moment: str | None) -> str:
    """A stored time to the minute (UTC), as a table shows it."""
    return moment[:16].replace("T", " ") if moment else ""


@token.command("revoke")
@click.argument("name")
@pass_session
def token_revoke(session: Session, /, name: str) -> None:
    """Revoke the active token NAME: it, and every browser session opened
    with it, stop working at once. Its name may then be given to a new token.

    \b
    Example:
      timeline token revoke newsroom
    """
    session.service.revoke_token(name)
    info(f"Token {name} revoked.")
