"""The drawn timeline of a snapshot, as geometry: where each band, mark, label
and tick goes.

**The axis is piecewise linear.** Time is cut into segments, each drawn at a
linear scale of its own, with a break between two segments (``//`` on the
axis, a pale gap across the bands) where the time between them is left
out. One linear scale cannot serve a record such as the Minsk talks: seven
quiet years around two fortnights with an entry every day or two, which it
puts within a pixel or two of each other. A logarithmic or rank axis would
give those fortnights room but make every stretch of time a different
length, so that no distance could be read; within a segment, distances are
true, and its ticks (days, months or years, at a step its scale leaves room
for) say its scale.

Where to cut is computed, not guessed. Each segment gets width in
proportion to the marks in it, so that a busy fortnight gets more room than
a quiet year. The axis may break only in a gap between two dates at least
:data:`LOPSIDED` times as long as a gap beside it (the edge of a busy
stretch), never where a break would split a short bar (a month, a round of
talks). A cut is scored by how crowded it leaves the marks (see
:class:`Crowding`: each mark nearer than :data:`MIN_GAP` pixels to another
date counts by how far short it falls), each break counting
:data:`BREAK_WORTH` against it; the best cut into each number of segments,
up to :data:`MAX_SEGMENTS`, is found by dynamic programming, and the best of
those is taken. Last, wherever the plot has room for it, a segment is
widened (at the others' expense) until no two of its dates lie closer than
:data:`MIN_APART` pixels. So a 3-day summit is one segment of some 230
pixels a day, and the Minsk talks get a segment for each busy February and
one of a tenth of a pixel a day for the quiet years between.

**Marks.** A date that means a month, a season, a year or more, or an
interval, is a bar over the days it can mean; a day is a shape, at its time
of day when one is recorded (its offset as written). An approximate or
uncertain date has a dashed outline. An interval with an open (``..``) or
unknown side runs to the edge of the plot, ending in an arrow or in dots:
``date.min`` and ``date.max`` never stretch the axis. Each kind of entry
has a colour of Okabe and Ito's palette, chosen to stay apart for readers
with any common colour-vision deficiency, and a shape of its own as well
(filled or hollow circle, square, diamond, pill, bar), drawn at the start of
its bars too, so that no reader has to tell kinds by colour alone.

**Labels.** Each talks is a band of lanes. From left to right, a mark goes
in the first lane where it fits with its label: inside a bar wide enough,
else right of the mark, else left of it; whole, else shortened; within the
mark's segment (read with the dates around it) if it can, else across a
break. A label may open a new lane while the band has fewer than
:data:`LABEL_LANES`; a mark whose label fits nowhere goes unlabelled (its
tooltip keeps the text) in the first lane where it fits alone. No two things
in a lane share a pixel and lanes do not overlap, so nothing is drawn over
another. Text widths are DejaVu Sans's (the face of Debian's browsers, and
among the widest), so that a narrower face only leaves more room.

**Bands.** Talks linked to each other sit in adjacent bands, the earlier
first (what a talks follows, supersedes or is part of, above it), each
band's label naming its links: ``supersedes Minsk Protocol``.

Everything here is numbers and words; the SVG that draws them is the
template ``templates/chart.svg.j2``.
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import NamedTuple

from events import PartialDate
from events.kinds import KINDS
from projections.snapshot import Snapshot, TimelineEntry
from projections.talks import LinkedTalks, TalksView
from timeline.exporters.inert import visible_controls

WIDTH = 960
LABELS = 200
"""Width of the column of band labels (talks titles), left of the plot."""
RIGHT = 24
TOP = 8
LANE = 22
"""Height of one lane of marks; a talks takes as many lanes as its marks need."""
PAD = 6
AXIS = 44
"""Room below the bands for the axis and its two rows of labels."""
EDGE = 16
"""Room at each end of the plot, where an open interval's arrow goes."""
END = 12
"""Length of the arrow or dots ending an open or unknown side."""
BREAK = 16
BREAK_WORTH = 4.0
"""How much less crowded (see :class:`Crowding`) a break must leave the marks
to be made: about six marks twice as close to another as they should be."""
MIN_GAP = 12.0
"""Pixels between a mark and the nearest other date the axis tries to keep."""
MIN_APART = 5.0
"""Pixels between two dates of a segment that it keeps wherever the plot has
room: its width's floor, above its share."""
MIN_SEGMENT = 48.0
MAX_SEGMENTS = 8
LOPSIDED = 4
"""A gap may take a break only if it is this many times as long as a gap
beside it: the edge of a busy stretch, not a gap among others like it."""
CUTS = 30
"""Gaps considered for a break, the most lopsided first: enough for any
record, few enough to choose among quickly."""
SHORT_BAR = 4
"""A gap is never cut inside a bar shorter than this many times the gap."""
TICK_ROOM = 36.0
"""Least distance between two ticks."""
MIN_BAR = 4.0
POINT = 8.0
"""Half the width of the shape of a day, outline included."""
ICON = 16.0
"""Room at the start of a bar for its kind's shape."""
GAP = 3.0
LABEL_LANES = 6
LABEL_WIDTH = 200.0
SHORT_WIDTH = 100.0
"""The widths of a label, and of one shortened to fit where it would not."""
LABEL_SIZE = 11.0
TITLE_SIZE = 12.0
NOTE_SIZE = 10.0
TITLE_LINES = 4
NOTES = 3
"""Links named under a band's label; more are counted."""
TOOLTIP_CHARS = 500
"""Longest entry text in a mark's tooltip; the table under the chart and the
brief give it whole (so a long text is not written three times)."""
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
          "Nov", "Dec")  # fmt: skip


# -- kinds --------------------------------------------------------------------


class Style(NamedTuple):
    name: str
    colour: str
    shape: str


PALETTE: dict[str, Style] = {
    "talks": Style("Talks", "#0072B2", "square"),
    "agenda": Style("Agenda item", "#56B4E9", "open-square"),
    "stance": Style("Stance", "#D55E00", "diamond"),
    "motive": Style("Motivation", "#CC79A7", "open-diamond"),
    "scenario": Style("Scenario", "#F0E442", "pill"),
    "assessment": Style("Assessment", "#E69F00", "ring"),
    "recommendation": Style("Recommendation", "#009E73", "bar"),
    "development": Style("Development", "#000000", "disc"),
    "link": Style("Link", "#8C8C8C", "open-pill"),
}
"""Each kind of entry (:data:`events.kinds.KINDS`): its name, its colour (the
eight of Okabe and Ito's palette, and a grey) and its shape."""
assert PALETTE.keys() == KINDS.keys()
OTHER = Style("Other", "#5F5F5F", "disc")
"""A kind this version does not know (from a newer store)."""


def style(kind: str) -> Style:
    return PALETTE.get(kind, OTHER)


class Glyph(NamedTuple):
    """A shape as an SVG element: its tag and attributes."""

    tag: str
    attrs: tuple[tuple[str, str], ...]
    hollow: bool


_SIZES = {"square": (9, 9, 0), "open-square": (8, 8, 0), "diamond": (8, 8, 0),
          "open-diamond": (7, 7, 0), "bar": (5, 13, 1), "pill": (14, 7, 3.5),
          "open-pill": (13, 6, 3)}  # fmt: skip
"""Width, height and corner radius of each shape drawn as a rectangle."""


def glyph(shape: str, x: float, y: float) -> Glyph:
    """The shape ``shape`` centred on ``x``, ``y``."""
    hollow = shape.startswith("open-") or shape == "ring"
    if shape in ("disc", "ring"):
        r = 4.25 if hollow else 5.0
        return Glyph("circle", _attrs(cx=x, cy=y, r=r), hollow)
    w, h, rx = _SIZES[shape]
    attrs = _attrs(x=x - w / 2, y=y - h / 2, width=w, height=h)
    if rx:
        attrs += _attrs(rx=rx)
    if "diamond" in shape:
        attrs += (("transform", f"rotate(45 {x:.1f} {y:.1f})"),)
    return Glyph("rect", attrs, hollow)


def _attrs(**values: float) -> tuple[tuple[str, str], ...]:
    return tuple((name, f"{value:.1f}") for name, value in values.items())


# -- text ---------------------------------------------------------------------

_ASCII = (
    32, 41, 46, 84, 64, 96, 78, 28, 40, 40, 50, 84, 32, 37, 32, 34, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 54, 100, 69, 69, 70, 78, 64,
    58, 78, 76, 30, 30, 66, 56, 87, 75, 79, 61, 79, 70, 64, 62, 74, 69, 99, 69,
    62, 69, 40, 34, 40, 84, 50, 50, 62, 64, 55, 64, 62, 36, 64, 64, 28, 28, 58,
    28, 98, 64, 62, 64, 64, 42, 53, 40, 64, 60, 82, 60, 60, 53, 64, 34, 64, 84,
)  # fmt: skip
"""The widths of DejaVu Sans's printable ASCII characters (space to tilde), in
hundredths of an em, rounded up. Another letter is taken as wide as its base
letter (``é`` as ``e``), any other character as an em."""
MARGIN = 1.02
"""For a browser that rounds each glyph's advance."""


@lru_cache(maxsize=4096)
def text_width(text: str, size: float) -> float:
    """The width ``text`` takes at ``size`` pixels, at most."""
    return MARGIN * size * sum(_em(char) for char in text)


def _em(char: str) -> float:
    if " " <= char <= "~":
        return _ASCII[ord(char) - 32] / 100
    if unicodedata.combining(char):
        return 0.0
    base = unicodedata.normalize("NFD", char)[0]
    return _em(base) if base != char else 1.0


def one_line(text: str) -> str:
    """Recorded text as a label shows it: controls as tokens, one line."""
    return " ".join(visible_controls(text).split())


def clipped(text: str, width: float, size: float) -> str:
    """``text``, or as much of it as fits ``width`` with an ellipsis (read
    no further than needed: a text may be 100,000 characters long)."""
    ellipsis, taken, fits = text_width("…", size), 0.0, 0
    for end, char in enumerate(text):
        taken += MARGIN * size * _em(char)
        if taken + ellipsis <= width:
            fits = end + 1
        elif taken > width:
            return text[:fits].rstrip() + "…"
    return text


def wrapped(text: str, width: float, size: float, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width``, broken between words
    (or inside one too long for a line); the last ends in … if text is left."""
    most = int(lines * width / (0.28 * size))  # no letter is narrower
    words = one_line(text[: most + 1]).split(" ")
    out: list[str] = []
    line = ""
    for word in words:
        joined = f"{line} {word}" if line else word
        if text_width(joined, size) <= width:
            line = joined
            continue
        if line:
            out.append(line)
        while text_width(word, size) > width:
            head = clipped(word, width, size)[:-1] or word[0]
            out.append(head)
            word = word[len(head) :]
        line = word
    out.append(line)
    if len(out) <= lines:
        return out
    last = out[lines - 1]
    while last and text_width(last + "…", size) > width:
        last = last[:-1]
    return [*out[: lines - 1], last.rstrip() + "…"]


@dataclass(frozen=True)
class Caption:
    """A line of text: a label, a tick's, a band's."""

    x: float
    y: float
    """Its baseline."""
    text: str
    cls: str
    size: float
    anchor: str = "start"

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Left, right, top and bottom, at most."""
        width = text_width(self.text, self.size)
        left = self.x - {"start": 0.0, "middle": width / 2, "end": width}[self.anchor]
        return left, left + width, self.y - 0.93 * self.size, self.y + 0.24 * self.size


def _baseline(y: float, size: float) -> float:
    """The baseline of text of ``size`` centred on ``y``."""
    return y + 0.35 * size


# -- the axis -----------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Days ``start`` to ``end`` (exclusive) drawn linearly from ``left`` to
    ``right``."""

    start: int
    end: int
    left: float
    right: float

    @property
    def scale(self) -> float:
        """Pixels a day."""
        return (self.right - self.left) / (self.end - self.start)

    def x(self, day: float) -> float:
        return self.left + (day - self.start) * self.scale


@dataclass(frozen=True)
class Axis:
    """Days (proleptic ordinals, fractions for times of day) to x: linear in
    each segment, and across each break from one segment's end to the next's
    start; before the first segment and after the last, at the first's and
    the last's scale, but never beyond the plot (``left`` to ``right``)."""

    segments: tuple[Segment, ...]
    left: float
    right: float

    def x(self, day: float) -> float:
        first, last = self.segments[0], self.segments[-1]
        if day < first.start:
            return max(self.left, first.x(day))
        for segment, after in pairwise(self.segments):
            if day < segment.end:
                return segment.x(day)
            if day < after.start:
                share = (day - segment.end) / (after.start - segment.end)
                return segment.right + share * (after.left - segment.right)
        return min(self.right, last.x(day))

    def stretch(self, x: float) -> tuple[float, float]:
        """The left and right of the segment ``x`` lies in (or of the plot)."""
        found = [(s.left, s.right) for s in self.segments if s.left <= x <= s.right]
        return found[0] if found else (self.left, self.right)

    @property
    def breaks(self) -> list[tuple[float, float]]:
        """Where time is left out: from one segment's right to the next's left."""
        pairs = pairwise(self.segments)
        return [(segment.right, after.left) for segment, after in pairs]


class Span(NamedTuple):
    """The days a mark covers that are known (inclusive)."""

    first: int
    last: int
    bounded: bool
    """Whether both ends are known: a bar the axis must not cut short."""


def axis(spans: list[Span], left: float, right: float) -> Axis:
    """The axis for marks over ``spans``, from ``left`` to ``right``."""
    anchors = sorted({day for span in spans for day in (span.first, span.last)})
    starts = sorted(span.first for span in spans)
    chunks = _chunks(anchors, spans)
    room = right - left - 2 * EDGE
    cut = [(chunks[a][0], chunks[b - 1][1]) for a, b in _cut(chunks, starts, room)]
    crowds = [Crowding(starts, first, last) for first, last in cut]
    widths = _allot(
        [crowd.marks for crowd in crowds],
        [max(MIN_SEGMENT, crowd.days * MIN_APART / crowd.least) for crowd in crowds],
        room - BREAK * (len(cut) - 1),
    )
    segments, x = [], left + EDGE
    for (first, last), width in zip(cut, widths, strict=True):
        segments.append(Segment(first, last + 1, x, x + width))
        x += width + BREAK
    return Axis(tuple(segments), left, right)


def _chunks(anchors: list[int], spans: list[Span]) -> list[tuple[int, int]]:
    """The anchors (every known first and last day) cut at each gap that may
    take a break (at most :data:`CUTS`, the most lopsided first): the first
    and last day of each piece."""
    gaps = [b - a for a, b in pairwise(anchors)]
    bars = [span for span in spans if span.bounded and span.last > span.first]

    def lopsided(i: int) -> float:
        return gaps[i] / min(gaps[max(i - 1, 0) : i] + gaps[i + 1 : i + 2] or [1])

    cuttable = [
        i for i, gap in enumerate(gaps)
        if lopsided(i) >= LOPSIDED and not any(
            bar.first <= anchors[i] and anchors[i + 1] <= bar.last
            and bar.last - bar.first < SHORT_BAR * gap for bar in bars)
    ]  # fmt: skip
    kept = sorted(sorted(cuttable, key=lambda i: (-lopsided(i), i))[:CUTS])
    bounds = [0, *(i + 1 for i in kept), len(anchors)]
    return [(anchors[a], anchors[b - 1]) for a, b in pairwise(bounds)]


class Crowding:
    """The marks starting from day ``first`` to ``last``: how many there are,
    and each one's distance in days to the nearest other date among them,
    ascending, with running sums, to score them at any scale at once."""

    def __init__(self, starts: list[int], first: int, last: int) -> None:
        mine = starts[bisect_left(starts, first) : bisect_right(starts, last)]
        counts = Counter(mine)
        dates = sorted(counts)
        gaps = [b - a for a, b in pairwise(dates)]
        nearest = sorted(
            (min(gaps[max(i - 1, 0) : i] + gaps[i : i + 1], default=math.inf), count)
            for i, count in enumerate(counts[day] for day in dates)
        )
        self.days = last + 1 - first
        self.marks = len(mine)
        self.gaps = [gap for gap, _ in nearest]
        self.counted = [0, *accumulate(count for _, count in nearest)]
        self.logs = [0.0, *accumulate(count * math.log(gap) for gap, count in
                                      nearest if gap < math.inf)]  # fmt: skip
        self.least = self.gaps[0] if self.gaps else math.inf

    def score(self, per_mark: float) -> float:
        """How crowded the marks are at ``per_mark`` pixels a mark: the sum,
        over each mark whose nearest date lies closer than :data:`MIN_GAP`,
        of the log of its distance over :data:`MIN_GAP` (0: none is)."""
        scale = max(self.marks * per_mark, MIN_SEGMENT) / self.days
        crowded = bisect_left(self.gaps, MIN_GAP / scale)
        return self.logs[crowded] + self.counted[crowded] * math.log(scale / MIN_GAP)


def _cut(
    chunks: list[tuple[int, int]], starts: list[int], room: float
) -> list[tuple[int, int]]:
    """The segments, as ranges of chunks, that leave the marks least crowded
    (the best cut into each number of segments found by dynamic programming
    over the chunks), with :data:`BREAK_WORTH` counted against each break."""
    n = len(chunks)
    ranges = {(a, b): Crowding(starts, chunks[a][0], chunks[b - 1][1])
              for a in range(n) for b in range(a + 1, n + 1)}  # fmt: skip
    found = []
    for breaks in range(min(MAX_SEGMENTS, n)):
        per_mark = (room - BREAK * breaks) / len(starts)
        score = {ab: crowding.score(per_mark) for ab, crowding in ranges.items()}
        total, cut = _best(score, n, breaks + 1)
        found.append((total - BREAK_WORTH * breaks, -breaks, cut))
    return max(found)[2]


def _best(
    score: dict[tuple[int, int], float], n: int, segments: int
) -> tuple[float, list[tuple[int, int]]]:
    """The cut of ``n`` chunks into ``segments`` ranges with the best total
    ``score``, and that total."""
    best = {b: (score[0, b], [(0, b)]) for b in range(1, n + 1)}
    for level in range(1, segments):
        best = {
            b: max(((total + score[a, b], [*cut, (a, b)])
                    for a, (total, cut) in best.items() if a < b),
                   key=lambda found: found[0])
            for b in range(level + 1, n + 1)
        }  # fmt: skip
    return best[n]


def _allot(weights: list[int], floors: list[float], room: float) -> list[float]:
    """Widths filling ``room``, shared by ``weights``, but none below its
    floor (taken from the others' shares), or below :data:`MIN_SEGMENT` if
    the floors do not fit."""
    if sum(floors) > room:
        floors = [MIN_SEGMENT] * len(floors)
    fixed: set[int] = set()
    while True:
        free = room - sum(floors[i] for i in fixed)
        weight = sum(w for i, w in enumerate(weights) if i not in fixed)
        shares = [floors[i] if i in fixed else free * w / weight
                  for i, w in enumerate(weights)]  # fmt: skip
        short = {i for i, share in enumerate(shares) if share < floors[i]}
        if not short - fixed:
            return shares
        fixed |= short


# -- ticks --------------------------------------------------------------------

STEPS = ((1, "day"), (2, "day"), (7, "day"), (1, "month"), (3, "month"),
         (6, "month"), *((n, "year") for n in (1, 2, 5, 10, 20, 50, 100, 200,
                                               500, 1000)))  # fmt: skip
DAYS = {"day": 1.0, "month": 30.4, "year": 365.2}


class Tick(NamedTuple):
    x: float
    label: str
    context: str
    """The month or year a tick begins (``Feb 2015``), or ""."""


def step(segment: Segment) -> tuple[int, str]:
    """The finest step of days, months or years whose ticks lie
    :data:`TICK_ROOM` apart in ``segment``."""
    return next(
        ((n, unit) for n, unit in STEPS if n * DAYS[unit] * segment.scale >= TICK_ROOM),
        STEPS[-1],
    )


def ticks(segment: Segment) -> list[Tick]:
    """The ticks of ``segment``: each day (at its middle), month or year
    (at its first day) of its step."""
    n, unit = step(segment)
    if unit == "day":
        found = [_day_tick(segment, d, n) for d in range(segment.start, segment.end)]
        return [tick for tick in found if tick]
    first, last = date.fromordinal(segment.start), date.fromordinal(segment.end - 1)
    if unit == "month":
        return [
            Tick(segment.x(day.toordinal()), MONTHS[day.month - 1],
                 str(day.year) if day.month == 1 else "")
            for day in _months(first, last) if (day.month - 1) % n == 0
        ]  # fmt: skip
    return [
        Tick(segment.x(date(year, 1, 1).toordinal()), str(year), "")
        for year in range(first.year + (first != date(first.year, 1, 1)),
                          last.year + 1) if year % n == 0
    ]  # fmt: skip


def _day_tick(segment: Segment, ordinal: int, n: int) -> Tick | None:
    day = date.fromordinal(ordinal)
    month_days = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - day).days
    if (day.day - 1) % n or (n > 1 and month_days < n):
        return None
    context = f"{MONTHS[day.month - 1]} {day.year}" if day.day == 1 else ""
    return Tick(segment.x(ordinal + 0.5), str(day.day), context)


def _months(first: date, last: date) -> Iterator[date]:
    """The first day of each month from ``first``'s (if it is one) to ``last``'s."""
    year, month = (first.year, first.month) if first.day == 1 else _next(first)
    while (year, month) <= (last.year, last.month):
        yield date(year, month, 1)
        year, month = _next(date(year, month, 1))


def _next(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def start_context(segment: Segment) -> str:
    """What a segment's start says of when it is: its month (days) or its
    year (months; years, if no tick names one)."""
    day = date.fromordinal(segment.start)
    unit = step(segment)[1]
    if unit == "day":
        return f"{MONTHS[day.month - 1]} {day.year}"
    return "" if unit == "year" and ticks(segment) else str(day.year)


def spaced(captions: Iterable[Caption], gap: float = 6.0) -> list[Caption]:
    """The captions, in order, that overlap none kept before them and lie
    inside the drawing."""
    kept: list[Caption] = []
    for caption in captions:
        left, right, _, _ = caption.box
        if left < 0 or right > WIDTH:
            continue
        if all(right + gap <= k.box[0] or k.box[1] + gap <= left for k in kept):
            kept.append(caption)
    return kept


# -- what the chart says of an entry ------------------------------------------


@dataclass(frozen=True)
class Wording:
    """What the chart and its table call an entry, from the talks views: the
    scenario an assessment weighs, the talks a link names, an actor's name."""

    titles: dict[str, str]
    locations: dict[str, str]
    outcomes: dict[tuple[str, str], str]
    links: dict[tuple[str, int], LinkedTalks]
    actors: dict[str, str]

    @classmethod
    def of(cls, snapshot: Snapshot) -> Wording:
        talks = snapshot["talks"]
        return cls(
            titles={view["slug"]: view["title"] for view in talks},
            locations={view["slug"]: view["location"] for view in talks},
            outcomes={(view["slug"], s["key"]): s["outcome"]
                      for view in talks for s in view["scenarios"]},
            links={(view["slug"], link["entry_id"]): link for view in talks
                   for link in view.get("linked", [])},
            actors={actor["key"]: actor["name"] for actor in snapshot["actors"]},
        )  # fmt: skip

    def title(self, slug: str) -> str:
        return self.titles.get(slug, slug)

    def describe(self, entry: TimelineEntry) -> str:
        """The entry in full: its text, an assessment's with its scenario, a
        link's with the talks it names."""
        kind, key = entry["kind"], entry["ref"].partition(":")[2]
        if kind == "assessment" and (
            outcome := self.outcomes.get((entry["talks"], key))
        ):
            return f"{outcome}: {entry['text']}"
        if kind == "link" and (
            link := self.links.get((entry["talks"], entry["entry_id"]))
        ):
            return f"{relation(link)} {link['title']}"
        return entry["text"]

    def labels(self, entry: TimelineEntry) -> tuple[str, str]:
        """The entry's label on the chart, and a shorter one."""
        kind, key = entry["kind"], entry["ref"].partition(":")[2]
        text = one_line(self.describe(entry))
        if kind == "talks":
            text = one_line(f"Talks in {self.locations.get(entry['talks'], '')}")
        elif kind in ("stance", "motive"):
            text = one_line(f"{self.actors.get(key, key)}: {text}")
        short = clipped(text, SHORT_WIDTH, LABEL_SIZE)
        if kind == "assessment" and ": " in text:  # the likelihood, whole
            outcome, _, likelihood = text.rpartition(": ")
            tail = ": " + likelihood.split(",")[0]
            room = max(SHORT_WIDTH - text_width(tail, LABEL_SIZE), 0.7 * SHORT_WIDTH)
            short = clipped(outcome, room, LABEL_SIZE) + tail
        return clipped(text, LABEL_WIDTH, LABEL_SIZE), short

    def tooltip(self, entry: TimelineEntry) -> str:
        text = self.describe(entry)
        if len(text) > TOOLTIP_CHARS:
            text = text[: TOOLTIP_CHARS - 1] + "…"
        name = style(entry["kind"]).name
        return f"{entry['date']} · {self.title(entry['talks'])}\n{name}: {text}"


# -- marks and bands ----------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    kind: str
    ref: str
    talks: str
    date: str
    is_range: bool
    x: float
    """A day's centre; a bar's left."""
    width: float
    y: float
    tooltip: str
    qualified: bool = False
    """Approximate or uncertain."""
    open_start: str | None = None
    open_end: str | None = None
    """``open`` or ``unknown``: the bar runs to the plot's edge."""
    label: Caption | None = None

    @property
    def left(self) -> float:
        return self.x if self.is_range else self.x - POINT

    @property
    def right(self) -> float:
        return self.x + self.width if self.is_range else self.x + POINT

    @property
    def glyph(self) -> Glyph:
        """The shape of a day; a bar's icon, at its start."""
        x = self.x + ICON / 2 if self.is_range else self.x
        return glyph(style(self.kind).shape, x, self.y)

    @property
    def icon(self) -> bool:
        """Whether the bar is long enough to show its kind's shape."""
        return self.is_range and self.width >= ICON + 2


@dataclass(frozen=True)
class Row:
    slug: str
    title: str
    y: float
    height: float
    captions: list[Caption]
    """Its title, wrapped, and its links."""


def place(entry: TimelineEntry, axis: Axis, wording: Wording) -> Mark:
    """The mark of an entry, at its date; its lane (``y``) is set later."""
    on = PartialDate.parse(entry["date"] or "")
    lower = None if on.open_start else _day(entry["lower"])
    upper = None if on.open_end else _day(entry["upper"] or entry["lower"])
    mark = Mark(
        kind=entry["kind"] if entry["kind"] in PALETTE else "other",
        ref=entry["ref"], talks=entry["talks"], date=entry["date"] or "",
        is_range=lower != upper, x=0.0, width=0.0, y=0.0,
        tooltip=wording.tooltip(entry), qualified=on.approximate or on.uncertain,
        open_start=on.open_start, open_end=on.open_end,
    )  # fmt: skip
    if lower is not None and lower == upper:
        return replace(mark, x=axis.x(lower + _time(on.time)))
    left = axis.left + END if lower is None else axis.x(lower)
    right = axis.right - END if upper is None else axis.x(upper + 1)
    return replace(mark, x=left, width=max(right - left, MIN_BAR))


def _time(time: str | None) -> float:
    """Where in its day a time of day falls (the middle, for none)."""
    if time is None:
        return 0.5
    return (int(time[:2]) * 60 + int(time[3:5])) / 1440


def _day(iso: str | None) -> int:
    assert iso is not None, "only dated entries are drawn"
    return date.fromisoformat(iso).toordinal()


def span(entry: TimelineEntry) -> Span:
    """The days of an entry's date that are known."""
    on = PartialDate.parse(entry["date"] or "")
    first = None if on.open_start else _day(entry["lower"])
    last = None if on.open_end else _day(entry["upper"] or entry["lower"])
    known = [day for day in (first, last) if day is not None]
    return Span(min(known), max(known), len(known) == 2)


class Lane:
    """What a lane of a band holds: stretches of x that nothing else may
    share, in order (so a label may go in a gap left of others)."""

    def __init__(self) -> None:
        self.lefts: list[float] = []
        self.rights: list[float] = []

    def free(self, left: float, right: float) -> bool:
        """Whether ``left`` to ``right`` lies :data:`GAP` from all it holds."""
        before = bisect_left(self.lefts, right + GAP)
        return before == 0 or self.rights[before - 1] + GAP <= left

    def take(self, left: float, right: float) -> None:
        at = bisect_left(self.lefts, left)
        self.lefts.insert(at, left)
        self.rights.insert(at, right)


def lanes(
    marks: list[Mark], labels: list[tuple[str, str]], drawn: Axis
) -> list[tuple[Mark, int]]:
    """Each mark with its label (or none) and its lane, from left to right:
    the first lane where it fits with its label, then with its short label,
    else the first where it fits alone."""
    held: list[Lane] = []
    placed = []
    for i in sorted(range(len(marks)), key=lambda i: (marks[i].left, i)):
        mark, lane = _lane(marks[i], labels[i], held, drawn)
        if lane == len(held):
            held.append(Lane())
        box = mark.label.box if mark.label else (mark.left, mark.right)
        held[lane].take(min(mark.left, box[0]), max(mark.right, box[1]))
        placed.append((mark, lane))
    return placed


def _lane(
    mark: Mark, labels: tuple[str, str], held: list[Lane], drawn: Axis
) -> tuple[Mark, int]:
    """The lane for ``mark``, with a label if one fits: a label may go in any
    lane the band has, or in a new one while the band has fewer than
    :data:`LABEL_LANES` or the mark needs one anyway; within the mark's
    segment if it can, whole or short, else across a break."""
    fits = (i for i, lane in enumerate(held) if lane.free(mark.left, mark.right))
    alone = next(fits, len(held))
    reach = len(held) + (len(held) < LABEL_LANES or alone == len(held))
    for bounds in (drawn.stretch(mark.x), (drawn.left, drawn.right)):
        for text in dict.fromkeys(labels):
            places = [(label, min(label.box[0], mark.left),
                       max(label.box[1], mark.right))
                      for label in _label_places(mark, text, bounds)]  # fmt: skip
            for i in range(reach):
                for label, left, right in places:
                    if i == len(held) or held[i].free(left, right):
                        return replace(mark, label=label), i
    return mark, alone


def _label_places(
    mark: Mark, text: str, bounds: tuple[float, float]
) -> Iterator[Caption]:
    """Where a label may go within ``bounds``, in order of preference: inside
    a bar, right of the mark, left of it. Its baseline is set with its lane."""
    width = text_width(text, LABEL_SIZE)
    inside = mark.x + (ICON + 2 if mark.icon else 4)
    if mark.is_range and inside + width + 4 <= mark.right:
        yield Caption(inside, 0.0, text, "tag inside", LABEL_SIZE)
    if mark.right + GAP + width <= bounds[1]:
        yield Caption(mark.right + GAP, 0.0, text, "tag", LABEL_SIZE)
    if mark.left - GAP - width >= bounds[0]:
        yield Caption(mark.left - GAP, 0.0, text, "tag", LABEL_SIZE, "end")


def band(
    slug: str, title: str, marks: list[tuple[Mark, int]], captions: list[Caption],
    top: float,
) -> tuple[Row, list[Mark]]:  # fmt: skip
    """A talks' band at ``top``: its marks in their lanes, its captions."""
    count = max((lane for _, lane in marks), default=0) + 1
    text = (captions[-1].y + 0.24 * captions[-1].size + PAD) if captions else 0.0
    height = max(2 * PAD + count * LANE, text)
    drawn = []
    for mark, lane in marks:
        y = top + PAD + lane * LANE + LANE / 2
        label = mark.label and replace(mark.label, y=_baseline(y, LABEL_SIZE))
        drawn.append(replace(mark, y=y, label=label))
    shifted = [replace(caption, y=caption.y + top) for caption in captions]
    return Row(slug, title, top, height, shifted), drawn


def band_captions(view: TalksView | None, title: str) -> list[Caption]:
    """A band's label: its title, wrapped, then a line per link (at 0)."""
    width, y = LABELS - 16, float(PAD)
    captions = []
    for line in wrapped(title, width, TITLE_SIZE, TITLE_LINES):
        y += 15
        captions.append(Caption(8, y, line, "label", TITLE_SIZE))
    links = view.get("linked", []) if view else []
    notes = [f"{relation(link)} {link['title']}" for link in links[:NOTES]]
    if len(links) > NOTES:
        notes.append(f"and {len(links) - NOTES} more linked talks")
    for note in notes:
        for line in wrapped(note, width, NOTE_SIZE, 2):
            y += 13
            captions.append(Caption(8, y, line, "relation", NOTE_SIZE))
    return captions


def relation(link: LinkedTalks) -> str:
    """A link's relation as read: ``part of``, ``superseded by``."""
    return link["relation"].replace("-", " ")


def band_order(views: list[TalksView]) -> list[str]:
    """The talks in the snapshot's order, but each linked talks next to the
    talks it is linked to where it can be: what a talks follows, supersedes or
    is part of comes first, then the talks, then what follows it, supersedes
    it or is part of it, then what is related."""
    rank = {view["slug"]: i for i, view in enumerate(views)}
    before: dict[str, list[str]] = {slug: [] for slug in rank}
    after: dict[str, list[str]] = {slug: [] for slug in rank}
    for view in views:
        for link in view.get("linked", []):
            if link["talks"] not in rank:
                continue
            earlier = link["relation"] in ("follows", "supersedes", "part-of")
            (before if earlier else after)[view["slug"]].append(link["talks"])
    order: list[str] = []
    for slug in rank:
        if slug not in order:
            _visit(_root(slug, before, rank), before, after, rank, order)
    return order


def _root(slug: str, before: dict[str, list[str]], rank: dict[str, int]) -> str:
    """The earliest talks that ``slug`` comes after, link by link."""
    seen = {slug}
    while up := [other for other in before[slug] if other not in seen]:
        slug = min(up, key=rank.__getitem__)
        seen.add(slug)
    return slug


def _visit(
    slug: str, before: dict[str, list[str]], after: dict[str, list[str]],
    rank: dict[str, int], order: list[str],
) -> None:  # fmt: skip
    """Place ``slug``, then its linked talks not yet placed, depth first."""
    if slug in order:
        return
    order.append(slug)
    for other in sorted({*after[slug], *before[slug]}, key=rank.__getitem__):
        _visit(other, before, after, rank, order)


# -- the chart ----------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    width: int
    height: float
    left: float
    right: float
    axis_y: float
    rows: list[Row]
    marks: list[Mark]
    segments: list[Segment]
    grid: list[float]
    captions: list[Caption]
    """The axis's labels: ticks, then months or years."""
    breaks: list[tuple[float, float]]
    first_year: int
    last_year: int


def chart(snapshot: Snapshot) -> Chart | None:
    """The dated entries on the axis, a band of lanes per talks; None when no
    entry is dated."""
    entries = dated(snapshot["timeline"])
    if not entries:
        return None
    spans = [span(entry) for entry in entries]
    drawn = axis(spans, LABELS, WIDTH - RIGHT)
    wording = Wording.of(snapshot)
    views = {view["slug"]: view for view in snapshot["talks"]}
    by_talks: dict[str, list[TimelineEntry]] = {}
    for entry in entries:
        by_talks.setdefault(entry["talks"], []).append(entry)
    order = band_order(list(views.values()))
    order += [slug for slug in by_talks if slug not in order]
    rows, marks, y = [], [], float(TOP)
    for slug in (slug for slug in order if slug in by_talks):
        mine, title = by_talks[slug], wording.title(slug)
        placed = lanes([place(entry, drawn, wording) for entry in mine],
                       [wording.labels(entry) for entry in mine], drawn)  # fmt: skip
        captions = band_captions(views.get(slug), title)
        row, in_band = band(slug, title, placed, captions, y)
        rows.append(row)
        marks += in_band
        y += row.height
    return _framed(drawn, rows, marks, y, spans)


def _framed(
    drawn: Axis, rows: list[Row], marks: list[Mark], axis_y: float, spans: list[Span]
) -> Chart:
    """The chart of bands above ``axis_y``, with the axis's ticks below."""
    found = [(segment, tick) for segment in drawn.segments for tick in ticks(segment)]
    labels = (Caption(t.x, axis_y + 15, t.label, "tick", LABEL_SIZE, "middle")
              for _, t in found)  # fmt: skip
    starts = (
        Caption(s.left, axis_y + 30, context, "context", LABEL_SIZE)
        for s in drawn.segments
        if (context := start_context(s))
    )
    months = (Caption(t.x, axis_y + 30, t.context, "context", LABEL_SIZE)
              for _, t in found if t.context)  # fmt: skip
    first = date.fromordinal(min(s.first for s in spans)).year
    return Chart(
        width=WIDTH, height=axis_y + AXIS, left=drawn.left, right=drawn.right,
        axis_y=axis_y, rows=rows, marks=marks, segments=list(drawn.segments),
        grid=[tick.x for _, tick in found],
        captions=spaced(labels) + spaced([*starts, *months]),
        breaks=drawn.breaks, first_year=first,
        last_year=date.fromordinal(max(s.last for s in spans)).year,
    )  # fmt: skip


def dated(timeline: list[TimelineEntry]) -> list[TimelineEntry]:
    """The dated entries by first day (ties keep the snapshot's order)."""
    return sorted((e for e in timeline if e["lower"]), key=lambda e: e["lower"] or "")


def legend(drawn: Chart | None) -> list[tuple[str, Style, Glyph]]:
    """The kinds drawn, in the order of :data:`KINDS`: each with its colour
    and its shape."""
    kinds = {mark.kind for mark in drawn.marks} if drawn else set()
    return [(kind, style(kind), glyph(style(kind).shape, 8, 8))
            for kind in [*PALETTE, "other"] if kind in kinds]  # fmt: skip


def key(drawn: Chart | None) -> str:
    """What the shapes mean, and the breaks, qualifiers and open ends when the
    chart has any."""
    marks = drawn.marks if drawn else []
    dates = [PartialDate.parse(mark.date) for mark in marks]
    text = (
        "A shape marks a day, a bar the days a month, a year or an interval can mean."
    )
    if any(on.time for on in dates):
        text += " A day with a time of day is drawn at that time, as written."
    if drawn and drawn.breaks:
        text += (
            " // on the axis: a break, time left out; each stretch has its own scale."
        )
    if any(on.approximate or on.uncertain for on in dates):
        text += (
            " A dashed outline: an approximate (~) or uncertain (?) date, or both (%)."
        )
    if any(mark.open_start == "open" or mark.open_end == "open" for mark in marks):
        text += " An arrow at the edge: an interval open at that end (..)."
    if any("unknown" in (mark.open_start, mark.open_end) for mark in marks):
        text += " Dots at the edge: an interval whose end is unknown."
    return text + " Hover a mark for its entry; the table below lists them all."
