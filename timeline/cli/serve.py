"""``timeline serve``: the store as an HTTP service (see :mod:`timeline.server`)."""

from __future__ import annotations

import os

import click

from timeline.cli import Session, cli, info, pass_session

EXTRA = "pip install 'diplomatic-timeline[server]'"


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; other than loopback only once a token exists.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes, each with its own connection to the store.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="What the log shows.",
)
@pass_session
def serve(
    session: Session, /, host: str, port: int, workers: int, log_level: str
) -> None:
    """Serve the store over HTTP: a JSON API under /v1, a live stream of
    events and pages that update themselves, until SIGINT or SIGTERM.

    Every request but /healthz, /openapi.json and /docs needs a token (see
    `timeline token create`); its role says what it may do: a reader reads,
    an analyst also records, amends and retracts, an admin also manages
    tokens and views. The API's reference is at /docs while it runs. Needs
    the server extra: pip install 'diplomatic-timeline[server]'.

    \b
    Examples:
      timeline token create desk --role analyst
      timeline serve
      curl -H "Authorization: Bearer $TOKEN" localhost:8080/v1/talks
      timeline --db postgresql://timeline@db/timeline serve --host 0.0.0.0 --workers 4
    """
    try:
        import timeline.server.app  # noqa: F401  (all the server needs, there)
        from timeline.server.run import is_loopback
        from timeline.server.run import serve as run
    except ImportError as missing:
        raise click.ClickException(
            f"serving needs the server extra ({missing.name} is missing): {EXTRA}"
        ) from None
    service = session.service
    service.status()  # the store must be there: serving it never makes one
    if not is_loopback(host) and all(t["revoked_at"] for t in service.tokens()):
        raise click.ClickException(
            f"refusing to listen on {host}, beyond this machine, while no token exists;"
            " create one first: timeline token create NAME --role admin"
        )
    info(
        f"Serving {service.where} on http://{host}:{port} ({workers} worker"
        f"{'s' if workers > 1 else ''}); stop with Ctrl-C."
    )
    session.close()  # each server process opens the store itself
    if session.db is not None:
        os.environ["TIMELINE_DB"] = session.db
    if session.author is not None:
        os.environ["TIMELINE_AUTHOR"] = session.author
    run(host, port, workers, log_level)
