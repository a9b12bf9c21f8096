"""Sources and what rests on them: ``source add/regrade/list/show`` and ``lint``."""

from __future__ import annotations

import sys

import click

from timeline.cli import (
    Session,
    as_of_option,
    at_option,
    cli,
    echo_json,
    info,
    json_option,
    pass_recording,
    pass_session,
)

RELIABILITY = click.Choice(list("ABCDEF"), case_sensitive=False)


@cli.group()
def source() -> None:
    """Sources entries cite, graded on the Admiralty scale.

    \b
    Reliability of a source (A-F):
      A completely reliable   B usually reliable   C fairly reliable
      D not usually reliable  E unreliable         F cannot be judged (default)
    Credibility of what a citation of it says (1-6), given with --cite:
      1 confirmed by other sources  2 probably true  3 possibly true
      4 doubtful  5 improbable  6 truth cannot be judged (default)

    \b
    Examples:
      timeline source add mfa-readout --title "MFA readout of the talks" \\
        --publisher "Ministry of Foreign Affairs" --reliability B
      timeline stance record beijing-talks CHN --position "..." \\
        --cite mfa-readout:2@para.3
      timeline source regrade mfa-readout C --reason "Retracted a claim"
    """


@source.command("add")
@click.argument("key")
@click.option("--title", required=True, help="Title of the source.")
@click.option("--publisher", help="Who published it.")
@click.option("--url", help="Where it can be read.")
@click.option("--published", metavar="DATE", help="When it was published (EDTF).")
@click.option(
    "--reliability", type=RELIABILITY, default="F", show_default=True,
    help="How reliable the source is, A (completely) to E (unreliable); F:"
    " cannot be judged.",
)  # fmt: skip
@click.option("--note", help="A note on the source.")
@pass_recording
def source_add(session: Session, /, key: str, **fields: str | None) -> None:
    """Record source KEY, which entries may then cite with --cite KEY.

    \b
    Example:
      timeline source add un-report --title "UN OCHA situation report 12" \\
        --publisher "UN OCHA" --url https://example.org/r12 --published 2024-07 \\
        --reliability B
    """
    session.service.add_source(key, **fields)  # type: ignore[arg-type]
    info(f"Recorded source {key}.")


@source.command("regrade")
@click.argument("key")
@click.argument("reliability", type=RELIABILITY)
@click.option("--reason", required=True, help="Why the grade changes.")
@click.option(
    "--on", metavar="DATE",
    help="From when, in the world, the new grade holds (default: from the start).",
)  # fmt: skip
@pass_session
def source_regrade(
    session: Session, /, key: str, reliability: str, reason: str, on: str | None
) -> None:
    """Grade source KEY anew, A-F. The earlier grade stays in the record:
    a view as of an earlier time (--as-of), or of the world before --on
    (--at), grades by the grade that held then.

    \b
    Example:
      timeline source regrade un-report A --reason "Confirmed by two others" \\
        --on 2024-08
    """
    session.service.regrade_source(key, reliability, reason, on)
    info(f"Regraded source {key}: {reliability.upper()}.")


@source.command("list")
@as_of_option
@at_option
@json_option
@pass_session
def source_list(
    session: Session, /, as_of: str | None, at: str | None, as_json: bool
) -> None:
    """List every source with its grade (as it stood, with --as-of or --at).

    \b
    Example:
      timeline source list --json
    """
    service = session.service
    sources = service.sources(service.clocks(as_of=as_of, at=at))
    if as_json:
        echo_json(sources)
    else:
        from timeline.cli import render

        render.sources_table(sources)


@source.command("show")
@click.argument("key")
@as_of_option
@at_option
@json_option
@pass_session
def source_show(
    session: Session, /, key: str, as_of: str | None, at: str | None, as_json: bool
) -> None:
    """Show source KEY and every grade it had.

    \b
    Example:
      timeline source show un-report
    """
    service = session.service
    found = service.source(key, service.clocks(as_of=as_of, at=at))
    if as_json:
        echo_json(found)
    else:
        from timeline.cli import render

        render.source_view(found)


@cli.command()
@click.argument("slug")
@as_of_option
@at_option
@json_option
@pass_session
def lint(
    session: Session, /, slug: str, as_of: str | None, at: str | None, as_json: bool
) -> None:
    """List what in talks SLUG rests on no source: each entry that cites
    nothing, or nothing better than F6 (unsourced), and each judgement
    (scenario, assessment) that cites no source at all.

    Exits 0 when nothing is found, 1 when something is.

    \b
    Examples:
      timeline lint beijing-talks
      timeline lint beijing-talks --json
    """
    from projections.evidence import graded_entries, unfounded

    service = session.service
    clocks = service.clocks(as_of=as_of, at=at)
    view = service.talks_view(slug, clocks)
    reliability = service.reliability(clocks)
    found = {
        "unsourced": [e._asdict() for e in graded_entries(view, reliability)
                      if e.unsourced],
        "judgements_without_source": [e._asdict()
                                      for e in unfounded(view, reliability)],
    }  # fmt: skip
    for entries in found.values():
        for entry in entries:
            entry["grade"] = str(entry["grade"]) if entry["grade"] else None
    if as_json:
        echo_json(found)
    else:
        from timeline.cli import render

        render.lint_report(slug, found)
    if any(found.values()):
        sys.exit(1)
