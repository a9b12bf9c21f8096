"""Commands over the views: the timeline across talks, search, and upkeep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from events.kinds import KINDS
from timeline.cli import (
    Session,
    as_of_option,
    at_option,
    cli,
    echo_json,
    info,
    json_option,
    min_grade_option,
)

if TYPE_CHECKING:
    from timeline.follow import Followed

pass_session = click.make_pass_decorator(Session)


@cli.command()
@click.option("--talks", "slug", metavar="SLUG", help="Only these talks.")
@click.option(
    "--with-linked", is_flag=True,
    help="With --talks: also every talks linked to them, directly or through"
    " others (a whole process).",
)  # fmt: skip
@click.option("--actor", metavar="ACTOR", help="Only entries concerning this actor.")
@click.option("--tag", metavar="TAG", help="Only entries filed under this tag.")
@click.option("--kind", type=click.Choice(list(KINDS)), help="Only this kind of entry.")
@click.option(
    "--since", metavar="DATE", help="Only entries dated on or after DATE (valid time)."
)
@click.option(
    "--until", metavar="DATE", help="Only entries dated on or before DATE (valid time)."
)
@as_of_option
@at_option
@click.option(
    "--limit",
    type=click.IntRange(0, 1_000_000_000),
    default=100,
    show_default=True,
    help="At most this many entries; 0 for all.",
)
@click.option(
    "--offset", type=click.IntRange(0, 1_000_000_000), default=0, metavar="N",
    help="Skip the first N entries: --offset 100 reads the second page of 100.",
)  # fmt: skip
@min_grade_option
@json_option
@pass_session
def events(
    session: Session, /, slug: str | None, with_linked: bool, actor: str | None,
    tag: str | None, kind: str | None, since: str | None, until: str | None,
    as_of: str | None, at: str | None, limit: int, offset: int,
    min_grade: str | None, as_json: bool,
) -> None:  # fmt: skip
    """List what happened across all talks, in the order it happened.

    Every entry (talks, agenda items, stances, motivations, scenarios and
    their assessments, recommendations, developments, links), dated ones in
    valid-time order (by the earliest day their date can mean), undated ones
    last in the order recorded; each with its talks, actors, sources and
    record time. Retracted entries are left out; amended ones show as they
    stand now. --since and --until keep dated entries only. A development
    concerns the actors it names (`develop --actor`). Each entry's grade is
    its best citation's (B2), by the sources' grades on the same clocks.

    It stops at --limit, saying so on stderr. With --json it prints
    {"entries": [...], "total": N, "next": OFFSET}: the page, how many
    entries there are in all, and the --offset of the next page (null on
    the last).

    \b
    Examples:
      timeline events --actor CHN
      timeline events --talks minsk-ii --with-linked --tag ceasefire
      timeline events --talks beijing-talks --kind development --limit 0 --json
      timeline events --json --offset 100
      timeline events --since 2024-07 --until 2024-09
      timeline events --as-of 2024-03-01 --at 2024-02
      timeline events --talks beijing-talks --min-grade B3
    """
    service = session.service
    clocks = service.clocks(as_of=as_of, at=at, since=since, until=until)
    filters: dict[str, Any] = {"slug": slug, "actor": actor, "tag": tag,
                               "kind": kind, "with_linked": with_linked,
                               "min_grade": min_grade}  # fmt: skip
    rows = service.entries(clocks, limit=limit, offset=offset, **filters)
    if (limit and len(rows) == limit) or (offset and not rows):
        total = service.count_entries(clocks, **filters)  # there may be more
    else:  # the page reached the end
        total = offset + len(rows)
    following = offset + len(rows) if offset + len(rows) < total else None
    if as_json:
        echo_json({"entries": rows, "total": total, "next": following})
        return
    from timeline.cli import render

    render.timeline_table(rows)
    if following is not None:
        info(_stopped(offset, len(rows), total))


def _stopped(offset: int, shown: int, total: int) -> str:
    """What ``events`` says when it stops before the last entry."""
    if not offset:
        return f"showing {shown:,} of {total:,}; --limit 0 for all"
    return (
        f"showing {offset + 1:,} to {offset + shown:,} of {total:,};"
        f" --offset {offset + shown} for the next"
    )


@cli.command()
@click.argument("query")
@click.option("--talks", "slug", metavar="SLUG", help="Only these talks.")
@click.option("--tag", metavar="TAG", help="Only entries filed under this tag.")
@click.option(
    "--since", metavar="DATE", help="Only entries dated on or after DATE (valid time)."
)
@click.option(
    "--until", metavar="DATE", help="Only entries dated on or before DATE (valid time)."
)
@min_grade_option
@json_option
@pass_session
def search(
    session: Session, /, query: str, slug: str | None, tag: str | None,
    since: str | None, until: str | None, min_grade: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Find entries whose text matches QUERY, best first.

    Searches titles, locations, summaries, positions, interests,
    motivations, outcomes, impacts, recommendations, developments and
    sources. Retracted text is not found; amended text is found as it stands
    now. Shows the 20 best of the 2,000 most recently recorded matches that
    pass --talks, --tag, --since and --until.

    \b
    QUERY is terms, all of which must match:
      ceasefire monitoring   both words, anywhere in the entry
      "prisoner exchange"    these words one after the other (a phrase)
      ceasefire OR truce     either word
      negot*                 any word beginning so

    OR, in capitals, joins the terms beside it: ceasefire OR truce talks
    finds either of the two, and talks. Words match in any English form
    ("agreement" finds "Agreements", "negotiate" finds "negotiations"),
    whatever their case and accents; common words ("the", "of") count as
    any other. Keep a prefix short: words are indexed by their stem
    (negotiations as "negoti"), so negot* finds them and negotiat* does not.
    Nothing else is an operator: AND, NOT, a minus sign, brackets and other
    punctuation are read as text, and a quote left open runs to the end of
    QUERY.

    --since and --until keep entries whose date reaches into the range, as
    events does; undated ones are left out.

    \b
    Examples:
      timeline search "regional security"
      timeline search '"prisoner exchange" ceasefire OR truce'
      timeline search 'negot*' --talks beijing-talks --json
      timeline search sanctions --tag ceasefire --since 2024-07 --until 2024-09
      timeline search ceasefire --min-grade B2
    """
    service = session.service
    clocks = service.clocks(since=since, until=until)
    hits = service.search(query, slug, tag=tag, clocks=clocks, min_grade=min_grade)
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
@pass_session
def projections_status(session: Session, /, as_json: bool) -> None:
    """Show each view's position, the store's head and how far behind it is.

    \b
    Example:
      timeline projections status --json
    """
    rows = session.service.status()
    if as_json:
        echo_json(rows)
    else:
        from timeline.cli import render

        render.status_table(rows)


@projections.command("rebuild")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@json_option
@pass_session
def projections_rebuild(
    session: Session, /, names: tuple[str, ...], as_json: bool
) -> None:
    """Empty views NAME... (default: all) and replay every event into them.

    In a store of 50,000 events or more, a worker process per group of views
    replays them side by side (on a machine with two cores or more). If it is
    interrupted, the views keep what they applied and the next query goes on.

    \b
    Example:
      timeline projections rebuild
      timeline projections rebuild search timeline
    """
    rebuilt = session.service.rebuild(names)
    if as_json:
        echo_json(rebuilt)
    else:
        chosen, events = ", ".join(rebuilt["rebuilt"]), rebuilt["events"]
        info(f"Rebuilt {chosen} from {events:,} events.")


@projections.command("follow")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01, max=3600),
    default=0.2,
    show_default=True,
    metavar="SECONDS",
    help="SQLite: how often to look for new events. PostgreSQL notifies instead.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object per line on stdout, instead of text on stderr.",
)
@pass_session
def projections_follow(session: Session, /, interval: float, as_json: bool) -> None:
    """Keep every view current as events are recorded, until stopped.

    Applies each new batch of events to the views as soon as any process,
    on any machine, records it: on PostgreSQL it wakes on the store's
    notifications (LISTEN/NOTIFY), on SQLite it looks at the store every
    --interval. It prints a line per batch applied (a progress bar when far
    behind), stops cleanly on Ctrl-C (SIGINT) or SIGTERM, and a restart goes
    on from the views' positions. If the connection to the store is lost, it
    says so on one line and tries again every few seconds. Without it,
    queries catch the views up themselves; with it, they find them current.

    \b
    Examples:
      timeline projections follow
      timeline projections follow --interval 1 --json >> follow.jsonl
      TIMELINE_DB='postgresql://timeline@db.example.org/record' \\
        timeline projections follow

    \b
    As a service, e.g. with systemd (~/.config/systemd/user/timeline-follow.service):
      [Unit]
      Description=Keep the timeline's views current
      [Service]
      Environment=TIMELINE_DB=postgresql://timeline@db.example.org/record
      ExecStart=/path/to/venv/bin/timeline projections follow
      Restart=on-failure
      [Install]
      WantedBy=default.target
    then: systemctl --user enable --now timeline-follow
    (stopping the service sends SIGTERM: it exits 0; a failed start, such as
    a server not up yet, exits 1 and systemd starts it again)
    """
    import signal

    def report(followed: Followed) -> None:
        if as_json:
            import orjson

            click.echo(orjson.dumps(followed).decode())
        else:
            info(_followed_line(followed, session.service.where))

    session.service.follow(
        report, interval=interval, stop_on=(signal.SIGINT, signal.SIGTERM)
    )


def _followed_line(followed: Followed, where: str) -> str:
    """One event of ``projections follow`` as a line for a person."""
    event = followed["event"]
    position = f"views at position {followed.get('position', 0):,}"
    if event == "started":
        how = (
            "waiting for notifications"
            if followed.get("waits_on") == "notifications"
            else f"looking every {followed.get('interval', 0) * 1000:g} ms"
        )
        head = followed.get("head", 0)
        return f"following {where} ({how}); {position}, head {head:,}"
    if event == "applied":
        count = followed.get("events", 0)
        return f"applied {count:,} event{'' if count == 1 else 's'}, {position}"
    if event == "lost":
        pause = followed.get("retry_in", 0)
        error = followed.get("error", "")
        return f"lost the store ({error}); trying again in {pause:g} s, then on"
    if event == "back":
        return f"the store answers again; {position}"
    return f"stopped; {position}"


@cli.command()
@click.argument("slug")
@click.option(
    "--from",
    "since",
    required=True,
    metavar="TIME",
    help="Changes recorded after TIME (record time, ISO 8601 or a date).",
)
@click.option(
    "--to",
    "until",
    metavar="TIME",
    help="...and by TIME (record time).  [default: now]",
)
@json_option
@pass_session
def diff(
    session: Session, /, slug: str, since: str, until: str | None, as_json: bool
) -> None:  # fmt: skip
    """List what changed in talks SLUG between two record times.

    Entries added, amended (with the fields before and after) and retracted
    (with the reason), and stances, motivations and scenario likelihoods that
    replaced the ones standing before; in the order recorded. A bare date
    means the end of that day (UTC).

    \b
    Examples:
      timeline diff beijing-talks --from 2024-03-01
      timeline diff beijing-talks --from 2024-03-01 --to 2024-06-30T12:00Z --json
    """
    changes = session.service.changes(slug, since, until)
    if as_json:
        echo_json(changes)
    else:
        from timeline.cli import render

        render.changes_table(changes)
