"""The TimelineJS export: its content, its bytes, and the real TimelineJS3
rendering it in headless Chromium.

The TimelineJS3 files come from ``tests/npm/node_modules``, installed with
``npm ci --prefix tests/npm``. Where they are missing, the browser test is
skipped with a reason that says so, except under CI
(``TIMELINE_REQUIRE_BROWSER=1``), where it fails.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from projections.snapshot import Snapshot
from tests.browser import dump_dom
from timeline.casefile import demo_case
from timeline.exporters.timelinejs import render_timelinejs
from timeline.service import Service

TIMELINEJS = (
    Path(__file__).parents[1]
    / "npm"
    / "node_modules"
    / "@knight-lab"
    / "timelinejs"
    / "dist"
)

HOSTILE = "<script>alert(1)</script>"
HOSTILE_TITLE = "Talks <img src=x onerror=pwn()> & co"
"""Markup that would run ``pwn()`` if any of it reached the page as HTML."""


@pytest.fixture
def snapshot(app: Service) -> Snapshot:
    app.open_talks("geneva", "Geneva round", "Geneva", ["UKR", "RUS"], on="2024-07")
    app.record_development(
        "geneva", "2024-07-23", "Talks resume", ["https://example.org/a", "Note <b>"]
    )
    app.record_development("geneva", "2024", "Truce holds", [])
    app.record_stance("geneva", "UKR", HOSTILE, ["security"], on="2024-07-20")
    app.open_talks("hostile", HOSTILE_TITLE, "Nowhere", ["FRA"], on="2025-01-02")
    app.record_case(demo_case())  # the Beijing talks: undated throughout
    return app.queries.snapshot()


def events_by_text(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {html.unescape(e["text"]["headline"]): e for e in document["events"]}


# -- content ------------------------------------------------------------------


def test_one_event_per_dated_entry(snapshot: Snapshot) -> None:
    document = json.loads(render_timelinejs(snapshot))

    dated = [entry for entry in snapshot["timeline"] if entry["date"]]
    assert len(document["events"]) == len(dated) == 5
    assert [e["unique_id"] for e in document["events"]] == [
        f"entry-{entry['entry_id']}" for entry in dated
    ]
    undated = len(snapshot["timeline"]) - len(dated)
    assert undated > 0  # the Beijing talks are there, and left out
    assert not any("Beijing" in json.dumps(e) for e in document["events"])
    assert (
        f"{undated} undated entries are not shown" in document["title"]["text"]["text"]
    )


def test_dates_are_only_as_precise_as_recorded(snapshot: Snapshot) -> None:
    events = events_by_text(json.loads(render_timelinejs(snapshot)))

    assert events["Truce holds"]["start_date"] == {"year": "2024"}
    assert events["Geneva round"]["start_date"] == {"year": "2024", "month": "7"}
    assert events["Talks resume"]["start_date"] == {
        "year": "2024",
        "month": "7",
        "day": "23",
    }
    assert events[HOSTILE]["start_date"] == {"year": "2024", "month": "7", "day": "20"}
    assert {e["display_date"] for e in events.values()} == {
        "2024", "2024-07", "2024-07-23", "2024-07-20", "2025-01-02",
    }  # fmt: skip
    assert not any("end_date" in e for e in events.values())


def test_intervals_have_an_end_date_and_qualified_dates_show_as_recorded(
    app: Service,
) -> None:
    app.open_talks(
        "rome", "Rome round", "Rome", ["UKR", "RUS"], on="2024-07-23/2024-07-26"
    )
    app.record_development("rome", "2023/2024-03~", "Contacts, on and off")
    app.record_development("rome", "2024-07-30/2024-08", "Drafting")
    app.record_development("rome", "2024-07~", "Approximately July")
    app.record_development("rome", "2024-08-01?", "Perhaps on 1 August")
    app.record_development("rome", "2024%", "Some time in 2024, perhaps")

    events = events_by_text(json.loads(render_timelinejs(app.queries.snapshot())))

    rome = events["Rome round"]
    assert rome["start_date"] == {"year": "2024", "month": "7", "day": "23"}
    assert rome["end_date"] == {"year": "2024", "month": "7", "day": "26"}
    assert rome["display_date"] == "2024-07-23/2024-07-26"
    assert list(rome)[:3] == ["start_date", "end_date", "display_date"]
    # Each side of an interval keeps its own precision: nothing is padded.
    contacts = events["Contacts, on and off"]
    assert contacts["start_date"] == {"year": "2023"}
    assert contacts["end_date"] == {"year": "2024", "month": "3"}
    assert contacts["display_date"] == "2023/2024-03~"
    drafting = events["Drafting"]
    assert drafting["start_date"] == {"year": "2024", "month": "7", "day": "30"}
    assert drafting["end_date"] == {"year": "2024", "month": "8"}
    # A qualified date is one date: no end date, the qualifier in its display.
    for text, start, shown in [
        ("Approximately July", {"year": "2024", "month": "7"}, "2024-07~"),
        ("Perhaps on 1 August", {"year": "2024", "month": "8", "day": "1"},
         "2024-08-01?"),
        ("Some time in 2024, perhaps", {"year": "2024"}, "2024%"),
    ]:  # fmt: skip
        assert events[text]["start_date"] == start
        assert "end_date" not in events[text]
        assert events[text]["display_date"] == shown


NEW_FORMS = {
    # text -> (date as recorded, start_date, end_date or None)
    "Some time in the 2010s": ("201X", {"year": "2010"}, {"year": "2019"}),
    "This century": ("20XX", {"year": "2000"}, {"year": "2099"}),
    "Some month of 2004": ("2004-XX", {"year": "2004"}, None),
    "Some day in July": ("2024-07-XX", {"year": "2024", "month": "7"}, None),
    "In spring": (
        "2024-21", {"year": "2024", "month": "3"}, {"year": "2024", "month": "5"}),
    "In winter, about": ("2024-24~", {"year": "2024", "month": "12"}, None),
    "Ceasefire holds from then on": (
        "2014-04-07/..", {"year": "2014", "month": "4", "day": "7"}, None),
    "Mission begun, its end unknown": (
        "2014-04-08/", {"year": "2014", "month": "4", "day": "8"}, None),
    "Talks suspended until": ("../2014-05", {"year": "2014", "month": "5"}, None),
    "Embargo, its start unknown": ("/2014-06-01?",
        {"year": "2014", "month": "6", "day": "1"}, None),
    "From a season on": ("2013-22/..", {"year": "2013", "month": "6"}, None),
    "Opening at midnight, Kyiv time": ("2015-02-15T00:00+02:00",
        {"year": "2015", "month": "2", "day": "15", "hour": "0", "minute": "0"},
        None),
    "Statement at 23:20:30 EDT": ("1985-04-12T23:20:30-04",
        {"year": "1985", "month": "4", "day": "12", "hour": "23", "minute": "20",
         "second": "30"}, None),
    "Signing in UTC": ("2024-07-23T10:05Z",
        {"year": "2024", "month": "7", "day": "23", "hour": "10", "minute": "5"},
        None),
}  # fmt: skip


def record_new_forms(app: Service) -> None:
    app.open_talks("lisbon", "Lisbon round", "Lisbon", ["UKR", "RUS"])
    for text, (on, _, _) in NEW_FORMS.items():
        app.record_development("lisbon", on, text)


def test_new_forms_are_drawn_as_their_bounds_and_shown_as_recorded(
    app: Service,
) -> None:
    record_new_forms(app)

    events = events_by_text(json.loads(render_timelinejs(app.queries.snapshot())))

    assert set(events) == set(NEW_FORMS)
    for text, (on, start, end) in NEW_FORMS.items():
        event = events[text]
        assert event["display_date"] == on, text
        assert event["start_date"] == start, text
        if end is None:
            assert "end_date" not in event, text
        else:
            assert event["end_date"] == end, text


def test_headline_text_and_group(snapshot: Snapshot) -> None:
    document = json.loads(render_timelinejs(snapshot))
    events = events_by_text(document)

    talks = events["Geneva round"]
    assert talks["group"] == "Geneva round"
    assert "<strong>Kind:</strong> talks" in talks["text"]["text"]
    assert "Ukraine (UKR), Russian Federation (RUS)" in talks["text"]["text"]

    development = events["Talks resume"]
    assert development["text"]["headline"] == "Talks resume"
    assert development["group"] == "Geneva round"
    text = development["text"]["text"]
    assert "<strong>Talks:</strong> Geneva round" in text
    assert "<strong>Kind:</strong> development" in text
    assert '<a href="https://example.org/a">example.org/a</a>' in text
    assert "Note &lt;b&gt;" in text  # not a URL: text, not a link
    assert "by tester" in text

    assert document["title"]["text"]["headline"] == "Diplomatic timeline"
    title_text = document["title"]["text"]["text"]
    assert f"store position {snapshot['position']}" in title_text
    assert str(snapshot["recorded_at"]) in title_text


def test_user_text_is_escaped(snapshot: Snapshot) -> None:
    rendered = render_timelinejs(snapshot)
    events = events_by_text(json.loads(rendered))

    stance = events[HOSTILE]
    assert stance["text"]["headline"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<script" not in rendered
    assert "<img" not in rendered
    hostile = events[HOSTILE_TITLE]
    assert hostile["text"]["headline"] == html.escape(HOSTILE_TITLE)
    assert html.escape(HOSTILE_TITLE) in hostile["text"]["text"]
    # TimelineJS strips the group's markup to text, then inserts it as HTML:
    # escaped twice, it shows the title as written and runs nothing.
    assert hostile["group"] == html.escape(html.escape(HOSTILE_TITLE))


def test_long_text_gives_a_short_headline(app: Service) -> None:
    app.open_talks("geneva", "Geneva round", "Geneva", ["UKR", "RUS"])
    long = "Both delegations <agree> " + "to keep talking " * 20 + "until spring."
    app.record_development("geneva", "2024-07-23", long)

    (event,) = json.loads(render_timelinejs(app.queries.snapshot()))["events"]

    headline = html.unescape(event["text"]["headline"])
    assert len(headline) <= 140
    assert headline.endswith("…")
    assert long.startswith(headline[:-1])
    assert event["text"]["text"].startswith(f"<p>{html.escape(long)}</p>")


def test_one_talks_names_the_title_slide(app: Service, snapshot: Snapshot) -> None:
    document = json.loads(render_timelinejs(app.queries.snapshot("geneva")))

    assert document["title"]["text"]["headline"] == "Geneva round"
    assert len(document["events"]) == 4


def test_empty_store(app: Service) -> None:
    document = json.loads(render_timelinejs(app.queries.snapshot()))

    assert document["events"] == []
    assert "never (empty store)" in document["title"]["text"]["text"]


# -- bytes --------------------------------------------------------------------


def test_same_snapshot_same_bytes(app: Service, snapshot: Snapshot) -> None:
    again = app.queries.snapshot()

    assert render_timelinejs(snapshot) == render_timelinejs(again)
    assert render_timelinejs(snapshot).endswith("}\n")


# -- the real TimelineJS3 -----------------------------------------------------

PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>TimelineJS export</title>
<link rel="stylesheet" href="{css}">
<script>
  var outcome = {{state: "started", problems: []}};
  function report() {{
    document.getElementById("status").textContent = JSON.stringify(outcome);
  }}
  function problem(message) {{ outcome.problems.push(String(message)); report(); }}
  window.onerror = function (message) {{ problem("error: " + message); }};
  window.alert = function (message) {{ problem("alert: " + message); }};
  function pwn() {{ problem("injected markup ran"); }}
</script>
<script src="{js}"></script>
</head>
<body>
<pre id="status"></pre>
<div id="timeline-embed" style="width: 1200px; height: 700px"></div>
<script>
  report();
  var timeline = new TL.Timeline("timeline-embed", {data});
  timeline.on("dataloaded", function () {{
    outcome.state = "dataloaded";
    report();
  }});
  timeline.on("loaded", function () {{
    var config = timeline.config;
    outcome.state = "loaded";
    outcome.valid = config.isValid();
    outcome.errors = config.getErrors();
    outcome.title = config.title.text.headline;
    outcome.events = config.events.map(function (e) {{ return e.unique_id; }});
    report();
  }});
</script>
</body>
</html>
"""


def timelinejs_dist() -> Path:
    """TimelineJS3's built files, or skip (fail under CI) without them."""
    if (TIMELINEJS / "js" / "timeline.js").is_file():
        return TIMELINEJS
    reason = "TimelineJS3 is not installed (npm ci --prefix tests/npm)"
    if os.environ.get("TIMELINE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}; it is required here (TIMELINE_REQUIRE_BROWSER)")
    pytest.skip(reason)


def write_page(tmp_path: Path, exported: str) -> Path:
    dist = timelinejs_dist()
    page = tmp_path / "timelinejs.html"
    page.write_text(
        PAGE.format(
            css=(dist / "css" / "timeline.css").as_uri(),
            js=(dist / "js" / "timeline.js").as_uri(),
            data=exported.replace("</", "<\\/"),  # "</script>" cannot end it
        ),
        encoding="utf-8",
    )
    return page


def outcome_of(dom: str) -> dict[str, Any]:
    match = re.search(r'<pre id="status">(.*?)</pre>', dom, re.DOTALL)
    assert match, "the page's status element is missing"
    result: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return result


def slides_of(dom: str) -> list[str]:
    """The HTML of each slide TimelineJS built, title slide first."""
    starts = [m.start() for m in re.finditer(r'<div class="tl-slide[ "]', dom)]
    return [dom[a:b] for a, b in zip(starts, [*starts[1:], len(dom)], strict=True)]


def test_timelinejs_renders_our_slides(tmp_path: Path, snapshot: Snapshot) -> None:
    exported = render_timelinejs(snapshot)
    document = json.loads(exported)

    dom = dump_dom(write_page(tmp_path, exported), budget_ms=10_000)

    outcome = outcome_of(dom)
    assert outcome["problems"] == []
    assert outcome["state"] == "loaded", outcome
    assert outcome["valid"] is True
    assert outcome["errors"] == []
    assert outcome["title"] == "Diplomatic timeline"
    # TimelineJS orders events by date as we do: a year by its first day.
    assert outcome["events"] == [e["unique_id"] for e in document["events"]]

    slides = slides_of(dom)
    assert len(slides) == 1 + len(document["events"])
    assert slides[0].startswith('<div class="tl-slide tl-slide-titleslide')
    assert 'id="timeline-title"' in slides[0]
    assert (
        '<h2 class="tl-headline tl-headline-title">Diplomatic timeline</h2>'
        in (slides[0])
    )
    assert f"store position {snapshot['position']}" in slides[0]
    for slide, event in zip(slides[1:], document["events"], strict=True):
        assert f'id="{event["unique_id"]}"' in slide
        assert f'<h2 class="tl-headline">{event["text"]["headline"]}</h2>' in slide
        assert f'<h3 class="tl-headline-date">{event["display_date"]}</h3>' in slide
        assert f'id="{event["unique_id"]}-marker"' in dom  # on the time axis
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</h2>" in dom
    assert (
        '<a href="https://example.org/a" target="_blank" rel="noopener">'
        "example.org/a</a>"
    ) in dom
    assert re.findall(r'<div class="tl-timegroup-message">(.*?)</div>', dom) == [
        "Geneva round",
        html.escape(HOSTILE_TITLE),  # shown as written, run as nothing
    ]
    assert "<img" not in dom


def test_timelinejs_loads_the_new_forms(tmp_path: Path, app: Service) -> None:
    record_new_forms(app)
    exported = render_timelinejs(app.queries.snapshot())
    document = json.loads(exported)

    dom = dump_dom(write_page(tmp_path, exported), budget_ms=10_000)

    outcome = outcome_of(dom)
    assert outcome["problems"] == []
    assert outcome["state"] == "loaded", outcome
    assert outcome["valid"] is True
    assert outcome["errors"] == []
    # TimelineJS orders slides by start_date; ours keep the record's order
    # (an open start first), so only the set is the same.
    assert sorted(outcome["events"]) == sorted(
        e["unique_id"] for e in document["events"]
    )
    slides = slides_of(dom)
    assert len(slides) == 1 + len(NEW_FORMS)
    for event in document["events"]:
        (slide,) = [s for s in slides if f'id="{event["unique_id"]}"' in s]
        assert f'<h3 class="tl-headline-date">{event["display_date"]}</h3>' in slide
        assert f'id="{event["unique_id"]}-marker"' in dom  # on the time axis
