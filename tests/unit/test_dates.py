"""Valid-time dates: :class:`PartialDate`, EDTF levels 0 and 1 (a day, a month
or a year, unspecified digits, seasons, each maybe approximate or uncertain;
a day and a time of day; intervals, maybe open or unknown at one side).

The EDTF specification's own examples, checked against the ``edtf`` package,
are in ``test_edtf.py``."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from events.base import ValidDate
from events.errors import InvalidInput
from events.values import PartialDate
from projections.clocks import valid_date
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


@pytest.mark.parametrize(
    ("text", "precision", "lower", "upper"),
    [
        ("201X", "decade", date(2010, 1, 1), date(2019, 12, 31)),
        ("20XX", "century", date(2000, 1, 1), date(2099, 12, 31)),
        ("2004-XX", "year", date(2004, 1, 1), date(2004, 12, 31)),
        ("1985-04-XX", "month", date(1985, 4, 1), date(1985, 4, 30)),
        ("2024-02-XX", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("1985-XX-XX", "year", date(1985, 1, 1), date(1985, 12, 31)),
        ("999X", "decade", date(9990, 1, 1), date(9999, 12, 31)),
        ("001X", "decade", date(10, 1, 1), date(19, 12, 31)),
        ("201X?", "decade", date(2010, 1, 1), date(2019, 12, 31)),
        ("1985-04-XX~", "month", date(1985, 4, 1), date(1985, 4, 30)),
    ],
)
def test_unspecified_digits_run_over_every_value_they_may_take(
    text: str, precision: str, lower: date, upper: date
) -> None:
    parsed = PartialDate.parse(text)

    assert parsed.text == str(parsed) == text
    assert parsed.unspecified
    assert parsed.precision == precision  # what the known digits span
    assert (parsed.lower, parsed.upper) == (lower, upper)
    assert parsed.time is None
    assert parsed.bounded
    assert parsed.start == parsed.end == parsed


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("2001-21", date(2001, 3, 1), date(2001, 5, 31)),  # spring
        ("2001-22", date(2001, 6, 1), date(2001, 8, 31)),  # summer
        ("2001-23", date(2001, 9, 1), date(2001, 11, 30)),  # autumn
        ("2001-24", date(2001, 12, 1), date(2001, 12, 31)),  # winter: December
        ("9999-24", date(9999, 12, 1), date(9999, 12, 31)),  # within the calendar
        ("2024-22~", date(2024, 6, 1), date(2024, 8, 31)),
    ],
)
def test_seasons_are_their_months(text: str, lower: date, upper: date) -> None:
    parsed = PartialDate.parse(text)

    assert parsed.text == text
    assert parsed.precision == "season"
    assert (parsed.lower, parsed.upper) == (lower, upper)
    assert not parsed.unspecified
    assert parsed.approximate == text.endswith("~")


@pytest.mark.parametrize(
    ("text", "time", "day"),
    [
        ("1985-04-12T23:20:30", "23:20:30", date(1985, 4, 12)),
        ("1985-04-12T23:20:30Z", "23:20:30Z", date(1985, 4, 12)),
        ("1985-04-12T23:20:30-04", "23:20:30-04", date(1985, 4, 12)),
        ("1985-04-12T23:20:30+04:30", "23:20:30+04:30", date(1985, 4, 12)),
        # Without seconds: ISO 8601, beyond EDTF, as analysts write it.
        ("2015-02-15T00:00+02:00", "00:00+02:00", date(2015, 2, 15)),
        ("2015-02-15T00:00", "00:00", date(2015, 2, 15)),
        ("2024-12-31T23:59:59-12:00", "23:59:59-12:00", date(2024, 12, 31)),
        ("2024-02-29T12:00Z", "12:00Z", date(2024, 2, 29)),
    ],
)
def test_a_time_of_day_keeps_its_day_as_written(
    text: str, time: str, day: date
) -> None:
    parsed = PartialDate.parse(text)

    assert parsed.text == str(parsed) == text
    assert parsed.time == time
    assert parsed.precision == "day"
    # The local day as written, whatever day it is in UTC.
    assert parsed.lower == parsed.upper == day
    assert not parsed.approximate
    assert not parsed.uncertain
    assert not parsed.unspecified
    assert parsed.start == parsed.end == parsed


def test_a_date_without_a_time_has_none() -> None:
    for text in ("2024", "2024-07-23", "201X", "2024-21", "2024-07-23/2024-07-26"):
        assert PartialDate.parse(text).time is None


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
    assert parsed.bounded
    assert parsed.open_start is parsed.open_end is None


@pytest.mark.parametrize(
    ("text", "start", "end", "open_start", "open_end", "lower", "upper"),
    [
        ("1985-04-12/..", "1985-04-12", None, None, "open",
         date(1985, 4, 12), date.max),
        ("1985-04/..", "1985-04", None, None, "open", date(1985, 4, 1), date.max),
        ("1985-04-12/", "1985-04-12", None, None, "unknown",
         date(1985, 4, 12), date.max),
        ("../1985-04-12", None, "1985-04-12", "open", None,
         date.min, date(1985, 4, 12)),
        ("/1985", None, "1985", "unknown", None, date.min, date(1985, 12, 31)),
        ("1984-06-02?/..", "1984-06-02?", None, None, "open",
         date(1984, 6, 2), date.max),
        ("../2004-06~", None, "2004-06~", "open", None, date.min, date(2004, 6, 30)),
        ("2001-21/..", "2001-21", None, None, "open", date(2001, 3, 1), date.max),
    ],
)  # fmt: skip
def test_an_interval_may_be_open_or_unknown_at_one_side(
    text: str,
    start: str | None,
    end: str | None,
    open_start: str | None,
    open_end: str | None,
    lower: date,
    upper: date,
) -> None:
    parsed = PartialDate.parse(text)

    assert parsed.text == str(parsed) == text
    assert parsed.is_interval
    assert not parsed.bounded
    assert (parsed.open_start, parsed.open_end) == (open_start, open_end)
    assert parsed.start == (start and PartialDate.parse(start))
    assert parsed.end == (end and PartialDate.parse(end))
    # The views compare these as ISO text: the ends of the calendar sort so.
    assert (parsed.lower, parsed.upper) == (lower, upper)
    assert date.min.isoformat() == "0001-01-01"
    assert date.max.isoformat() == "9999-12-31"
    known = parsed.start or parsed.end
    assert known is not None
    assert parsed.precision == known.precision
    assert parsed.approximate == known.approximate
    assert parsed.uncertain == known.uncertain
    assert parsed.time is None


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
    "must be YYYY, YYYY-MM or YYYY-MM-DD (X for unspecified digits: 201X, "
    "2024-XX), a season YYYY-21 to YYYY-24, each maybe followed by ~ "
    "(approximate), ? (uncertain) or % (both); a time YYYY-MM-DDThh:mm[:ss] "
    "with Z or an offset such as +02:00; or an interval START/END such as "
    "2024-07-23/2024-07-26, with .. for an open side or nothing for an unknown one"
)


@pytest.mark.parametrize(
    "text", ["2024-13", "2024-02-30", "2023-02-29", "2024-00", "2024-01-00",
             "2024-04-31", "2024-13~", "2023-02-29?", "2024-20", "2024-42",
             "2024-99", "2023-02-29T12:00", "2024-07-23T24:00", "2024-07-23T23:60",
             "2024-07-23T12:00:60", "2024-07-23T12:00+24:00", "2024-13-XX",
             "2024-00-XX"],
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
             "2024/2024-07", "2024-07/2024", "2024-07-02/2024-07",
             "2024-22/2024-05", "2024-06/2024-21", "2024-24/2024"],
)  # fmt: skip
def test_an_interval_may_not_end_before_it_starts(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"date {text!r} ends before it")):
        PartialDate.parse(text)


@pytest.mark.parametrize(
    "text", ["July 2024", "", "24-01", "2024-1", "2024-07-1", "20245", "2024-",
             "~2024", "2024~~", "2024~?", "2024 ~", "2024-~07",
             "2024-07~-23", "2024//2025", "2024/2025/2026",
             "2024-07-23 / 2024-07-26", "2024..2025", "2024\n~",
             "\uff12\uff10\uff12\uff14",
             # unspecified digits only from the right, and a year's last two
             "1XXX", "XXXX", "20X4", "201X-05", "2004-XX-12", "2004-0X", "201X-XX",
             # a time needs a whole day, hours and minutes, and no qualifier
             "2024-07T10:00", "2024T10:00", "2024-07-23T10", "2024-07-23T",
             "2024-07-23T10:00~", "2024-07-23t10:00", "2024-07-23 10:00",
             "2024-07-23T10:00:00.5", "2024-07-23T10:00+2", "2024-07-23T1000",
             "2024-07-XXT10:00", "2024-07-23T10:00z",
             # a season is a year's, never with a day or X
             "2024-21-05", "201X-21",
             # open and unknown sides are .. or nothing
             "2024/...", "2024/.", "2024/-", "..2024", "2024/ /",
             # EDTF level 2
             "2004-06~-11", "2004?-06-11", "2004-06-~11", "?2004-06", "2004-%06",
             "156X-12-25", "15XX-12-XX", "2001-25", "2001-34", "2001-41",
             "[1667,1668]", "{1667,1668}", "[..1760-12-03]", "1950S2",
             "2001-21^Southern Hemisphere"],
)  # fmt: skip
def test_other_text_is_not_a_date(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == f"date {text.strip()!r} {FORMS}"
    assert "\n" not in FORMS


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("-1985", "a negative year"),
        ("-1985-04~", "a negative year"),
        ("-19XX", "a negative year"),
        ("1985/-1984", "a negative year"),
        ("Y170000002", "a Y-prefixed year"),
        ("Y-170000002", "a Y-prefixed year"),
        ("Y17E7", "an exponent year"),
        ("Y-17E7", "an exponent year"),
        ("0000", "year 0000"),
        ("0000-04~", "year 0000"),
        ("000X", "year 0000"),
        ("00XX", "year 0000"),
        ("0000/2024", "year 0000"),
    ],
)
def test_years_beyond_the_calendar_are_not_supported(text: str, year: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == (
        f"date {text!r} has {year}, which is not supported: years run from 0001 to 9999"
    )


@pytest.mark.parametrize("text", ["/", "../..", "/..", "../"])
def test_an_interval_has_a_known_side(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == (
        f"date {text!r} must have a known start or end; leave the date out if"
        " neither is known"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-07-23T10:00/2024-07-24",
         "has a time of day in its start 2024-07-23T10:00: an interval runs from a"
         " date to a date"),
        ("2024-07-23/2024-07-24T10:00Z",
         "has a time of day in its end 2024-07-24T10:00Z: an interval runs from a"
         " date to a date"),
        ("2024-07-23T10:00/..",
         "has a time of day in its start 2024-07-23T10:00: an interval runs from a"
         " date to a date"),
        ("201X/2015",
         "has unspecified digits (X) in its start 201X, which an interval may not"
         " have"),
        ("2004-06-XX/2004-07-03",
         "has unspecified digits (X) in its start 2004-06-XX, which an interval may"
         " not have"),
        ("2004/2005-XX",
         "has unspecified digits (X) in its end 2005-XX, which an interval may not"
         " have"),
    ],
)  # fmt: skip
def test_an_intervals_sides_are_dates_without_times_or_x(
    text: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == f"date {text!r} {message}"


def test_the_message_is_one_line_naming_the_text() -> None:
    for text in ("July 2024", "2024-13", "2024-02-30/2024-03", "2025/2024",
                 "-1985", "Y17E7", "../..", "201X/2015", "2004-06~-11"):  # fmt: skip
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


UNSPECIFIED = {
    # form -> how much of YYYY-MM-DD it keeps, and what follows it
    "decade": (3, "X"),
    "century": (2, "XX"),
    "month": (4, "-XX"),
    "day": (7, "-XX"),
    "month and day": (4, "-XX-XX"),
}
MARKS = {"open": "..", "unknown": ""}
"""How an interval writes a side that is open or unknown."""
SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}
"""The edtf package's seasons (its SEASON_MONTHS_RANGE): winter is December."""


@st.composite
def unspecified_texts(draw: st.DrawFn) -> tuple[str, date]:
    """A date with X digits, and a day it may mean."""
    day = draw(days)
    kept, unspecified = UNSPECIFIED[draw(st.sampled_from(sorted(UNSPECIFIED)))]
    text = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"[:kept] + unspecified
    assume(not text.startswith(("000X", "00XX")))  # year 0000 is not supported
    return text + draw(qualifiers), day


@st.composite
def seasons(draw: st.DrawFn) -> PartialDate:
    year, season = (
        draw(st.integers(1, 9999)),
        draw(st.sampled_from(sorted(SEASON_MONTHS))),
    )
    return PartialDate.parse(f"{year:04d}-{season}{draw(qualifiers)}")


@st.composite
def timed_texts(draw: st.DrawFn) -> tuple[str, date, str]:
    """A day and a time of day, as text, its day and its time."""
    day = draw(days)
    clock = f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}"
    if draw(st.booleans()):
        clock += f":{draw(st.integers(0, 59)):02d}"
    offset = st.tuples(st.sampled_from("+-"), st.integers(0, 14), st.integers(0, 59))
    sign, hours, minutes = draw(offset)
    zone = draw(st.sampled_from(["", "Z", f"{sign}{hours:02d}",
                                 f"{sign}{hours:02d}:{minutes:02d}"]))  # fmt: skip
    return f"{day.isoformat()}T{clock}{zone}", day, clock + zone


@st.composite
def open_intervals(draw: st.DrawFn) -> PartialDate:
    known = date_text(draw(days), draw(precisions), draw(qualifiers))
    missing = draw(st.sampled_from(["..", ""]))
    return PartialDate.parse(
        f"{known}/{missing}" if draw(st.booleans()) else f"{missing}/{known}"
    )


any_dates = st.one_of(
    single_dates(),
    intervals(),
    unspecified_texts().map(lambda drawn: PartialDate.parse(drawn[0])),
    seasons(),
    timed_texts().map(lambda drawn: PartialDate.parse(drawn[0])),
    open_intervals(),
)


@given(any_dates)
def test_lower_is_never_after_upper(parsed: PartialDate) -> None:
    assert parsed.lower <= parsed.upper


@given(any_dates)
def test_the_text_round_trips(parsed: PartialDate) -> None:
    again = PartialDate.parse(parsed.text)

    assert again.text == parsed.text
    assert again == parsed
    assert (again.lower, again.upper) == (parsed.lower, parsed.upper)
    assert str(again) == parsed.text


@given(any_dates)
def test_every_date_says_what_it_is(parsed: PartialDate) -> None:
    assert parsed.precision in ("century", "decade", "year", "season", "month", "day")
    assert parsed.bounded == (parsed.open_start is None and parsed.open_end is None)
    assert parsed.bounded == (parsed.start is not None and parsed.end is not None)
    for side in (parsed.start, parsed.end):
        if side is not None:
            assert parsed.lower <= side.lower <= side.upper <= parsed.upper
            assert not side.is_interval
    if parsed.is_interval:
        start = parsed.start.text if parsed.start else MARKS[parsed.open_start]
        end = parsed.end.text if parsed.end else MARKS[parsed.open_end]
        assert f"{start}/{end}" == parsed.text
    else:
        assert parsed.start == parsed.end == parsed


@given(unspecified_texts())
def test_unspecified_digits_span_exactly_the_days_they_may_mean(
    drawn: tuple[str, date],
) -> None:
    text, day = drawn
    parsed = PartialDate.parse(text)

    def fits(candidate: date) -> bool:
        written = candidate.isoformat()
        pattern = text.rstrip("~?%")
        return all(a in ("X", b) for a, b in zip(pattern, written, strict=False))

    assert parsed.unspecified
    assert parsed.lower <= day <= parsed.upper
    assert fits(parsed.lower)
    assert fits(parsed.upper)
    assert parsed.lower == date.min or not fits(parsed.lower - timedelta(days=1))
    assert parsed.upper == date.max or not fits(parsed.upper + timedelta(days=1))


@given(seasons())
def test_a_season_is_its_months(parsed: PartialDate) -> None:
    year, season = int(parsed.text[:4]), int(parsed.text[5:7])
    first, last = SEASON_MONTHS[season]

    assert parsed.precision == "season"
    assert parsed.lower == date(year, first, 1)
    assert parsed.upper == date(year, last, monthrange(year, last)[1])


@given(timed_texts())
def test_a_time_of_day_is_kept_and_its_day_bounds_it(
    drawn: tuple[str, date, str],
) -> None:
    text, day, time = drawn
    parsed = PartialDate.parse(text)

    assert parsed.text == text
    assert parsed.time == time
    assert parsed.lower == parsed.upper == day
    assert parsed.precision == "day"


@given(open_intervals())
def test_an_open_or_unknown_side_reaches_the_end_of_the_calendar(
    parsed: PartialDate,
) -> None:
    assert not parsed.bounded
    if parsed.start is None:
        assert parsed.lower == date.min
        assert parsed.end is not None
        assert parsed.upper == parsed.end.upper
    else:
        assert parsed.upper == date.max
        assert parsed.lower == parsed.start.lower


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


# -- the valid-time options (--at, --since, --until) ------------------------------


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("201X", date(2010, 1, 1), date(2019, 12, 31)),
        ("2024-21", date(2024, 3, 1), date(2024, 5, 31)),
        ("2024-07-XX", date(2024, 7, 1), date(2024, 7, 31)),
        ("2015-02-15T00:00+02:00", date(2015, 2, 15), date(2015, 2, 15)),
        ("2024-07~", date(2024, 7, 1), date(2024, 7, 31)),
        ("2023/2024-03", date(2023, 1, 1), date(2024, 3, 31)),  # as it always did
    ],
)
def test_an_option_reads_any_date_and_a_closed_interval(
    text: str, lower: date, upper: date
) -> None:
    parsed = valid_date(text, "--since")

    assert (parsed.lower, parsed.upper) == (lower, upper)


@pytest.mark.parametrize("text", ["2024/..", "../2024", "2024-07/", "/2024-07"])
def test_an_option_refuses_an_open_or_unknown_side(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        valid_date(text, "--until")

    assert str(raised.value) == (
        f"--until: date {text!r} has an open or unknown side; give a date such as"
        " 2024-07 or an interval with both sides such as 2024-07/2024-09"
    )


def test_an_option_names_itself_in_the_dates_own_message() -> None:
    with pytest.raises(InvalidInput) as raised:
        valid_date("-1985", "--at")

    assert str(raised.value) == (
        "--at: date '-1985' has a negative year, which is not supported: years run"
        " from 0001 to 9999"
    )
