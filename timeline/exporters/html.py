"""The snapshot as one self-contained HTML page: a drawn timeline and the brief.

The page needs nothing beyond itself: its style is inline, its timeline is an
inline SVG, and it has no scripts. The chart's geometry comes from
:mod:`timeline.exporters.chart`, with a table of the dated entries under it
that gives each date as recorded; below it, each talks gets the tables of its
brief (:mod:`timeline.exporters.brief`), the recorded text verbatim. The
markup is in the package's ``templates/``, where each line of markup is one
line of the page.

Every recorded text goes through Jinja2's autoescaping, and a source becomes a
link only when it is an http(s) URL. Nothing depends on the clock or on
chance, so the same snapshot always gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from projections.snapshot import Snapshot, TimelineEntry
from timeline.exporters.brief import Cell, Sources, brief
from timeline.exporters.chart import COLOURED, chart, dated, key, legend


def render_html(snapshot: Snapshot) -> str:
    """The page: a header naming the snapshot, the timeline, a brief per talks."""
    titles = {view["slug"]: view["title"] for view in snapshot["talks"]}
    drawn = chart(snapshot["timeline"], titles)
    return _PAGE.render(
        style=_STYLE,
        position=snapshot["position"],
        recorded_at=snapshot["recorded_at"],
        chart=drawn,
        legend=legend(drawn),
        key=key(drawn),
        dated=[_listed(entry, titles) for entry in dated(snapshot["timeline"])],
        undated=sum(1 for entry in snapshot["timeline"] if not entry["lower"]),
        briefs=[brief(view) for view in snapshot["talks"]],
    )


def _listed(entry: TimelineEntry, titles: dict[str, str]) -> tuple[str, ...]:
    """A dated entry as the table under the drawing lists it."""
    return (
        entry["date"] or "",
        titles.get(entry["talks"], entry["talks"]),
        COLOURED.get(entry["kind"], entry["kind"]),
        entry["text"],
    )


# -- sources ------------------------------------------------------------------

_WEB_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f\"'<>\\`]+", re.IGNORECASE)


def is_web_url(text: str) -> bool:
    """An absolute http(s) URL with a host, and nothing a link should not hold."""
    if not _WEB_URL.fullmatch(text):
        return False
    try:
        return bool(urlsplit(text).hostname)
    except ValueError:  # a malformed host, such as an unclosed "[" of IPv6
        return False


def source_html(source: str) -> Markup:
    """A link for an http(s) URL; any other source stays plain text."""
    if is_web_url(source):
        return Markup('<a href="{0}" rel="noreferrer">{0}</a>').format(source)
    return escape(source)


def sources_html(sources: Iterable[str]) -> Markup:
    return Markup("<br>").join(source_html(source) for source in sources)


# -- the templates ------------------------------------------------------------


def _cell(cell: Cell) -> str | Markup:
    """A brief's cell for the page: sources as links, one a line; text as is,
    for autoescaping to escape."""
    return sources_html(cell.sources) if isinstance(cell, Sources) else cell


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
    )
    env.filters["number"] = _number
    env.filters["cell"] = _cell
    env.filters["link"] = source_html
    return env


_STYLE = Markup(_template("style.css"))
_PAGE = _environment().get_template("page.html.j2")
