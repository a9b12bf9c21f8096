"""Value objects: slugs, required text, partial dates and actor codes.

Validation lives here so that every layer (CLI, case files, the domain itself)
rejects the same bad input with the same message.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
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
    """A valid-time date as recorded: a subset of EDTF (ISO 8601-2, level 1).

    The forms accepted are

    * a day, a month or a year: ``2024-07-23``, ``2024-07``, ``2024``;
    * any of these followed by one qualifier: ``~`` approximate
      (``2024-07~``), ``?`` uncertain (``2024-07?``), ``%`` both (``2024%``);
    * an interval ``START/END`` of two of these, each at its own precision and
      with its own qualifier: ``2024-07-23/2024-07-26``, ``2023/2024-03~``.
      The end may not lie before the start.

    The original text is the only thing kept: it is what events store and
    what is shown back (:meth:`__str__`); a month is never padded into a day.
    :attr:`lower` and :attr:`upper` are the first and last day the date can
    mean, used for ordering: for an interval, the first day of its start and
    the last day of its end. A qualifier does not change them: ``2024-07~``
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
        return len(_sides(self.text)) == 2

    @property
    def start(self) -> PartialDate:
        """An interval's start (``2023`` of ``2023/2024-03~``), qualifier and all;
        a single date is its own start, qualified as it is."""
        sides = _sides(self.text)
        return PartialDate(sides[0].text) if len(sides) == 2 else self

    @property
    def end(self) -> PartialDate:
        """An interval's end (``2024-03~`` of ``2023/2024-03~``), qualifier and
        all; a single date is its own end, qualified as it is."""
        sides = _sides(self.text)
        return PartialDate(sides[1].text) if len(sides) == 2 else self

    @property
    def precision(self) -> str:
        """``"year"``, ``"month"`` or ``"day"``: how precise the date is. For an
        interval, the precision of its coarser side (``2023/2024-03`` is
        ``"year"``); :attr:`start` and :attr:`end` give each side's."""
        precisions = [side.precision for side in _sides(self.text)]
        return min(precisions, key=PRECISIONS.index)

    @property
    def approximate(self) -> bool:
        """Whether the date, or a side of an interval, is qualified ``~`` or ``%``."""
        return any(side.qualifier in ("~", "%") for side in _sides(self.text))

    @property
    def uncertain(self) -> bool:
        """Whether the date, or a side of an interval, is qualified ``?`` or ``%``."""
        return any(side.qualifier in ("?", "%") for side in _sides(self.text))

    @property
    def lower(self) -> date:
        """The first day the date can mean (an interval's: its start's)."""
        return _sides(self.text)[0].lower

    @property
    def upper(self) -> date:
        """The last day the date can mean (an interval's: its end's)."""
        return _sides(self.text)[-1].upper

    def __str__(self) -> str:
        return self.text


PRECISIONS = ("year", "month", "day")
"""The precisions of a date, coarsest first."""

# Used with fullmatch(): "$" would also accept a trailing newline.
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?([~?%]?)")
_FORMS = (
    "YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ~ (approximate), "
    "? (uncertain) or % (both), or an interval START/END such as "
    "2024-07-23/2024-07-26"
)


class _Side(NamedTuple):
    """One date of the text: all of it, or one side of an interval."""

    text: str
    precision: str
    qualifier: str
    """``""``, ``"~"``, ``"?"`` or ``"%"``."""
    lower: date
    upper: date


@lru_cache(maxsize=4096)
def _sides(text: str) -> tuple[_Side, ...]:
    """The date ``text`` or the two sides of the interval it is, checked."""
    parts = text.split("/")
    if len(parts) == 1:
        return (_side(text, text),)
    if len(parts) == 2:
        start, end = _side(text, parts[0], "start"), _side(text, parts[1], "end")
        if end.upper < start.upper or end.lower < start.lower:
            raise InvalidInput(
                f"date {excerpt(text)} ends before it starts: its end {end.text} must "
                f"not begin or end before its start {start.text}"
            )
        return start, end
    raise InvalidInput(f"date {excerpt(text)} must be {_FORMS}")


def _side(text: str, part: str, which: str | None = None) -> _Side:
    """The date ``part`` of ``text``: all of it, or its ``which`` side."""
    match = _DATE.fullmatch(part)
    if not match:
        raise InvalidInput(f"date {excerpt(text)} must be {_FORMS}")
    year, month, day, qualifier = match.groups()
    numbers = [int(year), *(int(given) for given in (month, day) if given)]
    precision = PRECISIONS[len(numbers) - 1]
    try:
        # A given 0 fails here too: it is never "not given".
        lower = date(*numbers, *[1, 1][: 3 - len(numbers)])
    except ValueError:
        if which is None:
            raise InvalidInput(f"date {excerpt(text)} does not exist") from None
        raise InvalidInput(
            f"date {excerpt(text)} does not exist: its {which} {part} is not in"
            " the calendar"
        ) from None
    if precision == "day":
        upper = lower
    elif precision == "month":
        upper = lower.replace(day=monthrange(lower.year, lower.month)[1])
    else:
        upper = lower.replace(month=12, day=31)
    return _Side(part, precision, qualifier, lower, upper)


def optional_date(value: str | None) -> PartialDate | None:
    """A date the user may leave out."""
    return PartialDate.parse(value) if value else None
