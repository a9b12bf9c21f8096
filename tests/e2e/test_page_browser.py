"""The html export in a real browser (headless Chromium), as an analyst makes
it: the Minsk talks (two linked talks over eight years, busy in two
Februaries, with a war still going on) and the seed demo, each recorded
through the service, exported with ``timeline export --format html``,
screenshotted (the PNGs stay in the test's ``tmp_path``) and measured with
the browser's own layout: no two texts of the drawing overlap, no label lies
over a mark, no text is wider than the chart allowed for it, and the marks
of different days in a band lie apart."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser import screenshot
from tests.integration.test_export_html import record_minsk
from tests.support import ok
from timeline.bootstrap import open_service
from timeline.exporters.chart import MIN_APART, PALETTE, text_width

pytestmark = pytest.mark.sqlite_only  # the page is under test, not the store

MEASURE = """() => {
  const own = (node) => [...node.childNodes].filter((n) => n.nodeType === 3)
    .map((n) => n.data).join("");
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return [r.left, r.right, r.top, r.bottom];
  };
  const svg = document.querySelector("svg.chart");
  if (!svg) return null;
  return {
    scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
    texts: [...svg.querySelectorAll("text")].map((t) => ({
      cls: t.getAttribute("class"), text: own(t), box: box(t),
      width: t.getComputedTextLength(), size: +t.getAttribute("font-size"),
    })),
    marks: [...svg.querySelectorAll(".mark")].map((m) => ({
      talks: m.dataset.talks, date: m.dataset.date, box: box(m),
      range: m.classList.contains("range"),
    })),
    legend: [...document.querySelectorAll(".legend li")].map((li) => li.textContent),
  };
}"""
"""Every text and mark of the drawing as the browser lays it out: boxes in
CSS pixels, text widths in the drawing's own units."""

Box = list[float]


def exported(tmp_path: Path, name: str) -> Path:
    """The store's every talks as ``name``.html, through the command."""
    page = tmp_path / f"{name}.html"
    ok("export", "--format", "html", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html  # nothing runs,
    assert "url(" not in html  # nothing is fetched
    return page


def measured(browser: Any, page: Path, png: Path) -> dict[str, Any] | None:
    """The drawing's layout in ``page``; a picture of the drawing in ``png``
    (at twice the pixels, to look at)."""
    tab = browser.new_page(viewport={"width": 1280, "height": 1000},
                           device_scale_factor=2)  # fmt: skip
    try:
        tab.goto(page.resolve().as_uri())
        layout: dict[str, Any] | None = tab.evaluate(MEASURE)
        if layout:
            tab.locator("svg.chart").screenshot(path=str(png))
        return layout
    finally:
        tab.close()


def overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share more than half a pixel each way."""
    return min(a[1], b[1]) - max(a[0], b[0]) > 0.5 and (
        min(a[3], b[3]) - max(a[2], b[2]) > 0.5
    )


def inside(a: Box, b: Box) -> bool:
    return b[0] <= a[0] and a[1] <= b[1]


@pytest.fixture
def minsk_page(store: str, tmp_path: Path) -> Path:
    service = open_service(store, "tester")
    try:
        record_minsk(service)
    finally:
        service.close()
    return exported(tmp_path, "minsk")


def test_the_minsk_page_is_readable(
    browser: Any, minsk_page: Path, tmp_path: Path
) -> None:
    layout = measured(browser, minsk_page, tmp_path / "minsk-chart.png")
    assert layout is not None
    texts, marks = layout["texts"], layout["marks"]
    assert len(marks) == 38

    crossing = [(a["text"], b["text"]) for a, b in combinations(texts, 2)
                if overlap(a["box"], b["box"])]  # fmt: skip
    assert not crossing
    labels = [t for t in texts if "tag" in t["cls"].split()]
    assert len(labels) >= 30
    for label in labels:
        under = [m for m in marks if overlap(label["box"], m["box"])]
        assert all(
            "inside" in label["cls"] and m["range"] and inside(label["box"], m["box"])
            for m in under
        ), label["text"]
    for text in texts:  # the chart's estimate of each width is never short
        assert text["width"] <= text_width(text["text"], text["size"]) + 0.5, text

    least = MIN_APART * layout["scale"] - 0.5
    points = [m for m in marks if not m["range"]]
    for a, b in combinations(points, 2):
        if a["talks"] == b["talks"] and a["date"][:10] != b["date"][:10]:
            apart = abs(sum(a["box"][:2]) - sum(b["box"][:2])) / 2
            assert apart >= least, (a["date"], b["date"])
    assert [item.strip() for item in layout["legend"]] == [
        style.name for style in PALETTE.values()
    ]

    drawn = colours(tmp_path / "minsk-chart.png")
    for style in PALETTE.values():  # every kind's colour is drawn somewhere
        wanted = tuple(int(style.colour[i : i + 2], 16) for i in (1, 3, 5))
        assert any(_near(colour, wanted) for colour in drawn), style
    assert len(colours(screenshot(minsk_page, tmp_path / "minsk.png"))) > 50


def colours(png: Path) -> set[tuple[int, ...]]:
    """The colours of a picture's pixels."""
    with Image.open(png) as picture:
        rgb = picture.convert("RGB")
        return {colour for _, colour in rgb.getcolors(rgb.width * rgb.height) or []}


def _near(pixel: tuple[int, ...], colour: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))


def test_the_demo_page_says_its_talks_are_undated(
    store: str, browser: Any, tmp_path: Path
) -> None:
    service = open_service(store, "tester")
    try:
        service.record_demo()
    finally:
        service.close()
    page = exported(tmp_path, "demo")
    assert measured(browser, page, tmp_path / "demo-chart.png") is None
    tab = browser.new_page()
    try:
        tab.goto(page.resolve().as_uri())
        assert "No entry in this snapshot has a date" in tab.inner_text("main")
        assert tab.locator("table").count() >= 5  # the brief's tables
    finally:
        tab.close()
    assert len(colours(screenshot(page, tmp_path / "demo.png"))) > 20
