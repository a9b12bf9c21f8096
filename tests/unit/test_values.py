"""Value objects: partial dates, slugs, required text, actor codes, country names."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from events.actors import country_name
from events.errors import InvalidInput
from events.values import (
    PartialDate,
    as_actor_code,
    as_slug,
    required_text,
    slugify,
)
from tests.unit.dates import date_text

# -- PartialDate.parse ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision"),
    [("2024", "year"), ("2024-07", "month"), ("2024-07-23", "day")],
)
def test_parse_keeps_text_and_precision(text: str, precision: str) -> None:
    parsed = PartialDate.parse(text)
    assert parsed.text == text
    assert str(parsed) == text
    assert parsed.precision == precision


def test_parse_strips_surrounding_blanks() -> None:
    assert PartialDate.parse("  2024-07 ").text == "2024-07"


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-12", date(2024, 12, 1), date(2024, 12, 31)),
        ("2024-04", date(2024, 4, 1), date(2024, 4, 30)),
        ("2024-07-23", date(2024, 7, 23), date(2024, 7, 23)),
    ],
)
def test_bounds(text: str, lower: date, upper: date) -> None:
    parsed = PartialDate.parse(text)
    assert (parsed.lower, parsed.upper) == (lower, upper)


@pytest.mark.parametrize(
    "text", ["2024-13", "2024-02-30", "2023-02-29", "24-01", "2024/01", "", "2024-1",
             "2024-07-1", "20245", "2024-", "July 2024", "2024-07-23T25:00"],
)  # fmt: skip
def test_parse_rejects_malformed_or_impossible_dates(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(repr(text))):
        PartialDate.parse(text)


@pytest.mark.parametrize("text", ["0000", "2024-00", "2024-01-00"])
def test_parse_rejects_zero_year_month_or_day(text: str) -> None:
    # Source bug: a zero part is treated as "not given" (``month or 1``), so
    # these are accepted and ``lower``/``upper`` then raise a bare ValueError.
    with pytest.raises(InvalidInput, match=re.escape(repr(text))):
        PartialDate.parse(text)


def test_upper_bound_of_last_representable_month() -> None:
    # Source bug: the upper bound of December computes 1 January of next year,
    # which does not exist for 9999.
    assert PartialDate.parse("9999-12").upper == date(9999, 12, 31)


PRECISIONS = ("year", "month", "day")


# Year 9999 is left out here: test_upper_bound_of_last_representable_month
# covers it on its own.
@given(
    st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 31)),
    st.sampled_from(PRECISIONS),
)
def test_parsed_bounds_match_precision(day: date, precision: str) -> None:
    text = date_text(day, precision)
    parsed = PartialDate.parse(text)
    assert parsed.text == text
    assert parsed.precision == precision
    lower, upper = parsed.lower, parsed.upper
    assert lower <= day <= upper
    if precision == "day":
        assert lower == upper == day
    elif precision == "month":
        assert lower == day.replace(day=1)
        assert (upper.year, upper.month) == (day.year, day.month)
        assert (upper + timedelta(days=1)).day == 1
    else:
        assert lower == date(day.year, 1, 1)
        assert upper == date(day.year, 12, 31)


@given(st.integers(1, 9999), st.integers(13, 99))
def test_months_past_twelve_are_rejected(year: int, month: int) -> None:
    assume(not 21 <= month <= 24)  # EDTF's seasons: spring, summer, autumn, winter
    with pytest.raises(InvalidInput):
        PartialDate.parse(f"{year:04d}-{month:02d}")


# -- slugs, text, actor codes -----------------------------------------------------


@pytest.mark.parametrize("value", ["humanitarian-aid", "a", "g7", "beijing-talks-2"])
def test_as_slug_accepts_slugs(value: str) -> None:
    assert as_slug(value) == value


@pytest.mark.parametrize(
    "value", ["", "Humanitarian-Aid", "humanitarian aid", "-aid", "aid-", "a--b",
              "aid_1", "hélp"],
)  # fmt: skip
def test_as_slug_rejects_non_slugs(value: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"talks slug {value!r}")):
        as_slug(value, "talks slug")


def test_as_slug_rejects_trailing_newline() -> None:
    # Source bug: ``SLUG.match`` with ``$`` also matches before a trailing
    # newline, so the value is returned newline and all.
    with pytest.raises(InvalidInput):
        as_slug("humanitarian-aid\n")


@pytest.mark.parametrize("value", ["CHN\n", "western-nations\n"])
def test_as_actor_code_rejects_trailing_newline(value: str) -> None:
    # Source bug: same ``$`` in COUNTRY_CODE and SLUG.
    with pytest.raises(InvalidInput):
        as_actor_code(value)


def test_required_text_strips() -> None:
    assert required_text("  Ceasefire  \n", "position") == "Ceasefire"


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_required_text_rejects_blank(value: str) -> None:
    with pytest.raises(InvalidInput, match="position must not be empty"):
        required_text(value, "position")


@pytest.mark.parametrize("value", ["CHN", "UKR", "western-nations", "un"])
def test_as_actor_code_accepts_codes_and_keys(value: str) -> None:
    assert as_actor_code(value) == value


@pytest.mark.parametrize("value", ["China", "CH", "CHNA", "Western-Nations", ""])
def test_as_actor_code_rejects_other_names(value: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(repr(value))):
        as_actor_code(value)


@pytest.mark.parametrize(
    ("title", "slug"),
    [("Humanitarian Aid", "humanitarian-aid"), ("  Peace, now!  ", "peace-now"),
     ("G7 Summit 2024", "g7-summit-2024")],
)  # fmt: skip
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert as_slug(slug) == slug


# -- country names ----------------------------------------------------------------


@pytest.mark.parametrize(("code", "name"), [("CHN", "China"), ("UKR", "Ukraine")])
def test_country_name(code: str, name: str) -> None:
    assert country_name(code) == name


def test_country_name_of_historic_code() -> None:
    assert "Soviet" in country_name("SUN")


def test_country_name_of_unknown_code() -> None:
    with pytest.raises(InvalidInput, match="'XXX'"):
        country_name("XXX")
