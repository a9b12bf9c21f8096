"""Commands over the views: the timeline across talks, search, and upkeep."""

from __future__ import annotations

import sys

import click

from timeline.cli import State, cli, echo_json, info, json_option

pass_state = click.make_pass_decorator(State)


@cli.command()
@click.option("--talks", "slug", metavar="SLUG", help="Only these talks.")
@click.option("--actor", metavar="ACTOR", help="Only entries concerning this actor.")
@click.option(
    "--kind",
    type=click.Choice(["talks", "stance", "development"]),
    help="Only this kind of entry.",
)
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="At most this many entries; 0 for all.")  # fmt: skip
@json_option
@pass_state
def events(
    state: State, /, slug: str | None, actor: str | None, kind: str | None,
    limit: int, as_json: bool,
) -> None:  # fmt: skip
    """List what happened across all talks, in the order it happened.

    Talks, stances and developments, dated ones in valid-time order (by the
    earliest day their date can mean), undated ones last in the order
    recorded. Retracted entries are left out; amended ones show as they
    stand now.

    \b
    Example:
      timeline events --actor CHN
      timeline events --talks beijing-talks --kind development --limit 0 --json
    """
    rows = state.queries.timeline(slug=slug, actor=actor, kind=kind, limit=limit)
    if as_json:
        echo_json(rows)
    else:
        from timeline.cli import render

        render.timeline_table(rows)


@cli.command()
@click.argument("query")
@click.option("--talks", "slug", metavar="SLUG", help="Only these talks.")
@json_option
@pass_state
def search(state: State, /, query: str, slug: str | None, as_json: bool) -> None:
    """Find entries whose text contains every word of QUERY, best first.

    Searches titles, locations, summaries, positions, interests,
    motivations, outcomes, impacts, recommendations, developments and
    sources. Retracted text is not found; amended text is found as it stands
    now. End a word with * to match its prefix.

    \b
    Example:
      timeline search "regional security"
      timeline search trad* --talks beijing-talks --json
    """
    hits = state.queries.search(query, slug)
    if as_json:
        echo_json(hits)
    else:
        from timeline.cli import render

        render.search_table(hits)


@cli.group()
def projections() -> None:
    """The views the queries read, and their positions in the store.

    \b
    Example:
      timeline projections status
      timeline projections rebuild search
    """


@projections.command("status")
@json_option
@pass_state
def projections_status(state: State, /, as_json: bool) -> None:
    """Show each view's position, the store's head and how far behind it is.

    \b
    Example:
      timeline projections status --json
    """
    rows = state.queries.status()
    if as_json:
        echo_json(rows)
    else:
        from timeline.cli import render

        render.status_table(rows)


@projections.command("rebuild")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@json_option
@pass_state
def projections_rebuild(state: State, /, names: tuple[str, ...], as_json: bool) -> None:
    """Empty views NAME... (default: all) and replay every event into them.

    \b
    Example:
      timeline projections rebuild
      timeline projections rebuild search timeline
    """
    app = state.app
    chosen = list(names) or app.views.names()
    app.views.require(chosen)
    with click.progressbar(
        length=app.views.head(), label="Rebuilding " + ", ".join(chosen),
        file=sys.stderr,
    ) as bar:  # fmt: skip
        replayed = app.rebuild(chosen, progress=bar.update)
    if as_json:
        echo_json({"rebuilt": chosen, "events": replayed, "views": app.views.status()})
    else:
        info(f"Rebuilt {', '.join(chosen)} from {replayed:,} events.")
