"""Commands that read: views, history, the demo and the store's path."""

from __future__ import annotations

import click

from timeline.cli import State, cli, echo_json, info, json_option
from timeline.cli.record import actor, talks

pass_state = click.make_pass_decorator(State)


@talks.command("list")
@json_option
@pass_state
def talks_list(state: State, /, as_json: bool) -> None:
    """List every talks recorded.

    \b
    Example:
      timeline talks list --json
    """
    rows = state.queries.talks_list()
    if as_json:
        echo_json(rows)
    else:
        from timeline.cli import render

        render.talks_table(rows)


@actor.command("list")
@json_option
@pass_state
def actor_list(state: State, /, as_json: bool) -> None:
    """List registered non-state actors.

    \b
    Example:
      timeline actor list
    """
    actors = state.queries.actors()
    if as_json:
        echo_json(actors)
    else:
        from timeline.cli import render

        render.actors_table(actors)


@cli.command()
@click.argument("slug")
@click.option(
    "--rows", type=click.IntRange(min=1), default=25, show_default=True,
    help="Show the latest N entries of each table.",
)  # fmt: skip
@click.option("--all", "all_rows", is_flag=True, help="Show every entry.")
@json_option
@pass_state
def show(state: State, /, slug: str, rows: int, all_rows: bool, as_json: bool) -> None:
    """Show the current view of talks SLUG.

    Parties, agenda, stances, motivations, scenarios, recommendations and
    developments as they stand now: later stances supersede earlier ones,
    amendments apply, retracted entries are left out (see `history`).
    Each table shows its latest --rows entries and says how many it left
    out. With --json, every entry is included, retracted ones flagged.

    \b
    Examples:
      timeline show beijing-talks
      timeline show beijing-talks --all
    """
    view = state.queries.talks_view(slug)
    if as_json:
        echo_json(view)
    else:
        from timeline.cli import render

        render.talks_view(view, rows=None if all_rows else rows)


@cli.command()
@click.argument("slug")
@json_option
@pass_state
def history(state: State, /, slug: str, as_json: bool) -> None:
    """List every stored event of talks SLUG, in the order recorded.

    \b
    Example:
      timeline history beijing-talks --json
    """
    entries = state.app.history(slug)
    if as_json:
        echo_json(entries)
    else:
        from timeline.cli import render

        render.history_table(entries)


@cli.command()
@json_option
@pass_state
def demo(state: State, /, as_json: bool) -> None:
    """Record the seed case, talks in Beijing, and show it.

    Running it again adds nothing.

    \b
    Example:
      timeline demo
    """
    from timeline.casefile import demo_case, record_case

    case = demo_case()
    if record_case(state.app, case):
        info(f"Recorded the demo talks {case.talks.slug} in {state.settings.db_path}.")
    else:
        info(f"The demo talks {case.talks.slug} are already recorded; nothing added.")
    click.get_current_context().invoke(show, slug=case.talks.slug, as_json=as_json)


@cli.group()
def db() -> None:
    """The store.

    \b
    Example:
      timeline db path
    """


@db.command("path")
@pass_state
def db_path(state: State, /) -> None:
    """Print the path of the SQLite file in use.

    \b
    Example:
      TIMELINE_DB=/tmp/t.sqlite timeline db path
    """
    click.echo(str(state.settings.db_path))
