"""The HTML page of a snapshot: its brief tables, its drawn timeline (the
axis, the marks, their labels, the colours, the bands), its links, its
escaping, and what a real browser makes of it."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image

from events import PartialDate
from events.kinds import KINDS
from projections.snapshot import Snapshot
from tests.browser import dump_dom, screenshot
from timeline.casefile import demo_case
from timeline.exporters import chart as geometry
from timeline.exporters.chart import (
    PALETTE,
    Axis,
    Chart,
    Segment,
    band_order,
    chart,
    text_width,
    ticks,
)
from timeline.exporters.html import render_html
from timeline.service import Service

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
HOSTILE_URL = 'https://example.org/?q="><script>alert(1)</script>'

VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr", "area", "base"}


# -- a small DOM, from the page's text or from the browser's ------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(
            child if isinstance(child, str) else child.text() for child in self.children
        )

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [
            node
            for node in self.walk()
            if node.tag == tag
            and (cls is None or cls in node.attrs.get("class", "").split())
        ]

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(
            Node(tag, {name: value or "" for name, value in attrs})
        )

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def cells(dom: Node) -> list[str]:
    return [td.text() for td in dom.all("td")]


def talks(dom: Node, slug: str) -> Node:
    (section,) = [node for node in dom.all("section") if node.attrs.get("id") ==
                  f"talks-{slug}"]  # fmt: skip
    return section


def marks(dom: Node) -> list[Node]:
    return [node for node in dom.walk() if "mark" in node.classes()]


def mark(dom: Node, date: str) -> Node:
    (found,) = [m for m in marks(dom) if m.attrs["data-date"] == date]
    return found


def box(node: Node) -> tuple[float, float, float, float]:
    """Left, right, top, bottom of a drawn mark (a diamond: the square turned
    a quarter of a right angle about its centre)."""
    a = {name: float(value) for name, value in node.attrs.items() if _number(value)}
    if node.tag == "circle":
        return a["cx"] - a["r"], a["cx"] + a["r"], a["cy"] - a["r"], a["cy"] + a["r"]
    if "rotate(45" in node.attrs.get("transform", ""):
        x, y, half = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2, a["width"]
        half /= math.sqrt(2)
        return x - half, x + half, y - half, y + half
    return a["x"], a["x"] + a["width"], a["y"], a["y"] + a["height"]


def centre(node: Node) -> float:
    left, right, _, _ = box(node)
    return (left + right) / 2


def _number(text: str) -> bool:
    return text.replace(".", "", 1).lstrip("-").isdigit()


# -- the data -----------------------------------------------------------------


def record_geneva(app: Service) -> None:
    app.open_talks(
        "geneva", "Geneva round", "Geneva", ["UKR", "RUS"], on="2024-07",
        sources=["https://example.org/geneva"],
    )  # fmt: skip
    app.record_development("geneva", "2024-07-23", "Talks resume", [
        "https://example.org/a", "http://example.org/b", "javascript:alert(1)",
        "ftp://example.org/c", "Reuters wire, 23 July",
    ])  # fmt: skip
    app.record_development("geneva", "2024", "Year-long truce", [])
    app.record_development("geneva", "2023-03", "First contacts", [])
    app.record_stance("geneva", "RUS", "Security guarantees first", ["Crimea"],
                      on="2024-06-02")  # fmt: skip


def record_hostile(app: Service) -> None:
    app.open_talks("hostile", SCRIPT, BREAKOUT, ["UKR"], on="2022-02-24")
    app.record_stance("hostile", "UKR", BREAKOUT, [SCRIPT], on="2022")
    app.record_development(
        "hostile", "2022-03", SCRIPT, [BREAKOUT, HOSTILE_URL, "javascript:alert(1)"]
    )


def record_minsk(app: Service) -> None:
    """The Minsk talks: the Protocol of September 2014 and Minsk II of
    February 2015, which supersedes it, with eight years of developments,
    busy in the Februaries of 2015 and 2022, a war still going on (an open
    interval), stances, a motivation, scenarios with their assessments."""
    app.register_actor("osce", "OSCE", "organization")
    app.open_talks(
        "minsk-protocol", "Minsk Protocol (Trilateral Contact Group on Ukraine)",
        "Minsk", ["UKR", "RUS", "osce"], on="2014-09-05",
    )  # fmt: skip
    app.open_talks(
        "minsk-ii", MINSK_II, "Minsk", ["UKR", "RUS", "DEU", "FRA", "osce"],
        on="2015-02-11/2015-02-12",
    )  # fmt: skip
    app.link_talks("minsk-ii", "minsk-protocol", "supersedes", on="2015-02-12")
    for on, text in PROTOCOL_DEVELOPMENTS:
        app.record_development("minsk-protocol", on, text)
    app.record_stance("minsk-protocol", "UKR", "Ceasefire and OSCE monitoring first",
                      ["Border control"], on="2014-09-05")  # fmt: skip
    m = "minsk-ii"
    app.add_agenda_item(m, "ceasefire", "Ceasefire from 15 February", on="2015-02-11")
    app.add_agenda_item(m, "heavy-weapons", "Withdrawal of heavy weapons",
                        on="2015-02-11")  # fmt: skip
    app.record_stance(m, "UKR", "Border control before local elections",
                      ["Sovereignty"], on="2015-02-11")  # fmt: skip
    app.record_stance(m, "RUS", "Special status for Donbas first",
                      ["Leverage over Kyiv"], on="2015-02-11")  # fmt: skip
    app.record_motivation(m, "osce", "Monitor the ceasefire line", on="2015-02-12")
    for on, text in MINSK_DEVELOPMENTS:
        app.record_development(m, on, text)
    for key, outcome, impact in SCENARIOS:
        app.add_scenario(m, key, outcome, impact, on="2015-02-12")
    app.assess_scenario(m, "frozen", "likely", "The ceasefire holds poorly",
                        on="2015-03", confidence="moderate")  # fmt: skip
    app.assess_scenario(m, "implemented", "unlikely", "No political steps",
                        on="2016", confidence="moderate")  # fmt: skip
    app.assess_scenario(m, "war", "likely", "Troops massed", on="2022-02-16",
                        confidence="high")  # fmt: skip
    app.add_recommendation(m, "monitoring", "Fund OSCE monitoring", audience="DEU",
                           on="2015-02-13")  # fmt: skip


MINSK_II = (
    "Package of Measures for the Implementation of the Minsk Agreements (Minsk II)"
)
PROTOCOL_DEVELOPMENTS = (
    ("2014-04-07/..", "War in Donbas; fighting goes on"),
    ("2014-09-19", "Memorandum on the ceasefire line"),
    ("2015-01-22", "Fighting for Donetsk airport ends"),
)
MINSK_DEVELOPMENTS = (
    ("2015-02-12T11:00+03:00", "Package of Measures signed in Minsk"),
    ("2015-02-15T00:00+02:00", "Ceasefire takes effect"),
    ("2015-02-17", "UN Security Council endorses the package (2202)"),
    ("2015-02-18", "Ukrainian forces withdraw from Debaltseve"),
    ("2015-02-24", "Withdrawal of heavy weapons begins"),
    ("2015-03-17", "Rada adopts the law on special status"),
    ("2015-08-31", "Clashes outside the Rada over the amendments"),
    ("2016-10-19", "Normandy Four meet in Berlin"),
    ("2019-10-01", "Steinmeier formula agreed"),
    ("2019-12-09", "Normandy summit in Paris"),
    ("2020-07-27", "Additional ceasefire measures"),
    ("2021-04", "Russian build-up on the border"),
    ("2022-02-15", "Duma asks for recognition of the DPR and LPR"),
    ("2022-02-17", "Shelling surges along the contact line"),
    ("2022-02-18", "Separatist leaders announce evacuations"),
    ("2022-02-21", "Russia recognises the DPR and LPR"),
    ("2022-02-22", "Putin: the Minsk agreements no longer exist"),
    ("2022-02-24", "Full-scale invasion begins"),
    ("2022-12~", "Merkel: Minsk bought Ukraine time"),
)
SCENARIOS = (
    ("frozen", "Frozen conflict", "A long stalemate"),
    ("implemented", "Full implementation", "Reintegration of Donbas"),
    ("war", "Full-scale war", "Renewed invasion"),
)


def record_summit(app: Service) -> None:
    """A three-day summit, some developments at a time of day."""
    app.open_talks("summit", "Geneva summit", "Geneva", ["UKR", "RUS", "TUR"],
                   on="2024-07-23/2024-07-25")  # fmt: skip
    for on in ("2024-07-23T09:00+02:00", "2024-07-23T15:30+02:00", "2024-07-24",
               "2024-07-24T18:00+02:00", "2024-07-25T11:00+02:00",
               "2024-07-25"):  # fmt: skip
        app.record_development("summit", on, f"At {on}")
    app.record_stance("summit", "TUR", "Mediates", ["Trade"], on="2024-07-23")


def record_decade(app: Service) -> None:
    """A ten-year process: a review a year, and a crisis week in 2020."""
    app.open_talks("process", "Normalisation process", "Vienna", ["SRB", "ALB"],
                   on="2013/2023")  # fmt: skip
    for i, year in enumerate(range(2013, 2024)):
        app.record_development("process", f"{year}-0{i % 9 + 1}-1{i % 9}",
                               f"Review {year}")  # fmt: skip
    for day in (1, 2, 3, 5, 8):
        app.record_development("process", f"2020-09-0{day}", f"Crisis day {day}")
    app.record_development("process", "201X", "Sometime in the 2010s")


@pytest.fixture
def both(app: Service) -> Snapshot:
    """The Beijing talks (undated) and the Geneva round (dated)."""
    app.record_case(demo_case())
    record_geneva(app)
    return app.queries.snapshot()


@pytest.fixture
def everything(app: Service) -> Snapshot:
    app.record_case(demo_case())
    record_geneva(app)
    record_hostile(app)
    return app.queries.snapshot()


# -- the page's text ----------------------------------------------------------


def test_the_page_carries_the_brief_tables_verbatim(both: Snapshot) -> None:
    dom = parse(render_html(both))
    texts = cells(dom)
    for text in (
        "Promotes dialogue and peaceful resolution",
        "Stability in Eastern Europe, reduced conflict impact on trade",
        "Strengthening international alliances against aggression",
        "Increased Diplomatic Engagement",
        "Potential for mediation efforts and reduced tensions",
        "Risk of escalating regional conflicts",
        "Humanitarian Aid",
        "Enhance Military Partnerships",
        "Increased security through joint training exercises",
        "Security guarantees first",
    ):
        assert text in texts
    beijing = both["talks"][0]
    for stance in beijing["stances"]:
        assert stance["position"] in texts
    for motivation in beijing["motivations"]:
        assert motivation["text"] in texts
    for scenario in beijing["scenarios"]:
        assert [scenario["outcome"], scenario["impact"]] == _row_of(
            dom, scenario["outcome"]
        )
    headers = [th.text() for th in dom.all("th")]
    for name in ("Country", "Diplomatic Stance", "Key Interests", "Actor",
                 "Outcome", "Potential Impact", "Recommendation"):  # fmt: skip
        assert name in headers
    assert all(th.attrs.get("scope") == "col" for th in dom.all("th"))
    sections = [h3.text() for h3 in dom.all("h3")]
    assert "Strategic priorities for Ukraine" in sections
    assert "Recommendations for Ukraine" in sections
    assert [h2.text() for h2 in dom.all("h2")] == [
        "Timeline",
        beijing["title"],
        "Geneva round",
    ]


def _row_of(dom: Node, first_cell: str) -> list[str]:
    (row,) = [tr for tr in dom.all("tr") if tr.all("td")[:1] and
              tr.all("td")[0].text() == first_cell]  # fmt: skip
    return [td.text() for td in row.all("td")]


def test_the_page_names_its_snapshot_and_is_accessible(both: Snapshot) -> None:
    html = render_html(both)
    dom = parse(html)
    assert html.startswith("<!DOCTYPE html>\n")
    (page,) = dom.all("html")
    assert page.attrs["lang"] == "en"
    assert dom.all("meta")[0].attrs == {"charset": "utf-8"}
    assert dom.all("title")[0].text() == (
        f"Diplomatic timeline at store position {both['position']}"
    )
    (header,) = dom.all("header")
    assert f"store position {both['position']}" in header.text()
    assert both["recorded_at"]
    assert both["recorded_at"] in header.text()


def test_one_talks_only(app: Service) -> None:
    app.record_case(demo_case())
    record_geneva(app)
    dom = parse(render_html(app.queries.snapshot("geneva")))
    assert [h2.text() for h2 in dom.all("h2")] == ["Timeline", "Geneva round"]
    assert not dom.all("nav")
    assert {m.attrs["data-talks"] for m in marks(dom)} == {"geneva"}


# -- the drawn timeline -------------------------------------------------------


def test_every_dated_entry_is_one_mark_placed_by_its_date(both: Snapshot) -> None:
    dom = parse(render_html(both))
    (svg,) = dom.all("svg", "chart")
    dated = [entry for entry in both["timeline"] if entry["lower"]]
    drawn = marks(svg)
    assert len(dated) == 5  # the talks, three developments, a stance
    assert sorted(m.attrs["data-ref"] for m in drawn) == sorted(
        entry["ref"] for entry in dated
    )
    assert {m.attrs["data-talks"] for m in drawn} == {"geneva"}  # Beijing: undated

    year, month = mark(svg, "2024"), mark(svg, "2024-07")
    day, stance = mark(svg, "2024-07-23"), mark(svg, "2024-06-02")
    assert year.tag == month.tag == "rect"
    assert {"range", "k-development"} <= year.classes()
    assert float(year.attrs["width"]) > 0
    assert (day.tag, stance.tag) == ("circle", "rect")  # a disc, a diamond
    assert {"point", "k-development"} <= day.classes()
    assert {"point", "k-stance"} <= stance.classes()
    assert float(year.attrs["width"]) > 10 * float(month.attrs["width"])
    # July 23 lies inside July, which lies inside 2024, which follows March 2023.
    month_left, month_right, _, _ = box(month)
    assert month_left < float(day.attrs["cx"]) < month_right
    year_left, year_right, _, _ = box(year)
    assert year_left <= month_left < month_right <= year_right
    assert box(mark(svg, "2023-03"))[1] < year_left

    for m in drawn:
        (title,) = m.all("title")
        entry = next(e for e in dated if e["ref"] == m.attrs["data-ref"])
        assert f"{entry['date']} · Geneva round" in title.text()
        assert entry["text"] in title.text()
    assert {"2023", "2024"} <= {t.text() for t in svg.all("text", "context")}
    assert {"Apr", "Jul", "Oct", "Jan"} <= {t.text() for t in svg.all("text", "tick")}


def record_rome(app: Service) -> None:
    """Talks over days; developments over an interval, at qualified dates."""
    app.open_talks(
        "rome", "Rome round", "Rome", ["UKR", "RUS"], on="2024-07-23/2024-07-26"
    )
    app.record_development("rome", "2024-07", "July")
    app.record_development("rome", "2024-07~", "About July")
    app.record_development("rome", "2024-07-23", "The first day")
    app.record_development("rome", "2024-07-23?", "Perhaps the first day")
    app.record_development("rome", "2024-03/2024-05~", "Spring, roughly")


def test_an_interval_is_a_bar_from_its_first_day_to_its_last(app: Service) -> None:
    record_rome(app)
    dom = parse(render_html(app.queries.snapshot()))
    (svg,) = dom.all("svg", "chart")

    talks, month = mark(svg, "2024-07-23/2024-07-26"), mark(svg, "2024-07")
    day = mark(svg, "2024-07-23")
    assert talks.tag == "rect"
    assert "range" in talks.classes()
    left, right, _, _ = box(talks)
    month_left, month_right, _, _ = box(month)
    day_width = (month_right - month_left) / 31
    assert month_left < left < float(day.attrs["cx"]) < right < month_right
    assert left == pytest.approx(month_left + 22 * day_width, abs=0.2)
    assert right - left == pytest.approx(4 * day_width, abs=0.2)  # 23 to 26 July
    spring = box(mark(svg, "2024-03/2024-05~"))
    assert spring[1] < month_left  # March to May: before July
    assert spring[1] - spring[0] == pytest.approx(
        (date(2024, 6, 1) - date(2024, 3, 1)).days * day_width, abs=0.3
    )
    (title,) = talks.all("title")
    assert title.text().startswith("2024-07-23/2024-07-26 · Rome round\n")


def test_a_qualified_date_is_drawn_as_its_date_and_shown_as_recorded(
    app: Service,
) -> None:
    record_rome(app)
    dom = parse(render_html(app.queries.snapshot()))
    (svg,) = dom.all("svg", "chart")

    about, july = mark(svg, "2024-07~"), mark(svg, "2024-07")
    perhaps, first = mark(svg, "2024-07-23?"), mark(svg, "2024-07-23")
    assert about.tag == "rect"
    assert box(about)[:2] == box(july)[:2]  # the same month, in another lane
    assert perhaps.tag == "circle"
    assert perhaps.attrs["cx"] == first.attrs["cx"]
    assert "qualified" in about.classes() | perhaps.classes()  # a dashed outline
    assert "qualified" not in july.classes() | first.classes()
    (title,) = about.all("title")
    assert title.text() == "2024-07~ · Rome round\nDevelopment: About July"
    (title,) = perhaps.all("title")
    assert title.text().startswith("2024-07-23? · Rome round\n")
    texts = cells(dom)
    for shown in (
        "2024-07~",
        "2024-07-23?",
        "2024-03/2024-05~",
        "2024-07-23/2024-07-26",
    ):
        assert shown in texts  # the table under the drawing, the developments
    assert key_of(dom) == (
        "A shape marks a day, a bar the days a month, a year or an interval can "
        "mean. A dashed outline: an approximate (~) or uncertain (?) date, or both "
        "(%). Hover a mark for its entry; the table below lists them all."
    )


def key_of(dom: Node) -> str:
    (key,) = dom.all("p", "key")
    return key.text()


def test_the_key_names_only_the_forms_drawn(both: Snapshot) -> None:
    assert key_of(parse(render_html(both))) == (
        "A shape marks a day, a bar the days a month, a year or an interval can "
        "mean. Hover a mark for its entry; the table below lists them all."
    )


def test_marks_of_a_talks_do_not_overlap(app: Service) -> None:
    app.open_talks("busy", "Busy week", "Vienna", ["AUT"], on="2024-05")
    for day in range(1, 8):
        app.record_development("busy", f"2024-05-0{day}", f"Day {day}", [])
    app.record_development("busy", "2024", "All year", [])
    app.record_stance("busy", "AUT", "Neutral", [], on="2024-05-03")
    drawn = marks(parse(render_html(app.queries.snapshot())))
    assert len(drawn) == 10
    assert not overlapping([box(m) for m in drawn])


Box = tuple[float, float, float, float]


def overlapping(boxes: list[Box]) -> list[tuple[Box, Box]]:
    """The pairs of boxes that share more than a hair's breadth."""
    return [
        (a, b) for a, b in combinations(boxes, 2)
        if min(a[1], b[1]) - max(a[0], b[0]) > 0.01
        and min(a[3], b[3]) - max(a[2], b[2]) > 0.01
    ]  # fmt: skip


def test_without_a_date_the_page_says_so(app: Service) -> None:
    app.record_case(demo_case())
    html = render_html(app.queries.snapshot())
    dom = parse(html)
    assert not dom.all("svg", "chart")
    assert "No entry in this snapshot has a date" in dom.text()
    assert "Promotes dialogue and peaceful resolution" in cells(dom)


# -- the axis -----------------------------------------------------------------


@pytest.fixture
def minsk(app: Service) -> Snapshot:
    record_minsk(app)
    return app.queries.snapshot()


def axis_of(drawn: Chart) -> Axis:
    return Axis(tuple(drawn.segments), drawn.left, drawn.right)


def day(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


@pytest.mark.sqlite_only  # geometry: the store does not matter
def test_the_axis_maps_days_in_order_and_breaks_between_segments(
    minsk: Snapshot,
) -> None:
    drawn = chart(minsk)
    assert drawn is not None
    axis = axis_of(drawn)
    segments = drawn.segments
    assert 2 <= len(segments) <= geometry.MAX_SEGMENTS
    xs = [axis.x(d) for d in range(segments[0].start - 30, segments[-1].end + 30)]
    assert xs == sorted(xs)  # monotonic, breaks and all
    assert axis.left <= xs[0]
    assert xs[-1] <= axis.right
    for segment, after in pairwise(segments):
        assert segment.end < after.start  # time is left out between them
        assert after.left - segment.right == geometry.BREAK
        assert axis.x(segment.end) == pytest.approx(segment.right)
    assert drawn.breaks == [(a.right, b.left) for a, b in pairwise(segments)]
    for entry in minsk["timeline"]:  # every known day lies in a segment
        known = PartialDate.parse(entry["date"] or "")
        for side in (known.start, known.end):
            if side is not None:
                first = side.lower.toordinal()
                assert any(s.start <= first < s.end for s in segments), entry["date"]
    # The open interval (2014-04-07/..) stretches nothing: the axis ends with
    # the last known day, December 2022.
    assert segments[0].start == day("2014-04-07")
    assert segments[-1].end == day("2023-01-01")
    assert (drawn.first_year, drawn.last_year) == (2014, 2022)


def scale_at(drawn: Chart, iso: str) -> float:
    (segment,) = [s for s in drawn.segments if s.start <= day(iso) < s.end]
    return segment.scale


@pytest.mark.sqlite_only
def test_busy_weeks_get_room_and_quiet_years_are_compressed(minsk: Snapshot) -> None:
    drawn = chart(minsk)
    assert drawn is not None
    assert scale_at(drawn, "2015-02-15") > 15  # pixels a day
    assert scale_at(drawn, "2022-02-18") > 5
    assert scale_at(drawn, "2018-01-01") < 0.1
    assert spread(drawn) >= geometry.MIN_APART


def spread(drawn: Chart) -> float:
    """The least distance between two marks of a band on different days."""
    least = math.inf
    for row in drawn.rows:
        mine = [m for m in drawn.marks if m.talks == row.slug and not m.is_range]
        for a, b in combinations(mine, 2):
            if PartialDate.parse(a.date).lower != PartialDate.parse(b.date).lower:
                least = min(least, abs(a.x - b.x))
    return least


@pytest.mark.sqlite_only
def test_a_three_day_summit_is_one_stretch_of_days(app: Service) -> None:
    record_summit(app)
    drawn = chart(app.queries.snapshot())
    assert drawn is not None
    (segment,) = drawn.segments
    assert drawn.breaks == []
    assert segment.scale > 150  # pixels a day
    assert [t.text for t in drawn.captions] == ["23", "24", "25", "Jul 2024"]
    nine, half_past_three = (
        next(m.x for m in drawn.marks if m.date.startswith(f"2024-07-23T{time}"))
        for time in ("09:00", "15:30")
    )
    assert half_past_three - nine == pytest.approx(6.5 / 24 * segment.scale)
    assert segment.x(day("2024-07-23")) < nine < segment.x(day("2024-07-23") + 0.5)
    assert spread(drawn) > 100


@pytest.mark.sqlite_only
def test_a_ten_year_process_keeps_its_dates_apart(app: Service) -> None:
    record_decade(app)
    drawn = chart(app.queries.snapshot())
    assert drawn is not None
    assert scale_at(drawn, "2020-09-03") > 10 * scale_at(drawn, "2016-06-01")
    assert spread(drawn) >= 2 * geometry.MIN_APART
    shown = [t.text for t in drawn.captions]
    assert {"2014", "2016", "2018", "Sep 2020"} <= set(shown)
    assert all(m.label for m in drawn.marks)


@pytest.mark.parametrize(
    ("days", "labels"),
    [
        (3, ["23", "24", "25"]),
        (366, ["Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr",
               "May", "Jun", "Jul"]),
        (3653, ["2025", "2026", "2027", "2028", "2029", "2030", "2031", "2032",
                "2033", "2034"]),
        (200 * 365, [str(year) for year in range(2040, 2224, 20)]),
    ],
)  # fmt: skip
@pytest.mark.sqlite_only
def test_ticks_are_days_months_or_years_at_a_step_with_room(
    days: int, labels: list[str]
) -> None:
    first = day("2024-07-23")
    segment = Segment(first, first + days, 200.0, 900.0)
    found = ticks(segment)
    assert [tick.label for tick in found] == labels
    xs = [tick.x for tick in found]
    assert xs == sorted(xs)
    assert all(200 <= x <= 900 for x in xs)
    assert all(b - a >= geometry.TICK_ROOM - 5 for a, b in pairwise(xs))


FORMS = ("{y}", "{y}-{m}", "{y}-{m}-{d}", "{y}-{m}-{d}T{h}:30+02:00", "{y}-{m}~",
         "{y}-{m}-{d}?", "{y}-{m}-{d}/{y}-{m}-28", "{y}-{m}-{d}/..", "/{y}-{m}",
         "{y}-21", "{y}-{m}-XX", "{y}%")  # fmt: skip
"""Date forms the random records draw from: EDTF levels 0 and 1."""


def random_snapshot(seed: int) -> Snapshot:
    """A record of up to 60 entries of every kind over three talks, dated in
    every form, bunched in some years and days: plain data, no store."""
    rng = random.Random(seed)
    years = rng.sample(range(1990, 2030), rng.randint(1, 4))
    timeline = []
    for n in range(rng.randint(1, 60)):
        form = rng.choice(FORMS)
        month, day, hour = (f"{rng.randint(1, top):02}" for top in (12, 27, 23))
        on = form.format(y=rng.choice(years), m=month, d=day, h=hour)
        when = PartialDate.parse(on)
        kind = rng.choice(list(KINDS))
        timeline.append({
            "talks": f"t{n % 3}", "kind": kind, "ref": f"{kind}:{n}", "entry_id": n,
            "date": on, "lower": when.lower.isoformat(),
            "upper": when.upper.isoformat(), "text": "Entry " * rng.randint(1, 12),
            "actors": [], "sources": [], "tags": [], "recorded_at": "",
            "recorded_by": "",
        })  # fmt: skip
    talks = [{"slug": f"t{i}", "title": f"Talks {i} " * 9, "location": "Here",
              "scenarios": [], "linked": []} for i in range(3)]  # fmt: skip
    return cast(Snapshot, {"talks": talks, "actors": [], "timeline": timeline})


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.sqlite_only
def test_any_record_is_drawn_in_order_with_nothing_over_another(seed: int) -> None:
    snapshot = random_snapshot(seed)
    drawn = chart(snapshot)
    assert drawn is not None
    assert len(drawn.marks) == len(snapshot["timeline"])
    axis = axis_of(drawn)
    days = range(drawn.segments[0].start - 5, drawn.segments[-1].end + 5)
    xs = [axis.x(d) for d in days]
    assert xs == sorted(xs)
    for segment, after in pairwise(drawn.segments):
        assert segment.end < after.start
        assert segment.right < after.left
    texts, shapes = boxes_of(drawn)
    assert not overlapping(texts)
    for row in drawn.rows:
        mine = [s for m, s in zip(drawn.marks, shapes, strict=True)
                if m.talks == row.slug]  # fmt: skip
        assert not overlapping(mine)
        assert all(row.y <= s[2] and s[3] <= row.y + row.height for s in mine)
    for m in drawn.marks:
        assert drawn.left <= m.left - (geometry.END if m.open_start else 0)
        assert m.right + (geometry.END if m.open_end else 0) <= drawn.right
    assert chart(snapshot) == drawn  # no clock, no chance


# -- labels -------------------------------------------------------------------


def boxes_of(drawn: Chart) -> tuple[list[Box], list[Box]]:
    """Every text of the drawing, and every mark, as boxes."""
    texts = [c.box for row in drawn.rows for c in row.captions]
    texts += [c.box for c in drawn.captions]
    texts += [m.label.box for m in drawn.marks if m.label]
    shapes = [
        (m.left, m.right, m.y - 6, m.y + 6) if m.is_range
        else (m.left, m.right, m.y - 7, m.y + 7)
        for m in drawn.marks
    ]  # fmt: skip
    return texts, shapes


@pytest.mark.sqlite_only
def test_labels_fit_where_they_can_and_never_overlap(minsk: Snapshot) -> None:
    drawn = chart(minsk)
    assert drawn is not None
    texts, shapes = boxes_of(drawn)
    assert not overlapping(texts)
    for m in drawn.marks:
        if m.label is None:
            continue
        assert drawn.left <= m.label.box[0]
        assert m.label.box[1] <= drawn.right
        under = [shape for other, shape in zip(drawn.marks, shapes, strict=True)
                 if overlapping([m.label.box, shape])]  # fmt: skip
        assert under == ([shapes[drawn.marks.index(m)]] if "inside" in m.label.cls
                         else [])  # fmt: skip
    labelled = [m for m in drawn.marks if m.label]
    assert len(drawn.marks) == 38
    assert len(labelled) >= 30


@pytest.mark.sqlite_only
def test_labels_say_what_each_mark_is(minsk: Snapshot) -> None:
    dom = parse(render_html(minsk))
    labels = [t.text() for t in dom.all("text", "tag")]
    for outcome, likelihood in (("Frozen conflict", "likely"),
                                ("Full implementation", "unlikely"),
                                ("Full-scale war", "likely")):  # fmt: skip
        assert any(weighs(label, outcome, likelihood) for label in labels), outcome
    assert any(label.startswith("supersedes Min") for label in labels)
    for start in ("OSCE: Monitor", "RUS: Special"):  # a registered actor's name
        assert any(label.startswith(start) for label in labels), start
    assert "Talks in Minsk" in labels
    assert "War in Donbas; fighting goes on" in labels  # inside its bar
    assert "Frozen conflict: likely, moderate confidence" in cells(dom)


def weighs(label: str, outcome: str, likelihood: str) -> bool:
    """Whether ``label`` names the scenario (its start, at least) and then
    its likelihood."""
    head, _, tail = label.partition(": ")
    named = outcome.startswith(head.removesuffix("…"))
    return len(head) > 4 and named and tail.startswith(likelihood)


@pytest.mark.sqlite_only
def test_a_label_that_does_not_fit_is_left_off(app: Service) -> None:
    app.open_talks("crowd", "Crowded month", "Vienna", ["AUT"], on="2024-05-01")
    for n in range(2, 32):
        app.record_development("crowd", f"2024-05-{n:02}", f"{n}: a long text" * 9)
    html = render_html(app.queries.snapshot())
    drawn = chart(app.queries.snapshot())
    assert drawn is not None
    unlabelled = [m for m in drawn.marks if m.label is None]
    assert unlabelled
    texts, shapes = boxes_of(drawn)
    assert not overlapping(texts)
    assert not overlapping(shapes)
    for m in marks(parse(html)):
        assert m.all("title")  # every mark keeps its tooltip


# -- kinds, colours and the legend --------------------------------------------

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
             "#D55E00", "#CC79A7"}  # fmt: skip


@pytest.mark.sqlite_only
def test_each_kind_has_a_colour_and_a_shape_of_its_own(minsk: Snapshot) -> None:
    assert list(PALETTE) == list(KINDS)
    colours = [style.colour for style in PALETTE.values()]
    assert len(set(colours)) == len(KINDS)
    assert set(colours) - OKABE_ITO == {"#8C8C8C"}  # the palette, and a grey
    assert len({style.shape for style in PALETTE.values()}) == len(KINDS)

    html = render_html(minsk)
    for kind, style in PALETTE.items():
        assert f".k-{kind} {{ --kind: {style.colour}; }}" in html
    dom = parse(html)
    (legend,) = dom.all("ul", "legend")
    names = [s.name for s in PALETTE.values()]
    assert [li.text().strip() for li in legend.all("li")] == names
    for li, kind in zip(legend.all("li"), PALETTE, strict=True):
        (glyph,) = [n for n in li.walk() if "icon" in n.classes()]
        assert f"k-{kind}" in glyph.classes()
    drawn = {kind for m in marks(dom) for kind in KINDS if f"k-{kind}" in m.classes()}
    assert drawn == set(KINDS)


# -- bands --------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_linked_talks_sit_in_adjacent_bands_named_by_their_links(
    app: Service,
) -> None:
    app.open_talks("protocol", "Minsk Protocol", "Minsk", ["UKR"], on="2014-09-05")
    app.open_talks("geneva", "Geneva statement", "Geneva", ["UKR"], on="2014-04-17")
    app.open_talks("minsk-ii", "Minsk II", "Minsk", ["UKR"], on="2015-02-12")
    app.open_talks("contact", "Contact group", "Minsk", ["UKR"], on="2015-03")
    app.link_talks("minsk-ii", "protocol", "supersedes")
    app.link_talks("contact", "minsk-ii", "part-of")
    dom = parse(render_html(app.queries.snapshot()))
    rows = dom.all("g", "row")
    assert [g.attrs["data-talks"] for g in rows] == [
        "protocol", "minsk-ii", "contact", "geneva",
    ]  # fmt: skip
    notes = {g.attrs["data-talks"]: [t.text() for t in g.all("text", "relation")]
             for g in rows}  # fmt: skip
    assert notes == {
        "protocol": ["superseded by Minsk II"],
        "minsk-ii": ["supersedes Minsk Protocol", "has part Contact group"],
        "contact": ["part of Minsk II"],
        "geneva": [],
    }


def view(slug: str, *links: tuple[str, str]) -> Any:
    return {"slug": slug, "linked": [{"talks": other, "relation": relation}
                                     for other, relation in links]}  # fmt: skip


@pytest.mark.sqlite_only
def test_bands_follow_links_through_chains_parts_and_cycles() -> None:
    chain = [view("c", ("b", "follows")), view("a", ("b", "followed by")),
             view("b", ("a", "follows"), ("c", "followed by"))]  # fmt: skip
    assert band_order(chain) == ["a", "b", "c"]
    parts = [view("x"), view("part", ("whole", "part-of")), view("y"),
             view("whole", ("part", "has part"))]  # fmt: skip
    assert band_order(parts) == ["x", "whole", "part", "y"]
    cycle = [view("p", ("q", "related"), ("r", "follows")),
             view("q", ("p", "related"), ("r", "related")),
             view("r", ("q", "related"), ("p", "followed by"))]  # fmt: skip
    assert band_order(cycle) == ["r", "p", "q"]
    assert band_order([view("alone", ("elsewhere", "follows"))]) == ["alone"]


@pytest.mark.sqlite_only
def test_a_long_title_wraps_in_its_band(minsk: Snapshot) -> None:
    dom = parse(render_html(minsk))
    (band,) = [g for g in dom.all("g", "row") if g.attrs["data-talks"] == "minsk-ii"]
    lines = band.all("text", "label")
    shown = ["".join(c for c in line.children if isinstance(c, str)) for line in lines]
    assert len(shown) > 1
    assert " ".join(shown) == MINSK_II  # wrapped, not cut
    for line in shown:
        assert text_width(line, geometry.TITLE_SIZE) <= geometry.LABELS - 16
    assert lines[0].all("title")[0].text() == MINSK_II


# -- open and unknown ends ----------------------------------------------------


@pytest.mark.sqlite_only
def test_open_and_unknown_ends_run_to_the_edge_and_stretch_nothing(
    app: Service,
) -> None:
    app.open_talks("war", "War", "Donbas", ["UKR"], on="2014-09-05")
    app.record_development("war", "2014-04-07/..", "Fighting goes on")
    app.record_development("war", "/2014-06", "Contacts, since when unknown")
    app.record_development("war", "2014-11", "Elections in the east")
    snapshot = app.queries.snapshot()
    assert {e["upper"] for e in snapshot["timeline"]} >= {"9999-12-31"}
    assert {e["lower"] for e in snapshot["timeline"]} >= {"0001-01-01"}
    drawn = chart(snapshot)
    assert drawn is not None
    assert drawn.segments[0].start == day("2014-04-07")
    assert drawn.segments[-1].end == day("2014-12-01")
    assert (drawn.first_year, drawn.last_year) == (2014, 2014)

    dom = parse(render_html(snapshot))
    (svg,) = dom.all("svg", "chart")
    ongoing, since = box(mark(svg, "2014-04-07/..")), box(mark(svg, "/2014-06"))
    assert ongoing[1] == pytest.approx(drawn.right - geometry.END, abs=0.1)
    assert since[0] == pytest.approx(drawn.left + geometry.END, abs=0.1)
    assert len(svg.all("line", "open-end")) == 2  # an arrow
    assert len(svg.all("circle", "unknown-end")) == 3  # dots
    assert "An arrow at the edge: an interval open at that end (..)." in key_of(dom)
    assert "Dots at the edge: an interval whose end is unknown." in key_of(dom)


# -- links, escaping, self-containment, determinism ---------------------------


def test_only_http_sources_become_links(both: Snapshot) -> None:
    dom = parse(render_html(both))
    links = {a.attrs["href"]: a.text() for a in dom.all("a")}
    external = {href for href in links if not href.startswith("#")}
    assert external == {
        "https://example.org/a",
        "http://example.org/b",
        "https://example.org/geneva",
    }
    assert all(links[href] == href for href in external)
    (row,) = [
        tr for tr in talks(dom, "geneva").all("tr") if "Talks resume" in tr.text()
    ]
    sources = row.all("td")[-1].text()
    for text in ("javascript:alert(1)", "ftp://example.org/c", "Reuters wire, 23 July"):
        assert text in sources


def test_hostile_text_is_text(app: Service) -> None:
    record_hostile(app)
    html = render_html(app.queries.snapshot())
    assert "<script" not in html
    assert "<img" not in html
    dom = parse(html)
    assert not dom.all("script")
    assert not dom.all("img")
    assert not [node for node in dom.walk() if "onerror" in node.attrs]
    assert [a.attrs["href"] for a in dom.all("a")] == []  # none is a clean URL
    assert dom.all("h2")[1].text() == SCRIPT
    texts = cells(dom)
    assert BREAKOUT in texts  # the stance
    assert SCRIPT in texts  # an interest, and the development
    (row,) = [tr for tr in talks(dom, "hostile").all("tr") if tr.all("td")[:1] and
              tr.all("td")[0].text() == "2022-03"]  # fmt: skip
    assert _lines(row) == [BREAKOUT, HOSTILE_URL, "javascript:alert(1)"]
    titles = [t.text() for m in marks(dom) for t in m.all("title")]
    assert any(BREAKOUT in title for title in titles)
    assert any(SCRIPT in title for title in titles)


def _lines(row: Node) -> list[str]:
    """The sources of a development row, one per line of its last cell."""
    cell = row.all("td")[-1]
    return [child if isinstance(child, str) else child.text()
            for child in cell.children if not isinstance(child, Node)
            or child.tag != "br"]  # fmt: skip


def test_the_page_is_self_contained(everything: Snapshot) -> None:
    html = render_html(everything)
    for needle in ("<script", "<link", "@import", "url(", "<img", "<iframe"):
        assert needle not in html.lower()
    dom = parse(html)
    assert [len(dom.all(tag)) for tag in ("style", "object", "embed")] == [1, 0, 0]
    sources = {s for talks in everything["talks"] for s in talks["sources"]} | {
        s for talks in everything["talks"] for d in talks["developments"]
        for s in d["sources"]
    }  # fmt: skip
    for node in dom.walk():
        assert "src" not in node.attrs
        for name in ("href", "xlink:href", "action", "srcset", "poster"):
            if name in node.attrs:
                target = node.attrs[name]
                assert (node.tag, name) == ("a", "href")
                assert target.startswith("#") or (
                    target in sources and target.startswith(("https://", "http://"))
                )


def test_the_same_snapshot_gives_the_same_bytes(app: Service) -> None:
    app.record_case(demo_case())
    record_geneva(app)
    record_hostile(app)
    first = render_html(app.queries.snapshot())
    assert render_html(app.queries.snapshot()) == first
    assert render_html(app.queries.snapshot()) == render_html(app.queries.snapshot())


# -- in a real browser --------------------------------------------------------


def test_a_browser_draws_the_page(everything: Snapshot, tmp_path: Path) -> None:
    page = tmp_path / "timeline.html"
    page.write_text(render_html(everything), encoding="utf-8")

    dom = parse(dump_dom(page))
    (svg,) = dom.all("svg", "chart")
    dated = [entry for entry in everything["timeline"] if entry["lower"]]
    drawn = marks(svg)
    assert len(drawn) == len(dated) == 8
    assert [m.tag for m in drawn if "range" in m.classes()] == ["rect"] * 5
    points = [(m.tag, m.classes() & {"k-talks", "k-stance", "k-development"})
              for m in drawn if "point" in m.classes()]  # fmt: skip
    assert sorted(points, key=str) == [
        ("circle", {"k-development"}), ("rect", {"k-stance"}), ("rect", {"k-talks"}),
    ]  # fmt: skip
    assert "Potential for mediation efforts and reduced tensions" in cells(dom)
    assert not dom.all("script")
    assert not dom.all("img")
    assert SCRIPT in [h2.text() for h2 in dom.all("h2")]
    assert BREAKOUT in cells(dom)

    image = Image.open(screenshot(page, tmp_path / "timeline.png")).convert("RGB")
    assert image.size == (1280, 1600)
    counts = image.getcolors(image.width * image.height)
    assert counts is not None
    assert len(counts) > 50
    white = sum(n for n, colour in counts if colour == (255, 255, 255))
    assert 1 - white / (image.width * image.height) > 0.05
    # The day-precision stance (a vermillion diamond) and talks (a blue square).
    for wanted in ((0xD5, 0x5E, 0x00), (0x00, 0x72, 0xB2)):
        assert any(_near(colour, wanted) for _, colour in counts)


def _near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))
