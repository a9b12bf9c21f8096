"""Value objects: slugs, required text, partial dates and actor codes.

Validation lives here so that every layer (CLI, case files, the domain itself)
rejects the same bad input with the same message.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from datetime import time as clock
from functools import lru_cache
from typing import NamedTuple, Self

from events.errors import InvalidInput, excerpt
from events.policy import SLUG_LIMIT, checked, checked_items

# Used with fullmatch(): "$" would also accept a trailing newline.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COUNTRY_CODE = re.compile(r"[A-Z]{3}")


def as_slug(value: str, what: str = "key") -> str:
    """Return ``value`` if it is a lowercase slug such as ``humanitarian-aid``."""
    if not SLUG.fullmatch(value):
        raise InvalidInput(
            f"{what} {excerpt(value)} must be a lowercase slug like 'humanitarian-aid'"
        )
    if len(value) > SLUG_LIMIT:
        raise InvalidInput(
            f"{what} is {len(value):,} characters long; at most {SLUG_LIMIT} are"
            " allowed"
        )
    return value


def slugify(text: str) -> str:
    """Derive a slug from a title: ``Humanitarian Aid`` -> ``humanitarian-aid``."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def required_text(value: str, what: str) -> str:
    """Return ``value`` stripped and checked by the input policy
    (:mod:`events.policy`) as the field ``what``; empty is an error."""
    stripped = value.strip()
    if not stripped:
        raise InvalidInput(f"{what} must not be empty")
    return checked(stripped, what)


def optional_text(value: str | None, what: str) -> str | None:
    """Blank optional text means 'not given'; any other is checked."""
    if value is None:
        return None
    stripped = value.strip()
    return checked(stripped, what) if stripped else None


def required_texts(values: list[str] | tuple[str, ...], what: str) -> list[str]:
    """Each item of a list of required text, stripped and checked."""
    checked_items(len(values), what)
    return [required_text(value, what) for value in values]


def as_actor_code(value: str) -> str:
    """An actor is an ISO 3166-1 alpha-3 code (``CHN``) or a registered slug."""
    if COUNTRY_CODE.fullmatch(value) or (
        SLUG.fullmatch(value) and len(value) <= SLUG_LIMIT
    ):
        return value
    raise InvalidInput(
        f"actor {excerpt(value)} must be an ISO 3166-1 alpha-3 code like 'CHN' "
        "or a registered actor key like 'western-nations'"
    )


def is_country_code(code: str) -> bool:
    """Three capital letters: the shape of ISO 3166-1 alpha-3 (``CHN``)."""
    return bool(COUNTRY_CODE.fullmatch(code))


@dataclass(frozen=True)
class PartialDate:
    """A valid-time date as recorded: EDTF levels 0 and 1 (ISO 8601-2).

    The forms accepted are

    * a day, a month or a year: ``2024-07-23``, ``2024-07``, ``2024``;
    * unspecified digits ``X`` from the right: a year's last one or two
      (``201X``, ``20XX``), a month (``2024-XX``), a day (``2024-07-XX``),
      or both (``2024-XX-XX``);
    * a season: ``2024-21`` spring, ``-22`` summer, ``-23`` autumn, ``-24``
      winter (:data:`SEASONS` says which months);
    * any of these followed by one qualifier: ``~`` approximate
      (``2024-07~``), ``?`` uncertain (``2024-07?``), ``%`` both (``2024%``);
    * a day and a time of day, with ``Z`` or an offset, or neither (a local
      time): ``1985-04-12T23:20:30``, ``1985-04-12T23:20:30-04``,
      ``2015-02-15T00:00+02:00``. A time without seconds goes beyond EDTF,
      as ISO 8601 allows and analysts write it; a date with a time has no
      qualifier;
    * an interval ``START/END`` of two dates (no time of day, no ``X``), each
      at its own precision and with its own qualifier, ``..`` for an open side
      or nothing for an unknown one: ``2024-07-23/2024-07-26``,
      ``1984~/2004-06``, ``2014-04-07/..``, ``/1985``; one side at least is
      known, and the end may not lie before the start.

    Negative years, year 0000 and years beyond 9999 (``Y``-prefixed and
    exponent years) are not supported; EDTF level 2 (``2004-06~-11``,
    ``[1667,1668]``, seasons 25-41) is not accepted.

    The original text is the only thing kept: it is what events store and
    what is shown back (:meth:`__str__`); a month is never padded into a day.
    :attr:`lower` and :attr:`upper` are the first and last day the date can
    mean, used for ordering and filtering: ``201X`` runs from 2010-01-01 to
    2019-12-31, a date with a time is its day as written (local to its
    offset), an interval from the first day of its start to the last day of
    its end, and an open or unknown side reaches :data:`datetime.date.min` or
    :data:`datetime.date.max`. A qualifier does not change them: ``2024-07~``
    runs from 2024-07-01 to 2024-07-31, like ``2024-07``; it only tells the
    reader how far the date is to be trusted (:attr:`approximate`,
    :attr:`uncertain`).
    """

    text: str

    @classmethod
    def parse(cls, value: str) -> Self:
        """The date ``value`` means, blanks around it ignored; anything else,
        or a date the calendar does not have, is :class:`InvalidInput`."""
        value = value.strip()
        _sides(value)
        return cls(text=value)

    @property
    def is_interval(self) -> bool:
        """Whether the date is an interval ``START/END``."""
        _sides(self.text)  # checked first, as every other property is
        return "/" in self.text

    @property
    def start(self) -> PartialDate | None:
        """An interval's start (``2023`` of ``2023/2024-03~``), qualifier and
        all, or ``None`` when it is open or unknown (``../2024``); a single
        date is its own start."""
        return self._date(_sides(self.text)[0])

    @property
    def end(self) -> PartialDate | None:
        """An interval's end (``2024-03~`` of ``2023/2024-03~``), qualifier and
        all, or ``None`` when it is open or unknown (``2024/..``); a single
        date is its own end."""
        return self._date(_sides(self.text)[1])

    @property
    def open_start(self) -> str | None:
        """``"open"`` for an interval's start ``..``, ``"unknown"`` for an
        empty one, ``None`` when the start is a date."""
        start = _sides(self.text)[0]
        return start if isinstance(start, str) else None

    @property
    def open_end(self) -> str | None:
        """``"open"`` for an interval's end ``..``, ``"unknown"`` for an empty
        one, ``None`` when the end is a date."""
        end = _sides(self.text)[1]
        return end if isinstance(end, str) else None

    @property
    def bounded(self) -> bool:
        """Whether no side is open or unknown."""
        return len(_known(self.text)) == 2

    @property
    def precision(self) -> str:
        """How much of the calendar the date spans, one of :data:`PRECISIONS`:
        ``"day"`` (a date with a time too), ``"month"``, ``"season"``,
        ``"year"``, ``"decade"`` (``201X``) or ``"century"`` (``20XX``).
        Unspecified digits count as not given: ``2024-07-XX`` is ``"month"``,
        ``2024-XX`` ``"year"``. For an interval, the precision of its coarser
        known side (``2023/2024-03`` is ``"year"``)."""
        precisions = [side.precision for side in _known(self.text)]
        return min(precisions, key=PRECISIONS.index)

    @property
    def approximate(self) -> bool:
        """Whether the date, or a side of an interval, is qualified ``~`` or ``%``."""
        return any(side.qualifier in ("~", "%") for side in _known(self.text))

    @property
    def uncertain(self) -> bool:
        """Whether the date, or a side of an interval, is qualified ``?`` or ``%``."""
        return any(side.qualifier in ("?", "%") for side in _known(self.text))

    @property
    def unspecified(self) -> bool:
        """Whether the date has unspecified digits ``X`` (``201X``, ``2024-XX``)."""
        return any(side.unspecified for side in _known(self.text))

    @property
    def time(self) -> str | None:
        """The time of day as written after the ``T`` (``00:00+02:00`` of
        ``2015-02-15T00:00+02:00``); ``None`` for a date without one."""
        return _known(self.text)[0].time  # an interval's sides have none

    @property
    def lower(self) -> date:
        """The first day the date can mean (an interval's: its start's, or
        :data:`datetime.date.min` when the start is open or unknown)."""
        start = _sides(self.text)[0]
        return date.min if isinstance(start, str) else start.lower

    @property
    def upper(self) -> date:
        """The last day the date can mean (an interval's: its end's, or
        :data:`datetime.date.max` when the end is open or unknown)."""
        end = _sides(self.text)[1]
        return date.max if isinstance(end, str) else end.upper

    def __str__(self) -> str:
        return self.text

    def _date(self, side: _Side | str) -> PartialDate | None:
        """``side`` as a date of its own (this one, if it is all of it), or
        ``None`` if it is open or unknown."""
        if isinstance(side, str):
            return None
        return self if side.text == self.text else PartialDate(side.text)


PRECISIONS = ("century", "decade", "year", "season", "month", "day")
"""The precisions of a date, coarsest first."""

SEASONS = {"21": (3, 5), "22": (6, 8), "23": (9, 11), "24": (12, 12)}
"""EDTF's seasons (spring, summer, autumn, winter) as their first and last
months, as the ``edtf`` package reads them: the northern hemisphere's
meteorological seasons, except that winter is the December of its year
alone, so it never runs into the next year and a year's seasons sort in
order (a winter meant as January and February falls outside its bounds:
write it as an interval, ``2024-12/2025-02``)."""

# Used with fullmatch(): "$" would also accept a trailing newline. The
# pattern admits more than EDTF (an X year with a month, a time after a
# month); _level_1() refuses the rest. Kept as text, it is compiled (and
# cached by re) when a date is first parsed, not when the module is imported.
_DATE = (
    r"(?P<year>[0-9]{4}|[0-9]{3}X|[0-9]{2}XX)"
    r"(?:-(?P<month>[0-9]{2}|XX)(?:-(?P<day>[0-9]{2}|XX))?)?"
    r"(?:T(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:Z|[+-][0-9]{2}(?::[0-9]{2})?)?)"
    r"|(?P<qualifier>[~?%]))?"
)
_BEYOND = r"Y-?[0-9]+(?P<exponent>E)?|-[0-9]"
"""The start of a year this record does not support: ``Y17E7``, ``Y170000002``,
``-1985``."""
_MISSING = {"..": "open", "": "unknown"}
"""An interval's side that is not a date, and what it says."""
_FORMS = (
    "YYYY, YYYY-MM or YYYY-MM-DD (X for unspecified digits: 201X, 2024-XX), "
    "a season YYYY-21 to YYYY-24, each maybe followed by ~ (approximate), "
    "? (uncertain) or % (both); a time YYYY-MM-DDThh:mm[:ss] with Z or an "
    "offset such as +02:00; or an interval START/END such as "
    "2024-07-23/2024-07-26, with .. for an open side or nothing for an unknown one"
)


class _Side(NamedTuple):
    """One date of the text: all of it, or one known side of an interval."""

    text: str
    precision: str
    qualifier: str
    """``""``, ``"~"``, ``"?"`` or ``"%"``."""
    unspecified: bool
    time: str | None
    lower: date
    upper: date


@lru_cache(maxsize=4096)
def _sides(text: str) -> tuple[_Side | str, _Side | str]:
    """The start and end of the date ``text``, checked: a single date is both;
    an interval's side that is not a date is ``"open"`` or ``"unknown"``."""
    if "/" not in text:
        side = _side(text, text)
        return side, side
    parts = text.split("/")
    if len(parts) != 2:
        raise InvalidInput(f"date {excerpt(text)} must be {_FORMS}")
    first, last = parts
    if first in _MISSING and last in _MISSING:
        raise InvalidInput(
            f"date {excerpt(text)} must have a known start or end; leave the date"
            " out if neither is known"
        )
    start = _MISSING.get(first) or _interval_side(text, first, "start")
    end = _MISSING.get(last) or _interval_side(text, last, "end")
    if isinstance(start, _Side) and isinstance(end, _Side):
        _check_order(text, start, end)
    return start, end


def _known(text: str) -> list[_Side]:
    """The sides of the date ``text`` that are dates (a single date's: itself,
    twice)."""
    return [side for side in _sides(text) if isinstance(side, _Side)]


def _check_order(text: str, start: _Side, end: _Side) -> None:
    """An interval whose end lies before its start is an error."""
    if end.upper < start.upper or end.lower < start.lower:
        raise InvalidInput(
            f"date {excerpt(text)} ends before it starts: its end {end.text} must "
            f"not begin or end before its start {start.text}"
        )


def _interval_side(text: str, part: str, which: str) -> _Side:
    """The ``which`` side ``part`` of the interval ``text``: a date, at most
    qualified (EDTF's intervals have no times, and X in them is level 2)."""
    side = _side(text, part, which)
    if side.time is not None:
        raise InvalidInput(
            f"date {excerpt(text)} has a time of day in its {which} {part}: an"
            " interval runs from a date to a date"
        )
    if side.unspecified:
        raise InvalidInput(
            f"date {excerpt(text)} has unspecified digits (X) in its {which} {part},"
            " which an interval may not have"
        )
    return side


def _side(text: str, part: str, which: str | None = None) -> _Side:
    """The date ``part`` of ``text``: all of it, or its ``which`` side."""
    match = re.fullmatch(_DATE, part)
    if not match:
        raise _not_a_date(text, part)
    year, month, day, time, qualifier = match.groups(default="")
    if not _level_1(year, month, day, time):
        raise _not_a_date(text, part)
    if year.replace("X", "0") == "0000":
        raise _unsupported(text, "year 0000")
    month, day = month.strip("X"), day.strip("X")  # unspecified: not given
    try:
        lower, upper = _bounds(year, month, day)
        if time:
            clock.fromisoformat(time)
    except ValueError:
        if which is None:
            raise InvalidInput(f"date {excerpt(text)} does not exist") from None
        raise InvalidInput(
            f"date {excerpt(text)} does not exist: its {which} {part} is not in"
            " the calendar"
        ) from None
    precision = _precision(year, month, day)
    return _Side(part, precision, qualifier, "X" in part, time or None, lower, upper)


def _level_1(year: str, month: str, day: str, time: str) -> bool:
    """Whether the parts matched (``""`` where not given) make a form of EDTF
    levels 0 and 1."""
    if time:  # of a whole day, every digit given
        return bool(day) and "X" not in year + month + day
    if "X" in year:
        return not month
    if month == "XX":
        return day in ("", "XX")
    if month in SEASONS:
        return not day
    return not month or not 25 <= int(month) <= 41  # level 2's seasons


def _bounds(year: str, month: str, day: str) -> tuple[date, date]:
    """The first and last day of the date (``""`` where not given);
    ``ValueError`` if the calendar does not have it."""
    first_year, last_year = int(year.replace("X", "0")), int(year.replace("X", "9"))
    if month:
        first_month, last_month = SEASONS.get(month, (int(month), int(month)))
    else:
        first_month, last_month = 1, 12
    if day:
        first_day = last_day = int(day)
    else:
        first_day, last_day = 1, monthrange(last_year, last_month)[1]
    return (
        date(first_year, first_month, first_day),
        date(last_year, last_month, last_day),
    )


def _precision(year: str, month: str, day: str) -> str:
    """How much of the calendar the date spans (``""`` where not given)."""
    if "X" in year:
        return "decade" if year.count("X") == 1 else "century"
    if not month:
        return "year"
    if month in SEASONS:
        return "season"
    return "day" if day else "month"


def _not_a_date(text: str, part: str) -> InvalidInput:
    """The error for ``part`` of ``text``, which is not a date of the record."""
    beyond = re.match(_BEYOND, part)
    if beyond is None:
        return InvalidInput(f"date {excerpt(text)} must be {_FORMS}")
    if beyond["exponent"]:
        return _unsupported(text, "an exponent year")
    if part[0] == "Y":
        return _unsupported(text, "a Y-prefixed year")
    return _unsupported(text, "a negative year")


def _unsupported(text: str, year: str) -> InvalidInput:
    return InvalidInput(
        f"date {excerpt(text)} has {year}, which is not supported: years run from"
        " 0001 to 9999"
    )


def optional_date(value: str | None) -> PartialDate | None:
    """A date the user may leave out."""
    return PartialDate.parse(value) if value else None
