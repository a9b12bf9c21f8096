"""The snapshot as one self-contained HTML page: a drawn timeline and the brief.

The page needs nothing beyond itself: its style is inline, its timeline is an
inline SVG (its labels real text, so that they print), and it has no scripts.
The chart's geometry comes from :mod:`timeline.exporters.chart`, with a
legend of the kinds drawn (each kind's colour and shape), a key to what else
it draws, and a table of the dated entries that gives each date as recorded;
below it, each talks gets the tables of its brief
(:mod:`timeline.exporters.brief`), the recorded text verbatim. The markup is
in the package's ``templates/``, where each line of markup is one line of
the page.

Every recorded text goes through Jinja2's autoescaping (in elements and in
quoted attributes alike, the SVG's included), after its control characters
and bidirectional controls are made visible tokens such as ``[U+202E]``
(every value a template writes passes :func:`_finalize`); a source becomes a
link only under the one URL policy of :mod:`timeline.exporters.inert` (an
http(s) URL with a host and nothing a link should not hold), its ``href``
percent-encoded and escaped. Nothing depends on the clock or on chance, so
the same snapshot always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from projections.snapshot import Snapshot, TimelineEntry
from timeline.exporters.brief import Cell, Sources, brief
from timeline.exporters.chart import (
    OTHER,
    PALETTE,
    Wording,
    chart,
    dated,
    key,
    legend,
    style,
)
from timeline.exporters.inert import link_target, visible_controls


def render_html(snapshot: Snapshot) -> str:
    """The page: a header naming the snapshot, the timeline, a brief per talks."""
    drawn = chart(snapshot)
    wording = Wording.of(snapshot)
    return _PAGE.render(
        style=_STYLE,
        palette=_PALETTE,
        position=snapshot["position"],
        head=snapshot["head"],
        recorded_at=snapshot["recorded_at"],
        chart=drawn,
        legend=legend(drawn),
        key=key(drawn),
        dated=[_listed(entry, wording) for entry in dated(snapshot["timeline"])],
        undated=sum(1 for entry in snapshot["timeline"] if not entry["lower"]),
        briefs=[brief(view, snapshot["sources"]) for view in snapshot["talks"]],
    )


def _listed(entry: TimelineEntry, wording: Wording) -> tuple[str, ...]:
    """A dated entry as the table under the drawing lists it."""
    return (
        entry["date"] or "",
        wording.title(entry["talks"]),
        style(entry["kind"]).name,
        wording.describe(entry),
    )


# -- sources ------------------------------------------------------------------


def source_html(source: str) -> Markup:
    """A link for a source the URL policy allows; any other stays plain text."""
    shown = visible_controls(source)
    if (target := link_target(source)) is not None:
        return Markup('<a href="{0}" rel="noreferrer">{1}</a>').format(target, shown)
    return escape(shown)


def sources_html(sources: Iterable[str]) -> Markup:
    return Markup("<br>").join(source_html(source) for source in sources)


# -- the templates ------------------------------------------------------------


def _cell(cell: Cell) -> str | Markup:
    """A brief's cell for the page: sources as links, one a line; text as is,
    for autoescaping to escape."""
    return sources_html(cell.sources) if isinstance(cell, Sources) else cell


def _finalize(value: Any) -> Any:
    """Each value a template writes: text with its controls made visible (then
    autoescaped); markup built here, and numbers, as they are."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible_controls(value)
    return value


def _number(value: float) -> str:
    """Coordinates with one decimal: short, and the same on every platform."""
    return f"{value:.1f}"


def _template(name: str) -> str:
    """A file of ``templates/``, read as package data so it works installed."""
    return (resources.files("timeline.exporters") / "templates" / name).read_text(
        "utf-8"
    )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["number"] = _number
    env.filters["cell"] = _cell
    env.filters["link"] = source_html
    return env


_STYLE = Markup(_template("style.css"))
_PALETTE = [(kind, s.colour) for kind, s in [*PALETTE.items(), ("other", OTHER)]]
"""Each kind's colour, for the style sheet."""
_PAGE = _environment().get_template("page.html.j2")
