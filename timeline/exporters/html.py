"""The snapshot as one self-contained HTML page: a drawn timeline and the brief.

The page needs nothing beyond itself: its style is inline, its timeline is an
inline SVG, and it has no scripts. The timeline places each dated entry on a
time axis by its valid date; a date that means a month or a year is drawn as
a bar over that period, an interval (``2024-07-23/2024-07-26``) as a bar from
its first day to its last, a day as a dot. An approximate (``2024-07~``) or
uncertain (``2024-07?``) date is drawn as the same date unqualified; its mark's
tooltip and the table give the date as recorded. Below it, each talks gets
the tables of the Markdown brief, with the recorded text verbatim.

Every recorded text goes through Jinja2's autoescaping, and a source becomes a
link only when it is an http(s) URL. Nothing depends on the clock or on
chance, so the same snapshot always gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from events import PartialDate, is_country_code
from projections.snapshot import Snapshot, TimelineEntry
from projections.talks import Recommendation, TalksView, current, standing

Cell = str | Markup
"""A table cell: recorded text (escaped when rendered) or already safe markup."""

# -- the page ---------------------------------------------------------------


def render_html(snapshot: Snapshot) -> str:
    """The page: a header naming the snapshot, the timeline, a brief per talks."""
    titles = {view["slug"]: view["title"] for view in snapshot["talks"]}
    drawn = chart(snapshot["timeline"], titles)
    return _TEMPLATE.render(
        style=Markup(_STYLE),
        position=snapshot["position"],
        recorded_at=snapshot["recorded_at"],
        chart=drawn,
        legend=legend(drawn),
        key=key(drawn),
        radius=_number(RADIUS),
        dated=[_listed(entry, titles) for entry in _dated(snapshot["timeline"])],
        undated=sum(1 for entry in snapshot["timeline"] if not entry["lower"]),
        briefs=[brief(view) for view in snapshot["talks"]],
    )


# -- the brief of one talks ---------------------------------------------------


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True)
class Brief:
    view: TalksView
    parties: str
    sources: list[Markup]
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
        sources=[source_html(source) for source in view["sources"]],
        tables=[table for table in tables if table.rows],
    )


def _agenda(view: TalksView) -> Table:
    rows: list[tuple[Cell, ...]]
    rows = [(item["title"], item["detail"] or "") for item in standing(view["agenda"])]
    return Table("Agenda", ("Item", "Detail"), rows)


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
    return Table("Motivations of key players", header, rows)


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
        ),
        Table(
            _for("Recommendations", summary),
            ("Recommendation", "Outcome"),
            [(r["title"], r["outcome"] or "") for r in summary],
        ),
    ]


def _developments(view: TalksView) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (d["on"], d["text"], sources_html(d["sources"]))
        for d in standing(view["developments"])
    ]
    return Table("Developments", ("Date", "Development", "Sources"), rows)


def _who(actors: Iterable[str]) -> str:
    return "Country" if all(is_country_code(a) for a in actors) else "Actor"


def _for(title: str, recommendations: Sequence[Recommendation]) -> str:
    audiences = {r["audience_name"] for r in recommendations}
    if len(audiences) == 1 and None not in audiences:
        return f"{title} for {audiences.pop()}"
    return title


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


# -- the drawn timeline -------------------------------------------------------

WIDTH = 960
LABELS = 190
"""Width of the column of talks titles, left of the plot."""
RIGHT = 24
TOP = 8
LANE = 22
"""Height of one lane of marks; a talks takes as many lanes as its marks need."""
PAD = 6
AXIS = 34
"""Room below the rows for the axis and its year labels."""
RADIUS = 5.0
MIN_BAR = 4.0
GAP = 3.0
LABEL_CHARS = 25
STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
MAX_TICKS = 12

KINDS = {"talks": "Talks", "stance": "Stance", "development": "Development"}
"""Entry kinds with a colour of their own; any other is drawn as ``other``."""


@dataclass(frozen=True)
class Mark:
    kind: str
    ref: str
    talks: str
    date: str
    is_range: bool
    x: float
    width: float
    y: float
    tooltip: str

    @property
    def left(self) -> float:
        return self.x if self.is_range else self.x - RADIUS

    @property
    def right(self) -> float:
        return self.x + self.width if self.is_range else self.x + RADIUS


@dataclass(frozen=True)
class Row:
    slug: str
    label: str
    title: str
    y: float
    height: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    major: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: float
    left: float
    right: float
    axis_y: float
    rows: list[Row]
    marks: list[Mark]
    ticks: list[Tick]
    first_year: int
    last_year: int


@dataclass(frozen=True)
class Scale:
    """Days (proleptic ordinals) to x, over whole years from ``start`` to
    ``end`` (exclusive), with a tick every ``step`` years."""

    start: int
    end: int
    step: int
    left: float
    width: float

    @classmethod
    def spanning(cls, first: int, last: int, left: float, width: float) -> Scale:
        years = last - first + 1
        step = next((s for s in STEPS if years / s <= MAX_TICKS), STEPS[-1])
        start = first - first % step
        end = last - last % step + step
        return cls(start, end, step, left, width)

    def x(self, day: int) -> float:
        first, last = year_start(self.start), year_start(self.end)
        return self.left + (day - first) / (last - first) * self.width

    def ticks(self) -> list[Tick]:
        years = range(self.start, self.end + 1, self.step)
        ticks = [Tick(self.x(year_start(y)), str(y), True) for y in years]
        if self.end - self.start <= 3:
            ticks += [
                Tick(self.x(date(y, m, 1).toordinal()), "", False)
                for y in range(self.start, self.end)
                for m in range(2, 13)
            ]
        return ticks


def year_start(year: int) -> int:
    """The proleptic ordinal of 1 January of ``year`` (as ``date.toordinal``),
    defined for any year, so an axis may end after 9999."""
    y = year - 1
    return 365 * y + y // 4 - y // 100 + y // 400 + 1


def chart(timeline: list[TimelineEntry], titles: dict[str, str]) -> Chart | None:
    """The dated entries on a time axis, a band of lanes per talks; None when
    no entry is dated."""
    entries = _dated(timeline)
    if not entries:
        return None
    first = min(_day(entry["lower"]) for entry in entries)
    last = max(_day(entry["upper"] or entry["lower"]) for entry in entries)
    plot = WIDTH - LABELS - RIGHT
    scale = Scale.spanning(
        date.fromordinal(first).year, date.fromordinal(last).year, LABELS, plot
    )
    rows: list[Row] = []
    marks: list[Mark] = []
    y = float(TOP)
    for slug, mine in _by_talks(entries, titles).items():
        if mine:
            row, placed = _row(slug, titles.get(slug, slug), mine, scale, y)
            rows.append(row)
            marks += placed
            y += row.height
    return Chart(
        width=WIDTH,
        height=y + AXIS,
        left=LABELS,
        right=LABELS + plot,
        axis_y=y,
        rows=rows,
        marks=marks,
        ticks=scale.ticks(),
        first_year=date.fromordinal(first).year,
        last_year=date.fromordinal(last).year,
    )


def _by_talks(
    entries: list[TimelineEntry], titles: dict[str, str]
) -> dict[str, list[TimelineEntry]]:
    """The entries of each talks, talks in the snapshot's order."""
    grouped: dict[str, list[TimelineEntry]] = {slug: [] for slug in titles}
    for entry in entries:
        grouped.setdefault(entry["talks"], []).append(entry)
    return grouped


def _row(
    slug: str, title: str, entries: list[TimelineEntry], scale: Scale, top: float
) -> tuple[Row, list[Mark]]:
    """The marks of one talks, each in the first lane where it overlaps none."""
    lane_ends: list[float] = []
    marks: list[Mark] = []
    for entry in entries:
        mark = _mark(entry, title, scale)
        lane = next(
            (i for i, end in enumerate(lane_ends) if end + GAP <= mark.left),
            len(lane_ends),
        )
        if lane == len(lane_ends):
            lane_ends.append(mark.right)
        else:
            lane_ends[lane] = mark.right
        marks.append(replace(mark, y=top + PAD + lane * LANE + LANE / 2))
    label = title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1] + "…"
    height = 2 * PAD + len(lane_ends) * LANE
    return Row(slug, label, title, top, height), marks


def _mark(entry: TimelineEntry, title: str, scale: Scale) -> Mark:
    """The mark of an entry, at its date; its lane (``y``) is set later."""
    lower = _day(entry["lower"])
    upper = _day(entry["upper"] or entry["lower"])
    is_range = upper > lower
    if is_range:
        x = scale.x(lower)
        width = max(scale.x(upper + 1) - x, MIN_BAR)
    else:
        x, width = (scale.x(lower) + scale.x(lower + 1)) / 2, 0.0
    return Mark(
        kind=entry["kind"] if entry["kind"] in KINDS else "other",
        ref=entry["ref"],
        talks=entry["talks"],
        date=entry["date"] or "",
        is_range=is_range,
        x=x,
        width=width,
        y=0.0,
        tooltip=_tooltip(entry, title),
    )


def _tooltip(entry: TimelineEntry, title: str) -> str:
    kind = KINDS.get(entry["kind"], entry["kind"])
    return f"{entry['date']} · {title}\n{kind}: {entry['text']}"


def _dated(timeline: list[TimelineEntry]) -> list[TimelineEntry]:
    """The dated entries by first day (ties keep the snapshot's order)."""
    return sorted((e for e in timeline if e["lower"]), key=lambda e: e["lower"] or "")


def _day(iso: str | None) -> int:
    assert iso is not None, "only dated entries are drawn"
    return date.fromisoformat(iso).toordinal()


def _listed(entry: TimelineEntry, titles: dict[str, str]) -> tuple[str, ...]:
    """A dated entry as the table under the drawing lists it."""
    return (
        entry["date"] or "",
        titles.get(entry["talks"], entry["talks"]),
        KINDS.get(entry["kind"], entry["kind"]),
        entry["text"],
    )


def legend(drawn: Chart | None) -> dict[str, str]:
    """The colour key: the kinds with a colour, and ``other`` if drawn."""
    if drawn and any(mark.kind == "other" for mark in drawn.marks):
        return {**KINDS, "other": "Other"}
    return KINDS


def key(drawn: Chart | None) -> str:
    """What the shapes mean, and the qualifiers when a drawn date has one."""
    dates = [PartialDate(mark.date) for mark in drawn.marks] if drawn else []
    text = (
        "Bar: a month, a year or an interval; dot: a day."
        if any(date.is_interval for date in dates)
        else "Bar: a month or a year; dot: a day."
    )
    if any(date.approximate or date.uncertain for date in dates):
        text += " A date followed by ~ is approximate, by ? uncertain, by % both."
    return text + " Hover a mark for its entry."


def _number(value: float) -> str:
    """Coordinates with one decimal: short, and the same on every platform."""
    return f"{value:.1f}"


# -- templates ------------------------------------------------------------------

_STYLE = """\
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 0 auto; max-width: 1000px; padding: 1.5rem; color: #1d232a;
  background: #fff; line-height: 1.45; }
header { border-bottom: 3px solid #1f5fa8; margin-bottom: 1.5rem; }
h1 { margin: 0 0 .25rem; font-size: 1.8rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #c9d1da; padding-bottom: .2rem; }
h3 { margin: 1.6rem 0 .5rem; font-size: 1.1rem; }
.snapshot { color: #49525c; margin: 0 0 .8rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid #c9d1da; padding: .4rem .6rem; text-align: left;
  vertical-align: top; white-space: pre-line; }
th { background: #e8eef5; }
tbody tr:nth-child(even) { background: #f6f8fa; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.summary { white-space: pre-line; }
.record { color: #49525c; font-size: .9rem; border-top: 1px solid #c9d1da;
  padding-top: .4rem; }
.chart { display: block; max-width: 100%; height: auto; }
.chart .band { fill: #f3f6f9; }
.chart .band.odd { fill: #e9eef4; }
.chart .label { font-size: 12px; fill: #1d232a; }
.chart .year { font-size: 12px; fill: #49525c; text-anchor: middle; }
.chart .grid { stroke: #c9d1da; stroke-width: 1; }
.chart .grid.minor { stroke: #e1e6ec; }
.chart .axis { stroke: #49525c; stroke-width: 1.5; }
.chart .mark { stroke: #fff; stroke-width: 1; }
.k-talks { fill: #1f5fa8; background: #1f5fa8; }
.k-stance { fill: #b5472b; background: #b5472b; }
.k-development { fill: #2e7d32; background: #2e7d32; }
.k-other { fill: #6b5b95; background: #6b5b95; }
.range { fill-opacity: .75; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap;
  gap: .4rem 1.2rem; font-size: .9rem; }
.swatch { display: inline-block; width: .9rem; height: .9rem; margin-right: .3rem;
  vertical-align: -.1rem; border-radius: 2px; }
.empty { padding: .8rem 1rem; background: #f6f8fa; border-left: 4px solid #c9d1da; }
"""

_TABLE = """\
{% macro table(header, rows) %}
<table>
<thead><tr>{% for name in header %}<th scope="col">{{ name }}</th>{% endfor %}</tr>\
</thead>
<tbody>
{% for row in rows %}
<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
{% endmacro %}
"""

_CHART = """\
{% macro draw(c) %}
<svg class="chart" role="img" aria-labelledby="timeline-title" \
width="{{ c.width }}" height="{{ c.height | number }}" \
viewBox="0 0 {{ c.width }} {{ c.height | number }}">
<title id="timeline-title">Timeline of {{ c.marks | length }} dated \
{{ "entry" if c.marks | length == 1 else "entries" }}, \
{{ c.first_year }} to {{ c.last_year }}</title>
{% for row in c.rows %}
<g class="row" data-talks="{{ row.slug }}">
<rect class="band{{ ' odd' if loop.index is odd }}" x="0" y="{{ row.y | number }}" \
width="{{ c.width }}" height="{{ row.height | number }}"/>
<text class="label" x="8" y="{{ (row.y + 6 + 15) | number }}">\
<title>{{ row.title }}</title>{{ row.label }}</text>
</g>
{% endfor %}
{% for tick in c.ticks %}
<line class="grid{{ '' if tick.major else ' minor' }}" x1="{{ tick.x | number }}" \
y1="{{ c.rows[0].y | number }}" x2="{{ tick.x | number }}" \
y2="{{ (c.axis_y + (6 if tick.major else 3)) | number }}"/>
{% if tick.major %}
<text class="year" x="{{ tick.x | number }}" y="{{ (c.axis_y + 20) | number }}">\
{{ tick.label }}</text>
{% endif %}
{% endfor %}
<line class="axis" x1="{{ c.left | number }}" y1="{{ c.axis_y | number }}" \
x2="{{ c.right | number }}" y2="{{ c.axis_y | number }}"/>
{% for m in c.marks %}
{% if m.is_range %}
<rect class="mark range k-{{ m.kind }}" data-ref="{{ m.ref }}" \
data-talks="{{ m.talks }}" data-date="{{ m.date }}" x="{{ m.x | number }}" \
y="{{ (m.y - 6) | number }}" width="{{ m.width | number }}" height="12" rx="3">\
<title>{{ m.tooltip }}</title></rect>
{% else %}
<circle class="mark point k-{{ m.kind }}" data-ref="{{ m.ref }}" \
data-talks="{{ m.talks }}" data-date="{{ m.date }}" cx="{{ m.x | number }}" \
cy="{{ m.y | number }}" r="{{ radius }}"><title>{{ m.tooltip }}</title></circle>
{% endif %}
{% endfor %}
</svg>
{% endmacro %}
"""

_BODY = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Diplomatic timeline at store position {{ position }}</title>
<style>
{{ style }}</style>
</head>
<body>
<header>
<h1>Diplomatic timeline</h1>
<p class="snapshot">Snapshot of the record at store position \
<strong>{{ position }}</strong>, recorded \
{% if recorded_at %}<time datetime="{{ recorded_at }}">{{ recorded_at }}</time>\
{% else %}never (empty store){% endif %}.</p>
{% if briefs | length > 1 %}
<nav aria-label="Talks"><ul>
{% for b in briefs %}
<li><a href="#talks-{{ b.view.slug }}">{{ b.view.title }}</a></li>
{% endfor %}
</ul></nav>
{% endif %}
</header>
<main>
<section id="timeline" aria-labelledby="timeline-heading">
<h2 id="timeline-heading">Timeline</h2>
{% if chart %}
{{ draw(chart) }}
<ul class="legend">
{% for kind, name in legend.items() %}
<li><span class="swatch k-{{ kind }}"></span>{{ name }}</li>
{% endfor %}
<li>{{ key }}</li>
</ul>
<details>
<summary>The timeline as a table</summary>
{{ table(("Date", "Talks", "Entry", "Text"), dated) }}
</details>
{% else %}
<p class="empty">No entry in this snapshot has a date, so there is no timeline \
to draw.</p>
{% endif %}
{% if chart and undated %}
<p>{{ undated }} undated {{ "entry is" if undated == 1 else "entries are" }} \
not drawn; the tables below hold them.</p>
{% endif %}
</section>
{% for b in briefs %}
<section id="talks-{{ b.view.slug }}" class="talks">
<h2>{{ b.view.title }}</h2>
<dl class="facts">
<dt>Location</dt><dd>{{ b.view.location }}</dd>
<dt>Date</dt><dd>{{ b.view.on or "not recorded" }}</dd>
<dt>Parties</dt><dd>{{ b.parties }}</dd>
{% for source in b.sources %}
<dt>Source</dt><dd>{{ source }}</dd>
{% endfor %}
</dl>
{% if b.view.summary %}
<p class="summary">{{ b.view.summary }}</p>
{% endif %}
{% for t in b.tables %}
<h3>{{ t.title }}</h3>
{{ table(t.header, t.rows) }}
{% endfor %}
<p class="record">Record of talks <code>{{ b.view.slug }}</code> at version \
{{ b.view.version }} (store position {{ b.view.last_position }}); opened \
{{ b.view.opened.recorded_at }} by {{ b.view.opened.recorded_by }}.</p>
</section>
{% endfor %}
</main>
</body>
</html>
"""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = _number
    return env


_TEMPLATE = _environment().from_string(_TABLE + _CHART + _BODY)
