"""The brief of one talks as plain data, which the Markdown and HTML pages render.

A brief is the talks' facts and a table per kind of entry that has any, in
the order a reader wants them: agenda, stances, motivations, scenarios, then
the recommendations split in two (those without an outcome are the strategic
priorities), then developments. Both formats take their titles, headers and
rows from here, so the two pages cannot drift apart; each only decides how a
table looks. Cells are the recorded text, verbatim and unescaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from events import is_country_code
from events.grades import RELIABILITY, Reliability
from events.likelihood import assessed
from projections.evidence import graded_entries, held, standing_entries
from projections.sources import SourceView
from projections.talks import (
    Recommendation,
    Scenario,
    TalksView,
    current,
    latest,
    standing,
)


@dataclass(frozen=True)
class Sources:
    """A cell listing sources: each format links or joins them its own way."""

    sources: tuple[str, ...]


Cell = str | Sources
"""A table cell: recorded text, or the sources of an entry."""


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    listed: bool = False
    """Each row is a name and its detail: a list more than a table, which a
    format may write as one (Markdown does)."""


@dataclass(frozen=True)
class Brief:
    view: TalksView
    parties: str
    tables: list[Table]


def brief(view: TalksView, sources: Sequence[SourceView] = ()) -> Brief:
    """One talks: its facts, then a table per kind of entry that has any,
    then what each entry cites and the ``sources`` it names (as they stood
    on the snapshot's clocks). A column that only some entries fill
    (likelihood, actors, tags) is left out when none does, so the demo's
    tables are the article's own."""
    reliability = held(sources)
    tables = [
        _agenda(view),
        _stances(view),
        _motivations(view),
        _scenarios(view),
        *_recommendations(view),
        _developments(view),
        _links(view),
        _evidence(view, reliability),
        _sources(view, sources),
    ]
    return Brief(
        view=view,
        parties=", ".join(f"{p['name']} ({p['code']})" for p in view["parties"]),
        tables=[_filled(table) for table in tables if table.rows],
    )


OPTIONAL = ("Likelihood", "Actors", "Tags", "Note", "Publisher", "Published", "Link")
"""Columns left out of a table when no row fills them."""


def _filled(table: Table) -> Table:
    keep = [
        i for i, name in enumerate(table.header)
        if name not in OPTIONAL or any(row[i] for row in table.rows)
    ]  # fmt: skip
    return replace(
        table,
        header=tuple(table.header[i] for i in keep),
        rows=[tuple(row[i] for i in keep) for row in table.rows],
    )


def tags(entry: Any) -> str:
    """An entry's tags as a cell: ``ceasefire, prisoners``."""
    return ", ".join(entry.get("tags") or ())


def _agenda(view: TalksView) -> Table:
    rows: list[tuple[Cell, ...]]
    rows = [(item["title"], item["detail"] or "") for item in standing(view["agenda"])]
    return Table("Agenda", ("Item", "Detail"), rows, listed=True)


def _stances(view: TalksView) -> Table:
    stances = current(view["stances"])
    header = (
        _who(s["actor"] for s in stances), "Diplomatic Stance", "Key Interests",
        "Tags",
    )  # fmt: skip
    rows: list[tuple[Cell, ...]]
    rows = [
        (s["actor_name"], s["position"], ", ".join(s["interests"]), tags(s))
        for s in stances
    ]
    return Table("Diplomatic stances", header, rows)


def _motivations(view: TalksView) -> Table:
    motives = current(view["motivations"])
    header = (_who(m["actor"] for m in motives), "Motivation")
    rows: list[tuple[Cell, ...]] = [(m["actor_name"], m["text"]) for m in motives]
    return Table("Motivations of key players", header, rows, listed=True)


def _scenarios(view: TalksView) -> Table:
    rows: list[tuple[Cell, ...]]
    rows = [
        (s["outcome"], s["impact"], likelihood(s) or "", tags(s))
        for s in standing(view["scenarios"])
    ]
    header = ("Outcome", "Potential Impact", "Likelihood", "Tags")
    return Table("Outcome scenarios", header, rows)


def likelihood(scenario: Scenario) -> str | None:
    """The assessment that holds, as it reads: ``likely (55-80%), moderate
    confidence``; None if the scenario is not assessed."""
    assessment = latest(scenario["assessments"])
    if assessment is None:
        return None
    return assessed(assessment["likelihood"], assessment["confidence"])


def _recommendations(view: TalksView) -> list[Table]:
    """The strategic priorities (no outcome), then the recommendations."""
    recommendations: list[Recommendation] = standing(view["recommendations"])
    priorities = [r for r in recommendations if not r["outcome"]]
    summary = [r for r in recommendations if r["outcome"]]
    return [
        Table(
            _for("Strategic priorities", priorities),
            ("Priority", "Detail"),
            [(r["title"], r["detail"] or "") for r in priorities],
            listed=True,
        ),
        Table(
            _for("Recommendations", summary),
            ("Recommendation", "Outcome"),
            [(r["title"], r["outcome"] or "") for r in summary],
        ),
    ]


def _developments(view: TalksView) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (d["on"], d["text"], ", ".join(a["name"] for a in d["actors"]),
         Sources(tuple(d["sources"])), tags(d))
        for d in standing(view["developments"])
    ]  # fmt: skip
    header = ("Date", "Development", "Actors", "Sources", "Tags")
    return Table("Developments", header, rows)


def _links(view: TalksView) -> Table:
    """Every link of these talks, read from them: ``superseded by`` ..."""
    rows: list[tuple[Cell, ...]] = [
        (link["relation"], f"{link['title']} ({link['talks']})", link["note"] or "")
        for link in view.get("linked", [])
    ]
    return Table("Linked talks", ("These talks", "Talks", "Note"), rows)


def _evidence(view: TalksView, reliability: Reliability) -> Table:
    """Each entry's grade and what it cites; unsourced ones marked."""
    rows: list[tuple[Cell, ...]] = [
        (g.ref, f"{g.grade or 'none'}{' (unsourced)' if g.unsourced else ''}",
         "; ".join(g.cited))
        for g in graded_entries(view, reliability)
    ]  # fmt: skip
    return Table("Evidence", ("Entry", "Grade", "Cites"), rows)


def _sources(view: TalksView, sources: Sequence[SourceView]) -> Table:
    """The recorded sources the talks' entries cite, with their grades."""
    cited = {cite["source"] for _, e in standing_entries(view) for cite in e["cites"]}
    rows: list[tuple[Cell, ...]] = [
        (s["key"], s["title"], s["publisher"] or "", s["published"] or "",
         f"{s['reliability']} ({RELIABILITY[s['reliability']]})",
         Sources((s["url"],)) if s["url"] else "")
        for s in sources if s["key"] in cited
    ]  # fmt: skip
    header = ("Key", "Source", "Publisher", "Published", "Reliability", "Link")
    return Table("Sources", header, rows)


def _who(actors: Iterable[str]) -> str:
    """The actors' column: "Country" when every actor is a state, else "Actor"."""
    return "Country" if all(is_country_code(a) for a in actors) else "Actor"


def _for(title: str, recommendations: Sequence[Recommendation]) -> str:
    """The title names the audience when all the recommendations share one."""
    audiences = {r["audience_name"] for r in recommendations}
    if len(audiences) == 1 and None not in audiences:
        return f"{title} for {audiences.pop()}"
    return title
