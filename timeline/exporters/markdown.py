"""The brief: each talks of a snapshot as Markdown a colleague can read.

A first line names the snapshot (store position and its record time); then
one brief per talks. Table cells are the recorded text, verbatim; only ``|``
and line breaks are escaped, as Markdown tables require.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from events import is_country_code
from projections.snapshot import Snapshot
from projections.talks import Recommendation, TalksView, current, standing


def render_markdown(snapshot: Snapshot) -> str:
    header = (
        f"*Snapshot of the record at store position {snapshot['position']}, "
        f"recorded {snapshot['recorded_at'] or 'never (empty store)'}.*\n"
    )
    return "\n".join([header, *(brief(view) for view in snapshot["talks"])])


def brief(view: TalksView) -> str:
    """One talks as Markdown: its facts, then a section per kind of entry."""
    parties = ", ".join(f"{p['name']} ({p['code']})" for p in view["parties"])
    lines = [
        f"# {view['title']}",
        "",
        f"- **Location:** {view['location']}",
        f"- **Date:** {view['on'] or 'not recorded'}",
        f"- **Parties:** {parties}",
        *(f"- **Source:** {source}" for source in view["sources"]),
    ]
    if view["summary"]:
        lines += ["", view["summary"]]
    if agenda := standing(view["agenda"]):
        lines += _section(
            "Agenda",
            [_bullet(item["title"], item["detail"]) for item in agenda],
        )
    if stances := current(view["stances"]):
        all_states = all(is_country_code(s["actor"]) for s in stances)
        header = (
            "Country" if all_states else "Actor",
            "Diplomatic Stance",
            "Key Interests",
        )
        rows: list[tuple[str, ...]]
        rows = [
            (s["actor_name"], s["position"], ", ".join(s["interests"])) for s in stances
        ]
        lines += _section("Diplomatic stances", _table(header, rows))
    if motives := current(view["motivations"]):
        lines += _section(
            "Motivations of key players",
            [_bullet(m["actor_name"], m["text"]) for m in motives],
        )
    if scenarios := standing(view["scenarios"]):
        rows = [(s["outcome"], s["impact"]) for s in scenarios]
        lines += _section(
            "Outcome scenarios", _table(("Outcome", "Potential Impact"), rows)
        )
    recommendations: list[Recommendation] = standing(view["recommendations"])
    if priorities := [r for r in recommendations if not r["outcome"]]:
        lines += _section(
            _for("Strategic priorities", priorities),
            [_bullet(r["title"], r["detail"]) for r in priorities],
        )
    if summary := [r for r in recommendations if r["outcome"]]:
        rows = [(r["title"], r["outcome"] or "") for r in summary]
        lines += _section(
            _for("Recommendations", summary),
            _table(("Recommendation", "Outcome"), rows),
        )
    if developments := standing(view["developments"]):
        rows = [(d["on"], d["text"], "; ".join(d["sources"])) for d in developments]
        lines += _section(
            "Developments", _table(("Date", "Development", "Sources"), rows)
        )
    lines += [
        "",
        "---",
        "",
        f"Record of talks `{view['slug']}` at version {view['version']} "
        f"(store position {view['last_position']}); opened "
        f"{view['opened']['recorded_at']} by {view['opened']['recorded_by']}.",
    ]
    return "\n".join(lines) + "\n"


def _section(title: str, body: Iterable[str]) -> list[str]:
    return ["", f"## {title}", "", *body]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    return [
        _row(header),
        "|" + "---|" * len(header),
        *(_row(row) for row in rows),
    ]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _for(title: str, recommendations: Sequence[Recommendation]) -> str:
    audiences = {r["audience_name"] for r in recommendations}
    if len(audiences) == 1 and None not in audiences:
        return f"{title} for {audiences.pop()}"
    return title


def _bullet(title: str, text: str | None) -> str:
    return f"- **{title}**: {text}" if text else f"- **{title}**"
