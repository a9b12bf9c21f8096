"""``timeline verify``: check the hash chain of the stored events."""

from __future__ import annotations

import click

from timeline.cli import Session, cli, echo_json, info, json_option, pass_session


@cli.command()
@click.argument("slug", required=False)
@click.option(
    "--head", metavar="HEAD",
    help="Also check against a head published earlier: POSITION:HASH of the"
    " store (or VERSION:HASH of talks SLUG), as every export names it.",
)  # fmt: skip
@json_option
@pass_session
def verify(
    session: Session, /, slug: str | None, head: str | None, as_json: bool
) -> None:
    """Check that nothing stored was changed: every event's hash, from the
    stored events (of talks SLUG, or of the whole store).

    Each stored event carries a hash of its content (payload, record time,
    author, type) and of the previous event's hash in the same talks (or
    actor), so that the last hash fixes the whole history. Exit 0 with the
    head it checked; exit 1 naming the first broken link: an edited event,
    one deleted, two swapped, one inserted. A talks cut short at its end is
    found against a head published earlier (--head). Events stored before
    hashing began carry no hash of their own: they are fixed by the first
    later event of their talks, and verify says how many there are.

    \b
    Examples:
      timeline verify
      timeline verify beijing-talks --json
      timeline verify --head "$(cat published-head.txt)"
    """
    report = session.service.verify(slug, head)
    if as_json:
        echo_json(report.as_json())
    elif report.ok:
        info(report.summary())
        click.echo(report.head)
    if not report.ok:
        raise click.ClickException(report.failure())
