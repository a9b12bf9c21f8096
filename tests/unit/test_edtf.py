"""Our EDTF parser (:class:`PartialDate`) against the specification's own
examples and the ``edtf`` package, the reference parser.

The examples are every one of levels 0 and 1 in the Library of Congress's
Extended Date/Time Format specification (February 2019,
https://www.loc.gov/standards/datetime/), the basis of ISO 8601-2, and a
selection of level 2's, which the record refuses. The reference is used here
only: the record parses with its own patterns (:mod:`events.values`), which
cost nothing at start-up.
"""

from __future__ import annotations

import math
import warnings
from datetime import date
from time import struct_time
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from events.errors import InvalidInput
from events.values import PartialDate
from tests.unit.dates import date_text

with warnings.catch_warnings():
    # edtf 5 builds its pyparsing grammar on import, and pyparsing 3.3 warns
    # about how it names results there, which pytest would make an error.
    warnings.simplefilter("ignore")
    from edtf import parse_edtf

LEVEL_0 = [
    # Date
    "1985-04-12",
    "1985-04",
    "1985",
    # Date and time: local, UTC, an offset in hours, in hours and minutes
    "1985-04-12T23:20:30",
    "1985-04-12T23:20:30Z",
    "1985-04-12T23:20:30-04",
    "1985-04-12T23:20:30+04:30",
    # Time interval
    "1964/2008",
    "2004-06/2006-08",
    "2004-02-01/2005-02-08",
    "2004-02-01/2005-02",
    "2004-02-01/2005",
    "2005/2006-02",
]
LEVEL_1 = [
    # Seasons (the specification's example is spring; 22-24 are its values)
    "2001-21",
    "2001-22",
    "2001-23",
    "2001-24",
    # Qualification of a date (complete)
    "1984?",
    "2004-06~",
    "2004-06-11%",
    # Unspecified digit(s) from the right
    "201X",
    "20XX",
    "2004-XX",
    "1985-04-XX",
    "1985-XX-XX",
    # Extended interval: qualified sides
    "1984~/2004-06",
    "1984/2004-06~",
    "1984~/2004~",
    "1984?/2004%",
    "1984-06?/2004-08?",
    "1984-06-02?/2004-08-08~",
]
OPEN_OR_UNKNOWN = [
    # Extended interval: an open end, an open start, an unknown end or start
    "1985-04-12/..",
    "1985-04/..",
    "1985/..",
    "../1985-04-12",
    "../1985-04",
    "../1985",
    "1985-04-12/",
    "1985-04/",
    "1985/",
    "/1985-04-12",
    "/1985-04",
    "/1985",
    "1984-06-02?/..",
]
BEYOND_THE_CALENDAR = {
    # Level 1's letter-prefixed calendar years and negative calendar year
    "Y170000002": "a Y-prefixed year",
    "Y-170000002": "a Y-prefixed year",
    "-1985": "a negative year",
}
LEVEL_2 = [
    # Exponential year, significant digits
    "Y-17E7",
    "1950S2",
    "Y171010000S3",
    "Y3388E2S3",
    # Sub-year groupings: seasons by hemisphere, quarters, quadrimesters...
    "2001-25",
    "2001-29",
    "2001-34",
    "2001-41",
    # Set representation
    "[1667,1668,1670..1672]",
    "[..1760-12-03]",
    "[1760-12..]",
    "[1760-01,1760-02,1760-12..]",
    "[1667,1760-12]",
    "[..1984]",
    "{1667,1668,1670..1672}",
    "{1960,1961-12}",
    "{..1984}",
    # Qualification of a component
    "2004-06~-11",
    "2004?-06-11",
    "?2004-06-~11",
    "2004-%06-11",
    # Unspecified digits anywhere
    "156X-12-25",
    "15XX-12-25",
    "XXXX-12-XX",
    "1XXX-XX",
    "1XXX-12",
    # Interval
    "2004-06-~01/2004-06-~20",
    "2004-06-XX/2004-07-03",
]


def reference_bound(value: Any) -> date | None:
    """One of the reference's strict bounds as a day, ``None`` if infinite
    (the reference's open side)."""
    if isinstance(value, float):
        assert math.isinf(value)
        return None
    assert isinstance(value, struct_time)
    return date(value.tm_year, value.tm_mon, value.tm_mday)


# -- the specification's examples ---------------------------------------------


@pytest.mark.parametrize("text", LEVEL_0 + LEVEL_1)
def test_each_example_means_what_the_reference_says(text: str) -> None:
    ours = PartialDate.parse(text)
    reference = parse_edtf(text)

    assert ours.text == str(ours) == str(reference) == text
    assert ours.bounded
    assert ours.lower == reference_bound(reference.lower_strict())
    assert ours.upper == reference_bound(reference.upper_strict())
    assert ours.lower <= ours.upper


@pytest.mark.parametrize("text", OPEN_OR_UNKNOWN)
def test_an_open_or_unknown_side_is_where_the_views_can_sort_it(text: str) -> None:
    ours = PartialDate.parse(text)
    reference = parse_edtf(text)

    assert ours.text == str(ours) == str(reference) == text
    assert not ours.bounded
    lower = reference_bound(reference.lower_strict())
    upper = reference_bound(reference.upper_strict())
    # The known side means what the reference says. The other differs by
    # convention: the reference puts an open side at infinity and an unknown
    # one ten years from the known side (its DELTA_IF_UNKNOWN), a guess; ours
    # reaches the end of the calendar either way, which the views store as
    # ISO text (0001-01-01, 9999-12-31) and compare as text.
    if text.startswith(("..", "/")):
        assert ours.start is None
        assert ours.open_start == ("open" if text.startswith("..") else "unknown")
        assert ours.lower == date.min
        assert ours.upper == upper
        assert lower is None or lower < upper  # unknown: ten years before it
    else:
        assert ours.end is None
        assert ours.open_end == ("open" if text.endswith("..") else "unknown")
        assert ours.upper == date.max
        assert ours.lower == lower
        assert upper is None or upper > lower  # unknown: ten years after it


@pytest.mark.parametrize(("text", "year"), sorted(BEYOND_THE_CALENDAR.items()))
def test_years_beyond_the_calendar_are_edtf_and_not_supported(
    text: str, year: str
) -> None:
    parse_edtf(text)  # EDTF, which the reference reads

    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    assert str(raised.value) == (
        f"date {text!r} has {year}, which is not supported: years run from 0001 to 9999"
    )


@pytest.mark.parametrize("text", LEVEL_2)
def test_level_2_is_refused_in_one_line(text: str) -> None:
    parse_edtf(text)  # EDTF, which the reference reads

    with pytest.raises(InvalidInput) as raised:
        PartialDate.parse(text)

    message = str(raised.value)
    assert message.startswith(f"date {text!r} ")
    assert "\n" not in message
    assert message.endswith(
        ("for an unknown one", "years run from 0001 to 9999", "may not have")
    )


@pytest.mark.parametrize(
    "text",
    [
        # A time of day without seconds: ISO 8601 allows it and analysts write
        # it; EDTF does not have it.
        "2015-02-15T00:00+02:00",
        "2015-02-15T00:00",
        # An offset of no hours: ISO 8601 and RFC 3339 write UTC so too.
        "2015-02-15T10:00:00+00:00",
        # A qualified season alone: EDTF qualifies a date at level 1, and the
        # reference takes a qualified season on a side of an interval, not alone.
        "2001-21~",
    ],
)
def test_what_we_accept_beyond_the_reference(text: str) -> None:
    with pytest.raises(Exception, match="Error at position"):
        parse_edtf(text)

    assert PartialDate.parse(text).text == text


# -- properties ----------------------------------------------------------------

days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
qualifiers = st.sampled_from(["", "~", "?", "%"])


@st.composite
def plain(draw: st.DrawFn) -> str:
    """A year, a month or a day, maybe qualified."""
    precision = draw(st.sampled_from(["year", "month", "day"]))
    return date_text(draw(days), precision, draw(qualifiers))


@st.composite
def unspecified(draw: st.DrawFn) -> str:
    day = draw(days).isoformat()
    kept, x = draw(st.sampled_from([(3, "X"), (2, "XX"), (4, "-XX"), (7, "-XX"),
                                    (4, "-XX-XX")]))  # fmt: skip
    text = day[:kept] + x
    assume(not text.startswith(("000X", "00XX")))  # year 0000: not supported
    return text + draw(qualifiers)


@st.composite
def season(draw: st.DrawFn) -> str:
    return f"{draw(st.integers(1, 9999)):04d}-{draw(st.sampled_from(range(21, 25)))}"


@st.composite
def timed(draw: st.DrawFn) -> str:
    """A day and a time of day with seconds, and a zone as EDTF writes it."""
    clock = ":".join(f"{draw(st.integers(0, top)):02d}" for top in (23, 59, 59))
    sign, hours = draw(st.sampled_from("+-")), draw(st.integers(1, 13))
    minutes = draw(st.integers(0, 59))
    zone = draw(st.sampled_from(["", "Z", f"{sign}{hours:02d}",
                                 f"{sign}{hours:02d}:{minutes:02d}"]))  # fmt: skip
    return f"{draw(days).isoformat()}T{clock}{zone}"


@st.composite
def interval(draw: st.DrawFn) -> str:
    """Two sides, each a plain date, a season (maybe qualified) or, on one side
    at most, open or unknown."""
    sides = st.one_of(plain(), season().map(lambda text: text + "~"), season())
    start, end = draw(sides), draw(sides)
    missing = draw(st.sampled_from([None, "start", "end"]))
    if missing:
        mark = draw(st.sampled_from(["..", ""]))
        start, end = (mark, end) if missing == "start" else (start, mark)
    return f"{start}/{end}"


edtf_texts = st.one_of(plain(), unspecified(), season(), timed(), interval())


def refusal(text: str) -> str | None:
    """Why the record refuses ``text``, or ``None`` if it takes it."""
    try:
        PartialDate.parse(text)
    except InvalidInput as error:
        return str(error)
    return None


@settings(deadline=None)  # the reference's first parse builds its caches
@given(edtf_texts)
def test_ours_and_the_reference_agree_on_every_form_both_read(text: str) -> None:
    refused = refusal(text)
    # The reference does not check that an interval ends after it starts.
    assume(refused is None or "ends before it starts" not in refused)
    assert refused is None, refused
    ours = PartialDate.parse(text)
    reference = parse_edtf(text)

    assert ours.text == str(reference) == text
    assert ours.lower <= ours.upper
    assert PartialDate.parse(ours.text) == ours
    if ours.open_start is None:
        assert ours.lower == reference_bound(reference.lower_strict())
    if ours.open_end is None:
        assert ours.upper == reference_bound(reference.upper_strict())
