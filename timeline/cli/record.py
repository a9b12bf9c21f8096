"""Commands that record: each appends events, none rewrites any."""

from __future__ import annotations

from typing import Any

import click

from events.kinds import KINDS
from timeline.cli import Session, cli, info, pass_recording

pass_session = click.make_pass_decorator(Session)

DATES = (
    "EDTF levels 0 and 1: YYYY, YYYY-MM or YYYY-MM-DD; unspecified digits "
    "(201X, 2024-07-XX); a season (2024-21 spring ... -24 winter); ~ approximate "
    "(2024-07~), ? uncertain, % both; a time (2015-02-15T00:00+02:00); or an "
    "interval (2024-07-23/2024-07-26), open (2014-04-07/..) or unknown "
    "(2014-04-07/) at an end"
)
ON = click.option("--on", metavar="DATE", help=f"When, in the world: {DATES}.")
SOURCES = click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="REF",
    help="A source URL or citation (repeatable).",
)
CITES = click.option(
    "--cite",
    "cites",
    multiple=True,
    metavar="KEY[:CRED][@LOC]",
    help="Cite recorded source KEY, with the credibility of what it says (1"
    " confirmed ... 5 improbable, 6 cannot be judged, the default) and where"
    " in it (repeatable): --cite un-report:2@p.4.",
)
TAGS = click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    help="File the entry under TAG, one lowercase word such as ceasefire or"
    " grain-deal (repeatable).",
)


@cli.group()
def talks() -> None:
    """Open talks, list them, and link them to one another.

    \b
    Example:
      timeline talks open geneva-round --title "Geneva round" --location Geneva \\
        --party UKR --party RUS
      timeline talks link geneva-round geneva-process --as part-of
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
@TAGS
@CITES
@pass_recording  # talks are where a record begins: they may make the store
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


@talks.command("link")
@click.argument("slug")
@click.argument("target")
@click.option(
    "--as", "relation", required=True,
    type=click.Choice(["follows", "supersedes", "part-of", "related"]),
    help="How talks SLUG relate to talks TARGET.",
)  # fmt: skip
@click.option("--note", help="Why, or what the relation rests on.")
@ON
@TAGS
@CITES
@pass_session
def talks_link(
    session: Session, /, slug: str, target: str, relation: str, **fields: Any
) -> None:
    """Record that talks SLUG follow, supersede, are part of, or are related
    to talks TARGET.

    The link is an entry of SLUG (`link:TARGET`), read from both ends: `show`
    lists it on both talks, `events --talks SLUG --with-linked` reads every
    talks linked to SLUG, and the html page draws linked talks side by side.
    Amend it to change the relation; `talks unlink` withdraws it.

    \b
    Examples:
      timeline talks link minsk-ii minsk-protocol --as supersedes
      timeline talks link geneva-round-2 geneva-process --as part-of
    """
    session.service.link_talks(slug, target, relation, **fields)
    info(f"Linked {slug} to {target} ({relation}): link:{target}.")


@talks.command("unlink")
@click.argument("slug")
@click.argument("target")
@click.option("--reason", required=True, help="Why the link is withdrawn.")
@pass_session
def talks_unlink(session: Session, /, slug: str, target: str, reason: str) -> None:
    """Withdraw the link from talks SLUG to talks TARGET: the retraction of
    `link:TARGET`, which stays in the history. The talks may be linked again.

    \b
    Example:
      timeline talks unlink minsk-ii minsk-protocol --reason "Recorded in error"
    """
    session.service.retract(slug, f"link:{target}", reason)
    info(f"Unlinked {slug} from {target}.")


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
@TAGS
@CITES
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
@TAGS
@CITES
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
@TAGS
@CITES
@pass_session
def motive_record(
    session: Session, /, slug: str, actor: str, text: str, on: str | None,
    tags: tuple[str, ...], cites: tuple[str, ...],
) -> None:  # fmt: skip
    """Record ACTOR's motivation in talks SLUG.

    \b
    Example:
      timeline motive record beijing-talks western-nations "Pressuring China ..."
    """
    session.service.record_motivation(slug, actor, text, on, tags, cites)
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
@TAGS
@CITES
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
@click.option(
    "--confidence", type=click.Choice(["low", "moderate", "high"]),
    help="How well founded the judgement is, apart from how likely the"
    " outcome is.",
)  # fmt: skip
@click.option("--note", help="The grounds for the assessment.")
@ON
@TAGS
@CITES
@pass_session
def scenario_assess(session: Session, /, slug: str, key: str, **fields: Any) -> None:
    """Assess how likely scenario KEY of talks SLUG is; a later one supersedes it.

    The terms are those of ICD 203, each standing for a range: almost no
    chance (1-5%), very unlikely (5-20%), unlikely (20-45%), roughly even
    chance (45-55%), likely (55-80%), very likely (80-95%), almost certain
    (95-99%). ICD 203 asks for the analyst's confidence beside it: low,
    moderate or high. An assessment that repeats the likelihood and
    confidence standing changes nothing and is refused: amend
    assessment:KEY to change its note or date.

    \b
    Example:
      timeline scenario assess beijing-talks neutral-stance --likelihood likely \\
        --confidence moderate --note "Both sides avoid commitments" --on 2024-07
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
@TAGS
@CITES
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
@click.option(
    "--actor", "actors", multiple=True, metavar="ACTOR",
    help="An actor it concerns: ISO 3166-1 alpha-3 code or registered actor"
    " (repeatable).",
)  # fmt: skip
@TAGS
@CITES
@pass_session
def develop(
    session: Session, slug: str, text: str, on: str, sources: tuple[str, ...],
    actors: tuple[str, ...], tags: tuple[str, ...], cites: tuple[str, ...],
) -> None:  # fmt: skip
    """Record a later development of talks SLUG.

    Name the actors it concerns with --actor, so that `events --actor`
    finds it.

    \b
    Example:
      timeline develop minsk-ii --on 2022-02-21 \\
        "Russia recognises the Donetsk and Luhansk People's Republics" \\
        --actor RUS --tag recognition --source https://example.org/news
    """
    number = session.service.record_development(
        slug, on, text, sources, actors, tags, cites
    )
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
    "confidence": ("--confidence", "LEVEL",
                   "New confidence: low, moderate or high (assessment); empty"
                   " clears it."),
    "note": ("--note", "TEXT", "New note (assessment, link); empty clears it."),
    "relation": ("--as", "RELATION",
                 "New relation: follows, supersedes, part-of or related (link)."),
    "actors": ("--actor", "ACTOR",
               "Replace the actors it concerns (development; repeatable);"
               " --actor '' clears them."),
    "on": ("--on", "DATE",
           "New date (any entry); empty clears it (not a development's)."),
    "audience": ("--for", "ACTOR",
                 "New audience actor (recommendation); empty clears it."),
    "tags": ("--tag", "TAG",
             "Replace the tags (any entry): repeatable; --tag '' clears them."),
    "cites": ("--cite", "KEY[:CRED][@LOC]",
              "Add a citation of a recorded source (any entry): repeatable; one"
              " of a source cited already replaces it."),
}  # fmt: skip
LISTS = ("texts", "actors", "tags", "citations")
"""Rules of fields that hold a list: their option is repeated."""


def _amend_options(func: Any) -> Any:
    """An option for each field the registry of kinds lets an amendment change."""
    rules = {name: rule for kind in KINDS.values()
             for name, rule in kind.amendable.items()}  # fmt: skip
    for field in reversed([name for name in AMEND_OPTIONS if name in rules]):
        option, metavar, help_text = AMEND_OPTIONS[field]
        func = click.option(
            option, field, metavar=metavar, help=help_text,
            multiple=rules[field] in LISTS,
        )(func)  # fmt: skip
    return func


@cli.command()
@click.argument("slug")
@click.argument("ref")
@click.option("--reason", required=True, help="Why the entry is corrected.")
@_amend_options
@click.option(
    "--uncite", "uncite", multiple=True, metavar="KEY",
    help="Withdraw the entry's citation of source KEY (repeatable).",
)  # fmt: skip
@pass_session
def amend(
    session: Session, /, slug: str, ref: str, reason: str,
    cites: tuple[str, ...], uncite: tuple[str, ...], **options: Any,
) -> None:  # fmt: skip
    """Correct entry REF of talks SLUG; the original stays in the history.

    REF is `talks`, `agenda:KEY`, `stance:ACTOR`, `motive:ACTOR`,
    `scenario:KEY`, `assessment:KEY`, `recommendation:KEY`, `development:N`
    or `link:SLUG`. A stance, motive or assessment REF names the latest one
    that stands. Only the fields that would change are recorded; an
    amendment that changes nothing is refused.

    \b
    Examples:
      timeline amend beijing-talks scenario:neutral-stance \\
        --impact "Risk of a wider regional conflict" --reason "Misquoted"
      timeline amend beijing-talks stance:CHN --cite mfa-readout:2 \\
        --uncite blog-post --reason "Confirmed by the readout"
    """
    changes = {
        name: value for name, value in options.items() if value not in (None, ())
    }
    _check_amendable(ref, {**changes, **({"cites": cites} if cites or uncite else {})})
    session.service.amend(slug, ref, changes, reason, cite=cites, uncite=uncite)
    info(f"Amended {ref} in {slug}.")


def _check_amendable(ref: str, changes: dict[str, Any]) -> None:
    """Refuse, naming options as they are typed, what the domain would
    refuse naming fields: no change, or a field the entry has not got."""
    from events.kinds import parse_ref

    kind = parse_ref(ref)[0]
    amendable = KINDS[kind].amendable
    spelled = ", ".join(AMEND_OPTIONS[name][0] for name in amendable)
    if not changes:
        raise click.ClickException(f"nothing to amend: give at least one of {spelled}")
    if foreign := [AMEND_OPTIONS[name][0] for name in changes if name not in amendable]:
        raise click.ClickException(
            f"{kind} entries have no {', '.join(foreign)} to amend; they take {spelled}"
        )


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
@pass_recording  # as talks may: an actor may be registered first
def actor_add(session: Session, /, key: str, name: str, kind: str) -> None:
    """Register actor KEY (states need no registration: use ISO codes like CHN).

    \b
    Example:
      timeline actor add western-nations --name "Western Nations" --kind group
    """
    session.service.register_actor(key, name, kind)
    info(f"Registered actor {key}.")
