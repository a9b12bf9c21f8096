"""Commands that record: each appends events, none rewrites any."""

from __future__ import annotations

from typing import Any

import click

from events.kinds import KINDS
from timeline.cli import Session, cli, info

pass_session = click.make_pass_decorator(Session)

DATES = (
    "YYYY, YYYY-MM or YYYY-MM-DD; ~ approximate (2024-07~), ? uncertain "
    "(2024-07?), % both, or an interval (2024-07-23/2024-07-26)"
)
ON = click.option("--on", metavar="DATE", help=f"When, in the world: {DATES}.")
SOURCES = click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="REF",
    help="A source URL or citation (repeatable).",
)


@cli.group()
def talks() -> None:
    """Open talks and list them.

    \b
    Example:
      timeline talks open geneva-round --title "Geneva round" --location Geneva \\
        --party UKR --party RUS
      timeline talks list
    """


@talks.command("open")
@click.argument("slug")
@click.option("--title", required=True, help="Title of the talks.")
@click.option("--location", required=True, help="Where they are held.")
@click.option(
    "--party",
    "parties",
    multiple=True,
    required=True,
    metavar="ACTOR",
    help="A party: ISO 3166-1 alpha-3 code or registered actor (repeatable).",
)
@ON
@click.option("--summary", help="A short summary.")
@SOURCES
@pass_session
def talks_open(
    session: Session, /, slug: str, parties: tuple[str, ...], **fields: Any
) -> None:
    """Open the record of talks SLUG.

    \b
    Example:
      timeline talks open beijing-talks --title "China-Ukraine talks" \\
        --location Beijing --party CHN --party UKR --source https://example.org/a
    """
    session.service.open_talks(slug, parties=list(parties), **fields)
    info(f"Opened talks {slug}.")


@cli.group()
def agenda() -> None:
    """Agenda items of talks.

    \b
    Example:
      timeline agenda add beijing-talks humanitarian-aid --title "Humanitarian Aid"
    """


@agenda.command("add")
@click.argument("slug")
@click.argument("key")
@click.option("--title", required=True, help="Title of the agenda item.")
@click.option("--detail", help="One-line description.")
@ON
@pass_session
def agenda_add(session: Session, /, slug: str, key: str, **fields: Any) -> None:
    """Add agenda item KEY to talks SLUG.

    \b
    Example:
      timeline agenda add beijing-talks humanitarian-aid --title "Humanitarian Aid"
    """
    session.service.add_agenda_item(slug, key, **fields)
    info(f"Added agenda:{key} to {slug}.")


@cli.group()
def stance() -> None:
    """Where each party stands.

    \b
    Example:
      timeline stance record beijing-talks UKR --position "Seeks support"
    """


@stance.command("record")
@click.argument("slug")
@click.argument("actor")
@click.option("--position", required=True, help="The actor's diplomatic stance.")
@click.option(
    "--interest", "interests", multiple=True, help="A key interest (repeatable)."
)
@ON
@pass_session
def stance_record(session: Session, /, slug: str, actor: str, **fields: Any) -> None:
    """Record ACTOR's stance in talks SLUG; a later one supersedes it in the view.

    \b
    Example:
      timeline stance record beijing-talks CHN \\
        --position "Promotes dialogue and peaceful resolution" \\
        --interest "Stability in Eastern Europe"
    """
    session.service.record_stance(slug, actor, **fields)
    info(f"Recorded stance:{actor} in {slug}.")


@cli.group()
def motive() -> None:
    """What drives each actor.

    \b
    Example:
      timeline motive record beijing-talks CHN "Seeking stability with Russia"
    """


@motive.command("record")
@click.argument("slug")
@click.argument("actor")
@click.argument("text")
@ON
@pass_session
def motive_record(
    session: Session, /, slug: str, actor: str, text: str, on: str | None
) -> None:
    """Record ACTOR's motivation in talks SLUG.

    \b
    Example:
      timeline motive record beijing-talks western-nations "Pressuring China ..."
    """
    session.service.record_motivation(slug, actor, text, on)
    info(f"Recorded motive:{actor} in {slug}.")


@cli.group()
def scenario() -> None:
    """Outcome scenarios and their potential impact.

    \b
    Example:
      timeline scenario add beijing-talks neutral-stance --outcome "Neutral Stance" \\
        --impact "Risk of escalating regional conflicts"
    """


@scenario.command("add")
@click.argument("slug")
@click.argument("key")
@click.option("--outcome", required=True, help="The outcome.")
@click.option("--impact", required=True, help="Its potential impact.")
@ON
@pass_session
def scenario_add(session: Session, /, slug: str, key: str, **fields: Any) -> None:
    """Add outcome scenario KEY to talks SLUG.

    \b
    Example:
      timeline scenario add beijing-talks neutral-stance \\
        --outcome "Neutral Stance" --impact "Risk of escalating regional conflicts"
    """
    session.service.add_scenario(slug, key, **fields)
    info(f"Added scenario:{key} to {slug}.")


@scenario.command("assess")
@click.argument("slug")
@click.argument("key")
@click.option(
    "--likelihood", required=True, metavar="TERM",
    help="An ICD 203 term: almost no chance, very unlikely, unlikely, roughly "
    "even chance, likely, very likely, almost certain.",
)  # fmt: skip
@click.option("--note", help="The grounds for the assessment.")
@ON
@pass_session
def scenario_assess(session: Session, /, slug: str, key: str, **fields: Any) -> None:
    """Assess how likely scenario KEY of talks SLUG is; a later one supersedes it.

    The terms are those of ICD 203, each standing for a range: almost no
    chance (1-5%), very unlikely (5-20%), unlikely (20-45%), roughly even
    chance (45-55%), likely (55-80%), very likely (80-95%), almost certain
    (95-99%).

    \b
    Example:
      timeline scenario assess beijing-talks neutral-stance --likelihood likely \\
        --note "Both sides avoid commitments" --on 2024-07
    """
    session.service.assess_scenario(slug, key, **fields)
    info(f"Recorded assessment:{key} in {slug}.")


@cli.group()
def recommend() -> None:
    """Recommendations and strategic priorities.

    \b
    Example:
      timeline recommend add beijing-talks strengthen-economic-ties \\
        --title "Strengthen Economic Ties" --outcome "Reduced dependency" --for UKR
    """


@recommend.command("add")
@click.argument("slug")
@click.argument("key")
@click.option("--title", required=True, help="The recommendation.")
@click.option("--outcome", help="Its expected outcome.")
@click.option("--detail", help="A longer description.")
@click.option("--for", "audience", metavar="ACTOR", help="Whom it is for.")
@ON
@pass_session
def recommend_add(session: Session, /, slug: str, key: str, **fields: Any) -> None:
    """Add recommendation KEY to talks SLUG.

    Recommendations with an --outcome form the brief's recommendations table;
    those without one are listed as strategic priorities.

    \b
    Example:
      timeline recommend add beijing-talks enhance-military-partnerships \\
        --title "Enhance Military Partnerships" \\
        --outcome "Increased security through joint training exercises" --for UKR
    """
    session.service.add_recommendation(slug, key, **fields)
    info(f"Added recommendation:{key} to {slug}.")


@cli.command()
@click.argument("slug")
@click.argument("text")
@click.option(
    "--on",
    required=True,
    metavar="DATE",
    help=f"When it happened: {DATES}.",
)
@SOURCES
@pass_session
def develop(
    session: Session, slug: str, text: str, on: str, sources: tuple[str, ...]
) -> None:
    """Record a later development of talks SLUG.

    \b
    Example:
      timeline develop beijing-talks --on 2024-07-24 "Second round announced" \\
        --source https://example.org/news
    """
    number = session.service.record_development(slug, on, text, sources)
    info(f"Recorded development:{number} in {slug}.")


AMEND_OPTIONS: dict[str, tuple[str, str, str]] = {
    # amendable field: its option, metavar and help, in the order --help lists
    # them; a test checks each help names the kinds that have the field.
    "interests": ("--interest", "TEXT",
                  "Replace the key interests (stance; repeatable)."),
    "title": ("--title", "TEXT", "New title (talks, agenda, recommendation)."),
    "location": ("--location", "TEXT", "New location (talks)."),
    "summary": ("--summary", "TEXT", "New summary (talks); empty clears it."),
    "detail": ("--detail", "TEXT",
               "New detail (agenda, recommendation); empty clears it."),
    "position": ("--position", "TEXT", "New position (stance)."),
    "text": ("--text", "TEXT", "New text (motive, development)."),
    "outcome": ("--outcome", "TEXT", "New outcome (scenario, recommendation)."),
    "impact": ("--impact", "TEXT", "New potential impact (scenario)."),
    "likelihood": ("--likelihood", "TERM",
                   "New likelihood, an ICD 203 term (assessment)."),
    "note": ("--note", "TEXT", "New note (assessment); empty clears it."),
    "on": ("--on", "DATE",
           "New date (any entry); empty clears it (not a development's)."),
    "audience": ("--for", "ACTOR",
                 "New audience actor (recommendation); empty clears it."),
}  # fmt: skip


def _amend_options(func: Any) -> Any:
    """An option for each field the registry of kinds lets an amendment change."""
    rules = {name: rule for kind in KINDS.values()
             for name, rule in kind.amendable.items()}  # fmt: skip
    for field in reversed([name for name in AMEND_OPTIONS if name in rules]):
        option, metavar, help_text = AMEND_OPTIONS[field]
        func = click.option(
            option, field, metavar=metavar, help=help_text,
            multiple=rules[field] == "texts",
        )(func)  # fmt: skip
    return func


@cli.command()
@click.argument("slug")
@click.argument("ref")
@click.option("--reason", required=True, help="Why the entry is corrected.")
@_amend_options
@pass_session
def amend(
    session: Session, /, slug: str, ref: str, reason: str, **options: Any
) -> None:
    """Correct entry REF of talks SLUG; the original stays in the history.

    REF is `talks`, `agenda:KEY`, `stance:ACTOR`, `motive:ACTOR`,
    `scenario:KEY`, `assessment:KEY`, `recommendation:KEY` or
    `development:N`. A stance, motive or assessment REF names the latest one
    that stands.

    \b
    Example:
      timeline amend beijing-talks scenario:neutral-stance \\
        --impact "Risk of a wider regional conflict" --reason "Misquoted"
    """
    changes = {
        name: value for name, value in options.items() if value not in (None, ())
    }
    session.service.amend(slug, ref, changes, reason)
    info(f"Amended {ref} in {slug}.")


@cli.command()
@click.argument("slug")
@click.argument("ref")
@click.option("--reason", required=True, help="Why the entry is withdrawn.")
@pass_session
def retract(session: Session, /, slug: str, ref: str, reason: str) -> None:
    """Retract entry REF of talks SLUG; it leaves the view, never the history.

    \b
    Example:
      timeline retract beijing-talks agenda:regional-security --reason "Not discussed"
    """
    session.service.retract(slug, ref, reason)
    info(f"Retracted {ref} in {slug}.")


@cli.group()
def actor() -> None:
    """Non-state actors: groups, organizations, persons.

    \b
    Example:
      timeline actor add western-nations --name "Western Nations" --kind group
      timeline actor list
    """


@actor.command("add")
@click.argument("key")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--kind",
    type=click.Choice(["group", "organization", "person"]),
    default="group",
    show_default=True,
    help="What kind of actor.",
)
@pass_session
def actor_add(session: Session, /, key: str, name: str, kind: str) -> None:
    """Register actor KEY (states need no registration: use ISO codes like CHN).

    \b
    Example:
      timeline actor add western-nations --name "Western Nations" --kind group
    """
    session.service.register_actor(key, name, kind)
    info(f"Registered actor {key}.")
