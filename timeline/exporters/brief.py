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
from dataclasses import dataclass

from events import is_country_code
from projections.talks import Recommendation, TalksView, current, standing


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


def brief(view: TalksView) -> Brief:
    """One talks: its facts, then a table per kind of entry that has any."""
    tables = [
        _agenda(view),
        _stances(view),
        _motivations(view),
        _scenarios(view),
        *_recommendations(view),
        _developments(view),
    ]
    return Brief(
        view=view,
        parties=", ".join(f"{p['name']} ({p['code']})" for p in view["parties"]),
        tables=[table for table in tables if table.rows],
    )


def _agenda(view: TalksView) -> Table:
    rows: list[tuple[Cell, ...]]
    rows = [(item["title"], item["detail"] or "") for item in standing(view["agenda"])]
    return Table("Agenda", ("Item", "Detail"), rows, listed=True)


def _stances(view: TalksView) -> Table:
    stances = current(view["stances"])
    header = (_who(s["actor"] for s in stances), "Diplomatic Stance", "Key Interests")
    rows: list[tuple[Cell, ...]]
    rows = [
        (s["actor_name"], s["position"], ", ".join(s["interests"])) for s in stances
    ]
    return Table("Diplomatic stances", header, rows)


def _motivations(view: TalksView) -> Table:
    motives = current(view["motivations"])
    header = (_who(m["actor"] for m in motives), "Motivation")
    rows: list[tuple[Cell, ...]] = [(m["actor_name"], m["text"]) for m in motives]
    return Table("Motivations of key players", header, rows, listed=True)


def _scenarios(view: TalksView) -> Table:
    rows: list[tuple[Cell, ...]]
    rows = [(s["outcome"], s["impact"]) for s in standing(view["scenarios"])]
    return Table("Outcome scenarios", ("Outcome", "Potential Impact"), rows)


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
        (d["on"], d["text"], Sources(tuple(d["sources"])))
        for d in standing(view["developments"])
    ]
    return Table("Developments", ("Date", "Development", "Sources"), rows)


def _who(actors: Iterable[str]) -> str:
    """The actors' column: "Country" when every actor is a state, else "Actor"."""
    return "Country" if all(is_country_code(a) for a in actors) else "Actor"


def _for(title: str, recommendations: Sequence[Recommendation]) -> str:
    """The title names the audience when all the recommendations share one."""
    audiences = {r["audience_name"] for r in recommendations}
    if len(audiences) == 1 and None not in audiences:
        return f"{title} for {audiences.pop()}"
    return title
