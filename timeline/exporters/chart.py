"""The drawn timeline of a snapshot, as geometry: where each mark, band and tick goes.

The chart places each dated entry on a time axis by its valid date; a date
that means a month or a year is drawn as a bar over that period, an interval
(``2024-07-23/2024-07-26``) as a bar from its first day to its last, a day as
a dot. An approximate (``2024-07~``) or uncertain (``2024-07?``) date is drawn
as the same date unqualified; its mark's tooltip gives the date as recorded.
Each talks gets a band of as many lanes as its marks need not to overlap.

Everything here is numbers and the words of the labels; the SVG that draws
them is the template ``templates/chart.svg.j2``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from events import PartialDate
from projections.snapshot import TimelineEntry

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
TOOLTIP_CHARS = 500
"""Longest entry text in a mark's tooltip; the table under the chart and the
brief give it whole (so a long text is not written three times)."""
STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
MAX_TICKS = 12

COLOURED = {"talks": "Talks", "stance": "Stance", "development": "Development"}
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
    radius: float
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
    entries = dated(timeline)
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
        radius=RADIUS,
        rows=rows,
        marks=marks,
        ticks=scale.ticks(),
        first_year=date.fromordinal(first).year,
        last_year=date.fromordinal(last).year,
    )


def dated(timeline: list[TimelineEntry]) -> list[TimelineEntry]:
    """The dated entries by first day (ties keep the snapshot's order)."""
    return sorted((e for e in timeline if e["lower"]), key=lambda e: e["lower"] or "")


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
        kind=entry["kind"] if entry["kind"] in COLOURED else "other",
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
    kind = COLOURED.get(entry["kind"], entry["kind"])
    text = entry["text"]
    if len(text) > TOOLTIP_CHARS:
        text = text[: TOOLTIP_CHARS - 1] + "…"
    return f"{entry['date']} · {title}\n{kind}: {text}"


def _day(iso: str | None) -> int:
    assert iso is not None, "only dated entries are drawn"
    return date.fromisoformat(iso).toordinal()


def legend(drawn: Chart | None) -> dict[str, str]:
    """The colour key: the kinds with a colour, and ``other`` if drawn."""
    if drawn and any(mark.kind == "other" for mark in drawn.marks):
        return {**COLOURED, "other": "Other"}
    return COLOURED


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
