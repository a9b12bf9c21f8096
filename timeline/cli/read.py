"""Commands that read: views, history, the demo and the store's path."""

from __future__ import annotations

import click

from timeline.cli import (
    Session,
    as_of_option,
    at_option,
    cli,
    echo_json,
    info,
    json_option,
    min_grade_option,
    pass_recording,
    pass_session,
)
from timeline.cli.record import actor, scenario, stance, talks


@talks.command("list")
@json_option
@pass_session
def talks_list(session: Session, /, as_json: bool) -> None:
    """List every talks recorded.

    \b
    Example:
      timeline talks list --json
    """
    rows = session.service.talks_list()
    if as_json:
        echo_json(rows)
    else:
        from timeline.cli import render

        render.talks_table(rows)


@actor.command("list")
@json_option
@pass_session
def actor_list(session: Session, /, as_json: bool) -> None:
    """List registered non-state actors.

    \b
    Example:
      timeline actor list
    """
    actors = session.service.actors()
    if as_json:
        echo_json(actors)
    else:
        from timeline.cli import render

        render.actors_table(actors)


@cli.command()
@click.argument("slug")
@click.option(
    "--rows", type=click.IntRange(1, 1_000_000_000), default=25, show_default=True,
    help="Show the latest N entries of each table.",
)  # fmt: skip
@click.option("--all", "all_rows", is_flag=True, help="Show every entry.")
@as_of_option
@at_option
@min_grade_option
@json_option
@pass_session
def show(
    session: Session, /, slug: str, rows: int, all_rows: bool, as_of: str | None,
    at: str | None, min_grade: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Show the current view of talks SLUG.

    Parties, agenda, stances, motivations, scenarios, recommendations and
    developments as they stand now: later stances supersede earlier ones,
    amendments apply, retracted entries are left out (see `history`).
    Each table shows its latest --rows entries and says how many it left
    out. With --json, every entry is included, retracted ones flagged.
    --as-of shows the view as it was recorded then, before any later
    amendment or retraction; --at shows the world on a date, as known now.
    The evidence table gives each entry's grade (B2: a usually reliable
    source, probably true) and what it cites, and marks those resting on no
    source better than F6 unsourced; --min-grade keeps only entries backed
    by a citation graded at least that well.

    \b
    Examples:
      timeline show beijing-talks
      timeline show beijing-talks --all --min-grade B3
      timeline show beijing-talks --as-of 2024-03-01 --at 2024-02
    """
    service = session.service
    clocks = service.clocks(as_of=as_of, at=at)
    view = service.talks_view(slug, clocks, min_grade)
    if as_json:
        echo_json(view)
    else:
        from projections.evidence import graded_entries
        from timeline.cli import render

        if clocks.as_of or clocks.at:
            recorded = f"as recorded by {clocks.as_of}" if as_of else "as known now"
            world = f"the world on {at} (to {clocks.at})" if at else "now"
            info(f"{slug}: {world}, {recorded}.")
        graded = graded_entries(view, service.reliability(clocks))
        render.talks_view(view, rows=None if all_rows else rows, graded=graded)


@cli.command()
@click.argument("slug")
@as_of_option
@json_option
@pass_session
def history(session: Session, /, slug: str, as_of: str | None, as_json: bool) -> None:
    """List every stored event of talks SLUG, in the order recorded.

    Amendments and retractions show with their reason and who recorded them.

    \b
    Examples:
      timeline history beijing-talks --json
      timeline history beijing-talks --as-of 2024-03-01
    """
    entries = session.service.history(slug, as_of)
    if as_json:
        echo_json(entries)
    else:
        from timeline.cli import render

        render.history_table(entries)


@cli.command()
@json_option
@pass_recording
def demo(session: Session, /, as_json: bool) -> None:
    """Record the seed case, talks in Beijing, and show it.

    Running it again adds nothing.

    \b
    Example:
      timeline demo
    """
    slug, recorded = session.service.record_demo()
    if recorded:
        info(f"Recorded the demo talks {slug} in {session.service.where}.")
    else:
        info(f"The demo talks {slug} are already recorded; nothing added.")
    click.get_current_context().invoke(show, slug=slug, as_json=as_json)


@cli.group()
def db() -> None:
    """The store: which one, what it holds, copying it.

    \b
    A store is a SQLite file (the default) or a schema of a PostgreSQL
    database, named by --db or TIMELINE_DB:
      postgresql://user[:password]@host[:port]/dbname[?schema=NAME]

    \b
    Examples:
      timeline db info
      timeline --db postgresql://analyst@db.example.org/timeline db info --json
    """


@db.command("info")
@json_option
@pass_session
def db_info(session: Session, /, as_json: bool) -> None:
    """Show the store in use: its backend, where it is (a password is never
    shown), how many events it holds, its head position and each view's.

    \b
    Examples:
      timeline db info
      TIMELINE_DB=/tmp/t.sqlite timeline db info --json
    """
    store = session.service.store_info()
    if as_json:
        echo_json(store)
        return
    behind = max((view["lag"] for view in store["views"]), default=0)
    click.echo(f"backend:  {store['backend']}")
    click.echo(f"location: {store['location']}")
    click.echo(f"events:   {store['events']:,}")
    click.echo(f"head:     {store['head']:,}")
    click.echo(f"views:    {'current' if not behind else f'{behind:,} behind'}")


@db.command("path")
@pass_session
def db_path(session: Session, /) -> None:
    """Print where the store is: the SQLite file, or the PostgreSQL URL with
    its password masked (see `db info` for more).

    \b
    Example:
      TIMELINE_DB=/tmp/t.sqlite timeline db path
    """
    click.echo(session.service.where)


@stance.command("history")
@click.argument("slug")
@click.argument("actor", required=False)
@as_of_option
@json_option
@pass_session
def stance_history(
    session: Session, /, slug: str, actor: str | None, as_of: str | None, as_json: bool
) -> None:
    """List every stance recorded in talks SLUG (of ACTOR), as it stands.

    Each with its valid date (when it was held) and its record time (when
    it was recorded), amended text as it now reads, retracted ones flagged;
    the stance in force is the latest that stands.

    \b
    Examples:
      timeline stance history beijing-talks CHN
      timeline stance history beijing-talks --as-of 2024-03-01 --json
    """
    service = session.service
    rows = service.stance_history(slug, actor, service.clocks(as_of=as_of))
    if as_json:
        echo_json(rows)
    else:
        from timeline.cli import render

        render.stances_table(rows)


@scenario.command("list")
@click.argument("slug")
@as_of_option
@at_option
@json_option
@pass_session
def scenario_list(
    session: Session, /, slug: str, as_of: str | None, at: str | None, as_json: bool
) -> None:
    """List the outcome scenarios of talks SLUG with their likelihood.

    Each scenario shows its latest assessment that stands, in ICD 203
    terms with their probability ranges, and every assessment before it.

    \b
    Examples:
      timeline scenario list beijing-talks
      timeline scenario list beijing-talks --as-of 2024-03-01 --json
    """
    service = session.service
    scenarios = service.scenarios(slug, service.clocks(as_of=as_of, at=at))
    if as_json:
        echo_json(scenarios)
    else:
        from timeline.cli import render

        render.scenarios_table(scenarios)
