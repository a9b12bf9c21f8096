"""Value objects: slugs, required text, partial dates and actor codes.

Validation lives here so that every layer (CLI, case files, the domain itself)
rejects the same bad input with the same message.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from typing import Self

from events.errors import InvalidInput

# Used with fullmatch(): "$" would also accept a trailing newline.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COUNTRY_CODE = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def as_slug(value: str, what: str = "key") -> str:
    """Return ``value`` if it is a lowercase slug such as ``humanitarian-aid``."""
    if not SLUG.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} must be a lowercase slug like 'humanitarian-aid'"
        )
    return value


def slugify(text: str) -> str:
    """Derive a slug from a title: ``Humanitarian Aid`` -> ``humanitarian-aid``."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def required_text(value: str, what: str) -> str:
    """Return ``value`` stripped; empty required text is an error."""
    stripped = value.strip()
    if not stripped:
        raise InvalidInput(f"{what} must not be empty")
    return stripped


def optional_text(value: str | None) -> str | None:
    """Blank optional text means 'not given'."""
    if value is None:
        return None
    return value.strip() or None


def required_texts(values: list[str] | tuple[str, ...], what: str) -> list[str]:
    """Each item of a list of required text, stripped."""
    return [required_text(value, what) for value in values]


def as_actor_code(value: str) -> str:
    """An actor is an ISO 3166-1 alpha-3 code (``CHN``) or a registered slug."""
    if COUNTRY_CODE.fullmatch(value) or SLUG.fullmatch(value):
        return value
    raise InvalidInput(
        f"actor {value!r} must be an ISO 3166-1 alpha-3 code like 'CHN' "
        "or a registered actor key like 'western-nations'"
    )


def is_country_code(code: str) -> bool:
    """Three capital letters: the shape of ISO 3166-1 alpha-3 (``CHN``)."""
    return bool(COUNTRY_CODE.fullmatch(code))


@dataclass(frozen=True)
class PartialDate:
    """A valid-time date with its own precision: ``2024``, ``2024-07``, ``2024-07-23``.

    The original text is kept; :attr:`lower` and :attr:`upper` are the first and
    last day it can mean, used for ordering. A month is never padded into a day.
    """

    text: str

    @classmethod
    def parse(cls, value: str) -> Self:
        value = value.strip()
        match = _DATE.fullmatch(value)
        if not match:
            raise InvalidInput(f"date {value!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(part) if part else 1 for part in match.groups())
        try:
            date(year, month, day)  # a given 0 fails here too: never "not given"
        except ValueError:
            raise InvalidInput(f"date {value!r} does not exist") from None
        return cls(text=value)

    @property
    def precision(self) -> str:
        return ("year", "month", "day")[self.text.count("-")]

    @property
    def lower(self) -> date:
        parts = [int(part) for part in self.text.split("-")]
        return date(parts[0], *[*parts[1:], 1, 1][:2])

    @property
    def upper(self) -> date:
        parts = [int(part) for part in self.text.split("-")]
        if len(parts) == 3:
            return date(*parts)
        if len(parts) == 2:
            year, month = parts
            return date(year, month, monthrange(year, month)[1])
        return date(parts[0], 12, 31)

    def __str__(self) -> str:
        return self.text


def optional_date(value: str | None) -> PartialDate | None:
    """A date the user may leave out."""
    return PartialDate.parse(value) if value else None
