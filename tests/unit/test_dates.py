"""Valid-time dates: the EDTF subset of :class:`PartialDate` (a day, a month or
a year, each maybe approximate or uncertain, and intervals of two of them)."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from events.base import ValidDate
from events.errors import InvalidInput
from events.values import PartialDate
from tests.unit.dates import date_text

# -- the forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision", "lower", "upper", "approximate", "uncertain"),
    [
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31), False, False),
        ("2024-07", "month", date(2024, 7, 1), date(2024, 7, 31), False, False),
        ("2024-07-23", "day", date(2024, 7, 23), date(2024, 7, 23), False, False),
        ("2024~", "year", date(2024, 1, 1), date(2024, 12, 31), True, False),
        ("2024-07~", "month", date(2024, 7, 1), date(2024, 7, 31), True, False),
        ("2024-07?", "month", date(2024, 7, 1), date(2024, 7, 31), False, True),
        ("2024-07%", "month", date(2024, 7, 1), date(2024, 7, 31), True, True),
        ("2024-02-29?", "day", date(2024, 2, 29), date(2024, 2, 29), False, True),
        ("2024-07-23%", "day", date(2024, 7, 23), date(2024, 7, 23), True, True),
    ],
)
def test_single_dates(
    text: str,
    precision: str,
    lower: date,
    upper: date,
    approximate: bool,
    uncertain: bool,
) -> None:
    parsed = PartialDate.parse(text)

    assert parsed.text == str(parsed) == text
    assert parsed.precision == precision
    assert (parsed.lower, parsed.upper) == (lower, upper)
    assert (parsed.approximate, parsed.uncertain) == (approximate, uncertain)
    assert not parsed.is_interval
    assert parsed.start == parsed.end == parsed  # its own sides, qualified as it is


def test_a_qualifier_does_not_change_the_bounds() -> None:
    plain = PartialDate.parse("2024-07")
    for qualifier in "~?%":
        qualified = PartialDate.parse(f"2024-07{qualifier}")
        assert (qualified.lower, qualified.upper) == (plain.lower, plain.upper)
        assert qualified.text == f"2024-07{qualifier}"  # never padded, never dropped
        assert qualified != plain


@pytest.mark.parametrize(
    ("text", "precision", "lower", "upper", "start", "end"),
    [
        ("2024-07-23/2024-07-26", "day", date(2024, 7, 23), date(2024, 7, 26),
         "2024-07-23", "2024-07-26"),
        ("2023/2024-03~", "year", date(2023, 1, 1), date(2024, 3, 31),
         "2023", "2024-03~"),
        ("2024-07/2024-09-15", "month", date(2024, 7, 1), date(2024, 9, 15),
         "2024-07", "2024-09-15"),
        ("2024-07-23/2024-07-23", "day", date(2024, 7, 23), date(2024, 7, 23),
         "2024-07-23", "2024-07-23"),
        ("2024/2024", "year", date(2024, 1, 1), date(2024, 12, 31), "2024", "2024"),
        ("2024/2024-12", "year", date(2024, 1, 1), date(2024, 12, 31),
         "2024", "2024-12"),
        ("2024-01-01/2024", "year", date(2024, 1, 1), date(2024, 12, 31),
         "2024-01-01", "2024"),
        ("2024-12-31?/2025-01-02", "day", date(2024, 12, 31), date(2025, 1, 2),
         "2024-12-31?", "2025-01-02"),
    ],
)  # fmt: skip
def test_intervals(
    text: str, precision: str, lower: date, upper: date, start: str, end: str
) -> None:
    parsed = PartialDate.parse(text)

    assert parsed.text == str(parsed) == text
    assert parsed.is_interval
    assert parsed.precision == precision  # the coarser side's
    assert (parsed.lower, parsed.upper) == (lower, upper)
    assert parsed.start == PartialDate.parse(start)
    assert parsed.end == PartialDate.parse(end)
    assert not parsed.start.is_interval
    assert not parsed.end.is_interval


@pytest.mark.parametrize(
    ("text", "approximate", "uncertain"),
    [
        ("2024-07-23/2024-07-26", False, False),
        ("2023/2024-03~", True, False),
        ("2023?/2024-03", False, True),
        ("2023~/2024-03?", True, True),
        ("2023%/2024", True, True),
    ],
)
def test_an_interval_is_qualified_when_a_side_is(
    text: str, approximate: bool, uncertain: bool
) -> None:
    parsed = PartialDate.parse(text)

    assert (parsed.approximate, parsed.uncertain) == (approximate, uncertain)


def test_dates_of_the_old_forms_parse_as_before() -> None:
    # Stored events hold the text; the forms they could hold mean what they did.
    for text in ("2024", "2024-07", "2024-07-23"):
        parsed = PartialDate.parse(text)
        assert parsed == PartialDate(text)
        assert not parsed.approximate
        assert not parsed.uncertain
        assert not parsed.is_interval


@pytest.mark.parametrize("text", ["2024-07~", "2023/2024-03~", "2024-07-23/2024-07-26"])
def test_an_event_field_stores_the_text(text: str) -> None:
    adapter = TypeAdapter(ValidDate)

    parsed = adapter.validate_python(text)

    assert parsed == PartialDate.parse(text)
    assert adapter.dump_python(parsed) == text
    assert adapter.validate_python(adapter.dump_python(parsed)) == parsed


# -- the errors -----------------------------------------------------------------


FORMS = (
    "must be YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ~ (approximate), "
    "? (uncertain) or % (both), or an interval START/END such as "
    "2024-07-23/2024-07-26"
)


@pytest.mark.parametrize(
    "text", ["2024-13", "2024-02-30", "2023-02-29", "2024-00", "2024-01-00",
             "2024-04-31", "0000", "2024-13~", "2023-02-29?",
             "2024-21"],  # EDTF's seasons (21-24) are not in the subset
)  # fmt: skip
def test_impossible_dates(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == f"date {text!r} does not exist"


@pytest.mark.parametrize(
    ("text", "side"),
    [("2024-02-30/2024-03", "start 2024-02-30"), ("2024/2024-13", "end 2024-13"),
     ("2023-02-29~/2024", "start 2023-02-29~"), ("2024/2024-06-00", "end 2024-06-00")],
)  # fmt: skip
def test_impossible_sides_of_an_interval(text: str, side: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == (
        f"date {text!r} does not exist: its {side} is not in the calendar"
    )


@pytest.mark.parametrize(
    "text", ["2024-07-26/2024-07-23", "2025/2024", "2024-08/2024-07-31",
             "2024/2024-07", "2024-07/2024", "2024-07-02/2024-07"],
)  # fmt: skip
def test_an_interval_may_not_end_before_it_starts(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"date {text!r} ends before it")):
        PartialDate.parse(text)


@pytest.mark.parametrize(
    "text", ["July 2024", "", "24-01", "2024-1", "2024-07-1", "20245", "2024-",
             "2024-07-23T00:00", "~2024", "2024~~", "2024~?", "2024 ~", "2024-~07",
             "2024-07~-23", "2024/", "/2024", "2024//2025", "2024/2025/2026",
             "2024-07-23 / 2024-07-26", "2024..2025", "../2024", "-2024",
             "2024-XX", "2024\n~", "\uff12\uff10\uff12\uff14"],
)  # fmt: skip
def test_other_text_is_not_a_date(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == f"date {text.strip()!r} {FORMS}"
    assert "\n" not in FORMS


def test_the_message_is_one_line_naming_the_text() -> None:
    for text in ("July 2024", "2024-13", "2024-02-30/2024-03", "2025/2024"):
        with pytest.raises(InvalidInput) as raised:
            PartialDate.parse(text)
        message = str(raised.value)
        assert "\n" not in message
        assert message.startswith(f"date {text!r} ")


def test_surrounding_blanks_are_not_kept() -> None:
    assert PartialDate.parse(" 2023/2024-03~\n").text == "2023/2024-03~"


# -- properties -----------------------------------------------------------------

PRECISIONS = ("year", "month", "day")
QUALIFIERS = ("", "~", "?", "%")

days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
precisions = st.sampled_from(PRECISIONS)
qualifiers = st.sampled_from(QUALIFIERS)


def _bounds(day: date, precision: str) -> tuple[date, date]:
    """The first and last day of the year, month or day ``day`` falls in."""
    if precision == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if precision == "month":
        last = monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return day, day


@st.composite
def single_dates(draw: st.DrawFn) -> PartialDate:
    return PartialDate.parse(date_text(draw(days), draw(precisions), draw(qualifiers)))


@st.composite
def intervals(draw: st.DrawFn) -> PartialDate:
    first, second = sorted((draw(days), draw(days)))
    start, end = draw(precisions), draw(precisions)
    (a_lower, a_upper), (b_lower, b_upper) = _bounds(first, start), _bounds(second, end)
    assume(b_lower >= a_lower and b_upper >= a_upper)
    a_text = date_text(first, start, draw(qualifiers))
    b_text = date_text(second, end, draw(qualifiers))
    return PartialDate.parse(f"{a_text}/{b_text}")


any_dates = st.one_of(single_dates(), intervals())


@given(any_dates)
def test_lower_is_never_after_upper(parsed: PartialDate) -> None:
    assert parsed.lower <= parsed.upper


@given(any_dates)
def test_the_text_round_trips(parsed: PartialDate) -> None:
    again = PartialDate.parse(parsed.text)

    assert again.text == parsed.text
    assert again == parsed
    assert (again.lower, again.upper) == (parsed.lower, parsed.upper)


@given(intervals())
def test_an_interval_runs_from_its_start_to_its_end(parsed: PartialDate) -> None:
    assert parsed.is_interval
    assert parsed.start.lower == parsed.lower
    assert parsed.end.upper == parsed.upper
    assert parsed.text == f"{parsed.start}/{parsed.end}"
    assert parsed.start.lower <= parsed.end.lower
    assert parsed.start.upper <= parsed.end.upper
    assert parsed.precision == min(
        (parsed.start.precision, parsed.end.precision), key=PRECISIONS.index
    )
    assert parsed.approximate == (parsed.start.approximate or parsed.end.approximate)
    assert parsed.uncertain == (parsed.start.uncertain or parsed.end.uncertain)


@given(days, qualifiers, qualifiers, qualifiers)
def test_a_coarser_date_contains_a_finer_one(
    day: date, for_year: str, for_month: str, for_day: str
) -> None:
    year = PartialDate.parse(date_text(day, "year", for_year))
    month = PartialDate.parse(date_text(day, "month", for_month))
    one_day = PartialDate.parse(date_text(day, "day", for_day))

    assert year.lower <= month.lower <= one_day.lower == day
    assert day == one_day.upper <= month.upper <= year.upper
    assert (year.lower, year.upper) == _bounds(day, "year")
    assert (month.lower, month.upper) == _bounds(day, "month")


@given(days, precisions, qualifiers)
def test_a_qualifier_keeps_the_bounds_and_says_what_it_means(
    day: date, precision: str, qualifier: str
) -> None:
    plain = PartialDate.parse(date_text(day, precision))
    qualified = PartialDate.parse(date_text(day, precision, qualifier))

    assert (qualified.lower, qualified.upper) == (plain.lower, plain.upper)
    assert qualified.precision == plain.precision == precision
    assert qualified.approximate == (qualifier in ("~", "%"))
    assert qualified.uncertain == (qualifier in ("?", "%"))


@given(days, precisions, days, precisions)
def test_an_interval_is_accepted_unless_it_ends_before_it_starts(
    first: date, start: str, second: date, end: str
) -> None:
    (a_lower, a_upper), (b_lower, b_upper) = _bounds(first, start), _bounds(second, end)
    text = f"{date_text(first, start)}/{date_text(second, end)}"

    if b_lower < a_lower or b_upper < a_upper:
        with pytest.raises(InvalidInput, match="ends before it starts"):
            PartialDate.parse(text)
    else:
        parsed = PartialDate.parse(text)
        assert (parsed.lower, parsed.upper) == (a_lower, b_upper)


@given(st.integers(1, 9999), st.integers(1, 12), st.integers(0, 99))
def test_a_day_exists_only_within_its_month(year: int, month: int, day: int) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"

    if 1 <= day <= monthrange(year, month)[1]:
        assert PartialDate.parse(text).lower == date(year, month, day)
    else:
        with pytest.raises(InvalidInput, match=re.escape(f"{text!r} does not exist")):
            PartialDate.parse(text)
