"""The one policy that makes recorded text inert in every output
(:mod:`timeline.exporters.inert`), and the Markdown escaping built on it,
checked against a real CommonMark renderer."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from timeline.exporters.inert import (
    escape_json_controls,
    first_link,
    is_web_url,
    json_text,
    link_target,
    terminal_text,
    visible_controls,
)
from timeline.exporters.markdown import heading, inline, line_start

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | set(BIDI)
"""What no output but JSON data may hold raw (newline and tab aside)."""


def raw_controls(text: str, allowed: str = "\n\t") -> set[str]:
    return {char for char in text if char in RAW and char not in allowed}


# -- visible controls ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, unchanged: Kyiv's view (50%) - ok.", None),
        ("Russia\u2019s invasion \u2013 \u201cquoted\u201d", None),
        (ESCAPES, "[U+001B]]0;pwned[U+0007][U+001B][2J[U+001B][31mRED"),
        ("a\u202eexe.txt\u202c", "a[U+202E]exe.txt[U+202C]"),
        ("\u2066x\u2069", "[U+2066]x[U+2069]"),
        ("nul\x00 del\x7f csi\x9b nel\x85",
         "nul[U+0000] del[U+007F] csi[U+009B] nel[U+0085]"),
        ("two\nlines\tand a tab", None),
        ("windows\r\nline", None),
        ("lone\rreturn", "lone[U+000D]return"),
        ("marks \u200e\u200f\u061c stay", None),
    ],
)  # fmt: skip
def test_visible_controls(text: str, shown: str | None) -> None:
    assert visible_controls(text) == (text if shown is None else shown)
    assert terminal_text(text) == visible_controls(text)
    assert not raw_controls(visible_controls(text), "\n\t\r")


def test_visible_controls_can_keep_nothing() -> None:
    assert visible_controls("a\nb\tc", keep="") == "a[U+000A]b[U+0009]c"


@given(st.text())
def test_no_control_survives(text: str) -> None:
    shown = visible_controls(text)
    assert not raw_controls(shown, "\n\t\r")
    assert "\r" not in shown.replace("\r\n", "")
    assert visible_controls(shown) == shown  # once is enough


# -- the URL policy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("http://example.org/b?q=1&r=2#frag", "http://example.org/b?q=1&r=2#frag"),
        ("HTTPS://Example.org/", "HTTPS://Example.org/"),
        ("https://[::1]:8080/x", "https://[::1]:8080/x"),
        ("https://fr.wikipedia.org/wiki/Négociation",
         "https://fr.wikipedia.org/wiki/N%C3%A9gociation"),
        ("https://example.org/100%/a%20b", "https://example.org/100%25/a%20b"),
        ("https://example.org/{x}|^", "https://example.org/%7Bx%7D%7C%5E"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT://example.org/%0aalert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("ftp://example.org/c", None),
        ("//example.org/a", None),
        ("https:///no-host", None),
        ("https://[::1/broken", None),
        ('https://example.org/"><script>alert(1)</script>', None),
        ("https://example.org/'onmouseover='alert(1)", None),
        ("https://example.org/a b", None),
        (" https://example.org/a", None),
        ("https://example.org/\u202eexe.txt", None),
        ("https://example.org/\x1b[2J", None),
        ("https://exa\u200bmple.org/", None),
        ("Reuters wire, 23 July", None),
    ],
)  # fmt: skip
def test_link_target(source: str, target: str | None) -> None:
    assert link_target(source) == target
    assert is_web_url(source) is (target is not None)
    if target is not None:
        assert not set(target) & set("\"'<> \\`")
        assert target.isascii()


def test_first_link() -> None:
    assert first_link(["Reuters", "javascript:alert(1)", "https://a.example/é"]) == (
        "https://a.example/%C3%A9"
    )
    assert first_link(["Reuters"]) is None


# -- JSON ---------------------------------------------------------------------

JSON_RAW = {chr(c) for c in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)} | set(BIDI)


@given(st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
))  # fmt: skip
def test_json_escapes_are_the_same_data(data: object) -> None:
    serialized = orjson.dumps(data).decode()
    escaped = escape_json_controls(serialized)
    assert not set(escaped) & JSON_RAW
    assert not raw_controls(escaped, "\n")
    assert json.loads(escaped) == data
    assert orjson.loads(escaped) == data
    assert orjson.dumps(orjson.loads(escaped)).decode() == serialized  # round trip


def test_json_text_is_indented_and_escaped() -> None:
    data = {"text": f"{ESCAPES}\u202e\u2028\x85", "n": [1]}
    text = json_text(data)
    assert text == escape_json_controls(
        orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    )
    assert "\\u202e" in text
    assert "\\u2028" in text
    assert "\\u0085" in text
    assert json.loads(text) == data
    plain = "Kyiv\u2019s view"
    assert json_text({"plain": plain}) == f'{{\n  "plain": "{plain}"\n}}'


# -- Markdown, read by a CommonMark renderer ----------------------------------

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
SPECIAL = "#>-+*=_~`:|[]()!<>&;\\/.1 \t\n\r\x1b\u202e"
hostile_text = st.lists(
    st.sampled_from([*SPECIAL, "a", "x", "lt", "amp", "#60", "http://"]), min_size=1
).map("".join)


def shown(tokens: list[Token]) -> str:
    """A paragraph's inline content as the reader sees it; ``<br>`` as LF."""
    (inline_token,) = tokens
    assert inline_token.type == "inline"
    text = []
    for child in inline_token.children or []:
        if child.type == "html_inline":
            assert child.content == "<br>"
            text.append("\n")
        else:
            assert child.type == "text", child.type  # no link, code, emphasis
            text.append(child.content)
    return "".join(text)


def expected(text: str) -> str:
    return visible_controls(text).replace("\r\n", "\n")


@given(hostile_text)
def test_a_text_starting_a_line_is_one_paragraph_of_itself(text: str) -> None:
    written = line_start(text)
    assert "\n" not in written
    assert "\r" not in written
    tokens = MD.parse(written)
    text = text.lstrip("\r\n")  # leading line breaks are left out
    if not expected(text).strip(" \t\n"):
        assert [t.type for t in tokens] in ([], ["paragraph_open", "inline",
                                                 "paragraph_close"])  # fmt: skip
        return
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert shown(tokens[1:2]) == expected(text).rstrip(" \t")


@given(hostile_text, hostile_text)
def test_a_cell_is_one_cell_of_itself(first: str, second: str) -> None:
    table = f"| a | b |\n|---|---|\n| {inline(first)} | {inline(second)} |\n"
    tokens = MD.parse(table)
    cells = [i for i, t in enumerate(tokens) if t.type == "td_open"]
    assert len(cells) == 2
    for i, text in zip(cells, (first, second), strict=True):
        assert shown(tokens[i + 1 : i + 2]) == expected(text).strip(" \t")


@given(hostile_text)
def test_a_heading_is_one_heading_of_itself(text: str) -> None:
    tokens = MD.parse(f"# {heading(text)}\n\nafter")
    types = [t.type for t in tokens]
    assert types[:3] == ["heading_open", "inline", "heading_close"]
    assert types[3:] == ["paragraph_open", "inline", "paragraph_close"]
    assert shown(tokens[1:2]) == expected(text).strip(" \t")


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "ok\n# Injected heading\n| a | b |\n|---|---|",
        "[click](javascript:alert(1))",
        "![x](https://evil.example/x.png)",
        "<https://evil.example>",
        "&lt;script&gt;",
        "    indented code",
        "1. a list",
        "---",
        "===",
        "```\nfence",
        "> quote",
        "- item",
    ],
)
def test_markdown_payloads_render_as_text(text: str) -> None:
    html = MD.render(line_start(text))
    assert html.startswith("<p>")
    assert html.count("<p>") == 1
    for needle in ("<script", "<img", "<a ", "<h1", "<table", "<pre", "<ol",
                   "<ul", "<hr", "<blockquote"):  # fmt: skip
        assert needle not in html


# -- iCalendar ----------------------------------------------------------------


def test_ical_text_has_no_markup_and_no_raw_control() -> None:
    from timeline.exporters.ical import _line, text

    assert text("<b>x</b> & y\r\nz\r") == "&lt;b&gt;x&lt;/b&gt; & y\r\nz[U+000D]"
    assert _line("a\r\nb\nc\u202e") == "a b c[U+202E]"  # one line of DESCRIPTION
