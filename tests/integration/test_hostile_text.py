"""Hostile text stored before the input policy is inert in every output.

Seven payloads (markup, an event handler, a spreadsheet formula, a Markdown
heading and table, bidirectional overrides, a ``javascript:`` source, a URL
with quotes and markup) and one of terminal escapes, each in every text
field of its own talks (``p1`` to ``p8``: title, location, summary, sources,
every entry's text, actor names, amendment and retraction reasons, the
author), read back through every export format, each parsed as its usual
reader would (a CommonMark renderer, the csv module, icalendar, an HTML
parser, JSON), and through every command that prints to a terminal.

The input policy refuses such text now, but stores recorded before hold it
(and so do imports of their logs), so the store is written as an old store
holds it: every text is recorded as a placeholder, the placeholders in the
stored events (``stored_events.state`` in SQLite, ``timeline_events.state``
in PostgreSQL: JSON bytes) are replaced by the payloads, and the views are
rebuilt from those events. That store is made once per backend and module
(recording and rebuilding for each of the hundreds of checks would take
minutes); each check only reads it, with ``--db``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import orjson
import pytest
from icalendar import Calendar
from markdown_it import MarkdownIt

from tests.postgres import fresh_schema
from tests.support import is_postgres, ok, pg_rows
from timeline.bootstrap import open_service
from timeline.exporters.inert import is_web_url, visible_controls

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x9b2J\x85\x90q\x9c\x7f"
PAYLOADS = {
    1: "<script>alert(1)</script>",
    2: "<img src=x onerror=alert(1)>",
    3: '=HYPERLINK("http://evil.example","click")',
    4: "ok\n# Injected heading\n| a | b |\n|---|---|",
    5: "Report \u202eexe.txt\u202c \u202a\u202b\u202d\u2066x\u2067y\u2068z\u2069 end",
    6: "javascript:alert(1)",
    7: 'https://example.org/"><script>alert(1)</script>',
    8: ESCAPES,
}
"""Payload N fills every text of talks ``pN``."""
NUL = "\x00"
"""Added to the terminal payload on SQLite: PostgreSQL keeps no NUL in text."""
ARRIVES = {1: "alert(1)", 2: "onerror", 3: "HYPERLINK", 4: "Injected heading",
           5: "[U+202E]", 6: "javascript:alert(1)", 7: "example.org/",
           8: "[U+001B]]0;pwned[U+0007]"}  # fmt: skip
"""What of each payload a terminal shows (as text, its controls as tokens)."""
WORDS = {1: "alert", 2: "onerror", 3: "HYPERLINK", 4: "Injected", 5: "Report",
         6: "javascript", 7: "example", 8: "pwned"}  # fmt: skip
"""A word of each payload that ``search`` finds (but PostgreSQL's parser
indexes no such word of payloads 1 and 7: it reads ``<script>`` and
``</script>`` as tags and what is between them as blank, and
``example.org`` as one host)."""
GOOD_URL = "https://example.org/ok"
"""A clean source beside the hostile one: the only link any output may make."""

RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""What no output meant to be read may hold raw (but the line breaks and tabs
its format allows)."""
JSON_RAW = {chr(c) for c in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)} | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""What JSON leaves raw that the json export writes as ``\\uXXXX``."""


def placeholder(n: int) -> str:
    return f"ZQ{n}ZQ"


def payload(n: int, store: str) -> str:
    return PAYLOADS[n] + ("" if n != 8 or is_postgres(store) else NUL)


def raw_controls(text: str, allowed: str = "\n") -> set[str]:
    return {char for char in text if char in RAW and char not in allowed}


# -- the store, as an old store holds it --------------------------------------


def record(store: str, n: int) -> None:
    """Talks ``pN``: every text the placeholder of payload N."""
    text, slug, group = placeholder(n), f"p{n}", f"group-{n}"
    service = open_service(store, text)  # the author too
    try:
        service.register_actor(group, text, "group")
        service.open_talks(slug, text, text, ["UKR", group], on="2024-07-01",
                           summary=text, sources=[text])  # fmt: skip
        service.add_agenda_item(slug, "item", text, text, on="2024-07-02")
        service.record_stance(slug, "UKR", text, [text], on="2024-07-03")
        service.record_stance(slug, group, text, [text], on="2024-07-03")
        service.record_motivation(slug, group, text, on="2024-07-04")
        service.add_scenario(slug, "outcome", text, text, on="2024-07-05")
        service.assess_scenario(slug, "outcome", "likely", text, on="2024-07-06")
        service.add_recommendation(slug, "advice", text, text, text, audience=group,
                                   on="2024-07-07")  # fmt: skip
        service.add_recommendation(slug, "priority", text, None, text, on="2024-07-07")
        service.record_development(slug, "2024-07-08", text, [text, GOOD_URL])
        service.record_development(slug, "2024-07-09", f"{text} before", [text])
        service.amend(slug, "development:2", {"text": text}, text)
        service.record_development(slug, "2024-07-10", text, [])
        service.retract(slug, "development:3", text)
    finally:
        service.close()


def hostile(state: bytes, store: str) -> bytes:
    """A stored event's JSON with each placeholder replaced by its payload."""
    for n in PAYLOADS:
        encoded = orjson.dumps(payload(n, store))[1:-1]  # the JSON string's inside
        state = state.replace(placeholder(n).encode(), encoded)
    return state


def rewrite_events(store: str) -> int:
    """Replace the placeholders in every stored event; how many were changed."""
    if is_postgres(store):
        found = pg_rows(store, "SELECT notification_id, state FROM timeline_events")
        changed = [(hostile(bytes(state), store), position)
                   for position, state in found if b"ZQ" in bytes(state)]  # fmt: skip
        for state, position in changed:
            pg_rows(store, "UPDATE timeline_events SET state = %s WHERE"
                    " notification_id = %s RETURNING 1", (state, position))  # fmt: skip
        return len(changed)
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(store)) as connection, connection:
        found = connection.execute("SELECT rowid, state FROM stored_events").fetchall()
        changed = [(hostile(state, store), rowid)
                   for rowid, state in found if b"ZQ" in state]  # fmt: skip
        connection.executemany(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", changed
        )
    return len(changed)


_STORES: dict[str, str] = {}


@pytest.fixture(scope="module")
def _kept() -> Iterator[ExitStack]:
    """What the module's stores need until it ends (PostgreSQL schemas)."""
    with ExitStack() as stack:
        yield stack
        _STORES.clear()


@pytest.fixture
def hostile_store(
    store_backend: str, tmp_path_factory: pytest.TempPathFactory, _kept: ExitStack
) -> str:
    """A store of the test's backend holding talks p1 to p8, their texts the
    payloads, its views rebuilt from those events: its location."""
    if store_backend not in _STORES:
        if store_backend == "postgresql":
            location = _kept.enter_context(fresh_schema())
        else:
            location = str(tmp_path_factory.mktemp("hostile") / "old.sqlite")
        for n in PAYLOADS:
            record(location, n)
        assert rewrite_events(location) == 15 * len(PAYLOADS)
        ok("--db", location, "projections", "rebuild")
        _STORES[store_backend] = location
    location = _STORES[store_backend]
    for n in PAYLOADS:  # the payloads are stored, exactly
        view = json.loads(ok("--db", location, "show", f"p{n}", "--json").stdout)
        assert view["title"] == view["summary"] == payload(n, location)
        assert view["opened"]["recorded_by"] == payload(n, location)
    return location


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough that no table folds a payload over two lines."""
    monkeypatch.setenv("COLUMNS", "2000")


def export(store: str, n: int, format_: str) -> str:
    return ok("--db", store, "export", f"p{n}", "--format", format_).stdout


# -- readers ------------------------------------------------------------------


@dataclass
class Page(HTMLParser):
    """What an HTML reader builds from a document: elements, attributes, text."""

    tags: list[str] = field(default_factory=list)
    attrs: list[tuple[str, str, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @classmethod
    def of(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        page.close()
        return page


HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
    "p", "strong", "time", "nav", "ul", "li", "a", "main", "section", "svg", "g",
    "rect", "text", "line", "circle", "details", "summary", "table", "thead", "tr",
    "th", "tbody", "td", "dl", "dt", "dd", "code", "span", "br",
}  # fmt: skip
"""The elements the html export's templates write, and no other."""


def assert_inert_html(html: str, tags: set[str], internal: str = "#") -> Page:
    """Only the exporter's own elements; no event handler, style or source
    attribute; every link an internal one or a clean http(s) URL."""
    page = Page.of(html)
    assert set(page.tags) <= tags, set(page.tags) - tags
    for tag, name, value in page.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert name not in (
            "src",
            "srcset",
            "style",
            "xlink:href",
            "action",
            "formaction",
        )
        if name == "href":
            assert value.startswith(internal) or (
                value.lower().startswith(("http://", "https://")) and is_web_url(value)
            ), value
            assert "javascript" not in value.lower()
            assert not set(value) & set("\"'<> ")
    return page


MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MD_TAGS = {"p", "em", "strong", "h1", "h2", "ul", "li", "table", "thead", "tbody",
           "tr", "th", "td", "hr", "code", "br"}  # fmt: skip
TABLE_TITLES = ("Diplomatic stances", "Motivations of key players",
                "Outcome scenarios", "Strategic priorities", "Recommendations",
                "Agenda", "Developments", "Evidence")  # fmt: skip


# -- the table: every payload in every format ---------------------------------


def check_markdown(store: str, n: int) -> None:
    text = export(store, n, "markdown")
    assert not raw_controls(text)
    tokens = MD.parse(text)
    assert not [t for t in tokens if t.type in ("html_block", "fence", "code_block",
                                                "blockquote_open")]  # fmt: skip
    inline = [child for t in tokens for child in t.children or []]
    assert {c.content for c in inline if c.type == "html_inline"} <= {"<br>"}
    assert not [c for c in inline if c.type in ("link_open", "image")]
    coded = {c.content for c in inline if c.type == "code_inline"}
    heads = {c for c in coded if re.fullmatch(r"\d+:[0-9a-f]{64}", c)}
    assert len(heads) == 2  # the store's and the talks' (see test_export_heads_cli)
    assert coded - heads == {f"p{n}"}
    headings = [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open"]
    (title, *sections) = headings
    assert tokens[tokens.index(title) - 1].tag == "h1"
    shown = "".join("\n" if c.type == "html_inline" else c.content
                    for c in title.children or [])  # fmt: skip
    assert shown == visible_controls(payload(n, store)).strip()
    for section in sections:  # the exporter's own, never the payload's
        assert section.content.startswith(TABLE_TITLES), section.content
    rows = [t for t in tokens if t.type == "tr_open"]
    # stances, scenarios, advice, developments; the evidence of the 11 entries
    assert len(rows) == 4 * 2 + 2 + 1 + 11
    cells_per_row: list[int] = []
    for t in tokens:  # each row has its header's cells, no more
        if t.type == "tr_open":
            cells_per_row.append(0)
        elif t.type in ("td_open", "th_open"):
            cells_per_row[-1] += 1
    # scenarios: likelihood; evidence: entry, grade, cites
    assert cells_per_row == [3, 3, 3, 3, 3, 2, 2, 3, 3, 3] + [3] * 12
    assert_inert_html(MD.render(text), MD_TAGS)


def check_csv(store: str, n: int) -> None:
    text = export(store, n, "csv")
    assert not raw_controls(text, "\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) > 10
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert not raw_controls(cell, "\n")
    texts = {row[7].removeprefix("'") for row in rows[1:]}
    assert visible_controls(payload(n, store)) in texts


def check_html(store: str, n: int) -> None:
    text = export(store, n, "html")
    assert not raw_controls(text, "\n")
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    page = assert_inert_html(text, HTML_TAGS)
    hrefs = [v for tag, name, v in page.attrs if name == "href" and tag == "a"]
    external = {h for h in hrefs if not h.startswith("#")}
    assert external == {GOOD_URL}
    assert visible_controls(payload(n, store)) in page.texts


def check_timelinejs(store: str, n: int) -> None:
    text = export(store, n, "timelinejs")
    assert not raw_controls(text, "\n")
    assert not set(text) & JSON_RAW
    document = json.loads(text)
    headlines = []
    for slide in [document["title"], *document["events"]]:
        assert "<" not in slide["text"]["headline"]
        headlines.append(unescape(slide["text"]["headline"]))
        page = assert_inert_html(slide["text"]["text"], {"p", "strong", "a"}, "\0")
        assert {v for _, name, v in page.attrs if name == "href"} <= {GOOD_URL}
        assert "<" not in slide.get("group", "")
    wanted = " ".join(visible_controls(payload(n, store)).split())
    assert any(h == wanted or h.startswith(wanted[:100]) for h in headlines)


def check_ical(store: str, n: int) -> None:
    text = export(store, n, "ical")
    assert not raw_controls(text, "\r\n")
    calendar = Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    assert len(events) > 10
    urls = []
    for event in events:
        for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
            if name in event:
                value = str(event[name])
                assert not {"<", ">"} & set(value), value
                assert not raw_controls(value, "\n")
        if "URL" in event:
            urls.append(str(event["URL"]))
    assert urls == [GOOD_URL]  # the clean source of development:1, never a payload
    assert "<" not in str(calendar["X-WR-CALNAME"])
    summaries = {str(event["SUMMARY"]) for event in events}
    written = visible_controls(payload(n, store)).replace("<", "&lt;")
    assert written.replace(">", "&gt;") in summaries


def check_json(store: str, n: int) -> None:
    text = export(store, n, "json")
    assert not set(text) & JSON_RAW
    assert not raw_controls(text, "\n")
    (view,) = json.loads(text)["talks"]
    assert view["title"] == view["location"] == payload(n, store)  # lossless


def check_jsonl(store: str, n: int) -> None:
    text = export(store, n, "jsonl")
    assert not set(text) & JSON_RAW
    lines = text.split("\n")[:-1]
    events = [json.loads(line) for line in lines]
    opened = [e for e in events if e["type"] == "TalksOpened"]
    assert opened[0]["payload"]["summary"] == payload(n, store)  # lossless
    assert opened[0]["recorded_by"] == payload(n, store)


TERMINAL = {
    "show": lambda n: ["show", f"p{n}"],
    "show --all": lambda n: ["show", f"p{n}", "--all"],
    "history": lambda n: ["history", f"p{n}"],
    "events": lambda n: ["events", "--talks", f"p{n}"],
    "search": lambda n: ["search", WORDS[n], "--talks", f"p{n}"],
    "talks list": lambda n: ["talks", "list"],
    "stance history": lambda n: ["stance", "history", f"p{n}"],
    "scenario list": lambda n: ["scenario", "list", f"p{n}"],
    "diff": lambda n: ["diff", f"p{n}", "--from", BEGAN],
    "actor list": lambda n: ["actor", "list"],
}
"""Every command that prints recorded text on a terminal, for talks pN."""
BEGAN = "(when the store began)"
"""In a command, the store's first record time (``diff --from`` may not be
earlier): every entry of talks pN was recorded after it."""


def began(store: str, command: list[str]) -> list[str]:
    """``command`` with :data:`BEGAN` replaced by the store's first record time."""
    if BEGAN not in command:
        return command
    first = json.loads(ok("--db", store, "history", "p1", "--json").stdout)[0]
    return [first["recorded_at"] if a == BEGAN else a for a in command]


def check_terminal(command: str) -> Callable[[str, int], None]:
    def check(store: str, n: int) -> None:
        result = ok("--db", store, *began(store, TERMINAL[command](n)))
        assert not raw_controls(result.stdout), raw_controls(result.stdout)
        assert not raw_controls(result.stderr)
        if command == "search":  # a snippet may cut the payload short
            found = "No entry matches." not in result.stdout
            assert found or (n in (1, 7) and is_postgres(store))
        else:
            assert ARRIVES[n] in result.stdout

    return check


FORMATS: dict[str, Callable[[str, int], None]] = {
    "markdown": check_markdown,
    "csv": check_csv,
    "html": check_html,
    "timelinejs": check_timelinejs,
    "ical": check_ical,
    "json": check_json,
    "jsonl": check_jsonl,
    **{f"terminal: {command}": check_terminal(command) for command in TERMINAL},
}


@pytest.mark.parametrize("output", FORMATS)
@pytest.mark.parametrize("n", PAYLOADS)
@pytest.mark.usefixtures("wide")
def test_payload_is_inert(hostile_store: str, n: int, output: str) -> None:
    FORMATS[output](hostile_store, n)


# -- the terminal never receives a control ------------------------------------

READS = [
    *(args(8) for args in TERMINAL.values()),
    *([*args(8), "--json"] for args in TERMINAL.values()),
    *(["export", "p8", "--format", f]
      for f in ("markdown", "csv", "html", "timelinejs", "ical", "json", "jsonl")),
]  # fmt: skip
"""Every command that reads recorded text, for the terminal payload (and, in
the test, the bidirectional one): tables, ``--json`` and every export."""


def _terminal_safe(store: str, args: list[str]) -> None:
    for n in (5, 8):
        command = [a.replace("p8", f"p{n}") for a in args]
        command = [WORDS[n] if a == WORDS[8] else a for a in command]
        result = ok("--db", store, *began(store, command))
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream
            assert "\x9b" not in stream
            assert not raw_controls(stream), (command, raw_controls(stream))


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_the_terminal_never_receives_a_control(
    hostile_store: str, args: list[str]
) -> None:
    _terminal_safe(hostile_store, args)


# -- large text ---------------------------------------------------------------

LARGE = 100_000
"""The input policy's longest text, in characters."""


def test_a_text_of_the_longest_kind_is_shown_and_exported_in_seconds(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = ("Talks resumed in Geneva; " * (LARGE // 25 + 1))[:LARGE]
    unbroken = "x" * LARGE
    lines = ("a\n" * (LARGE // 2))[:LARGE]
    service = open_service(store, "tester")
    try:
        service.open_talks("big", "Big", "Geneva", ["UKR"], on="2024-07-01")
        terminal = "ZQ8ZQ " * (LARGE // (len(PAYLOADS[8]) + 2))
        for i, text in enumerate((words, unbroken, lines, terminal)):
            service.record_development("big", f"2024-07-0{i + 2}", text, [GOOD_URL])
    finally:
        service.close()
    rewrite_events(store)  # the last: 100,000 characters of terminal payloads
    ok("projections", "rebuild")
    timings = {}
    formats = ("markdown", "csv", "html", "timelinejs", "ical", "json", "jsonl")
    for args in (["show", "big"], ["history", "big"], ["events", "--talks", "big"],
                 *(["export", "big", "--format", f] for f in formats)):  # fmt: skip
        started = time.perf_counter()
        result = ok(*args)
        timings[" ".join(args)] = time.perf_counter() - started
        assert not raw_controls(result.stdout, "\r\n\t")
    slow = {
        name: f"{seconds:.1f}s" for name, seconds in timings.items() if seconds > 20
    }
    assert not slow, timings
