"""The input policy: what each kind of field accepts and how it says no."""

from __future__ import annotations

import pytest

from events.errors import InvalidInput, excerpt, one_line
from events.policy import AUTHOR, FORMS, LINE, MAX_ITEMS, SOURCE, TEXT, checked
from events.values import as_actor_code, as_slug, required_text, required_texts

REFUSED_EVERYWHERE = [
    ("\x00", "U+0000 (NUL)"),
    ("\x1b[2J", "U+001B (ESC)"),
    ("\x07", "U+0007 (BEL)"),
    ("\x0c", "U+000C"),
    ("\x7f", "U+007F (DEL)"),
    ("\x85", "U+0085"),
    ("\x9b", "U+009B"),
    ("\u202e", "bidirectional control U+202E"),
    ("\u202a", "bidirectional control U+202A"),
    ("\u2066", "bidirectional control U+2066"),
    ("\u2069", "bidirectional control U+2069"),
    ("\udcc3", "not valid UTF-8"),
    ("\ud800", "not valid UTF-8"),
]


@pytest.mark.parametrize("form", [LINE, TEXT, SOURCE, AUTHOR])
@pytest.mark.parametrize(("bad", "said"), REFUSED_EVERYWHERE)
def test_controls_bidi_and_surrogates_are_refused_in_every_field(
    form: object, bad: str, said: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked(f"before {bad} after", "field", form)  # type: ignore[arg-type]
    message = str(refused.value)
    assert said in message
    assert "at character 8" in message
    assert bad not in message  # the message itself is safe to print


@pytest.mark.parametrize("brk", ["\n", "\r", "\t", "\u2028", "\u2029"])
def test_one_line_fields_refuse_line_breaks_and_tabs(brk: str) -> None:
    with pytest.raises(InvalidInput, match="must be one line"):
        checked(f"a{brk}b", "title")


@pytest.mark.parametrize("text", ["a\nb", "a\r\nb", "a\tb", "a\u2028b"])
def test_multi_line_fields_keep_line_breaks_and_tabs_as_written(text: str) -> None:
    assert checked(text, "development") == text


@pytest.mark.parametrize(
    "text",
    [
        "\u0627\u0644\u0645\u0641\u0627\u0648\u0636\u0627\u062a \u200f",  # RLM
        "\u041f\u0435\u0440\u0435\u0433\u043e\u0432\u043e\u0440\u044b",
        "\u5317\u4eac\u4f1a\u8c08",
        "\U0001f54a\ufe0f talks \u200d",
        "Ukraine\u2019s economy",
    ],
)
def test_any_language_and_the_plain_marks_are_accepted(text: str) -> None:
    assert checked(text, "title") == text


@pytest.mark.parametrize(
    ("what", "limit"),
    [("title", 1_000), ("development", 100_000), ("source", 2_000), ("author", 200)],
)
def test_each_field_has_its_limit_and_takes_exactly_it(what: str, limit: int) -> None:
    assert FORMS[what].limit == limit
    assert checked("x" * limit, what) == "x" * limit
    with pytest.raises(InvalidInput) as refused:
        checked("x" * (limit + 1), what)
    assert str(refused.value) == (
        f"{what} is {limit + 1:,} characters long; at most {limit:,} are allowed"
    )


def test_the_limit_counts_after_the_blanks_around_are_stripped() -> None:
    assert required_text("  " + "x" * 1_000 + "\n", "title") == "x" * 1_000


def test_slugs_and_actor_keys_stop_at_200_characters() -> None:
    assert as_slug("a" * 200) == "a" * 200
    with pytest.raises(InvalidInput, match="at most 200"):
        as_slug("a" * 201, "talks slug")
    with pytest.raises(InvalidInput) as refused:
        as_actor_code("a" * 201)
    assert len(str(refused.value)) < 250


def test_lists_stop_at_their_item_limit() -> None:
    assert len(required_texts(["x"] * MAX_ITEMS, "source")) == MAX_ITEMS
    with pytest.raises(InvalidInput, match="1,001 sources given; at most 1,000"):
        required_texts(["x"] * (MAX_ITEMS + 1), "source")


def test_an_error_quotes_a_short_excerpt_with_controls_escaped() -> None:
    huge = "\x1b]0;pwned\x07" + "z" * 20_000_000
    quoted = excerpt(huge)
    assert len(quoted) < 120
    assert "\x1b" not in quoted
    assert "\\x1b" in quoted
    assert quoted.endswith("(20,000,010 characters)")
    with pytest.raises(InvalidInput) as refused:
        as_slug(huge)
    assert len(str(refused.value)) < 200


def test_a_message_shown_is_one_short_line_with_nothing_raw() -> None:
    shown = one_line("first\nsecond \u202e \x1b[31m" + "y" * 1_000)
    for raw in ("\n", "\x1b", "\u202e"):
        assert raw not in shown
    assert len(shown) == 500
