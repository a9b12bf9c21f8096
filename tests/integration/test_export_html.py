"""The HTML page of a snapshot: its brief tables, its drawn timeline, its
links, its escaping, and what a real browser makes of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from projections.snapshot import Snapshot
from tests.browser import dump_dom, screenshot
from timeline.casefile import demo_case
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
    """Left, right, top, bottom of a drawn mark."""
    a = {name: float(value) for name, value in node.attrs.items() if _number(value)}
    if node.tag == "circle":
        return a["cx"] - a["r"], a["cx"] + a["r"], a["cy"] - a["r"], a["cy"] + a["r"]
    return a["x"], a["x"] + a["width"], a["y"], a["y"] + a["height"]


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
    (svg,) = dom.all("svg")
    dated = [entry for entry in both["timeline"] if entry["lower"]]
    drawn = marks(svg)
    assert len(dated) == 5  # the talks, three developments, a stance
    assert sorted(m.attrs["data-ref"] for m in drawn) == sorted(
        entry["ref"] for entry in dated
    )
    assert {m.attrs["data-talks"] for m in drawn} == {"geneva"}  # Beijing: undated

    year, month = mark(svg, "2024"), mark(svg, "2024-07")
    day = mark(svg, "2024-07-23")
    assert year.tag == month.tag == "rect"
    assert "range" in year.classes()
    assert float(year.attrs["width"]) > 0
    assert day.tag == "circle"
    assert "point" in day.classes()
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
    assert {"2023", "2024", "2025"} <= {t.text() for t in svg.all("text", "year")}


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
    (svg,) = dom.all("svg")

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
    (svg,) = dom.all("svg")

    about, july = mark(svg, "2024-07~"), mark(svg, "2024-07")
    perhaps, first = mark(svg, "2024-07-23?"), mark(svg, "2024-07-23")
    assert about.tag == "rect"
    assert box(about)[:2] == box(july)[:2]  # the same month, in another lane
    assert perhaps.tag == "circle"
    assert perhaps.attrs["cx"] == first.attrs["cx"]
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
    (key,) = [li.text() for li in dom.all("li") if li.text().startswith("Bar:")]
    assert key == (
        "Bar: a month, a year or an interval; dot: a day. A date followed by ~ "
        "is approximate, by ? uncertain, by % both. Hover a mark for its entry."
    )


def test_the_key_names_only_the_forms_drawn(both: Snapshot) -> None:
    dom = parse(render_html(both))

    (key,) = [li.text() for li in dom.all("li") if li.text().startswith("Bar:")]
    assert key == "Bar: a month or a year; dot: a day. Hover a mark for its entry."


def test_marks_of_a_talks_do_not_overlap(app: Service) -> None:
    app.open_talks("busy", "Busy week", "Vienna", ["AUT"], on="2024-05")
    for day in range(1, 8):
        app.record_development("busy", f"2024-05-0{day}", f"Day {day}", [])
    app.record_development("busy", "2024", "All year", [])
    drawn = marks(parse(render_html(app.queries.snapshot())))
    assert len(drawn) == 9
    boxes = [box(m) for m in drawn]
    for i, (left, right, top, bottom) in enumerate(boxes):
        for other in boxes[i + 1 :]:
            apart = right <= other[0] or other[1] <= left
            assert apart or bottom <= other[2] or other[3] <= top


def test_without_a_date_the_page_says_so(app: Service) -> None:
    app.record_case(demo_case())
    html = render_html(app.queries.snapshot())
    dom = parse(html)
    assert not dom.all("svg")
    assert "No entry in this snapshot has a date" in dom.text()
    assert "Promotes dialogue and peaceful resolution" in cells(dom)


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
    (svg,) = dom.all("svg")
    dated = [entry for entry in everything["timeline"] if entry["lower"]]
    drawn = marks(svg)
    assert len(drawn) == len(dated) == 8
    assert [m.tag for m in drawn if "range" in m.classes()] == ["rect"] * 5
    assert [m.tag for m in drawn if "point" in m.classes()] == ["circle"] * 3
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
    # The dots of the day-precision stance and development are drawn in colour.
    for wanted in ((0xB5, 0x47, 0x2B), (0x2E, 0x7D, 0x32)):
        assert any(_near(colour, wanted) for _, colour in counts)


def _near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))
